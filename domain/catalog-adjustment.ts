// The catalog adjustment procedure (Art. 9 ¶2): its task kinds, its policy, and the resubmission rule.
// The rules on the changes themselves are the catalog's (domain/catalog.ts adjustmentViolations).
import {
  ADJUSTMENT_FIELDS,
  ADJUSTMENT_GROUNDS,
  ADJUSTMENT_VALUES,
  adjustmentFormViolations,
  fieldLabelViolations,
  MAX_CHANGES,
  noneShareBasisViolation,
  SHARE_SIDE_FIELDS,
  SHARE_SIDE_VALUES,
  type AdjustmentForm,
  type AdjustmentGround,
  type BasisLevel,
  type CatalogChange,
} from './catalog';
import type { RuleViolation } from './errors';
import { decision, defineProcedure, field, under, type DecisionAttempt, type TaskKindRule } from './procedure';
import { regulationApplies, refusalBasisLevels, type SharePolicy } from './share';
import { disputeNoneBasisViolation, positionFormViolation, samePosition, type SharePosition } from './share-dispute';
import type { Duration } from './types';

/** Art. 18 ¶2 (征求社会公众、行业组织、企业、行业主管部门的意见): who comments in a priority-opening consultation. */
export const COMMENTER_KINDS = ['public', 'industry_org', 'enterprise', 'department'] as const;
export type CommenterKind = (typeof COMMENTER_KINDS)[number];
/** The longest comment. */
export const MAX_COMMENT_LENGTH = 4000;

/** An entry an adjustment marks 重点和优先开放 that was not so marked (Art. 18 ¶2), by its place in the adjustment. */
export interface PriorityMark {
  index: number;
  /** The entry's id, or null for a new one. */
  entryId: string | null;
  title: string;
}

/** The changes of `form` that mark an entry for priority opening which `wasPriority` says was not so marked. */
export function priorityMarks(form: AdjustmentForm, wasPriority: (entryId: string) => boolean): PriorityMark[] {
  return form.changes.flatMap((c, index): PriorityMark[] =>
    c.op === 'add' && c.entry.priorityOpen
      ? [{ index, entryId: null, title: c.entry.title }]
      : c.op === 'change' && c.entry.priorityOpen && !wasPriority(c.entryId)
        ? [{ index, entryId: c.entryId, title: c.entry.title }]
        : [],
  );
}

export type AdjustmentPolicy = {
  /** The authority's review of one round. */
  review: Duration;
  /** The applicant's revision after a return (or a change gone stale). */
  revision: Duration;
  reminderBefore: Duration;
  /** The public consultation before entries are marked for priority opening (Art. 18 ¶2). */
  consultation: Duration;
  /** How long past its due time the competent body's task still open is escalated: its supervising authority and its candidates told again (督办, Art. 32). */
  escalateAfter?: Duration;
  /** How soon after one urging (督办) a supervisor may urge the same task again (Art. 32). */
  urgeInterval?: Duration;
};

export const DEFAULT_ADJUSTMENT_POLICY: AdjustmentPolicy = {
  review: { workingDays: 10 },
  revision: { workingDays: 15 },
  reminderBefore: { workingDays: 2 },
  // The Measures set no length; 30 days is the usual period of a public consultation (征求意见).
  consultation: { days: 30 },
  escalateAfter: { workingDays: 5 },
  urgeInterval: { workingDays: 1 },
};

/** The grounds on which every institution's change waits for the 本级 authority's consent (Art. 9 ¶2). */
export const CONSENT_GROUNDS: readonly AdjustmentGround[] = ['law_change', 'duty_change'];

/**
 * When the 本级 authority reviews an adjustment: 'before' it is published (a government department's on
 * every ground, the 条例; anyone's on Art. 9 ¶2's grounds), or 'after' (another institution's first
 * compilation, dynamic adjustment, correction, …: published once the catalog's rules pass, the authority
 * told and able to return it under its 目录管理, Art. 9 ¶1). The API decides it at start; the workflow
 * refuses a start that asks 'after' where this says 'before'.
 */
export function adjustmentReview(ground: AdjustmentGround, governmentDepartment: boolean): AdjustmentReview {
  return governmentDepartment || CONSENT_GROUNDS.includes(ground) ? 'before' : 'after';
}
export type AdjustmentReview = 'before' | 'after';

/** The article an adjustment rests on: its ground's (Art. 9 ¶2 for a change of law or duties). */
export function adjustmentArticle(form: Pick<AdjustmentForm, 'ground'>): string {
  return Object.prototype.hasOwnProperty.call(ADJUSTMENT_GROUNDS, form.ground) ? ADJUSTMENT_GROUNDS[form.ground].article : 'Art. 9';
}

/** The part of the share policy that says which levels a NONE share attribute's basis may cite. */
export type NoneBasisPolicy = Partial<Pick<SharePolicy, 'refusalBasisLevels' | 'regulationScope'>>;

/**
 * The levels of legal basis an entry of `governmentDepartment`'s catalog may cite for 不予共享 (issue 24 §3): a government
 * department's entries are requested by government departments, so the 条例's levels bind them (the policy's
 * `refusalBasisLevels.regulation`, default 法律、行政法规、国务院决定); another institution's the Measures' wider list
 * (`.measures`, Art. 13 ¶2: 法律、法规、规章或者国家有关规定), unless the policy widens the 条例 to every request
 * (`regulationScope: all`). The levels a request against such an entry refuses at once on (domain/share.ts noneRefusesAtOnce).
 */
export function noneShareBasisLevels(policy: NoneBasisPolicy, governmentDepartment: boolean): BasisLevel[] {
  return refusalBasisLevels(policy, regulationApplies({ governmentDepartments: governmentDepartment }, policy));
}

/**
 * Issue 24 §3 (a NONE share attribute's basis is checked by level): every entry an adjustment adds or changes that is
 * marked 不予共享 cites, among its provisions, one of `levels` (noneShareBasisLevels) with its title and article. The
 * API's pre-check (the adjustment, the spreadsheet import, a RESUBMIT) and the workflow (its start behind
 * patched('none-basis-level'), a RESUBMIT through its revision task's `context.noneBasis`) run it alike.
 */
export function noneBasisViolations(form: Pick<AdjustmentForm, 'changes'>, levels: readonly BasisLevel[]): RuleViolation[] {
  return (Array.isArray(form.changes) ? form.changes : [])
    .slice(0, MAX_CHANGES)
    .flatMap((c, i) => (c && c.op !== 'remove' ? [noneShareBasisViolation(c.entry?.share, levels, `changes.${i}.entry.share.basis`)] : []))
    .filter((v): v is RuleViolation => v !== null);
}

/** A revision task's context in runs past patched('none-basis-level'): the levels a NONE share attribute's basis may cite. */
export type RevisionContext = { noneBasis?: BasisLevel[] };

/**
 * RESUBMIT carries the revised adjustment as its form; it meets the form's own rules (the API and the
 * workflow's validator both ask; the catalog as it stands is checked by the API and again when applied). Its
 * items are named as the adjustment's own were: every adjustment started since items had names (the API and,
 * behind the 'field-labels' patch, the workflow refuse one without them), while one started before runs on as
 * it began, its items taking their identifiers as names when applied.
 */
export function resubmissionViolation({ decision, form, request, context }: DecisionAttempt): RuleViolation | null {
  if (decision !== 'RESUBMIT') return null;
  const named = adjustmentShapeViolation(request) === null && fieldLabelViolations(request as unknown as AdjustmentForm).length === 0;
  // A NONE share attribute's basis by level, where the revision task says which levels (runs past patched('none-basis-level')).
  const levels = (context as RevisionContext | null | undefined)?.noneBasis;
  return (
    adjustmentShapeViolation(form) ??
    (named ? (fieldLabelViolations(form as unknown as AdjustmentForm)[0] ?? null) : null) ??
    (Array.isArray(levels) ? (noneBasisViolations(form as unknown as AdjustmentForm, levels)[0] ?? null) : null)
  );
}

/** The first of the form's own rules an adjustment breaks (checked as it starts and as it is resubmitted), or its not being shaped as one. */
export function adjustmentShapeViolation(form: unknown): RuleViolation | null {
  const f = form as AdjustmentForm | null | undefined;
  if (!f || typeof f.ground !== 'string' || typeof f.justification !== 'string' || !Array.isArray(f.changes))
    return { code: 'InvalidInput', field: 'form', rule: 'an adjustment', article: 'Art. 9', detail: 'An adjustment is { ground, justification, changes }' };
  try {
    return adjustmentFormViolations(f)[0] ?? null;
  } catch {
    return { code: 'InvalidInput', field: 'form.changes', rule: 'changes', article: 'Art. 9', detail: 'A change is not shaped as an add, change or remove' };
  }
}

/**
 * OBJECT's form: the share attribute the city authority disputes, of an entry the adjustment changes
 * (`entryId`) or of one it adds (`index`, its place in `changes`: Art. 13 ¶3 covers every attribute the
 * agency sets), and the position it proposes.
 */
export interface ObjectionForm {
  entryId?: string;
  index?: number;
  proposal: SharePosition;
}

/** The change of `form` an objection names: the change of the entry `entryId`, or the addition at `index` (one of them). */
export function objectedChange(
  form: AdjustmentForm,
  objection: Partial<ObjectionForm> | null | undefined,
): Extract<CatalogChange, { op: 'add' | 'change' }> | undefined {
  const o = objection ?? {};
  if (o.index === undefined) {
    const c = form.changes.find((c) => c.op === 'change' && c.entryId === o.entryId);
    return c?.op === 'change' ? c : undefined;
  }
  const c = o.entryId === undefined && typeof o.index === 'number' && Number.isInteger(o.index) ? form.changes[o.index] : undefined;
  return c?.op === 'add' ? c : undefined;
}

/**
 * Why an OBJECT may not stand against `form` (the adjustment under review): it names an entry the
 * adjustment changes or adds, and proposes a position Art. 13 ¶2 accepts that differs from the agency's.
 * The API and the workflow ask alike.
 */
export function objectionViolation(form: AdjustmentForm, objection: Record<string, unknown> | null | undefined): RuleViolation | null {
  const o = objection as Partial<ObjectionForm> | null | undefined;
  const change = objectedChange(form, o);
  if (!change)
    return {
      code: 'InvalidInput',
      field: o?.index === undefined ? 'form.entryId' : 'form.index',
      rule: 'an entry the adjustment changes or adds',
      article: 'Art. 13',
      detail: 'OBJECT names one entry of this adjustment: an existing one it changes (entryId), or a new one it adds (index, its place in changes)',
    };
  const position = positionFormViolation('OBJECT', o!.proposal as Record<string, unknown> | undefined, 'form.proposal');
  if (position) return position;
  if (samePosition(o!.proposal!, change.entry.share))
    return {
      code: 'InvalidInput',
      field: 'form.proposal',
      rule: "differs from the agency's",
      article: 'Art. 13',
      detail: "The proposal is the agency's own share attribute: approve instead",
    };
  return null;
}

const review = { APPROVE: decision('同意', false), REJECT: decision('不同意', true), RETURN: decision('退回修改', true) };

/** The adjustment procedure's task kinds. */
export const ADJUSTMENT_TASK_KINDS = {
  // The big data authority of the agency's own level (本级) consents, refuses, or returns it for revision.
  CATALOG_ADJUSTMENT_REVIEW: { article: 'Art. 9', name: '目录调整审核', decisions: review },
  // The city authority reviewing a city-level agency's adjustment may also OBJECT to a share attribute it
  // sets, an existing entry's or a new one's (同级, Art. 13 ¶3): a dispute starts, and the adjustment applies its outcome.
  CATALOG_ADJUSTMENT_CITY_REVIEW: {
    article: 'Art. 9',
    name: '目录调整审核（市级）',
    decisions: { ...review, OBJECT: decision('提出异议', true) },
    // What an objection may name depends on the adjustment under review; a NONE it proposes cites a level accepted for the
    // agency's catalog where the review task says which (runs past patched('dispute-none-basis-level'), issue 24 §3).
    rule: ({ decision, form, request, context }) =>
      decision === 'OBJECT'
        ? (objectionViolation(request as unknown as AdjustmentForm, form) ??
          disputeNoneBasisViolation((form as Partial<ObjectionForm> | null | undefined)?.proposal, context, 'form.proposal.basis'))
        : null,
  },
  // After the public consultation (Art. 18 ¶2), the agency records its response to the comments.
  CATALOG_CONSULTATION_RESPONSE: { article: 'Art. 18', name: '征求意见答复', decisions: { RESPOND: decision('答复意见', true) } },
  // A change published before review (another institution's, adjustmentReview 'after'): the 本级 authority
  // accepts it, or returns it with its reason. The change stays published (undoing it is a catalog change of
  // its own, the agency's to make); the agency is told why, and the objection stands in the request's trail.
  CATALOG_ADJUSTMENT_AFTER_REVIEW: {
    article: 'Art. 9',
    name: '目录调整事后审查',
    decisions: { ACCEPT: decision('认可', false), RETURN: decision('退回整改', true) },
  },
  // The applicant revises (RESUBMIT with the revised adjustment as form) or gives it up.
  CATALOG_ADJUSTMENT_REVISION: {
    article: 'Art. 9',
    name: '目录调整修改',
    decisions: { RESUBMIT: decision('重新提交', false), ABANDON: decision('放弃', false) },
    rule: resubmissionViolation,
  },
} satisfies Record<string, TaskKindRule>;

/** Catalog adjustment approved by the authority of the same level (Art. 9), with its consultation (Art. 18) and objection (Art. 13 ¶3). */
export const ADJUSTMENT_PROCEDURE = defineProcedure({
  type: 'catalog_adjustment',
  name: '目录调整申请',
  articles: ['Art. 8', 'Art. 9', 'Art. 13', 'Art. 18', 'Art. 19'],
  workflowType: 'catalogAdjustmentWorkflow',
  startRoute: '/catalog/adjustments',
  caseCode: 'ML',
  startedBy: ['agency_applicant'],
  taskKinds: ADJUSTMENT_TASK_KINDS,
  // The adjustment as it starts and as RESUBMIT carries it; OBJECT's objection.
  fields: {
    ...ADJUSTMENT_FIELDS,
    entryId: field('异议的已有条目', '本次调整变更的已有条目'),
    index: field('异议的新增条目', '本次调整新增的条目在变更中的序号（从 0 起）'),
    proposal: field('提出的共享属性'),
    ...under('proposal', SHARE_SIDE_FIELDS),
  },
  values: { ...ADJUSTMENT_VALUES, ...under('proposal', SHARE_SIDE_VALUES) },
  policy: DEFAULT_ADJUSTMENT_POLICY,
});
