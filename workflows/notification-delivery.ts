// The outbox's delivery (issue 26 §2): no procedure, one run per task queue (worker/index.ts startNotificationDelivery,
// at every worker's boot) that keeps `deliverNotices` activities running. Each round runs `lanes` of them at once, each
// delivering for `forMs` (passes over the outbox, waiting the poll interval when nothing is due), so that many workers
// share the outbox (its rows are claimed under SKIP LOCKED: never one row twice). The rows keep their own attempts and
// backoff; an activity that fails (the database down) is retried with backoff for ever. An idle system adds a round a
// minute to the history; after `rounds` the run continues as new.
import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';

export interface NotificationDeliveryInput {
  /** Activities at once in each round: up to that many workers deliver side by side (default 3). */
  lanes?: number;
  /** How long each activity delivers before it returns (default 60 s). */
  forMs?: number;
  /** Rounds before the run continues as new (default 60), sooner when the server suggests it. */
  rounds?: number;
}

export async function notificationDeliveryWorkflow(input: NotificationDeliveryInput = {}): Promise<never> {
  const { lanes = 3, forMs = 60_000, rounds = 60 } = input;
  const { deliverNotices } = proxyActivities<Activities>({
    // A round's time and a last pass (webhooks time out after 10 s); the heartbeat notices a lost worker sooner.
    startToCloseTimeout: forMs + 5 * 60_000,
    heartbeatTimeout: '30 seconds',
    // No maximumAttempts: a database or mail server that is down is waited out.
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });
  for (let round = 0; round < rounds && !workflowInfo().continueAsNewSuggested; round++)
    await Promise.all(Array.from({ length: lanes }, () => deliverNotices({ forMs })));
  return continueAsNew<typeof notificationDeliveryWorkflow>(input);
}
