// Conditional open application (Art. 17, 20): a citizen or organisation applies to use data the catalog opens
// on conditions; the providing agency decides; approval yields the 公共数据开放利用协议, which the applicant
// signs, the agency countersigns, and the authority of the agency's own level is told of (告知).
import { basisText, CATALOG_ENTRY_ID_FIELD, REQUESTED_FIELDS_FIELD, type LegalBasis } from './catalog';
import { shanghaiDate } from './calendar';
import type { ErrorCode, RuleViolation } from './errors';
import { blankText } from './text';
import { ON_BEHALF_OF_FIELD } from './principals';
import { decision, defineProcedure, field, type DecisionAttempt, type TaskKindRule } from './procedure';
import { sameApplicant, type Actor, type Duration } from './types';

/** How the data is reached: always through the unified open platform (Art. 16), in one of its ways. */
export const ACCESS_METHODS = ['download', 'api', 'sandbox'] as const;
export type AccessMethod = (typeof ACCESS_METHODS)[number];
export const ACCESS_METHOD_NAMES: Record<AccessMethod, string> = { download: '数据下载', api: '接口调用', sandbox: '数据沙箱(可用不可见)' };

/** The unified open platform (Art. 16) unless configured (OPEN_PLATFORM_URL): a placeholder, as each city has its own. */
export const DEFAULT_OPEN_PLATFORM_URL = 'https://open-data.example.org';

/** An agreement's statuses as its documents name them. */
export const AGREEMENT_STATUS_NAMES = {
  awaiting_signature: '待签署',
  awaiting_countersignature: '待提供单位签署',
  in_force: '生效中',
  lapsed: '逾期未签',
  declined: '已拒签',
  cancelled: '已撤回',
  expired: '已到期',
  terminated: '已终止',
} as const;

/** The longest term an application may ask for, in months. */
export const MAX_TERM_MONTHS = 36;

export interface OpenRequestForm {
  catalogEntryId: string;
  purpose: string;
  /** The scenario the data is used in (应用场景). */
  scenario: string;
  /** The fields asked for; all the entry's fields when absent. */
  fields?: string[];
  accessMethod: AccessMethod;
  /** The security measures the applicant commits to (Art. 25, 29). */
  securityMeasures: string;
  termMonths: number;
}

export type OpenRequestPolicy = {
  /** The agency's decision (10 working days), extendable once by `extension` with a reason. */
  review: Duration;
  extension: Duration;
  applicantReply: Duration;
  /** The applicant's signature: unsigned by then, the agreement lapses. */
  signature: Duration;
  countersignature: Duration;
  /** How often the licensee reports on its use (default every 91 days, i.e. quarterly), and the time it has to. */
  reportEvery: Duration;
  reportWindow: Duration;
  reminderBefore: Duration;
  /** How long past its due time the competent body's task still open is escalated: its supervising authority and its candidates told again (督办, Art. 32). */
  escalateAfter?: Duration;
  /** How soon after one urging (督办) a supervisor may urge the same task again (Art. 32). */
  urgeInterval?: Duration;
  /** How long a month of an agreement's term lasts: a calendar month unless given (tests give seconds, e.g. OPEN_REQUEST_POLICY={"termMonth":{"seconds":60}}). */
  termMonth?: { seconds: number };
};

export const DEFAULT_OPEN_REQUEST_POLICY: OpenRequestPolicy = {
  review: { workingDays: 10 },
  extension: { workingDays: 10 },
  applicantReply: { workingDays: 15 },
  signature: { workingDays: 10 },
  countersignature: { workingDays: 5 },
  reportEvery: { days: 91 },
  reportWindow: { workingDays: 10 },
  reminderBefore: { workingDays: 2 },
  escalateAfter: { workingDays: 5 },
  urgeInterval: { workingDays: 1 },
};

/** What an application must say. */
export function openRequestViolations(form: OpenRequestForm): RuleViolation[] {
  const out: RuleViolation[] = [];
  const bad = (field: string, rule: string, detail: string) => out.push({ code: 'InvalidInput', field, rule, article: 'Art. 20', detail });
  if (blankText(form.purpose)) bad('purpose', 'required', 'An application says what the data is used for (Art. 20)');
  if (blankText(form.scenario)) bad('scenario', 'required', 'An application names the scenario it is used in (Art. 20)');
  if (blankText(form.securityMeasures))
    bad('securityMeasures', 'required', 'An application states the security measures its applicant commits to (Art. 20, 25)');
  if (!ACCESS_METHODS.includes(form.accessMethod))
    bad('accessMethod', 'one of download, api, sandbox', 'The data is reached through the unified open platform by download, API or sandbox (Art. 16)');
  if (!Number.isInteger(form.termMonths) || form.termMonths < 1 || form.termMonths > MAX_TERM_MONTHS)
    bad('termMonths', `1 to ${MAX_TERM_MONTHS}`, `The term asked for is 1 to ${MAX_TERM_MONTHS} months`);
  if (form.fields !== undefined && (!Array.isArray(form.fields) || form.fields.some((f) => typeof f !== 'string')))
    bad('fields', 'field names', "The fields asked for are the entry's field names");
  return out;
}

export interface OpenEntry {
  id: string;
  title: string;
  providerOrgId: string;
  openAttribute: string;
  openStatus: string;
  openConditions: string | null;
  openBasis: LegalBasis[];
  fields: string[];
}

/**
 * Why the data of `entry` is not open now, or null: its openness suspended (no application taken, no agreement
 * signed until it is published again) or withdrawn, the entry removed included (Art. 21), or the entry not
 * opened (不予开放: its basis, Art. 17). An application and each signature of an agreement ask it.
 */
export function opennessRefusal(entry: Pick<OpenEntry, 'id' | 'openAttribute' | 'openStatus' | 'openBasis'>): RuleViolation | null {
  if (entry.openStatus === 'suspended')
    return {
      code: 'RequestNotActive',
      rule: 'openness not suspended',
      article: 'Art. 21',
      detail: `The openness of entry ${entry.id} is suspended: no application is taken and no agreement signed until it is published again (Art. 21)`,
    };
  if (entry.openStatus === 'withdrawn')
    return {
      code: 'RequestNotActive',
      rule: 'openness not withdrawn',
      article: 'Art. 21',
      detail: `The openness of entry ${entry.id} has been withdrawn (Art. 21)`,
    };
  if (entry.openAttribute === 'NONE')
    return {
      code: 'NotOpen',
      rule: 'opened',
      article: 'Art. 17',
      detail: `Entry ${entry.id} is not opened (不予开放); its basis: ${basisText(entry.openBasis) ?? 'none recorded'} (Art. 17)`,
    };
  return null;
}

/**
 * Why `entry` takes no conditional open application now, or null: its data not open (opennessRefusal), open
 * without conditions needing none (Art. 16, the platform's address given). Fields asked for must be the entry's.
 */
export function openRequestRefusal(entry: OpenEntry, form: Pick<OpenRequestForm, 'fields'>, platformUrl: string): RuleViolation | null {
  const closed = opennessRefusal(entry);
  if (closed) return closed;
  if (entry.openAttribute === 'UNCONDITIONAL')
    return {
      code: 'RequestNotActive',
      rule: 'conditionally open',
      article: 'Art. 16',
      detail: `Entry ${entry.id} is open without conditions and needs no application: its data is on the unified open platform, ${platformUrl} (Art. 16)`,
    };
  const unknown = (form.fields ?? []).filter((f) => !entry.fields.includes(f));
  if (unknown.length)
    return {
      code: 'InvalidInput',
      field: 'fields',
      rule: 'fields of the entry',
      article: 'Art. 20',
      detail: `Not fields of entry ${entry.id}: ${unknown.join(', ')}`,
    };
  return null;
}

/**
 * Why `actor` may not terminate the agreement now, or null: the providing agency's reviewer for a breach (its
 * reason required), or the licensee, while it is in force. The API checks it, and the workflow's validator too.
 */
export function terminationViolation(
  actor: Actor,
  agreement: { providerOrg: string; licensee: Actor; legalPerson?: string | null; inForce: boolean },
  reason: string | undefined,
): ErrorCode | null {
  const agency = actor.org === agreement.providerOrg && actor.roles.includes('provider_reviewer');
  // A legal person's agreement: whoever acts for it now (any current agent, or its own account) is the licensee.
  const licensee = sameApplicant(actor, agreement.licensee, agreement.legalPerson) && actor.roles.some((r) => agreement.licensee.roles.includes(r));
  if (!agency && !licensee) return 'Forbidden';
  if (!agreement.inForce) return 'RequestNotActive';
  if (agency && !reason?.trim()) return 'ReasonRequired';
  return null;
}

const TERMINATION_REFUSALS: Partial<Record<ErrorCode, string>> = {
  Forbidden: 'Only the providing agency or the licensee may terminate the agreement',
  RequestNotActive: 'There is no agreement in force to terminate',
  ReasonRequired: 'The agency states the breach it terminates the agreement for (Art. 20, 25)',
};
/** What a termination refused for `code` says. */
export const terminationRefusal = (code: ErrorCode) => TERMINATION_REFUSALS[code] ?? code;

/**
 * The agreement's text templates. A text once drafted is stored with its hash and never rendered again, so a
 * new template changes only agreements drafted after it; the old ones stay here for the terms that name them.
 * v2: the text as release 1.0.0 drafted it (ids, item codes and the platform's address in it); v3: Chinese
 * throughout (the application's 受理编号, organisations and items by name, the day drafted), no id, code or address.
 */
export const AGREEMENT_TEMPLATES = ['v2', 'v3'] as const;
export type AgreementTemplate = (typeof AGREEMENT_TEMPLATES)[number];
/** The template agreements are drafted with now. */
export const CURRENT_AGREEMENT_TEMPLATE: AgreementTemplate = 'v3';

/** What the agreement says; its canonical text is what both parties sign (the SHA-256 of agreementText). */
export interface AgreementTerms {
  agreementId: string;
  /** The text's template version: a new template never changes the text already signed. */
  template: AgreementTemplate;
  /** The application's case number (受理编号; v3 on): null for a request recorded before case numbers. */
  caseNumber?: string | null;
  provider: { orgId: string; name: string };
  /**
   * The licensee as the agreement shows them: identity is the document and its number, a resident ID number masked.
   * A legal person's (legalPerson: its USCC) names the agent who applied in its name (经办人), their number masked.
   */
  licensee: { sub: string; name: string; identity: string | null; legalPerson?: string; agent?: { name: string; identity: string } };
  entry: { id: string; title: string };
  /** The data items by identifier (what the platform delivers). */
  fields: string[];
  /** The same items by their 信息项名称, in the same order (v3 on): what the text names. */
  fieldLabels?: string[];
  purpose: string;
  scenario: string;
  accessMethod: AccessMethod;
  platformUrl: string;
  securityMeasures: string;
  /** The entry's open conditions and what the agency added when approving. */
  conditions: string[];
  termMonths: number;
  reportEveryDays: number | null;
  /** The day the text was drafted, YYYY-MM-DD in Asia/Shanghai (v3 on). */
  draftedOn?: string;
}

/** The articles every template has after the ones that differ: what the Measures allow, forbid and require. */
const COMMON_ARTICLES = [
  '第八条 允许的利用:乙方可依法对所获数据进行研究、分析、挖掘,开展数据产业开发和创新应用,并可按照规定通过依法成立的数据交易平台交易利用合法获取的公共数据开发的数据产品和数据服务(第二十三条、第二十六条)。',
  '第九条 利用的原则与禁止的行为:乙方开发利用所获数据应当遵循合法、正当、必要的原则;不得对数据进行重新识别以获取个人信息,不得泄露、篡改、毁损数据,不得损害国家利益、公共利益和第三方合法权益(第二十五条)。',
];

const conditionsText = (t: AgreementTerms) => (t.conditions.length ? t.conditions.join(';') : '无附加条件');
const reportText = (t: AgreementTerms) => (t.reportEveryDays ? `乙方每${t.reportEveryDays}日向甲方报告数据利用情况` : '乙方按甲方要求报告数据利用情况');
const licenseeLines = (t: AgreementTerms) => [
  `乙方(数据利用主体):${t.licensee.name}${t.licensee.identity ? `(${t.licensee.identity})` : ''}`,
  ...(t.licensee.agent ? [`乙方经办人:${t.licensee.agent.name}(${t.licensee.agent.identity})`] : []),
];

/** The text as release 1.0.0 drafted it (template v2): agreements drafted then keep it. */
function agreementTextV2(t: AgreementTerms): string {
  return [
    '公共数据开放利用协议',
    `协议编号:${t.agreementId}(文本版本 ${t.template})`,
    '',
    `甲方(数据提供单位):${t.provider.name}(${t.provider.orgId})`,
    ...licenseeLines(t),
    '',
    '依据《日照市公共数据管理办法》第十七条、第二十条,双方就有条件开放公共数据的利用订立本协议。',
    '',
    `第一条 数据范围:公共数据目录「${t.entry.title}」(${t.entry.id}),字段:${t.fields.join('、')}。`,
    `第二条 利用目的:${t.purpose}`,
    `第三条 应用场景:${t.scenario}`,
    `第四条 获取方式:通过统一的公共数据开放平台(${t.platformUrl})以${ACCESS_METHOD_NAMES[t.accessMethod]}方式获取,不得通过其他渠道获取。`,
    `第五条 安全保障措施:乙方承诺采取以下措施:${t.securityMeasures}`,
    `第六条 利用条件:${conditionsText(t)}。`,
    `第七条 利用情况报告:${reportText(t)};逾期未报告的,甲方将收到通知并可督促。`,
    ...COMMON_ARTICLES,
    `第十条 期限:自双方签署之日起${t.termMonths}个月。`,
    '第十一条 终止:乙方违反本协议的,甲方可终止本协议并说明理由;乙方可随时终止本协议;开放数据依法撤回的,本协议随之终止(第二十一条)。',
    '第十二条 期满删除:本协议期满或终止后,乙方应删除所获数据及其副本,依法形成的数据产品除外。',
    '第十三条 告知:本协议签署后,甲方告知本级大数据工作主管部门(第二十条)。',
  ].join('\n');
}

/**
 * The text in Chinese throughout (template v3): the application by its 受理编号, the entry by its title, the
 * parties and the items by their names, the day drafted as 2026年12月5日; no id, item code or address, which
 * the terms keep beside it (the platform's address is where the console and the platform show it).
 */
function agreementTextV3(t: AgreementTerms): string {
  const items = t.fieldLabels?.length === t.fields.length ? t.fieldLabels : t.fields;
  return [
    '公共数据开放利用协议',
    ...(t.caseNumber ? [`受理编号:${t.caseNumber}`] : []),
    ...(t.draftedOn ? [`拟订日期:${shanghaiDate(t.draftedOn)}`] : []),
    '文本版本:第三版',
    '',
    `甲方(数据提供单位):${t.provider.name}`,
    ...licenseeLines(t),
    '',
    '依据《日照市公共数据管理办法》第十七条、第二十条,双方就有条件开放公共数据的利用订立本协议。',
    '',
    `第一条 数据范围:公共数据目录「${t.entry.title}」中的信息项:${items.join('、')}。`,
    `第二条 利用目的:${t.purpose}`,
    `第三条 应用场景:${t.scenario}`,
    `第四条 获取方式:通过全市统一的公共数据开放平台以${ACCESS_METHOD_NAMES[t.accessMethod]}方式获取,不得通过其他渠道获取(第十六条)。`,
    `第五条 安全保障措施:乙方承诺采取以下措施:${t.securityMeasures}`,
    `第六条 利用条件:${conditionsText(t)}。`,
    `第七条 利用情况报告:${reportText(t)};逾期未报告的,甲方将收到通知并可督促。`,
    ...COMMON_ARTICLES,
    `第十条 期限:自双方签署之日起${t.termMonths}个月。`,
    '第十一条 终止:乙方违反本协议的,甲方可终止本协议并说明理由;乙方可随时终止本协议;开放数据依法撤回的,本协议随之终止(第二十一条)。',
    '第十二条 期满删除:本协议期满或终止后,乙方应删除所获数据及其副本,依法形成的数据产品除外。',
    '第十三条 告知:本协议签署后,甲方告知本级大数据工作主管部门(第二十条)。',
  ].join('\n');
}

const AGREEMENT_TEXTS: Record<AgreementTemplate, (t: AgreementTerms) => string> = { v2: agreementTextV2, v3: agreementTextV3 };

/** The agreement's text (Chinese) by its terms' template, from its terms alone: the same terms always give the same text. */
export function agreementText(t: AgreementTerms): string {
  return AGREEMENT_TEXTS[t.template](t);
}

/** A signature names the text signed: the SHA-256 of the agreement's text, as the task's context gives it (GET /agreements/:id too). */
function signatureRule({ decision, form, context }: DecisionAttempt): RuleViolation | null {
  if (decision !== 'SIGN' || (typeof form?.sha256 === 'string' && form.sha256 === context?.sha256)) return null;
  return {
    code: 'InvalidInput',
    field: 'form.sha256',
    rule: 'the SHA-256 of the text signed',
    article: 'Art. 20',
    detail: `A signature names the text it signs: { sha256: "${String(context?.sha256 ?? '')}" }, the SHA-256 of agreement ${String(context?.agreementId ?? '')}'s text as GET /agreements/:id gives it`,
  };
}

/** The agency's review: the deadline may be extended once (EXTEND, with its reason). */
function reviewRule({ decision, tasks, form }: DecisionAttempt): RuleViolation | null {
  if (decision === 'EXTEND' && tasks.some((t) => t.kind === 'OPEN_REQUEST_REVIEW' && t.decision === 'EXTEND'))
    return { code: 'InvalidInput', field: 'decision', rule: 'extended once', article: 'Art. 20', detail: 'The review was extended once already' };
  if (decision === 'APPROVE' && form?.conditions !== undefined && (typeof form.conditions !== 'string' || form.conditions.length > 4000))
    return {
      code: 'InvalidInput',
      field: 'form.conditions',
      rule: 'text',
      article: 'Art. 17',
      detail: 'The conditions an approval adds are text of at most 4000 characters',
    };
  return null;
}

/** The open application's task kinds. */
export const OPEN_REQUEST_TASK_KINDS = {
  // The providing agency: APPROVE (its added conditions in form.conditions), REJECT (未同意的,应当说明理由),
  // REQUEST_INFO (the clock paused), or EXTEND once (the due time moves on by the policy's extension).
  OPEN_REQUEST_REVIEW: {
    article: 'Art. 20',
    name: '有条件开放申请审核',
    decisions: {
      APPROVE: decision('同意', false),
      REJECT: decision('不同意', true),
      REQUEST_INFO: decision('要求补充材料', true),
      EXTEND: decision('延长期限', true),
    },
    rule: reviewRule,
  },
  OPEN_REQUEST_APPLICANT_REPLY: { article: 'Art. 20', name: '开放申请补充材料', decisions: { REPLY: decision('答复', true) } },
  // The applicant signs the text (its hash) or declines it; the agency countersigns.
  AGREEMENT_SIGNATURE: {
    article: 'Art. 20',
    name: '签署开放利用协议',
    decisions: { SIGN: decision('签署', false), DECLINE: decision('拒签', false) },
    rule: signatureRule,
  },
  AGREEMENT_COUNTERSIGNATURE: { article: 'Art. 20', name: '协议签署（提供单位）', decisions: { SIGN: decision('签署', false) }, rule: signatureRule },
  // The licensee reports on its use (the report is the reason's text).
  USAGE_REPORT: { article: 'Art. 20', name: '使用情况报告', decisions: { REPORT: decision('报告', true) } },
  // Data withdrawn for some records (Art. 21): the licensee confirms it deleted them.
  DELETION_CONFIRMATION: { article: 'Art. 21', name: '删除确认', decisions: { CONFIRM: decision('确认', false) } },
} satisfies Record<string, TaskKindRule>;

/** A conditional open application ending in a signed use agreement (Art. 17, 20). */
export const OPEN_REQUEST_PROCEDURE = defineProcedure({
  type: 'open_request',
  name: '有条件开放申请',
  articles: ['Art. 17', 'Art. 20', 'Art. 21', 'Art. 29'],
  workflowType: 'openRequestWorkflow',
  startRoute: '/open-requests',
  caseCode: 'KF',
  startedBy: ['public_applicant'],
  // A granted open application has its agreement in force.
  statusNames: { awaiting_signature: '待签署', awaiting_countersignature: '待提供单位签署', granted: '协议生效中' },
  taskKinds: OPEN_REQUEST_TASK_KINDS,
  // The application as it starts; APPROVE's and SIGN's forms.
  fields: {
    catalogEntryId: field(CATALOG_ENTRY_ID_FIELD.label, '有条件开放的目录条目'),
    purpose: field('利用目的'),
    scenario: field('应用场景'),
    fields: REQUESTED_FIELDS_FIELD,
    accessMethod: field('获取方式', '通过统一的公共数据开放平台获取'),
    securityMeasures: field('安全保障措施', '申请人承诺采取的安全保障措施'),
    termMonths: field('期限（月）', `1 至 ${MAX_TERM_MONTHS} 个月`),
    onBehalfOf: ON_BEHALF_OF_FIELD,
    conditions: field('附加条件', '同意时对开放利用协议附加的条件'),
    sha256: field('所阅协议文本的 SHA-256', '签署的是该摘要所对应的协议文本'),
  },
  values: { accessMethod: ACCESS_METHOD_NAMES },
  policy: DEFAULT_OPEN_REQUEST_POLICY,
});
