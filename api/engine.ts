// Every Update the API sends to a running request goes through here: one id per call, so a retry is the same
// Update; an engine state a retry cures is retried briefly, then answered 503; a request that ended is a 409; a
// refusal that only says the workflow is a write behind the read model is retried after a moment.
import { randomUUID } from 'node:crypto';
import {
  Connection,
  defaultGrpcRetryOptions,
  isGrpcServiceError,
  makeGrpcRetryInterceptor,
  ServiceError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { UpdateDefinition } from '@temporalio/common';
import type { ErrorCode } from '../domain/errors';
import { engineRetryable, problem, withinDeadline } from './problem';
import type { ApiDeps } from './types';

/** FAILED_PRECONDITION: the server dropped the Update unprocessed (its workflow task was lost or failed). */
const droppedUnprocessed = (err: unknown) => err instanceof ServiceError && isGrpcServiceError(err.cause) && err.cause.code === 9;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Refusals that may only mean the workflow has not yet seen the result of its last write, which the API has just
 * read (a grant or an agreement in force, a task in the inbox): a validator's refusal applies nothing, so the
 * same Update is sent again after a moment; a refusal that stands is answered as it is.
 */
const BEHIND_THE_READ_MODEL = new Set(['RequestNotActive', 'TaskNotFound']);
const behind = (err: unknown) =>
  err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && BEHIND_THE_READ_MODEL.has(err.cause.type ?? '');

/**
 * Sends `update` to the workflow `workflowId` and waits (within the engine timeout) for its answer. Retried with
 * the same Update id while the engine says it did not take it (at most `attempts` times): the server answers a
 * retry of an Update it already took with that Update's outcome, never a second application. `ended` is the
 * problem when the workflow has finished (e.g. TaskNotOpen for a decision on a task whose request ended).
 */
export async function updateRequest<Ret, Arg>(
  deps: Pick<ApiDeps, 'temporal' | 'engineTimeoutMs'>,
  workflowId: string,
  update: UpdateDefinition<Ret, [Arg]>,
  args: [Arg],
  ended: ErrorCode = 'RequestNotActive',
  attempts = 4,
): Promise<Ret> {
  const handle = deps.temporal.workflow.getHandle(workflowId);
  let updateId = randomUUID();
  const send = async (): Promise<Ret> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await handle.executeUpdate(update, { args, updateId });
      } catch (err) {
        // The run closed as the Update arrived: when it continued as new, the next run takes the Update sent again.
        if (err instanceof WorkflowNotFoundError && attempt === 1) {
          updateId = randomUUID();
          await pause(100);
          continue;
        }
        if (err instanceof WorkflowNotFoundError)
          throw problem(ended, ended === 'TaskNotOpen' ? 'The request ended before this action took effect' : 'The request has already finished');
        if (behind(err) && attempt < attempts) {
          // A refused Update left nothing behind: the next is a new one.
          updateId = randomUUID();
          await pause(50 * 2 ** attempt);
          continue;
        }
        // A server that cannot be reached is answered at once (503); an Update it dropped unprocessed is sent again.
        if (!engineRetryable(err) || !droppedUnprocessed(err)) throw err;
        if (attempt >= attempts) throw problem('EngineUnavailable', 'The workflow engine could not take this action now; nothing was applied. Retry shortly.');
        await pause(50 * 3 ** attempt);
      }
    }
  };
  // Only a start takes an Idempotency-Key: an action sent again after it took effect finds its task closed.
  return withinDeadline(deps, send(), 'action');
}

/**
 * The API's connection to Temporal. A call the server cannot take is retried twice within about a second, not
 * for the SDK's default 19 s: the API answers 503 at once and the person retries (the worker keeps the SDK's patience).
 */
export function connectEngine(address: string): Promise<Connection> {
  return Connection.connect({
    address,
    interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 3, initialIntervalMs: () => 100, maxIntervalMs: () => 400 }))],
  });
}
