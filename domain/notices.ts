// What each notice says, in Chinese, as it is written (the console shows `message` as it is): one function per
// kind of notice. Pure, and made only from their inputs (no clock), so a retried activity writes the same words.
// A notice about a request names it by `REQUEST_REF`, which the database fills in as the notice is written
// (db/repositories/notifications.ts): the request's case number is drawn in the statement that records it.
import { shanghaiDate, shanghaiTime } from './calendar';
import { basisItemText, type LegalBasis } from './catalog';
import { articleInChinese } from './measures';
import { isTaskKind, taskKindRule } from './procedures';
import { reasonInChinese } from './reasons';
import { requestStatusName, STATUS_NAMES } from './requests';

/** Stands for the request a notice is about: （受理编号 RZ-GX-20261205-0007「医疗机构执业信息」）, or nothing for a request with neither. */
export const REQUEST_REF = '{申请}';

const R = REQUEST_REF;
/** A task kind as a person reads it. */
const kindName = (kind: string) => `“${isTaskKind(kind) ? taskKindRule(kind).name : kind}”`;
/** ：reason, when there is one. */
const because = (reason: string | null | undefined) => (reason ? `：${reasonInChinese(reason)}` : '');

/** request_status: the applicant told of their request's new status, in its procedure's words, and the article it rests on. */
export const requestStatusNotice = (t: {
  status: string;
  type?: string;
  reason?: string | null;
  article: string;
  outcome?: { legalBasis?: LegalBasis[]; [detail: string]: unknown } | null;
}) => `您的申请${R}现为“${requestStatusName(t.status, t.type)}”${because(t.reason)}${basisOf(t.outcome?.legalBasis)}（${articleInChinese(t.article)}）`;

/** ；依据：《…》第…条（法律）、…: the legal basis a refusal cites, when it cites one. */
const basisOf = (basis: LegalBasis[] | undefined) => (Array.isArray(basis) && basis.length ? `；依据：${basis.map(basisItemText).join('、')}` : '');

/** request_status: the applicant told their request could not be processed (Art. 29). */
export const requestFailedNotice = (reason: string) => `您的申请${R}未能办理，办理失败：${reason}`;

/** request_failed: the supervisor of the applicant's level told of it. */
export const requestFailedSupervisorNotice = (applicant: string, reason: string) => `${applicant}的申请${R}办理失败：${reason}`;

/** task_assigned: a task opened, to its candidates. */
export const taskOpenedNotice = (kind: string, dueAt: Date | string) => `新任务：${kindName(kind)}${R}，办理期限 ${shanghaiTime(dueAt)}`;

/** task_assigned: a task opened, to the delegate in force of one of its candidates for its kind (代理, issue 26 §3). */
export const taskOpenedForDelegateNotice = (kind: string, dueAt: Date | string, delegator: string) =>
  `新任务（代${delegator}办理）：${kindName(kind)}${R}，办理期限 ${shanghaiTime(dueAt)}`;

/** delegation_created: the delegate told a colleague named them to act on their tasks of some kinds for a period (代理, issue 26 §3). */
export const delegationMadeNotice = (t: { delegator: string; kinds: string[]; startsAt: Date | string; endsAt: Date | string; reason: string }) =>
  `${t.delegator}指定您为代理人，自 ${shanghaiTime(t.startsAt)} 至 ${shanghaiTime(t.endsAt)} 代其办理${t.kinds.map(kindName).join('、')}任务${because(t.reason)}`;

/** delegation_ended: the delegate told the delegation naming them was ended before its end (代理, issue 26 §3). */
export const delegationEndedNotice = (t: { delegator: string; endsAt: Date | string; endedAt: Date | string }) =>
  `${t.delegator}已于 ${shanghaiTime(t.endedAt)} 提前终止对您的代理指定（原定至 ${shanghaiTime(t.endsAt)}），其任务不再由您代为办理`;

/** task_reminder: a task nearly due, to its candidates. */
export const taskReminderNotice = (kind: string, dueAt: Date | string) => `到期提醒：${kindName(kind)}${R}，办理期限 ${shanghaiTime(dueAt)}`;

/** task_overdue: a task past due, to the supervisors of its candidate's level (Art. 32). */
export const taskOverdueNotice = (kind: string, candidate: string, dueAt: Date | string) =>
  `任务逾期：${candidate}的${kindName(kind)}${R}已于 ${shanghaiTime(dueAt)} 到期（第三十二条）`;

/** task_escalated: a task still undecided well past due, to the supervisors and its candidates (督办, Art. 32). */
export const taskEscalatedNotice = (kind: string, candidate: string, dueAt: Date | string) =>
  `督办：${candidate}的${kindName(kind)}${R}已于 ${shanghaiTime(dueAt)} 到期，仍未办理（第三十二条）`;

/** task_escalated: to the competent body's own head, added as its candidate when the task escalated (督办升级, Art. 32). */
export const taskEscalatedToHeadNotice = (kind: string, candidate: string, dueAt: Date | string) =>
  `督办升级：${candidate}的${kindName(kind)}${R}已于 ${shanghaiTime(dueAt)} 到期仍未办理，现由您（共享工作机构负责人）一并办理（第三十二条）`;

/** task_assigned: a supervisor handed a task to someone (Art. 32). */
export const taskReassignedNotice = (kind: string, reason: string) => `${kindName(kind)}${R}已改派给您${because(reason)}`;

/** task_due_extended: a supervisor moved a task's due time (Art. 32), to its candidates. */
export const taskDueExtendedNotice = (kind: string, dueAt: Date | string, reason: string) =>
  `${kindName(kind)}${R}的办理期限已延长至 ${shanghaiTime(dueAt)}${because(reason)}`;

/** request_status: the applicant and the provider's reviewer who asked told how the head of the provider's sharing work
 * answered its request to extend its answer (《政务数据共享条例》), and where the opinion's due time now stands. */
export const providerExtensionAnsweredNotice = (t: {
  approved: boolean;
  granted: number | null;
  dueAt: Date | string | null;
  reason: string;
  article: string;
}) =>
  t.approved
    ? `提供单位申请延长答复${R}的期限，经其政务数据共享工作机构负责人同意，延长${t.granted === null ? '' : ` ${t.granted} 个工作日`}${t.dueAt ? `，提供单位审核意见的期限延至 ${shanghaiTime(t.dueAt)}` : ''}（${t.article}）${because(t.reason)}`
    : `提供单位申请延长答复${R}的期限，其政务数据共享工作机构负责人不同意，答复期限不变（${t.article}）${because(t.reason)}`;

/** task_urged: a supervisor's urging (督办, Art. 32), its count and words, to the candidates and the holder. */
export const taskUrgedNotice = (kind: string, count: number, words: string) => `督办（第${count}次）：${kindName(kind)}${R}${because(words)}`;

/** request_status: the provider's reviewer who asked to end a grant told it ended (Art. 14). */
export const grantEndedNotice = (article: string, reason: string | null) =>
  `共享许可${R}已经市大数据工作主管部门同意终止（${articleInChinese(article)}）${because(reason)}`;

/** request_status: the grantee's applicant told, before it takes effect, that the city authority consented to the provider's
 * request to end its grant, and when sharing ends (《政务数据共享条例》: the provider does not stop sharing on its own). */
export const grantStopScheduledNotice = (t: { effectiveAt: Date | string; ground: string; reason: string }) =>
  `共享许可${R}：市大数据工作主管部门已同意提供单位终止共享（${t.ground}），共享将于 ${shanghaiTime(t.effectiveAt)} 终止，请在此之前停止使用并做好衔接${because(t.reason)}`;

/** grant_ended: the providing agency and the city authority told the grantee ended its grant, its purpose achieved, the data deleted (条例). */
export const grantEndedByGranteeNotice = (t: { grantee: string; reason: string; deletedBy: string; deletedAt: Date | string; method: string }) =>
  `${t.grantee}因共享目的已实现终止共享许可${R}，并确认已删除接收的全部数据（${t.deletedBy}于 ${shanghaiTime(t.deletedAt)} ${t.method}）${because(t.reason)}`;

/** request_status: the grantee's applicant told the providing agency's answer to its ask to provide the data to a third party (issue 24 §6). */
export const onwardProvisionAnsweredNotice = (t: { consented: boolean; thirdParty: string; reason: string | null }) =>
  t.consented
    ? `共享许可${R}：数据提供单位已同意向${t.thirdParty}提供共享数据（《政务数据共享条例》），请在同意的范围和用途内提供`
    : `共享许可${R}：数据提供单位不同意向${t.thirdParty}提供共享数据，不得提供${because(t.reason)}`;

/** request_status: the provider's reviewer who asked to end a grant told the authority refused (Art. 14). */
export const revocationRefusedNotice = (reason: string) => `共享许可${R}：市大数据工作主管部门不同意终止共享（第十四条），共享继续${because(reason)}`;

/** catalog_published: an adjustment published before its review, to the reviewing authority (Art. 9). */
export const catalogPublishedNotice = (agency: string, ground: string, entries: number) =>
  `${agency}的目录调整（${ground}）已发布 ${entries} 个条目，请事后审查（第九条）。目录调整申请${R}`;

/** agreement_signed: the authority told of an agreement in force (告知, Art. 20); `fallback` says why it is the next level up. */
export const agreementSignedNotice = (provider: string, licensee: string, endsAt: Date | string, fallback: string | null) =>
  `告知：${provider}与${licensee}签署公共数据开放利用协议${R}，期限至 ${shanghaiDate(endsAt)}（第二十条）${fallback ? `。${fallback}` : ''}`;

/** agreement_ended: the provider told the agreement ended (lapsed, declined, cancelled, expired, terminated). */
export const agreementEndedNotice = (status: string, reason: string | null) => `开放利用协议${R}${STATUS_NAMES[status] ?? status}${because(reason)}`;

/** usage_report_missed: the provider told a usage report was not made by its due time (Art. 20). */
export const usageReportMissedNotice = () => `开放利用协议${R}的数据利用情况报告逾期未报（第二十条）`;
