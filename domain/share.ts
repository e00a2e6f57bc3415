// The share procedure (Art. 12–15): input rules, the path an entry's share attribute decides, its policy.
import {
  BASIS_LEVEL_NAMES,
  BASIS_LEVELS,
  basisText,
  CATALOG_ENTRY_ID_FIELD,
  REGULATION_BASIS_LEVELS,
  REQUESTED_FIELDS_FIELD,
  refusalBasisViolation as basisViolation,
  type BasisLevel,
  type LegalBasis,
} from './catalog';
import { cityDivisionOf } from './divisions';
import type { ErrorCode, RuleViolation } from './errors';
import { decision, defineProcedure, field, starterViolationOf, type DecisionAttempt, type ReviewTaskState, type TaskKindRule } from './procedure';
import { quarterOf } from './calendar';
import { blankText } from './text';
import type { Actor, Attribute, Duration } from './types';

export interface ShareRequestForm {
  catalogEntryId: string;
  /** 应用场景 (Art. 15) */
  scenario: string;
  /** The statutory duty or public service the data serves (Art. 15). */
  statutoryDuty: string;
  /** Fields asked for; all of the entry's fields when absent. */
  fields?: string[];
  /** The Art. 15 commitment to authenticity, compliance and security. */
  commitment: { authenticity: boolean; compliance: boolean; security: boolean };
}

/** Who a share request involves: the entry and its provider, the city authority, the applicant's kind. */
export interface ShareParties {
  entry: {
    id: string;
    title: string;
    providerOrgId: string;
    shareAttribute: Attribute;
    shareBasis: string | null;
    /** The provisions a NONE entry's share side cites (Art. 13 ¶2). Absent in parties resolved before it was carried. */
    shareLegalBasis?: LegalBasis[];
    shareConditions: string | null;
    fields: string[];
    status: string;
  };
  cityAuthorityOrgId: string;
  /** Art. 3, 14: the applicant is a public management and service institution (国家机关 included). */
  applicantMayRequest: boolean;
  /**
   * Both the applicant and the provider are government departments (政务部门): the 《政务数据共享条例》 binds the
   * request on top of the Measures. Absent in parties resolved before the mark existed: the Measures alone.
   */
  governmentDepartments?: boolean;
}

/** The read the parties are made from (db/repositories/catalog.ts shareContext). */
export interface ShareContext {
  id: string;
  title: string;
  provider_org_id: string;
  share_attribute: Attribute;
  share_basis: LegalBasis[];
  share_conditions: string | null;
  fields: string[];
  /** The entry's share side's status. */
  status: string;
  provider_division: string | null;
  /** The authorities of the provider's region. */
  authorities: { id: string; division: string }[];
  applicant_kind: string | null;
  /** The applicant's and the provider's mark as government departments (政务部门). */
  applicant_government?: boolean | null;
  provider_government?: boolean | null;
}

/**
 * The parties of a share request, or null when the provider's city has no big data authority to
 * review with it (Art. 14: the authority of the provider's city, 市大数据工作主管部门).
 */
export function sharePartiesOf(c: ShareContext): ShareParties | null {
  const cityDivision = c.provider_division && cityDivisionOf(c.provider_division);
  const city = c.authorities.find((a) => a.division === cityDivision);
  if (!city) return null;
  return {
    entry: {
      id: c.id,
      title: c.title,
      providerOrgId: c.provider_org_id,
      shareAttribute: c.share_attribute,
      shareBasis: basisText(c.share_basis),
      shareLegalBasis: c.share_basis,
      shareConditions: c.share_conditions,
      fields: c.fields,
      status: c.status,
    },
    cityAuthorityOrgId: city.id,
    applicantMayRequest: mayRequestShare(c.applicant_kind ?? undefined),
    governmentDepartments: c.applicant_government === true && c.provider_government === true,
  };
}

/** What the API and the workflow both check of a share request against the entry it names. */
export function shareRequestViolations(form: ShareRequestForm, entry: { fields: string[]; status: string } | undefined): RuleViolation[] {
  if (!entry) return [{ code: 'InvalidInput', field: 'catalogEntryId', rule: 'exists', detail: `No catalog entry ${form.catalogEntryId}` }];
  if (entry.status !== 'published')
    return [{ code: 'InvalidInput', field: 'catalogEntryId', rule: 'published', detail: `Catalog entry ${form.catalogEntryId} is ${entry.status}` }];
  const out: RuleViolation[] = [];
  const need = (field: string, value: string | undefined, what: string) => {
    if (!value?.trim()) out.push({ code: 'InvalidInput', field, rule: 'required', article: 'Art. 15', detail: `${what} is required (Art. 15)` });
  };
  need('scenario', form.scenario, 'The application scenario');
  need('statutoryDuty', form.statutoryDuty, 'The statutory duty served');
  for (const k of ['authenticity', 'compliance', 'security'] as const) {
    if (form.commitment?.[k] !== true)
      out.push({
        code: 'InvalidInput',
        field: `commitment.${k}`,
        rule: 'must be true',
        article: 'Art. 15',
        detail: `The applicant must commit to the ${k} of the request (Art. 15)`,
      });
  }
  const unknown = (form.fields ?? []).filter((f) => !entry.fields.includes(f));
  if (unknown.length)
    out.push({ code: 'InvalidInput', field: 'fields', rule: 'fields of the entry', detail: `Not fields of the entry: ${unknown.join(', ')}` });
  return out;
}

/**
 * Art. 3: public management and service institutions are state organs (国家机关, the big data
 * authorities among them) and the organisations with public-affairs functions; all of them may ask
 * for shared data (Art. 14). The leading group and members of the public do not.
 */
export function mayRequestShare(orgKind: string | undefined): boolean {
  return orgKind === 'agency' || orgKind === 'authority';
}

/**
 * Why a share request may not be recorded at all: the applicant is no public management and service
 * institution's applicant (Art. 3, 14), or the form breaks Art. 15; null when it may.
 */
export function shareRefusal(
  applicant: { mayRequest: boolean; roles: readonly string[] },
  form: ShareRequestForm,
  entry: { fields: string[]; status: string } | undefined,
): { code: ErrorCode; detail: string } | null {
  if (!(applicant.mayRequest && !starterViolationOf({ type: 'share', startedBy: SHARE_STARTED_BY }, applicant)))
    return { code: 'Forbidden', detail: 'Only an applicant of a public management and service institution may request shared data (Art. 3, 14)' };
  const violations = shareRequestViolations(form, entry);
  return violations.length ? { code: 'InvalidInput', detail: violations.map((v) => v.detail).join('; ') } : null;
}

export type { ReviewTaskState };

/** Art. 3, 14: an agency's applicant requests shared data. */
const SHARE_STARTED_BY = ['agency_applicant'] as const;

/**
 * Art. 14 (由市大数据工作主管部门会同提供数据的公共管理和服务机构进行审核): the city authority concludes, and
 * approves only once the providing agency's latest opinion is AGREE. Checked by the API and by the
 * workflow's validator alike.
 */
export function jointReviewViolation({ decision, tasks }: Pick<DecisionAttempt, 'decision' | 'tasks'>): RuleViolation | null {
  if (decision !== 'APPROVE') return null;
  const opinion = tasks.filter((t) => t.kind === 'SHARE_PROVIDER_OPINION').at(-1);
  if (opinion?.status === 'completed' && opinion.decision === 'AGREE') return null;
  const detail =
    opinion?.status === 'completed' && opinion.decision === 'DISAGREE'
      ? 'The providing agency disagreed: consult it again (CONSULT) or reject (Art. 14)'
      : "The providing agency's opinion is awaited: approve once it agrees (Art. 14)";
  return { code: 'OpinionAwaited', rule: 'provider agreed', article: 'Art. 14', detail };
}

/** Art. 15: what the grantee accepted with the data, stored with the grant. */
export interface GrantTerms {
  purpose: string;
  statutoryDuty: string;
  fields: string[];
  /** The entry's share conditions the grantee accepted (Art. 13 ¶2). */
  conditions: string | null;
  restrictions: string[];
  /** Only where the run's policy allows it (the 条例's reading): the data may go on to a third party with the provider's consent. */
  onwardProvision?: 'provider_consent';
}

/** Art. 15 as it reads: the rule on third parties comes with its exception. */
export const GRANT_RESTRICTIONS = [
  'no onward transfer to third parties in any form, except where laws or regulations provide otherwise (除法律、法规另有规定的外，不得以任何形式提供给第三方)',
  'no use for any other purpose (不得用于其他任何目的)',
];

/** Each of GRANT_RESTRICTIONS as a grant's reader sees it: its Chinese words alone (the stored text keeps both). */
export const GRANT_RESTRICTION_NAMES: Readonly<Record<string, string>> = {
  [GRANT_RESTRICTIONS[0]]: '除法律、法规另有规定的外，不得以任何形式提供给第三方',
  [GRANT_RESTRICTIONS[1]]: '不得用于其他任何目的',
};

export function grantTerms(form: ShareRequestForm, fields: string[], conditions: string | null, onward?: OnwardProvision): GrantTerms {
  return {
    purpose: form.scenario,
    statutoryDuty: form.statutoryDuty,
    fields,
    conditions,
    restrictions: GRANT_RESTRICTIONS,
    ...(onward === 'provider_consent' ? { onwardProvision: onward } : {}),
  };
}

/**
 * The grounds on which sharing ends early, a closed list: unconditional data 应当予以共享 and what the city
 * authority approved stands (Art. 14), so no grant ends for any reason someone writes. Each with the
 * article it rests on.
 */
export const REVOCATION_GROUNDS = {
  /** The data misused, or the grant's terms breached (用于其他目的, 提供给第三方). */
  misuse: { article: 'Art. 15', text: '滥用数据或违反共享许可的条件' },
  /** The entry's share attribute changed since the grant (Art. 13 ¶2). */
  attribute_changed: { article: 'Art. 13', text: '目录的共享属性已变更' },
  /** What the data was asked for is done (应用场景, Art. 15). */
  purpose_achieved: { article: 'Art. 15', text: '共享的应用场景已完成' },
} as const;
export type RevocationGround = keyof typeof REVOCATION_GROUNDS;
export const REVOCATION_GROUND_CODES = Object.keys(REVOCATION_GROUNDS) as RevocationGround[];

export function isRevocationGround(g: unknown): g is RevocationGround {
  return typeof g === 'string' && Object.prototype.hasOwnProperty.call(REVOCATION_GROUNDS, g);
}

/**
 * Who may end a grant early (revokerOf): the providing agency, which asks, the city big data authority, which ends it or
 * consents, and the grantee (`granteeOrg`, absent where unknown), which ends its own use once its purpose is achieved.
 */
export type Revokers = { providerOrg: string; cityAuthorityOrg: string; granteeOrg?: string };

/** A share request's revokers are two of its parties, and its applicant's organisation (`granteeOrg`) once granted. */
export function revokersOf(parties: ShareParties, granteeOrg?: string): Revokers {
  return { providerOrg: parties.entry.providerOrgId, cityAuthorityOrg: parties.cityAuthorityOrgId, ...(granteeOrg ? { granteeOrg } : {}) };
}

/**
 * Who ends a grant early, and how: the city big data authority ends it; the providing agency asks, and the
 * authority's consent ends it (the provider does not end sharing alone: every grant is unconditional data,
 * which shall be shared, or one the authority approved, Art. 14). Null: neither.
 */
export function revokerOf(actor: Actor, grant: Revokers): 'authority' | 'provider' | 'grantee' | null {
  if (actor.org === grant.cityAuthorityOrg && actor.roles.includes('authority_reviewer')) return 'authority';
  if (actor.org === grant.providerOrg && actor.roles.includes('provider_reviewer')) return 'provider';
  // The role that applied, of the organisation granted (共享目的已实现: it ends its own use, no consent needed).
  if (grant.granteeOrg && actor.org === grant.granteeOrg && actor.roles.includes('agency_applicant')) return 'grantee';
  return null;
}

/** 条例 (共享目的已实现): how the grantee deleted the data it received. */
export const DELETION_METHODS = ['logical', 'physical', 'media_destroyed'] as const;
export type DeletionMethod = (typeof DELETION_METHODS)[number];
export const DELETION_METHOD_NAMES: Record<DeletionMethod, string> = { logical: '逻辑删除', physical: '物理删除', media_destroyed: '介质销毁' };

/** The grantee's confirmation that the data received is deleted: who, when, how, and that it is all of it. */
export interface DeletionConfirmation {
  /** The person who deleted it. */
  deletedBy: string;
  /** When (ISO 8601 date-time). */
  deletedAt: string;
  method: DeletionMethod;
  /** All the data received under the grant (must be true). */
  scope: boolean;
}

/** How the 条例's end of sharing by the grantee is cited (rule 12 of the notes; docs/regulation.md). */
export const GRANTEE_END_ARTICLE = '《政务数据共享条例》共享使用（共享目的已实现）';

/** How the grantee's notice before a consented stop is cited: the 条例's rule that the provider does not stop sharing on its own (docs/regulation.md). */
export const REVOCATION_NOTICE_ARTICLE = '《政务数据共享条例》共享使用（不得擅自停止共享）; Art. 14';

/** Clocks differ a little between the browser, the API and the engine: a deletion this far ahead of `now` is not "in the future". */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Why the grantee's deletion confirmation does not stand, or null: a person's name, a time neither in the future (`now`)
 * nor before the grant (`grantedAt`, where known), a method of the list, and all the data received.
 */
export function deletionViolation(deletion: unknown, grantedAt: string | undefined, now: number): RuleViolation | null {
  const d = (deletion && typeof deletion === 'object' ? deletion : {}) as Partial<Record<keyof DeletionConfirmation, unknown>>;
  const bad = (field: string, rule: string, detail: string): RuleViolation => ({
    code: 'InvalidInput',
    field: `deletion${field ? `.${field}` : ''}`,
    rule,
    article: GRANTEE_END_ARTICLE,
    detail,
  });
  if (!deletion || typeof deletion !== 'object' || Array.isArray(deletion))
    return bad('', 'required', 'Confirm the deletion of the data received: who, when, how');
  if (typeof d.deletedBy !== 'string' || blankText(d.deletedBy) || d.deletedBy.length > 200)
    return bad('deletedBy', 'a name', 'Name the person who deleted the data (at most 200 characters)');
  const at = typeof d.deletedAt === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(d.deletedAt) ? Date.parse(d.deletedAt) : NaN;
  if (Number.isNaN(at)) return bad('deletedAt', 'date-time', 'Say when the data was deleted (a date and time)');
  if (at > now + CLOCK_SKEW_MS) return bad('deletedAt', 'not in the future', 'The deletion cannot be in the future');
  // People state a time to the minute (the console's picker does): the grant's own minute is not before it.
  if (grantedAt !== undefined && at < Math.floor(Date.parse(grantedAt) / 60_000) * 60_000)
    return bad('deletedAt', 'not before the grant', 'The deletion cannot be before the grant');
  if (typeof d.method !== 'string' || !(DELETION_METHODS as readonly string[]).includes(d.method))
    return bad('method', `one of ${DELETION_METHODS.join(', ')}`, `Say how the data was deleted: ${DELETION_METHODS.join(', ')}`);
  if (d.scope !== true) return bad('scope', 'all data received', 'Confirm that all the data received under the grant is deleted');
  return null;
}

/**
 * Why `actor` may not end (the authority) or ask to end (the provider) a grant now, or null: only an active
 * grant, one provider's request at a time, a ground from the closed list and a reason. The API and the
 * workflow's validator both ask this.
 */
export function revokeViolation(
  actor: Actor,
  grant: Revokers & { active: boolean; consentAwaited: boolean; grantedAt?: string },
  ground: unknown,
  reason: string | undefined,
  deletion?: unknown,
  now: number = Date.now(),
): RuleViolation | null {
  const by = revokerOf(actor, grant);
  if (!by)
    return {
      code: 'Forbidden',
      rule: 'provider, city authority or grantee',
      article: 'Art. 14',
      detail: 'Only the providing agency, the city big data authority or the grantee (its purpose achieved) may end a grant early (Art. 14)',
    };
  if (!grant.active) return { code: 'RequestNotActive', rule: 'active grant', detail: 'The grant is not active' };
  // 条例: the grantee ends its own use only as its purpose is achieved, confirming the data deleted.
  if (by === 'grantee') {
    if (ground !== 'purpose_achieved')
      return {
        code: 'InvalidInput',
        field: 'ground',
        rule: 'purpose_achieved',
        article: GRANTEE_END_ARTICLE,
        detail: 'The grantee ends a grant only as its purpose is achieved (共享目的已实现)',
      };
    if (!reason?.trim())
      return { code: 'ReasonRequired', field: 'reason', rule: 'reason required', article: GRANTEE_END_ARTICLE, detail: 'Say how the purpose was achieved' };
    return deletionViolation(deletion, grant.grantedAt, now);
  }
  if (deletion !== undefined)
    return {
      code: 'InvalidInput',
      field: 'deletion',
      rule: 'grantee only',
      article: GRANTEE_END_ARTICLE,
      detail: 'Only the grantee confirms the deletion of the data it received',
    };
  if (by === 'provider' && grant.consentAwaited)
    return {
      code: 'RequestNotActive',
      rule: 'one request at a time',
      article: 'Art. 14',
      detail: "The city big data authority's consent to ending this grant is already awaited (Art. 14)",
    };
  if (!isRevocationGround(ground))
    return {
      code: 'InvalidInput',
      field: 'ground',
      rule: `one of ${REVOCATION_GROUND_CODES.join(', ')}`,
      article: 'Art. 14',
      detail: `A grant ends early only on a ground of the list: ${REVOCATION_GROUND_CODES.join(', ')} (Art. 14)`,
    };
  const { article } = REVOCATION_GROUNDS[ground];
  if (!reason?.trim()) return { code: 'ReasonRequired', field: 'reason', rule: 'reason required', article, detail: `Say what happened (${article})` };
  return null;
}

export type SharePath = 'grant' | 'refuse' | 'joint_review';

/**
 * 条例 (不予共享, rule 4): where it binds a request, an entry marked NONE refuses it at once only when it cites a provision of
 * the levels the policy accepts (法律、行政法规、国务院决定 by default); one that cites none (a 地方性法规 or a 规章 alone,
 * compiled under the Measures' wider list) is reviewed jointly instead, and a refusal there cites its own basis.
 * Parties resolved before the entry's provisions were carried: refused, as before.
 */
export function noneRefusesAtOnce(entry: Pick<ShareParties['entry'], 'shareLegalBasis'>, levels: readonly BasisLevel[]): boolean {
  return !entry.shareLegalBasis || entry.shareLegalBasis.some((b) => levels.includes(b.level));
}

/** Art. 14: unconditional data shall be shared; conditional data is jointly reviewed; Art. 13: none is refused. */
export function sharePath(attribute: Attribute): SharePath {
  return attribute === 'UNCONDITIONAL' ? 'grant' : attribute === 'NONE' ? 'refuse' : 'joint_review';
}

/** Whom the 条例's rules bind: requests between government departments (its own scope, rule 1), or every share request. */
export const REGULATION_SCOPES = ['government_departments', 'all'] as const;
export type RegulationScope = (typeof REGULATION_SCOPES)[number];

export type SharePolicy = {
  /** The joint review under the Measures alone: the authority's and the provider's tasks both due then. */
  jointReview: Duration;
  applicantReply: Duration;
  reminderBefore: Duration;
  grantTerm: Duration;
  /** How long past its due time a review task still open is escalated to its supervising authority (Art. 32). */
  escalateAfter: Duration;
  /**
   * 条例 (共享使用, rule 5 of docs/regulation.md): a conditional request is answered within this window in all,
   * the authority's conclusion due at its end (default 10 working days).
   */
  regulationReview: Duration;
  /** 条例: the provider's opinion is due this far into that window; the authority's share is the rest (default 7 + 3). */
  regulationOpinion: Duration;
  /** Whom the 条例's rules bind (default: both parties government departments). */
  regulationScope: RegulationScope;
  /** How soon after one urging (督办) a supervisor may urge the same task again (Art. 32). */
  urgeInterval?: Duration;
  /**
   * 条例 (共享使用 ~Art. 21–22, rule 5 of docs/regulation.md): the provider delivers the data of a grant within this (default 20
   * working days); the grantee confirms receipt within `applicantReply`. Absent in a policy from before delivery
   * existed: the grant is in force at once, as before.
   */
  delivery?: Duration;
  /**
   * 条例 (共享使用, rule 8 of docs/regulation.md): the head of the provider's 政务数据共享工作机构 approves or refuses the
   * provider's extension of its answer within this (default 1 working day). Absent in a policy from before the
   * extension existed: the default.
   */
  extensionApproval?: Duration;
  /** 条例: the most an approved extension moves the answer's due time (default 10 working days; the cap was not retrieved). */
  providerExtensionCap?: Duration;
  /**
   * The levels of legal basis a refusal (the provider's DISAGREE, the authority's REJECT) may cite: `regulation` where the
   * 条例 binds the request (default 法律、行政法规、国务院决定, rule 4 of docs/regulation.md), `measures` otherwise (default
   * every level: Art. 13 ¶2's 法律、法规、规章或者国家有关规定). Absent in a policy from before: the defaults.
   */
  refusalBasisLevels?: { regulation: BasisLevel[]; measures: BasisLevel[] };
  /**
   * 条例 (共享使用, docs/regulation.md): the city authority consented to the provider's request to end a grant; the grantee
   * is told, and the grant ends this long after (default 5 working days; a figure the summaries do not give). Absent in a
   * policy from before the notice existed: the default.
   */
  revocationNotice?: Duration;
  /**
   * 条例 (共享使用, rule 13 of docs/regulation.md): how often the grantee files its usage records (`SHARE_USAGE_REPORT`):
   * `quarterly` (default, at each quarter's end in Asia/Shanghai), `none`, or a duration (trials and tests).
   */
  usageReport?: UsageReportCadence;
  /** The time the grantee has to file them (default 10 working days). */
  usageReportWindow?: Duration;
  /**
   * Onward provision of the data shared to a third party (issue 24 §6): `forbidden` (default; the Measures, Art. 15: not
   * unless a law or regulation provides otherwise) or `provider_consent` (the 条例: with the providing agency's consent, asked
   * by the grantee and decided on a `SHARE_ONWARD_PROVISION` task). Absent in a policy from before: forbidden.
   */
  onwardProvision?: OnwardProvision;
  /** The time the provider has to consent to or refuse an onward provision (default 10 working days). */
  onwardProvisionConsent?: Duration;
};

/** Whether the data shared may go on to a third party: never (the Measures, Art. 15), or with the provider's consent (the 条例). */
export const ONWARD_PROVISIONS = ['forbidden', 'provider_consent'] as const;
export type OnwardProvision = (typeof ONWARD_PROVISIONS)[number];

export const USAGE_REPORT_CADENCES = ['quarterly', 'none'] as const;
export type UsageReportCadence = (typeof USAGE_REPORT_CADENCES)[number] | Duration;

export const DEFAULT_SHARE_POLICY: SharePolicy = {
  jointReview: { workingDays: 10 },
  applicantReply: { workingDays: 15 },
  reminderBefore: { workingDays: 2 },
  grantTerm: { days: 365 },
  escalateAfter: { workingDays: 5 },
  regulationReview: { workingDays: 10 },
  regulationOpinion: { workingDays: 7 },
  regulationScope: 'government_departments',
  urgeInterval: { workingDays: 1 },
  delivery: { workingDays: 20 },
  extensionApproval: { workingDays: 1 },
  providerExtensionCap: { workingDays: 10 },
  refusalBasisLevels: { regulation: [...REGULATION_BASIS_LEVELS], measures: [...BASIS_LEVELS] },
  revocationNotice: { workingDays: 5 },
  usageReport: 'quarterly',
  usageReportWindow: { workingDays: 10 },
  onwardProvision: 'forbidden',
  onwardProvisionConsent: { workingDays: 10 },
};

/**
 * Whether the 《政务数据共享条例》 binds a request on top of the Measures: both parties are government departments,
 * or the policy widens it to every request. A policy or parties from before the 条例's rules existed: never.
 */
export function regulationApplies(parties: Pick<ShareParties, 'governmentDepartments'>, policy: Partial<Pick<SharePolicy, 'regulationScope'>>): boolean {
  return parties.governmentDepartments === true || policy.regulationScope === 'all';
}

/** How the 条例 is cited: its summaries place the answer clocks and the one-time notice in its chapter 共享使用 (docs/regulation.md). */
export const REGULATION_SHARING_USE = '《政务数据共享条例》共享使用';

/** One item an applicant is asked for (一次性告知): what is missing and why it is needed. */
export interface MissingItem {
  item: string;
  reason: string;
}

export const MAX_MISSING_ITEMS = 50;

/**
 * What a review task's context says when the 条例 binds the request: that it does, and whether the applicant was
 * already told once in this review what is missing (the request unchanged since).
 */
export type RegulationContext = {
  regulation?: boolean;
  noticeGiven?: boolean;
};

/**
 * 一次性告知 (条例, 共享使用; rule 7): under the 条例 the applicant is asked for more once per review, every missing item
 * listed with why it is needed; a second request in the same review is refused, unless the applicant's reply
 * changed the request (an amending REPLY, shareAmendment: then the workflow opens the round without `noticeGiven`). The
 * Measures alone ask neither.
 * The API's pre-check and the workflow's Update validator run it alike.
 */
export function oneTimeNoticeViolation({ decision, form, context }: Pick<DecisionAttempt, 'decision' | 'form' | 'context'>): RuleViolation | null {
  const ctx = (context ?? {}) as RegulationContext;
  if (decision !== 'REQUEST_INFO' || ctx.regulation !== true) return null;
  const article = `${REGULATION_SHARING_USE}（一次性告知）; Art. 15`;
  if (ctx.noticeGiven === true)
    return {
      code: 'NoticeAlreadyGiven',
      rule: '一次性告知',
      article,
      detail:
        'The applicant was already told once in this review everything that is missing (一次性告知, 《政务数据共享条例》共享使用); their reply did not change the request: decide on it (Art. 14, 15)',
    };
  const missing = form?.missing;
  const items = Array.isArray(missing) ? (missing as unknown[]) : [];
  const complete = (m: unknown) => !!m && typeof m === 'object' && !blankText((m as MissingItem).item) && !blankText((m as MissingItem).reason);
  if (items.length === 0 || items.length > MAX_MISSING_ITEMS || !items.every(complete))
    return {
      code: 'InvalidInput',
      field: 'form.missing',
      rule: '一次性告知',
      article,
      detail: `List every missing item at once, each with what is missing and why (form.missing: [{ item, reason }], 1 to ${MAX_MISSING_ITEMS}; 一次性告知)`,
    };
  return null;
}

/**
 * What the applicant may change of the request in answer to a notice (the share reply's form, issue 24 §1): the data
 * items asked for and the application scenario (the purpose the grant records), the parts a notice most often questions.
 */
export interface ShareAmendment {
  fields?: string[];
  scenario?: string;
}

/** The parts of the request a reply may amend. */
export const AMENDABLE_PARTS = ['fields', 'scenario'] as const;

/**
 * A share reply task's context in runs past patched('share-reply-amends'): the entry's data items the amended request
 * may name (a reply task without it takes words only).
 */
export type ReplyContext = { amendable?: string[] };

/**
 * Why an applicant's REPLY may not amend the request as its form says, or null: only a reply task that offers it
 * (`context.amendable`), only the amendable parts, and the request as amended passes the rules a new submission passes
 * (shareRequestViolations, Art. 15). No form, or an empty one, is a reply in words. The API's pre-check and the
 * workflow's Update validator run it alike.
 */
export function amendmentViolation({
  decision,
  form,
  context,
  request,
}: Pick<DecisionAttempt, 'decision' | 'form' | 'context' | 'request'>): RuleViolation | null {
  if (decision !== 'REPLY' || !form || Object.keys(form).length === 0) return null;
  const amendable = (context as ReplyContext | null | undefined)?.amendable;
  const bad = (field: string, rule: string, detail: string): RuleViolation => ({ code: 'InvalidInput', field, rule, article: 'Art. 15', detail });
  if (!Array.isArray(amendable)) return bad('form', 'amendment offered', 'This reply task was opened before a reply could amend the request: reply in words');
  const other = Object.keys(form).find((k) => !(AMENDABLE_PARTS as readonly string[]).includes(k));
  if (other !== undefined) return bad(`form.${other}`, 'amendable', `A reply amends only ${AMENDABLE_PARTS.join(' and ')}`);
  const fields = form.fields;
  if (fields !== undefined && (!Array.isArray(fields) || !fields.every((f) => typeof f === 'string') || new Set(fields).size !== fields.length))
    return bad('form.fields', 'each data item once', 'Pick the data items asked for, each once (none: all of the entry’s, as a submission)');
  if (form.scenario !== undefined && typeof form.scenario !== 'string') return bad('form.scenario', 'scenario text', 'The application scenario is text');
  const [v] = shareRequestViolations({ ...request, ...form } as unknown as ShareRequestForm, { fields: amendable, status: 'published' });
  return v ? { ...v, ...(v.field ? { field: `form.${v.field}` } : {}) } : null;
}

/**
 * What an applicant's reply changes of the request: the request as amended and, of each part it changes, the values
 * before and after; null when it changes nothing (no form, or the same values: the same data items in any order, where
 * a request or a reply naming none asks for all of `entryFields`; the same scenario but for surrounding blanks).
 */
export function shareAmendment(
  request: ShareRequestForm,
  form: Record<string, unknown> | null | undefined,
  entryFields: readonly string[],
): { form: ShareRequestForm; before: ShareAmendment; after: ShareAmendment } | null {
  const before: ShareAmendment = {};
  const after: ShareAmendment = {};
  const amended: ShareRequestForm = { ...request };
  const fields = form?.fields;
  if (Array.isArray(fields)) {
    // None named is all the entry's, as in a submission.
    const was = request.fields?.length ? request.fields : [...entryFields];
    const now = fields.length ? (fields as string[]) : [...entryFields];
    const same = was.length === now.length && now.every((f) => was.includes(f));
    if (!same) [before.fields, after.fields, amended.fields] = [was, now, fields as string[]];
  }
  const scenario = form?.scenario;
  if (typeof scenario === 'string' && scenario.trim() !== request.scenario.trim())
    [before.scenario, after.scenario, amended.scenario] = [request.scenario, scenario, scenario];
  return Object.keys(after).length ? { form: amended, before, after } : null;
}

/** How a refusal's basis is cited where the 条例 binds the request: 不予共享 rests on 法律、行政法规 or 国务院决定 (rules 4 and 6). */
export const REGULATION_REFUSAL_ARTICLE = `${REGULATION_SHARING_USE}（不予共享的依据）`;

/** The levels a refusal may cite on a request the 条例 binds (`regulated`), or on one the Measures alone govern. */
export function refusalBasisLevels(policy: Pick<SharePolicy, 'refusalBasisLevels'>, regulated: boolean): BasisLevel[] {
  const levels = policy.refusalBasisLevels ?? DEFAULT_SHARE_POLICY.refusalBasisLevels!;
  return [...(regulated ? levels.regulation : levels.measures)];
}

/**
 * A review task's context in runs past patched('refusal-basis'): the levels of legal basis a refusal on it may cite
 * (the policy's list for the 条例 where `regulation` is set beside it, the Measures' otherwise).
 */
export type RefusalContext = { refusalBasis?: BasisLevel[] };

/** The decisions that refuse a share request: the provider's opinion against it, the authority's conclusion. */
const REFUSALS = ['DISAGREE', 'REJECT'];

/**
 * 不予共享 cites its basis (Art. 13 ¶2; 条例 rules 4 and 6): a DISAGREE or a REJECT carries `form.basis`, provisions of
 * the levels its task's context accepts. Tasks opened before patched('refusal-basis') carry no such list and ask
 * nothing, so a history recorded before keeps replaying. The API's pre-check and the workflow's Update validator run it alike.
 */
export function refusalViolation({ decision, form, context }: Pick<DecisionAttempt, 'decision' | 'form' | 'context'>): RuleViolation | null {
  const ctx = (context ?? {}) as RefusalContext & RegulationContext;
  if (!REFUSALS.includes(decision) || !Array.isArray(ctx.refusalBasis)) return null;
  return basisViolation(form?.basis, ctx.refusalBasis, 'form.basis', ctx.regulation === true ? REGULATION_REFUSAL_ARTICLE : 'Art. 13');
}

/** 条例 (数据交付): how the provider delivers a grant's data. */
export const DELIVERY_METHODS = ['interface', 'file', 'database_view'] as const;
export type DeliveryMethod = (typeof DELIVERY_METHODS)[number];
export const DELIVERY_METHOD_NAMES: Record<DeliveryMethod, string> = { interface: '接口', file: '文件', database_view: '数据库视图' };

/** What the provider records as it delivers (the DELIVER decision's form). */
export interface DeliveryForm {
  method: DeliveryMethod;
  /** The interface's endpoint, the file's or the view's location. */
  location: string;
  /** The grant's fields delivered. */
  deliveredFields: string[];
}

/** A delivery task's context: the grant, its fields (what may be delivered) and, reopened, the grantee's problem. */
export type DeliveryContext = { grantId?: string; fields?: string[]; problem?: string };

/** Where a grant's delivery stands (条例, 数据交付): to be delivered (已批准待交付, until the grantee confirms), or delivered. */
export type DeliveryStatus = 'awaiting_delivery' | 'delivered';

const DELIVERY_ARTICLE = '《政务数据共享条例》数据交付';

/**
 * 条例 (数据交付): a delivery names its method, its endpoint or location, and the fields delivered, all of them the
 * grant's. The API's pre-check and the workflow's Update validator run it alike; only SHARE_DELIVERY tasks, which
 * exist only in runs past patched('share-delivery'), are ever asked.
 */
export function deliveryViolation({ decision, form, context }: Pick<DecisionAttempt, 'decision' | 'form' | 'context'>): RuleViolation | null {
  if (decision !== 'DELIVER') return null;
  const f = (form ?? {}) as Partial<Record<keyof DeliveryForm, unknown>>;
  const bad = (field: string, rule: string, detail: string): RuleViolation => ({
    code: 'InvalidInput',
    field: `form.${field}`,
    rule,
    article: DELIVERY_ARTICLE,
    detail,
  });
  if (typeof f.method !== 'string' || !(DELIVERY_METHODS as readonly string[]).includes(f.method))
    return bad('method', `one of ${DELIVERY_METHODS.join(', ')}`, `Say how the data is delivered: ${DELIVERY_METHODS.join(', ')} (数据交付)`);
  if (typeof f.location !== 'string' || blankText(f.location))
    return bad('location', 'required', 'Say where the data is delivered: the endpoint or the location (数据交付)');
  const granted = ((context ?? {}) as DeliveryContext).fields ?? [];
  const fields = Array.isArray(f.deliveredFields) ? (f.deliveredFields as unknown[]) : [];
  if (fields.length === 0 || !fields.every((x) => typeof x === 'string' && granted.includes(x)))
    return bad('deliveredFields', 'fields of the grant', `Name the fields delivered, each one of the grant's: ${granted.join(', ')} (数据交付)`);
  return null;
}

/** How the 条例's usage records are cited: the grantee keeps them, the provider and the authority read them (rule 13 of the notes). */
export const USAGE_RECORDS_ARTICLE = `${REGULATION_SHARING_USE}（使用记录）; Art. 15`;

/** One use of shared data: who used it (a person's name), when, for which purpose. */
export interface UsageRecord {
  user: string;
  usedAt: string;
  purpose: string;
}

/** FILE's form: the period's records, or that the data was not used in it (`noUse`, no records). */
export interface UsageReportForm {
  records?: UsageRecord[];
  noUse?: boolean;
}

/** The period a usage report covers, as its task's context carries it: [from, to), and its quarter's label (none for a trial cadence). */
export interface UsagePeriod {
  from: string;
  to: string;
  label: string | null;
}

export const MAX_USAGE_RECORDS = 500;

/**
 * The period a report falls due for, starting at `from`: to the end of its quarter in Asia/Shanghai, or, for a
 * duration (trials), that long. Null: no reports.
 */
export function usagePeriodFrom(from: Date, cadence: UsageReportCadence | undefined): UsagePeriod | null {
  const c = cadence ?? DEFAULT_SHARE_POLICY.usageReport!;
  if (c === 'none') return null;
  if (c === 'quarterly') {
    const q = quarterOf(from);
    return { from: from.toISOString(), to: q.end.toISOString(), label: q.label };
  }
  if ('seconds' in c) return { from: from.toISOString(), to: new Date(from.getTime() + c.seconds * 1000).toISOString(), label: null };
  // A cadence in days or working days is not a calendar period: quarterly is what the 条例's practice asks.
  const q = quarterOf(from);
  return { from: from.toISOString(), to: q.end.toISOString(), label: q.label };
}

/**
 * 条例 (使用记录): a usage report lists who used the data, when (within the report's period, not in the future) and for
 * which purpose, at least one use; or says, with no records, that the data was not used in the period. The API's
 * pre-check and the workflow's Update validator run it alike (only SHARE_USAGE_REPORT tasks, which exist only in runs
 * past patched('usage-reports'), are asked).
 */
export function usageReportViolation({ decision, form, context }: Pick<DecisionAttempt, 'decision' | 'form' | 'context'>): RuleViolation | null {
  if (decision !== 'FILE') return null;
  const f = (form ?? {}) as Partial<Record<keyof UsageReportForm, unknown>>;
  const bad = (field: string, rule: string, detail: string): RuleViolation => ({
    code: 'InvalidInput',
    field: `form.${field}`,
    rule,
    article: USAGE_RECORDS_ARTICLE,
    detail,
  });
  const records = f.records === undefined ? [] : f.records;
  if (!Array.isArray(records) || records.length > MAX_USAGE_RECORDS)
    return bad('records', `at most ${MAX_USAGE_RECORDS} records`, `List the uses, at most ${MAX_USAGE_RECORDS} (使用记录)`);
  if (f.noUse !== undefined && typeof f.noUse !== 'boolean') return bad('noUse', 'true or false', 'Say whether the data was not used in the period');
  if (f.noUse === true)
    return records.length ? bad('noUse', 'no records with noUse', 'Either list the uses or say the data was not used, not both (使用记录)') : null;
  if (!records.length)
    return bad('records', 'at least one record, or noUse', 'List who used the data, when and for which purpose, or say it was not used (使用记录)');
  const period = ((context ?? {}) as { period?: UsagePeriod }).period;
  for (const [i, r] of (records as unknown[]).entries()) {
    const x = (r && typeof r === 'object' ? r : {}) as Partial<Record<keyof UsageRecord, unknown>>;
    if (typeof x.user !== 'string' || blankText(x.user) || x.user.length > 200)
      return bad(`records.${i}.user`, 'a name', 'Name the person who used the data (使用记录)');
    if (typeof x.purpose !== 'string' || blankText(x.purpose) || x.purpose.length > 1000)
      return bad(`records.${i}.purpose`, 'required', 'Say for which purpose the data was used (使用记录)');
    const at = typeof x.usedAt === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(x.usedAt) ? Date.parse(x.usedAt) : NaN;
    if (Number.isNaN(at)) return bad(`records.${i}.usedAt`, 'ISO 8601 date-time', 'Say when the data was used, as a date and time (使用记录)');
    if (period && (at < Date.parse(period.from) || at >= Date.parse(period.to)))
      return bad(`records.${i}.usedAt`, 'within the period', 'A use is reported for the period it fell in (使用记录)');
  }
  return null;
}

/** How the 条例's extension of an answer is cited: its summaries place it in the chapter 共享使用 (rule 8 of the notes). */
export const EXTENSION_ARTICLE = `${REGULATION_SHARING_USE}（延长答复期限）`;

/** What the provider asks as it asks to extend its answer (the requestExtension Update's and the route's body). */
export interface ExtensionAsk {
  workingDays: number;
  reason: string;
}

/**
 * The provider's ask as the head's approval task carries it (its context: what a person reads, no ids of tasks), and as
 * the workflow applies it once approved to the round's opinion, if still open.
 */
export type ExtensionContext = ExtensionAsk & { requestedBy: string };

/** The longest the provider may ask for at once (the policy's cap may grant less). */
export const MAX_PROVIDER_EXTENSION_WORKING_DAYS = 30;

/**
 * 延长答复期限 (条例, 共享使用; rule 8): where the 条例 binds the request (its opinion task opened with `regulation`), the
 * provider's reviewer who may act on the opinion task (`access`: domain/tasks.ts actViolation) asks once per request
 * (`asked`), for whole working days, with a reason; the head of its 政务数据共享工作机构 then approves or refuses. The
 * API's pre-check and the workflow's Update validator run it alike.
 */
/** Whether the provider's opinion task, opened with `context`, offers its extension: where the 条例 binds the request. */
const extensionOffered = (context: Record<string, unknown> | null | undefined) => (context as RegulationContext | null | undefined)?.regulation === true;

export function providerExtensionViolation(ask: {
  task: { kind: string; context?: Record<string, unknown> | null };
  access: ErrorCode | null;
  /** The actor holds the task as the head added on escalation: the one who approves an extension does not ask for it. */
  asHead?: boolean;
  asked: boolean;
  workingDays: unknown;
  reason: unknown;
}): RuleViolation | null {
  if (ask.task.kind !== 'SHARE_PROVIDER_OPINION' || !extensionOffered(ask.task.context))
    return {
      code: 'ExtensionNotAvailable',
      rule: '条例',
      article: EXTENSION_ARTICLE,
      detail: "Only the provider's opinion on a request the 《政务数据共享条例》 binds may be extended this way (a supervisor extends any task, Art. 32)",
    };
  if (ask.access)
    return { code: ask.access, detail: 'Only a reviewer of the providing agency who may give this opinion asks to extend it', article: EXTENSION_ARTICLE };
  if (ask.asHead)
    return {
      code: 'ExtensionNotAvailable',
      rule: '负责人审批延期',
      article: EXTENSION_ARTICLE,
      detail: 'The head of sharing work approves an extension and does not ask for one: the task escalated to you, give the opinion',
    };
  if (ask.asked)
    return {
      code: 'ExtensionAlreadyAsked',
      rule: '延期申请一次',
      article: EXTENSION_ARTICLE,
      detail: 'The providing agency has already asked once to extend its answer on this request (《政务数据共享条例》共享使用): give the opinion',
    };
  const days = ask.workingDays;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > MAX_PROVIDER_EXTENSION_WORKING_DAYS)
    return {
      code: 'InvalidInput',
      field: 'workingDays',
      rule: 'working days',
      article: EXTENSION_ARTICLE,
      detail: `Ask for 1 to ${MAX_PROVIDER_EXTENSION_WORKING_DAYS} whole working days`,
    };
  if (typeof ask.reason !== 'string' || blankText(ask.reason))
    return { code: 'ReasonRequired', field: 'reason', rule: 'reason required', article: EXTENSION_ARTICLE, detail: 'Say why the answer needs more time' };
  return null;
}

/** How far an approved extension moves the answer's due time: what was asked, at most the policy's cap (a cap in other units, as trials set it, is the length). */
export function providerExtensionLength(asked: number, cap: Duration | undefined): Duration {
  const c = cap ?? DEFAULT_SHARE_POLICY.providerExtensionCap!;
  return 'workingDays' in c ? { workingDays: Math.min(asked, c.workingDays) } : c;
}

/** The share procedure's task kinds. */
export const SHARE_TASK_KINDS = {
  // Art. 14 as it reads: the city authority leads and concludes (会同 … 进行审核), the provider gives its opinion.
  SHARE_JOINT_REVIEW: {
    article: 'Art. 14',
    name: '会同审核（大数据主管部门）',
    decisions: {
      APPROVE: decision('同意', false),
      REJECT: decision('不同意', true),
      REQUEST_INFO: decision('要求补充材料', true),
      CONSULT: decision('征询提供单位', true),
    },
    rule: (attempt) => oneTimeNoticeViolation(attempt) ?? refusalViolation(attempt) ?? jointReviewViolation(attempt),
  },
  SHARE_PROVIDER_OPINION: {
    article: 'Art. 14',
    name: '提供单位审核意见',
    decisions: { AGREE: decision('同意', false), DISAGREE: decision('不同意', true), REQUEST_INFO: decision('要求补充材料', true) },
    rule: (attempt) => oneTimeNoticeViolation(attempt) ?? refusalViolation(attempt),
    // 条例 (延长答复期限): the provider may ask once to extend its answer (providerExtensionViolation).
    extensionOffered,
  },
  // The reply's text travels as the decision's reason: it is what the reviewers asked for.
  // Past patched('share-reply-amends') its form may amend the request (amendmentViolation): a changed request opens the
  // next round without the one-time notice's mark.
  SHARE_APPLICANT_REPLY: { article: 'Art. 15', name: '补充材料', decisions: { REPLY: decision('答复', true) }, rule: amendmentViolation },
  // The providing agency asked to end a grant (its ground and reason in the context): the city authority's consent ends it (Art. 14).
  GRANT_REVOCATION_CONSENT: {
    article: 'Art. 14',
    name: '提供单位申请终止共享（主管部门同意）',
    decisions: { CONSENT: decision('同意终止共享', false), REFUSE: decision('不同意终止共享', true) },
  },
  // 条例 (数据交付): the provider delivers a grant's data, recording how; reopened with the grantee's problem.
  // The kinds rest on the Measures' sharing article (Art. 14, the grant the data is delivered under); the 条例's
  // delivery rule itself is cited by deliveryViolation and docs/regulation.md.
  SHARE_DELIVERY: {
    article: 'Art. 14',
    name: '数据交付',
    decisions: { DELIVER: decision('已交付', false) },
    rule: deliveryViolation,
  },
  // The grantee confirms receipt, or reports a problem (its reason reopens delivery).
  SHARE_DELIVERY_CONFIRMATION: {
    article: 'Art. 14',
    name: '确认接收',
    decisions: { CONFIRM: decision('确认接收', false), REPORT_PROBLEM: decision('反馈问题', true) },
  },
  // 条例 (延长答复期限): the head of the provider's 政务数据共享工作机构 approves or refuses its ask (in the context). The
  // kind rests on Art. 14, the review the opinion belongs to; providerExtensionViolation cites the 条例.
  SHARE_EXTENSION_APPROVAL: {
    article: 'Art. 14',
    name: '延长答复期限审批（共享工作机构负责人）',
    decisions: { APPROVE: decision('同意延期', false), REFUSE: decision('不同意延期', true) },
  },
  // Onward provision to a third party (issue 24 §6), where the policy follows the 条例: the providing agency consents or
  // refuses (with its reason) the grantee's ask (its third party, purpose and fields in the context). The kind rests on
  // Art. 15 (the rule on third parties); onwardProvisionViolation cites the 条例 for the consent route.
  SHARE_ONWARD_PROVISION: {
    article: 'Art. 15',
    name: '向第三方提供（提供单位同意）',
    decisions: { CONSENT: decision('同意向第三方提供', false), REFUSE: decision('不同意向第三方提供', true) },
  },
  // 条例 (使用记录): the grantee files who used the data, when and for which purpose, each period while the grant is active.
  // The kind rests on Art. 15 (use bound to the purpose); usageReportViolation cites the 条例.
  SHARE_USAGE_REPORT: {
    article: 'Art. 15',
    name: '报送使用记录',
    decisions: { FILE: decision('报送', false) },
    rule: usageReportViolation,
  },
} satisfies Record<string, TaskKindRule>;

/** Conditional sharing between agencies (Art. 12–15). */
export const SHARE_PROCEDURE = defineProcedure({
  type: 'share',
  name: '数据共享申请',
  articles: ['Art. 12', 'Art. 13', 'Art. 14', 'Art. 15'],
  workflowType: 'shareRequestWorkflow',
  startRoute: '/share-requests',
  caseCode: 'GX',
  startedBy: SHARE_STARTED_BY,
  // A granted share request is agreed to be shared.
  statusNames: { granted: '已同意共享' },
  taskKinds: SHARE_TASK_KINDS,
  fields: {
    catalogEntryId: CATALOG_ENTRY_ID_FIELD,
    scenario: field('应用场景'),
    statutoryDuty: field('法定职责或公共服务', '申请的数据用于履行的法定职责或者提供的公共服务'),
    fields: REQUESTED_FIELDS_FIELD,
    commitment: field('承诺', '对申请的真实性、合规性、安全性作出承诺'),
    'commitment.authenticity': field('真实性'),
    'commitment.compliance': field('合规性'),
    'commitment.security': field('安全性'),
    // REQUEST_INFO's form (一次性告知): every missing item at once.
    missing: field('需补充的材料', '一次性列明全部需补充的材料'),
    'missing.item': field('缺少的材料'),
    'missing.reason': field('需要的理由'),
    // DISAGREE's and REJECT's form (不予共享的依据).
    basis: field('不予共享的依据', '写明所依据的法律、法规等的名称和条款'),
    'basis.level': field('层级'),
    'basis.title': field('名称', '如：中华人民共和国个人信息保护法'),
    'basis.article': field('条款', '如：第二十八条'),
    // DELIVER's form (数据交付).
    method: field('交付方式'),
    location: field('接口地址或存放位置'),
    deliveredFields: field('交付的数据项', '从共享许可的数据项中选择'),
    // FILE's form (使用记录).
    records: field('使用记录', '本期每次使用数据的使用人、时间和用途'),
    'records.user': field('使用人'),
    'records.usedAt': field('使用时间'),
    'records.purpose': field('用途'),
    noUse: field('本期未使用数据', '本期未使用共享数据时勾选，不填使用记录'),
  },
  values: { method: DELIVERY_METHOD_NAMES, 'basis.level': BASIS_LEVEL_NAMES },
  policy: DEFAULT_SHARE_POLICY,
});

/** How a renewal is cited: asked by the grantee before expiry, reviewed as a new conditional request (条例 共享使用; Art. 14, 15). */
export const RENEWAL_ARTICLE = '《政务数据共享条例》共享使用（续期）; Art. 14, 15';

/** The statuses of a share request still being decided: a renewal in one of them is pending. */
export const PENDING_SHARE_STATUSES = ['submitted', 'in_review', 'awaiting_applicant'] as const;

/** A grant as a renewal of it is judged: whose it is, whether it runs, and the renewal already asked (its request), if any. */
export interface RenewalFacts {
  granteeOrg: string;
  status: 'active' | 'expired' | 'revoked';
  expiresAt: string;
  /** The city authority consented to ending it (its stop scheduled, 条例): no renewal of a grant that is being stopped. */
  stopping: boolean;
  /** A renewal of it still being decided (its request id), or null. */
  pending: string | null;
}

/**
 * Why `actor` may not ask to renew this grant now, or null: the grantee's applicant, an active grant before its expiry
 * (none whose stop was consented to), one renewal at a time. The API and the workflow (as it starts) both ask it.
 */
export function renewalViolation(actor: Actor, grant: RenewalFacts, now: number = Date.now()): RuleViolation | null {
  if (actor.org !== grant.granteeOrg || !actor.roles.includes('agency_applicant'))
    return { code: 'Forbidden', rule: 'grantee applicant', article: RENEWAL_ARTICLE, detail: "Only the grantee's applicant asks to renew its grant" };
  if (grant.status !== 'active' || Date.parse(grant.expiresAt) <= now)
    return {
      code: 'RequestNotActive',
      rule: 'active grant before expiry',
      article: RENEWAL_ARTICLE,
      detail: 'Only an active grant is renewed, before it expires',
    };
  if (grant.stopping)
    return {
      code: 'RequestNotActive',
      rule: 'no stop scheduled',
      article: RENEWAL_ARTICLE,
      detail: 'The city big data authority consented to ending this grant: it is not renewed',
    };
  if (grant.pending)
    return {
      code: 'RenewalPending',
      rule: 'one renewal at a time',
      article: RENEWAL_ARTICLE,
      detail: `A renewal of this grant is already being decided (request ${grant.pending})`,
    };
  return null;
}

/** What the applicant may change when asking a renewal: the purpose (应用场景) and the duty served; the commitment is given again. */
export interface RenewalEdit {
  scenario?: string;
  statutoryDuty?: string;
  commitment: ShareRequestForm['commitment'];
}

/**
 * A renewal's form, pre-filled from the grant and the request that created it: the same entry and fields (the entry's
 * conditions apply again as the grant is created), the grant's purpose and the duty served unless the applicant edits them.
 */
export function renewalForm(
  grant: { catalogEntryId: string; fields: string[]; purpose: string },
  original: Partial<ShareRequestForm>,
  edit: RenewalEdit,
): ShareRequestForm {
  return {
    catalogEntryId: grant.catalogEntryId,
    scenario: edit.scenario?.trim() || grant.purpose,
    statutoryDuty: edit.statutoryDuty?.trim() || original.statutoryDuty || '',
    fields: [...grant.fields],
    commitment: { ...edit.commitment },
  };
}

/**
 * When a renewed grant's term starts: at the grant it renews' expiry when that grant still runs (approved before it ends:
 * no gap, no overlap), else at its own creation (the old one ended meanwhile: nothing to overlap). Undefined: now.
 */
export function renewedTermStart(renewed: { status: string; expiresAt: string } | undefined, now: number): string | undefined {
  if (!renewed || renewed.status !== 'active' || Date.parse(renewed.expiresAt) <= now) return undefined;
  return renewed.expiresAt;
}

/** How the consent route is cited: the 条例 lets a third party have the data with the provider's consent (rule 10 of the notes). */
export const ONWARD_CONSENT_ARTICLE = '《政务数据共享条例》共享使用（经提供单位同意向第三方提供）';

/**
 * Who may receive a grant's data onward (issue 24 §6): the consent route is the 条例's, and the 条例 governs sharing between
 * government departments (政务部门); anyone else stays under the Measures, whose Art. 15 forbids giving shared data to a third
 * party. So the third party is an organisation of the directory marked a government department. The API checks it against
 * the directory before asking the workflow; the workflow, as it opens the provider's task, names only such a third party.
 */
export function onwardThirdPartyViolation(org: string, found: { government_department: boolean } | undefined): RuleViolation | null {
  if (!found) return { code: 'InvalidInput', field: 'thirdPartyOrg', rule: 'exists', article: ONWARD_CONSENT_ARTICLE, detail: `No organisation ${org}` };
  if (!found.government_department)
    return {
      code: 'InvalidInput',
      field: 'thirdPartyOrg',
      rule: 'a government department',
      article: `${ONWARD_CONSENT_ARTICLE}; Art. 15`,
      detail:
        "The 条例's consent route reaches government departments (政务部门) alone; to any other organisation the Measures' Art. 15 forbids providing shared data",
    };
  return null;
}

/** The grantee's ask to provide a grant's data onward: to whom (an organisation of the directory), for what, which of the grant's fields. */
export interface OnwardProvisionAsk {
  thirdPartyOrg: string;
  purpose: string;
  fields: string[];
}

/**
 * Why `actor` may not ask to provide the grant's data to a third party, or null: the grantee's applicant, an active grant,
 * a policy that follows the 条例 (else Art. 15 forbids it), one ask at a time, another organisation than the parties, a
 * purpose, and fields among the grant's. The API and the workflow's validator both ask it (the API also checks that the
 * third party is a government department of the directory, onwardThirdPartyViolation; the workflow, as it opens the provider's task).
 */
export function onwardProvisionViolation(
  actor: Actor,
  grant: { granteeOrg: string; providerOrg: string; fields: readonly string[]; active: boolean; policy: OnwardProvision | undefined; pending: boolean },
  ask: Partial<Record<keyof OnwardProvisionAsk, unknown>>,
): RuleViolation | null {
  if (actor.org !== grant.granteeOrg || !actor.roles.includes('agency_applicant'))
    return { code: 'Forbidden', rule: 'grantee applicant', article: 'Art. 15', detail: "Only the grantee's applicant asks to provide its grant's data onward" };
  if (!grant.active) return { code: 'RequestNotActive', rule: 'active grant', article: 'Art. 15', detail: 'The grant is not active' };
  if (grant.policy !== 'provider_consent')
    return {
      code: 'OnwardProvisionForbidden',
      rule: 'Art. 15',
      article: 'Art. 15',
      detail:
        'Art. 15: the data shared may not be provided to a third party in any form unless a law or regulation provides otherwise (除法律、法规另有规定的外，不得以任何形式提供给第三方); this grant follows the Measures',
    };
  if (grant.pending)
    return {
      code: 'RequestNotActive',
      rule: 'one ask at a time',
      article: ONWARD_CONSENT_ARTICLE,
      detail: "The providing agency's consent to an onward provision of this grant is already awaited",
    };
  const org = ask.thirdPartyOrg;
  if (typeof org !== 'string' || blankText(org))
    return { code: 'InvalidInput', field: 'thirdPartyOrg', rule: 'required', article: ONWARD_CONSENT_ARTICLE, detail: 'Pick the third party' };
  if (org === grant.granteeOrg || org === grant.providerOrg)
    return {
      code: 'InvalidInput',
      field: 'thirdPartyOrg',
      rule: 'a third party',
      article: ONWARD_CONSENT_ARTICLE,
      detail: 'The third party is neither the grantee nor the providing agency',
    };
  if (typeof ask.purpose !== 'string' || blankText(ask.purpose))
    return {
      code: 'ReasonRequired',
      field: 'purpose',
      rule: 'reason required',
      article: ONWARD_CONSENT_ARTICLE,
      detail: 'Say for what the third party uses the data',
    };
  const fields = ask.fields;
  if (!Array.isArray(fields) || fields.length === 0 || fields.some((f) => typeof f !== 'string') || new Set(fields).size !== fields.length)
    return {
      code: 'InvalidInput',
      field: 'fields',
      rule: 'required',
      article: ONWARD_CONSENT_ARTICLE,
      detail: "Pick the grant's fields the third party is given",
    };
  const outside = (fields as string[]).filter((f) => !grant.fields.includes(f));
  if (outside.length)
    return {
      code: 'InvalidInput',
      field: 'fields',
      rule: "the grant's fields",
      article: ONWARD_CONSENT_ARTICLE,
      detail: `Only the grant's fields go onward; not granted: ${outside.join(', ')}`,
    };
  return null;
}
