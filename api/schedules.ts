// The Temporal Schedules the service runs by itself: created at start, once (a second start finds them).
import { ScheduleAlreadyRunning, type Client } from '@temporalio/client';

/** The evaluation snapshot's schedule (workflows/evaluation.ts): one per namespace and task queue. */
export const evaluationScheduleId = (taskQueue: string) => `evaluation-snapshots/${taskQueue}`;

/**
 * At 00:30 on the first of each month in Asia/Shanghai the periods just ended (the month, and the quarter or year
 * ending with it) are evaluated and kept (Art. 32). A schedule already there is left as it is (its runs, and any
 * pause an operator set, stand). Answers whether it was created now.
 */
export async function ensureEvaluationSchedule(client: Client, taskQueue: string): Promise<boolean> {
  const scheduleId = evaluationScheduleId(taskQueue);
  try {
    await client.schedule.create({
      scheduleId,
      spec: { calendars: [{ dayOfMonth: 1, hour: 0, minute: 30, comment: 'the periods ended at midnight' }], timezone: 'Asia/Shanghai' },
      action: { type: 'startWorkflow', workflowType: 'evaluationSnapshotWorkflow', args: [{}], taskQueue, workflowId: `evaluation-snapshot/${taskQueue}` },
      // A run missed while the service was down is made up within a week; one still running when the next is due is not doubled.
      policies: { catchupWindow: '7 days', overlap: 'SKIP' },
    });
    return true;
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return false;
    throw err;
  }
}
