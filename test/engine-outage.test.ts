// The workflow engine down is a 503 with Retry-After, answered at once, never a 500; once it is back, the POST
// retried with the same Idempotency-Key and the decision retried go through, each applied once.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { buildApp } from '../api/app';
import { signToken } from '../api/auth';
import { connectEngine } from '../api/engine';
import type { App } from '../api/types';
import type { Actor } from '../domain/types';
import { freePort, startTemporalDevServer, type DevServer } from '../scripts/temporal-dev-server';
import { createWorker } from '../worker';
import { TEST_JWT_SECRET, validShareBody } from './api-helpers';
import { DEFAULT_POLICIES } from '../domain/policies';
import { eventually, startHarness, TEST_POLICY, type Harness } from './helpers';

let h: Harness;
let server: DevServer;
let app: App;
let client: Client;
let worker: { worker: Worker; running: Promise<void>; connection: NativeConnection };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdw-outage-'));
const taskQueue = `outage-${randomUUID().slice(0, 8)}`;
let port: number;

/** A dev server of this file's own (the run's shared one is never killed), persisted so a restart keeps its workflows. */
const startServer = () => startTemporalDevServer({ dbFile: path.join(dir, 'temporal.sqlite'), port, log: () => undefined });

beforeAll(async () => {
  h = await startHarness('outage');
  port = await freePort();
  server = await startServer();
  const connection = await NativeConnection.connect({ address: server.address });
  const w = await createWorker({ connection, taskQueue, db: h.db, workflowBundle: { codePath: process.env.PDW_WORKFLOW_BUNDLE! } });
  worker = { worker: w, running: w.run(), connection };
  client = new Client({ connection: await connectEngine(server.address) });
  app = await buildApp({
    db: h.db,
    temporal: client,
    taskQueue,
    jwtSecret: TEST_JWT_SECRET,
    policies: { ...DEFAULT_POLICIES, share: TEST_POLICY },
    engineTimeoutMs: 10_000,
  });
}, 60_000);
afterAll(async () => {
  await app.close();
  worker.worker.shutdown();
  await worker.running.catch(() => undefined);
  await worker.connection.close();
  await client.connection.close();
  await server.stop();
  await h.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const applicant = (): Actor => ({ sub: 'outage-applicant', org: h.city.agencies.market, roles: ['agency_applicant'] });
const provider = (): Actor => ({ sub: 'outage-provider', org: h.city.agencies.health, roles: ['provider_reviewer'] });
const call = (actor: Actor, url: string, payload: object, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url, payload, headers: { authorization: `Bearer ${signToken(app, actor)}`, ...headers } });

test('with the Temporal server down, starting a request and deciding a task answer 503 at once; after its restart the same calls go through, once', async () => {
  const first = await call(applicant(), '/share-requests', validShareBody(h.city.entries.conditional), { 'idempotency-key': 'before' });
  expect(first.statusCode).toBe(201);
  const opinion = (first.json().tasks as { id: string; kind: string }[]).find((t) => t.kind === 'SHARE_PROVIDER_OPINION')!;

  server.process.kill('SIGKILL');
  await new Promise((r) => (server.process.exitCode === null && server.process.signalCode === null ? server.process.once('exit', r) : r(null)));
  for (const attempt of [
    () => call(applicant(), '/share-requests', validShareBody(h.city.entries.conditional), { 'idempotency-key': 'during' }),
    () => call(provider(), `/tasks/${opinion.id}/complete`, { decision: 'AGREE' }),
  ]) {
    const began = Date.now();
    const res = await attempt();
    // Refused connections are answered at once, not after the SDK's 19 s of reconnecting.
    expect(Date.now() - began).toBeLessThan(3_000);
    expect(`${res.statusCode} ${res.body.slice(0, 200)}`).toMatch(/^503 /);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  }

  server = await startServer();
  // The client retries, as the problem says.
  const retried = await eventually(async () => {
    const res = await call(applicant(), '/share-requests', validShareBody(h.city.entries.conditional), { 'idempotency-key': 'during' });
    return res.statusCode < 300 && res;
  }, 60_000);
  expect(retried.json().status).toBe('in_review');
  const decided = await eventually(async () => {
    const res = await call(provider(), `/tasks/${opinion.id}/complete`, { decision: 'AGREE' });
    return res.statusCode === 200 && res;
  }, 60_000);
  expect(decided.json().tasks.find((t: { id: string }) => t.id === opinion.id).decision).toBe('AGREE');
  // Each applied once: two requests of the applicant's, one opinion in the trail.
  expect(await h.db.selectFrom('requests').select('id').where('applicant_sub', '=', applicant().sub).execute()).toHaveLength(2);
  expect(await h.db.selectFrom('audit_events').select('id').where('task_id', '=', opinion.id).where('action', '=', 'task_completed').execute()).toHaveLength(1);
}, 120_000);
