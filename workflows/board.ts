// The task board every procedure's workflow owns: its human tasks opened, decided through the completeTask
// Update, claimed, extended and reassigned, the decisions handed to the step waiting for them, the deadline
// watch (deadlines.ts) running over them, and the board carried across continue-as-new.
import { condition, log, patched, setHandler } from '@temporalio/workflow';
import type { CancelTasksInput, Deadlines, DecisionInput, OpenTaskInput } from '../activities';
import type { RequestSnapshot, TaskSnapshot } from '../domain/requests';
import {
  assigneeViolation,
  candidateOf,
  claimViolation,
  decideViolation,
  extendViolation,
  procedureViolation,
  reassignViolation,
  releaseViolation,
  TASK_KINDS,
  type Candidate,
} from '../domain/tasks';
import { delegatedDecideViolation, isDelegationProof } from '../domain/delegations';
import { MAX_FORM_NODES, unstorable } from '../domain/text';
import { isOrgActor, SYSTEM, type Actor, type ActorRef } from '../domain/types';
import { acts, businessError } from './acts';
import { DeadlineWatch } from './deadlines';
import {
  claimTaskUpdate,
  completeTaskUpdate,
  extendTaskUpdate,
  reassignTaskUpdate,
  type ClaimTaskInput,
  type CompleteTaskInput,
  type ExtendTaskInput,
  type ReassignTaskInput,
} from './definitions';
import type { BoardState, StatusChange } from './carried';
import { actorRef, TASK_DELEGATION, type TaskSpec, type WfTask } from './task';

/** `actor` as the candidate of `task` they act as (the role the trail records). */
function candidateRef(task: WfTask, actor: Actor): ActorRef {
  return actorRef(actor, candidateOf(task, actor)?.role ?? task.candidateRole);
}

/**
 * Who decided `task`: `actor` as its candidate, or, deciding in a delegator's stead (代理, the `task-delegation` patch),
 * the delegate in the role the delegator is its candidate in, naming the delegator ("X 代 Y").
 */
function deciderRef(task: WfTask, { actor, onBehalfOf }: CompleteTaskInput): ActorRef {
  if (onBehalfOf && patched(TASK_DELEGATION)) {
    const delegator = onBehalfOf.delegator;
    return { ...actorRef(actor, candidateOf(task, delegator)?.role ?? task.candidateRole), onBehalfOf: delegator.sub };
  }
  return candidateRef(task, actor);
}

/** A supervisor (or admin) acting on a task under Art. 32. */
function supervisorRef(actor: Actor): ActorRef {
  return actorRef(actor, actor.roles.includes('supervisor') ? 'supervisor' : 'admin');
}

/** What a board carries into the next run when its workflow continues as new. */

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
  /** Gives the open tasks their reminders, overdue marks and escalations (one timer for the board). */
  private readonly deadlines = new DeadlineWatch(this.tasks);
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
      /** The request's own form as it stands, which a task kind's rule may weigh a decision against. */
      request: () => Record<string, unknown>;
    },
    private readonly snapshot: () => RequestSnapshot,
  ) {
    // Before the handlers: an Update that arrived with the new run is handed to them as they are set,
    // and must find the tasks it names.
    if (ctx.carried) this.restore(ctx.carried);
    this.deadlines.run().catch((err) => log.warn('deadline watch stopped', { error: String(err) }));
    this.registerHandlers();
  }

  /** The Updates a task takes, each with its validator (which runs only live; a replay re-runs the handlers history accepted). */
  private registerHandlers(): void {
    setHandler(completeTaskUpdate, (input) => this.complete(input), { validator: (input) => this.checkDecision(input) });
    setHandler(claimTaskUpdate, (input) => this.claim(input), { validator: (input) => this.checkClaim(input) });
    setHandler(extendTaskUpdate, (input) => this.extend(input), { validator: (input) => this.checkExtension(input) });
    setHandler(reassignTaskUpdate, (input) => this.reassign(input), { validator: (input) => this.checkReassignment(input) });
  }

  /** A decision on a task: it closes the task (and, for a decision that moots the round, its siblings) at once, and answers once the procedure has reacted to it. */
  private async complete(input: CompleteTaskInput): Promise<RequestSnapshot> {
    const { taskId, decision, reason, form } = input;
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
      decidedBy: deciderRef(task, input),
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
  }

  /** A candidate claims or unclaims a task; a supervisor releases it. */
  private async claim({ taskId, actor, claim, release }: ClaimTaskInput): Promise<RequestSnapshot> {
    const task = this.tasks.get(taskId)!;
    const assignee = (task.assignee = claim ? actor.sub : null);
    const step = ++this.assigneeStep;
    const who = release ? supervisorRef(actor) : candidateRef(task, actor);
    await this.serially(() => acts.setAssignee({ taskId, actor: who, assignee, step }));
    return this.snapshot();
  }

  private checkClaim({ taskId, actor, claim, release }: ClaimTaskInput): void {
    const task = this.acting(taskId);
    const violation = release && !claim ? releaseViolation(task, actor) : claimViolation(task, actor, this.ctx.applicantSub, claim);
    if (violation) throw businessError(violation);
  }

  /** A supervisor extends a task's due time by working days. */
  private async extend({ taskId, actor, workingDays, reason }: ExtendTaskInput): Promise<RequestSnapshot> {
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
        extension: {
          length: { workingDays },
          reminderBefore: task.reminderBefore,
          from: task.dueAt,
          ...(task.escalation ? { escalateAfter: task.escalation.after } : {}),
        },
        reason: reason.trim(),
        step,
      });
      if (d) this.moved(task, d);
      return d !== null;
    });
    // The task closed (decided, cancelled) before the extension's write: nothing was extended.
    if (!extended) throw businessError('TaskNotOpen', 'The task was closed before the extension took effect');
    return this.snapshot();
  }

  /** `task`'s due times as a write moved them: the running deadline watch sees them and re-arms its timers. */
  moved(task: WfTask, d: Deadlines): void {
    task.remindAt = d.remindAt;
    task.escalateAt = d.escalateAt ?? null;
    task.dueAt = d.dueAt;
    // The read model cleared its reminder and overdue marks: they are owed again for the new due time.
    task.noticed = {};
  }

  private checkExtension({ taskId, actor, workingDays, reason }: ExtendTaskInput): void {
    const violation = extendViolation(this.acting(taskId), actor, workingDays, reason);
    if (violation) throw businessError(violation);
    const bad = unstorable(reason, 'reason');
    if (bad) throw businessError('InvalidInput', bad.detail);
  }

  /** A supervisor gives a task to a person who may decide it. */
  private async reassign({ taskId, actor, assignee, reason }: ReassignTaskInput): Promise<RequestSnapshot> {
    const task = this.tasks.get(taskId)!;
    task.assignee = assignee.sub;
    const step = ++this.assigneeStep;
    await this.serially(() => acts.setAssignee({ taskId, actor: supervisorRef(actor), assignee: assignee.sub, step, reason: reason.trim() }));
    return this.snapshot();
  }

  private checkReassignment({ taskId, actor, assignee, reason }: ReassignTaskInput): void {
    const task = this.acting(taskId);
    const violation = reassignViolation(task, actor, reason);
    if (violation) throw businessError(violation);
    const bad = unstorable({ assignee, reason }, '');
    if (bad) throw businessError('InvalidInput', bad.detail);
    if (!isOrgActor(assignee)) throw businessError('InvalidInput', 'A reassignment names the person it goes to: their sub, organisation and roles');
    // Sent past the API too, the task goes only to someone who could decide it.
    const unfit = assigneeViolation(task, assignee, this.ctx.applicantSub);
    if (unfit) throw businessError(unfit.code, unfit.detail);
  }

  /** Throws the refusal of a decision the task does not take now: the completeTask validator's rule, which its handler applies again. */
  private checkDecision({ taskId, actor, decision, reason, form, onBehalfOf }: CompleteTaskInput): void {
    const task = this.acting(taskId);
    if (onBehalfOf !== undefined && !isDelegationProof(onBehalfOf))
      throw businessError('InvalidInput', 'A delegated decision names its delegation and delegator');
    // A delegate's decision (代理): the delegation's terms at the workflow's own time, then the delegator's own rule.
    const violation = onBehalfOf
      ? delegatedDecideViolation(task, actor, onBehalfOf, this.ctx.applicantSub, decision, reason, new Date())
      : decideViolation(task, actor, this.ctx.applicantSub, decision, reason);
    if (violation) throw businessError(violation);
    const ruled = procedureViolation(task.kind, { decision, tasks: this.all(), form, context: task.context, request: this.ctx.request() });
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
    try {
      return await this.inTurn(write);
    } catch {
      throw businessError('UnstorableData', 'The change could not be recorded');
    }
  }

  /**
   * Runs `write` after the task-level writes accepted before it (a procedure's own move of due times goes in line with
   * supervisors' extensions, so each counts on from the due time the one before wrote); its failure is its caller's.
   */
  inTurn<T>(write: () => Promise<T>): Promise<T> {
    const result = this.writes.then(write);
    this.writes = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** The row that opens `spec` (as the openTask activity takes it) and how its due times are counted. */
  private rowOf(spec: TaskSpec) {
    const excluded = spec.excluded ?? (spec.candidateUser || spec.candidateLegalPerson ? [] : [this.ctx.applicantSub]);
    const candidates: Candidate[] = [
      {
        org: spec.candidateOrg,
        role: spec.candidateRole,
        user: spec.candidateUser ?? null,
        ...(spec.candidateLegalPerson ? { legalPerson: spec.candidateLegalPerson } : {}),
      },
    ];
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
    return {
      length: spec.length,
      reminderBefore: spec.reminderBefore,
      resume: spec.resume,
      ...(spec.from ? { from: spec.from } : {}),
      ...(spec.escalation ? { escalateAfter: spec.escalation.after } : {}),
    };
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

  /** The task's due times as its write computed them (`d`); the board's deadline watch sees them. */
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

  /**
   * Opens a task with a write of the procedure's own (`write`, given the task's row): one step, one transaction, where
   * there were two (the grant and its delivery task; an agreement's end and the deletion it asks). The write answers
   * `opened`, the task's due times; without them it opened nothing, nor does the board. Answers the write's result
   * and the task opened.
   */
  async openWith<T extends { opened?: Deadlines }>(spec: TaskSpec, write: (row: OpenTaskInput) => Promise<T>): Promise<{ made: T; task?: WfTask }> {
    const row = this.rowOf(spec);
    const task = this.place(spec, row);
    const made = await write({ ...row, deadlines: this.deadlinesOf(spec) });
    if (made.opened) return { made, task: this.adopt(task, made.opened) };
    this.tasks.delete(task.id);
    return { made };
  }

  /** Opens a round's tasks together with the request's change of status (and its record, on its first write), in one step. */
  async openRound(specs: TaskSpec[], change: StatusChange): Promise<WfTask[]> {
    const rows = specs.map((spec) => this.rowOf(spec));
    const placed = specs.map((spec, i) => this.place(spec, rows[i]));
    const due = await acts.openRound({
      tasks: rows.map((row, i) => ({ ...row, deadlines: this.deadlinesOf(specs[i]) })),
      transition: change.write,
      ...(change.record ? { record: change.record } : {}),
    });
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

  /** Takes actions again after a freeze that came to nothing (a withdrawal that arrived too late to take effect). */
  thaw(): void {
    this.frozen = false;
  }

  /**
   * Nothing in flight: no decision waiting to be taken or answered, no deadline notice being written.
   * (Claims, extensions and reassignments are Update handlers: allHandlersFinished covers them.)
   */
  quiet(): boolean {
    return (
      this.decided.length === 0 && this.deadlines.idle() && [...this.tasks.values()].every((t) => !t.consumed || t.settled) && this.closedBySibling.size === 0
    );
  }

  /** The board as the next run takes it on (see quiet(): nothing is in flight when a run hands over). */
  state(): BoardState {
    return { tasks: this.all(), assigneeStep: this.assigneeStep, dueStep: this.dueStep };
  }

  /**
   * Takes on the board of the run before: its tasks, and the step counters that keep audit keys unique.
   * The deadline watch takes on its open tasks with the notices they were given (`noticed`).
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

  /** Cancels the tasks still open (or closed by a sibling's decision), e.g. the other reviewer's when one rejects. */
  async cancelOpen(actor: ActorRef, reason: string | null, article: string): Promise<void> {
    await acts.cancelTasks(this.closing(actor, reason, article));
  }

  /**
   * Closes the tasks still open (or closed by a sibling's decision) in the workflow's state, and answers the write
   * that closes their rows (cancelTasks'), for cancelOpen or a step's own activity to make.
   */
  closing(actor: ActorRef, reason: string | null, article: string): CancelTasksInput {
    const open = [...this.tasks.values()].filter((t) => t.status === 'open' || this.closedBySibling.has(t));
    // Decisions accepted on these tasks that the procedure has not taken close with them: their Updates answer TaskNotOpen.
    open.push(...this.untake());
    for (const t of open) t.status = 'cancelled';
    this.closedBySibling.clear();
    return { taskIds: open.map((t) => t.id), actor, reason, article };
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
