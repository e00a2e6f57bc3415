// The procedure skeleton every request shares: its state, view and board (newProcedure), the request's own
// handlers, its changes of status, the wait for the applicant's reply, and its end (runToEnd, endFailed).
import { ActivityFailure, allHandlersFinished, ApplicationFailure, ChildWorkflowFailure, condition, log, setHandler, workflowInfo } from '@temporalio/workflow';
import type { DecisionInput, RecordRequestInput } from '../activities';
import { CANCELLABLE, type RequestSnapshot, type RequestStatus } from '../domain/requests';
import { sameApplicant, SYSTEM, type Actor, type ActorRef, type Role } from '../domain/types';
import { acts, businessError } from './acts';
import { TaskBoard } from './board';
import type { ProcedureCarried, StatusChange } from './carried';
import { awaitSubmittedUpdate, cancelRequestUpdate, stateQuery, type CancelRequestInput } from './definitions';
import { actorRef, type TaskSpec, type WfTask } from './task';

/** A change of the request's status: what the activity writes, and what the workflow's state becomes once written. */

/**
 * The handlers every request has: its state (query), the wait for its first step (awaitSubmitted), and the
 * applicant's cancellation, which answers once the procedure has ended the request (cancelled) or with
 * RequestNotActive when it ended otherwise first. Answers with the cancellation the procedure waits for.
 */
export function requestHandlers(
  board: TaskBoard,
  applicant: Actor,
  state: { status: RequestStatus },
  view: () => RequestSnapshot,
  role: Role | null = 'agency_applicant',
  legalPerson?: string,
): { cancel: CancelRequestInput | null } {
  const out: { cancel: CancelRequestInput | null } = { cancel: null };
  const awaitSubmitted = async () => {
    await condition(() => state.status !== 'submitted');
    return view();
  };
  const cancel = async (c: CancelRequestInput) => {
    out.cancel = c;
    board.freeze();
    await condition(() => !CANCELLABLE.includes(state.status));
    if (state.status !== 'cancelled') throw businessError('RequestNotActive', `The request was ${state.status} before the cancellation took effect`);
    return view();
  };
  const checkCancel = ({ actor }: CancelRequestInput) => {
    // The applicant as the API knows them: the same person of the same organisation, in an applicant role.
    if (role === null || !sameApplicant(actor, applicant, legalPerson) || !actor.roles.includes(role))
      throw businessError('Forbidden', 'Only the applicant may cancel the request');
    if (out.cancel || !CANCELLABLE.includes(state.status)) throw businessError('RequestNotActive', `The request is ${state.status}`);
  };
  setHandler(stateQuery, view);
  setHandler(awaitSubmittedUpdate, awaitSubmitted);
  setHandler(cancelRequestUpdate, cancel, { validator: checkCancel });
  return out;
}

/**
 * A write that no retry can make (or that kept failing past the retry policy): the request ends visibly
 * failed with the reason (Art. 29), rather than retrying for ever or vanishing. A decision left for the
 * failed write (`approval`, or the board's unwritten one) is recorded first.
 */
export async function endFailed(
  board: TaskBoard,
  err: ActivityFailure | ApplicationFailure | ChildWorkflowFailure,
  record: RecordRequestInput,
  state: { status: RequestStatus; outcome: RequestSnapshot['outcome'] },
  approval?: DecisionInput,
): Promise<void> {
  board.freeze();
  const unwritten = approval ?? board.takeUnwritten();
  if (unwritten) await acts.recordDecision(unwritten).catch((e) => log.warn('decision not recorded', { taskId: unwritten.taskId, error: String(e) }));
  const reason = failureReason(err);
  await acts.failRequest({ ...record, reason });
  board.cancelInMemory();
  state.status = 'failed';
  state.outcome = { article: 'Art. 29', reason };
  board.finish();
  await condition(allHandlersFinished);
}

/**
 * Runs a procedure to its end: its final state once every Update waiting has answered; or, when one of its
 * writes (or its child workflow) fails for good, the request ended visibly failed (endFailed), then
 * `afterFailure`. A failure `refused` says is the procedure's refusal ends the workflow as it is.
 */
export async function runToEnd<T extends RequestSnapshot>(
  board: TaskBoard,
  record: RecordRequestInput,
  state: { status: RequestStatus; outcome: RequestSnapshot['outcome'] },
  procedure: {
    run: () => Promise<T>;
    failed: () => T;
    refused: (err: unknown) => boolean;
    /** A decision taken for the write that failed (e.g. the approval applied with the changes), to record all the same. */
    unwritten?: () => DecisionInput | undefined;
    afterFailure?: () => Promise<unknown>;
  },
): Promise<T> {
  try {
    const result = await procedure.run();
    await board.closeRest('the request ended', record.article);
    board.settleTaken();
    board.finish();
    await condition(allHandlersFinished);
    return result;
  } catch (err) {
    // An activity's or a child workflow's failure, or the procedure's own business error (unless it is its refusal).
    if (!(err instanceof ActivityFailure || err instanceof ApplicationFailure || err instanceof ChildWorkflowFailure) || procedure.refused(err)) throw err;
    await endFailed(board, err, record, state, procedure.unwritten?.());
    await procedure.afterFailure?.().catch((e) => log.warn('after a failure', { error: String(e) }));
    return procedure.failed();
  }
}

/** The innermost message of an activity failure: what PostgreSQL or the activity said. */
function failureReason(err: ActivityFailure | ApplicationFailure | ChildWorkflowFailure): string {
  let e: Error | undefined = err;
  while (e?.cause instanceof Error) e = e.cause;
  return err instanceof ActivityFailure ? `${err.activityType ?? 'activity'} failed: ${e?.message ?? err.message}` : (e?.message ?? err.message);
}

/**
 * The request's changes of status, numbered by the run's step counter `steps.n` (carried across runs, so
 * audit keys stay unique): each is written by the activity, then applied to `state`.
 */
export function statusChanger(
  requestId: string,
  state: { status: RequestStatus; outcome: RequestSnapshot['outcome'] },
  steps: { n: number },
  current?: { payload: Record<string, unknown> },
) {
  return (
    status: RequestStatus,
    action: string,
    article: string,
    extra: { actor?: ActorRef; reason?: string | null; decision?: string | null; outcome?: RequestSnapshot['outcome']; payload?: Record<string, unknown> } = {},
  ): StatusChange => ({
    write: {
      requestId,
      step: `${++steps.n}-${status}`,
      actor: extra.actor ?? SYSTEM,
      status,
      action,
      article,
      reason: extra.reason ?? null,
      decision: extra.decision ?? null,
      outcome: extra.outcome,
      ...(extra.payload ? { payload: extra.payload } : {}),
    },
    apply: () => {
      state.status = status;
      if (extra.outcome !== undefined) state.outcome = extra.outcome;
      if (extra.payload && current) current.payload = extra.payload;
    },
  });
}

/** Writes a change of status (statusChanger's), then applies it to the workflow's state. */
export function statusSetter(statusChange: ReturnType<typeof statusChanger>) {
  return async (...args: Parameters<typeof statusChange>): Promise<void> => {
    const change = statusChange(...args);
    await acts.transitionRequest(change.write);
    change.apply();
  };
}

/**
 * A reviewer asked for information (REQUEST_INFO): the request awaits the applicant, whose reply task `reply`
 * opens; resolves true once they replied, false when `stop()` came first (e.g. the request was withdrawn).
 */
export async function awaitReply(p: {
  board: TaskBoard;
  setStatus: ReturnType<typeof statusSetter>;
  asked: WfTask;
  article: string;
  reply: TaskSpec;
  stop: () => boolean;
}): Promise<boolean> {
  await p.setStatus('awaiting_applicant', 'information_requested', p.article, { actor: p.asked.decidedBy!, decision: 'REQUEST_INFO', reason: p.asked.reason });
  const reply = await p.board.open(p.reply);
  return (await p.board.next(p.stop, [reply])) !== undefined;
}

/**
 * What every procedure (since the share request) starts with: the request's state and view, its task board,
 * the request handlers (a cancellation by the applicant acting as `role`), its status changes numbered
 * from one, and the request's record as its first write makes it.
 */
export function newProcedure(p: {
  requestId: string;
  applicant: Actor;
  /** The role the applicant acts in (the trail records it; a cancellation requires it). */
  role: Role;
  /** False: the request is not the applicant's to withdraw (a dispute is the authority's own matter). */
  cancellable?: boolean;
  type: string;
  catalogEntryId: string | null;
  payload: Record<string, unknown>;
  payloadHash: string;
  submissionId?: string;
  article: string;
  /** What the run before handed over, when this run continues it. */
  carried?: ProcedureCarried;
  /** The legal person (USCC) in whose name an authorised agent applied: the request is its. */
  legalPerson?: string;
}) {
  const state: Pick<RequestSnapshot, 'status' | 'outcome' | 'grant'> = p.carried ? { ...p.carried.state } : { status: 'submitted', outcome: null, grant: null };
  const view = (): RequestSnapshot => ({ requestId: p.requestId, ...state, tasks: board.snapshots() });
  /** The request's form as it stands: a status change that writes a revised one (a resubmission) replaces it. */
  const current = { payload: p.payload };
  const workflowId = workflowInfo().workflowId;
  const board = new TaskBoard(
    {
      requestId: p.requestId,
      workflowId,
      applicantSub: p.applicant.sub,
      request: () => current.payload,
      ...(p.carried ? { carried: p.carried.board } : {}),
    },
    view,
  );
  const cancelling = requestHandlers(board, p.applicant, state, view, p.cancellable === false ? null : p.role, p.legalPerson);
  const steps = { n: p.carried?.step ?? 0 };
  const statusChange = statusChanger(p.requestId, state, steps, current);
  const record: RecordRequestInput = {
    requestId: p.requestId,
    workflowId,
    type: p.type,
    applicant: actorRef(p.applicant, p.role),
    catalogEntryId: p.catalogEntryId,
    payload: p.payload,
    payloadHash: p.payloadHash,
    submissionId: p.submissionId,
    article: p.article,
    ...(p.legalPerson ? { legalPerson: p.legalPerson } : {}),
  };
  return { state, view, board, cancelling, steps, statusChange, setStatus: statusSetter(statusChange), record };
}

/** What a procedure (newProcedure's) hands to its next run when its workflow continues as new. */
