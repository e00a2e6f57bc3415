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

/**
 * What a person reads for a status (Chinese): a request's, and its tasks', grants' and agreements' where they
 * share a word (a procedure's own statusNames come first for its requests: requestStatusName).
 */
export const STATUS_NAMES: Readonly<Record<string, string>> = {
  submitted: '已提交',
  in_review: '审核中',
  awaiting_applicant: '待补充材料',
  granted: '已同意',
  refused: '不予共享',
  rejected: '未通过',
  cancelled: '已撤回',
  expired: '已到期',
  revoked: '已终止',
  approved: '已批准',
  settled: '已解决',
  answered: '已答复',
  upheld: '已撤回数据',
  dismissed: '已驳回',
  failed: '失败',
  awaiting_signature: '待签署',
  awaiting_countersignature: '待提供单位签署',
  lapsed: '逾期未签',
  declined: '已拒签',
  open: '待办',
  completed: '已办结',
  active: '有效',
  in_force: '生效中',
  drafted: '待签署',
  terminated: '已终止',
  // A grant's delivery under the 《政务数据共享条例》 (数据交付): in force, awaiting delivery until receipt is confirmed.
  awaiting_delivery: '已批准待交付',
  delivered: '已交付',
};

/** A request's status in its procedure's own words where it has them (a granted share request is 已同意共享). */
export function requestStatusName(status: string, type?: string): string {
  const own = PROCEDURES.find((p) => p.type === type);
  return (own && 'statusNames' in own ? (own.statusNames as Record<string, string>)[status] : undefined) ?? STATUS_NAMES[status] ?? status;
}

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
  /** 条例: the city authority consented to the provider's request to end it; it ends then, the grantee told (only past patched('revocation-notice')). */
  stopsAt?: string;
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
