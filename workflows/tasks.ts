// The generic human-task mechanism: open, remind, mark overdue, decide through the completeTask
// Update, claim / unclaim. Every procedure's workflow owns one TaskBoard.
import { ActivityFailure, allHandlersFinished, ApplicationFailure, ChildWorkflowFailure, condition, log, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities, Deadlines, DecisionInput, RecordRequestInput, TransitionInput } from '../activities';
import { ERRORS, type ErrorCode, type RuleViolation } from '../domain/errors';
import { CANCELLABLE, type RequestSnapshot, type RequestStatus, type TaskSnapshot } from '../domain/requests';
import { assigneeViolation, candidateOf, claimViolation, decideViolation, extendViolation, procedureViolation, reassignViolation, releaseViolation, TASK_KINDS, type Candidate, type TaskAccessView, type TaskKind } from '../domain/tasks';
import { MAX_FORM_NODES, unstorable } from '../domain/text';
import { isOrgActor, sameApplicant, SYSTEM, type Actor, type ActorRef, type Duration, type Role } from '../domain/types';
import { awaitSubmittedUpdate, cancelRequestUpdate, claimTaskUpdate, completeTaskUpdate, extendTaskUpdate, reassignTaskUpdate, stateQuery, type CancelRequestInput, type CompleteTaskInput } from './definitions';

const ACTIVITY_OPTIONS = {
  startToCloseTimeout: '30 seconds',
  // Bounded: about 13 minutes of retries (a database restart fits well inside), then the request fails visibly.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 30 },
} as const;

/**
 * Read-model writes as activities through the server. Never local activities: a local activity runs inside the
 * workflow task, before the server has recorded what that task accepted. When such a task is lost (the server
 * hands the run a new task, the worker dies, the task times out), the Updates it accepted are offered again
 * and another of several concurrent decisions may be accepted, while the first one's effects (a grant, a
 * status) are already in PostgreSQL, where the write keyed by the same step then keeps them. An activity is
 * scheduled by a command of the task that accepted its cause, so it runs only once that is history.
 * (workflows/README.md, "Decisions that cannot cross".)
 */
export const acts = proxyActivities<Activities>(ACTIVITY_OPTIONS);

export function businessError(code: ErrorCode, detail?: string): ApplicationFailure {
  return ApplicationFailure.create({ type: code, message: detail ?? ERRORS[code].title, nonRetryable: true });
}

export function actorRef(actor: Actor, role: Role): ActorRef {
  return { sub: actor.sub, org: actor.org, role };
}

/** `actor` as the candidate of `task` they act as (the role the trail records). */
function candidateRef(task: WfTask, actor: Actor): ActorRef {
  return actorRef(actor, candidateOf(task, actor)?.role ?? task.candidateRole);
}

/** A supervisor (or admin) acting on a task under Art. 32. */
function supervisorRef(actor: Actor): ActorRef {
  return actorRef(actor, actor.roles.includes('supervisor') ? 'supervisor' : 'admin');
}

export interface TaskSpec {
  /** Unique within the request, e.g. 'authority-review-1'. */
  key: string;
  kind: TaskKind;
  candidateRole: Role;
  /** Null for a member of the public (named as candidateUser). */
  candidateOrg: string | null;
  candidateUser?: string;
  /** A member of the public's task addressed to a legal person (USCC): whoever acts for it acts on it. */
  candidateLegalPerson?: string;
  length: Duration;
  reminderBefore?: Duration;
  resume?: { dueAt: string; pausedAt: string };
  /** Count `length` on from this instant instead of now (an extension counts on from the due time it moves). */
  from?: string;
  /** Who may not act on it; default: the applicant, unless the task is addressed to them. */
  excluded?: string[];
  /** What the candidates need to know to decide, e.g. the authority's position in a consultation. */
  context?: Record<string, unknown>;
  /** The person whose request the task answers (the trail names them as its opener); default: the system. */
  openedBy?: ActorRef;
  /**
   * Still open `after` past its due time, the task is escalated (督办): its supervising authority and its
   * candidates are told. No candidate is added: escalation never moves a decision to another body.
   */
  escalation?: { after: Duration; article: string };
}

export interface WfTask extends TaskAccessView {
  id: string;
  dueAt: string;
  remindAt: string | null;
  reminderBefore?: Duration;
  escalateAt: string | null;
  escalation?: TaskSpec['escalation'];
  /** What the candidates were given to decide (TaskSpec's), for the rules that read it. */
  context?: Record<string, unknown>;
  /** The person whose request the task answers (TaskSpec's). */
  openedBy?: ActorRef;
  /** Deadline notices given for the current due time (the board's deadline watch, watchAll). */
  noticed?: { reminded?: boolean; overdue?: boolean };
  decision: string | null;
  reason: string | null;
  form: Record<string, unknown> | null;
  decidedBy: ActorRef | null;
  /** The procedure has taken the decision (board.next returned it). */
  consumed: boolean;
  /** The procedure has reacted to the decision; the Update may answer. */
  settled: boolean;
}

export const untilMs = (iso: string) => Math.max(1, Date.parse(iso) - Date.now());

/** A change of the request's status: what the activity writes, and what the workflow's state becomes once written. */
export interface StatusChange {
  write: TransitionInput;
  apply(): void;
  /** The request's record, when this change goes with the request's first write (it is recorded in the same step). */
  record?: RecordRequestInput;
}

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
  setHandler(stateQuery, view);
  setHandler(awaitSubmittedUpdate, async () => {
    await condition(() => state.status !== 'submitted');
    return view();
  });
  setHandler(
    cancelRequestUpdate,
    async (c) => {
      out.cancel = c;
      board.freeze();
      await condition(() => !CANCELLABLE.includes(state.status));
      if (state.status !== 'cancelled') throw businessError('RequestNotActive', `The request was ${state.status} before the cancellation took effect`);
      return view();
    },
    {
      validator: ({ actor }) => {
        // The applicant as the API knows them: the same person of the same organisation, in an applicant role.
        if (role === null || !sameApplicant(actor, applicant, legalPerson) || !actor.roles.includes(role))
          throw businessError('Forbidden', 'Only the applicant may cancel the request');
        if (out.cancel || !CANCELLABLE.includes(state.status)) throw businessError('RequestNotActive', `The request is ${state.status}`);
      },
    },
  );
  return out;
}

/**
 * A write that no retry can make (or that kept failing past the retry policy): the request ends visibly
 * failed with the reason (Art. 29), rather than retrying for ever or vanishing. A decision left for the
 * failed write (`approval`, or the board's unwritten one) is recorded first.
 */
export async function endFailed(board: TaskBoard, err: ActivityFailure | ApplicationFailure | ChildWorkflowFailure, record: RecordRequestInput, state: { status: RequestStatus; outcome: RequestSnapshot['outcome'] }, approval?: DecisionInput): Promise<void> {
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
export function statusChanger(requestId: string, state: { status: RequestStatus; outcome: RequestSnapshot['outcome'] }, steps: { n: number }) {
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
 * A task addressed to the applicant in person, acting as `role`; or, for a request made in a legal person's name
 * (`legalPerson`, its USCC), to the legal person: whoever acts for it when the task is done (any current agent, its own account).
 */
export function addressedTo(applicant: Actor, role: Role, legalPerson?: string): Pick<TaskSpec, 'candidateRole' | 'candidateOrg' | 'candidateUser' | 'candidateLegalPerson'> {
  if (legalPerson) return { candidateRole: role, candidateOrg: applicant.org, candidateLegalPerson: legalPerson };
  return { candidateRole: role, candidateOrg: applicant.org, candidateUser: applicant.sub };
}

/**
 * A reviewer asked for information (REQUEST_INFO): the request awaits the applicant, whose reply task `reply`
 * opens; resolves true once they replied, false when `stop()` came first (e.g. the request was withdrawn).
 */
export async function awaitReply(p: { board: TaskBoard; setStatus: ReturnType<typeof statusSetter>; asked: WfTask; article: string; reply: TaskSpec; stop: () => boolean }): Promise<boolean> {
  await p.setStatus('awaiting_applicant', 'information_requested', p.article, { actor: p.asked.decidedBy!, decision: 'REQUEST_INFO', reason: p.asked.reason });
  const reply = await p.board.open(p.reply);
  return (await p.board.next(p.stop, [reply])) !== undefined;
}

/** The role someone applying acts in: a member of the public, or an agency's applicant. */
export function applyingRole(applicant: Actor): Role {
  return applicant.roles.includes('public_applicant') ? 'public_applicant' : 'agency_applicant';
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
  decisionRule?: ConstructorParameters<typeof TaskBoard>[0]['decisionRule'];
  /** What the run before handed over, when this run continues it. */
  carried?: ProcedureCarried;
  /** The legal person (USCC) in whose name an authorised agent applied: the request is its. */
  legalPerson?: string;
}) {
  const state: Pick<RequestSnapshot, 'status' | 'outcome' | 'grant'> = p.carried ? { ...p.carried.state } : { status: 'submitted', outcome: null, grant: null };
  const view = (): RequestSnapshot => ({ requestId: p.requestId, ...state, tasks: board.snapshots() });
  const workflowId = workflowInfo().workflowId;
  const board = new TaskBoard(
    {
      requestId: p.requestId,
      workflowId,
      applicantSub: p.applicant.sub,
      ...(p.decisionRule ? { decisionRule: p.decisionRule } : {}),
      ...(p.carried ? { carried: p.carried.board } : {}),
    },
    view,
  );
  const cancelling = requestHandlers(board, p.applicant, state, view, p.cancellable === false ? null : p.role, p.legalPerson);
  const steps = { n: p.carried?.step ?? 0 };
  const statusChange = statusChanger(p.requestId, state, steps);
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
export interface ProcedureCarried {
  step: number;
  state: Pick<RequestSnapshot, 'status' | 'outcome' | 'grant'>;
  board: BoardState;
}

/** What a board carries into the next run when its workflow continues as new. */
export interface BoardState {
  tasks: WfTask[];
  assigneeStep: number;
  dueStep: number;
}

export class TaskBoard {
  private readonly tasks = new Map<string, WfTask>();
  private readonly decided: WfTask[] = [];
  /** Task-level writes (claims, reassignments, extensions), run one after another in the order accepted. */
  private writes: Promise<void> = Promise.resolve();
  private assigneeStep = 0;
  private dueStep = 0;
  /** Set when the request stops taking decisions (e.g. cancelled), before its tasks are closed. */
  private frozen = false;
  /** Closed in memory by a sibling's decision, not yet written to the read model. */
  private readonly closedBySibling = new Set<WfTask>();
  /** Deadline notices (reminder, overdue, escalation) being written now. */
  private noticesInFlight = 0;
  private unwritten: DecisionInput | undefined;
  /** Decisions this run has taken (board.next returned). */
  taken = 0;

  constructor(
    private readonly ctx: {
      requestId: string;
      workflowId: string;
      applicantSub: string;
      /** Whether a decision makes the other open tasks moot (e.g. a REJECT): they close with it. */
      closesSiblings?: (task: WfTask) => boolean;
      /** The board of the run before, when this run continues it. */
      carried?: BoardState;
      /** The procedure's own rule on a decision that depends on where it stands (e.g. what an objection may name). */
      decisionRule?: (task: WfTask, decision: string, form: Record<string, unknown> | undefined) => RuleViolation | null;
    },
    private readonly snapshot: () => RequestSnapshot,
  ) {
    // Before the handlers: an Update that arrived with the new run is handed to them as they are set,
    // and must find the tasks it names.
    if (ctx.carried) this.restore(ctx.carried);
    this.watchAll().catch((err) => log.warn('deadline watch stopped', { error: String(err) }));
    setHandler(
      completeTaskUpdate,
      async (input) => {
        const { taskId, actor, decision, reason, form } = input;
        // The validator's checks again, in the same synchronous step that closes the task: whatever the
        // order in which Temporal runs validators and handlers of Updates delivered together, a second
        // decision on a closed task (or on a sibling this one closed) fails here and changes nothing.
        this.checkDecision(input);
        const task = this.tasks.get(taskId)!;
        // Synchronously, before any await: a concurrent decision's validator now sees the task closed,
        // and, when this decision closes the phase, its siblings too (their deciders get TaskNotOpen).
        Object.assign(task, {
          status: 'completed',
          decision,
          reason: reason?.trim() || null,
          form: form ?? null,
          decidedBy: candidateRef(task, actor),
        });
        if (this.ctx.closesSiblings?.(task))
          for (const t of this.tasks.values())
            if (t.status === 'open') {
              t.status = 'cancelled';
              this.closedBySibling.add(t);
            }
        this.decided.push(task);
        await condition(() => task.settled);
        // Closed by a sibling's decision (or the request's end) before the procedure took this one: it never took effect.
        if (!task.consumed) throw businessError('TaskNotOpen', 'The task was closed by another decision before this one took effect');
        return this.snapshot();
      },
      { validator: (input) => this.checkDecision(input) },
    );
    setHandler(
      claimTaskUpdate,
      async ({ taskId, actor, claim, release }) => {
        const task = this.tasks.get(taskId)!;
        const assignee = (task.assignee = claim ? actor.sub : null);
        const step = ++this.assigneeStep;
        const who = release ? supervisorRef(actor) : candidateRef(task, actor);
        await this.serially(() => acts.setAssignee({ taskId, actor: who, assignee, step }));
        return this.snapshot();
      },
      {
        validator: ({ taskId, actor, claim, release }) => {
          const task = this.acting(taskId);
          const violation = release && !claim ? releaseViolation(task, actor) : claimViolation(task, actor, this.ctx.applicantSub, claim);
          if (violation) throw businessError(violation);
        },
      },
    );
    setHandler(
      extendTaskUpdate,
      async ({ taskId, actor, workingDays, reason }) => {
        const task = this.tasks.get(taskId)!;
        const step = ++this.dueStep;
        // Counted from the due time its opening wrote, which the workflow may not have seen yet.
        await condition(() => task.dueAt !== '');
        // Counted on from the due time as it is when this write runs, and the new one kept before the
        // next write starts: two extensions at once add up.
        const extended = await this.serially(async () => {
          const d = await acts.setTaskDue({
            taskId,
            actor: supervisorRef(actor),
            extension: { length: { workingDays }, reminderBefore: task.reminderBefore, from: task.dueAt, ...(task.escalation ? { escalateAfter: task.escalation.after } : {}) },
            reason: reason.trim(),
            step,
          });
          // The running deadline watch sees the new due time and re-arms its timers.
          if (d) {
            task.remindAt = d.remindAt;
            task.escalateAt = d.escalateAt ?? null;
            task.dueAt = d.dueAt;
            // The read model cleared its reminder and overdue marks: they are owed again for the new due time.
            task.noticed = {};
          }
          return d !== null;
        });
        // The task closed (decided, cancelled) before the extension's write: nothing was extended.
        if (!extended) throw businessError('TaskNotOpen', 'The task was closed before the extension took effect');
        return this.snapshot();
      },
      {
        validator: ({ taskId, actor, workingDays, reason }) => {
          const violation = extendViolation(this.acting(taskId), actor, workingDays, reason);
          if (violation) throw businessError(violation);
          const bad = unstorable(reason, 'reason');
          if (bad) throw businessError('InvalidInput', bad.detail);
        },
      },
    );
    setHandler(
      reassignTaskUpdate,
      async ({ taskId, actor, assignee, reason }) => {
        const task = this.tasks.get(taskId)!;
        task.assignee = assignee.sub;
        const step = ++this.assigneeStep;
        await this.serially(() => acts.setAssignee({ taskId, actor: supervisorRef(actor), assignee: assignee.sub, step, reason: reason.trim() }));
        return this.snapshot();
      },
      {
        validator: ({ taskId, actor, assignee, reason }) => {
          const task = this.acting(taskId);
          const violation = reassignViolation(task, actor, reason);
          if (violation) throw businessError(violation);
          const bad = unstorable({ assignee, reason }, '');
          if (bad) throw businessError('InvalidInput', bad.detail);
          if (!isOrgActor(assignee)) throw businessError('InvalidInput', 'A reassignment names the person it goes to: their sub, organisation and roles');
          // Sent past the API too, the task goes only to someone who could decide it.
          const unfit = assigneeViolation(task, assignee, this.ctx.applicantSub);
          if (unfit) throw businessError(unfit.code, unfit.detail);
        },
      },
    );
  }

  /** Throws the refusal of a decision the task does not take now: the completeTask validator's rule, which its handler applies again. */
  private checkDecision({ taskId, actor, decision, reason, form }: CompleteTaskInput): void {
    const task = this.acting(taskId);
    const violation = decideViolation(task, actor, this.ctx.applicantSub, decision, reason);
    if (violation) throw businessError(violation);
    const ruled = procedureViolation(task.kind, decision, this.all(), form, task.context) ?? this.ctx.decisionRule?.(task, decision, form) ?? null;
    if (ruled) throw businessError(ruled.code, ruled.detail);
    const bad = unstorable({ reason, form }, '', MAX_FORM_NODES);
    if (bad) throw businessError('InvalidInput', bad.detail);
  }

  /** The task an Update names, if the request still takes actions on its tasks; otherwise the refusal. */
  private acting(taskId: string): WfTask {
    const task = this.tasks.get(taskId);
    if (!task) throw businessError('TaskNotFound');
    if (this.frozen) throw businessError('TaskNotOpen');
    return task;
  }

  /**
   * Runs a task-level write after those accepted before it (the read model sees them in that order).
   * A write that fails answers its own caller with UnstorableData and does not block the next one.
   */
  private async serially<T>(write: () => Promise<T>): Promise<T> {
    const result = this.writes.then(write);
    this.writes = result.then(
      () => undefined,
      () => undefined,
    );
    try {
      return await result;
    } catch {
      throw businessError('UnstorableData', 'The change could not be recorded');
    }
  }

  /** The row that opens `spec` (as the openTask activity takes it) and how its due times are counted. */
  private rowOf(spec: TaskSpec) {
    const excluded = spec.excluded ?? (spec.candidateUser || spec.candidateLegalPerson ? [] : [this.ctx.applicantSub]);
    const candidates: Candidate[] = [{ org: spec.candidateOrg, role: spec.candidateRole, user: spec.candidateUser ?? null, ...(spec.candidateLegalPerson ? { legalPerson: spec.candidateLegalPerson } : {}) }];
    return {
      taskId: `${this.ctx.requestId}.${spec.key}`,
      requestId: this.ctx.requestId,
      workflowId: this.ctx.workflowId,
      kind: spec.kind,
      candidateRole: spec.candidateRole,
      candidateOrg: spec.candidateOrg,
      candidateUser: spec.candidateUser ?? null,
      candidates,
      article: TASK_KINDS[spec.kind].article,
      excluded,
      ...(spec.context ? { context: spec.context } : {}),
      ...(spec.openedBy ? { openedBy: spec.openedBy } : {}),
    };
  }

  private deadlinesOf(spec: TaskSpec) {
    return { length: spec.length, reminderBefore: spec.reminderBefore, resume: spec.resume, ...(spec.from ? { from: spec.from } : {}), ...(spec.escalation ? { escalateAfter: spec.escalation.after } : {}) };
  }

  /**
   * The task on the board from before its row is written: the row is in the inbox as soon as the write commits,
   * and a decision sent then (before the workflow has seen the write's result) must find it. Its due times come
   * with the write (adopt).
   */
  private place(spec: TaskSpec, row: ReturnType<TaskBoard['rowOf']>): WfTask {
    const task: WfTask = {
      id: row.taskId,
      kind: spec.kind,
      status: 'open',
      candidateRole: spec.candidateRole,
      candidateOrg: spec.candidateOrg,
      candidateUser: row.candidateUser,
      assignee: null,
      excluded: row.excluded,
      candidates: row.candidates,
      dueAt: '',
      remindAt: null,
      reminderBefore: spec.reminderBefore,
      escalateAt: null,
      escalation: spec.escalation,
      ...(spec.context ? { context: spec.context } : {}),
      ...(spec.openedBy ? { openedBy: spec.openedBy } : {}),
      decision: null,
      reason: null,
      form: null,
      decidedBy: null,
      consumed: false,
      settled: false,
    };
    this.tasks.set(task.id, task);
    return task;
  }

  /** The task's due times as its write computed them (`d`); the board's deadline watch sees them (watchAll). */
  private adopt(task: WfTask, d: Deadlines): WfTask {
    Object.assign(task, { dueAt: d.dueAt, remindAt: d.remindAt, escalateAt: d.escalateAt ?? null });
    return task;
  }

  /** Opens a task: its row, due times (counted in the same write), audit event and notices in one step. */
  async open(spec: TaskSpec): Promise<WfTask> {
    const row = this.rowOf(spec);
    const task = this.place(spec, row);
    return this.adopt(task, await acts.openTask({ ...row, deadlines: this.deadlinesOf(spec) }));
  }

  /** Opens a round's tasks together with the request's change of status (and its record, on its first write), in one step. */
  async openRound(specs: TaskSpec[], change: StatusChange): Promise<WfTask[]> {
    const rows = specs.map((spec) => this.rowOf(spec));
    const placed = specs.map((spec, i) => this.place(spec, rows[i]));
    const due = await acts.openRound({ tasks: rows.map((row, i) => ({ ...row, deadlines: this.deadlinesOf(specs[i]) })), transition: change.write, ...(change.record ? { record: change.record } : {}) });
    change.apply();
    return placed.map((task, i) => this.adopt(task, due[i]));
  }

  /**
   * The next decision on one of `expect` (default: any task), written to the read model, or undefined
   * once `stop()` holds and none is waiting. A decision is only ever taken by the step waiting for its task.
   */
  async next(stop: () => boolean, expect?: WfTask[], options: { writeWithNextStep?: (task: WfTask) => boolean } = {}): Promise<WfTask | undefined> {
    const index = () => this.decided.findIndex((t) => !expect || expect.includes(t));
    this.settleTaken();
    await condition(() => index() >= 0 || stop());
    const i = index();
    const task = i >= 0 ? this.decided.splice(i, 1)[0] : undefined;
    if (task) {
      task.consumed = true;
      this.taken++;
      const record = { taskId: task.id, actor: task.decidedBy!, decision: task.decision!, reason: task.reason, form: task.form };
      // A decision that ends a step (e.g. the approval a grant follows) may be written with that step's write.
      if (options.writeWithNextStep?.(task)) this.unwritten = record;
      else await acts.recordDecision(record);
    }
    return task;
  }

  /** The decision taken but left for the procedure's next write to record (see next()), once; then none. */
  takeUnwritten(): DecisionInput | undefined {
    const d = this.unwritten;
    this.unwritten = undefined;
    return d;
  }

  /**
   * The procedure waits (for a decision, a deadline, a revocation): it has reacted to every decision it
   * took, so their Updates answer now, with the state as it is. A decision accepted but not yet taken
   * keeps waiting: its answer will carry the procedure's reaction to it. No procedure settles by hand:
   * waits settle (next, waitFor), and so does the end of the procedure (the workflow calls this once).
   */
  settleTaken(): void {
    for (const t of this.tasks.values()) if (t.consumed) t.settled = true;
  }

  /** Waits until `ready` holds (or `timeoutMs` passes: false), answering the decisions taken before. */
  async waitFor(ready: () => boolean, timeoutMs: number): Promise<boolean> {
    this.settleTaken();
    return condition(ready, timeoutMs);
  }

  /** Waits for `work` (e.g. a child workflow), answering the decisions taken before, as every wait does. */
  async waitOn<T>(work: () => Promise<T>): Promise<T> {
    this.settleTaken();
    return work();
  }

  /**
   * Takes back the decisions accepted but not taken by the procedure (their tasks close with the step that moots
   * them): the tasks read as never decided, and their Updates, once settled, answer TaskNotOpen.
   */
  private untake(): WfTask[] {
    const untaken = this.decided.splice(0);
    for (const t of untaken) Object.assign(t, { decision: null, reason: null, form: null, decidedBy: null, settled: true });
    return untaken;
  }

  /** Whether a task is still open, decided but not taken, or closed by a sibling but not yet written so: cancelOpen has work. */
  unfinished(): boolean {
    return [...this.tasks.values()].some((t) => t.status === 'open') || this.decided.length > 0 || this.closedBySibling.size > 0;
  }

  /** Closes the tasks still open or decided but not taken, when the request ends (nothing is written when none is). */
  async closeRest(reason: string, article: string): Promise<void> {
    if (this.unfinished()) await this.cancelOpen(SYSTEM, reason, article);
  }

  /** The request has ended: every Update still waiting answers with the final state. */
  finish(): void {
    this.frozen = true;
    this.untake();
    for (const t of this.tasks.values()) t.settled = true;
  }

  freeze(): void {
    this.frozen = true;
  }

  /**
   * Nothing in flight: no decision waiting to be taken or answered, no deadline notice being written.
   * (Claims, extensions and reassignments are Update handlers: allHandlersFinished covers them.)
   */
  quiet(): boolean {
    return this.decided.length === 0 && this.noticesInFlight === 0 && [...this.tasks.values()].every((t) => !t.consumed || t.settled) && this.closedBySibling.size === 0;
  }

  /** The board as the next run takes it on (see quiet(): nothing is in flight when a run hands over). */
  state(): BoardState {
    return { tasks: this.all(), assigneeStep: this.assigneeStep, dueStep: this.dueStep };
  }

  /**
   * Takes on the board of the run before: its tasks, and the step counters that keep audit keys unique.
   * The deadline watch (watchAll) takes on its open tasks with the notices they were given (`noticed`).
   */
  private restore(s: BoardState): void {
    this.assigneeStep = s.assigneeStep;
    this.dueStep = s.dueStep;
    for (const t of s.tasks) this.tasks.set(t.id, t);
  }

  get(id: string): WfTask {
    const t = this.tasks.get(id);
    if (!t) throw new Error(`no task ${id} on the board`);
    return t;
  }

  /** The earliest deadline notice an open task is owed: its reminder, then its overdue mark, then its escalation. */
  private nextNotice(): { task: WfTask; kind: 'remind' | 'overdue' | 'escalate'; at: string } | undefined {
    let next: ReturnType<TaskBoard['nextNotice']>;
    for (const task of this.tasks.values()) {
      // A task whose row is still being written has no due time yet.
      if (task.status !== 'open' || !task.dueAt) continue;
      const n = task.noticed ?? {};
      const owed =
        task.remindAt && !n.reminded
          ? { kind: 'remind' as const, at: task.remindAt }
          : !n.overdue
            ? { kind: 'overdue' as const, at: task.dueAt }
            : task.escalation && task.escalateAt
              ? { kind: 'escalate' as const, at: task.escalateAt }
              : undefined;
      if (owed && (!next || Date.parse(owed.at) < Date.parse(next.at))) next = { task, ...owed };
    }
    return next;
  }

  /**
   * One timer for the whole board, set for the earliest notice owed: a reminder before the due time,
   * then overdue and the supervisor told, then escalation. Nothing is ever decided for anyone. The
   * timer is set again only when an earlier notice appears (a task opened); a task closing never
   * touches it (it fires, finds nothing owed, and is set for the next), so what the watch does never
   * depends on how a decision's activation was batched.
   */
  private async watchAll(): Promise<void> {
    for (;;) {
      const armed = this.nextNotice();
      const armedAt = armed ? Date.parse(armed.at) : Infinity;
      const earlier = () => {
        const n = this.nextNotice();
        return n !== undefined && Date.parse(n.at) < armedAt;
      };
      if (!armed) {
        await condition(earlier);
        continue;
      }
      if (await condition(earlier, untilMs(armed.at))) continue;
      // The timer fired: give the notice owed now, if any (the task it was set for may have closed).
      const next = this.nextNotice();
      if (!next || Date.parse(next.at) > Date.now()) continue;
      try {
        await this.give(next.task, next.kind);
      } catch (err) {
        // A notice that cannot be written is logged; it never fails the request nor stops the others.
        log.warn('deadline notice not written', { taskId: next.task.id, notice: next.kind, error: String(err) });
      }
    }
  }

  /**
   * Gives a task a deadline notice: the reminder, the overdue mark (the supervisor told), or escalation
   * (the supervisor and the candidates told again; who decides is unchanged). Counted while it is
   * written, so a run never hands over in the middle of one.
   */
  private async give(task: WfTask, kind: 'remind' | 'overdue' | 'escalate'): Promise<void> {
    task.noticed = { ...task.noticed, ...(kind === 'remind' ? { reminded: true } : kind === 'overdue' ? { overdue: true } : {}) };
    const escalation = task.escalation;
    if (kind === 'escalate') task.escalation = undefined;
    this.noticesInFlight++;
    try {
      // For the due time it was owed for: a supervisor's extension written first makes it moot in the read model too.
      const { dueAt } = task;
      if (kind === 'remind') await acts.remindTask(task.id, dueAt);
      else if (kind === 'overdue') await acts.markTaskOverdue(task.id, dueAt);
      else if (escalation) await acts.escalateTask({ taskId: task.id, article: escalation.article, dueAt });
    } finally {
      this.noticesInFlight--;
    }
  }

  /** Cancels the tasks still open (or closed by a sibling's decision), e.g. the other reviewer's when one rejects. */
  async cancelOpen(actor: ActorRef, reason: string | null, article: string): Promise<void> {
    const open = [...this.tasks.values()].filter((t) => t.status === 'open' || this.closedBySibling.has(t));
    // Decisions accepted on these tasks that the procedure has not taken close with them: their Updates answer TaskNotOpen.
    open.push(...this.untake());
    for (const t of open) t.status = 'cancelled';
    this.closedBySibling.clear();
    await acts.cancelTasks({ taskIds: open.map((t) => t.id), actor, reason, article });
  }

  /** Marks the open tasks cancelled in the workflow's state only (their rows were closed by the activity that failed the request). */
  cancelInMemory(): void {
    for (const t of this.tasks.values()) if (t.status === 'open') t.status = 'cancelled';
  }

  /** Every task of the request, in the order they were opened. */
  all(): WfTask[] {
    return [...this.tasks.values()];
  }

  snapshots(): TaskSnapshot[] {
    return [...this.tasks.values()].map((t) => ({
      id: t.id,
      kind: t.kind,
      status: t.status,
      candidateRole: t.candidateRole,
      candidateOrg: t.candidateOrg,
      assignee: t.assignee,
      dueAt: t.dueAt,
      decision: t.decision,
      reason: t.reason,
    }));
  }
}
