// Request statuses shared by every procedure, and the snapshot a workflow returns to the API.
import type { TaskKind, TaskStatus } from './tasks';
import type { RuleViolation } from './errors';
import { starterViolationOf } from './procedure';
import { PROCEDURE_OF, PROCEDURES, type RequestType } from './procedures';
import type { Role } from './types';

export const REQUEST_STATUSES = [
  'submitted',
  'in_review',
  'awaiting_applicant',
  // An agreement drafted: the applicant's signature awaited, then the agency's countersignature (Art. 20).
  'awaiting_signature',
  'awaiting_countersignature',
  'granted',
  'refused',
  'rejected',
  'cancelled',
  'expired',
  'revoked',
  // A catalog adjustment consented to and applied (Art. 9 ¶2).
  'approved',
  // A share-attribute dispute settled: by the parties' agreement or the leading group's decision (Art. 13 ¶3).
  'settled',
  // An open demand answered by the agency, with a plan or its reasons (Art. 21 ¶1).
  'answered',
  // A withdrawal request concluded: upheld (the entry's openness or the records withdrawn) or dismissed (Art. 21 ¶2).
  'upheld',
  'dismissed',
  // The effect could not be written (Art. 29: the failure and its reason are recorded, the supervisor told).
  'failed',
] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** Statuses in which the applicant may still withdraw the request. */
export const CANCELLABLE: readonly RequestStatus[] = ['submitted', 'in_review', 'awaiting_applicant', 'awaiting_signature', 'awaiting_countersignature'];

export { REQUEST_TYPES, type RequestType } from './procedures';

/** Who may start each request type (the route checks it; GET /request-types tells clients). */
export const STARTED_BY = Object.fromEntries(PROCEDURES.map((p) => [p.type, p.startedBy])) as Record<RequestType, readonly Role[]>;

/** The request types `actor` reads when their organisation started them: those whose party is the organisation, which a role of theirs may start. */
export function typesReadAsParty(actor: { org: string | null; roles: readonly string[] }): RequestType[] {
  if (actor.org === null) return [];
  return PROCEDURES.filter((p) => 'organisationIsParty' in p && p.organisationIsParty && p.startedBy.some((r) => actor.roles.includes(r))).map((p) => p.type);
}

/** Why `applicant` may not start a request of `type`, or null: the API checks it, and the workflow again for a start that bypasses the API. */
export const starterViolation = (type: RequestType, applicant: { roles: readonly string[] }): RuleViolation | null =>
  starterViolationOf(PROCEDURE_OF[type], applicant);

export interface TaskSnapshot {
  id: string;
  kind: TaskKind;
  status: TaskStatus;
  candidateRole: Role;
  candidateOrg: string | null;
  assignee: string | null;
  dueAt: string;
  decision: string | null;
  reason: string | null;
}

export interface GrantSnapshot {
  id: string;
  status: 'active' | 'expired' | 'revoked';
  expiresAt: string;
  /** 条例 (数据交付): where the grant's delivery stands (domain/share.ts DeliveryStatus); absent where no delivery is asked. */
  delivery?: 'awaiting_delivery' | 'delivered';
}

export interface RequestSnapshot {
  requestId: string;
  status: RequestStatus;
  outcome: { reason?: string; article: string; basis?: string; [detail: string]: unknown } | null;
  tasks: TaskSnapshot[];
  grant: GrantSnapshot | null;
}

/**
 * A case number (受理编号), given once when a request is first recorded: the city's region code, the procedure's
 * `caseCode`, the day it was accepted in Asia/Shanghai and that day's sequence of the procedure in the city, at
 * least four digits (RZ-GX-20261205-0007). Gaps are allowed (an attempt that lost a race spends one); repeats never.
 */
export const CASE_NUMBER_PATTERN = '^[A-Z]{2,4}-[A-Z]{2}-[0-9]{8}-[0-9]{4,9}$';

/** The region part unless the deployment sets its own (config CASE_NUMBER_REGION): the demo city, Rizhao. */
export const DEFAULT_CASE_REGION = 'RZ';

/** The procedure part of a case number of a request of `type` (its registry's caseCode); the database adds the day and its sequence. */
export function caseCodeOf(type: string): string {
  const p = PROCEDURES.find((d) => d.type === type);
  if (!p) throw new Error(`unknown request type ${type}`);
  return p.caseCode;
}
