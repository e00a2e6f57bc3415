// Delegation (代理, issue 26 §3): a person names a colleague of their organisation to act on their tasks of some kinds for
// a period. Nothing is copied onto tasks: who a task reaches is resolved when it is read and decided, from the
// delegations in force then (db/repositories/delegations.ts), so the period's end returns the tasks by itself.
// The decision is the delegate's, taken in the delegator's stead and recorded as "X 代 Y".
import type { ErrorCode, RuleViolation } from './errors';
import { isTaskKind } from './procedures';
import { candidateOf, decideViolation, exclusionViolation, type TaskAccessView } from './tasks';
import { isOrgActor, type Actor, type OrgActor } from './types';

/** The longest period one delegation may cover: a leave longer than this is a reassignment of work, not a stand-in. */
export const MAX_DELEGATION_DAYS = 90;
/** How long ago a period may be said to start (a form filled in a minute ago); a delegation never reaches back further. */
export const DELEGATION_START_SLACK_MS = 10 * 60_000;
export const MAX_DELEGATION_REASON_CHARS = 500;

/** A delegation as its rules read it. */
export interface DelegationTerms {
  delegator: string;
  delegate: string;
  org: string;
  startsAt: Date;
  endsAt: Date;
  kinds: string[];
  revokedAt?: Date | null;
}

/**
 * What the API passes the workflow with a delegate's decision (CompleteTaskInput.onBehalfOf): the delegation it found
 * in force, and the delegator as the directory of people knows them now (their organisation and roles). The workflow
 * cannot read the database in a validator; it trusts this as it trusts the `actor` the API passes (both come from the
 * API's own checks on the same request) and applies every rule it can check itself: the kind, the period at the
 * workflow's time, the delegator a candidate of its task, neither of them a party to it.
 */
export interface DelegationProof {
  id: string;
  delegator: OrgActor;
  startsAt: string;
  endsAt: string;
  kinds: string[];
}

/** Whether `d` is in force at `at`: within its period and not ended early. */
export function inForce(d: Pick<DelegationTerms, 'startsAt' | 'endsAt' | 'revokedAt'>, at: Date): boolean {
  return d.startsAt <= at && at < d.endsAt && (!d.revokedAt || at < d.revokedAt);
}

const invalid = (field: string, rule: string, detail: string): RuleViolation => ({ code: 'InvalidInput', field, rule, detail });

/**
 * Why `delegator` may not name `delegate` (as the directory of people knows them in the delegator's organisation, or
 * undefined when it knows no such colleague) for the period and kinds given, at `now`, or null. Overlap with the
 * delegator's other delegations is the repository's to check (DelegationConflict), on the delegator's locked rows.
 */
export function newDelegationViolation(
  delegator: Actor,
  delegate: OrgActor | undefined,
  f: { startsAt: Date; endsAt: Date; kinds: string[]; reason: string },
  now: Date,
): RuleViolation | null {
  if (delegator.org === null) return { code: 'Forbidden', detail: 'Only staff of an organisation name a delegate' };
  if (!delegate || delegate.org !== delegator.org)
    return invalid('delegate', 'colleague', 'The delegate is a colleague the directory knows in your own organisation');
  if (delegate.sub === delegator.sub) return invalid('delegate', 'not oneself', 'Nobody is their own delegate');
  if (Number.isNaN(f.startsAt.getTime()) || Number.isNaN(f.endsAt.getTime())) return invalid('startsAt', 'period', 'The period needs a start and an end');
  if (f.endsAt <= f.startsAt) return invalid('endsAt', 'end after start', 'The period ends after it starts');
  if (f.startsAt.getTime() < now.getTime() - DELEGATION_START_SLACK_MS) return invalid('startsAt', 'not in the past', 'A delegation starts now or later');
  if (f.endsAt.getTime() - f.startsAt.getTime() > MAX_DELEGATION_DAYS * 86_400_000)
    return invalid('endsAt', 'longest period', `A delegation covers at most ${MAX_DELEGATION_DAYS} days`);
  if (!f.kinds.length) return invalid('kinds', 'kinds', 'Name at least one kind of task');
  const unknown = f.kinds.find((k) => !isTaskKind(k));
  if (unknown !== undefined) return invalid('kinds', 'kinds', `${unknown} is no task kind`);
  if (!f.reason.trim()) return { code: 'ReasonRequired', field: 'reason', rule: 'reason required', detail: 'A delegation states its reason' };
  if (f.reason.length > MAX_DELEGATION_REASON_CHARS) return invalid('reason', 'maxLength', `A reason is at most ${MAX_DELEGATION_REASON_CHARS} characters`);
  return null;
}

/** Whether two delegations of one delegator would both be in force at some time for a common kind. */
export function overlaps(a: Pick<DelegationTerms, 'startsAt' | 'endsAt' | 'kinds'>, b: Pick<DelegationTerms, 'startsAt' | 'endsAt' | 'kinds'>): boolean {
  return a.startsAt < b.endsAt && b.startsAt < a.endsAt && a.kinds.some((k) => b.kinds.includes(k));
}

/**
 * Why `delegate` may not act on `task` in the stead of the delegator `proof` names, at `at`, or null: the delegation
 * covers the task's kind and the time; the delegate is a colleague of the delegator (another person of the same
 * organisation); the delegator is a candidate of the task (of an organisation: a member of the public's task is
 * nobody's to delegate); and the delegate is no party to the matter (nobody decides their own request, even in another's
 * stead). What the delegator could not do now (their own exclusion, a claim held by someone else, a closed task), the
 * delegate cannot either (decideViolation with the delegator).
 */
export function onBehalfViolation(task: TaskAccessView, delegate: Actor, proof: DelegationProof, applicantSub: string, at: Date): ErrorCode | null {
  const d = proof.delegator;
  if (!isOrgActor(d) || d.sub === delegate.sub || d.org !== delegate.org) return 'NotCandidate';
  if (!proof.kinds.includes(task.kind)) return 'NotCandidate';
  if (!inForce({ startsAt: new Date(proof.startsAt), endsAt: new Date(proof.endsAt) }, at)) return 'NotCandidate';
  const c = candidateOf(task, d);
  if (!c || c.org === null || c.role === 'public_applicant') return 'NotCandidate';
  return exclusionViolation(task, delegate.sub, applicantSub);
}

/** Why `delegate` may not decide `task` in the delegator's stead now, or null when they may (API and validator alike). */
export function delegatedDecideViolation(
  task: TaskAccessView,
  delegate: Actor,
  proof: DelegationProof,
  applicantSub: string,
  decision: string,
  reason: string | undefined,
  at: Date,
): ErrorCode | null {
  return onBehalfViolation(task, delegate, proof, applicantSub, at) ?? decideViolation(task, proof.delegator, applicantSub, decision, reason);
}

/** Whether a proof as a message past the API may claim it is shaped as one. */
export function isDelegationProof(v: unknown): v is DelegationProof {
  const p = v as Partial<DelegationProof> | null;
  return (
    typeof p === 'object' &&
    p !== null &&
    typeof p.id === 'string' &&
    isOrgActor(p.delegator) &&
    typeof p.startsAt === 'string' &&
    typeof p.endsAt === 'string' &&
    Array.isArray(p.kinds) &&
    p.kinds.every((k) => typeof k === 'string')
  );
}

/** "X 代 Y": a decision taken by X in Y's stead, as every view shows it. */
export function onBehalfInWords(actor: string, onBehalfOf: string | null | undefined): string {
  return onBehalfOf ? `${actor} 代 ${onBehalfOf}` : actor;
}
