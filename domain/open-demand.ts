// Open demands (Art. 21 ¶1: 及时回应公民、法人和其他组织对公共数据的开放需求): anyone asks for data to be
// opened; the providing agency answers in time, with a plan for opening it or its reasons.
import type { RuleViolation } from './errors';
import { blankText } from './text';
import { CATALOG_ENTRY_ID_FIELD } from './catalog';
import { ON_BEHALF_OF_FIELD } from './principals';
import { decision, defineProcedure, field, type TaskKindRule } from './procedure';
import type { Duration } from './types';

export interface OpenDemandForm {
  /** The entry whose opening is asked for, when the data is in the catalog. */
  catalogEntryId?: string;
  /** The agency asked, when no entry is named (data not yet in the catalog). */
  providerOrgId?: string;
  /** What data is wanted. */
  description: string;
  /** What it would be used for. */
  purpose: string;
}

export type OpenDemandPolicy = {
  /** The agency's answer (及时回应): the Measures name no figure; 15 working days, a policy value. */
  answer: Duration;
  reminderBefore: Duration;
  /** How long past its due time the competent body's task still open is escalated: its supervising authority and its candidates told again (督办, Art. 32). */
  escalateAfter?: Duration;
  /** How soon after one urging (督办) a supervisor may urge the same task again (Art. 32). */
  urgeInterval?: Duration;
};

export const DEFAULT_OPEN_DEMAND_POLICY: OpenDemandPolicy = {
  answer: { workingDays: 15 },
  reminderBefore: { workingDays: 2 },
  escalateAfter: { workingDays: 5 },
  urgeInterval: { workingDays: 1 },
};

/** What a demand must say, and that it names either an entry or an agency (the entry's agency when both). */
export function openDemandViolations(form: OpenDemandForm): RuleViolation[] {
  const out: RuleViolation[] = [];
  const bad = (field: string, rule: string, detail: string) => out.push({ code: 'InvalidInput', field, rule, article: 'Art. 21', detail });
  if (blankText(form.description)) bad('description', 'required', 'A demand says what data it asks to be opened (Art. 21)');
  if (blankText(form.purpose)) bad('purpose', 'required', 'A demand says what the data would be used for (Art. 21)');
  if (!form.catalogEntryId && !form.providerOrgId)
    bad('catalogEntryId', 'an entry or an agency', 'A demand names the catalog entry, or, for data not in the catalog, the agency that holds it');
  return out;
}

/** Who answers a demand: the agency holding the data. */
export type OpenDemandParties = { providerOrg: string };

/**
 * Who answers `form` (Art. 21 ¶1): the provider of the entry it names (read as `entry`; undefined: none), or, for
 * data not in the catalog, the organisation it names (read as `org`), which must be a public management and
 * service institution; or the refusal. Data open without conditions is on the open platform already (Art. 16).
 */
export function openDemandPartiesOf(
  form: Pick<OpenDemandForm, 'catalogEntryId' | 'providerOrgId'>,
  entry: { id: string; provider_org_id: string; open_attribute: string; open_status: string } | undefined,
  org: { id: string; kind: string } | undefined,
): { parties: OpenDemandParties } | { refusal: RuleViolation } {
  if (form.catalogEntryId) {
    if (!entry) return { refusal: { code: 'InvalidInput', field: 'catalogEntryId', rule: 'exists', detail: `No catalog entry ${form.catalogEntryId}` } };
    if (entry.open_attribute === 'UNCONDITIONAL' && entry.open_status === 'published')
      return {
        refusal: {
          code: 'RequestNotActive',
          article: 'Art. 16',
          detail: `Entry ${entry.id} is open without conditions: its data is on the unified open platform already (Art. 16)`,
        },
      };
    return { parties: { providerOrg: entry.provider_org_id } };
  }
  if (!org || (org.kind !== 'agency' && org.kind !== 'authority'))
    return {
      refusal: {
        code: 'InvalidInput',
        field: 'providerOrgId',
        rule: 'an agency',
        detail: `${form.providerOrgId} is no public management and service institution`,
      },
    };
  return { parties: { providerOrg: org.id } };
}

/** The open demand's task kind. */
export const OPEN_DEMAND_TASK_KINDS = {
  // The agency answers: a plan for opening the data (its reason is the plan), or why it will not.
  OPEN_DEMAND_ANSWER: { article: 'Art. 21', name: '开放需求答复', decisions: { PLAN: decision('制定开放计划', true), DECLINE: decision('暂不开放', true) } },
} satisfies Record<string, TaskKindRule>;

/** An open demand answered in time by the agency holding the data (Art. 21 ¶1). */
export const OPEN_DEMAND_PROCEDURE = defineProcedure({
  type: 'open_demand',
  name: '开放需求',
  articles: ['Art. 21'],
  workflowType: 'openDemandWorkflow',
  startRoute: '/open-demands',
  caseCode: 'XQ',
  startedBy: ['public_applicant', 'agency_applicant'],
  taskKinds: OPEN_DEMAND_TASK_KINDS,
  fields: {
    catalogEntryId: field(CATALOG_ENTRY_ID_FIELD.label, '数据已列入目录的，填写其目录条目'),
    providerOrgId: field('持有数据的单位', '数据未列入目录的，填写持有数据的单位'),
    description: field('需求描述', '希望开放的数据'),
    purpose: field('用途'),
    onBehalfOf: ON_BEHALF_OF_FIELD,
  },
  values: {},
  policy: DEFAULT_OPEN_DEMAND_POLICY,
});
