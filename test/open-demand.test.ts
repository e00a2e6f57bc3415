// Open demands (Art. 21 ¶1) as a citizen and an agency drive them over HTTP, against real Temporal and
// PostgreSQL: the demand, the agency's answer (a plan or its reasons) in time, withdrawal, refusals.
import type { Actor } from '../domain/types';
import { workflowIdFor } from '../workflows/definitions';
import { expectProblem, startApi, type Api } from './api-helpers';
import { eventually, recordHistories, startHarness, type Harness } from './helpers';

let h: Harness;
let api: Api;
/** The same API with an answer due in seconds. */
let hurried: Api;
const started: { name: string; workflowId: string }[] = [];
beforeAll(async () => {
  h = await startHarness('demand');
  api = await startApi(h);
  hurried = await startApi(h, { policies: { open_demand: { answer: { seconds: 2 }, reminderBefore: { seconds: 1 } } } });
});
afterAll(async () => {
  if (process.env.RECORD_HISTORIES) await recordHistories(h.client, started, process.env.RECORD_HISTORIES, 'open_demand');
  await hurried.app.close();
  await api.app.close();
  await h.close();
});

const citizen = (): Actor => ({ sub: 'chen.citizen', org: 'public', roles: ['public_applicant'] });
const agencyOf = (org: string): Actor => ({ sub: `answer-${org.slice(-10)}`, org, roles: ['provider_reviewer'] });
const post = (a: Api, actor: Actor, url: string, payload?: object) => a.app.inject({ method: 'POST', url, payload, headers: a.as(actor) });
const get = (actor: Actor, url: string) => api.app.inject({ method: 'GET', url, headers: api.as(actor) });

async function demand(name: string, a: Api, body: object) {
  const res = await post(a, citizen(), '/open-demands', body);
  expect(`${res.statusCode} ${res.body.slice(0, 300)}`).toMatch(/^201 /);
  started.push({ name, workflowId: workflowIdFor('open_demand', res.json().id) });
  return res.json() as { id: string; status: string; tasks: { id: string; kind: string; candidateOrg: string }[] };
}
const openTask = (actor: Actor, requestId: string) =>
  eventually(async () =>
    ((await get(actor, '/tasks?kind=OPEN_DEMAND_ANSWER')).json().items as { id: string; requestId: string }[]).find((t) => t.requestId === requestId),
  );

test('a citizen asks for an entry to be opened; the providing agency answers with a plan the citizen reads', async () => {
  const req = await demand('a demand answered with a plan', api, {
    catalogEntryId: h.city.entries.none,
    description: '行政执法案卷的处罚结果',
    purpose: '企业信用研究',
  });
  expect(req).toMatchObject({ status: 'in_review', tasks: [{ kind: 'OPEN_DEMAND_ANSWER', candidateOrg: h.city.agencies.market }] });
  const agency = agencyOf(h.city.agencies.market);
  const task = await openTask(agency, req.id);
  expectProblem(await post(api, agency, `/tasks/${task.id}/complete`, { decision: 'PLAN' }), 400);
  const answered = await post(api, agency, `/tasks/${task.id}/complete`, { decision: 'PLAN', reason: '脱敏后于下季度开放处罚结果字段' });
  expect(answered.json()).toMatchObject({ status: 'answered', outcome: { article: 'Art. 21', decision: 'PLAN', reason: '脱敏后于下季度开放处罚结果字段' } });
  const seen = (await get(citizen(), `/requests/${req.id}`)).json();
  expect(seen).toMatchObject({ type: 'open_demand', status: 'answered', outcome: { decision: 'PLAN' } });
  const actions = (await get(citizen(), `/requests/${req.id}/history`)).json().items.map((e: { action: string }) => e.action);
  expect(actions).toEqual(['submitted', 'task_opened', 'demand_received', 'task_completed', 'opening_planned']);
  // The citizen was told.
  expect(
    (await get(citizen(), '/notifications'))
      .json()
      .items.some((n: { requestId: string; message: string }) => n.requestId === req.id && n.message.includes('现为“已答复”')),
  ).toBe(true);
});

test('data not in the catalog: the demand names the agency, which declines with its reasons', async () => {
  const req = await demand('a demand for data not in the catalog, declined', api, {
    providerOrgId: h.city.agencies.health,
    description: '各医院实时床位',
    purpose: '就医导航',
  });
  const agency = agencyOf(h.city.agencies.health);
  const task = await openTask(agency, req.id);
  const declined = await post(api, agency, `/tasks/${task.id}/complete`, { decision: 'DECLINE', reason: '实时床位数据尚未汇聚,无法开放' });
  expect(declined.json()).toMatchObject({ status: 'answered', outcome: { decision: 'DECLINE' } });
  // Another agency never sees the task.
  expect((await get(agencyOf(h.city.agencies.market), `/tasks/${task.id}`)).statusCode).toBe(404);
});

test('the citizen may withdraw the demand; an unanswered one past its due time is marked overdue', async () => {
  const req = await demand('a demand withdrawn', api, { catalogEntryId: h.city.entries.conditional, description: '床位数', purpose: '研究' });
  const withdrawn = await post(api, citizen(), `/requests/${req.id}/cancel`, { reason: '已另行获取' });
  expect(withdrawn.json()).toMatchObject({ status: 'cancelled', tasks: [{ status: 'cancelled' }] });

  const late = await demand('a demand left unanswered past its due time', hurried, {
    catalogEntryId: h.city.entries.conditional,
    description: '科室设置',
    purpose: '研究',
  });
  const agency = agencyOf(h.city.agencies.health);
  await eventually(async () => (await get(agency, `/tasks/${late.tasks[0].id}`)).json().overdue === true, 20_000);
});

test('what a demand must say, and where it cannot go', async () => {
  expectProblem(await post(api, citizen(), '/open-demands', { description: 'x', purpose: 'y' }), 400, 'body.catalogEntryId', 'an entry or an agency');
  expectProblem(
    await post(api, citizen(), '/open-demands', { catalogEntryId: h.city.entries.none, description: '  ', purpose: 'y' }),
    400,
    'body.description',
    'required',
  );
  expectProblem(
    await post(api, citizen(), '/open-demands', { catalogEntryId: 'no-such-entry', description: 'x', purpose: 'y' }),
    400,
    'body.catalogEntryId',
    'exists',
  );
  expectProblem(
    await post(api, citizen(), '/open-demands', { providerOrgId: h.city.leadingGroup, description: 'x', purpose: 'y' }),
    400,
    'body.providerOrgId',
    'an agency',
  );
  // Open without conditions already: the data is on the unified open platform (Art. 16).
  const open = expectProblem(
    await post(api, citizen(), '/open-demands', { catalogEntryId: h.city.entries.unconditional, description: 'x', purpose: 'y' }),
    409,
  );
  expect(open.article).toBe('Art. 16');
  expectProblem(
    await post(api, agencyOf(h.city.agencies.market), '/open-demands', { catalogEntryId: h.city.entries.none, description: 'x', purpose: 'y' }),
    403,
  );
});

test('two officers answering one demand at once (PLAN and DECLINE): one answer stands, and the citizen reads that one', async () => {
  const req = await demand('two answers at once', api, { catalogEntryId: h.city.entries.none, description: '处罚结果', purpose: '研究' });
  const task = await openTask(agencyOf(h.city.agencies.market), req.id);
  const [a, b] = await Promise.all([
    post(api, { ...agencyOf(h.city.agencies.market), sub: 'officer-1' }, `/tasks/${task.id}/complete`, { decision: 'PLAN', reason: '下季度开放' }),
    post(api, { ...agencyOf(h.city.agencies.market), sub: 'officer-2' }, `/tasks/${task.id}/complete`, { decision: 'DECLINE', reason: '涉及个人信息' }),
  ]);
  expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
  const seen = (await get(citizen(), `/requests/${req.id}`)).json();
  expect(seen).toMatchObject({ status: 'answered', outcome: { decision: a.statusCode === 200 ? 'PLAN' : 'DECLINE' } });
  expect((await get(citizen(), `/requests/${req.id}/history`)).json().items.filter((e: { action: string }) => e.action === 'task_completed')).toHaveLength(1);
});
