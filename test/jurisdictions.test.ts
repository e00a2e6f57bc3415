// Jurisdictions (Art. 32, GB/T 2260 divisions): a supervisor acts for a big data authority and
// oversees its own division, the city's also its districts. Every supervisor × division pair is
// checked, and overdue notices reach the supervisors of the task's own-level (本级) authority.
import { randomUUID } from 'node:crypto';
import { oversees } from '../domain/divisions';
import type { Actor } from '../domain/types';
import { seedCity, type SeededCity } from '../db/seed';
import { startApi, validShareBody, type Api } from './api-helpers';
import { eventually, startHarness, TEST_POLICY, type Harness } from './helpers';

let h: Harness;
let api: Api;
let other: SeededCity;
beforeAll(async () => {
  h = await startHarness('jurisdiction');
  api = await startApi(h, {
    policies: {
      share: {
        ...TEST_POLICY,
        jointReview: { seconds: 2 },
        regulationReview: { seconds: 2 },
        regulationOpinion: { seconds: 2 },
        reminderBefore: { seconds: 1 },
      },
    },
  });
  const prefix = `jur-other-${randomUUID().slice(0, 6)}`;
  other = await seedCity(h.db, prefix, prefix);
});
afterAll(async () => {
  await api.app.close();
  await h.close();
});

const supervisorOf = (org: string): Actor => ({ sub: `sup-${org}`, org, roles: ['supervisor'] });

test('the division rule: a city oversees itself and its districts; a district only itself', () => {
  expect(oversees('371100', '371100')).toBe(true);
  expect(oversees('371100', '371102')).toBe(true);
  expect(oversees('371102', '371102')).toBe(true);
  expect(oversees('371102', '371103')).toBe(false);
  expect(oversees('371102', '371100')).toBe(false);
  expect(oversees('371100', '370200')).toBe(false);
});

test('every supervisor × division pair: overdue tasks, requests and tasks seen exactly where overseen', async () => {
  // One overdue open task per division, each on a request of an applicant of that division.
  const candidates = {
    '371100': h.city.agencies.market,
    '371102': h.city.agencies.donggangMarket,
    '371103': h.city.secondCountyAuthority,
  } as const;
  const ids: Record<string, { request: string; task: string }> = {};
  for (const [division, org] of Object.entries(candidates)) {
    const request = randomUUID();
    await h.db
      .insertInto('requests')
      .values({
        id: request,
        type: 'share',
        workflow_id: `wf-${request}`,
        applicant_sub: `app-${division}`,
        applicant_org: org,
        catalog_entry_id: null,
        status: 'in_review',
        payload: '{}',
        payload_hash: 'x',
      })
      .execute();
    await h.db
      .insertInto('tasks')
      .values({
        id: `${request}.review`,
        request_id: request,
        workflow_id: `wf-${request}`,
        kind: 'SHARE_PROVIDER_OPINION',
        candidate_role: 'provider_reviewer',
        candidate_org: org,
        status: 'open',
        article: 'Art. 14',
        due_at: new Date(Date.now() - 3_600_000),
      })
      .execute();
    ids[division] = { request, task: `${request}.review` };
  }
  const supervisors: [string, string, string[]][] = [
    ['city', h.city.cityAuthority, ['371100', '371102', '371103']],
    ['Donggang', h.city.countyAuthority, ['371102']],
    ['Lanshan', h.city.secondCountyAuthority, ['371103']],
    ['another city', other.cityAuthority, []],
  ];
  for (const [name, org, sees] of supervisors) {
    const who = supervisorOf(org);
    const overdue = (await api.app.inject({ method: 'GET', url: '/overdue-tasks?limit=100', headers: api.as(who) })).json().items as { id: string }[];
    for (const division of Object.keys(candidates)) {
      const expected = sees.includes(division);
      const { request, task } = ids[division];
      const inList = overdue.some((t) => t.id === task);
      const reqStatus = (await api.app.inject({ method: 'GET', url: `/requests/${request}`, headers: api.as(who) })).statusCode;
      const taskStatus = (await api.app.inject({ method: 'GET', url: `/tasks/${task}`, headers: api.as(who) })).statusCode;
      expect({ supervisor: name, division, inList, reqStatus, taskStatus }).toEqual({
        supervisor: name,
        division,
        inList: expected,
        reqStatus: expected ? 200 : 404,
        taskStatus: expected ? 200 : 404,
      });
    }
  }
  // A supervisor of an organisation that is no authority oversees nothing.
  const agencySupervisor = supervisorOf(h.city.agencies.market);
  expect((await api.app.inject({ method: 'GET', url: '/overdue-tasks?limit=100', headers: api.as(agencySupervisor) })).json().items).toEqual([]);
});

test('an overdue task is reported to the supervisors of its own-level authority: a district provider to the district, the city authority to the city', async () => {
  const applicant: Actor = { sub: `jur-app-${randomUUID().slice(0, 6)}`, org: h.city.agencies.market, roles: ['agency_applicant'] };
  const res = await api.app.inject({
    method: 'POST',
    url: '/share-requests',
    payload: validShareBody(h.city.entries.countyConditional),
    headers: api.as(applicant),
  });
  expect(res.statusCode).toBe(201);
  const id = res.json().id as string;
  // Art. 14: the city authority reviews with the district provider.
  expect(
    res
      .json()
      .tasks.map((t: { candidateOrg: string }) => t.candidateOrg)
      .sort(),
  ).toEqual([h.city.agencies.donggangMarket, h.city.cityAuthority].sort());
  const notes = await eventually(async () => {
    const rows = await h.db.selectFrom('notifications').selectAll().where('request_id', '=', id).where('kind', '=', 'task_overdue').execute();
    return rows.length === 2 && rows;
  }, 20_000);
  expect(notes.map((n) => [n.recipient_org, n.recipient_role]).sort()).toEqual(
    [
      [h.city.countyAuthority, 'supervisor'],
      [h.city.cityAuthority, 'supervisor'],
    ].sort(),
  );
  // The Donggang supervisor reads it in their notifications; the Lanshan one does not.
  const seen = async (org: string) =>
    (
      (await api.app.inject({ method: 'GET', url: '/notifications', headers: api.as(supervisorOf(org)) })).json().items as { requestId: string; kind: string }[]
    ).some((n) => n.requestId === id && n.kind === 'task_overdue');
  expect(await seen(h.city.countyAuthority)).toBe(true);
  expect(await seen(h.city.secondCountyAuthority)).toBe(false);
});
