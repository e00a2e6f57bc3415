// The share procedure as a user drives it: over HTTP (fastify.inject) against real Temporal and PostgreSQL.
import { randomUUID } from 'node:crypto';
import type { Actor } from '../domain/types';
import { refusalForm, startApi, validShareBody, type Api } from './api-helpers';
import { startHarness, type Harness } from './helpers';

let h: Harness;
let api: Api;
beforeAll(async () => {
  h = await startHarness('shareapi');
  api = await startApi(h);
});
afterAll(async () => {
  await api.app.close();
  await h.close();
});

const alice = (): Actor => ({ sub: `alice-${randomUUID().slice(0, 6)}`, org: h.city.agencies.market, roles: ['agency_applicant'] });
const bob = (): Actor => ({ sub: 'bob', org: h.city.cityAuthority, roles: ['authority_reviewer'] });
const carol = (): Actor => ({ sub: 'carol', org: h.city.agencies.health, roles: ['provider_reviewer'] });

async function post(actor: Actor, url: string, payload?: object, headers: Record<string, string> = {}) {
  return api.app.inject({ method: 'POST', url, payload, headers: { ...api.as(actor), ...headers } });
}
async function get(actor: Actor, url: string) {
  return api.app.inject({ method: 'GET', url, headers: api.as(actor) });
}
async function inbox(actor: Actor, query = '') {
  const res = await get(actor, `/tasks${query}`);
  expect(res.statusCode).toBe(200);
  return res.json().items as { id: string; requestId: string; kind: string; dueAt: string }[];
}

test('a conditional share request goes from POST through two approvals to an active grant, every step in its history', async () => {
  const me = alice();
  const created = await post(me, '/share-requests', validShareBody(h.city.entries.conditional));
  expect(created.statusCode).toBe(201);
  const req = created.json();
  expect(req.status).toBe('in_review');
  expect(created.headers.location).toBe(`/requests/${req.id}`);

  const bobTask = (await inbox(bob())).find((t) => t.requestId === req.id)!;
  const carolTask = (await inbox(carol())).find((t) => t.requestId === req.id)!;
  expect(bobTask.kind).toBe('SHARE_JOINT_REVIEW');
  expect(carolTask.kind).toBe('SHARE_PROVIDER_OPINION');
  // Each sees only their own organisation's task.
  expect((await inbox(bob())).some((t) => t.id === carolTask.id)).toBe(false);

  // Art. 14: the authority concludes, and approves only once the provider agreed.
  const early = await post(bob(), `/tasks/${bobTask.id}/complete`, { decision: 'APPROVE' });
  expect(early.statusCode).toBe(409);
  expect(early.json()).toMatchObject({ title: 'The providing agency has not agreed', article: 'Art. 14' });
  const first = await post(carol(), `/tasks/${carolTask.id}/complete`, { decision: 'AGREE', reason: 'scope is proportionate' });
  expect(first.statusCode).toBe(200);
  expect(first.json().status).toBe('in_review');
  const second = await post(bob(), `/tasks/${bobTask.id}/complete`, { decision: 'APPROVE' });
  expect(second.statusCode).toBe(200);
  expect(second.json()).toMatchObject({ status: 'granted', grant: { status: 'active' } });

  const view = (await get(me, `/requests/${req.id}`)).json();
  expect(view.status).toBe('granted');
  expect(view.grant).toMatchObject({ status: 'active', granteeOrg: h.city.agencies.market, purpose: validShareBody('').scenario });
  expect(view.tasks.map((t: { status: string }) => t.status)).toEqual(['completed', 'completed']);

  const history = (await get(me, `/requests/${req.id}/history`)).json().items as {
    action: string;
    article: string;
    actor: { sub: string };
    decision: string | null;
  }[];
  expect(history.map((e) => e.action)).toEqual([
    'submitted',
    'task_opened',
    'task_opened',
    'review_started',
    'task_completed',
    'task_completed',
    'grant_created',
  ]);
  expect(history.every((e) => /^Art\. \d+$/.test(e.article))).toBe(true);
  // The applicant sees the decisions and the deciding organisations, not which civil servant acted;
  // the reviewers see who decided (domain/tasks.ts taskDisclosure).
  expect(history.filter((e) => e.action === 'task_completed').map((e) => [e.actor.sub, e.decision])).toEqual([
    [null, 'AGREE'],
    [null, 'APPROVE'],
  ]);
  const seenByBob = (await get(bob(), `/requests/${req.id}/history`)).json().items as { action: string; actor: { sub: string } }[];
  expect(seenByBob.filter((e) => e.action === 'task_completed').map((e) => e.actor.sub)).toEqual(['carol', 'bob']);
  expect(view.tasks.map((t: { decidedBy: string | null }) => t.decidedBy)).toEqual([null, null]);
  // The reviewers may read the request they decided; a stranger may not.
  expect((await get(bob(), `/requests/${req.id}`)).statusCode).toBe(200);
  expect((await get({ sub: 'eve', org: h.city.agencies.resources, roles: ['provider_reviewer'] }, `/requests/${req.id}`)).statusCode).toBe(404);
  // The applicant was told.
  const notes = (await get(me, '/notifications')).json().items as { kind: string; requestId: string }[];
  expect(notes.some((n) => n.kind === 'request_status' && n.requestId === req.id)).toBe(true);
});

test('an UNCONDITIONAL request is granted at once; a NONE one is refused with its basis', async () => {
  const me = alice();
  const granted = await post(me, '/share-requests', validShareBody(h.city.entries.unconditional));
  expect(granted.statusCode).toBe(201);
  expect(granted.json()).toMatchObject({ status: 'granted', grant: { status: 'active' } });
  const refused = await post(me, '/share-requests', validShareBody(h.city.entries.none));
  expect(refused.statusCode).toBe(201);
  expect(refused.json()).toMatchObject({ status: 'refused', outcome: { article: 'Art. 13', basis: '《中华人民共和国个人信息保护法》第十三条' } });
  const mine = (await get(me, '/requests?type=share')).json().items as { id: string }[];
  expect(mine.map((r) => r.id).sort()).toEqual([granted.json().id, refused.json().id].sort());
  const onlyRefused = (await get(me, '/requests?status=refused')).json().items as { id: string }[];
  expect(onlyRefused.map((r) => r.id)).toEqual([refused.json().id]);
});

test("one's requests page newest first with a cursor", async () => {
  const me = alice();
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push((await post(me, '/share-requests', validShareBody(h.city.entries.unconditional))).json().id);
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const body: { items: { id: string }[]; nextCursor: string | null } = (await get(me, `/requests?limit=1${cursor ? `&cursor=${cursor}` : ''}`)).json();
    seen.push(...body.items.map((r: { id: string }) => r.id));
    cursor = body.nextCursor;
  } while (cursor);
  expect(seen).toEqual([...ids].reverse());
});

test('a retried POST with the same Idempotency-Key returns the same request and starts one workflow', async () => {
  const me = alice();
  const key = randomUUID();
  const [a, b] = await Promise.all([
    post(me, '/share-requests', validShareBody(h.city.entries.conditional), { 'idempotency-key': key }),
    post(me, '/share-requests', validShareBody(h.city.entries.conditional), { 'idempotency-key': key }),
  ]);
  expect(a.json().id).toBe(b.json().id);
  const again = await post(me, '/share-requests', validShareBody(h.city.entries.conditional), { 'idempotency-key': key });
  expect(again.statusCode).toBe(200);
  expect(again.json().id).toBe(a.json().id);
  expect(await h.db.selectFrom('tasks').select('id').where('request_id', '=', a.json().id).execute()).toHaveLength(2);
  const wfId = (await h.db.selectFrom('requests').select('workflow_id').where('id', '=', a.json().id).executeTakeFirstOrThrow()).workflow_id;
  const runs: string[] = [];
  for await (const wf of h.client.workflow.list({ query: `WorkflowId = '${wfId}'` })) runs.push(wf.runId);
  expect(runs).toHaveLength(1);
  // The same key with another body is a client error, not a silent second request.
  const other = await post(me, '/share-requests', { ...validShareBody(h.city.entries.conditional), scenario: 'other' }, { 'idempotency-key': key });
  expect(other.statusCode).toBe(409);
  expect(other.headers['content-type']).toContain('application/problem+json');
});

test('a provider DISAGREE cannot be overruled: the authority consults again with its position, then concludes', async () => {
  const me = alice();
  const req = (await post(me, '/share-requests', validShareBody(h.city.entries.conditional))).json();
  const opinion = (await inbox(carol())).find((t) => t.requestId === req.id)!;
  const lead = (await inbox(bob())).find((t) => t.requestId === req.id)!;
  expect((await post(carol(), `/tasks/${opinion.id}/complete`, { decision: 'DISAGREE' })).statusCode).toBe(400);
  const disagreed = await post(carol(), `/tasks/${opinion.id}/complete`, {
    decision: 'DISAGREE',
    reason: 'Condition not met: used only for health supervision duties',
    form: refusalForm,
  });
  expect(disagreed.json().status).toBe('in_review');
  const overrule = await post(bob(), `/tasks/${lead.id}/complete`, { decision: 'APPROVE' });
  expect(overrule.statusCode).toBe(409);
  expect(overrule.json().detail).toContain('disagreed');
  const consulted = await post(bob(), `/tasks/${lead.id}/complete`, {
    decision: 'CONSULT',
    reason: 'Inspections of licensed clinics are a health supervision duty',
  });
  expect(consulted.statusCode).toBe(200);
  // A fresh opinion task carries the authority's position; a fresh task lets the authority conclude.
  const fresh = (await inbox(carol())).find((t) => t.requestId === req.id)! as unknown as { id: string; context: { authorityPosition: string } };
  expect(fresh.id).not.toBe(opinion.id);
  expect(fresh.context.authorityPosition).toContain('health supervision');
  expect((await post(carol(), `/tasks/${fresh.id}/complete`, { decision: 'AGREE' })).statusCode).toBe(200);
  const conclusion = (await inbox(bob())).find((t) => t.requestId === req.id)!;
  expect(conclusion.id).not.toBe(lead.id);
  const granted = await post(bob(), `/tasks/${conclusion.id}/complete`, { decision: 'APPROVE' });
  expect(granted.json().status).toBe('granted');
});

test('the refusal is the authority’s and records the provider’s opinion', async () => {
  const req = (await post(alice(), '/share-requests', validShareBody(h.city.entries.conditional))).json();
  const opinion = (await inbox(carol())).find((t) => t.requestId === req.id)!;
  const lead = (await inbox(bob())).find((t) => t.requestId === req.id)!;
  await post(carol(), `/tasks/${opinion.id}/complete`, { decision: 'DISAGREE', reason: 'purpose outside the share conditions', form: refusalForm });
  const rejected = await post(bob(), `/tasks/${lead.id}/complete`, {
    decision: 'REJECT',
    reason: 'no statutory duty needs licence numbers',
    form: refusalForm,
  });
  expect(rejected.json()).toMatchObject({
    status: 'rejected',
    outcome: {
      article: 'Art. 14',
      reason: 'no statutory duty needs licence numbers',
      legalBasis: refusalForm.basis,
      provider: { decision: 'DISAGREE', reason: 'purpose outside the share conditions', legalBasis: refusalForm.basis },
    },
  });
});

test('20 concurrent completions of one task: exactly one 200, the rest 409', async () => {
  const req = (await post(alice(), '/share-requests', validShareBody(h.city.entries.conditional))).json();
  const task = (await inbox(bob())).find((t) => t.requestId === req.id)!;
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      post({ ...bob(), sub: `reviewer-${i}` }, `/tasks/${task.id}/complete`, { decision: 'REJECT', reason: `reason ${i}`, form: refusalForm }),
    ),
  );
  const codes = results.map((r) => r.statusCode).sort();
  expect(codes.filter((c) => c === 200)).toHaveLength(1);
  expect(codes.filter((c) => c === 409)).toHaveLength(19);
  // Refused by the task (still open in the read model a moment before) or by the finished request.
  for (const r of results.filter((x) => x.statusCode === 409))
    expect(['Task is not open', 'Request is not in a state that allows this']).toContain(r.json().title);
  const audit = await h.db.selectFrom('audit_events').select('id').where('task_id', '=', task.id).where('action', '=', 'task_completed').execute();
  expect(audit).toHaveLength(1);
});

test('request information, reply over HTTP, then approval; cancel over HTTP closes open tasks', async () => {
  const me = alice();
  const req = (await post(me, '/share-requests', validShareBody(h.city.entries.conditional))).json();
  const carolTask = (await inbox(carol())).find((t) => t.requestId === req.id)!;
  const noReason = await post(carol(), `/tasks/${carolTask.id}/complete`, { decision: 'REQUEST_INFO' });
  expect(noReason.statusCode).toBe(400);
  expect(noReason.json()).toMatchObject({ title: 'A reason is required', article: 'Art. 14' });
  const asked = await post(carol(), `/tasks/${carolTask.id}/complete`, {
    decision: 'REQUEST_INFO',
    reason: 'Which clinics?',
    form: { missing: [{ item: '诊所名单', reason: '确定共享范围' }] },
  });
  expect(asked.json().status).toBe('awaiting_applicant');
  expect((await inbox(bob())).some((t) => t.requestId === req.id)).toBe(false);
  // The applicant's reply is a task in their inbox, completed like any other.
  const replyTasks = await inbox(me);
  expect(replyTasks.map((t) => t.kind)).toEqual(['SHARE_APPLICANT_REPLY']);
  const replyTask = replyTasks[0].id;
  expect((await post(alice(), `/tasks/${replyTask}/complete`, { decision: 'REPLY', reason: 'x' })).statusCode).toBe(404);
  expect((await post(me, `/tasks/${replyTask}/complete`, { decision: 'REPLY' })).json()).toMatchObject({ status: 400, title: 'A reason is required' });
  const replied = await post(me, `/tasks/${replyTask}/complete`, { decision: 'REPLY', reason: 'Private clinics in Donggang' });
  expect(replied.statusCode).toBe(200);
  expect(replied.json().status).toBe('in_review');
  expect((await post(me, `/tasks/${replyTask}/complete`, { decision: 'REPLY', reason: 'again' })).statusCode).toBe(409);

  const cancelled = await post(me, `/requests/${req.id}/cancel`, { reason: 'found another source' });
  expect(cancelled.statusCode).toBe(200);
  expect(cancelled.json().status).toBe('cancelled');
  expect((await inbox(bob())).some((t) => t.requestId === req.id)).toBe(false);
  const again = await post(me, `/requests/${req.id}/cancel`, {});
  expect(again.statusCode).toBe(409);
});

test('nobody decides their own request', async () => {
  // A health-commission officer who is also its provider reviewer asks for the commission's own conditional data.
  const dual: Actor = { sub: 'dora', org: h.city.agencies.health, roles: ['agency_applicant', 'provider_reviewer'] };
  const req = (await post(dual, '/share-requests', validShareBody(h.city.entries.conditional))).json();
  const task = (await inbox(dual)).find((t) => t.requestId === req.id && t.kind === 'SHARE_PROVIDER_OPINION')!;
  const res = await post(dual, `/tasks/${task.id}/complete`, { decision: 'AGREE' });
  expect(res.statusCode).toBe(403);
  expect(res.json().title).toBe('Nobody decides their own request');
});

test('the inbox filters by kind and due time and pages with a cursor in due order', async () => {
  const reviewer: Actor = { sub: 'pager', org: h.city.cityAuthority, roles: ['authority_reviewer'] };
  for (let i = 0; i < 5; i++) await post(alice(), '/share-requests', validShareBody(h.city.entries.conditional));
  const all = await inbox(reviewer, '?limit=100');
  expect(all.length).toBeGreaterThanOrEqual(5);
  const dues = all.map((t) => t.dueAt);
  expect([...dues].sort()).toEqual(dues);
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const res = await get(reviewer, `/tasks?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
    const body = res.json();
    seen.push(...body.items.map((t: { id: string }) => t.id));
    cursor = body.nextCursor;
  } while (cursor);
  expect(seen).toEqual(all.map((t) => t.id));
  expect(await inbox(reviewer, '?kind=SHARE_PROVIDER_OPINION')).toHaveLength(0);
  expect(await inbox(reviewer, `?dueBefore=${encodeURIComponent(new Date(Date.now() - 1000).toISOString())}`)).toHaveLength(0);
  expect((await inbox(reviewer, `?dueAfter=${encodeURIComponent(new Date().toISOString())}&limit=100`)).length).toBe(all.length);
});

test('claim and unclaim over HTTP', async () => {
  const req = (await post(alice(), '/share-requests', validShareBody(h.city.entries.conditional))).json();
  const task = (await inbox(bob())).find((t) => t.requestId === req.id)!;
  const claimed = await post(bob(), `/tasks/${task.id}/claim`);
  expect(claimed.statusCode).toBe(200);
  expect(claimed.json().tasks.find((t: { id: string }) => t.id === task.id).assignee).toBe('bob');
  const other = await post({ ...bob(), sub: 'dave' }, `/tasks/${task.id}/claim`);
  expect(other.statusCode).toBe(409);
  expect((await post({ ...bob(), sub: 'dave' }, `/tasks/${task.id}/complete`, { decision: 'APPROVE' })).statusCode).toBe(403);
  expect((await post({ ...bob(), sub: 'dave' }, `/tasks/${task.id}/unclaim`)).statusCode).toBe(403);
  expect((await post(bob(), `/tasks/${task.id}/unclaim`)).statusCode).toBe(200);
  expect((await get(bob(), `/tasks/${task.id}`)).json().assignee).toBeNull();
});
