// Grants carry Art. 15's terms; the grantee, the provider and the city authority find them. One ends early
// only on a ground of a closed list: the city authority ends it, or consents to the provider's request
// (Art. 14: the provider does not end sharing alone), through the workflow, audited.
import { randomUUID } from 'node:crypto';
import type { Actor } from '../domain/types';
import { readCalendarOverrides, statutoryCalendar } from '../db/repositories/calendar';
import { endOfDay, shanghaiDay, workdaysBetween } from '../domain/calendar';
import { DEFAULT_SHARE_POLICY } from '../domain/share';
import { startApi, validShareBody, type Api } from './api-helpers';
import { eventually, startHarness, TEST_POLICY, type Harness } from './helpers';

let h: Harness;
let api: Api;
beforeAll(async () => {
  h = await startHarness('grants');
  // A consented stop ends the grant four seconds after the grantee is told (the default is 5 working days).
  api = await startApi(h, { policies: { share: { ...TEST_POLICY, revocationNotice: { seconds: 4 } } } });
});
afterAll(async () => {
  await api.app.close();
  await h.close();
});

const applicant = (): Actor => ({ sub: `gr-${randomUUID().slice(0, 6)}`, org: h.city.agencies.market, roles: ['agency_applicant'] });
const provider = (): Actor => ({ sub: 'gr-provider', org: h.city.agencies.health, roles: ['provider_reviewer'] });
const authority = (): Actor => ({ sub: 'gr-authority', org: h.city.cityAuthority, roles: ['authority_reviewer'] });
const call = (actor: Actor, method: 'GET' | 'POST', url: string, payload?: object) => api.app.inject({ method, url, payload, headers: api.as(actor) });

/** A conditional request through the Art. 14 review to its grant. */
async function granted(me = applicant()) {
  const req = (await call(me, 'POST', '/share-requests', { ...validShareBody(h.city.entries.conditional), fields: ['institution', 'beds'] })).json();
  const task = (kind: string) => req.tasks.find((t: { kind: string }) => t.kind === kind).id;
  await call(provider(), 'POST', `/tasks/${task('SHARE_PROVIDER_OPINION')}/complete`, { decision: 'AGREE' });
  const done = (await call(authority(), 'POST', `/tasks/${task('SHARE_JOINT_REVIEW')}/complete`, { decision: 'APPROVE' })).json();
  expect(done.status).toBe('granted');
  return { me, requestId: req.id as string, grantId: done.grant.id as string };
}

test('a grant carries the Art. 15 terms as the article reads them (the rule on third parties with its exception) and is listed for grantee, provider and city authority, not for others', async () => {
  const g = await granted();
  const view = (await call(g.me, 'GET', `/grants/${g.grantId}`)).json();
  expect(view).toMatchObject({
    status: 'active',
    granteeOrg: h.city.agencies.market,
    providerOrg: h.city.agencies.health,
    fields: ['institution', 'beds'],
    terms: {
      purpose: validShareBody('').scenario,
      statutoryDuty: validShareBody('').statutoryDuty,
      fields: ['institution', 'beds'],
      conditions: '仅用于履行卫生监管或公共服务职责',
      // Art. 15: 除法律、法规另有规定的外，不得以任何形式提供给第三方，不得用于其他任何目的.
      restrictions: [expect.stringContaining('除法律、法规另有规定的外，不得以任何形式提供给第三方'), expect.stringContaining('不得用于其他任何目的')],
    },
  });
  for (const who of [g.me, provider(), authority()])
    expect(((await call(who, 'GET', '/grants?limit=100')).json().items as { id: string }[]).map((x) => x.id)).toContain(g.grantId);
  const stranger: Actor = { sub: 'gr-x', org: h.city.agencies.resources, roles: ['provider_reviewer', 'agency_applicant'] };
  expect(((await call(stranger, 'GET', '/grants?limit=100')).json().items as { id: string }[]).map((x) => x.id)).not.toContain(g.grantId);
  expect((await call(stranger, 'GET', `/grants/${g.grantId}`)).statusCode).toBe(404);
  expect((await call(g.me, 'GET', '/grants?status=revoked&limit=100')).json().items.map((x: { id: string }) => x.id)).not.toContain(g.grantId);
});

type Event = { action: string; reason: string | null; decision: string | null; taskId: string | null; actor: { role: string }; article: string };
const history = async (requestId: string) => (await call(authority(), 'GET', `/requests/${requestId}/history`)).json().items as Event[];

test('the provider asks to end a grant on a ground of the list; the grant stands until the city authority consents, and then ends on that ground (Art. 14, 15)', async () => {
  const g = await granted();
  // The grantee ends its own grant only as its purpose is achieved (below).
  expect((await call(g.me, 'POST', `/grants/${g.grantId}/revoke`, { ground: 'misuse', reason: 'not needed' })).json()).toMatchObject({
    status: 400,
    field: 'body.ground',
    rule: 'purpose_achieved',
  });
  // A ground from the closed list and a reason, each a 400 naming its field.
  expect((await call(provider(), 'POST', `/grants/${g.grantId}/revoke`, { ground: 'any reason it writes', reason: 'x' })).json()).toMatchObject({
    status: 400,
    field: 'body.ground',
  });
  expect((await call(provider(), 'POST', `/grants/${g.grantId}/revoke`, { reason: 'x' })).json()).toMatchObject({ status: 400, field: 'body.ground' });
  expect((await call(provider(), 'POST', `/grants/${g.grantId}/revoke`, { ground: 'misuse', reason: '  ' })).json()).toMatchObject({
    status: 400,
    field: 'body.reason',
    article: 'Art. 15',
  });
  const asked = await call(provider(), 'POST', `/grants/${g.grantId}/revoke`, { ground: 'misuse', reason: 'data used for advertising' });
  expect(asked.statusCode).toBe(202);
  expect(asked.json()).toMatchObject({
    status: 'active',
    endReason: null,
    revocation: { status: 'awaiting_consent', ground: 'misuse', reason: 'data used for advertising', requestedBy: h.city.agencies.health, answer: null },
  });
  // One request at a time; the grantee reads where it stands.
  expect((await call(provider(), 'POST', `/grants/${g.grantId}/revoke`, { ground: 'purpose_achieved', reason: 'again' })).json()).toMatchObject({
    status: 409,
    article: 'Art. 14',
  });
  expect((await call(g.me, 'GET', `/grants/${g.grantId}`)).json()).toMatchObject({
    status: 'active',
    revocation: { status: 'awaiting_consent', ground: 'misuse' },
  });
  // The city authority's task says what it is asked to consent to.
  const taskId = asked.json().revocation.taskId as string;
  const task = (await call(authority(), 'GET', `/tasks/${taskId}`)).json();
  expect(task).toMatchObject({
    kind: 'GRANT_REVOCATION_CONSENT',
    article: 'Art. 14',
    context: { revocationGround: 'misuse', revocationReason: 'data used for advertising', requestedBy: h.city.agencies.health },
  });
  expect((await call(provider(), 'POST', `/tasks/${taskId}/complete`, { decision: 'CONSENT' })).statusCode).toBe(404);
  const consented = (await call(authority(), 'POST', `/tasks/${taskId}/complete`, { decision: 'CONSENT' })).json();
  // 《政务数据共享条例》: the grantee is told before it takes effect; the grant runs on until then, and the provider asks nothing more.
  expect(consented).toMatchObject({ status: 'granted', grant: { status: 'active', revocation: { status: 'consented', effectiveAt: expect.any(String) } } });
  const effectiveAt = Date.parse(consented.grant.revocation.effectiveAt as string);
  const granteeTold = (await call(g.me, 'GET', '/notifications?limit=100')).json().items as { requestId: string; message: string; createdAt: string }[];
  expect(granteeTold.find((n) => n.requestId === g.requestId && n.message.includes('共享将于'))?.message).toContain('滥用数据或违反共享许可的条件');
  expect((await call(provider(), 'POST', `/grants/${g.grantId}/revoke`, { ground: 'misuse', reason: 'again' })).statusCode).toBe(409);
  const done = await eventually(async () => {
    const v = (await call(g.me, 'GET', `/requests/${g.requestId}`)).json();
    return v.status === 'revoked' && v;
  }, 20_000);
  expect(done).toMatchObject({
    grant: { status: 'revoked', endGround: 'misuse', endReason: 'data used for advertising', revocation: { status: 'consented' } },
  });
  expect(Date.parse(done.grant.endedAt)).toBeGreaterThanOrEqual(effectiveAt);
  const trail = await history(g.requestId);
  expect(trail.find((e) => e.action === 'task_opened' && e.taskId === taskId)).toMatchObject({ actor: { role: 'provider_reviewer' }, article: 'Art. 14' });
  expect(trail.find((e) => e.action === 'grant_stop_scheduled')).toMatchObject({ taskId, decision: 'CONSENT', actor: { role: 'authority_reviewer' } });
  expect(trail.find((e) => e.action === 'grant_revoked')).toMatchObject({
    reason: 'data used for advertising',
    actor: { role: 'authority_reviewer' },
    article: 'Art. 15',
  });
  // The reviewer who asked is told.
  const told = (await call(provider(), 'GET', '/notifications?limit=100')).json().items as { requestId: string; message: string }[];
  expect(told.some((n) => n.requestId === g.requestId && n.message.includes('同意终止'))).toBe(true);
  expect((await call(authority(), 'POST', `/grants/${g.grantId}/revoke`, { ground: 'misuse', reason: 'again' })).statusCode).toBe(409);
});

test('a consented stop counts its notice on the working-day calendar: the default 5 working days, ending with a day’s end in Asia/Shanghai (《政务数据共享条例》)', async () => {
  const daily = await startApi(h, { policies: { share: { ...TEST_POLICY, revocationNotice: DEFAULT_SHARE_POLICY.revocationNotice } } });
  try {
    const me = applicant();
    const req = (
      await daily.app.inject({ method: 'POST', url: '/share-requests', payload: validShareBody(h.city.entries.conditionalOpen), headers: daily.as(me) })
    ).json();
    const asked = await daily.app.inject({
      method: 'POST',
      url: `/grants/${req.grant.id}/revoke`,
      payload: { ground: 'attribute_changed', reason: '目录拟调整' },
      headers: daily.as({ sub: 'gr-res', org: h.city.agencies.resources, roles: ['provider_reviewer'] }),
    });
    const taskId = asked.json().revocation.taskId as string;
    const before = new Date();
    const done = (
      await daily.app.inject({ method: 'POST', url: `/tasks/${taskId}/complete`, payload: { decision: 'CONSENT' }, headers: daily.as(authority()) })
    ).json();
    const at = new Date(done.grant.revocation.effectiveAt as string);
    const isWorkday = statutoryCalendar(await readCalendarOverrides(h.db));
    expect(workdaysBetween(before, at, isWorkday)).toBe(5);
    expect(isWorkday(shanghaiDay(at))).toBe(true);
    expect(at.getTime()).toBe(endOfDay(shanghaiDay(at)).getTime());
    expect(done).toMatchObject({ status: 'granted', grant: { status: 'active' } });
  } finally {
    await daily.app.close();
  }
});

test('unconditional data shall be shared (Art. 14): the provider does not end its grant alone; the city authority refuses with its reason and the grant stands', async () => {
  const me = applicant();
  const req = (await call(me, 'POST', '/share-requests', validShareBody(h.city.entries.conditionalOpen))).json();
  expect(req.status).toBe('granted');
  const resources: Actor = { sub: 'gr-resources', org: h.city.agencies.resources, roles: ['provider_reviewer'] };
  const asked = await call(resources, 'POST', `/grants/${req.grant.id}/revoke`, { ground: 'purpose_achieved', reason: '我局认为已无需共享' });
  expect(asked.statusCode).toBe(202);
  const taskId = asked.json().revocation.taskId as string;
  expect((await call(authority(), 'POST', `/tasks/${taskId}/complete`, { decision: 'REFUSE' })).statusCode).toBe(400);
  const done = (await call(authority(), 'POST', `/tasks/${taskId}/complete`, { decision: 'REFUSE', reason: '申请单位的监管职责仍在履行' })).json();
  expect(done).toMatchObject({ status: 'granted', grant: { status: 'active', revocation: { status: 'refused', answer: '申请单位的监管职责仍在履行' } } });
  const told = (await call(resources, 'GET', '/notifications?limit=100')).json().items as { requestId: string; message: string }[];
  expect(told.some((n) => n.requestId === req.id && n.message.includes('申请单位的监管职责仍在履行'))).toBe(true);
  // Refused, the provider may ask again, on another ground.
  expect(
    (await call(resources, 'POST', `/grants/${req.grant.id}/revoke`, { ground: 'attribute_changed', reason: '目录拟调整为有条件共享' })).json(),
  ).toMatchObject({ revocation: { status: 'awaiting_consent', ground: 'attribute_changed' } });
  expect((await history(req.id)).filter((e) => e.action === 'grant_revoked')).toEqual([]);
});

test('the city authority ends a grant itself, naming a ground (Art. 14, 15)', async () => {
  const g = await granted();
  expect((await call(authority(), 'POST', `/grants/${g.grantId}/revoke`, { reason: 'purpose achieved (共享目的已实现)' })).statusCode).toBe(400);
  const revoked = await call(authority(), 'POST', `/grants/${g.grantId}/revoke`, { ground: 'purpose_achieved', reason: '专项整治已结束' });
  expect(revoked.statusCode).toBe(200);
  expect(revoked.json()).toMatchObject({ status: 'revoked', endGround: 'purpose_achieved', endReason: '专项整治已结束', revocation: null });
  expect((await history(g.requestId)).find((e) => e.action === 'grant_revoked')).toMatchObject({ actor: { role: 'authority_reviewer' }, article: 'Art. 15' });
});

test('two of the provider’s reviewers ask at once: one request goes to the authority, the other is refused', async () => {
  const g = await granted();
  const answers = await Promise.all([
    call(provider(), 'POST', `/grants/${g.grantId}/revoke`, { ground: 'misuse', reason: 'misuse found by one' }),
    call({ ...provider(), sub: 'gr-provider-2' }, 'POST', `/grants/${g.grantId}/revoke`, { ground: 'misuse', reason: 'misuse found by another' }),
  ]);
  expect(answers.map((a) => a.statusCode).sort()).toEqual([202, 409]);
  const tasks = (await call(authority(), 'GET', `/requests/${g.requestId}`))
    .json()
    .tasks.filter((t: { kind: string }) => t.kind === 'GRANT_REVOCATION_CONSENT');
  expect(tasks).toHaveLength(1);
});

test('the provider’s request and the authority’s own revocation at the same moment: the grant ends once, nothing left open', async () => {
  const g = await granted();
  const answers = await Promise.all([
    call(provider(), 'POST', `/grants/${g.grantId}/revoke`, { ground: 'misuse', reason: 'misuse found by the provider' }),
    call(authority(), 'POST', `/grants/${g.grantId}/revoke`, { ground: 'misuse', reason: 'misuse found by the authority' }),
  ]);
  expect(answers[1].statusCode).toBe(200);
  expect([200, 202, 409]).toContain(answers[0].statusCode);
  const view = (await call(authority(), 'GET', `/requests/${g.requestId}`)).json();
  expect(view).toMatchObject({ status: 'revoked', grant: { endReason: 'misuse found by the authority' } });
  expect(view.tasks.filter((t: { status: string }) => t.status === 'open')).toEqual([]);
  expect((await history(g.requestId)).filter((e) => e.action === 'grant_revoked')).toHaveLength(1);
  // Odd but storable text is kept as written; text PostgreSQL refuses is a 400 naming the field.
  const other = await granted();
  expect((await call(authority(), 'POST', `/grants/${other.grantId}/revoke`, { ground: 'misuse', reason: 'x\u0000' })).json()).toMatchObject({
    status: 400,
    field: 'body.reason',
    rule: 'text',
  });
  const odd = '滥用🙂 \u202eRTL\u202c';
  expect((await call(authority(), 'POST', `/grants/${other.grantId}/revoke`, { ground: 'misuse', reason: odd })).json()).toMatchObject({
    status: 'revoked',
    endReason: odd,
  });
});

/** The grantee's deletion confirmation (《政务数据共享条例》, 共享目的已实现): who, when, how, all the data received. */
const deletion = (over: Record<string, unknown> = {}) => ({
  deletedBy: '张三',
  deletedAt: new Date().toISOString(),
  method: 'physical',
  scope: true,
  ...over,
});

test('the grantee ends its grant as its purpose is achieved, confirming the data deleted: ended at once, the provider and the city authority told, the trail names it (条例)', async () => {
  const g = await granted();
  const end = (actor: Actor, body: object) => call(actor, 'POST', `/grants/${g.grantId}/revoke`, body);
  // Another organisation's applicant does not see the grant; the grantee's other staff may not end it.
  const stranger: Actor = { sub: 'gr-stranger', org: h.city.agencies.resources, roles: ['agency_applicant'] };
  expect((await end(stranger, { ground: 'purpose_achieved', reason: '任务完成', deletion: deletion() })).statusCode).toBe(404);
  expect((await end({ ...g.me, roles: ['provider_reviewer'] }, { ground: 'purpose_achieved', reason: '任务完成', deletion: deletion() })).statusCode).toBe(403);
  // Other grounds, no deletion, a future or pre-grant time, a method off the list, less than all the data: each a 400 naming its field.
  const refused = async (body: object, field: string) => expect((await end(g.me, body)).json()).toMatchObject({ status: 400, field });
  await refused({ ground: 'attribute_changed', reason: '任务完成', deletion: deletion() }, 'body.ground');
  await refused({ ground: 'purpose_achieved', reason: '任务完成' }, 'body.deletion');
  await refused({ ground: 'purpose_achieved', reason: ' ', deletion: deletion() }, 'body.reason');
  await refused(
    { ground: 'purpose_achieved', reason: '任务完成', deletion: deletion({ deletedAt: new Date(Date.now() + 86_400_000).toISOString() }) },
    'body.deletion.deletedAt',
  );
  await refused({ ground: 'purpose_achieved', reason: '任务完成', deletion: deletion({ deletedAt: '2000-01-01T00:00:00Z' }) }, 'body.deletion.deletedAt');
  await refused({ ground: 'purpose_achieved', reason: '任务完成', deletion: deletion({ deletedAt: 'yesterday' }) }, 'body.deletion.deletedAt');
  await refused({ ground: 'purpose_achieved', reason: '任务完成', deletion: deletion({ method: 'shredded' }) }, 'body.deletion.method');
  await refused({ ground: 'purpose_achieved', reason: '任务完成', deletion: deletion({ scope: false }) }, 'body.deletion.scope');
  await refused({ ground: 'purpose_achieved', reason: '任务完成', deletion: deletion({ deletedBy: '  ' }) }, 'body.deletion.deletedBy');
  await refused({ ground: 'purpose_achieved', reason: '任务完成', deletion: deletion({ deletedBy: 'x\u0000' }) }, 'body.deletion.deletedBy');
  // Only the grantee confirms a deletion.
  expect((await end(authority(), { ground: 'purpose_achieved', reason: '任务完成', deletion: deletion() })).json()).toMatchObject({
    status: 400,
    field: 'body.deletion',
  });
  expect((await call(g.me, 'GET', `/grants/${g.grantId}`)).json()).toMatchObject({ status: 'active', endedBy: null, deletion: null });

  const confirmed = deletion();
  const ended = await end(g.me, { ground: 'purpose_achieved', reason: '专项检查已完成', deletion: confirmed });
  expect(ended.statusCode).toBe(200);
  expect(ended.json()).toMatchObject({
    status: 'revoked',
    endGround: 'purpose_achieved',
    endReason: '专项检查已完成',
    endedBy: { org: h.city.agencies.market, role: 'agency_applicant' },
    deletion: confirmed,
  });
  const trail = await history(g.requestId);
  expect(trail.find((e) => e.action === 'grant_revoked')).toMatchObject({ actor: { role: 'agency_applicant' }, reason: '专项检查已完成' });
  const deleted = (await call(authority(), 'GET', `/requests/${g.requestId}/history`)).json().items.find((e: Event) => e.action === 'grant_data_deleted');
  expect(deleted).toMatchObject({ actor: { role: 'agency_applicant' }, newValue: { deletion: confirmed } });
  for (const who of [provider(), authority()]) {
    const told = (await call(who, 'GET', '/notifications?limit=100')).json().items as { requestId: string; message: string }[];
    expect(told.find((n) => n.requestId === g.requestId && n.message.includes('共享目的已实现'))?.message).toEqual(expect.stringContaining('物理删除'));
  }
  // Ended, it ends no more.
  expect((await end(g.me, { ground: 'purpose_achieved', reason: '再次', deletion: deletion() })).statusCode).toBe(409);
});

test('twenty ends from the grantee at once: one stands, the others are refused as the grant has ended', async () => {
  const g = await granted();
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_x, i) =>
      call({ ...g.me, sub: `${g.me.sub}-${i}` }, 'POST', `/grants/${g.grantId}/revoke`, {
        ground: 'purpose_achieved',
        reason: `结束 ${i}`,
        deletion: deletion(),
      }),
    ),
  );
  const codes = answers.map((a) => a.statusCode);
  expect(codes.filter((c) => c === 200)).toHaveLength(1);
  expect(codes.filter((c) => c !== 200).every((c) => c === 409)).toBe(true);
  const reason = answers.find((a) => a.statusCode === 200)!.json().endReason;
  for (const a of answers) if (a.statusCode === 409) expect(a.json()).toMatchObject({ status: 409, code: 'RequestNotActive' });
  const trail = await history(g.requestId);
  expect(trail.filter((e) => e.action === 'grant_revoked')).toHaveLength(1);
  expect(trail.filter((e) => e.action === 'grant_data_deleted')).toHaveLength(1);
  expect((await call(g.me, 'GET', `/grants/${g.grantId}`)).json()).toMatchObject({ status: 'revoked', endReason: reason });
});
