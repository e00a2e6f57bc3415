// Request statuses shared by every procedure, and the snapshot a workflow returns to the API.
import type { TaskKind, TaskStatus } from './tasks';
import type { RuleViolation } from './errors';
import type { Role } from './types';

export const REQUEST_STATUSES = [
  'submitted',
  'in_review',
  'awaiting_applicant',
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
export const CANCELLABLE: readonly RequestStatus[] = ['submitted', 'in_review', 'awaiting_applicant'];

export const REQUEST_TYPES = ['share', 'catalog_adjustment', 'share_dispute', 'open_demand', 'withdrawal', 'open_request'] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

/** Who may start each request type (the route checks it; GET /request-types tells clients). */
export const STARTED_BY: Record<RequestType, readonly Role[]> = {
  share: ['agency_applicant'],
  catalog_adjustment: ['agency_applicant'],
  share_dispute: ['authority_reviewer'],
  open_demand: ['public_applicant', 'agency_applicant'],
  withdrawal: ['public_applicant', 'agency_applicant'],
  open_request: ['public_applicant'],
};

/**
 * Request types whose party is the starter's organisation rather than the starter: a share-attribute
 * dispute is the city authority's (Art. 13 ¶3; its turns go to any of its reviewers).
 */
const ORGANISATION_IS_PARTY: readonly RequestType[] = ['share_dispute'];

/** The request types `actor` reads when their organisation started them: those of ORGANISATION_IS_PARTY a role of theirs may start. */
export function typesReadAsParty(actor: { org: string | null; roles: readonly string[] }): RequestType[] {
  if (actor.org === null) return [];
  return ORGANISATION_IS_PARTY.filter((t) => STARTED_BY[t].some((r) => actor.roles.includes(r)));
}

/** Why `applicant` may not start a request of `type`, or null: the API checks it, and the workflow again for a start that bypasses the API. */
export function starterViolation(type: RequestType, applicant: { roles: readonly string[] }): RuleViolation | null {
  if (STARTED_BY[type].some((r) => applicant.roles.includes(r))) return null;
  return { code: 'Forbidden', detail: `A ${type} request is started by one of the roles: ${STARTED_BY[type].join(', ')}` };
}

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
}

export interface RequestSnapshot {
  requestId: string;
  status: RequestStatus;
  outcome: { reason?: string; article: string; basis?: string; [detail: string]: unknown } | null;
  tasks: TaskSnapshot[];
  grant: GrantSnapshot | null;
}
