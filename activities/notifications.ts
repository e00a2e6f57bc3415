// Notices by e-mail and webhook (issue 26 §2) delivered by an activity: `deliverNotices` runs the worker's deliverer's
// passes (worker/deliverer.ts) for a bounded time, then returns; workflows/notification-delivery.ts runs it again. The
// outbox stays the queue: its rows' leases, attempts, backoff and dead letters are the deliverer's, so one activity
// per round of passes adds a few events to a history however many notices it sends or retries.
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';

/** What the activity needs of the worker's deliverer (worker/deliverer.ts `createDeliverer`). */
export interface DeliveryPasses {
  /** One pass over the outbox: the number of rows sent or failed. */
  runOnce(): Promise<number>;
  /** Rows a pass claims at once per channel: a pass that handled this many may find more due at once. */
  readonly batch: number;
  /** How long to wait after a pass that found less than a batch. */
  readonly pollMs: number;
}

export interface DeliverNoticesInput {
  /** How long to deliver before returning (the workflow's round). */
  forMs: number;
}

export interface DeliverNoticesResult {
  passes: number;
  /** Rows sent or failed (a failure is recorded in its row, retried by a later pass). */
  handled: number;
}

/** The longest the activity goes without a heartbeat while it waits for the next pass (the workflow allows 30 s). */
const BEAT_MS = 10_000;

/** `deliverer` absent (a worker started without one): the activity fails, retried until a worker that has one takes it. */
export function notificationActivities(deliverer?: DeliveryPasses) {
  return {
    async deliverNotices({ forMs }: DeliverNoticesInput): Promise<DeliverNoticesResult> {
      if (!deliverer) throw ApplicationFailure.retryable('this worker was started without a notification deliverer', 'NoDeliverer');
      const ctx = Context.current();
      const until = Date.now() + forMs;
      const done: DeliverNoticesResult = { passes: 0, handled: 0 };
      try {
        while (!ctx.cancellationSignal.aborted && Date.now() < until) {
          // A pass that fails (the database down) fails the activity: Temporal retries it with backoff.
          const n = await deliverer.runOnce();
          done.passes++;
          done.handled += n;
          ctx.heartbeat(done);
          // A full batch: more is due at once. Otherwise wait for the next poll, beating meanwhile.
          if (n >= deliverer.batch) continue;
          for (let wait = Math.min(deliverer.pollMs, until - Date.now()); wait > 0; wait -= BEAT_MS) {
            await ctx.sleep(Math.min(wait, BEAT_MS));
            ctx.heartbeat(done);
          }
        }
      } catch (err) {
        // Cancelled (the worker shutting down, the workflow cancelled): what was done is done; the next round goes on.
        if (!(err instanceof CancelledFailure)) throw err;
      }
      return done;
    },
  };
}
