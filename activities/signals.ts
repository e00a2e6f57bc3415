// Signals the workflows resting on a catalog change, in batches, from activities: a withdrawal upheld or an entry
// closed may reach 10,000 agreements, and one workflow signalling each itself issues a command per dependent (a
// task of more than 2,000 pending signals is refused outright, limit.numPendingSignals.error, and the sender's
// history grows by two events each). Here a batch goes out through the worker's own client, a few signals in
// flight at a time; the batches run at once on whichever workers take them, each dependent still ending
// through its own workflow (audited there, once).
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';

export interface SignalBatchInput {
  /** The signal's name (a signal of workflows/definitions.ts) and its one argument. */
  signal: string;
  arg: unknown;
  workflowIds: string[];
}

export interface SignalBatchResult {
  signalled: number;
  /** Ended meanwhile: nothing left to end (a signal to a closed run answers NotFound). */
  ended: number;
}

/** How far a batch got (the heartbeat's details): a retry goes on after the first `done` workflows. */
interface SignalProgress extends SignalBatchResult {
  done: number;
}

/** Signals in flight at once within a batch: enough to hide the round trips, few enough not to flood the frontend. */
const IN_FLIGHT = 16;

export function signalActivities() {
  return {
    async signalWorkflows({ signal, arg, workflowIds }: SignalBatchInput): Promise<SignalBatchResult> {
      const ctx = Context.current();
      const progress: SignalProgress = { done: 0, signalled: 0, ended: 0, ...(ctx.info.heartbeatDetails as SignalProgress | undefined) };
      for (let i = progress.done; i < workflowIds.length; i += IN_FLIGHT) {
        const chunk = workflowIds.slice(i, i + IN_FLIGHT);
        const reached = await Promise.all(
          chunk.map((id) =>
            ctx.client.workflow
              .getHandle(id)
              .signal(signal, arg)
              .then(
                () => true,
                (err) => {
                  if (err instanceof WorkflowNotFoundError) return false;
                  throw err;
                },
              ),
          ),
        );
        // Signalled again by a retry, a dependent keeps the first (its handlers take one end: `??=`, a task per cause).
        progress.done = i + chunk.length;
        progress.signalled += reached.filter(Boolean).length;
        progress.ended += reached.filter((r) => !r).length;
        ctx.heartbeat(progress);
      }
      return { signalled: progress.signalled, ended: progress.ended };
    },
  };
}
