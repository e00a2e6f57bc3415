// Notifications that reach people (issue 26 §2): the outbox written with each notice, delivered by the workers'
// `deliverNotices` activities (the delivery workflow a worker starts at boot) to a real SMTP server (smtp-server) and a
// real HTTP receiver that checks each signature; a receiver down for a while gets every notice once back, none twice; a
// dead letter after the policy's attempts, redelivered on demand; twenty writers of one notice at once give one
// delivery; two workers share the outbox. Against real Temporal and PostgreSQL.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { notifyAll } from '../db/repositories/notifications';
import type { DeliveryPolicy } from '../domain/notifications';
import type { Actor } from '../domain/types';
import { startNotificationDelivery } from '../worker';
import { createDeliverer, type DelivererOptions } from '../worker/deliverer';
import { startApi, validShareBody, type Api } from './api-helpers';
import { eventually, recordHistories, startHarness, type Harness } from './helpers';
import { startDelivery, type Delivery } from './support/delivery';
import { startMailServer, type MailServer } from './support/mail-server';
import { startWebhookReceiver } from './support/webhook-receiver';

const CONSOLE = 'https://console.example.gov.cn/console/';
const FAST: DeliveryPolicy = { baseMs: 100, maxMs: 400, maxAttempts: 100 };

let h: Harness;
let api: Api;
let mailServer: MailServer;

beforeAll(async () => {
  h = await startHarness('outbox');
  api = await startApi(h, { webhooksHttpsOnly: false });
  mailServer = await startMailServer();
});

afterAll(async () => {
  await mailServer?.close();
  await api.app.close();
  await h.close();
});

const uid = () => randomUUID().slice(0, 6);

const options = (policy: DeliveryPolicy = FAST, batch?: number): DelivererOptions => ({
  db: h.db,
  consoleUrl: CONSOLE,
  smtp: { url: mailServer.url, from: '公共数据工作流 <noreply@pdw.example.gov.cn>' },
  policy,
  pollMs: 50,
  ...(batch ? { batch } : {}),
});

/** `workers` workers delivering the outbox through their activities, as deployed (test/support/delivery.ts). */
function deliverer(policy: DeliveryPolicy = FAST, { batch, workers }: { batch?: number; workers?: number } = {}): Promise<Delivery> {
  return startDelivery(h.client, options(policy, batch), { workers });
}

const receiver = startWebhookReceiver;

async function call(actor: Actor, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) {
  return api.app.inject({ method, url, ...(payload ? { payload } : {}), headers: api.as(actor) });
}

async function subscribe(admin: Actor, url: string, events: string[]): Promise<{ id: string; secret: string }> {
  const res = await call(admin, 'POST', '/webhooks', { url, events });
  expect(res.statusCode).toBe(201);
  return res.json();
}

/** A MIME header's encoded words (=?UTF-8?B?…?= / =?UTF-8?Q?…?=) decoded. */
const decodeWords = (s: string) =>
  s.replace(/\?=\s+=\?/g, '?==?').replace(/=\?utf-8\?([BQ])\?([^?]*)\?=/gi, (_, enc: string, text: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(
          text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
          'latin1',
        ).toString('utf8'),
  );

/** Subject, Message-ID and text of a single-part message as nodemailer writes it. */
function readMail(raw: string) {
  const [head, ...rest] = raw.split(/\r?\n\r?\n/);
  const headers = head.replace(/\r?\n[ \t]+/g, ' ');
  const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'mi').exec(headers)?.[1] ?? '';
  const body = rest.join('\n\n');
  const encoding = header('Content-Transfer-Encoding').toLowerCase();
  const text =
    encoding === 'base64'
      ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
      : encoding === 'quoted-printable'
        ? Buffer.from(
            body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
            'latin1',
          ).toString('utf8')
        : body;
  return { subject: decodeWords(header('Subject')), messageId: header('Message-ID'), text };
}

test('a new task reaches its reviewer by e-mail and its organisation by webhook, in Chinese, with the case number and a link, once each', async () => {
  const reviewer: Actor = { sub: `rev-${uid()}`, org: h.city.agencies.health, roles: ['provider_reviewer'] };
  const admin: Actor = { sub: `adm-${uid()}`, org: h.city.agencies.health, roles: ['admin'] };
  const email = `${reviewer.sub}@health.example.gov.cn`;
  // Settings: the console always; e-mail of new tasks.
  const initial = await call(reviewer, 'GET', '/me/notification-preferences');
  expect(initial.statusCode).toBe(200);
  expect(initial.json()).toMatchObject({ email: null, channels: [], digest: false });
  expect(initial.json().choices.events).toContainEqual({ code: 'task_assigned', name: '新任务' });
  expect(
    (await call(reviewer, 'PUT', '/me/notification-preferences', { email: null, events: ['task_assigned'], channels: ['email'], digest: false })).json(),
  ).toMatchObject({
    status: 400,
  });
  const set = await call(reviewer, 'PUT', '/me/notification-preferences', { email, events: ['task_assigned'], channels: ['email'], digest: false });
  expect(set.statusCode).toBe(200);
  expect(set.json()).toMatchObject({ email, events: ['task_assigned'], channels: ['email'] });

  let secret = '';
  const hook = await receiver(() => secret);
  // A scheme other than http(s) is refused; http is taken here (development), as a deployment would refuse it.
  expect((await call(admin, 'POST', '/webhooks', { url: 'ftp://127.0.0.1/hook', events: ['task_assigned'] })).statusCode).toBe(400);
  const sub = await subscribe(admin, hook.url, ['task_assigned']);
  secret = sub.secret;
  expect((await call(admin, 'GET', '/webhooks')).json().items.map((w: { id: string }) => w.id)).toContain(sub.id);
  expect(JSON.stringify((await call(admin, 'GET', '/webhooks')).json())).not.toContain(secret);

  const applicant: Actor = { sub: `alice-${uid()}`, org: h.city.agencies.market, roles: ['agency_applicant'] };
  const started = await api.app.inject({
    method: 'POST',
    url: '/share-requests',
    payload: validShareBody(h.city.entries.conditional),
    headers: { ...api.as(applicant), 'idempotency-key': randomUUID() },
  });
  expect(started.statusCode).toBe(201);
  const request = started.json();
  const caseNumber: string = request.caseNumber;
  expect(caseNumber).toMatch(/^[A-Z]+-/);
  const task = await eventually(
    async () =>
      (await h.db.selectFrom('tasks').select('id').where('request_id', '=', request.id).where('kind', '=', 'SHARE_PROVIDER_OPINION').executeTakeFirst())?.id,
  );

  const d = await deliverer();
  try {
    const mail = await eventually(async () => mailServer.mails.find((m) => m.to === email));
    const { subject, text, messageId } = readMail(mail.raw);
    expect(subject).toContain('新任务');
    expect(subject).toContain(caseNumber);
    expect(text).toContain(caseNumber);
    expect(text).toContain(`${CONSOLE}#/tasks/${encodeURIComponent(task)}`);
    expect(text).toContain('您好');
    expect(messageId).toMatch(/^<[0-9a-f]{40}@pdw\.example\.gov\.cn>$/);
    await eventually(async () => hook.bodies.find((b) => b.taskId === task));
    const body = hook.bodies.find((b) => b.taskId === task)!;
    expect(body).toMatchObject({ event: 'task_assigned', eventName: '新任务', caseNumber, link: `${CONSOLE}#/tasks/${encodeURIComponent(task)}` });
    expect(String(body.message)).toContain(caseNumber);
    // Nothing more is sent: one e-mail, one post.
    await new Promise((r) => setTimeout(r, 500));
    expect(mailServer.mails.filter((m) => m.to === email)).toHaveLength(1);
    expect([...hook.got.values()]).toEqual([1]);
    expect(hook.badSignatures).toEqual([]);
  } finally {
    await d.stop();
    await hook.close();
  }
});

test('a receiver down for a while gets every notice once it is back, none twice', async () => {
  const org = h.city.agencies.market;
  const admin: Actor = { sub: `adm-${uid()}`, org, roles: ['admin'] };
  // A port nobody listens on, yet.
  const probe = await receiver(() => '');
  const port = (probe.server.address() as AddressInfo).port;
  await probe.close();
  let secret = '';
  const sub = await subscribe(admin, `http://127.0.0.1:${port}/hook`, ['task_overdue']);
  secret = sub.secret;
  const key = uid();
  const N = 40;
  await notifyAll(
    h.db,
    Array.from({ length: N }, (_, i) => ({ key: `down-${key}-${i}`, to: { org, role: 'agency_applicant' }, kind: 'task_overdue', message: `逾期 ${i}` })),
  );
  const d = await deliverer(FAST, { batch: 10 });
  try {
    // Down: attempts fail and are retried with backoff.
    await eventually(async () => {
      const r = await h.db
        .selectFrom('notification_outbox')
        .select('attempts')
        .where('subscription_id', '=', sub.id)
        .where('attempts', '>=', 2)
        .executeTakeFirst();
      return r;
    });
    const hook = await receiver(() => secret, port);
    try {
      await eventually(async () => hook.got.size === N, 20_000);
      await new Promise((r) => setTimeout(r, 800));
      expect(hook.got.size).toBe(N);
      expect([...hook.got.values()].every((n) => n === 1)).toBe(true);
      expect(hook.badSignatures).toEqual([]);
      const rows = await h.db.selectFrom('notification_outbox').select(['status']).where('subscription_id', '=', sub.id).execute();
      expect(rows.every((r) => r.status === 'delivered')).toBe(true);
    } finally {
      await hook.close();
    }
  } finally {
    await d.stop();
  }
}, 60_000);

test("a post failing every attempt is a dead letter the organisation's admin sees, and is redelivered on demand", async () => {
  const org = h.city.agencies.resources;
  const admin: Actor = { sub: `adm-${uid()}`, org, roles: ['admin'] };
  let secret = '';
  let status = 500;
  const hook = await receiver(
    () => secret,
    0,
    () => status,
  );
  const sub = await subscribe(admin, hook.url, ['catalog_published']);
  secret = sub.secret;
  await notifyAll(h.db, [{ key: `dead-${uid()}`, to: { org, role: 'admin' }, kind: 'catalog_published', message: '目录调整已发布' }]);
  const d = await deliverer({ baseMs: 50, maxMs: 100, maxAttempts: 3 });
  try {
    const listed = await eventually(async () => {
      const items = (await call(admin, 'GET', '/webhooks/dead-letters')).json().items as { id: string; attempts: number; url: string; lastError: string }[];
      return items.find((i) => i.url === hook.url);
    });
    expect(listed).toMatchObject({ attempts: 3, lastError: 'the receiver answered 500' });
    // Another organisation's admin neither sees nor redelivers it; a reviewer may not.
    const stranger: Actor = { sub: `adm-${uid()}`, org: h.city.agencies.health, roles: ['admin'] };
    expect(JSON.stringify((await call(stranger, 'GET', '/webhooks/dead-letters')).json())).not.toContain(hook.url);
    expect((await call(stranger, 'POST', `/webhooks/dead-letters/${listed.id}/redeliver`)).statusCode).toBe(404);
    expect((await call({ ...admin, roles: ['provider_reviewer'] }, 'GET', '/webhooks/dead-letters')).statusCode).toBe(403);
    status = 200;
    const again = await call(admin, 'POST', `/webhooks/dead-letters/${listed.id}/redeliver`);
    expect(again.statusCode).toBe(202);
    await eventually(async () => hook.got.size === 1);
    expect((await call(admin, 'GET', '/webhooks/dead-letters')).json().items.map((i: { id: string }) => i.id)).not.toContain(listed.id);
    // Redelivering what is no dead letter any more: 404.
    expect((await call(admin, 'POST', `/webhooks/dead-letters/${listed.id}/redeliver`)).statusCode).toBe(404);
  } finally {
    await d.stop();
    await hook.close();
  }
}, 30_000);

test('twenty writers of one notice at once, and twenty notices at once under two workers: one delivery each', async () => {
  const org = h.city.countyAuthority;
  const admin: Actor = { sub: `adm-${uid()}`, org, roles: ['admin'] };
  let secret = '';
  const hook = await receiver(() => secret);
  const sub = await subscribe(admin, hook.url, ['usage_report_missed']);
  secret = sub.secret;
  const same = `same-${uid()}`;
  const notice = { key: same, to: { org, role: 'authority_reviewer' }, kind: 'usage_report_missed', message: '利用情况报告逾期未报' };
  await Promise.all(Array.from({ length: 20 }, () => h.db.transaction().execute((tx) => notifyAll(tx, [notice]))));
  const distinct = uid();
  await Promise.all(
    Array.from({ length: 20 }, (_, i) => h.db.transaction().execute((tx) => notifyAll(tx, [{ ...notice, key: `${distinct}-${i}`, message: `报告逾期 ${i}` }]))),
  );
  // Two workers, each with its deliverer, running the delivery workflow's lanes side by side.
  const d = await deliverer(FAST, { batch: 3, workers: 2 });
  try {
    await eventually(async () => hook.got.size === 21);
    await new Promise((r) => setTimeout(r, 800));
    expect(hook.got.size).toBe(21);
    expect([...hook.got.values()].every((n) => n === 1)).toBe(true);
    expect(await h.db.selectFrom('notifications').select('id').where('notification_key', '=', same).execute()).toHaveLength(1);
  } finally {
    await d.stop();
    await hook.close();
  }
}, 30_000);

test("the daily digest: a person's tasks falling due, once per day however many deliverers look", async () => {
  const reviewer: Actor = { sub: `dig-${uid()}`, org: h.city.agencies.health, roles: ['provider_reviewer'] };
  const email = `${reviewer.sub}@health.example.gov.cn`;
  expect((await call(reviewer, 'PUT', '/me/notification-preferences', { email, events: [], channels: [], digest: true })).statusCode).toBe(200);
  const applicant: Actor = { sub: `alice-${uid()}`, org: h.city.agencies.market, roles: ['agency_applicant'] };
  const started = await api.app.inject({
    method: 'POST',
    url: '/share-requests',
    payload: validShareBody(h.city.entries.conditional),
    headers: { ...api.as(applicant), 'idempotency-key': randomUUID() },
  });
  const caseNumber: string = started.json().caseNumber;
  await eventually(async () =>
    h.db.selectFrom('tasks').select('id').where('request_id', '=', started.json().id).where('kind', '=', 'SHARE_PROVIDER_OPINION').executeTakeFirst(),
  );
  const digestOptions = { db: h.db, consoleUrl: CONSOLE, digest: { hour: 0, horizonMs: 7 * 86_400_000 } };
  const [x, y] = [createDeliverer(digestOptions), createDeliverer(digestOptions)];
  await Promise.all([x.digestPass(), y.digestPass(), x.digestPass()]);
  const rows = await h.db.selectFrom('notification_outbox').select(['message', 'kind']).where('recipient_sub', '=', reviewer.sub).execute();
  expect(rows).toHaveLength(1);
  expect(rows[0].kind).toBe('task_digest');
  expect(rows[0].message).toContain(caseNumber);
  expect(rows[0].message).toContain(`${CONSOLE}#/tasks/`);
  const d = await deliverer();
  try {
    const mail = await eventually(async () => mailServer.mails.find((m) => m.to === email));
    expect(readMail(mail.raw).subject).toContain('每日待办摘要');
  } finally {
    await d.stop();
  }
}, 30_000);

test('delivery is Temporal activities: rounds of lanes of a workflow each worker starts at boot, continued as new; cancelled, it ends', async () => {
  const org = h.city.agencies.donggangMarket;
  const admin: Actor = { sub: `adm-${uid()}`, org, roles: ['admin'] };
  let secret = '';
  const hook = await receiver(() => secret);
  const sub = await subscribe(admin, hook.url, ['task_reminder']);
  secret = sub.secret;
  const d = await startDelivery(h.client, options(), { workers: 2, lanes: 2, forMs: 1_000, rounds: 2 });
  try {
    // Another worker booting finds it running.
    expect(await startNotificationDelivery(h.client, d.taskQueue)).toBe(false);
    const first = await h.client.workflow.getHandle(d.workflowId).describe();
    const key = `rounds-${uid()}`;
    await notifyAll(h.db, [{ key, to: { org, role: 'provider_reviewer' }, kind: 'task_reminder', message: '到期提醒' }]);
    await eventually(async () => hook.got.size === 1);
    // Two rounds of two activities, then the run continues as new (a small history, however long it runs).
    const firstRun = h.client.workflow.getHandle(d.workflowId, first.runId);
    await eventually(async () => (await firstRun.describe()).status.name === 'CONTINUED_AS_NEW', 30_000);
    const events = (await firstRun.fetchHistory()).events ?? [];
    expect(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'deliverNotices')).toHaveLength(4);
    expect(events.filter((e) => e.activityTaskCompletedEventAttributes)).toHaveLength(4);
    // Cancelled (an operator's choice), the run ends; the next worker to boot starts it again.
    const current = h.client.workflow.getHandle(d.workflowId);
    const { runId } = await current.describe();
    await current.cancel();
    await eventually(async () => (await h.client.workflow.getHandle(d.workflowId, runId).describe()).status.name === 'CANCELLED');
    if (process.env.RECORD_HISTORIES)
      await recordHistories(
        h.client,
        [
          { name: 'two rounds of two lanes then continued as new', workflowId: d.workflowId, runId: first.runId },
          { name: 'cancelled while delivering', workflowId: d.workflowId, runId },
        ],
        process.env.RECORD_HISTORIES,
        'notification_delivery',
      );
    expect(await startNotificationDelivery(h.client, d.taskQueue)).toBe(true);
    expect([...hook.got.values()]).toEqual([1]);
  } finally {
    await d.stop();
    await hook.close();
  }
}, 60_000);
