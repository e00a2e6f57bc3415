// The evaluation snapshot (Art. 32): after each month, quarter and year ends, its figures for every organisation and
// division are computed from the audit trail and kept. Started by the Temporal Schedule EVALUATION_SCHEDULE_ID (api and
// worker create it at start), or directly with the periods to keep. Idempotent per period: figures as kept add nothing;
// figures changed since (a late decision) are kept as a new revision.
import { patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { SnapshotRunInput, SnapshotRunResult } from '../activities/evaluation';
import { periodsEndedBy } from '../domain/evaluation';

const retry = { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 20 } as const;
const { keepEvaluationSnapshots: keepUnbeaten } = proxyActivities<Activities>({
  // A whole city's quarter: minutes at most; retried on a worker lost mid-way, the kept revisions make a retry add nothing.
  startToCloseTimeout: '10 minutes',
  retry,
});
// snapshot-heartbeat: the activity beats after each scope it keeps, so a worker lost mid-way is noticed within the
// heartbeat timeout (not the 10 minutes above) and the retry resumes after the last scope kept.
const { keepEvaluationSnapshots: keepBeating } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  retry,
});

/** The time a Schedule meant a run for (Temporal sets it on each run it starts), if this run is one. */
function scheduledFor(): Date | undefined {
  // The untyped map: the typed key would need @temporalio/common, which workflows do not import.
  const [at] = (workflowInfo().searchAttributes?.TemporalScheduledStartTime ?? []) as unknown[];
  return at instanceof Date ? at : typeof at === 'string' ? new Date(at) : undefined;
}

export async function evaluationSnapshotWorkflow(input: Partial<SnapshotRunInput> = {}): Promise<SnapshotRunResult & { periods: string[] }> {
  // Started by the schedule without periods: those that ended by the time it was meant for (else the run's start; both
  // are in the run's history, so replay agrees).
  const periods = input.periods?.length ? input.periods : periodsEndedBy(scheduledFor() ?? new Date());
  const keepEvaluationSnapshots = patched('snapshot-heartbeat') ? keepBeating : keepUnbeaten;
  const result = await keepEvaluationSnapshots({ periods, ...(input.region !== undefined ? { region: input.region } : {}) });
  return { ...result, periods };
}
