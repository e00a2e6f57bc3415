// The notification deliverer (issue 26 §2): each pass sends what the outbox holds due (e-mail over SMTP with nodemailer,
// webhooks signed with HMAC-SHA256) and records each outcome; retried with backoff, a dead letter after the policy's
// attempts. Its passes run in the worker's `deliverNotices` activity (activities/notifications.ts), which the
// `notificationDeliveryWorkflow` keeps running. Rows are claimed with a lease under SKIP LOCKED, so several workers'
// activities share the outbox without sending a row twice. Once a day it writes each person's digest of tasks falling
// due (one per person and day, the database's key).
import { createHash, createHmac } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { Db } from '../db';
import { claimDue, digestDue, markDelivered, markFailed, tasksFallingDue, writeDigest, type OutboxRow } from '../db/repositories/outbox';
import { shanghaiDay } from '../domain/calendar';
import { DEFAULT_DELIVERY_POLICY, digestMessage, noticeEmail, retryDelay, webhookBody, type Delivery, type DeliveryPolicy } from '../domain/notifications';
import { isTaskKind, taskKindRule } from '../domain/procedures';

export interface DelivererOptions {
  db: Db;
  /** Where the console is (CONSOLE_URL): the link in every e-mail and webhook. */
  consoleUrl: string;
  /** SMTP_URL and SMTP_FROM; none: e-mail waits in the outbox until a deliverer with a server takes it. */
  smtp?: { url: string; from: string } | null;
  policy?: DeliveryPolicy;
  /** How often the activity looks at the outbox when it had nothing due (default 1 s). */
  pollMs?: number;
  /** Rows claimed at once per channel; webhooks of a batch are posted concurrently (default 50). */
  batch?: number;
  /** How long a claimed row is held before another pass (another worker's) may take it again (default 60 s). */
  leaseMs?: number;
  /** How long a webhook receiver has to answer (default 10 s). */
  webhookTimeoutMs?: number;
  /** The daily digest: from which hour of the day (Asia/Shanghai) and how far ahead tasks count as falling due; none: no digest. */
  digest?: { hour: number; horizonMs: number } | null;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

/** The signature of a webhook post: hex HMAC-SHA256 of `timestamp.body` with the subscription's secret (docs/api.md). */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** The Message-ID of a notice's e-mail, derived from its idempotency key: a receiver that has it already drops a repeat. */
export function messageId(key: string, from: string): string {
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? 'public-data-workflows.invalid';
  return `<${createHash('sha256').update(key).digest('hex').slice(0, 40)}@${domain}>`;
}

const asDelivery = (r: OutboxRow): Delivery => ({
  idempotencyKey: r.idempotency_key,
  kind: r.kind,
  message: r.message,
  caseNumber: r.case_number,
  requestId: r.request_id,
  taskId: r.task_id,
  createdAt: new Date(r.created_at),
});

export interface Deliverer {
  /** One pass over both channels (and the digest when due); the number of rows sent or failed. */
  runOnce(): Promise<number>;
  /** Writes the digests of `now`'s day (a pass does it once the hour is reached). */
  digestPass(now?: Date): Promise<number>;
  /** Rows claimed at once per channel: a pass that handled this many may find more due at once. */
  readonly batch: number;
  /** How long the activity waits after a pass that found less than a batch. */
  readonly pollMs: number;
  /** Closes the mail transport, once the worker has stopped. */
  close(): void;
}

export function createDeliverer(o: DelivererOptions): Deliverer {
  const policy = o.policy ?? DEFAULT_DELIVERY_POLICY;
  const batch = o.batch ?? 50;
  const leaseMs = o.leaseMs ?? 60_000;
  const timeoutMs = o.webhookTimeoutMs ?? 10_000;
  const log = o.log ?? (() => {});
  const mail = o.smtp ? nodemailer.createTransport(o.smtp.url, { from: o.smtp.from }) : null;

  const sendEmail = async (r: OutboxRow) => {
    const { subject, text } = noticeEmail(asDelivery(r), o.consoleUrl);
    await mail!.sendMail({
      from: o.smtp!.from,
      to: r.address,
      subject,
      text,
      messageId: messageId(r.idempotency_key, o.smtp!.from),
      headers: { 'X-PDW-Idempotency-Key': r.idempotency_key },
    });
  };

  const postWebhook = async (r: OutboxRow) => {
    if (!r.secret) throw new Error('the subscription is gone');
    const body = JSON.stringify(webhookBody(asDelivery(r), o.consoleUrl));
    const timestamp = String(Math.floor(Date.now() / 1000));
    const res = await fetch(r.address, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'public-data-workflows-webhooks',
        'idempotency-key': r.idempotency_key,
        'x-pdw-event-id': r.idempotency_key,
        'x-pdw-event': r.kind,
        'x-pdw-timestamp': timestamp,
        'x-pdw-signature': `sha256=${webhookSignature(r.secret, timestamp, body)}`,
      },
      body,
    });
    await res.arrayBuffer().catch(() => undefined);
    if (res.status < 200 || res.status >= 300) throw new Error(`the receiver answered ${res.status}`);
  };

  const channel = async (name: 'email' | 'webhook', send: (r: OutboxRow) => Promise<void>): Promise<number> => {
    const rows = await claimDue(o.db, name, batch, leaseMs);
    if (!rows.length) return 0;
    const sent: string[] = [];
    await Promise.all(
      rows.map(async (r) => {
        try {
          await send(r);
          sent.push(r.id);
        } catch (err) {
          const delay = retryDelay(r.attempts, policy);
          log(delay === null ? 'notification dead-lettered' : 'notification not delivered; retried later', {
            outboxId: r.id,
            channel: name,
            attempts: r.attempts,
            // A mail server's refusal may quote the address: e-mail failures are logged by their code alone (no personal data).
            err: name === 'email' ? ((err as { code?: string }).code ?? 'error') : (err as Error).message,
          });
          await markFailed(o.db, r.id, (err as Error).message, delay);
        }
      }),
    );
    await markDelivered(o.db, sent);
    return rows.length;
  };

  const digestPass = async (now = new Date()): Promise<number> => {
    if (!o.digest) return 0;
    const day = shanghaiDay(now);
    let written = 0;
    for (;;) {
      const people = await digestDue(o.db, day, 100);
      if (!people.length) return written;
      for (const p of people) {
        const tasks = await tasksFallingDue(o.db, p, new Date(now.getTime() + o.digest.horizonMs));
        const message = digestMessage(
          tasks.map((t) => ({ kindName: isTaskKind(t.kind) ? taskKindRule(t.kind).name : t.kind, caseNumber: t.case_number, dueAt: t.due_at, taskId: t.id })),
          o.consoleUrl,
        );
        if (await writeDigest(o.db, { sub: p.sub, org: p.org, email: p.email! }, day, tasks.length, message)) written++;
      }
    }
  };

  let digestDay: string | null = null;
  const shanghaiHour = (d: Date) => (d.getUTCHours() + 8) % 24;

  const runOnce = async (): Promise<number> => {
    const now = new Date();
    if (o.digest && digestDay !== shanghaiDay(now) && shanghaiHour(now) >= o.digest.hour) {
      await digestPass(now);
      digestDay = shanghaiDay(now);
    }
    const [webhooks, emails] = await Promise.all([channel('webhook', postWebhook), mail ? channel('email', sendEmail) : Promise.resolve(0)]);
    return webhooks + emails;
  };

  return {
    runOnce,
    digestPass,
    batch,
    pollMs: o.pollMs ?? 1000,
    close: () => mail?.close(),
  };
}
