// The refusal dispute (《政务数据共享条例》共享使用, issue 24 §3): the applicant whose share request was refused
// disputes the refusal within a window; the applicant and the provider consult in turns (the consultation the
// share-attribute dispute runs, workflows/consultation.ts), the same-level big data authority coordinates, and
// where that fails the leading group (数字强市领导小组) decides, finally. An outcome in the applicant's favour grants
// the request with the conditions decided (Art. 14), as the share procedure's grant.
import type { RuleViolation } from './errors';
import { decision, defineProcedure, field, type DecisionAttempt, type TaskKindRule } from './procedure';
import { REGULATION_SHARING_USE } from './share';
import { DEFAULT_DISPUTE_POLICY, type DisputePolicy } from './share-dispute';
import type { Duration } from './types';

/** The 条例's dispute rule as the project cites it (docs/regulation.md: the chapter, not a guessed number). */
export const REFUSAL_DISPUTE_ARTICLE = `${REGULATION_SHARING_USE}（共享争议）`;

/** A party's position: grant (the fields asked for, on these conditions) or refuse. */
export interface RefusalPosition {
  grant: boolean;
  /** The entry's fields (信息项) to share; empty when refusing. */
  fields: string[];
  /** The conditions of use the grant carries (Art. 15 terms' `conditions`); null: the entry's own. */
  conditions: string | null;
}

/** The leading group's grant: the fields and conditions decided. */
export type RefusalTerms = Pick<RefusalPosition, 'fields' | 'conditions'>;

export type RefusalDisputePolicy = DisputePolicy & {
  /** How long after the refusal the applicant may dispute it, on the working-day calendar. */
  refusalDisputeWindow: Duration;
  /** The same-level big data authority's coordination once the parties' consultation failed. */
  coordination: Duration;
  /** The term of a grant the dispute ends in (the share policy's `grantTerm`). */
  grantTerm: Duration;
};

export const DEFAULT_REFUSAL_DISPUTE_POLICY: RefusalDisputePolicy = {
  ...DEFAULT_DISPUTE_POLICY,
  refusalDisputeWindow: { workingDays: 15 },
  coordination: { workingDays: 10 },
  grantTerm: { days: 365 },
};

/** Who takes part: the applicant's organisation, the provider, the same-level authority that coordinates, the leading group. */
export interface RefusalDisputeParties {
  applicantOrg: string;
  providerOrg: string;
  authorityOrg: string;
  leadingGroupOrg: string;
}

/** The refused request as a dispute's start rule weighs it. */
export interface RefusedRequest {
  type: string;
  status: string;
  applicantOrg: string | null;
  /** The dispute already raised on it, if any. */
  disputedBy: string | null;
}

/**
 * Why `actor` may not dispute `request` (not found for it, not refused, already disputed, past the window ending
 * `windowEnds`), or null. `own`: the dispute id a retry of this very start would have (its own mark is no second one).
 * The API's pre-check and the activity that takes the refusal for the workflow run it alike.
 */
export function refusalDisputeViolation(
  request: RefusedRequest | undefined,
  actor: { org: string },
  windowEnds: string | null,
  now: number,
  own?: string,
): RuleViolation | null {
  if (!request || request.type !== 'share' || request.applicantOrg !== actor.org)
    return { code: 'RequestNotFound', field: 'shareRequestId', detail: 'No share request of your organisation has this id' };
  if (request.status !== 'rejected')
    return {
      code: 'RequestNotActive',
      field: 'shareRequestId',
      rule: 'refused',
      article: REFUSAL_DISPUTE_ARTICLE,
      detail: `Only a refused share request may be disputed; this one is ${request.status}`,
    };
  if (request.disputedBy && request.disputedBy !== own)
    return {
      code: 'RequestNotActive',
      field: 'shareRequestId',
      rule: 'one dispute per refusal',
      article: REFUSAL_DISPUTE_ARTICLE,
      detail: `The refusal is already disputed (request ${request.disputedBy})`,
    };
  if (windowEnds !== null && now > Date.parse(windowEnds))
    return {
      code: 'DisputeWindowClosed',
      field: 'shareRequestId',
      rule: 'dispute window',
      article: REFUSAL_DISPUTE_ARTICLE,
      detail: `A refusal is disputed within the window after it (it ended ${windowEnds})`,
    };
  return null;
}

/** Why `terms` (a form, or part of one at `path`) are no grant: fields of the entry (`entryFields`, when known), at least one; conditions text or null. */
export function termsViolation(terms: unknown, path: string, entryFields?: readonly string[]): RuleViolation | null {
  const t = terms as Partial<RefusalTerms> | null | undefined;
  if (!t || typeof t !== 'object' || !Array.isArray(t.fields) || !t.fields.every((f) => typeof f === 'string'))
    return { code: 'InvalidInput', field: `${path}.fields`, rule: 'fields of the entry', article: 'Art. 14', detail: 'A grant names the fields shared' };
  if (t.fields.length === 0)
    return { code: 'InvalidInput', field: `${path}.fields`, rule: 'minItems', article: 'Art. 14', detail: 'A grant names at least one field' };
  const unknown = entryFields ? t.fields.find((f) => !entryFields.includes(f)) : undefined;
  if (unknown !== undefined)
    return { code: 'InvalidInput', field: `${path}.fields`, rule: 'fields of the entry', article: 'Art. 14', detail: `${unknown} is not a field of the entry` };
  if (t.conditions !== undefined && t.conditions !== null && typeof t.conditions !== 'string')
    return { code: 'InvalidInput', field: `${path}.conditions`, rule: 'type', article: 'Art. 15', detail: 'The conditions are text' };
  return null;
}

/** Why `position` is none: grant with its terms, or refuse (nothing else). */
export function refusalPositionViolation(position: unknown, path: string, entryFields?: readonly string[]): RuleViolation | null {
  const p = position as Partial<RefusalPosition> | null | undefined;
  if (!p || typeof p !== 'object' || typeof p.grant !== 'boolean')
    return { code: 'InvalidInput', field: `${path}.grant`, rule: 'a position', article: REFUSAL_DISPUTE_ARTICLE, detail: 'A position says whether to grant' };
  return p.grant ? termsViolation(p, path, entryFields) : null;
}

/** The entry's fields the task's context names (each dispute task carries them), for the rules above. */
const entryFieldsOf = (context: DecisionAttempt['context']) => (Array.isArray(context?.entryFields) ? (context.entryFields as string[]) : undefined);

/** A COUNTER's or a SETTLE's form is a position; a GRANT's, the terms decided. */
function formRule({ decision, form, context }: DecisionAttempt): RuleViolation | null {
  if (decision === 'COUNTER' || decision === 'SETTLE') return refusalPositionViolation(form, 'form', entryFieldsOf(context));
  if (decision === 'GRANT') return termsViolation(form, 'form', entryFieldsOf(context));
  return null;
}

export const REFUSAL_DISPUTE_TASK_KINDS = {
  // A party's turn: accept the other's position, counter with its own, or declare that none is possible.
  REFUSAL_DISPUTE_CONSULTATION: {
    article: 'Art. 14',
    name: '不予共享异议协商',
    decisions: { ACCEPT: decision('接受对方意见', false), COUNTER: decision('提出己方意见', true), NO_AGREEMENT: decision('协商不成', true) },
    rule: formRule,
  },
  // The same-level big data authority coordinates: the settlement the parties reached under it, or its failure.
  REFUSAL_DISPUTE_COORDINATION: {
    article: 'Art. 14',
    name: '不予共享异议协调（大数据主管部门）',
    decisions: { SETTLE: decision('协调一致', true), FAIL: decision('协调不成', true) },
    rule: formRule,
  },
  // The leading group (数字强市领导小组) decides; its decision is final.
  REFUSAL_DISPUTE_DECISION: {
    article: 'Art. 14',
    name: '不予共享异议决定（领导小组）',
    decisions: { GRANT: decision('决定予以共享', true), UPHOLD: decision('维持不予共享', true) },
    rule: formRule,
  },
} satisfies Record<string, TaskKindRule>;

export const REFUSAL_DISPUTE_STARTED_BY = ['agency_applicant'] as const;

/** The applicant disputes a refusal of its share request (条例; Art. 13 ¶3 and Art. 14 of the Measures for the tiers and the grant). */
export const REFUSAL_DISPUTE_PROCEDURE = defineProcedure({
  type: 'refusal_dispute',
  name: '不予共享异议',
  articles: ['Art. 13', 'Art. 14'],
  workflowType: 'refusalDisputeWorkflow',
  startRoute: '/refusal-disputes',
  caseCode: 'FY',
  startedBy: REFUSAL_DISPUTE_STARTED_BY,
  // The applicant organisation's dispute: its turns go to any of its applicants.
  organisationIsParty: true,
  statusNames: { granted: '异议成立，已予共享', rejected: '维持不予共享' },
  taskKinds: REFUSAL_DISPUTE_TASK_KINDS,
  fields: {
    shareRequestId: field('不予共享的申请'),
    reason: field('异议理由'),
    fields: field('申请共享的数据项', '从目录条目的信息项中选择'),
    conditions: field('共享条件', '愿意遵守的共享使用条件'),
    grant: field('是否予以共享'),
  },
  values: {},
  policy: DEFAULT_REFUSAL_DISPUTE_POLICY,
});
