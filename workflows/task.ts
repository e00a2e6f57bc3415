// A human task as the workflow holds it: what opens one (TaskSpec), the task on the board (WfTask), and
// who a task is addressed to. Generic: the procedures name their own kinds and candidates.
import { patched } from '@temporalio/workflow';
import type { TaskAccessView, TaskKind } from '../domain/tasks';
import type { Actor, ActorRef, Duration, Role } from '../domain/types';

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
   * candidates are told, and (the `escalation-head` patch) the competent body's own head joins its candidates
   * (domain/tasks.ts escalationHead): escalation never moves a decision to another body.
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
  /** Deadline notices given for the current due time (the board's deadline watch, deadlines.ts). */
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

export function actorRef(actor: Actor, role: Role): ActorRef {
  return { sub: actor.sub, org: actor.org, role };
}

/**
 * A task addressed to the applicant in person, acting as `role`; or, for a request made in a legal person's name
 * (`legalPerson`, its USCC), to the legal person: whoever acts for it when the task is done (any current agent, its own account).
 */
export function addressedTo(
  applicant: Actor,
  role: Role,
  legalPerson?: string,
): Pick<TaskSpec, 'candidateRole' | 'candidateOrg' | 'candidateUser' | 'candidateLegalPerson'> {
  if (legalPerson) return { candidateRole: role, candidateOrg: applicant.org, candidateLegalPerson: legalPerson };
  return { candidateRole: role, candidateOrg: applicant.org, candidateUser: applicant.sub };
}

/** The role someone applying acts in: a member of the public, or an agency's applicant. */
export function applyingRole(applicant: Actor): Role {
  return applicant.roles.includes('public_applicant') ? 'public_applicant' : 'agency_applicant';
}

/** The patch under which every procedure's competent body's tasks escalate, as the share review's always did (ARCHITECTURE.md, "Patches in force"). */
export const REVIEW_ESCALATION = 'review-escalation';

/** The patch under which an escalating task adds its competent body's own head to its candidates (workflows/deadlines.ts; ARCHITECTURE.md, "Patches in force"). */
export const ESCALATION_HEAD = 'escalation-head';

/** The patch under which a delegate decides a task in the delegator's stead (代理): the decision names both (workflows/board.ts; ARCHITECTURE.md, "Patches in force"). */
export const TASK_DELEGATION = 'task-delegation';

/**
 * The escalation the competent body's task gets from its procedure's policy (督办, Art. 32): still open `after`
 * past its due time, its supervising authority and its candidates are told again. None for a run begun before
 * this release (the patch), nor for a policy snapshotted without `escalateAfter` (such runs never had one).
 */
export function escalationOf(after: Duration | undefined): Pick<TaskSpec, 'escalation'> {
  return patched(REVIEW_ESCALATION) && after ? { escalation: { after, article: 'Art. 32' } } : {};
}
