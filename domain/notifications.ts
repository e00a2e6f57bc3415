// Notifications that reach people (issue 26 §2): the kinds of notice a person or a webhook may ask for, the channels,
// the rules on preferences and webhook URLs, the retry policy, and what an e-mail and a webhook post say. Pure.
import { shanghaiTime } from './calendar';
import type { RuleViolation } from './errors';

/** The kinds of notice (notifications.kind) a person or a webhook may subscribe to, with their Chinese names. */
export const NOTICE_EVENTS = {
  task_assigned: '新任务',
  task_reminder: '任务到期提醒',
  task_overdue: '任务逾期',
  task_escalated: '督办升级',
  task_urged: '督办',
  task_due_extended: '办理期限延长',
  request_status: '申请状态变化',
  request_failed: '申请办理失败',
  catalog_published: '目录调整发布',
  agreement_signed: '开放利用协议签署',
  agreement_ended: '开放利用协议终止',
  usage_report_missed: '利用情况报告逾期',
} as const;
export type NoticeEvent = keyof typeof NOTICE_EVENTS;
export const isNoticeEvent = (k: string): k is NoticeEvent => Object.hasOwn(NOTICE_EVENTS, k);

/** Channels beyond the console, which shows every notice whatever a person chose. */
export const CHANNELS = ['email'] as const;
export type Channel = (typeof CHANNELS)[number];
export const CHANNEL_NAMES: Record<Channel | 'console', string> = { console: '工作台', email: '电子邮件' };

/** The kind of the digest's e-mail (not a notice: the outbox row has no notification). */
export const DIGEST_KIND = 'task_digest';

export interface NotificationPreferences {
  email: string | null;
  events: NoticeEvent[];
  channels: Channel[];
  digest: boolean;
}

/** No row yet: every kind of notice, in the console only. */
export const DEFAULT_PREFERENCES: NotificationPreferences = {
  email: null,
  events: Object.keys(NOTICE_EVENTS) as NoticeEvent[],
  channels: [],
  digest: false,
};

const invalid = (field: string, rule: string, detail: string): RuleViolation => ({ code: 'InvalidInput', field, rule, detail });

/** An address a mail server takes: local@domain, no spaces, no angle brackets or quotes (nothing a header could be split by). */
const EMAIL = /^[^\s@<>()",;:\\[\]]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
export const isEmailAddress = (s: string) => s.length <= 254 && EMAIL.test(s);

/** Preferences as a person sets them: e-mail or the digest need an address; kinds known. */
export function preferencesViolation(p: NotificationPreferences): RuleViolation | null {
  if (p.email !== null && !isEmailAddress(p.email)) return invalid('email', 'an e-mail address', 'The e-mail address is not one a mail server takes');
  if ((p.channels.includes('email') || p.digest) && p.email === null)
    return invalid('email', 'an e-mail address for e-mail', 'E-mail and the daily digest need an e-mail address');
  const unknown = p.events.find((k) => !isNoticeEvent(k));
  if (unknown !== undefined) return invalid('events', 'enum', `${unknown} is no kind of notice`);
  return null;
}

/** A webhook's URL: http(s) only, and https outside development; no credentials in it. */
export function webhookUrlViolation(url: string, production: boolean): RuleViolation | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return invalid('url', 'an http(s) URL', 'The URL could not be read');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return invalid('url', 'an http(s) URL', 'A webhook is an http(s) URL');
  if (production && u.protocol !== 'https:') return invalid('url', 'https', 'A deployment posts webhooks over https only');
  if (u.username || u.password) return invalid('url', 'no credentials', 'A webhook URL carries no user or password (the signature authenticates)');
  return null;
}

export function webhookEventsViolation(events: string[]): RuleViolation | null {
  if (!events.length) return invalid('events', 'minItems', 'Name at least one kind of notice');
  const unknown = events.find((k) => !isNoticeEvent(k));
  return unknown === undefined ? null : invalid('events', 'enum', `${unknown} is no kind of notice`);
}

/**
 * How many server-sent event streams (GET /events) may be open at once: per person (by token sub, whatever tab or
 * device) and in the whole API process. Five a person leaves one of a browser's six HTTP/1.1 connections to a host
 * for the console's own requests.
 */
export interface StreamLimits {
  perPerson: number;
  total: number;
}
export const DEFAULT_STREAM_LIMITS: StreamLimits = { perPerson: 5, total: 1000 };

/** A further stream refused: the person's own are at their limit, or the process's. */
export function streamLimitViolation(open: { mine: number; all: number }, limits: StreamLimits): RuleViolation | null {
  if (open.mine >= limits.perPerson)
    return {
      code: 'TooManyRequests',
      field: 'streams',
      rule: 'open streams per person',
      detail: `At most ${limits.perPerson} event streams a person at once; this page polls instead`,
    };
  if (open.all >= limits.total)
    return {
      code: 'TooManyRequests',
      field: 'streams',
      rule: 'open streams in all',
      detail: `At most ${limits.total} event streams at once; this page polls instead`,
    };
  return null;
}

/** What the deliverer's webhook error (worker/deliverer.ts postWebhook: last_error of a dead letter) means, in Chinese, for the admin who fixes it. */
export function deliveryErrorInChinese(error: string | null): string {
  if (error === null) return '未记录原因';
  const status = /the receiver answered (\d{3})/.exec(error)?.[1];
  if (status) {
    const n = Number(status);
    if (n >= 500) return `接收方服务出错（返回状态码 ${n}），请联系接收系统的维护人员`;
    if (n >= 400) return `接收方拒绝接收（返回状态码 ${n}），请核对推送地址和签名校验`;
    return `接收方要求跳转（返回状态码 ${n}），推送不跟随跳转，请填写最终的推送地址`;
  }
  if (/subscription is gone/.test(error)) return '该推送地址已删除';
  if (/timeout|timed out|aborted/i.test(error)) return '接收方未在规定时间内响应';
  if (/fetch failed|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|socket/i.test(error)) return '无法连接接收方：地址不可达或接收服务未启动';
  return '推送失败';
}

/** How deliveries are retried: the first retry after `baseMs`, doubling up to `maxMs`; dead after `maxAttempts`. */
export interface DeliveryPolicy {
  baseMs: number;
  maxMs: number;
  maxAttempts: number;
}
export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = { baseMs: 10_000, maxMs: 3_600_000, maxAttempts: 12 };

/** The wait before the next attempt after `attempts` failed ones; null when the policy's limit is reached (dead letter). */
export function retryDelay(attempts: number, p: DeliveryPolicy): number | null {
  if (attempts >= p.maxAttempts) return null;
  return Math.min(p.maxMs, p.baseMs * 2 ** Math.max(0, attempts - 1));
}

/** A delivery as the deliverer reads it from the outbox. */
export interface Delivery {
  idempotencyKey: string;
  kind: string;
  message: string;
  caseNumber: string | null;
  requestId: string | null;
  taskId: string | null;
  createdAt: Date;
}

/** Where the console shows it: the task, else the request, else the notices. */
export function consoleLink(base: string, d: Pick<Delivery, 'requestId' | 'taskId'>): string {
  const root = base.replace(/\/+$/, '');
  if (d.taskId) return `${root}/#/tasks/${encodeURIComponent(d.taskId)}`;
  if (d.requestId) return `${root}/#/requests/${encodeURIComponent(d.requestId)}`;
  return `${root}/#/notifications`;
}

const eventName = (kind: string) => (isNoticeEvent(kind) ? NOTICE_EVENTS[kind] : kind === DIGEST_KIND ? '每日待办摘要' : '通知');

/** The e-mail of a delivery, in Chinese: subject with the kind and the case number, the notice, the link. */
export function noticeEmail(d: Delivery, consoleUrl: string): { subject: string; text: string } {
  const link = consoleLink(consoleUrl, d);
  const subject = `【公共数据】${eventName(d.kind)}${d.caseNumber ? `：受理编号 ${d.caseNumber}` : ''}`;
  const text = [
    '您好：',
    '',
    d.message,
    '',
    ...(d.caseNumber ? [`受理编号：${d.caseNumber}`] : []),
    `在工作台查看：${link}`,
    `时间：${shanghaiTime(d.createdAt)}`,
    '',
    '此邮件由公共数据工作流系统自动发送，请勿直接回复。如不需要此类邮件，可在工作台“通知设置”中修改。',
  ].join('\n');
  return { subject, text };
}

/** The JSON a webhook receives (docs/api.md, "Webhooks"). */
export function webhookBody(d: Delivery, consoleUrl: string) {
  return {
    id: d.idempotencyKey,
    event: d.kind,
    eventName: eventName(d.kind),
    caseNumber: d.caseNumber,
    requestId: d.requestId,
    taskId: d.taskId,
    message: d.message,
    link: consoleLink(consoleUrl, d),
    createdAt: d.createdAt.toISOString(),
  };
}

/** A task in a person's digest. */
export interface DigestTask {
  kindName: string;
  caseNumber: string | null;
  dueAt: Date;
  taskId: string;
}

/** The digest's words: each task falling due, its case number, its due time and its link. */
export function digestMessage(tasks: DigestTask[], consoleUrl: string): string {
  const root = consoleUrl.replace(/\/+$/, '');
  return [
    `您有 ${tasks.length} 项任务即将到期：`,
    ...tasks.map(
      (t, i) =>
        `${i + 1}. ${t.kindName}${t.caseNumber ? `（受理编号 ${t.caseNumber}）` : ''}，办理期限 ${shanghaiTime(t.dueAt)}：${root}/#/tasks/${encodeURIComponent(t.taskId)}`,
    ),
  ].join('\n');
}
