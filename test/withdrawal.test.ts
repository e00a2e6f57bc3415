// Withdrawal of opened data (Art. 21 ¶2) as a citizen and the providing agency drive it over HTTP, against
// real Temporal and PostgreSQL: suspension while it reviews, upholding for the entry or for records,
// dismissal lifting the suspension, information asked of the requester, the request withdrawn.
import { MockActivityEnvironment } from '@temporalio/testing';
import { signalActivities } from '../activities/signals';
import type { Actor } from '../domain/types';
import { workflowIdFor } from '../workflows/definitions';
import { expectProblem, startApi, type Api } from './api-helpers';
import { eventually, recordHistories, startHarness, type Harness } from './helpers';

let h: Harness;
let api: Api;
const started: { name: string; workflowId: string }[] = [];
beforeAll(async () => {
  h = await startHarness('withdraw');
  api = await startApi(h);
});
afterAll(async () => {
  if (process.env.RECORD_HISTORIES) await recordHistories(h.client, started, process.env.RECORD_HISTORIES, 'withdrawal');
  await api.app.close();
  await h.close();
});

const citizen = (): Actor => ({ sub: 'zhang.citizen', org: 'public', roles: ['public_applicant'] });
const agencyOf = (org: string): Actor => ({ sub: `review-${org.slice(-10)}`, org, roles: ['provider_reviewer'] });
const post = (actor: Actor, url: string, payload?: object) => api.app.inject({ method: 'POST', url, payload, headers: api.as(actor) });
const get = (actor: Actor, url: string) => api.app.inject({ method: 'GET', url, headers: api.as(actor) });
const entry = async (id: string) => (await get(citizen(), `/catalog/${id}`)).json();

async function ask(name: string, catalogEntryId: string) {
  const res = await post(citizen(), '/withdrawals', {
    catalogEntryId,
    records: '地块 RZ-2026-017',
    right: '个人信息权益',
    reasons: '公开的成交价格可识别到本人',
  });
  expect(`${res.statusCode} ${res.body.slice(0, 300)}`).toMatch(/^201 /);
  started.push({ name, workflowId: workflowIdFor('withdrawal', res.json().id) });
  return res.json() as { id: string; status: string };
}
const reviewTask = (actor: Actor, requestId: string, kind = 'WITHDRAWAL_REVIEW') =>
  eventually(async () =>
    ((await get(actor, `/tasks?kind=${kind}`)).json().items as { id: string; requestId: string; dueAt: string }[]).find((t) => t.requestId === requestId),
  );

test('the agency suspends openness at once, then upholds for the whole entry: openness withdrawn as a catalog change, sharing untouched', async () => {
  const id = h.city.entries.conditionalOpen;
  const before = await entry(id);
  const req = await ask('suspended, then upheld for the entry', id);
  expect(req.status).toBe('in_review');
  const agency = agencyOf(h.city.agencies.resources);
  const first = await reviewTask(agency, req.id);
  expect((await post(agency, `/tasks/${first.id}/complete`, { decision: 'SUSPEND', reason: '审查期间暂停' })).json().status).toBe('in_review');
  expect(await entry(id)).toMatchObject({ version: before.version + 1, open: { status: 'suspended' }, share: { status: 'published' } });
  // The review goes on, its due time unchanged (counted in working days a moment's pause moves nothing; in
  // this test's seconds it moves by the milliseconds the suspension took to write).
  const second = await reviewTask(agency, req.id);
  expect(second.id).not.toBe(first.id);
  expect(Math.abs(Date.parse(second.dueAt) - Date.parse(first.dueAt))).toBeLessThan(1000);
  expectProblem(await post(agency, `/tasks/${second.id}/complete`, { decision: 'UPHOLD', reason: '确有侵权' }), 400, 'body.form.scope');
  const upheld = await post(agency, `/tasks/${second.id}/complete`, { decision: 'UPHOLD', reason: '确有侵权', form: { scope: 'entry' } });
  expect(upheld.json()).toMatchObject({ status: 'upheld', outcome: { article: 'Art. 21', scope: 'entry', opennessChanged: true } });
  expect(await entry(id)).toMatchObject({ version: before.version + 2, open: { status: 'withdrawn' }, share: { status: 'published' } });
  const versions = (await get(citizen(), `/catalog/${id}/versions?limit=100`)).json().items;
  expect(versions.at(-1)).toMatchObject({
    changeRequestId: req.id,
    reason: expect.stringContaining('开放需求与撤回处理结果'),
    changes: [{ field: 'openStatus', from: 'suspended', to: 'withdrawn' }],
  });
  const actions = (await get(citizen(), `/requests/${req.id}/history`)).json().items.map((e: { action: string }) => e.action);
  expect(actions).toEqual([
    'submitted',
    'task_opened',
    'withdrawal_received',
    'task_completed',
    'catalog_entry_changed',
    'openness_suspended',
    'task_opened',
    'review_resumed',
    'task_completed',
    'catalog_entry_changed',
    'withdrawal_upheld',
  ]);
  // No longer opened: a further withdrawal is refused, and sharing goes on (a share request is granted).
  expectProblem(await post(citizen(), '/withdrawals', { catalogEntryId: id, right: 'x', reasons: 'y' }), 409);
  const share = await post({ sub: 'w-agency', org: h.city.agencies.market, roles: ['agency_applicant'] }, '/share-requests', {
    catalogEntryId: id,
    scenario: 's',
    statutoryDuty: 'd',
    commitment: { authenticity: true, compliance: true, security: true },
  });
  expect(share.json().status).toBe('granted');
});

test('a dismissal states its reasons and lifts the suspension; the requester may withdraw the request, which lifts it too', async () => {
  const id = h.city.entries.conditional;
  const agency = agencyOf(h.city.agencies.health);
  const req = await ask('suspended, then dismissed', id);
  await post(agency, `/tasks/${(await reviewTask(agency, req.id)).id}/complete`, { decision: 'SUSPEND', reason: '先行暂停' });
  expect((await entry(id)).open.status).toBe('suspended');
  const review = await reviewTask(agency, req.id);
  expectProblem(await post(agency, `/tasks/${review.id}/complete`, { decision: 'DISMISS' }), 400);
  expect((await post(agency, `/tasks/${review.id}/complete`, { decision: 'DISMISS', reason: '数据已脱敏,不可识别个人' })).json()).toMatchObject({
    status: 'dismissed',
    outcome: { reason: '数据已脱敏,不可识别个人' },
  });
  expect((await entry(id)).open.status).toBe('published');

  const other = await ask('suspended, then the request withdrawn', id);
  await post(agency, `/tasks/${(await reviewTask(agency, other.id)).id}/complete`, { decision: 'SUSPEND', reason: '先行暂停' });
  await reviewTask(agency, other.id);
  const cancelled = await post(citizen(), `/requests/${other.id}/cancel`, { reason: '已与机构协商解决' });
  expect(cancelled.json().status).toBe('cancelled');
  expect((await entry(id)).open.status).toBe('published');
});

test('information asked of the requester pauses the review; upholding for the records leaves the entry open', async () => {
  const id = h.city.entries.unconditional;
  const before = await entry(id);
  const agency = agencyOf(h.city.agencies.market);
  const req = await ask('information requested, then upheld for records', id);
  const first = await reviewTask(agency, req.id);
  expect((await post(agency, `/tasks/${first.id}/complete`, { decision: 'REQUEST_INFO', reason: '请提供身份证明' })).json().status).toBe('awaiting_applicant');
  const reply = await reviewTask(citizen(), req.id, 'WITHDRAWAL_APPLICANT_REPLY');
  expect((await post(citizen(), `/tasks/${reply.id}/complete`, { decision: 'REPLY', reason: '已上传身份证明' })).json().status).toBe('in_review');
  const second = await reviewTask(agency, req.id);
  const upheld = await post(agency, `/tasks/${second.id}/complete`, { decision: 'UPHOLD', reason: '删除所列记录', form: { scope: 'records' } });
  expect(upheld.json()).toMatchObject({ status: 'upheld', outcome: { scope: 'records', opennessChanged: false } });
  expect(await entry(id)).toMatchObject({ version: before.version, open: { status: 'published' } });
});

test('only opened data, with the right infringed and why, from someone applying', async () => {
  expectProblem(await post(citizen(), '/withdrawals', { catalogEntryId: h.city.entries.none, right: 'x', reasons: 'y' }), 409);
  expectProblem(await post(citizen(), '/withdrawals', { catalogEntryId: h.city.entries.conditional, right: ' ', reasons: 'y' }), 400, 'body.right', 'required');
  expectProblem(await post(citizen(), '/withdrawals', { catalogEntryId: 'no-such-entry', right: 'x', reasons: 'y' }), 400, 'body.catalogEntryId', 'exists');
  expectProblem(await post(agencyOf(h.city.agencies.market), '/withdrawals', { catalogEntryId: h.city.entries.conditional, right: 'x', reasons: 'y' }), 403);
});

test('two officers deciding one review at once (SUSPEND and DISMISS): one stands; odd text in the request survives to the trail', async () => {
  const id = h.city.entries.conditional;
  const odd = '权益 "受损" \'单引号\' 🙂 مرحبا\n第二行 <b>&amp;</b> %_\\';
  const res = await post(citizen(), '/withdrawals', { catalogEntryId: id, right: odd, reasons: odd });
  expect(res.statusCode).toBe(201);
  const req = res.json();
  started.push({ name: 'two officers at once, odd text', workflowId: workflowIdFor('withdrawal', req.id) });
  const task = await reviewTask(agencyOf(h.city.agencies.health), req.id);
  const [a, b] = await Promise.all([
    post({ ...agencyOf(h.city.agencies.health), sub: 'officer-1' }, `/tasks/${task.id}/complete`, { decision: 'SUSPEND', reason: odd }),
    post({ ...agencyOf(h.city.agencies.health), sub: 'officer-2' }, `/tasks/${task.id}/complete`, { decision: 'DISMISS', reason: odd }),
  ]);
  expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
  const view = (await get(citizen(), `/requests/${req.id}`)).json();
  expect(view.status).toBe(a.statusCode === 200 ? 'in_review' : 'dismissed');
  expect((await entry(id)).open.status).toBe(a.statusCode === 200 ? 'suspended' : 'published');
  const history = (await get(citizen(), `/requests/${req.id}/history`)).json().items as {
    action: string;
    reason: string | null;
    newValue: { payload?: { right: string } };
  }[];
  expect(history[0].newValue.payload?.right).toBe(odd);
  expect(history.filter((e) => e.action === 'task_completed')).toEqual([expect.objectContaining({ reason: odd })]);
  // Leave the entry as the other tests found it.
  if (a.statusCode === 200) {
    const next = await reviewTask(agencyOf(h.city.agencies.health), req.id);
    await post(agencyOf(h.city.agencies.health), `/tasks/${next.id}/complete`, { decision: 'DISMISS', reason: '不予支持' });
  }
  expect((await entry(id)).open.status).toBe('published');
});

test("the open work of an entry is signalled in batches by an activity: a run ended meanwhile is skipped, a retry goes on after the batch's last beat", async () => {
  // The first test's withdrawal has ended (upheld): a signal to it answers NotFound, as one to no run at all.
  const ended = started[0].workflowId;
  await eventually(async () => (await h.client.workflow.getHandle(ended).describe()).status.name === 'COMPLETED');
  const { signalWorkflows } = signalActivities();
  // A retry: the first workflow was signalled before the worker was lost (the beat says so), so it is not again.
  const env = new MockActivityEnvironment({ heartbeatDetails: { done: 1, signalled: 1, ended: 0 } }, { client: h.client });
  const beats: unknown[] = [];
  env.on('heartbeat', (d) => beats.push(d));
  const input = {
    signal: 'endRequest',
    arg: { actor: { sub: 'system' }, reason: 'test', article: 'Art. 21' },
    workflowIds: ['signalled-before', 'no-such-run', ended],
  };
  expect(await env.run(signalWorkflows, input)).toEqual({ signalled: 1, ended: 2 });
  expect(beats.at(-1)).toEqual({ done: 3, signalled: 1, ended: 2 });
});
