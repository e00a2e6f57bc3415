// Business error codes shared by the workflow (ApplicationFailure types) and the API (problem types).

export const ERRORS = {
  TaskNotFound: { status: 404, title: 'Task not found' },
  RequestNotFound: { status: 404, title: 'Request not found' },
  GrantNotFound: { status: 404, title: 'Grant not found' },
  EntryNotFound: { status: 404, title: 'Catalog entry not found' },
  TaskNotOpen: { status: 409, title: 'Task is not open' },
  TaskKindMismatch: { status: 409, title: 'The task is not of the kind decided together' },
  RequestNotActive: { status: 409, title: 'Request is not in a state that allows this' },
  IdempotencyKeyReused: { status: 409, title: 'Idempotency-Key was used for a different request' },
  OpinionAwaited: { status: 409, title: 'The providing agency has not agreed' },
  NoticeAlreadyGiven: { status: 409, title: 'The applicant was already told once what is missing' },
  ExtensionAlreadyAsked: { status: 409, title: 'The provider has already asked once to extend its answer' },
  RenewalPending: { status: 409, title: 'A renewal of this grant is already being decided' },
  OnwardProvisionForbidden: { status: 409, title: 'The data shared may not be provided to a third party' },
  ExtensionNotAvailable: { status: 409, title: 'This task offers no extension of its answer' },
  DisputeWindowClosed: { status: 409, title: 'The window for disputing the refusal has closed' },
  AlreadyClaimed: { status: 409, title: 'Task is claimed by someone else' },
  NotCandidate: { status: 403, title: 'You are not a candidate for this task' },
  NotAssignee: { status: 403, title: 'Only the assignee may do this' },
  OwnRequest: { status: 403, title: 'Nobody decides their own request' },
  Excluded: { status: 403, title: 'A party to the matter may not act on this task' },
  PrincipalRequired: { status: 409, title: 'Say who you are first (PUT /principals/me)' },
  NotOpen: { status: 403, title: 'The data is not opened (Art. 17)' },
  Forbidden: { status: 403, title: 'Your role or organisation may not do this' },
  DecisionNotAllowed: { status: 400, title: 'Decision not allowed for this task' },
  ReasonRequired: { status: 400, title: 'A reason is required' },
  InvalidInput: { status: 400, title: 'Invalid input' },
  Unauthorized: { status: 401, title: 'Missing or invalid bearer token' },
  PdfUnavailable: { status: 503, title: 'No PDF can be made here (no CJK font installed)' },
  ConsoleNotBuilt: { status: 404, title: 'The console is not built here (npm run console:build)' },
  ConsoleFileNotFound: { status: 404, title: 'The console has no such file' },
  EngineTimeout: { status: 503, title: 'The workflow engine did not answer in time' },
  RegistrationIncomplete: { status: 409, title: 'Registration could not be completed' },
  TooManyRequests: { status: 429, title: 'Too many requests' },
  IdentityUnverified: { status: 409, title: 'The identity provider verified no identity for this sign-in' },
  EngineUnavailable: { status: 503, title: 'The workflow engine cannot take this action at the moment' },
  DatabaseUnavailable: { status: 503, title: 'The database is not reachable' },
  UnstorableData: { status: 400, title: 'The data cannot be stored' },
  AgentNotFound: { status: 404, title: 'No such authorisation of yours in force' },
  AgentConflict: { status: 409, title: 'The authorisation of this agent conflicts with one in force' },
  UrgeRefused: { status: 409, title: 'The task may not be urged now' },
  OrganisationNotFound: { status: 404, title: 'Organisation not found' },
  DelegationNotFound: { status: 404, title: 'No such delegation of yours' },
  DelegationConflict: { status: 409, title: 'A delegation of yours for the same task kinds is in force for part of that period' },
  DelegationEnded: { status: 409, title: 'The delegation has already ended' },
  // Refused by the framework before any route's code (api/problem.ts FRAMEWORK_CODES); 429 is TooManyRequests.
  RouteNotFound: { status: 404, title: 'No such route' },
  MethodNotAllowed: { status: 405, title: 'The route does not take this method' },
  MalformedUrl: { status: 400, title: 'The URL could not be read' },
  UnsupportedMediaType: { status: 415, title: 'The body is of a Content-Type this route does not take' },
  MalformedBody: { status: 400, title: 'The body could not be read as its Content-Type says' },
  BodyTooLarge: { status: 413, title: 'The body is too large' },
  UrlTooLong: { status: 414, title: 'A part of the URL is too long' },
  // Nothing a caller did: a defect of ours, logged with the request id (nothing of the request was applied half-way:
  // every write is one transaction or one workflow step).
  InternalError: { status: 500, title: 'An unexpected error occurred' },
} as const;
export type ErrorCode = keyof typeof ERRORS;

/**
 * What each code says to a person reading Chinese: the API's `title` under `Accept-Language: zh`, and the
 * console's message for the code. Typed by ErrorCode, so a new code does not compile without its words.
 */
export const ERROR_MESSAGES_ZH: Record<ErrorCode, string> = {
  TaskNotFound: '未找到该任务',
  RequestNotFound: '未找到该申请',
  GrantNotFound: '未找到该共享许可',
  EntryNotFound: '未找到该目录条目',
  TaskNotOpen: '该任务已办结或已关闭',
  TaskKindMismatch: '该任务不属于所选的任务类型，未予办理',
  RequestNotActive: '该申请当前的状态不允许此操作',
  IdempotencyKeyReused: '重复提交的内容与首次不同，请刷新后重试',
  OpinionAwaited: '数据提供单位尚未同意',
  NoticeAlreadyGiven: '本次审核已一次性告知需补充的材料，不得再次要求补充',
  ExtensionAlreadyAsked: '提供单位已申请过一次延长答复期限，不得再次申请',
  RenewalPending: '该共享许可已有续期申请正在办理，不得重复申请',
  OnwardProvisionForbidden: '除法律、法规另有规定的外，共享数据不得以任何形式提供给第三方（第十五条）',
  ExtensionNotAvailable: '此任务不能申请延长答复期限',
  DisputeWindowClosed: '已超过对不予共享提出异议的期限',
  AlreadyClaimed: '该任务已由他人认领',
  NotCandidate: '您不是该任务的办理人',
  NotAssignee: '只有认领人可以办理此任务',
  OwnRequest: '任何人不得审核本人提出的申请',
  Excluded: '与本事项有利害关系的人员不得办理此任务',
  PrincipalRequired: '请先登记您的身份',
  NotOpen: '该数据不予开放',
  Forbidden: '您的角色或单位无权进行此操作',
  DecisionNotAllowed: '此任务不能作出该决定',
  ReasonRequired: '请填写理由',
  InvalidInput: '填写的内容不符合要求，请按提示修改',
  Unauthorized: '登录已失效，请重新登录',
  PdfUnavailable: '暂时无法生成 PDF 文件',
  ConsoleNotBuilt: '工作台尚未部署',
  ConsoleFileNotFound: '未找到该页面文件',
  EngineTimeout: '系统处理超时，请稍后重试',
  RegistrationIncomplete: '身份登记未能完成，请重试',
  TooManyRequests: '操作过于频繁，请稍后重试',
  IdentityUnverified: '身份提供方未核验您的身份',
  EngineUnavailable: '系统暂时无法办理此操作，请稍后重试',
  DatabaseUnavailable: '系统暂时无法访问数据，请稍后重试',
  UnstorableData: '填写的内容含有无法保存的字符',
  AgentNotFound: '未找到该有效的经办人授权',
  AgentConflict: '该经办人授权与有效的授权冲突',
  UrgeRefused: '此时不能督办该任务',
  OrganisationNotFound: '没有该单位，或不在您的督办范围内',
  DelegationNotFound: '没有您的这项代理设置',
  DelegationConflict: '您在该期间已就相同的任务类型设置了代理',
  DelegationEnded: '该代理已结束',
  RouteNotFound: '请求的地址不存在',
  MethodNotAllowed: '该地址不接受此种请求方式',
  MalformedUrl: '请求的地址格式不正确，无法识别',
  UnsupportedMediaType: '不支持所提交内容的格式',
  MalformedBody: '提交的内容为空或无法解析',
  BodyTooLarge: '提交的内容过大',
  UrlTooLong: '请求地址中的内容过长',
  InternalError: '系统出现意外错误，请稍后重试；如仍不成功，请联系系统管理员',
};

/**
 * What a refused field's rule says in Chinese, by the rule's name: JSON Schema's keywords (a 400 from the
 * route's schema) and the domain's own rules that a person can mend at the field.
 */
export const RULE_MESSAGES_ZH: Record<string, string> = {
  required: '此项必填',
  'reason required': '此决定须说明理由',
  // 《政务数据共享条例》: a request for information lists everything missing at once.
  一次性告知: '请一次性列明全部需补充的材料，每项写明缺少什么、为什么需要',
  // 不予共享 (Art. 13 ¶2; 《政务数据共享条例》 between government departments): a refusal cites its basis of the levels accepted.
  'legal basis of an accepted level': '不同意的，请逐项写明所依据的法律等：层级从列表中选择，名称和条款均须填写',
  // Issue 24 §3: an entry marked 不予共享 cites a basis of a level accepted for its catalog (the 条例's for a government department).
  'a provision of an accepted level': '列为不予共享的，依据中须至少有一项为可选层级（从列表中选择）的法律等，并写明名称和条款',
  // 《政务数据共享条例》: the provider asks once to extend its answer, approved by its head of sharing work.
  延期申请一次: '提供单位只能申请一次延长答复期限',
  'dispute window': '已超过对不予共享提出异议的期限',
  'one dispute per refusal': '该不予共享决定已提出过异议',
  refused: '只能对不予共享的申请提出异议',
  'a position': '请选择是否予以共享',
  'working days': '延长的工作日须为 1 至 30 之间的整数',
  // 《政务数据共享条例》: the grantee ends its grant as its purpose is achieved, confirming the data deleted.
  purpose_achieved: '使用方只能以“共享目的已实现”为由结束共享',
  'a name': '请填写删除数据的人员姓名',
  'date-time': '请选择删除的日期和时间',
  'not in the future': '删除时间不能晚于现在',
  'not before the grant': '删除时间不能早于共享许可生效时间',
  'all data received': '请确认已删除通过本次共享接收的全部数据',
  // A signature whose hash is not the text's: the text changed since the page showed it.
  'the SHA-256 of the text signed': '所签署的文本与协议文本不一致，请刷新页面后重新阅读并签署',
  minLength: '此项不能为空',
  maxLength: '内容过长',
  minItems: '请至少选择一项',
  maxItems: '选择的项目过多',
  minimum: '数值过小',
  maximum: '数值过大',
  type: '格式不正确',
  format: '格式不正确',
  pattern: '格式不正确',
  enum: '请从列表中选择',
  const: '取值不正确',
  additionalProperties: '包含不应填写的内容',
  exists: '所选内容不存在',
  published: '该目录条目尚未发布',
  'must be true': '请勾选此项',
  'fields of the entry': '请从该目录条目的数据项中选择',
  'check digit': '校验码与号码不符，请核对',
  'check character': '校验码与代码不符，请核对',
  'division code': '号码中的行政区划代码不正确',
  'birth date': '号码中的出生日期不正确',
  'registration authority': '代码中的登记管理部门代码不正确',
  'organisation type': '代码中的机构类别代码不正确',
  'document type': '请从列表中选择证件类型',
  'known person': '请从列表中选择人员',
  'candidate of the task': '所选人员不能办理此任务',
  'a real day': '日期不存在',
  // Art. 10: a data refresh is recorded once it happened, and not before the entry was published.
  'not after today': '数据更新日期不能晚于今天',
  'not before the entry': '数据更新日期不能早于该目录条目首次发布之日',
  'a note or none': '请填写更新说明，或留空',
  'an agency': '请从列表中选择部门',
  cursor: '翻页位置无效，请回到第一页',
  'a demo user': '没有这位演示用户',
};

/** A rule broken by an input or an action: which field, which rule, on which article it rests. */
export interface RuleViolation {
  code: ErrorCode;
  detail: string;
  field?: string;
  rule?: string;
  article?: string;
}
