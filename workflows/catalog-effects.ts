// What a change of the catalog does to the work resting on it: an entry no longer shared (Art. 13) revokes
// its active grants and ends the share requests of it still being decided; data no longer open (Art. 17 ¶1,
// 21) ends the open applications of it and terminates its agreements; each through its own workflow.
import { getExternalWorkflowHandle, log, patched, proxyActivities, type SignalDefinition } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { SYSTEM } from '../domain/types';
import type { UpholdScope } from '../domain/withdrawal';
import type { ActorRef } from '../domain/types';
import { deleteRecordsSignal, endRequestSignal, revokeGrantSignal, type RevokeGrantInput } from './definitions';

/**
 * The patch that moved the signals into activities (activities/signals.ts), checked in the run of the workflow
 * calling these helpers (withdrawal, catalog adjustment, share dispute). Before it, the run signalled each
 * dependent itself: a command each, refused by the server past 2,000 at once (limit.numPendingSignals.error).
 */
export const BATCHED_FANOUT = 'batched-fanout';
/** Dependents per activity: 10,000 agreements are 20 activities, which the workers share. */
export const FANOUT_BATCH = 500;

const { signalWorkflows } = proxyActivities<Activities>({
  // A batch takes seconds; it beats after each few signals, so a worker lost mid-way is noticed within 30 s and
  // the retry goes on from there.
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 30 },
});

type Fanout = { workflows: string[]; signal: string; arg: unknown }[];
/** One signal, with its argument, to each of `workflows`. */
const fan = <T>(workflows: string[], signal: SignalDefinition<[T]>, arg: T) => ({ workflows, signal: signal.name, arg });

/**
 * Signals every workflow named, in batches of FANOUT_BATCH by activities run at once. A batch that fails past
 * its retries is logged, as a signal that failed was before: the rest go on.
 */
async function signalInBatches(fanout: Fanout, what: string): Promise<void> {
  const batches = fanout.flatMap(({ workflows, signal, arg }) =>
    Array.from({ length: Math.ceil(workflows.length / FANOUT_BATCH) }, (_, i) => ({
      signal,
      arg,
      workflowIds: workflows.slice(i * FANOUT_BATCH, (i + 1) * FANOUT_BATCH),
    })),
  );
  await Promise.all(
    batches.map((b) =>
      signalWorkflows(b).catch((err) => log.warn(`${what} not reached`, { signal: b.signal, workflows: b.workflowIds.length, error: String(err) })),
    ),
  );
}

/** Whether this run signals in batches (BATCHED_FANOUT); nothing to signal asks nothing, as either path issues nothing then. */
const batched = (fanout: Fanout) => fanout.some((f) => f.workflows.length > 0) && patched(BATCHED_FANOUT);

/** Signals each share workflow `effects` names, with the request (`cause`) that ended the sharing as the audited reason. */
export async function endRunningWork(cause: string, effects: { grants: string[]; requests: string[] }): Promise<void> {
  const why: RevokeGrantInput = { actor: SYSTEM, reason: `the catalog entry is no longer shared (${cause})`, article: 'Art. 13' };
  const fanout = [fan(effects.grants, revokeGrantSignal, why), fan(effects.requests, endRequestSignal, why)];
  if (batched(fanout)) return signalInBatches(fanout, 'running work');
  const signal = (wf: string, s: typeof revokeGrantSignal) =>
    getExternalWorkflowHandle(wf)
      .signal(s, why)
      // A workflow that has ended meanwhile has nothing left to end.
      .catch((err) => log.warn('running work not reached', { workflowId: wf, error: String(err) }));
  await Promise.all([...effects.grants.map((wf) => signal(wf, revokeGrantSignal)), ...effects.requests.map((wf) => signal(wf, endRequestSignal))]);
}

/**
 * Data no longer open ends the open work resting on it, through the workflows named: an application still
 * being decided or signed ends; an agreement in force is terminated, and its licensee confirms deleting the
 * data (workflows/open-request.ts). `end` says why, citing the request that closed it. A workflow that
 * ended meanwhile has nothing left to do.
 */
export async function endOpenWork(workflows: string[], end: RevokeGrantInput): Promise<void> {
  const fanout = [fan(workflows, endRequestSignal, end)];
  if (batched(fanout)) return signalInBatches(fanout, 'open work');
  await Promise.all(
    workflows.map((wf) =>
      getExternalWorkflowHandle(wf)
        .signal(endRequestSignal, end)
        .catch((err) => log.warn('open work not reached', { workflowId: wf, error: String(err) })),
    ),
  );
}

/**
 * A withdrawal upheld (Art. 21 ¶2) reaches the open applications of its entry: for the whole entry, its
 * open work ends (endOpenWork); for records, each licensee gets a task to confirm their deletion.
 */
export async function withdrawOpenWork(cause: string, scope: UpholdScope, by: ActorRef, reason: string, records: string, workflows: string[]): Promise<void> {
  if (scope === 'entry') return endOpenWork(workflows, { actor: by, reason: `开放数据已依撤回请求 ${cause} 撤回: ${reason}`, article: 'Art. 21' });
  const deletion = { actor: by, records, reason, cause };
  const fanout = [fan(workflows, deleteRecordsSignal, deletion)];
  if (batched(fanout)) return signalInBatches(fanout, 'open work');
  await Promise.all(
    workflows.map((wf) =>
      getExternalWorkflowHandle(wf)
        .signal(deleteRecordsSignal, deletion)
        .catch((err) => log.warn('open work not reached', { workflowId: wf, error: String(err) })),
    ),
  );
}
