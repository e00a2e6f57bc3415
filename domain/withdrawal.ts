// Withdrawal of opened data (Art. 21 ¶2: 认为开放的公共数据侵犯其合法权益的,有权…提出撤回数据的要求): anyone
// asks the providing agency to withdraw opened data; it may suspend the entry's openness at once while it
// reviews, then upholds (the whole entry, or the records named) or dismisses, with its reasons.
import type { RuleViolation } from './errors';
import { blankText } from './text';
import { CATALOG_ENTRY_ID_FIELD } from './catalog';
import { decision, defineProcedure, field, type DecisionAttempt, type TaskKindRule } from './procedure';
import type { Duration } from './types';

export interface WithdrawalForm {
  catalogEntryId: string;
  /** The records concerned, when the requester knows them. */
  records?: string;
  /** The lawful right the data infringes. */
  right: string;
  /** Why it infringes it. */
  reasons: string;
}

export type WithdrawalPolicy = {
  review: Duration;
  applicantReply: Duration;
  reminderBefore: Duration;
  /** How long past its due time the competent body's task still open is escalated: its supervising authority and its candidates told again (督办, Art. 32). */
  escalateAfter?: Duration;
  /** How soon after one urging (督办) a supervisor may urge the same task again (Art. 32). */
  urgeInterval?: Duration;
};

export const DEFAULT_WITHDRAWAL_POLICY: WithdrawalPolicy = {
  review: { workingDays: 15 },
  applicantReply: { workingDays: 15 },
  reminderBefore: { workingDays: 2 },
  escalateAfter: { workingDays: 5 },
  urgeInterval: { workingDays: 1 },
};

/** What a withdrawal request must say. */
export function withdrawalViolations(form: WithdrawalForm): RuleViolation[] {
  const out: RuleViolation[] = [];
  const bad = (field: string, detail: string) => out.push({ code: 'InvalidInput', field, rule: 'required', article: 'Art. 21', detail });
  if (blankText(form.right)) bad('right', 'A withdrawal names the lawful right the data infringes (Art. 21 ¶2)');
  if (blankText(form.reasons)) bad('reasons', 'A withdrawal says why the data infringes it (Art. 21 ¶2)');
  return out;
}

/** Whether an entry's data is opened, so that its withdrawal may be asked for. */
export function isOpened(entry: { open_attribute: string; open_status: string }): boolean {
  return entry.open_attribute !== 'NONE' && entry.open_status !== 'withdrawn';
}

/** UPHOLD's form: the whole entry's openness withdrawn, or only the records named. */
export const UPHOLD_SCOPES = ['entry', 'records'] as const;
export type UpholdScope = (typeof UPHOLD_SCOPES)[number];
const UPHOLD_SCOPE_NAMES: Record<UpholdScope, string> = { entry: '撤回该条目的开放', records: '撤回所列记录' };

function upholdRule({ decision, form }: DecisionAttempt): RuleViolation | null {
  if (decision !== 'UPHOLD') return null;
  return UPHOLD_SCOPES.includes(form?.scope as UpholdScope)
    ? null
    : {
        code: 'InvalidInput',
        field: 'form.scope',
        rule: 'entry or records',
        article: 'Art. 21',
        detail: 'UPHOLD says what is withdrawn: { scope: "entry" } or { scope: "records" }',
      };
}

/** The withdrawal's task kinds. */
export const WITHDRAWAL_TASK_KINDS = {
  // The providing agency: SUSPEND the entry's openness now and go on reviewing, or conclude.
  WITHDRAWAL_REVIEW: {
    article: 'Art. 21',
    name: '撤回开放数据申请审核',
    decisions: {
      SUSPEND: decision('暂停开放', true),
      UPHOLD: decision('撤回', true),
      DISMISS: decision('驳回', true),
      REQUEST_INFO: decision('要求补充材料', true),
    },
    rule: upholdRule,
  },
  // The requester answers what the agency asked; the text travels as the reason.
  WITHDRAWAL_APPLICANT_REPLY: { article: 'Art. 21', name: '撤回开放数据申请补充材料', decisions: { REPLY: decision('答复', true) } },
} satisfies Record<string, TaskKindRule>;

/** A request to withdraw open data that infringes someone's rights (Art. 21 ¶2). */
export const WITHDRAWAL_PROCEDURE = defineProcedure({
  type: 'withdrawal',
  name: '撤回开放数据申请',
  articles: ['Art. 21'],
  workflowType: 'withdrawalWorkflow',
  startRoute: '/withdrawals',
  caseCode: 'CH',
  startedBy: ['public_applicant', 'agency_applicant'],
  taskKinds: WITHDRAWAL_TASK_KINDS,
  // The request as it starts; UPHOLD's form.
  fields: {
    catalogEntryId: CATALOG_ENTRY_ID_FIELD,
    records: field('涉及的记录', '知道具体记录的，列明'),
    right: field('受侵害的合法权益'),
    reasons: field('理由', '开放的数据如何侵犯该权益'),
    scope: field('撤回范围'),
  },
  values: { scope: UPHOLD_SCOPE_NAMES },
  policy: DEFAULT_WITHDRAWAL_POLICY,
});
