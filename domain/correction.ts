// Error correction (Art. 11: 建立公共数据校核纠错机制): whoever uses shared or opened data reports an error in an
// entry's data; the providing agency verifies it and answers in time, correcting it or saying why it is not an
// error. Reports of one entry are read together, by the agency and the city authority over it.
import { isCalendarDay } from './calendar';
import type { RuleViolation } from './errors';
import { blankText } from './text';
import { CATALOG_ENTRY_ID_FIELD } from './catalog';
import { decision, defineProcedure, field, type DecisionAttempt, type TaskKindRule } from './procedure';
import type { Duration } from './types';

/** An attachment the reporter holds: named, and identified by the SHA-256 of its bytes. */
export interface Evidence {
  name: string;
  sha256: string;
}

export interface CorrectionForm {
  catalogEntryId: string;
  /** The data items concerned (the entry's field names), when known. */
  items?: string[];
  /** The records concerned, when known. */
  records?: string;
  /** What is wrong. */
  problem: string;
  evidence?: Evidence[];
}

export type CorrectionPolicy = {
  /** The agency's verification: the Measures name no figure; 10 working days, a policy value. */
  verification: Duration;
  reporterReply: Duration;
  reminderBefore: Duration;
  /** How long past its due time the competent body's task still open is escalated: its supervising authority and its candidates told again (督办, Art. 32). */
  escalateAfter?: Duration;
  /** How soon after one urging (督办) a supervisor may urge the same task again (Art. 32). */
  urgeInterval?: Duration;
};

export const DEFAULT_CORRECTION_POLICY: CorrectionPolicy = {
  verification: { workingDays: 10 },
  reporterReply: { workingDays: 10 },
  reminderBefore: { workingDays: 2 },
  escalateAfter: { workingDays: 5 },
  urgeInterval: { workingDays: 1 },
};

export const MAX_EVIDENCE = 10;
const SHA256 = /^[0-9a-f]{64}$/;

/** What a report must say: the problem, items of the entry (`fieldNames`, when the entry is known), evidence named and hashed. */
export function correctionViolations(form: CorrectionForm, fieldNames?: readonly string[]): RuleViolation[] {
  const out: RuleViolation[] = [];
  const bad = (field: string, rule: string, detail: string) => out.push({ code: 'InvalidInput', field, rule, article: 'Art. 11', detail });
  if (blankText(form.problem)) bad('problem', 'required', 'A report says what is wrong with the data (Art. 11)');
  for (const [i, item] of (form.items ?? []).entries())
    if (fieldNames && !fieldNames.includes(item)) bad(`items.${i}`, 'a data item of the entry', `${item} is no data item of entry ${form.catalogEntryId}`);
  const evidence = form.evidence ?? [];
  if (evidence.length > MAX_EVIDENCE) bad('evidence', `at most ${MAX_EVIDENCE}`, `A report carries at most ${MAX_EVIDENCE} attachments`);
  for (const [i, e] of evidence.entries()) {
    if (blankText(e?.name)) bad(`evidence.${i}.name`, 'required', 'An attachment is named');
    if (typeof e?.sha256 !== 'string' || !SHA256.test(e.sha256))
      bad(`evidence.${i}.sha256`, 'sha256', 'An attachment is identified by the SHA-256 of its bytes: 64 hex digits');
  }
  return out;
}

/** Whether the entry's data is open to anyone: open without conditions, and published (Art. 16, 17). */
export const openToAll = (entry: { open_attribute: string; open_status: string }) =>
  entry.open_attribute === 'UNCONDITIONAL' && entry.open_status === 'published';

/**
 * Who reports an error is someone using the data: an agency's applicant whose organisation holds a grant of
 * the entry in force (shared to it), or a member of the public when the data is open to all or they are the
 * licensee of an agreement in force for it. What the reporter's roles and the database say, weighed here.
 */
export function reporterViolation(p: {
  entryId: string;
  roles: readonly string[];
  grantHeld: boolean;
  openToAll: boolean;
  licensee: boolean;
}): RuleViolation | null {
  if (p.roles.includes('agency_applicant') && p.grantHeld) return null;
  if (p.roles.includes('public_applicant') && (p.openToAll || p.licensee)) return null;
  return {
    code: 'Forbidden',
    field: 'catalogEntryId',
    rule: 'a user of the data',
    article: 'Art. 11',
    detail: `An error in entry ${p.entryId} is reported by those using its data: an agency holding a grant of it in force, or, for the public, data open to all or an agreement in force`,
  };
}

const violation = (field: string, rule: string, detail: string): RuleViolation => ({ code: 'InvalidInput', field, rule, article: 'Art. 11', detail });

/**
 * The verification's rule: the reporter is asked for information once (a second REQUEST_INFO is refused);
 * a correction says what changed, and when it is published as a calendar day.
 */
function verificationRule({ decision, tasks, form }: DecisionAttempt): RuleViolation | null {
  if (decision === 'REQUEST_INFO' && tasks.some((t) => t.kind === 'CORRECTION_VERIFICATION' && t.decision === 'REQUEST_INFO'))
    return violation(
      'decision',
      'information requested once',
      'The reporter was asked for information once already: correct the data, or say why it is no error',
    );
  if (decision !== 'CORRECTED') return null;
  if (blankText(form?.corrected) || (form!.corrected as string).length > 4000)
    return violation('form.corrected', 'required', 'A correction says what changed: { corrected: "…" } (at most 4000 characters)');
  if (form!.publishedAt !== undefined && (typeof form!.publishedAt !== 'string' || !isCalendarDay(form!.publishedAt)))
    return violation('form.publishedAt', 'a calendar day', 'publishedAt is the day the corrected data is (or was) published: YYYY-MM-DD');
  return null;
}

/** The error correction's task kinds. */
export const CORRECTION_TASK_KINDS = {
  // The providing agency verifies the report: corrects the data, finds no error (its reasons), or asks once.
  CORRECTION_VERIFICATION: {
    article: 'Art. 11',
    name: '纠错核实',
    decisions: {
      CORRECTED: decision('已更正', false),
      NOT_AN_ERROR: decision('不属于错误', true),
      REQUEST_INFO: decision('要求补充材料', true),
    },
    rule: verificationRule,
  },
  // The reporter answers what the agency asked; the text travels as the reason.
  CORRECTION_REPORTER_REPLY: { article: 'Art. 11', name: '纠错补充材料', decisions: { REPLY: decision('答复', true) } },
} satisfies Record<string, TaskKindRule>;

/** A report of an error in shared or opened data, verified by the agency providing it (Art. 11). */
export const CORRECTION_PROCEDURE = defineProcedure({
  type: 'correction',
  name: '数据校核纠错',
  articles: ['Art. 11'],
  workflowType: 'correctionWorkflow',
  startRoute: '/corrections',
  caseCode: 'JC',
  startedBy: ['agency_applicant', 'public_applicant'],
  statusNames: { in_review: '核实中', awaiting_applicant: '待补充材料', upheld: '已更正', dismissed: '不属于错误' },
  taskKinds: CORRECTION_TASK_KINDS,
  fields: {
    catalogEntryId: CATALOG_ENTRY_ID_FIELD,
    items: field('涉及的数据项', '知道具体数据项的，列明'),
    records: field('涉及的记录', '知道具体记录的，列明'),
    problem: field('问题描述', '数据哪里有误'),
    evidence: field('证明材料', '附件名称及其 SHA-256，至多 10 个'),
    'evidence.name': field('附件名称'),
    'evidence.sha256': field('附件 SHA-256'),
    corrected: field('更正内容'),
    publishedAt: field('更正发布日期', '更正后的数据发布（或已发布）之日'),
    // REQUEST_INFO's form (一次性告知): every missing item at once.
    missing: field('需补充的材料', '一次性列明全部需补充的材料'),
    'missing.item': field('缺少的材料'),
    'missing.reason': field('需要的理由'),
  },
  values: {},
  policy: DEFAULT_CORRECTION_POLICY,
});
