// Delegation (代理, issue 26 §3): a reviewer names a colleague for a period; the tasks that reach the reviewer reach the
// colleague too, decided as "X 代 Y"; a party to the matter cannot act as delegate; the period's end returns the tasks;
// a supervisor sees the delegations in force. Over HTTP against real Temporal and PostgreSQL.
import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { DelegationProof } from '../domain/delegations';
import type { Actor } from '../domain/types';
import { completeTaskUpdate } from '../workflows/definitions';
import { startApi, validShareBody, type Api } from './api-helpers';
import { recordHistories, startHarness, type Harness } from './helpers';

let h: Harness;
let api: Api;
beforeAll(async () => {
  h = await startHarness('delegation');
  api = await startApi(h);
});
/** Runs whose histories RECORD_HISTORIES=<label> keeps (a decision taken by a delegate, the `task-delegation` patch). */
const recorded: { name: string; workflowId: string }[] = [];
const keep = async (name: string, taskId: string) =>
  recorded.push({ name, workflowId: (await h.db.selectFrom('tasks').select('workflow_id').where('id', '=', taskId).executeTakeFirstOrThrow()).workflow_id });

afterAll(async () => {
  if (process.env.RECORD_HISTORIES) await recordHistories(h.client, recorded, process.env.RECORD_HISTORIES);
  await api.app.close();
  await h.close();
});

const uid = () => randomUUID().slice(0, 6);
const alice = (sub = `alice-${uid()}`): Actor => ({ sub, org: h.city.agencies.market, roles: ['agency_applicant'] });
/** A reviewer of the health commission, the conditional entry's provider: its provider-opinion tasks are theirs. */
const reviewer = (sub = `rev-${uid()}`): Actor => ({ sub, org: h.city.agencies.health, roles: ['provider_reviewer'] });
/** A colleague at the health commission who reviews nothing themselves. */
const colleague = (sub = `col-${uid()}`): Actor => ({ sub, org: h.city.agencies.health, roles: ['agency_applicant'] });
const supervisor = (): Actor => ({ sub: `sv-${uid()}`, org: h.city.cityAuthority, roles: ['supervisor'] });

async function call(actor: Actor, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) {
  return api.app.inject({ method, url, ...(payload ? { payload } : {}), headers: api.as(actor) });
}

/** `who` has used the API: the directory of people knows them in their organisation. */
const known = async (...who: Actor[]) => {
  for (const a of who) expect((await call(a, 'GET', '/tasks')).statusCode).toBe(200);
};

/** A new share request of the conditional entry by `applicant`, and its provider-opinion task. */
async function opinionTask(applicant = alice()): Promise<{ requestId: string; taskId: string }> {
  const created = await call(applicant, 'POST', '/share-requests', validShareBody(h.city.entries.conditional));
  expect(created.statusCode).toBe(201);
  const req = created.json();
  return { requestId: req.id, taskId: req.tasks.find((t: { kind: string }) => t.kind === 'SHARE_PROVIDER_OPINION').id };
}

const inFromNow = (ms: number) => new Date(Date.now() + ms).toISOString();

async function delegate(from: Actor, to: Actor, over: Partial<{ startsAt: string; endsAt: string; kinds: string[]; reason: string }> = {}) {
  return call(from, 'POST', '/delegations', {
    delegate: to.sub,
    endsAt: inFromNow(3_600_000),
    kinds: ['SHARE_PROVIDER_OPINION'],
    reason: '休假',
    ...over,
  });
}

const inbox = async (actor: Actor) =>
  (await call(actor, 'GET', '/tasks?limit=100')).json().items as { id: string; onBehalfOf?: { sub: string; name: string | null } | null }[];

test('a delegation: the task reaches the delegate, decided as "X 代 Y"; once ended early, the delegate is refused', async () => {
  const y = reviewer();
  const x = colleague();
  await known(y, x);
  const made = await delegate(y, x);
  expect(made.statusCode).toBe(201);
  const d = made.json();
  expect(d).toMatchObject({ delegator: y.sub, delegate: x.sub, status: 'in_force', kinds: ['SHARE_PROVIDER_OPINION'] });

  const { requestId, taskId } = await opinionTask();
  // In the delegate's inbox, marked as the delegator's; in both parties' lists.
  const row = (await inbox(x)).find((t) => t.id === taskId);
  expect(row?.onBehalfOf).toMatchObject({ sub: y.sub });
  expect((await call(x, 'GET', `/tasks/${taskId}`)).json()).toMatchObject({ onBehalfOf: { sub: y.sub }, allowedDecisions: expect.arrayContaining(['AGREE']) });
  expect((await call(y, 'GET', '/delegations')).json().items.map((i: { id: string }) => i.id)).toContain(d.id);
  expect((await call(x, 'GET', '/delegations')).json().items.map((i: { id: string }) => i.id)).toContain(d.id);
  // The delegate claims nothing: claiming is the delegator's own; deciding is what is delegated.
  expect((await call(x, 'POST', `/tasks/${taskId}/claim`)).statusCode).toBe(403);

  const decided = await call(x, 'POST', `/tasks/${taskId}/complete`, { decision: 'AGREE', reason: '同意共享' });
  expect(decided.statusCode).toBe(200);
  await keep('delegation: a delegate decides in the delegator stead', taskId);
  const stored = await h.db.selectFrom('tasks').select(['status', 'decided_by', 'decided_on_behalf_of']).where('id', '=', taskId).executeTakeFirstOrThrow();
  expect(stored).toEqual({ status: 'completed', decided_by: x.sub, decided_on_behalf_of: y.sub });
  // The trail: the delegate acted, in the delegator's role, naming them (hashed with the event).
  const event = await h.db
    .selectFrom('audit_events')
    .select(['actor_sub', 'actor_role', 'new_value'])
    .where('task_id', '=', taskId)
    .where('action', '=', 'task_completed')
    .executeTakeFirstOrThrow();
  expect(event).toMatchObject({ actor_sub: x.sub, actor_role: 'provider_reviewer', new_value: { onBehalfOf: y.sub } });
  // Everywhere it shows: the task, and the request's history to whoever sees who acted.
  expect((await call(y, 'GET', `/tasks/${taskId}`)).json()).toMatchObject({ decidedBy: x.sub, decidedOnBehalfOf: y.sub });
  const history = (await call(y, 'GET', `/requests/${requestId}/history`)).json().items as { action: string; actor: object }[];
  expect(history.find((e) => e.action === 'task_completed')?.actor).toMatchObject({ sub: x.sub, onBehalfOf: y.sub });
  // The applicant learns the decision, not who took it nor for whom.
  const seen = (await call(alice(await requestApplicant(requestId)), 'GET', `/requests/${requestId}/history`)).json().items as {
    action: string;
    actor: { sub: string | null; onBehalfOf?: string };
    newValue: Record<string, unknown>;
  }[];
  const applicantSees = seen.find((e) => e.action === 'task_completed')!;
  expect(applicantSees.actor.sub).toBeNull();
  expect(applicantSees.actor.onBehalfOf).toBeUndefined();
  expect(applicantSees.newValue.onBehalfOf).toBeUndefined();

  // The delegate reads what they decided, not the delegator's other closed tasks.
  expect((await call(x, 'GET', `/tasks/${taskId}`)).statusCode).toBe(200);
  const decidedByY = await opinionTask();
  expect((await call(y, 'POST', `/tasks/${decidedByY.taskId}/complete`, { decision: 'AGREE', reason: '同意共享' })).statusCode).toBe(200);
  expect((await call(x, 'GET', `/tasks/${decidedByY.taskId}`)).statusCode).toBe(404);
  // Deciding it once the delegator's decision landed (two browsers, one a moment late): the delegate is told it is no
  // longer open, as the delegator is, not that it does not exist.
  for (const who of [x, y]) {
    const late = await call(who, 'POST', `/tasks/${decidedByY.taskId}/complete`, { decision: 'AGREE', reason: '同意' });
    expect([late.statusCode, late.json().code]).toEqual([409, 'TaskNotOpen']);
  }

  // Ended early by the delegator: the next task reaches the delegator alone, and the delegate is refused.
  const ended = await call(y, 'DELETE', `/delegations/${d.id}`);
  expect(ended.statusCode).toBe(200);
  expect(ended.json()).toMatchObject({ status: 'ended' });
  expect((await call(y, 'DELETE', `/delegations/${d.id}`)).statusCode).toBe(409);
  expect((await call(x, 'DELETE', `/delegations/${d.id}`)).statusCode).toBe(404);
  const next = await opinionTask();
  expect((await inbox(x)).some((t) => t.id === next.taskId)).toBe(false);
  expect((await call(x, 'POST', `/tasks/${next.taskId}/complete`, { decision: 'AGREE', reason: '同意' })).statusCode).toBe(404);
  expect((await inbox(y)).some((t) => t.id === next.taskId)).toBe(true);
}, 120_000);

test('the delegate is told, in Chinese, when named and when ended early; a task opened meanwhile is announced to them too, one notice each (issue 26 §3)', async () => {
  const y = reviewer();
  const x = colleague();
  const other = colleague();
  await known(y, x, other);
  type Notice = { kind: string; message: string; taskId: string | null };
  const noticesOf = async (who: Actor) => (await call(who, 'GET', '/notifications?limit=100')).json().items as Notice[];

  const d = (await delegate(y, x, { reason: '出差' })).json();
  const made = (await noticesOf(x)).filter((n) => n.kind === 'delegation_created');
  expect(made).toHaveLength(1);
  expect(made[0].message).toMatch(/指定您为代理人，自 .+ 至 .+ 代其办理“[^”]+”任务：出差$/);
  // Nobody else is told of it.
  expect((await noticesOf(other)).some((n) => n.kind === 'delegation_created')).toBe(false);

  // A task of the kind opened for the delegator's role: the delegate is told beside the candidates, once.
  const { taskId } = await opinionTask();
  const told = (await noticesOf(x)).filter((n) => n.kind === 'task_assigned' && n.taskId === taskId);
  expect(told).toHaveLength(1);
  expect(told[0].message).toMatch(/^新任务（代.+办理）：“[^”]+”（受理编号 .+），办理期限 /);
  expect((await noticesOf(other)).some((n) => n.taskId === taskId)).toBe(false);
  // Their own notice as the role's member still reaches the delegator.
  expect((await noticesOf(y)).some((n) => n.kind === 'task_assigned' && n.taskId === taskId)).toBe(true);

  // Ended early: the delegate is told, and a task opened after reaches the delegator's role alone.
  expect((await call(y, 'DELETE', `/delegations/${d.id}`)).statusCode).toBe(200);
  const ended = (await noticesOf(x)).filter((n) => n.kind === 'delegation_ended');
  expect(ended).toHaveLength(1);
  expect(ended[0].message).toMatch(/已于 .+ 提前终止对您的代理指定（原定至 .+），其任务不再由您代为办理$/);
  const next = await opinionTask();
  expect((await noticesOf(x)).some((n) => n.taskId === next.taskId)).toBe(false);
}, 120_000);

async function requestApplicant(requestId: string): Promise<string> {
  return (await h.db.selectFrom('requests').select('applicant_sub').where('id', '=', requestId).executeTakeFirstOrThrow()).applicant_sub;
}

test("the period's end returns the tasks: the delegate is refused after it, by the API and by the workflow", async () => {
  const y = reviewer();
  const x = colleague();
  await known(y, x);
  const made = await delegate(y, x, { endsAt: inFromNow(4_000) });
  expect(made.statusCode).toBe(201);
  const { taskId } = await opinionTask();
  expect((await inbox(x)).some((t) => t.id === taskId)).toBe(true);
  const d = made.json();
  const proof: DelegationProof = {
    id: d.id,
    delegator: { sub: y.sub, org: h.city.agencies.health, roles: y.roles },
    startsAt: d.startsAt,
    endsAt: d.endsAt,
    kinds: d.kinds,
  };
  await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(d.endsAt) - Date.now()) + 500));
  expect((await inbox(x)).some((t) => t.id === taskId)).toBe(false);
  expect((await call(x, 'POST', `/tasks/${taskId}/complete`, { decision: 'AGREE', reason: '同意' })).statusCode).toBe(404);
  // Past the API, the workflow's validator reads the delegation's period against its own time: refused, nothing recorded.
  const workflowId = (await h.db.selectFrom('tasks').select('workflow_id').where('id', '=', taskId).executeTakeFirstOrThrow()).workflow_id;
  const handle = h.client.workflow.getHandle(workflowId);
  const err = await handle
    .executeUpdate(completeTaskUpdate, { args: [{ taskId, actor: x, decision: 'AGREE', reason: '同意', onBehalfOf: proof }] })
    .catch((e) => e);
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  expect((err as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'NotCandidate' });
  // A proof for a kind it does not cover, or naming the delegate as their own delegator, is refused too.
  for (const forged of <DelegationProof[]>[
    { ...proof, endsAt: inFromNow(60_000), kinds: ['SHARE_AUTHORITY_REVIEW'] },
    { ...proof, endsAt: inFromNow(60_000), delegator: { sub: x.sub, org: h.city.agencies.health, roles: ['provider_reviewer'] } },
  ]) {
    const e = await handle
      .executeUpdate(completeTaskUpdate, { args: [{ taskId, actor: x, decision: 'AGREE', reason: '同意', onBehalfOf: forged }] })
      .catch((e) => e);
    expect((e as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'NotCandidate' });
  }
  expect((await h.db.selectFrom('tasks').select('status').where('id', '=', taskId).executeTakeFirstOrThrow()).status).toBe('open');
  expect((await call(y, 'POST', `/tasks/${taskId}/complete`, { decision: 'AGREE', reason: '同意' })).statusCode).toBe(200);
}, 120_000);

test('a delegate who is a party to the matter (their own request) cannot act on it', async () => {
  // The same person acts for the market bureau (where they applied) and for the health commission (as the reviewer's delegate).
  const sub = `both-${uid()}`;
  const y = reviewer();
  const x = colleague(sub);
  await known(y, x);
  expect((await delegate(y, x)).statusCode).toBe(201);
  const { taskId } = await opinionTask(alice(sub));
  const refused = await call(x, 'POST', `/tasks/${taskId}/complete`, { decision: 'AGREE', reason: '同意' });
  expect(refused.statusCode).toBe(403);
  expect(refused.json()).toMatchObject({ code: 'OwnRequest' });
  expect((await h.db.selectFrom('tasks').select('status').where('id', '=', taskId).executeTakeFirstOrThrow()).status).toBe('open');
  // Nor is its opening announced to them as the delegate.
  const told = await h.db.selectFrom('notifications').select('kind').where('task_id', '=', taskId).where('recipient_user', '=', sub).execute();
  expect(told).toEqual([]);
}, 120_000);

test('the rules of naming a delegate, and a supervisor sees those in force', async () => {
  const y = reviewer();
  const x = colleague();
  const elsewhere: Actor = { sub: `far-${uid()}`, org: h.city.agencies.market, roles: ['agency_applicant'] };
  const stranger = colleague();
  await known(y, x, elsewhere);
  const code = async (res: Promise<{ statusCode: number; json: () => { code?: string; errors?: { rule: string }[] } }>) => {
    const r = await res;
    return [r.statusCode, r.json().errors?.[0]?.rule ?? r.json().code];
  };
  expect(await code(delegate(y, y))).toEqual([400, 'not oneself']);
  expect(await code(delegate(y, elsewhere))).toEqual([400, 'colleague']);
  // Unknown to the directory (never signed in): nobody to hand tasks to.
  expect(await code(delegate(y, stranger))).toEqual([400, 'colleague']);
  expect(await code(delegate(y, x, { startsAt: inFromNow(7_200_000), endsAt: inFromNow(3_600_000) }))).toEqual([400, 'end after start']);
  expect(await code(delegate(y, x, { endsAt: inFromNow(91 * 86_400_000) }))).toEqual([400, 'longest period']);
  expect(await code(delegate(y, x, { startsAt: inFromNow(-86_400_000) }))).toEqual([400, 'not in the past']);
  expect((await delegate(y, x, { kinds: ['NO_SUCH_KIND'] })).statusCode).toBe(400);
  const public_: Actor = { sub: `pub-${uid()}`, org: null, roles: ['public_applicant'] };
  expect(
    (await call(public_, 'POST', '/delegations', { delegate: x.sub, endsAt: inFromNow(60_000), kinds: ['SHARE_PROVIDER_OPINION'], reason: 'r' })).statusCode,
  ).toBe(403);

  const first = await delegate(y, x, { endsAt: inFromNow(86_400_000) });
  expect(first.statusCode).toBe(201);
  // Overlapping for a common kind: refused; another kind, or after it, is fine.
  expect(await code(delegate(y, x, { startsAt: inFromNow(3_600_000), endsAt: inFromNow(2 * 86_400_000) }))).toEqual([409, 'DelegationConflict']);
  expect((await delegate(y, x, { kinds: ['WITHDRAWAL_REVIEW'] })).statusCode).toBe(201);
  expect((await delegate(y, x, { startsAt: inFromNow(86_400_000), endsAt: inFromNow(2 * 86_400_000) })).statusCode).toBe(201);

  const sv = (await call(supervisor(), 'GET', '/delegations?scope=supervised')).json().items as { id: string; status: string }[];
  expect(sv.find((d) => d.id === first.json().id)).toMatchObject({ status: 'in_force' });
  // Only those in force: the one that begins tomorrow is not listed yet.
  expect(sv.every((d) => d.status === 'in_force')).toBe(true);
  expect((await call(x, 'GET', '/delegations?scope=supervised')).statusCode).toBe(403);
  // The colleagues one may name: the directory's people of one's organisation, not oneself.
  const colleagues = (await call(y, 'GET', '/delegations/colleagues')).json().items as { sub: string }[];
  expect(colleagues.map((c) => c.sub)).toContain(x.sub);
  expect(colleagues.map((c) => c.sub)).not.toContain(y.sub);
  expect(colleagues.map((c) => c.sub)).not.toContain(elsewhere.sub);
  // Each delegation is in the trail.
  const events = await h.db.selectFrom('audit_events').select('action').where('event_key', '=', `delegation:${first.json().id}:created`).execute();
  expect(events).toEqual([{ action: 'delegation_created' }]);
}, 120_000);

test('20 concurrent decisions by the delegator and the delegate: exactly one stands', async () => {
  const y = reviewer();
  const x = colleague();
  await known(y, x);
  expect((await delegate(y, x)).statusCode).toBe(201);
  const { taskId } = await opinionTask();
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      call(
        i % 2 ? x : y,
        'POST',
        `/tasks/${taskId}/complete`,
        i % 4 < 2 ? { decision: 'AGREE', reason: `同意 ${i}` } : { decision: 'AGREE', reason: `可以 ${i}` },
      ),
    ),
  );
  const ok = answers.filter((a) => a.statusCode === 200);
  await keep('delegation: concurrent decisions by the delegator and the delegate', taskId);
  expect(ok).toHaveLength(1);
  for (const a of answers.filter((a) => a.statusCode !== 200)) expect(a.json()).toMatchObject({ code: 'TaskNotOpen' });
  const completions = await h.db
    .selectFrom('audit_events')
    .select(['actor_sub'])
    .where('task_id', '=', taskId)
    .where('action', '=', 'task_completed')
    .execute();
  expect(completions).toHaveLength(1);
  const stored = await h.db.selectFrom('tasks').select(['decided_by', 'decided_on_behalf_of']).where('id', '=', taskId).executeTakeFirstOrThrow();
  expect(stored.decided_on_behalf_of).toBe(stored.decided_by === x.sub ? y.sub : null);
  // The one answered 200 is the one recorded: its person and its words.
  const winner = answers.indexOf(ok[0]);
  expect(stored.decided_by).toBe((winner % 2 ? x : y).sub);
  expect(completions[0].actor_sub).toBe((winner % 2 ? x : y).sub);
  const task = await h.db.selectFrom('tasks').select('reason').where('id', '=', taskId).executeTakeFirstOrThrow();
  expect(task.reason).toBe(winner % 4 < 2 ? `同意 ${winner}` : `可以 ${winner}`);
}, 120_000);
