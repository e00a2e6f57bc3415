// Bulk decisions from the inbox (POST /tasks/bulk-complete): one decision on several tasks of one kind, each task
// decided by its own Update, a result per task. Over HTTP against real Temporal and PostgreSQL.
import { randomUUID } from 'node:crypto';
import type { Actor } from '../domain/types';
import { startApi, validShareBody, type Api } from './api-helpers';
import { refusalForm, startHarness, type Harness } from './helpers';

let h: Harness;
let api: Api;
beforeAll(async () => {
  h = await startHarness('bulk');
  api = await startApi(h);
});
afterAll(async () => {
  await api.app.close();
  await h.close();
});

const alice = (): Actor => ({ sub: `alice-${randomUUID().slice(0, 6)}`, org: h.city.agencies.market, roles: ['agency_applicant'] });
/** A reviewer of the health commission, the conditional entry's provider: its provider-opinion tasks are theirs. */
const reviewer = (sub: string): Actor => ({ sub, org: h.city.agencies.health, roles: ['provider_reviewer'] });

interface Row {
  taskId: string;
  status: 'decided' | 'refused';
  problem?: { status: number; code: string; title: string; detail: string };
  request?: { id: string; status: string };
}

async function post(actor: Actor, url: string, payload: object, headers: Record<string, string> = {}) {
  return api.app.inject({ method: 'POST', url, payload, headers: { ...api.as(actor), ...headers } });
}

/** A new share request of the conditional entry, and its provider-opinion task. */
async function opinionTask(): Promise<{ requestId: string; taskId: string }> {
  const created = await post(alice(), '/share-requests', validShareBody(h.city.entries.conditional));
  expect(created.statusCode).toBe(201);
  const req = created.json();
  return { requestId: req.id, taskId: req.tasks.find((t: { kind: string }) => t.kind === 'SHARE_PROVIDER_OPINION').id };
}

const completions = async (taskIds: string[]) =>
  h.db.selectFrom('audit_events').select(['task_id', 'actor_sub']).where('task_id', 'in', taskIds).where('action', '=', 'task_completed').execute();

const bulk = { kind: 'SHARE_PROVIDER_OPINION', decision: 'AGREE', reason: '共享范围适当' };

test('one decision on several tasks: each decided by its own Update, a refusal per row, nothing else changed; a retry decides nothing twice', async () => {
  const tasks: { requestId: string; taskId: string }[] = [];
  for (let i = 0; i < 5; i++) tasks.push(await opinionTask());
  // One of them decided by a colleague before the bulk arrives.
  const colleague = reviewer('bulk-colleague');
  const early = await post(colleague, `/tasks/${tasks[0].taskId}/complete`, { decision: 'DISAGREE', reason: '范围过宽', form: refusalForm });
  expect(early.statusCode).toBe(200);
  // A task the reviewer also sees, of another kind: a withdrawal of the same entry's data, for the same agency to review.
  const withdrawal = await post(alice(), '/withdrawals', { catalogEntryId: h.city.entries.conditional, right: '权益', reasons: '理由' });
  expect(withdrawal.statusCode).toBe(201);
  const otherKind: string = withdrawal.json().tasks.find((t: { kind: string }) => t.kind === 'WITHDRAWAL_REVIEW').id;

  const me = reviewer('bulk-reviewer');
  const taskIds = [...tasks.map((t) => t.taskId), otherKind];
  const res = await post(me, '/tasks/bulk-complete', { ...bulk, taskIds }, { 'accept-language': 'zh-CN' });
  expect(res.statusCode).toBe(200);
  const rows = res.json().results as Row[];
  expect(rows.map((r) => [r.taskId, r.status, r.problem?.code])).toEqual([
    [tasks[0].taskId, 'refused', 'TaskNotOpen'],
    ...tasks.slice(1).map((t) => [t.taskId, 'decided', undefined]),
    [otherKind, 'refused', 'TaskKindMismatch'],
  ]);
  // Each refusal as the single route would have answered it, in the caller's language.
  expect(rows[0].problem).toMatchObject({ status: 409, title: '该任务已办结或已关闭' });
  expect(rows[5].problem).toMatchObject({ status: 409, title: '该任务不属于所选的任务类型，未予办理' });
  // A decided row carries its request after the decision.
  expect(rows[1].request).toMatchObject({ id: tasks[1].requestId });

  const stored = await h.db.selectFrom('tasks').select(['id', 'status', 'decision', 'decided_by', 'reason']).where('id', 'in', taskIds).execute();
  const byId = new Map(stored.map((t) => [t.id, t]));
  expect(byId.get(tasks[0].taskId)).toMatchObject({ status: 'completed', decision: 'DISAGREE', decided_by: 'bulk-colleague' });
  for (const t of tasks.slice(1))
    expect(byId.get(t.taskId)).toMatchObject({ status: 'completed', decision: 'AGREE', decided_by: 'bulk-reviewer', reason: bulk.reason });
  expect(byId.get(otherKind)).toMatchObject({ status: 'open', decision: null });

  // The same body again: every row refused, nothing decided a second time.
  const retry = await post(me, '/tasks/bulk-complete', { ...bulk, taskIds });
  expect(retry.statusCode).toBe(200);
  expect((retry.json().results as Row[]).map((r) => [r.status, r.problem?.code])).toEqual([
    ...tasks.map(() => ['refused', 'TaskNotOpen']),
    ['refused', 'TaskKindMismatch'],
  ]);
  const audit = await completions(taskIds);
  expect(audit.map((e) => e.task_id).sort()).toEqual(tasks.map((t) => t.taskId).sort());
  expect(audit.filter((e) => e.actor_sub === 'bulk-reviewer')).toHaveLength(4);
  expect((await h.db.selectFrom('tasks').select('status').where('id', '=', otherKind).executeTakeFirstOrThrow()).status).toBe('open');
});

test('a task the caller is no candidate of is refused for that row as the single route refuses it', async () => {
  const { taskId } = await opinionTask();
  const stranger: Actor = { sub: 'bulk-stranger', org: h.city.cityAuthority, roles: ['authority_reviewer'] };
  const res = await post(stranger, '/tasks/bulk-complete', { ...bulk, taskIds: [taskId] });
  expect(res.statusCode).toBe(200);
  expect(res.json().results).toEqual([{ taskId, status: 'refused', problem: expect.objectContaining({ status: 404, code: 'TaskNotFound' }) }]);
  const single = await post(stranger, `/tasks/${taskId}/complete`, { decision: 'AGREE' });
  expect(single.statusCode).toBe(404);
  expect(res.json().results[0].problem).toMatchObject({ title: single.json().title, detail: single.json().detail });
});

test('bad bodies are 400 problems naming the field: no tasks, too many, repeated, an unknown kind', async () => {
  const me = reviewer('bulk-bad');
  for (const taskIds of [[], Array.from({ length: 51 }, (_, i) => `t-${i}`), ['a', 'a']]) {
    const res = await post(me, '/tasks/bulk-complete', { ...bulk, taskIds });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'InvalidInput', field: 'body.taskIds' });
  }
  const res = await post(me, '/tasks/bulk-complete', { ...bulk, kind: 'NO_SUCH_KIND', taskIds: ['a'] });
  expect(res.statusCode).toBe(400);
  expect(res.json()).toMatchObject({ code: 'InvalidInput', field: 'body.kind' });
});

test('20 concurrent bulk decisions on overlapping tasks: each task decided exactly once', async () => {
  const tasks: string[] = [];
  for (let i = 0; i < 8; i++) tasks.push((await opinionTask()).taskId);
  // Call i takes four tasks from position i mod 5: every task is in several calls.
  const calls = Array.from({ length: 20 }, (_, i) =>
    post(reviewer(`bulk-racer-${i}`), '/tasks/bulk-complete', { ...bulk, taskIds: tasks.slice(i % 5, (i % 5) + 4) }),
  );
  const answers = await Promise.all(calls);
  expect(answers.map((a) => a.statusCode)).toEqual(answers.map(() => 200));
  const rows = answers.flatMap((a) => a.json().results as Row[]);
  const decided = rows.filter((r) => r.status === 'decided').map((r) => r.taskId);
  expect([...decided].sort()).toEqual([...tasks].sort());
  for (const r of rows.filter((x) => x.status === 'refused')) expect(['TaskNotOpen', 'RequestNotActive']).toContain(r.problem?.code);
  const audit = await completions(tasks);
  expect(audit.map((e) => e.task_id).sort()).toEqual([...tasks].sort());
}, 120_000);
