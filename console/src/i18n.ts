// Chinese first, English switchable. Codes the API sends (task kinds, decisions, statuses, roles, request
// types, field names and enumerated values) are shown by their label where one is known (the registry's words
// from the API, or here), and as themselves otherwise: a new procedure shows up with its codes before anyone
// translates them.
import { signal } from '@preact/signals';
import { STORED_ENTRY_FIELDS, STORED_ENTRY_VALUES } from '../../domain/catalog';
import { OPEN_ATTRIBUTE_NAMES, SHARE_ATTRIBUTE_NAMES } from '../../domain/types';
import { ERROR_MESSAGES_ZH, RULE_MESSAGES_ZH, type ErrorCode } from '../../domain/errors';
import { shanghaiTime } from '../../domain/calendar';
import { reasonInChinese } from '../../domain/reasons';
import { articleInChinese } from '../../domain/measures';
import { STATUS_NAMES } from '../../domain/requests';
import type { FormWords } from './http';

export type Lang = 'zh' | 'en';
const LANG_KEY = 'pdw.lang';
export const lang = signal<Lang>(localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh');
export function setLang(l: Lang): void {
  localStorage.setItem(LANG_KEY, l);
  document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
  lang.value = l;
}

const MESSAGES = {
  appTitle: ['公共数据工作台', 'Public data console'],
  skip: ['跳到正文', 'Skip to content'],
  language: ['语言', 'Language'],
  signIn: ['登录', 'Sign in'],
  signOut: ['退出', 'Sign out'],
  signInAs: ['以演示用户登录', 'Sign in as a demo user'],
  signInDevNote: ['开发环境：选择一位演示用户，无需粘贴令牌。', 'Development: pick one of the demo people; no token to paste.'],
  signInProvider: ['统一身份认证登录', 'Sign in with the city identity provider'],
  signInProviderNote: ['工作人员请通过统一身份认证登录。', 'Staff sign in through the city identity provider.'],
  signInProviderFailed: ['统一身份认证登录未完成，请重新登录', 'Signing in with the identity provider did not complete; please sign in again'],
  signInClaim: ['身份声明', 'claim'],
  pasteToken: ['粘贴身份提供方签发的令牌', 'Paste a token from the identity provider'],
  token: ['令牌', 'Token'],
  tokenInvalid: ['令牌无效或已过期', 'The token is invalid or has expired'],
  publicMember: ['公民、法人和其他组织', 'Citizen, legal person or other organisation'],
  inbox: ['待办', 'Inbox'],
  menu: ['菜单', 'Menu'],
  myRequests: ['我的申请', 'My requests'],
  apply: ['提出申请', 'Apply'],
  overdue: ['逾期督办', 'Overdue'],
  evaluation: ['监督评价', 'Evaluation'],
  dossiers: ['争议卷宗', 'Dispute dossiers'],
  catalog: ['数据目录', 'Catalog'],
  grants: ['共享许可', 'Grants'],
  agreements: ['开放利用协议', 'Agreements'],
  notifications: ['通知', 'Notifications'],
  loading: ['加载中…', 'Loading…'],
  none: ['暂无', 'None'],
  kind: ['事项', 'Task'],
  status: ['状态', 'Status'],
  due: ['办理期限', 'Due'],
  allKinds: ['全部事项', 'All tasks'],
  allStatuses: ['全部状态', 'All statuses'],
  any: ['全部', 'Any'],
  overdueOnly: ['仅逾期', 'Overdue only'],
  dueWithin: ['期限内（工作日）', 'Due within (working days)'],
  filter: ['筛选', 'Filter'],
  request: ['申请', 'Request'],
  article: ['依据', 'Article'],
  assignee: ['认领人', 'Claimed by'],
  unclaimed: ['未认领', 'Unclaimed'],
  me: ['我', 'me'],
  claim: ['认领', 'Claim'],
  unclaim: ['退回认领', 'Unclaim'],
  open: ['打开', 'Open'],
  next: ['下一页', 'Next page'],
  prev: ['上一页', 'Previous page'],
  firstPage: ['第一页', 'First page'],
  pages: ['翻页', 'pages'],
  dueIn: ['剩 {n} 个工作日', '{n} working days left'],
  dueToday: ['今日到期', 'Due today'],
  overdueBy: ['逾期 {n} 个工作日', '{n} working days overdue'],
  overdueToday: ['今日已逾期', 'Overdue since today'],
  calendarUnknown: ['（日历未覆盖该年份）', '(year outside the calendar)'],
  task: ['任务', 'Task'],
  taskOf: ['所属申请', 'Request'],
  applicant: ['申请人', 'Applicant'],
  applyingOrg: ['申请单位', 'Applying organisation'],
  caseNumber: ['受理编号', 'Case number'],
  findByNumber: ['按受理编号查找', 'Find by case number'],
  find: ['查找', 'Find'],
  entry: ['目录条目', 'Catalog entry'],
  articleText: ['条文', 'Article text'],
  context: ['办理材料', 'Context'],
  earlier: ['此前的决定', 'Earlier decisions'],
  decide: ['作出决定', 'Decide'],
  decision: ['决定', 'Decision'],
  reason: ['理由', 'Reason'],
  reasonRequired: ['此决定须说明理由', 'This decision needs a reason'],
  submit: ['提交', 'Submit'],
  submitting: ['提交中…', 'Submitting…'],
  decided: ['已作出决定', 'Decided'],
  bulkTitle: ['批量办理', 'Decide together'],
  bulkHint: ['按任务类型筛选后，可勾选多件同类任务批量办理。', 'Filter by one task kind to decide several of its tasks together.'],
  bulkSelect: ['选择', 'Select'],
  bulkSelectTask: ['选择 {case}', 'Select {case}'],
  bulkSelected: ['已选 {n} 件', '{n} selected'],
  bulkFormNote: [
    '此处只列出无需填写表单的决定；需要填写表单的决定请逐件办理。',
    'Only decisions that take no form are offered here; decide the others one task at a time.',
  ],
  bulkSubmit: ['批量提交', 'Decide the selected tasks'],
  bulkDone: ['批量办理结果：{done} 件已办理，{refused} 件未办理。', 'Bulk decision: {done} decided, {refused} not decided.'],
  bulkDecided: ['已办理', 'Decided'],
  bulkResult: ['办理结果', 'Result'],
  bulkNone: ['请先勾选要办理的任务并选择决定。', 'Select tasks and a decision first.'],
  taskClosed: ['该任务已关闭（{status}），页面已刷新。', 'This task has been closed ({status}); the page has been refreshed.'],
  alreadyDecided: ['该任务已由 {who} 处理（{decision}），页面已刷新。', 'Already decided by {who} ({decision}); the page has been refreshed.'],
  someone: ['他人', 'someone else'],
  notYourTask: ['您不是该任务的办理人，或任务已关闭。', 'You are not a candidate for this task, or it is closed.'],
  timeline: ['办理记录', 'Timeline'],
  tasks: ['任务', 'Tasks'],
  cancel: ['撤回申请', 'Withdraw the request'],
  cancelReason: ['撤回理由（可选）', 'Reason for withdrawing (optional)'],
  cancelled: ['已撤回', 'Withdrawn'],
  grant: ['授权', 'Grant'],
  expiresAt: ['到期', 'Expires'],
  fields: ['数据项', 'Fields'],
  purpose: ['用途', 'Purpose'],
  chooseType: ['选择申请类型', 'Choose what to apply for'],
  created: ['已提交', 'Submitted'],
  createdAt: ['创建时间', 'Created'],
  updatedAt: ['更新时间', 'Updated'],
  formErrors: ['请按提示修改', 'Please correct the fields marked'],
  required: ['必填', 'required'],
  addItem: ['添加一项', 'Add one'],
  removeItem: ['删除', 'Remove'],
  onePerLine: ['每行一项', 'One per line'],
  jsonValue: ['JSON 值', 'A JSON value'],
  badJson: ['不是有效的 JSON', 'Not valid JSON'],
  search: ['搜索', 'Search'],
  searchCatalog: ['按标题、描述或数据项搜索', 'Search titles, descriptions and field names'],
  provider: ['提供单位', 'Provider'],
  shareAttr: ['共享属性', 'Share attribute'],
  openAttr: ['开放属性', 'Open attribute'],
  version: ['版本', 'Version'],
  versions: ['版本记录', 'Versions'],
  changes: ['变更', 'Changes'],
  conditions: ['条件', 'Conditions'],
  noConditions: ['无附加的共享条件', 'No further conditions'],
  basis: ['依据', 'Legal basis'],
  description: ['描述', 'Description'],
  applyForThis: ['申请此数据', 'Apply for this data'],
  agency: ['单位', 'Agency'],
  procedure: ['程序', 'Procedure'],
  daysOverdue: ['逾期', 'Overdue'],
  allAgencies: ['全部单位', 'All agencies'],
  allProcedures: ['全部程序', 'All procedures'],
  downloadPdf: ['下载 PDF', 'Download PDF'],
  agreementText: ['协议文本', 'Agreement text'],
  signatures: ['签署', 'Signatures'],
  hashOfText: ['所阅文本的 SHA-256', 'SHA-256 of the text read'],
  readAndAgree: ['我已阅读并同意', 'I have read and agree'],
  readFirst: ['请先阅读协议文本，并勾选“我已阅读并同意”', 'Read the agreement and tick "I have read and agree" first'],
  rawDetail: ['详细信息', 'Details'],
  whoYouAre: ['申请前请说明您的身份（第二十九条）', 'Say who you are before applying (Art. 29)'],
  natural: ['自然人', 'Natural person'],
  legal: ['法人或其他组织', 'Legal person or other organisation'],
  name: ['名称', 'Name'],
  residentId: ['身份证件号码', 'Identity document number'],
  documentType: ['证件类型', 'Document type'],
  resident: ['居民身份证', 'Resident ID card'],
  hmt_residence_permit: ['港澳台居民居住证', 'Residence permit for Hong Kong, Macao and Taiwan residents'],
  foreign_permanent_residence: ['外国人永久居留身份证', "Foreigner's permanent residence ID card"],
  uscc: ['统一社会信用代码', 'Unified social credit code'],
  save: ['保存', 'Save'],
  agents: ['经办人管理', 'Authorised agents'],
  agentsNote: [
    '经办人以本单位名义申请开放数据、签署协议、报告使用情况；撤销授权后立即失效（第二十九条）。',
    'Agents apply, sign and report in the name of your organisation; a revocation takes effect at once (Art. 29).',
  ],
  authoriseAgent: ['授权经办人', 'Authorise an agent'],
  authoriseAgentNote: [
    '按经办人身份证件填写姓名、证件类型和证件号码；该人员以相同姓名和证件号码登记后即可代为办理。',
    'As on their identity document: whoever registers that number with that name may act for you.',
  ],
  personName: ['姓名', 'Name'],
  authorisedAt: ['授权时间', 'Authorised'],
  agentActive: ['有效', 'In force'],
  agentRevoked: ['已撤销', 'Revoked'],
  revokeAgent: ['撤销授权', 'Revoke'],
  revokeConfirm: ['确定撤销对{name}的经办人授权？', 'Revoke the authorisation of {name}?'],
  applicantAs: ['申请人', 'Applicant'],
  self: ['本人', 'Myself'],
  identity: ['身份', 'Identity'],
  roles: ['角色', 'Roles'],
  organisation: ['单位', 'Organisation'],
  error: ['出错了', 'Something went wrong'],
  notFound: ['未找到', 'Not found'],
  retry: ['重试', 'Retry'],
  updatedLive: ['自动刷新', 'Updates live'],
  nothingOverdue: ['没有逾期任务。所有任务均在办理期限内。', 'Nothing is overdue: every task is within its due date.'],
  inboxEmpty: ['暂无待办任务。新的任务到达时会显示在这里。', 'No tasks here. New tasks show here as they arrive.'],
  noRequests: ['您还没有提出申请。', 'You have made no request yet.'],
  noRequestsHint: ['您或本单位提出的申请会显示在这里。', 'Requests you or your organisation make show here.'],
  noNotifications: ['暂无通知。申请或任务有新进展时，会在这里通知您。', 'No notifications. You are told here when a request or task moves on.'],
  noAgreements: [
    '暂无开放利用协议。开放数据申请获批后，协议会显示在这里，等待签署。',
    'No agreements. Once an application for open data is approved, its agreement shows here to be signed.',
  ],
  noGrants: ['暂无共享许可。共享申请获批后，许可会显示在这里。', 'No grants. Once a share request is approved, its grant shows here.'],
  noAgents: ['暂无经办人。可在下方授权经办人。', 'No agents yet. Authorise one below.'],
  delegations: ['代理设置', 'Delegation'],
  notificationSettings: ['通知设置', 'Notification settings'],
  notificationSettingsNote: [
    '工作台始终显示您的全部通知。您还可以选择通过电子邮件接收哪些通知，并订阅每日待办摘要（每天一封，列出即将到期的任务）。',
    'The console always shows all your notices. You may also choose which reach you by e-mail, and a daily digest of tasks falling due.',
  ],
  emailAddress: ['电子邮件地址', 'E-mail address'],
  notificationChannels: ['接收方式', 'Channels'],
  consoleChannel: ['工作台（始终）', 'Console (always)'],
  dailyDigest: ['每日待办摘要（电子邮件）', 'Daily digest (e-mail)'],
  notificationEvents: ['接收的通知类型', 'Kinds of notice'],
  saveNotificationSettings: ['保存通知设置', 'Save'],
  notificationSettingsSaved: ['通知设置已保存', 'Notification settings saved'],
  // 消息推送: an organisation's webhooks and their dead letters (its admin).
  webhooks: ['消息推送', 'Webhooks'],
  webhooksNote: [
    '本单位的通知可以推送到业务系统的接收地址。每次推送都用密钥签名（HMAC-SHA256），接收方据此核验推送确实来自本系统；多次尝试仍未送达的推送列在“推送失败”中，可重新推送。',
    "Your organisation's notices can be posted to your systems' addresses, each signed with a secret (HMAC-SHA256) so the receiver can check it came from here; posts that failed every attempt are listed under failed posts and can be sent again.",
  ],
  webhookList: ['推送地址', 'Subscriptions'],
  noWebhooks: ['暂无推送地址。可在下方添加。', 'No subscriptions yet. Add one below.'],
  webhookUrl: ['接收地址', 'Receiving URL'],
  webhookEvents: ['推送的通知类型', 'Kinds of notice'],
  webhookCreated: ['添加时间', 'Added'],
  newWebhook: ['添加推送地址', 'Add a subscription'],
  webhookAdded: ['已添加推送地址。请立即复制下方的密钥。', 'Subscription added. Copy the secret below now.'],
  webhookSecret: ['签名密钥', 'Signing secret'],
  webhookSecretHint: [
    '密钥只显示这一次，离开本页后无法再查看。请复制并保存到接收系统的配置中，用于核验每次推送的签名。',
    'The secret is shown only now. Copy it into the receiving system, which checks each post’s signature with it.',
  ],
  copy: ['复制', 'Copy'],
  copied: ['已复制到剪贴板', 'Copied'],
  copyFailed: ['无法自动复制，请选中密钥后手动复制', 'Could not copy: select the secret and copy it'],
  deleteWebhook: ['删除', 'Delete'],
  deleteWebhookConfirm: [
    '确定删除这个推送地址吗？删除后不再向其推送新的通知（已在发送中的仍会送达）。',
    'Delete this subscription? No new notices are posted to it (those already queued are still delivered).',
  ],
  webhookDeleted: ['推送地址已删除', 'Subscription deleted'],
  deadLetters: ['推送失败', 'Failed posts'],
  deadLettersNote: [
    '以下推送已多次尝试仍未送达。排除原因后可重新推送；接收方按事件编号去重，不会重复处理。',
    'These posts failed every attempt. Once the cause is fixed, send them again; the receiver drops a repeat by its event id.',
  ],
  noDeadLetters: ['暂无推送失败。', 'No failed posts.'],
  noticeKind: ['通知类型', 'Kind'],
  attempts: ['尝试次数', 'Attempts'],
  lastError: ['失败原因', 'Last error'],
  deadAt: ['失败时间', 'Failed at'],
  redeliver: ['重新推送', 'Send again'],
  redelivered: ['已重新推送，稍后可在接收系统中查看', 'Queued to send again'],
  delegationsNote: [
    '休假、出差等期间，可指定本单位的同事代为办理您的待办任务。代理期间，所选类型的任务同时出现在代理人的待办中，由代理人办理的，记为“代理人 代 您”；代理人本人是当事人的任务，不能由其代办。期满或提前结束后，任务只归您本人。',
    'While you are away, name a colleague of your organisation to act on your tasks. During the period, tasks of the kinds chosen reach them too and their decisions read "they 代 you"; they cannot act on a task they are a party to. When it ends, the tasks are yours alone again.',
  ],
  newDelegation: ['设置代理', 'Name a delegate'],
  delegate: ['代理人', 'Delegate'],
  delegator: ['被代理人', 'Delegating person'],
  delegationStarts: ['开始时间', 'Starts'],
  delegationEnds: ['结束时间', 'Ends'],
  delegationKinds: ['代理的任务类型', 'Task kinds'],
  delegationReason: ['代理事由', 'Reason'],
  pickDelegate: ['请选择同事', 'Pick a colleague'],
  noColleagues: ['目录中暂无本单位的其他人员。', 'Nobody else of your organisation is known yet.'],
  noDelegations: ['暂无代理设置。', 'No delegations.'],
  delegationsInForce: ['辖区内生效的代理', 'Delegations in force in your jurisdiction'],
  delegationScheduled: ['未开始', 'Scheduled'],
  delegationInForce: ['代理中', 'In force'],
  delegationEnded: ['已结束', 'Ended'],
  endDelegation: ['提前结束', 'End now'],
  endDelegationConfirm: ['确定提前结束这项代理吗？结束后任务只归您本人。', 'End this delegation now? The tasks will be yours alone.'],
  delegationMade: ['已设置代理：{name}', 'Delegate named: {name}'],
  delegationEndedNotice: ['代理已结束', 'The delegation has ended'],
  onBehalfBadge: ['代理 · {name}', 'Delegate · {name}'],
  onBehalfOf: ['{actor} 代 {person}', '{actor} 代 {person}'],
  claimedNotice: ['已认领。您现在可以办理此任务。', 'Claimed: the task is yours to decide.'],
  unclaimedNotice: ['已退回认领。其他办理人可以认领此任务。', 'Unclaimed: others may claim the task.'],
  requestSubmitted: [
    '申请已提交，受理编号 {number}。办理进展会显示在本页和通知中。',
    'Submitted as {number}. Its progress shows here and in your notifications.',
  ],
  identitySaved: ['身份已登记：{name}。现在可以提出申请。', 'Saved: {name}. You may apply now.'],
  requestWithdrawn: ['申请已撤回。', 'The request has been withdrawn.'],
  agentAuthorised: ['已授权{name}为经办人。', '{name} is authorised as an agent.'],
  agentRevokedNotice: ['已撤销对{name}的经办人授权。', 'The authorisation of {name} is revoked.'],
  extended: ['已保存：办理期限延长 {n} 个工作日。', 'Saved: the due date moves {n} working days on.'],
  reassigned: ['已保存：任务已改派给{name}。', 'Saved: the task is handed to {name}.'],
  mine: ['我的', 'Mine'],
  viewDocument: ['查看', 'View'],
  saved: ['已保存', 'Saved'],
  supervise: ['督办（第三十二条）', 'Supervise (Art. 32)'],
  extendBy: ['延长（工作日）', 'Extend by (working days)'],
  // The provider's ask to extend its answer (《政务数据共享条例》), approved by the head of its sharing work.
  askExtension: ['申请延期', 'Ask for more time'],
  askExtensionHint: [
    '每件申请只能申请一次，须说明理由，由本单位政务数据共享工作机构负责人审批；同意后最多延长政策规定的工作日',
    'Once per request, with a reason; the head of sharing work approves, up to the policy cap',
  ],
  extensionAsked: ['已提交延期申请，待共享工作机构负责人审批。', 'Asked: the head of sharing work will decide.'],
  extend: ['延长期限', 'Extend'],
  urge: ['督办', 'Urge'],
  openWork: ['在办任务', 'Open work'],
  openWorkByProcedure: ['按程序统计', 'By procedure'],
  oldestFirst: ['在办任务（最早的在前）', 'Open tasks, oldest first'],
  openCount: ['在办', 'Open'],
  dueSoonCount: ['临近到期', 'Due soon'],
  overdueCount: ['已逾期', 'Overdue'],
  standing: ['状态', 'Standing'],
  urgeMessage: ['督办意见', 'What the supervisor asks'],
  urgeHint: ['逾期或临近到期的任务可督办，发送给办理人员；同一任务在规定间隔内只能督办一次', 'An overdue or nearly due task may be urged; once per interval'],
  urged: ['已督办', 'Urged'],
  changeNamed: ['所涉条目', 'The entry it concerns'],
  newEntryNamed: ['新增条目「{title}」', 'New entry “{title}”'],
  reviseInListFirst: ['请点击上方“在调整清单中修改后重新提交”，在调整清单中修改后提交', 'Use “Revise in the adjustment list” above to revise and resubmit'],
  urgeCount: ['督办次数', 'Urged'],
  escalatedBadge: ['督办升级', 'Escalated'],
  escalatedAt: ['督办升级', 'Escalated'],
  escalatedAdded: ['{at} 升级，增加办理人：{who}', 'Escalated {at}; added: {who}'],
  escalatedNoneAdded: ['{at} 升级，未增加办理人', 'Escalated {at}; nobody added'],
  urgedTimes: ['{n} 次，最近 {at}', '{n} times, last {at}'],
  reassignTo: ['改派给', 'Hand to'],
  entrySearchHint: ['输入目录名称或部门名称的一部分，从列表中选择', 'Type part of a title or department, then pick from the list'],
  noEntryFound: ['没有符合的目录条目', 'No catalog entry matches'],
  pickEntryFirst: ['请先选择目录条目，再勾选数据项', 'Pick the catalog entry first, then its data items'],
  chooseAgency: ['选择部门', 'Choose an agency'],
  choosePerson: ['选择可办理此任务的人员', 'Choose someone who may act on it'],
  nobodyAssignable: ['暂无可改派的人员（须为本任务的办理人且曾登录系统）', 'Nobody to hand it to yet (a candidate of the task who has signed in)'],
  reassign: ['改派', 'Reassign'],
  // The applicant disputes a refusal within the window (《政务数据共享条例》).
  disputeRefusal: ['对不予共享提出异议', 'Dispute the refusal'],
  disputeDaysLeft: ['可在 {n} 个工作日内（{until} 前）提出异议', 'You may dispute it within {n} working days (before {until})'],
  disputeReason: ['异议理由', 'Why the refusal is wrong'],
  disputeFields: ['申请共享的数据项', 'The data items asked for'],
  disputeConditions: ['愿意遵守的共享条件（可不填）', 'The conditions of use you accept (optional)'],
  disputeRaised: ['已提出异议', 'Dispute raised'],
  refusalDisputed: ['本申请的不予共享决定已提出异议', 'The refusal of this request is disputed'],
  // The grantee ends its grant as its purpose is achieved, confirming the data deleted (《政务数据共享条例》).
  endGrant: ['结束共享', 'End sharing'],
  endGrantHint: [
    '共享目的已实现的，可结束共享，并确认已删除接收的全部数据。',
    'Once its purpose is achieved, end sharing and confirm all data received is deleted.',
  ],
  endGrantReason: ['共享目的如何实现', 'How the purpose was achieved'],
  deletedBy: ['删除人', 'Deleted by'],
  deletedAt: ['删除时间', 'Deleted at'],
  deletionMethod: ['删除方式', 'Deletion method'],
  deletionScope: ['已删除通过本次共享接收的全部数据', 'All data received under this grant is deleted'],
  grantEnded: ['已结束共享。', 'Sharing has ended.'],
  usageRecords: ['使用记录', 'Usage records'],
  noUsageRecords: ['尚未报送使用记录。', 'No usage records filed yet.'],
  usagePeriod: ['报送期间', 'Period'],
  usageUser: ['使用人', 'User'],
  usageAt: ['使用时间', 'Used at'],
  usagePurpose: ['用途', 'Purpose'],
  usageNone: ['本期未使用数据', 'Not used in the period'],
  stopScheduled: ['主管部门已同意终止共享，终止时间', 'The authority consented to end sharing at'],
  endedBy: ['结束方', 'Ended by'],
  endReason: ['结束说明', 'Reason'],
  deletion: ['数据删除确认', 'Deletion confirmed'],
  // The grantee renews its grant before expiry (issue 24 §6): a new conditional request pre-filled from the grant.
  renewGrant: ['申请续期', 'Ask for a renewal'],
  renewGrantHint: [
    '共享期限届满前可申请续期：续期申请按有条件共享重新审核，批准后新的共享自本次共享期限届满时起算。',
    'Before expiry, ask for a renewal: it is reviewed as a new conditional request; approved, the new grant starts when this one expires.',
  ],
  renewCommitment: ['重新承诺数据真实、合规使用并落实安全保护措施', 'Commit again to authenticity, compliant use and security'],
  renewalAsked: ['已申请续期。', 'Renewal asked.'],
  renewal: ['续期申请', 'Renewal'],
  renews: ['续期自', 'Renews'],
  renewedUntil: ['续期后有效期至', 'Renewed until'],
  // 一次性告知 (《政务数据共享条例》): every item the applicant was asked for at once, on the request's page.
  missingItems: ['需补充的材料', 'Information requested'],
  missingItemsHint: ['审核人一次性告知的全部需补充材料，每项写明缺少什么、为什么需要。', 'Everything the reviewer asked for at once, each with why.'],
  missingItem: ['缺少的材料', 'What is missing'],
  missingReason: ['需要的理由', 'Why it is needed'],
  replyMissing: ['补充材料并答复', 'Reply with the information'],
  // 一次性告知: the applicant's reply may amend the request (issue 24 §1); the request's page shows what it changed.
  amendHint: [
    '如需按补充要求调整申请，可在下面重新勾选申请的数据项或修改应用场景；保持不变则只作答复。调整后的申请可再次被要求补充一次材料。',
    'To change the request in answer, tick the data items asked for or edit the scenario below; left as they are, the reply only answers. A changed request may be asked for more once again.',
  ],
  amendments: ['答复对申请的修改', 'What the reply changed'],
  amendedPart: ['修改内容', 'Part'],
  amendedBefore: ['修改前', 'Before'],
  amendedAfter: ['修改后', 'After'],
  amendedScenario: ['应用场景', 'Application scenario'],
  amendedFields: ['申请的数据项', 'Data items asked for'],
  startsAt: ['生效时间', 'Starts at'],
  // Onward provision to a third party, where the policy follows the 条例 (issue 24 §6).
  onwardProvision: ['申请向第三方提供', 'Ask to provide to a third party'],
  onwardProvisionHint: [
    '经数据提供单位同意，可将共享数据在许可的数据项范围内提供给作为第三方的政务部门（《政务数据共享条例》）；向其他单位提供，依照《办法》第十五条不予允许。',
    "With the providing agency's consent, the shared data may go to a government department as a third party, within the grant's fields; to no other (Art. 15).",
  ],
  onwardThirdParty: ['第三方单位', 'Third party'],
  onwardPurpose: ['第三方使用用途', "The third party's purpose"],
  onwardFields: ['提供的数据项', 'Fields provided'],
  onwardAsked: ['已提交，等待数据提供单位同意。', "Asked; awaiting the providing agency's consent."],
  onwardProvisions: ['向第三方提供', 'Onward provision'],
} as const satisfies Record<string, readonly [string, string]>;

export type MessageKey = keyof typeof MESSAGES;

export function t(key: MessageKey, vars: Record<string, string | number> = {}): string {
  const text: string = MESSAGES[key][lang.value === 'zh' ? 0 : 1];
  return text.replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ''));
}

/**
 * What each procedure calls its own things (GET /task-kinds, GET /request-types: the registry's words, its
 * forms' fields and codes among them), loaded once signed in. Until then, and for a code no procedure names,
 * the code itself shows.
 */
export const procedureWords = signal<{
  kinds: Map<string, { name: string; decisions: Map<string, string> }>;
  types: Map<string, { name: string; statusNames: Record<string, string>; words: FormWords }>;
  /** Every procedure's words by each ending of their paths (the first procedure's where several share one): for JSON no form describes. */
  anyForm: { fields: Map<string, string>; values: Map<string, Record<string, string>> };
}>({ kinds: new Map(), types: new Map(), anyForm: { fields: new Map(), values: new Map() } });

export function setProcedureWords(
  kinds: { kind: string; name: string; decisions: { decision: string; label: string }[] }[],
  types: ({ type: string; name: string; statusNames: Record<string, string> } & FormWords)[],
): void {
  const anyForm = { fields: new Map<string, string>(), values: new Map<string, Record<string, string>>() };
  const add = <T>(to: Map<string, T>, path: string, v: T) => endings(path).forEach((e) => to.has(e) || to.set(e, v));
  for (const t of types) {
    for (const [path, f] of Object.entries(t.fields)) add(anyForm.fields, path, f.label);
    for (const [path, v] of Object.entries(t.values)) add(anyForm.values, path, v);
  }
  procedureWords.value = {
    kinds: new Map(kinds.map((k) => [k.kind, { name: k.name, decisions: new Map(k.decisions.map((d) => [d.decision, d.label])) }])),
    types: new Map(types.map((t) => [t.type, { name: t.name, statusNames: t.statusNames, words: { fields: t.fields, values: t.values } }])),
    anyForm,
  };
}

/** A path's endings, longest first: a.b.c, b.c, c. */
const endings = (path: string) => path.split('.').map((_, i, parts) => parts.slice(i).join('.'));
/** What `words` says at `path`; failing that, what any procedure says at the longest ending of it found. */
const lookUp = <T>(own: T | undefined, any: Map<string, T>, path: string): T | undefined =>
  own ??
  endings(path)
    .map((e) => any.get(e))
    .find((v) => v !== undefined);

/** The words of a request type's forms (its payload is its start form). */
export const typeWords = (type: string): FormWords | undefined => procedureWords.value.types.get(type)?.words;

/** The catalog's own words for an entry's parts (domain/catalog.ts), as its pages show an entry. */
export const ENTRY_WORDS: FormWords = { fields: STORED_ENTRY_FIELDS, values: STORED_ENTRY_VALUES };

/**
 * The label of the field at `path` (from its form's root, list indices left out) of a form whose words are
 * `words`; else a name of JSON that is no form's, or any procedure's field of that ending; else its name.
 */
export function fieldLabel(words: FormWords | undefined, path: string, name: string): string {
  if (lang.value !== 'zh') return name;
  return words?.fields[path]?.label ?? LABELS.field[name] ?? lookUp(undefined, procedureWords.value.anyForm.fields, path) ?? name;
}

/** The help shown under the field at `path`: the registry's in Chinese (none where it has none), the schema's description in English. */
export function fieldHelp(words: FormWords | undefined, path: string, description: string | undefined): string | undefined {
  return lang.value === 'zh' ? words?.fields[path]?.help : description;
}

/** The label of `code`, a value of the enumerated field at `path` (looked up as fieldLabel does); the code itself when none is known. */
export function valueLabel(words: FormWords | undefined, path: string, code: string): string {
  if (lang.value !== 'zh') return code;
  return lookUp(words?.values[path], procedureWords.value.anyForm.values, path)?.[code] ?? code;
}

const LABELS: Record<string, Record<string, string>> = {
  status: STATUS_NAMES,
  // A task's own statuses: a cancelled task was closed (by a concluding decision, a withdrawal), not withdrawn.
  taskStatus: { open: '待办', completed: '已办结', cancelled: '已关闭' },
  action: {
    submitted: '提交申请',
    task_opened: '任务生成',
    task_completed: '任务办结',
    task_cancelled: '任务取消',
    task_overdue: '任务逾期',
    task_escalated: '任务升级督办',
    task_urged: '督办',
    task_due_extended: '延长办理期限',
    // Shown apart from a supervisor's extension: the provider's own, approved by the head of its sharing work (《政务数据共享条例》).
    task_due_extended_on_request: '经共享工作机构负责人同意延长答复期限',
    task_claimed: '认领任务',
    task_unclaimed: '退回认领',
    task_reassigned: '改派任务',
    task_assigned: '指派任务',
    task_reminder: '到期提醒',
    review_started: '开始审核',
    review_resumed: '恢复审核',
    review_extended: '延长审核期限',
    information_requested: '要求补充材料',
    request_amended: '答复时调整申请',
    grant_created: '共享许可生效',
    grant_data_deleted: '确认删除已接收的数据',
    grant_stop_scheduled: '已同意终止共享并告知使用单位',
    grant_usage_filed: '报送使用记录',
    onward_provision_consented: '提供单位同意向第三方提供',
    onward_provision_refused: '提供单位不同意向第三方提供',
    request_failed: '办理失败',
    adjustment_applied: '目录调整生效',
    // Each entry an adjustment writes to the catalog (its version's trail).
    catalog_entry_added: '新增目录条目',
    catalog_entry_changed: '变更目录条目',
    catalog_entry_removed: '删除目录条目',
    adjustment_published: '目录调整已发布（待事后审查）',
    after_review_accepted: '事后审查认可',
    after_review_returned: '事后审查退回整改',
    consultation_opened: '公开征求意见',
    consultation_started: '开始协商',
    consultation_comment: '收到意见',
    changes_stale: '目录已变更，退回',
    referred_to_leading_group: '提交领导小组',
    demand_received: '收到开放需求',
    opening_planned: '制定开放计划',
    opening_declined: '暂不开放',
    withdrawal_received: '收到撤回开放数据申请',
    openness_suspended: '暂停开放',
    withdrawal_upheld: '撤回数据',
    withdrawal_dismissed: '驳回撤回开放数据申请',
    application_received: '收到开放申请',
    agreement_drafted: '协议起草',
    agreement_signed: '协议签署',
    agreement_declined: '拒签协议',
    agreement_lapsed: '协议逾期未签',
    agreement_in_force: '协议生效',
    agreement_notified: '告知大数据主管部门',
    agreement_terminated: '协议终止',
    agreement_expired: '协议到期',
    usage_report_missed: '未按期报告使用情况',
    ended_by_catalog: '因目录变更终止',
    ended_by_withdrawal: '因数据撤回终止',
    ended_with_renewed_grant: '因所续期的授权终止而终止',
    principal_registered: '登记身份',
    // 校核纠错 (Art. 11).
    correction_received: '收到数据错误报告',
    verification_resumed: '恢复核实',
    error_corrected: '数据已更正',
    not_an_error: '核实不属于错误',
  },
  // The Measures' own words for the attributes (Art. 13, 17), wherever a person reads them.
  shareAttribute: SHARE_ATTRIBUTE_NAMES,
  openAttribute: OPEN_ATTRIBUTE_NAMES,
  role: {
    system: '系统',
    agency_applicant: '单位申请人',
    public_applicant: '申请人（公民、法人和其他组织）',
    provider_reviewer: '提供单位审核人',
    sharing_head: '共享工作机构负责人',
    authority_reviewer: '大数据主管部门审核人',
    leading_group: '数字强市领导小组',
    supervisor: '督办人',
    admin: '管理员',
  },
  // Names in JSON that is no procedure's form (tasks' contexts, outcomes, signatures); a form's fields are the
  // registry's (procedureWords).
  field: {
    reason: '理由',
    turns: '协商记录',
    referral: '提交领导小组的理由',
    positions: '各方意见',
    agency: '数据提供单位',
    authority: '大数据主管部门',
    org: '单位',
    position: '意见',
    decision: '决定',
    agreementId: '协议',
    outcome: '结果',
    licensee: '被许可方',
    provider: '提供单位',
    sha256: 'SHA-256',
    entryId: '目录条目',
    grantId: '共享许可',
    // A request's outcome (granted, rejected, refused at once).
    expiresAt: '有效期至',
    article: '依据条款',
    basis: '法律依据',
    // A refusal's legal basis in the outcome (不予共享), and the levels a review task's refusal may cite (its context).
    legalBasis: '不予共享的依据',
    refusalBasis: '不同意时可援引的依据层级',
    // The levels an adjustment's entry marked 不予共享 may cite (a revision task's context, issue 24 §3).
    noneBasis: '不予共享可援引的依据层级',
    revocationGround: '终止事由',
    revocationReason: '终止说明',
    requestedBy: '提出单位',
    // A share review under the 《政务数据共享条例》 (its tasks' context), and what the applicant is told is missing.
    regulation: '适用《政务数据共享条例》',
    noticeGiven: '已一次性告知需补充的材料',
    missing: '需补充的材料',
    item: '缺少的材料',
    // A delivery task's context (数据交付): the grant's fields to deliver from, and the grantee's problem that reopened it.
    fields: '共享许可的数据项',
    problem: '接收方反馈的问题',
    method: '交付方式',
    location: '接口地址或存放位置',
    deliveredFields: '交付的数据项',
    // The provider's ask to extend its answer (延长答复期限), as the head's approval task shows it.
    workingDays: '申请延长的工作日',
    // A usage report's period (使用记录): from, to, and its quarter.
    period: '报送期间',
    from: '起',
    to: '止',
    label: '季度',
    // A refusal dispute's turns and dossier (《政务数据共享条例》).
    turn: '轮次',
    party: '本轮办理方',
    otherPosition: '对方意见',
    consultationEnds: '协商截止时间',
    entryFields: '目录条目的数据项',
    shareRequestId: '不予共享的申请',
    entry: '目录条目',
    request: '原申请',
    refusal: '不予共享决定',
    objection: '异议理由',
    applicant: '申请单位',
    coordination: '大数据主管部门协调',
    grant: '是否予以共享',
    conditions: '共享条件',
    kind: '环节',
    at: '时间',
    form: '决定内容',
    scenario: '应用场景',
    statutoryDuty: '法定职责或公共服务',
    catalogEntryId: '目录条目',
    commitment: '承诺',
  },
};

function humanise(code: string): string {
  const words = code.replace(/[_-]+/g, ' ').toLowerCase().trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A request's status in its own type's words where it has them (a granted share request is 已同意共享). */
export function requestStatusLabel(code: string, type: string): string {
  return lang.value === 'zh' ? (procedureWords.value.types.get(type)?.statusNames[code] ?? label('status', code)) : label('status', code);
}

/** A decision in its task kind's words; without the kind, in the words of the first kind that has it. */
export function decisionLabel(code: string, kind?: string): string {
  if (lang.value !== 'zh') return humanise(code);
  const { kinds } = procedureWords.value;
  const own = kind === undefined ? undefined : kinds.get(kind)?.decisions.get(code);
  return own ?? [...kinds.values()].map((k) => k.decisions.get(code)).find(Boolean) ?? code;
}

type Group = keyof typeof LABELS | 'kind' | 'type';

/** The label of a code the API sent: Chinese where known, else the code made readable. */
export function label(group: Group, code: string): string {
  if (group === 'decision') return decisionLabel(code);
  if (lang.value !== 'zh') return group === 'field' ? code : humanise(code);
  if (group === 'kind') return procedureWords.value.kinds.get(code)?.name ?? code;
  if (group === 'type') return procedureWords.value.types.get(code)?.name ?? code;
  if (group === 'field') return fieldLabel(undefined, code, code);
  return LABELS[group][code] ?? code;
}

/** A time as it reads in Asia/Shanghai: 2026年12月5日 11:49 (in English, 5 Dec 2026, 11:49). */
export function formatTime(iso: string): string {
  if (lang.value === 'zh') return shanghaiTime(iso);
  return new Date(iso).toLocaleString('en-GB', { timeZone: 'Asia/Shanghai', dateStyle: 'medium', timeStyle: 'short' });
}

/** An article as the Measures cite it: `Art. 14` → 第十四条, `Art. 13 ¶3` → 第十三条第三款; in English as it came. */
export function articleName(article: string): string {
  return lang.value === 'zh' ? articleInChinese(article) : article;
}

/**
 * What each problem code says to a person, keyed by code, in place of the API's English title and detail:
 * domain/errors.ts's words, the ones the API itself answers `Accept-Language: zh` with.
 */
export const PROBLEMS: Record<ErrorCode, string> = ERROR_MESSAGES_ZH;

/** A problem's code: its `code`, else the one its type names (urn:public-data-workflows:problem:<Code>). */
export function problemCode(p: { code?: string; type?: string }): string | undefined {
  return p.code ?? /^urn:public-data-workflows:problem:(\w+)$/.exec(p.type ?? '')?.[1];
}

/** What a person reads for a problem: the Chinese message of its code, else (unknown code, English) its title. */
export function problemMessage(p: { code?: string; type?: string; title: string; status: number }): string {
  const code = problemCode(p);
  if (lang.value === 'zh') {
    if (code && Object.hasOwn(PROBLEMS, code)) return PROBLEMS[code as ErrorCode];
    if (p.status === 0) return '无法连接服务器，请检查网络后重试';
    return '出错了';
  }
  return p.title;
}

/** A refusal's own words with the article it cites taken out, as the article is shown beside them once. */
export const withoutArticle = (text: string): string => text.replace(/\s*[(（]Art\. \d+(?: ¶\d+)?[)）]/g, '').trim();

/** What a field's refusal says in Chinese, by its rule (JSON Schema's keywords, or the procedure's own rule). */
export function fieldMessage(f: { rule?: string; message?: string }): string {
  if (lang.value !== 'zh') return withoutArticle(f.message ?? f.rule ?? '');
  const rule = f.rule ?? '';
  return (
    (Object.hasOwn(RULE_MESSAGES_ZH, rule) ? RULE_MESSAGES_ZH[rule] : undefined) ??
    (/[\u4e00-\u9fff]/.test(f.message ?? '') ? withoutArticle(f.message!) : '填写的内容不符合要求')
  );
}

/** A recorded reason as shown: a person's words as written, the workflows' own (a lapsed consultation, an ended term) in the reader's language. */
export const reasonText = (reason: string): string => (lang.value === 'zh' ? reasonInChinese(reason) : reason);
