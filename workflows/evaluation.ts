// The evaluation snapshot (Art. 32): after each month, quarter and year ends, its figures for every organisation and
// division are computed from the audit trail and kept. Started by the Temporal Schedule EVALUATION_SCHEDULE_ID (api and
// worker create it at start), or directly with the periods to keep. Idempotent per period: figures as kept add nothing;
// figures changed since (a late decision) are kept as a new revision.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { SnapshotRunInput, SnapshotRunResult } from '../activities/evaluation';
import { periodsEndedBy } from '../domain/evaluation';

const { keepEvaluationSnapshots } = proxyActivities<Activities>({
  // A whole city's quarter: minutes at most; retried on a worker lost mid-way, the kept revisions make a retry add nothing.
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 20 },
});

export async function evaluationSnapshotWorkflow(input: Partial<SnapshotRunInput> = {}): Promise<SnapshotRunResult & { periods: string[] }> {
  // Started by the schedule without periods: those that ended by the run's start (workflow time, so replay agrees).
  const periods = input.periods?.length ? input.periods : periodsEndedBy(new Date());
  const result = await keepEvaluationSnapshots({ periods, ...(input.region !== undefined ? { region: input.region } : {}) });
  return { ...result, periods };
}
