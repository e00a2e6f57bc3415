// The human-task model: who may act on a task and how, for every procedure alike. What a kind allows comes
// from the procedure registry (domain/procedures.ts); nothing here names a procedure.
import type { ErrorCode, RuleViolation } from './errors';
import type { DecisionAttempt, DecisionRule } from './procedure';
import { isTaskKind, TASK_KINDS, taskKindRule, type TaskKind } from './procedures';
import type { Actor, Duration, Role } from './types';

export { isTaskKind, REQUEST_TYPE_OF_KIND, TASK_KINDS, type TaskKind } from './procedures';
export type { DecisionAttempt, DecisionRule, TaskKindRule } from './procedure';

export type TaskStatus = 'open' | 'completed' | 'cancelled';

/** Why a task's own procedure refuses `decision` now (e.g. Art. 14: no approval before the provider agreed), or null. */
export function procedureViolation(kind: string, attempt: DecisionAttempt): RuleViolation | null {
  if (!isTaskKind(kind)) return null;
  return taskKindRule(kind).rule?.(attempt) ?? null;
}

export function allowedDecisions(kind: TaskKind): string[] {
  return Object.keys(TASK_KINDS[kind].decisions);
}

/** Who may act on a task: members of an organisation holding a role, or only the named person among them. */
export interface Candidate {
  /** Null for a member of the public, who is named as `user`. */
  org: string | null;
  role: Role;
  user: string | null;
  /** A member of the public's task addressed to a legal person (USCC): whoever acts for it now (Actor.actsFor). */
  legalPerson?: string | null;
  /** Added when the task escalated (督办升级, Art. 32): the competent body's own head (escalationHead). */
  escalation?: boolean;
}

/**
 * Who is added to the candidates of a competent body's task when it escalates (督办升级, Art. 32): the head of that
 * same organisation's data-sharing work (共享工作机构负责人), for an agency and an authority alike. The decision stays
 * with the competent body: never another organisation, never the supervising authority (which is told).
 */
export const ESCALATION_HEAD_ROLE: Role = 'sharing_head';

/** The candidate escalation adds to a task of `org`, or null when the task has no organisation (a member of the public's) or already has its head among its candidates. */
export function escalationHead(task: Pick<TaskAccessView, 'candidateOrg' | 'candidates'>): Candidate | null {
  const org = task.candidateOrg;
  if (org === null) return null;
  if (task.candidates.some((c) => c.org === org && c.role === ESCALATION_HEAD_ROLE && c.user === null)) return null;
  return { org, role: ESCALATION_HEAD_ROLE, user: null, escalation: true };
}

/** What a task looks like to the permission rules, wherever it is stored. */
export interface TaskAccessView {
  kind: TaskKind;
  status: TaskStatus;
  candidateRole: Role;
  candidateOrg: string | null;
  candidateUser: string | null;
  assignee: string | null;
  /** People who may not act on the task (nobody decides their own request; in a two-party procedure
   * neither party decides the other's task). Workflows always set it; null only in a tasks row written
   * before the column existed (migration 003 left it nullable). */
  excluded: string[] | null;
  /** Everyone who may act on it; the first is the candidate above (the one it was opened for). */
  candidates: Candidate[];
}

/** Who may not act on a task: its own list, or, for a row without one, the applicant (unless the task is theirs). */
export function excludedActors(task: TaskAccessView, applicantSub: string): string[] {
  return task.excluded ?? (task.candidateUser === null ? [applicantSub] : []);
}

/** Why `sub` may not act on `task` as a party to the matter, or null. */
export function exclusionViolation(task: TaskAccessView, sub: string, applicantSub: string): ErrorCode | null {
  if (!excludedActors(task, applicantSub).includes(sub)) return null;
  return sub === applicantSub ? 'OwnRequest' : 'Excluded';
}

/** The candidate of `task` that `actor` is, if any: the role they act in is that candidate's. */
export function candidateOf(task: TaskAccessView, actor: Actor): Candidate | undefined {
  // A member of the public is a candidate only as the person named (they act for no organisation), or as one who acts
  // for the legal person named.
  const publicReaches = (c: Candidate) =>
    c.legalPerson ? actor.org === null && (actor.actsFor ?? []).includes(c.legalPerson) : c.user !== null && c.user === actor.sub;
  const reaches = (c: Candidate) => (c.role === 'public_applicant' ? publicReaches(c) : actor.org === c.org && (c.user === null || c.user === actor.sub));
  // A head added on escalation counts only as the competent body's own (escalationHead): never another organisation.
  const own = (c: Candidate) => !c.escalation || c.org === task.candidateOrg;
  return task.candidates.find((c) => actor.roles.includes(c.role) && own(c) && reaches(c));
}

export function isCandidate(task: TaskAccessView, actor: Actor): boolean {
  return candidateOf(task, actor) !== undefined;
}

/** Why `actor` may not act on `task` as its candidate now (decide it, or ask what its procedure lets a candidate ask), or null. */
export function actViolation(task: TaskAccessView, actor: Actor, applicantSub: string): ErrorCode | null {
  if (!isCandidate(task, actor)) return 'NotCandidate';
  // The applicant's own reply task is the one task an applicant completes on their request.
  const excluded = exclusionViolation(task, actor.sub, applicantSub);
  if (excluded) return excluded;
  if (task.status !== 'open') return 'TaskNotOpen';
  if (task.assignee !== null && task.assignee !== actor.sub) return 'NotAssignee';
  return null;
}

/** Why `actor` may not decide `task` now, or null when they may. */
export function decideViolation(task: TaskAccessView, actor: Actor, applicantSub: string, decision: string, reason: string | undefined): ErrorCode | null {
  const cannot = actViolation(task, actor, applicantSub);
  if (cannot) return cannot;
  const rule = (taskKindRule(task.kind).decisions as Record<string, DecisionRule>)[decision];
  if (!rule) return 'DecisionNotAllowed';
  if (rule.reasonRequired && !reason?.trim()) return 'ReasonRequired';
  return null;
}

/** Why `actor` may not claim (claim=true) or give back (claim=false) `task`, or null. */
export function claimViolation(task: TaskAccessView, actor: Actor, applicantSub: string, claim: boolean): ErrorCode | null {
  if (!isCandidate(task, actor)) return 'NotCandidate';
  // Claiming obeys the exclusions of deciding: an applicant who also reviews never holds their own request's task.
  const excluded = exclusionViolation(task, actor.sub, applicantSub);
  if (excluded) return excluded;
  if (task.status !== 'open') return 'TaskNotOpen';
  if (claim) return task.assignee !== null && task.assignee !== actor.sub ? 'AlreadyClaimed' : null;
  // A legal person's task is its own, whoever of its agents claimed it: any agent gives it back (one revoked since holds nothing).
  if (task.assignee !== null && candidateOf(task, actor)?.legalPerson) return null;
  return task.assignee !== actor.sub ? 'NotAssignee' : null;
}

/** Whether `actor` acts on tasks as their overseer (Art. 32): a supervisor, or an admin (jurisdiction is the caller's to check). */
export function supervisesTasks(actor: Actor): boolean {
  return actor.roles.includes('supervisor') || actor.roles.includes('admin');
}

/** Why `actor` may not release another person's claim as a supervisor (jurisdiction is the caller's to check), or null. */
export function releaseViolation(task: TaskAccessView, actor: Actor): ErrorCode | null {
  if (!supervisesTasks(actor)) return 'Forbidden';
  if (task.status !== 'open') return 'TaskNotOpen';
  return task.assignee === null ? 'NotAssignee' : null;
}

/** The longest one extension may add: a deadline moved further needs a new decision, not a bigger number. */
export const MAX_EXTENSION_WORKING_DAYS = 30;

/**
 * Why `actor` may not move an open task's due time on by `workingDays` (a supervisor, with a reason;
 * the caller checks the jurisdiction), or null.
 */
export function extendViolation(task: TaskAccessView, actor: Actor, workingDays: number, reason: string | undefined): ErrorCode | null {
  if (!supervisesTasks(actor)) return 'Forbidden';
  if (task.status !== 'open') return 'TaskNotOpen';
  if (!Number.isInteger(workingDays) || workingDays < 1 || workingDays > MAX_EXTENSION_WORKING_DAYS) return 'InvalidInput';
  if (!reason?.trim()) return 'ReasonRequired';
  return null;
}

/** How soon a task may be urged again when its procedure's policy says nothing (a run's policy from before urging). */
export const DEFAULT_URGE_INTERVAL: Duration = { workingDays: 1 };

/** The longest a supervisor's urging (督办) may say: a notice, not a file. */
export const MAX_URGE_CHARS = 500;

/** A task as the urging rule reads it: its state, its due times, and its last urging. */
export interface UrgeView {
  status: TaskStatus;
  dueAt: Date;
  /** When the candidates are reminded (null: the task was due within its reminder's reach when opened, or has none). */
  remindAt: Date | null;
  /** When an urging may come again after the last one (its time plus the procedure's `urgeInterval`), or null if never urged. */
  nextUrgeAt: Date | null;
}

/**
 * Why `actor` may not urge (督办, Art. 32) `task` now with `message`, or null. A supervisor (the caller checks the
 * jurisdiction) urges an open task that is overdue or nearly due (its reminder time reached), in words of their
 * own, and not again before the procedure's interval has passed since the last urging: an urging is a
 * supervisor's act, not a stream of notices.
 */
export function urgeViolation(task: UrgeView, actor: Actor, message: string | undefined, now: Date): RuleViolation | null {
  if (!supervisesTasks(actor)) return { code: 'Forbidden', detail: 'Only a supervisor urges a task (Art. 32)', article: 'Art. 32' };
  if (task.status !== 'open') return { code: 'TaskNotOpen', detail: 'Only an open task is urged', article: 'Art. 32' };
  if (!message?.trim())
    return {
      code: 'ReasonRequired',
      field: 'message',
      rule: 'message required',
      detail: 'An urging says what the supervisor asks (Art. 32)',
      article: 'Art. 32',
    };
  if (task.remindAt !== null && now < task.remindAt && now < task.dueAt)
    return {
      code: 'UrgeRefused',
      rule: 'overdue or nearly due',
      detail: `The task is due ${task.dueAt.toISOString()}: it may be urged from its reminder time ${task.remindAt.toISOString()} on (Art. 32)`,
      article: 'Art. 32',
    };
  if (task.nextUrgeAt !== null && now < task.nextUrgeAt)
    return {
      code: 'UrgeRefused',
      rule: 'once per urge interval',
      detail: `The task was urged already; it may be urged again from ${task.nextUrgeAt.toISOString()} (the procedure's urgeInterval, Art. 32)`,
      article: 'Art. 32',
    };
  return null;
}

/** Why `actor` may not hand an open task to someone (a supervisor, with a reason; assigneeViolation says to whom), or null. */
export function reassignViolation(task: TaskAccessView, actor: Actor, reason: string | undefined): ErrorCode | null {
  if (!supervisesTasks(actor)) return 'Forbidden';
  if (task.status !== 'open') return 'TaskNotOpen';
  if (!reason?.trim()) return 'ReasonRequired';
  return null;
}

/** Who a task is for, in words: "provider_reviewer of health-commission, or the person lee of market". */
function candidatesInWords(task: TaskAccessView): string {
  return task.candidates
    .map((c) =>
      c.legalPerson
        ? `those acting for ${c.legalPerson}`
        : c.user === null
          ? `${c.role} of ${c.org}`
          : `the person ${c.user}${c.org === null ? '' : ` of ${c.org}`}`,
    )
    .join(', or ');
}

/**
 * Why `task` may not be handed to `person` (as the directory of people knows them: their organisation and
 * roles), or null: the person must be one who could decide it themselves, a candidate (the organisation and
 * a role it is for, or the person it names) and no party to the matter. A hand-over to anyone else leaves a
 * task nobody can decide. The API (naming body.user) and the reassignTask Update's validator apply it.
 */
export function assigneeViolation(task: TaskAccessView, person: Actor, applicantSub: string): RuleViolation | null {
  if (!isCandidate(task, person))
    return {
      code: 'InvalidInput',
      field: 'user',
      rule: 'candidate of the task',
      detail: `${person.sub} may not act on this task, which is for ${candidatesInWords(task)}`,
      article: 'Art. 32',
    };
  const excluded = exclusionViolation(task, person.sub, applicantSub);
  if (excluded === 'OwnRequest')
    return {
      code: 'InvalidInput',
      field: 'user',
      rule: 'not a party to the matter',
      detail: `${person.sub} applied for this: nobody decides their own request`,
      article: 'Art. 32',
    };
  if (excluded)
    return {
      code: 'InvalidInput',
      field: 'user',
      rule: 'not a party to the matter',
      detail: `${person.sub} is a party to the matter and may not act on this task`,
      article: 'Art. 32',
    };
  return null;
}

/** How the viewer of a task relates to it. */
export type TaskViewer = 'candidate' | 'co_reviewer' | 'applicant' | 'supervisor';

export interface TaskDisclosure {
  decision: boolean;
  reason: boolean;
  decidedBy: boolean;
  assignee: boolean;
  form: boolean;
}

/**
 * What of a task each party to the request may see. The candidates and the supervisors see it all.
 * A co-reviewer (会同审核, Art. 14) sees the other party's decision, its reason and who gave it, which it
 * needs to conclude the joint review, but not the other's working form. The applicant sees decisions
 * and their reasons (a refusal states its reasons), not which civil servant acted: the organisation
 * decides, and the person's name is theirs to keep (Art. 29).
 */
export function taskDisclosure(viewer: TaskViewer): TaskDisclosure {
  switch (viewer) {
    case 'candidate':
    case 'supervisor':
      return { decision: true, reason: true, decidedBy: true, assignee: true, form: true };
    case 'co_reviewer':
      return { decision: true, reason: true, decidedBy: true, assignee: true, form: false };
    case 'applicant':
      return { decision: true, reason: true, decidedBy: false, assignee: false, form: false };
  }
}
