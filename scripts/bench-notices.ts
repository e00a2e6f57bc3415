// npm run bench -- notices: 10,000 notices through a webhook receiver that is down for the first 30 s (issue 26
// "Measured"): every notice delivered, none twice, each post's signature checked. The notices are written as the
// workflows write them (notifyAll, so the database's trigger fills the outbox in the same statement); a worker posts
// them with its backoff, through the delivery workflow's activities as deployed (createWorker with its deliverer,
// startNotificationDelivery). Its own database (BENCH_NOTICES_DATABASE_URL, recreated); a Temporal dev server of its
// own unless TEMPORAL_ADDRESS names one.
// BENCH_NOTICES (10000), BENCH_DOWN_S (30) and BENCH_RETRY_MAX_MS (5000) shorten it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { sql } from 'kysely';
import { createDb, recreateDatabase } from '../db';
import { notifyAll } from '../db/repositories/notifications';
import { createWebhook } from '../db/repositories/outbox';
import { createWorker, notificationDeliveryId, startNotificationDelivery } from '../worker';
import { createDeliverer, webhookSignature } from '../worker/deliverer';
import { startTemporalDevServer } from './temporal-dev-server';

const DATABASE_URL = process.env.BENCH_NOTICES_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/pdw_bench_notices';
const N = Number(process.env.BENCH_NOTICES ?? 10_000);
const DOWN_S = Number(process.env.BENCH_DOWN_S ?? 30);
const RETRY_MAX_MS = Number(process.env.BENCH_RETRY_MAX_MS ?? 5_000);

export async function benchNotices(): Promise<void> {
  await recreateDatabase(DATABASE_URL);
  const db = createDb(DATABASE_URL, 10);
  await sql`insert into organisations (id, name, kind, level, region, division) values ('org-bench', '基准单位', 'agency', 'city', 'bench', '371100')`.execute(
    db,
  );
  // A port nobody listens on for the first DOWN_S seconds.
  const probe = http.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => probe.once('listening', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  const secret = 'bench-secret';
  await createWebhook(db, { id: 'bench-hook', org: 'org-bench', url: `http://127.0.0.1:${port}/hook`, secret, events: ['task_reminder'], createdBy: 'bench' });

  const t0 = Date.now();
  for (let i = 0; i < N; i += 500)
    await notifyAll(
      db,
      Array.from({ length: Math.min(500, N - i) }, (_, j) => ({
        key: `bench-${i + j}`,
        to: { org: 'org-bench', role: 'provider_reviewer' },
        kind: 'task_reminder',
        message: `到期提醒：第 ${i + j} 项`,
      })),
    );
  const written = Date.now() - t0;
  const outbox = Number((await sql<{ n: string }>`select count(*) as n from notification_outbox`.execute(db)).rows[0].n);

  const got = new Map<string, number>();
  let badSignatures = 0;
  let failedAttempts = 0;
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const server = process.env.TEMPORAL_ADDRESS ? null : await startTemporalDevServer();
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS ?? server!.address });
  const taskQueue = `bench-notices-${randomUUID().slice(0, 8)}`;
  const deliverer = createDeliverer({
    db,
    consoleUrl: 'https://console.example.gov.cn/console/',
    policy: { baseMs: 1_000, maxMs: RETRY_MAX_MS, maxAttempts: 1_000 },
    pollMs: 100,
    batch: 200,
    log: () => failedAttempts++,
  });
  const worker = await createWorker({ connection, taskQueue, db, deliverer });
  const running = worker.run();
  const client = new Client({ connection });
  const started = Date.now();
  await startNotificationDelivery(client, taskQueue);
  await new Promise((r) => setTimeout(r, DOWN_S * 1000));
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.headers['x-pdw-signature'] !== `sha256=${webhookSignature(secret, String(req.headers['x-pdw-timestamp']), body)}`) badSignatures++;
      const id = String(req.headers['x-pdw-event-id']);
      got.set(id, (got.get(id) ?? 0) + 1);
      res.writeHead(204).end();
    });
  });
  receiver.listen(port, '127.0.0.1');
  const back = Date.now();
  while (got.size < N && Date.now() - back < 600_000) await new Promise((r) => setTimeout(r, 100));
  const allIn = Date.now();
  // Anything sent twice would arrive now.
  await new Promise((r) => setTimeout(r, 3_000));
  // The worker stopped first (its activities end their round), then the delivery's run, which no worker serves now.
  worker.shutdown();
  await running;
  await client.workflow.getHandle(notificationDeliveryId(taskQueue)).terminate('the bench is done');
  deliverer.close();
  await connection.close();
  await server?.stop();
  receiver.close();
  const twice = [...got.values()].filter((n) => n > 1).length;
  const delivered = Number((await sql<{ n: string }>`select count(*) as n from notification_outbox where status = 'delivered'`.execute(db)).rows[0].n);
  await db.destroy();
  console.log(
    `${N} notices written in ${written} ms (${outbox} outbox rows); receiver down for the first ${DOWN_S} s, retries back off 1 s doubling to ${RETRY_MAX_MS / 1000} s`,
  );
  console.log('received | twice | bad signatures | outbox delivered | failed attempts | all in after receiver back | throughput after back');
  console.log(
    `${String(got.size).padStart(8)} | ${String(twice).padStart(5)} | ${String(badSignatures).padStart(14)} | ${String(delivered).padStart(16)} | ${String(failedAttempts).padStart(15)} | ${((allIn - back) / 1000).toFixed(1).padStart(24)} s | ${(N / ((allIn - back) / 1000)).toFixed(0)} /s`,
  );
  console.log(`total from the delivery's start: ${((allIn - started) / 1000).toFixed(1)} s`);
  if (got.size !== N || twice || badSignatures || delivered !== N) throw new Error('not every notice was delivered exactly once');
}
