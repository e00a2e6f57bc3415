// createActivities(deps): every activity the worker registers. Workflows import only the type.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Db } from '../db';
import { adjustmentActivities } from './catalog-adjustment';
import { correctionActivities } from './correction';
import { evaluationActivities } from './evaluation';
import { notificationActivities, type DeliveryPasses } from './notifications';
import { disputeActivities } from './share-dispute';
import { refusalDisputeActivities } from './refusal-dispute';
import { withdrawalActivities } from './withdrawal';
import { computeDeadlines, type DeadlineInput } from './calendar';
import { DEFAULT_CASE_REGION } from '../domain/requests';
import { openRequestActivities } from './open-request';
import { requestActivities } from './requests';
import { shareActivities } from './share';
import { signalActivities } from './signals';
import { taskActivities } from './tasks';

export interface ActivityDeps {
  db: Db;
  /** The region part of case numbers (config CASE_NUMBER_REGION; default domain/requests.ts DEFAULT_CASE_REGION). */
  caseRegion?: string;
  /** The worker's notification deliverer (worker/deliverer.ts), whose passes `deliverNotices` runs. */
  deliverer?: DeliveryPasses;
}

/** From this attempt on, a failing activity is logged as an alert: something outside the workflow is wrong. */
export const ALERT_ATTEMPT = 5;

/**
 * PostgreSQL error classes no retry can fix: data exceptions (22: bad encoding, out of range),
 * integrity violations (23), syntax or access rule errors (42), program limits (54).
 */
const PERMANENT_SQLSTATE = /^(22|23|42|54)/;

/**
 * What an activity's error means to Temporal: a business failure as it is; a write PostgreSQL refuses
 * for good as non-retryable (the workflow ends visibly failed instead of retrying for ever); anything
 * else (connection lost, server restarting) retryable, within the workflow's bounded retry policy.
 */
export function classify(name: string, err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && PERMANENT_SQLSTATE.test(code))
    return ApplicationFailure.nonRetryable(`${name}: PostgreSQL refused the write (${code}): ${(err as Error).message}`, 'UnstorableData');
  let attempt = 0;
  try {
    attempt = Context.current().info.attempt;
  } catch {
    // called outside an activity (a test): no attempt to report
  }
  if (attempt >= ALERT_ATTEMPT) console.warn(`[alert] activity ${name} failed on attempt ${attempt}: ${(err as Error).message ?? String(err)}`);
  return err;
}

function classified<T extends Record<string, (...args: never[]) => Promise<unknown>>>(acts: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(acts))
    out[name] = async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        throw classify(name, err);
      }
    };
  return out as T;
}

export function createActivities({ db, caseRegion = DEFAULT_CASE_REGION, deliverer }: ActivityDeps) {
  const classifiedActivities = classified({
    ...taskActivities(db, caseRegion),
    ...requestActivities(db, caseRegion),
    ...shareActivities(db, caseRegion),
    ...adjustmentActivities(db),
    ...disputeActivities(db),
    ...refusalDisputeActivities(db),
    ...withdrawalActivities(db),
    ...openRequestActivities(db),
    ...correctionActivities(db),
    ...evaluationActivities(db),
    ...signalActivities(),
    computeDeadlines: (input: DeadlineInput) => computeDeadlines(db, input),
  });
  // Delivery is not classified: no error of a pass should end the delivery workflow, so every one is retried.
  return { ...classifiedActivities, ...notificationActivities(deliverer) };
}

export type Activities = ReturnType<typeof createActivities>;
export type { Deadlines, DeadlineInput } from './calendar';
export type { OpenTaskInput, DecisionInput, CancelTasksInput } from './tasks';
export type { TransitionInput, RecordRequestInput, FailRequestInput } from './requests';
export type { GrantInput } from './share';
export type { ApplyAdjustmentInput, ApplyAdjustmentResult, AdjustmentEffects, ReturnedChange } from './catalog-adjustment';
export type { SettleDisputeInput, DisputeSettlement } from './share-dispute';
export type { TakenRefusal, ConcludeRefusalDisputeInput } from './refusal-dispute';
export type { DeliveryPasses, DeliverNoticesInput, DeliverNoticesResult } from './notifications';
export type { SignalBatchInput, SignalBatchResult } from './signals';
