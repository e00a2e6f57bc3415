// The share-attribute dispute (Art. 13 ¶3): 市大数据工作主管部门对同级公共管理和服务机构确定的公共数据共享属性有异议,
// 经协商不能达成一致意见的,报数字强市领导小组决定. Who may start one, the positions, the turns, the policy.
import {
  CATALOG_ENTRY_ID_FIELD,
  entryViolations,
  noneShareBasisViolation,
  SHARE_SIDE_FIELDS,
  SHARE_SIDE_VALUES,
  type BasisLevel,
  type EntryContent,
  type ShareSide,
} from './catalog';
import { cityDivisionOf } from './divisions';
import type { RuleViolation } from './errors';
import { decision, defineProcedure, field, under, type TaskKindRule } from './procedure';
import { ATTRIBUTES, type Duration } from './types';

/** A party's position on the entry's share side: the attribute with the reasons, conditions or basis Art. 13 ¶2 asks. */
export type SharePosition = ShareSide;

export type DisputePolicy = {
  /** How long a party has for its turn. */
  turn: Duration;
  /** How long the whole consultation may last before the leading group decides. */
  consultation: Duration;
  /** The leading group's decision. */
  decision: Duration;
  reminderBefore: Duration;
  /** How soon after one urging (督办) a supervisor may urge the same task again (Art. 32). */
  urgeInterval?: Duration;
};

export const DEFAULT_DISPUTE_POLICY: DisputePolicy = {
  turn: { workingDays: 5 },
  consultation: { workingDays: 20 },
  decision: { workingDays: 20 },
  reminderBefore: { workingDays: 1 },
  urgeInterval: { workingDays: 1 },
};

/**
 * Every rule a position breaks (Art. 13 ¶2, as domain/catalog.ts checks an entry's share side), its fields
 * under `path`. Only the share side is the dispute's: the rest of the entry is taken as it stands.
 */
export function positionViolations(position: SharePosition, entry: EntryContent, path: string): RuleViolation[] {
  return entryViolations({ ...entry, share: position }, entry, undefined, { entry: '' })
    .filter((v) => v.field?.startsWith('share.'))
    .map((v) => ({ ...v, field: `${path}.${v.field!.slice('share.'.length)}` }));
}

/** The same position: the same attribute, reasons, conditions and basis. */
export function samePosition(a: SharePosition, b: SharePosition): boolean {
  return (
    JSON.stringify([a.attribute, a.reasons ?? null, a.conditions ?? null, a.basis]) ===
    JSON.stringify([b.attribute, b.reasons ?? null, b.conditions ?? null, b.basis])
  );
}

/**
 * Why `authority` may not start a dispute on an entry of `provider` (Art. 13 ¶3: the city authority, a
 * city-level agency of the same city, the share attribute), or null.
 */
export function disputeStartViolation(
  authority: { kind: string; region: string; division: string },
  provider: { kind: string; region: string; division: string },
): RuleViolation | null {
  if (authority.kind !== 'authority' || authority.division !== cityDivisionOf(authority.division))
    return {
      code: 'Forbidden',
      rule: 'the city authority',
      article: 'Art. 13',
      detail: 'Only the city big data authority raises a share-attribute dispute (Art. 13 ¶3)',
    };
  if (provider.region !== authority.region || provider.division !== authority.division || provider.kind !== 'agency')
    return {
      code: 'InvalidInput',
      field: 'catalogEntryId',
      rule: 'a city-level agency',
      article: 'Art. 13',
      detail: "A dispute concerns the share attribute a city-level agency of the authority's own level set (同级, Art. 13 ¶3)",
    };
  return null;
}

/** Who takes part in a dispute: the city authority, the city-level agency whose attribute it is, the leading group that decides. */
export type DisputeParties = { authorityOrg: string; agencyOrg: string; leadingGroupOrg: string };

/**
 * The parties of a dispute `authority` raises on an attribute `agency` set (either undefined: no such
 * organisation), with `leadingGroup` the leading group of the authority's city, or the refusal: not the city
 * authority and a city-level agency of its level (disputeStartViolation), or no leading group to decide (Art. 13 ¶3).
 */
export function disputePartiesOf(
  authority: { id: string; kind: string; region: string; division: string } | undefined,
  agency: { id: string; kind: string; region: string; division: string } | undefined,
  leadingGroup: { id: string } | undefined,
): { parties: DisputeParties } | { refusal: RuleViolation } {
  if (!authority || !agency)
    return { refusal: { code: 'Forbidden', detail: 'Only the city big data authority raises a share-attribute dispute (Art. 13 ¶3)', article: 'Art. 13' } };
  const refusal = disputeStartViolation(authority, agency);
  if (refusal) return { refusal };
  if (!leadingGroup)
    return {
      refusal: { code: 'InvalidInput', detail: 'No leading group (数字强市领导小组) is registered to decide a dispute (Art. 13 ¶3)', article: 'Art. 13' },
    };
  return { parties: { authorityOrg: authority.id, agencyOrg: agency.id, leadingGroupOrg: leadingGroup.id } };
}

/** An entry whose other parts meet every rule: a position is checked against it where the entry is not at hand (a validator). */
const ANY_ENTRY: EntryContent = {
  title: 'entry',
  description: '',
  fields: [{ name: 'field', label: '数据项', type: 'string', description: '', identifies: null }],
  form: 'table',
  useConditions: null,
  updateFrequency: 'daily',
  share: { attribute: 'UNCONDITIONAL', reasons: null, conditions: null, basis: [] },
  open: { attribute: 'NONE', ground: null, reasons: null, conditions: null, basis: [{ level: 'law', title: 'law', article: '1' }], opening: null },
  priorityOpen: false,
};

/** Why `position` (a decision's form, or part of it at `path`) is no position meeting Art. 13 ¶2; a value not even shaped like one is refused as such. */
export function positionFormViolation(decision: string, position: Record<string, unknown> | null | undefined, path = 'form'): RuleViolation | null {
  const p = position as SharePosition | null | undefined;
  if (p && typeof p === 'object' && !ATTRIBUTES.includes(p.attribute))
    return {
      code: 'InvalidInput',
      field: `${path}.attribute`,
      rule: 'an attribute',
      article: 'Art. 13',
      detail: `${decision} names the attribute: one of ${ATTRIBUTES.join(', ')} (Art. 13 ¶2)`,
    };
  const shaped = p && Array.isArray(p.basis) && p.basis.every((b) => b && typeof b.title === 'string' && typeof b.article === 'string');
  if (!shaped)
    return {
      code: 'InvalidInput',
      field: path,
      rule: 'a position',
      article: 'Art. 13',
      detail: `${decision} carries a position: { attribute, reasons, conditions, basis } (Art. 13 ¶2)`,
    };
  // The share side's rules are the catalog's; the rest of an entry plays no part in them.
  return positionViolations(p, ANY_ENTRY, path)[0] ?? null;
}

/**
 * What a dispute's turn, its leading group's decision and an adjustment's city review carry in runs past
 * patched('dispute-none-basis-level') (issue 24 §3): the levels a NONE position's basis may cite, those accepted for the
 * agency's catalog (domain/catalog-adjustment.ts noneShareBasisLevels). Absent in runs started before, which ask none.
 */
export type DisputeContext = { noneBasis?: BasisLevel[] };

/**
 * Issue 24 §3 in a dispute: a position that would settle the entry on NONE (the authority's proposal, a COUNTER, the
 * leading group's DECIDE) cites a level accepted for the agency's catalog, as a catalog change must
 * (noneShareBasisViolation), where `context` names the levels; the API and the workflow's validator ask alike.
 */
export function disputeNoneBasisViolation(position: unknown, context: unknown, field: string): RuleViolation | null {
  const levels = (context as DisputeContext | null | undefined)?.noneBasis;
  return Array.isArray(levels) ? noneShareBasisViolation(position as SharePosition | null | undefined, levels, field) : null;
}

/** A COUNTER or a DECIDE carries a position (its form), of a level accepted for a NONE where the task says which. */
function positionForm(decision: string, form?: Record<string, unknown> | null, context?: unknown): RuleViolation | null {
  return decision === 'COUNTER' || decision === 'DECIDE'
    ? (positionFormViolation(decision, form) ?? disputeNoneBasisViolation(form, context, 'form.basis'))
    : null;
}

/** The dispute's task kinds. */
export const DISPUTE_TASK_KINDS = {
  // A party's turn in the consultation: accept the other's position, counter with its own, or declare that none is possible.
  DISPUTE_CONSULTATION: {
    article: 'Art. 13',
    name: '共享属性争议协商',
    decisions: { ACCEPT: decision('接受对方意见', false), COUNTER: decision('提出己方意见', true), NO_AGREEMENT: decision('协商不成', true) },
    rule: ({ decision, form, context }) => positionForm(decision, form, context),
  },
  // The leading group (数字强市领导小组) decides; its decision is final.
  DISPUTE_DECISION: {
    article: 'Art. 13',
    name: '争议决定（领导小组）',
    decisions: { DECIDE: decision('作出决定', true) },
    rule: ({ decision, form, context }) => positionForm(decision, form, context),
  },
} satisfies Record<string, TaskKindRule>;

/** A share-attribute dispute between the parties, settled by them or decided by the leading group (Art. 13 ¶3). */
export const DISPUTE_PROCEDURE = defineProcedure({
  type: 'share_dispute',
  name: '共享属性争议',
  articles: ['Art. 13'],
  workflowType: 'shareDisputeWorkflow',
  startRoute: '/disputes',
  caseCode: 'ZY',
  startedBy: ['authority_reviewer'],
  // The city authority's dispute: its turns go to any of its reviewers.
  organisationIsParty: true,
  taskKinds: DISPUTE_TASK_KINDS,
  // The dispute as it starts; a COUNTER's and a DECIDE's form is a position, at its root.
  fields: {
    catalogEntryId: CATALOG_ENTRY_ID_FIELD,
    proposal: field('提出的共享属性'),
    ...under('proposal', SHARE_SIDE_FIELDS),
    objection: field('异议理由', '对已确定的共享属性有异议的理由'),
    ...SHARE_SIDE_FIELDS,
  },
  values: { ...under('proposal', SHARE_SIDE_VALUES), ...SHARE_SIDE_VALUES },
  policy: DEFAULT_DISPUTE_POLICY,
});
