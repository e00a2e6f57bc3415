// One way every procedure starts a request: Idempotency-Key → request id, body hash, Update-with-Start.
import { createHash, randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError, WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { ERRORS, type ErrorCode } from '../domain/errors';
import { getRequest, getRequestWhole } from '../db/repositories/requests';
import type { RequestType } from '../domain/requests';
import type { Actor } from '../domain/types';
import { awaitSubmittedUpdate, workflowIdFor, WORKFLOW_TYPES } from '../workflows/definitions';
import { problem, ProblemError, withinDeadline } from './problem';
import type { ApiDeps } from './types';
import { requestView, type RequestWhole } from './views';
import { logCase } from './logging';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The refusal a workflow ended with before its first step: a rule the API could not settle by itself (e.g.
 * two requests for what only one may have, at the same moment), as the problem it names; undefined otherwise.
 */
async function refusalOf(deps: ApiDeps, workflowId: string): Promise<ProblemError | undefined> {
  try {
    await deps.temporal.workflow.getHandle(workflowId).result();
  } catch (err) {
    const cause = err instanceof WorkflowFailedError ? err.cause : undefined;
    if (cause instanceof ApplicationFailure && cause.type && cause.type in ERRORS) return problem(cause.type as ErrorCode, cause.message);
  }
  return undefined;
}

/** Stable JSON: the same body always hashes the same, whatever its key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** A retried POST with the same Idempotency-Key names the same request (and so the same workflow). */
export function requestIdFor(sub: string, key: string | undefined): string {
  if (!key) return randomUUID();
  const h = createHash('sha256').update(`${sub}\n${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface Submission {
  requestId: string;
  /** Of several POSTs racing with one key, the one whose submission id the workflow kept created the request. */
  submissionId: string;
  payloadHash: string;
}

/**
 * Starts the procedure's workflow for `body` (or joins the one a retry with the same key started) and
 * waits for its first step (granted, refused, in review), even when that step ends the workflow at once.
 * Answers with the request (row, tasks, grant) and whether this call created it (201) or found it (200).
 */
export async function startRequest<I>(
  deps: ApiDeps,
  start: {
    type: RequestType;
    actor: Actor;
    idempotencyKey: string | undefined;
    body: unknown;
    input: (s: Submission) => I;
    /** The request's id when the route names it (a grant's renewal: one id per renewal, so asks at once start one request). */
    requestId?: string;
  },
): Promise<{ whole: RequestWhole; created: boolean }> {
  const { db } = deps;
  const requestId = start.requestId ?? requestIdFor(start.actor.sub, start.idempotencyKey);
  const payloadHash = createHash('sha256').update(canonical(start.body)).digest('hex');
  const reused = () => problem('IdempotencyKeyReused', 'This Idempotency-Key was already used for a different request body');
  // Without a key the id is fresh: there is nothing to find.
  const existing = start.idempotencyKey ? await getRequest(db, requestId) : undefined;
  if (existing && existing.payload_hash !== payloadHash) throw reused();
  const submissionId = randomUUID();
  // A request still in its first step (e.g. the first POST timed out) is waited for like a new one.
  if (!existing || existing.status === 'submitted') {
    // A retry joins the running workflow; a finished one is never started again.
    try {
      await withinDeadline(
        deps,
        deps.temporal.workflow.executeUpdateWithStart(awaitSubmittedUpdate, {
          startWorkflowOperation: new WithStartWorkflowOperation(WORKFLOW_TYPES[start.type], {
            workflowId: workflowIdFor(start.type, requestId),
            taskQueue: deps.taskQueue,
            args: [start.input({ requestId, submissionId, payloadHash })],
            workflowIdConflictPolicy: 'USE_EXISTING',
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
          }),
        }),
      );
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) throw (await refusalOf(deps, workflowIdFor(start.type, requestId))) ?? err;
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
  const whole = await getRequestWhole(db, requestId);
  if (!whole) throw problem('RequestNotActive', 'The request under this Idempotency-Key could not be submitted; use a new key');
  if (whole.row.payload_hash !== payloadHash) throw reused();
  return { whole, created: whole.row.submission_id === submissionId };
}

/**
 * Starts the request `request` asks for (startRequest, as its caller, under its Idempotency-Key) and answers
 * with it: 201 when this call created it, 200 for a retry of it, with its location.
 */
export async function startAndAnswer<I>(
  deps: ApiDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  start: { type: RequestType; body: unknown; input: (s: Submission) => I },
): Promise<FastifyReply> {
  const { actor } = request;
  const idempotencyKey = request.headers['idempotency-key'] as string | undefined;
  const { whole, created } = await startRequest(deps, { ...start, actor, idempotencyKey });
  logCase(request, whole.row);
  return reply
    .code(created ? 201 : 200)
    .header('location', `/requests/${whole.row.id}`)
    .send(requestView(whole, actor));
}
