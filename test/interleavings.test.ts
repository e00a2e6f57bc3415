// Decisions that cannot cross: random interleavings of concurrent decisions, replies, claims,
// extensions and cancels against real share workflows, each checked for a legal trail, no task left open by a
// finished request, every decided task decided once, and no acknowledged decision lost.
import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import fc from 'fast-check';
import type { RequestSnapshot } from '../domain/requests';
import type { Actor, OrgActor } from '../domain/types';
import {
  awaitSubmittedUpdate,
  cancelRequestUpdate,
  claimTaskUpdate,
  completeTaskUpdate,
  extendTaskUpdate,
  stateQuery,
  workflowIdFor,
  type ShareRequestInput,
} from '../workflows/definitions';
import { eventually, refusalForm, startHarness, TEST_POLICY, type Harness } from './helpers';
import { workerTracingOptions } from '../worker/tracing';

let h: Harness;
/** Every workflow an interleaving ran: afterwards each history must replay (concurrency never makes a run nondeterministic). */
const ran: string[] = [];
beforeAll(async () => {
  h = await startHarness('interleave');
});
afterAll(() => h.close());

// Several officers of each party: concurrent decisions come from different people, as in an office.
const authority = (n: number): Actor => ({ sub: `il-bob-${n}`, org: h.city.cityAuthority, roles: ['authority_reviewer'] });
const provider = (n: number): Actor => ({ sub: `il-carol-${n}`, org: h.city.agencies.health, roles: ['provider_reviewer'] });
const supervisor = (): Actor => ({ sub: 'il-sue', org: h.city.cityAuthority, roles: ['supervisor'] });

type Who = { who: 'authority' | 'provider'; officer: number };
type Op =
  | ({ kind: 'decide'; decision: string } & Who)
  | { kind: 'reply' }
  | { kind: 'cancel' }
  | ({ kind: 'claim' | 'unclaim' } & Who)
  | { kind: 'extend'; who: 'authority' | 'provider' };

const officer = fc.integer({ min: 0, max: 6 });
const op: fc.Arbitrary<Op> = fc.oneof(
  // Art. 14: the authority concludes (APPROVE, REJECT, REQUEST_INFO, CONSULT); the provider gives its opinion.
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('decide' as const),
      who: fc.constant('authority' as const),
      officer,
      decision: fc.constantFrom('APPROVE', 'APPROVE', 'REJECT', 'REQUEST_INFO', 'CONSULT'),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('decide' as const),
      who: fc.constant('provider' as const),
      officer,
      decision: fc.constantFrom('AGREE', 'AGREE', 'DISAGREE', 'REQUEST_INFO'),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'reply' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'cancel' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constantFrom('claim' as const, 'unclaim' as const),
      who: fc.constantFrom('authority' as const, 'provider' as const),
      officer,
    }),
  },
  // A supervisor moves a reviewer's due time on (its timers re-arm while decisions land).
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('extend' as const), who: fc.constantFrom('authority' as const, 'provider' as const) }) },
);
/**
 * Waves of operations; the operations of a wave are sent at the same moment, from the same view of the request.
 * A wave holds up to 20: crossings showed from three concurrent decisions on one task, never with two.
 */
const scenario = fc.array(fc.array(op, { minLength: 1, maxLength: 20 }), { minLength: 1, maxLength: 4 });

const NEXT: Record<string, string[]> = {
  submitted: ['in_review', 'granted', 'refused', 'failed'],
  in_review: ['awaiting_applicant', 'rejected', 'cancelled', 'granted', 'failed'],
  awaiting_applicant: ['in_review', 'cancelled', 'failed'],
  granted: ['expired', 'revoked', 'failed'],
};
const FINISHED = ['granted', 'refused', 'rejected', 'cancelled', 'expired', 'revoked', 'failed'];
const KIND = { authority: 'SHARE_JOINT_REVIEW', provider: 'SHARE_PROVIDER_OPINION' } as const;

async function check(waves: Op[][]): Promise<void> {
  const requestId = randomUUID();
  const applicant: OrgActor = { sub: `il-alice-${requestId.slice(0, 6)}`, org: h.city.agencies.market, roles: ['agency_applicant'] };
  const input: ShareRequestInput = {
    requestId,
    applicant,
    form: {
      catalogEntryId: h.city.entries.conditional,
      scenario: 'interleavings',
      statutoryDuty: 'supervision',
      commitment: { authenticity: true, compliance: true, security: true },
    },
    payloadHash: 'x',
    policy: TEST_POLICY,
  };
  const handle = await h.client.workflow.start('shareRequestWorkflow', {
    workflowId: workflowIdFor('share', requestId),
    taskQueue: h.taskQueue,
    args: [input],
  });
  ran.push(handle.workflowId);
  let state: RequestSnapshot = await handle.executeUpdate(awaitSubmittedUpdate);
  /** Every decision answered as taken, with what its caller sent. */
  const acknowledged: { taskId: string; decision: string; reason: string; sub: string }[] = [];
  const actors = { authority, provider };
  let sent = 0;

  for (const wave of waves) {
    if (FINISHED.includes(state.status)) break;
    const open = (kind: string) => state.tasks.find((t) => t.kind === kind && t.status === 'open');
    const sends = wave.map(async (o) => {
      if (o.kind === 'cancel') return handle.executeUpdate(cancelRequestUpdate, { args: [{ actor: applicant, reason: 'changed my mind' }] });
      const task = o.kind === 'reply' ? open('SHARE_APPLICANT_REPLY') : open(KIND[o.who]);
      if (!task) return;
      // Every decision carries a reason of its own, so the trail shows whose decision took effect.
      const reason = `op ${++sent}`;
      if (o.kind === 'reply') {
        await handle.executeUpdate(completeTaskUpdate, { args: [{ taskId: task.id, actor: applicant, decision: 'REPLY', reason }] });
        acknowledged.push({ taskId: task.id, decision: 'REPLY', reason, sub: applicant.sub });
      } else if (o.kind === 'decide') {
        const actor = actors[o.who](o.officer);
        // A request for information lists what is missing (一次性告知); a second one in the review is refused.
        // A refusal cites its legal basis (不予共享).
        const form =
          o.decision === 'REQUEST_INFO'
            ? { form: { missing: [{ item: reason, reason: '审核需要' }] } }
            : o.decision === 'REJECT' || o.decision === 'DISAGREE'
              ? { form: refusalForm }
              : {};
        await handle.executeUpdate(completeTaskUpdate, { args: [{ taskId: task.id, actor, decision: o.decision, reason, ...form }] });
        acknowledged.push({ taskId: task.id, decision: o.decision, reason, sub: actor.sub });
      } else if (o.kind === 'extend')
        await handle.executeUpdate(extendTaskUpdate, { args: [{ taskId: task.id, actor: supervisor(), workingDays: 1, reason: 'more time' }] });
      else await handle.executeUpdate(claimTaskUpdate, { args: [{ taskId: task.id, actor: actors[o.who](o.officer), claim: o.kind === 'claim' }] });
    });
    await Promise.allSettled(sends);
    state = await handle.query(stateQuery).catch(async () => (await handle.result()) as RequestSnapshot);
  }

  // At rest: the read model agrees with the workflow about every task.
  const settled = await eventually(async () => {
    const s = await handle.query(stateQuery).catch(async () => (await handle.result()) as RequestSnapshot);
    const rows = await h.db.selectFrom('tasks').select(['id', 'status']).where('request_id', '=', requestId).execute();
    const same = s.tasks.length === rows.length && s.tasks.every((t) => rows.find((r) => r.id === t.id)?.status === t.status);
    return same && { s, rows };
  });
  const [request, audit] = await Promise.all([
    h.db.selectFrom('requests').select('status').where('id', '=', requestId).executeTakeFirstOrThrow(),
    h.db.selectFrom('audit_events').selectAll().where('request_id', '=', requestId).orderBy('id').execute(),
  ]);
  const problems: string[] = [];
  // A legal sequence of states.
  const statuses = audit
    .filter((e) => e.task_id === null && (e.new_value as { status?: string } | null)?.status)
    .map((e) => (e.new_value as { status: string }).status);
  if (statuses[0] !== 'submitted') problems.push(`trail starts with ${statuses[0]}`);
  for (let i = 1; i < statuses.length; i++) if (!NEXT[statuses[i - 1]]?.includes(statuses[i])) problems.push(`illegal ${statuses[i - 1]} → ${statuses[i]}`);
  if (statuses[statuses.length - 1] !== request.status) problems.push(`trail ends ${statuses[statuses.length - 1]}, request is ${request.status}`);
  // No open task on a finished request; never a reply and a review open together.
  const open = settled.rows.filter((t) => t.status === 'open');
  if (FINISHED.includes(request.status) && open.length) problems.push(`${request.status} with open tasks ${open.map((t) => t.id)}`);
  if (open.some((t) => t.id.includes('applicant-reply')) && open.some((t) => !t.id.includes('applicant-reply')))
    problems.push('reply and review tasks open together');
  // Each decided task decided exactly once, and every acknowledged decision is in the trail.
  for (const t of settled.rows) {
    const completed = audit.filter((e) => e.task_id === t.id && e.action === 'task_completed');
    if (completed.length > 1 || (t.status === 'completed') !== (completed.length === 1))
      problems.push(`task ${t.id} ${t.status} with ${completed.length} task_completed events`);
  }
  // A claim, give-back or reassignment is never recorded on a task after it closed.
  for (const t of settled.rows) {
    const closed = audit.findIndex((e) => e.task_id === t.id && ['task_completed', 'task_cancelled'].includes(e.action));
    const late =
      closed < 0 ? [] : audit.slice(closed).filter((e) => e.task_id === t.id && ['task_claimed', 'task_unclaimed', 'task_reassigned'].includes(e.action));
    if (late.length) problems.push(`task ${t.id} ${late.map((e) => e.action)} after it closed`);
  }
  // The decision answered as taken is the one recorded: its decision, reason and decider, in the trail and on the task.
  for (const a of acknowledged)
    if (
      !audit.some((e) => e.task_id === a.taskId && e.action === 'task_completed' && e.decision === a.decision && e.reason === a.reason && e.actor_sub === a.sub)
    )
      problems.push(`acknowledged ${a.decision} "${a.reason}" by ${a.sub} on ${a.taskId} is not in the trail`);
  const answered = new Set<string>();
  for (const a of acknowledged) {
    if (answered.has(a.taskId)) problems.push(`two decisions on ${a.taskId} were answered as taken`);
    answered.add(a.taskId);
  }
  // Nothing of a refused decision is written: every decision in the trail was answered as taken, and a grant only follows an approval.
  for (const e of audit.filter((e) => e.action === 'task_completed' && e.reason?.startsWith('op ')))
    if (!acknowledged.some((a) => a.taskId === e.task_id && a.reason === e.reason))
      problems.push(`${e.decision} "${e.reason}" on ${e.task_id} is in the trail but its caller was refused`);
  const approved = acknowledged.some((a) => a.decision === 'APPROVE');
  if (audit.some((e) => e.action === 'grant_created') !== approved) problems.push(`grant ${approved ? 'missing after' : 'created without'} an approval`);
  if (audit.some((e) => e.action === 'rejected') && audit.some((e) => e.action === 'grant_created')) problems.push('rejected and granted');
  if (problems.length) throw new Error(`${JSON.stringify(waves)}\n${problems.join('\n')}`);
}

/** A request that never settles (a workflow stuck waiting) fails its interleaving rather than the whole run's time. */
async function within60s(waves: Op[][]): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${JSON.stringify(waves)}\nstuck for 60 s`)), 60_000)));
  try {
    await Promise.race([check(waves), stuck]);
  } finally {
    clearTimeout(timer);
  }
}

test('≥ 200 random interleavings of concurrent decisions, replies, claims and cancels keep the trail legal and lose nothing', async () => {
  // Four requests at a time, each with its own interleaving: 4 × 50 = 200.
  const runs = Math.ceil(Number(process.env.INTERLEAVINGS ?? 200) / 4);
  await fc.assert(
    fc.asyncProperty(fc.array(scenario, { minLength: 4, maxLength: 4 }), async (four) => {
      await Promise.all(four.map(within60s));
    }),
    // Each run drives four real workflows: the first counterexample is reported as found, without shrinking.
    { numRuns: runs, seed: Number(process.env.INTERLEAVINGS_SEED ?? 1127), endOnFailure: true },
  );
  const histories = await Promise.all(ran.map(async (workflowId) => ({ workflowId, history: await h.client.workflow.getHandle(workflowId).fetchHistory() })));
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: { codePath: process.env.PDW_WORKFLOW_BUNDLE! }, sinks: workerTracingOptions(undefined).sinks },
    histories,
  ))
    if (result.error) failures.push(`${result.workflowId}: ${result.error}`);
  expect(failures).toEqual([]);
  expect(histories.length).toBeGreaterThanOrEqual(200);
}, 600_000);
