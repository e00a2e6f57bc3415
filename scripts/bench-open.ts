// npm run bench -- open: conditional open applications end to end through the API and real workers (Art. 20):
// BENCH_OPEN_APPLICATIONS (default 50) applications, one after another, each applied for, approved, signed and
// countersigned (the authority told); then BENCH_AGREEMENTS (default 1000) agreements in force on one entry,
// made BENCH_SEED_IN_FLIGHT (default 8) at a time through the same API calls, and a withdrawal upheld for that
// entry (Art. 21): the time until every agreement is terminated through its own workflow and its licensee's
// deletion task opened, and whether each was audited once. Uses its own database (BENCH_DATABASE_URL).
// BENCH_WORKERS (default 1) workers poll the task queue, the extra ones in this process too; or
// BENCH_WORKER_PROCESSES=N: N workers each a process of its own (worker/main.ts, as npm run cluster starts them,
// one workflow bundle), none in this one. On one machine they share its cores.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { NativeConnection } from '@temporalio/worker';
import { buildApp } from '../api/app';
import { signToken } from '../api/auth';
import { sampleResidentId, seedCity } from '../db/seed';
import { loadConfig } from '../config';
import { DEFAULT_POLICIES } from '../domain/policies';
import type { Actor } from '../domain/types';
import { bundleWorkflows } from '../worker/tracing';
import { BENCH_DATABASE_URL, pct } from './bench-support';
import { cpuNow } from './bench-lifecycle';
import { startChild, waitReady, type Child } from './child';
import { startLocalStack } from './local-stack';
import { freePort } from './temporal-dev-server';
import { createWorker } from '../worker';

const APPLICATIONS = Number(process.env.BENCH_OPEN_APPLICATIONS ?? 50);
const AGREEMENTS = Number(process.env.BENCH_AGREEMENTS ?? 1000);
const IN_FLIGHT = Math.max(1, Number(process.env.BENCH_SEED_IN_FLIGHT ?? 8));
const WORKERS = Math.max(1, Number(process.env.BENCH_WORKERS ?? 1));
const PROCESSES = Math.max(0, Number(process.env.BENCH_WORKER_PROCESSES ?? 0));
const ROOT = path.join(__dirname, '..');

/** `n` workers of `taskQueue`, each a process (worker/main.ts) on one prebuilt bundle; ready once each answers its health check. */
async function workerProcesses(n: number, env: NodeJS.ProcessEnv): Promise<(Child & { logFile: string })[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-open-'));
  const bundle = path.join(dir, 'workflows.js');
  fs.writeFileSync(
    bundle,
    (
      await bundleWorkflows({
        log: () => undefined,
        trace: () => undefined,
        debug: () => undefined,
        info: () => undefined,
        warn: () => undefined,
        error: console.error,
      })
    ).code,
  );
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const port = await freePort();
      const logFile = path.join(dir, `worker-${i + 1}.log`);
      const child = startChild(`worker ${i + 1}`, process.execPath, [path.join(ROOT, 'scripts', 'run.js'), path.join(ROOT, 'worker', 'main.ts')], {
        env: { ...process.env, ...env, WORKER_HEALTH_PORT: String(port), WORKFLOW_BUNDLE: bundle },
        logFile,
      });
      await waitReady(child, child.name, () => fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok), logFile);
      return Object.assign(child, { logFile });
    }),
  );
}

/** The load averages (1, 5, 15 minutes) of this machine, as `uptime` prints them. */
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

export async function benchOpen(): Promise<void> {
  const stack = await startLocalStack(BENCH_DATABASE_URL, `bench-open-${randomUUID().slice(0, 6)}`, { worker: PROCESSES === 0 });
  const { db, client, taskQueue } = stack;
  const processes = await workerProcesses(PROCESSES, { DATABASE_URL: BENCH_DATABASE_URL, TEMPORAL_ADDRESS: stack.address, TASK_QUEUE: taskQueue });
  const extra = await Promise.all(
    Array.from({ length: PROCESSES ? 0 : WORKERS - 1 }, async () => {
      const connection = await NativeConnection.connect({ address: stack.address });
      const worker = await createWorker({ connection, taskQueue, db });
      return { worker, connection, running: worker.run() };
    }),
  );
  const city = await seedCity(db, 'bench', 'bench');
  const app = await buildApp({
    db,
    temporal: client,
    taskQueue,
    jwtSecret: 'bench-secret-0123456789-0123456789-xyz',
    policies: DEFAULT_POLICIES,
    engineTimeoutMs: 120_000,
  });
  await app.ready();
  const as = (a: Actor) => ({ authorization: `Bearer ${signToken(app, a)}` });
  const resources: Actor = { sub: 'bench-resources', org: city.agencies.resources, roles: ['provider_reviewer'] };
  const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
  const call = async (actor: Actor, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => {
    const res = await app.inject({ method, url, payload, headers: as(actor) });
    if (res.statusCode >= 300) throw new Error(`${method} ${url} answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
    return res.json();
  };
  const body = {
    catalogEntryId: city.entries.conditionalOpen,
    purpose: 'bench',
    scenario: 'bench',
    accessMethod: 'api',
    securityMeasures: 'bench',
    termMonths: 12,
  };

  /** One application to an agreement in force; the time of each step. */
  async function applyAndSign(citizen: Actor, catalogEntryId = city.entries.conditionalOpen, agency = resources) {
    const steps: Record<'register' | 'apply' | 'approve' | 'read' | 'sign' | 'countersign', number> = {
      register: 0,
      apply: 0,
      approve: 0,
      read: 0,
      sign: 0,
      countersign: 0,
    };
    let t = process.hrtime.bigint();
    await call(citizen, 'PUT', '/principals/me', { kind: 'natural', name: citizen.sub, residentId: sampleResidentId(citizen.sub) });
    steps.register = ms(t);
    t = process.hrtime.bigint();
    const applied = await call(citizen, 'POST', '/open-requests', { ...body, catalogEntryId });
    steps.apply = ms(t);
    t = process.hrtime.bigint();
    const approved = await call(agency, 'POST', `/tasks/${applied.tasks[0].id}/complete`, { decision: 'APPROVE' });
    steps.approve = ms(t);
    t = process.hrtime.bigint();
    const agreement = await call(citizen, 'GET', `/agreements/${approved.outcome.agreementId}`);
    steps.read = ms(t);
    const signTask = approved.tasks.find((x: { kind: string }) => x.kind === 'AGREEMENT_SIGNATURE').id;
    t = process.hrtime.bigint();
    const signed = await call(citizen, 'POST', `/tasks/${signTask}/complete`, { decision: 'SIGN', form: { sha256: agreement.sha256 } });
    steps.sign = ms(t);
    const counterTask = signed.tasks.find((x: { kind: string }) => x.kind === 'AGREEMENT_COUNTERSIGNATURE').id;
    t = process.hrtime.bigint();
    const inForce = await call(agency, 'POST', `/tasks/${counterTask}/complete`, { decision: 'SIGN', form: { sha256: agreement.sha256 } });
    steps.countersign = ms(t);
    if (inForce.status !== 'granted') throw new Error(`countersignature answered ${inForce.status}`);
    return { steps, requestId: applied.id as string };
  }

  const p = (xs: number[], q: number) =>
    pct(
      [...xs].sort((a, b) => a - b),
      q,
    ).toFixed(0);
  // The cascade's cost per agreement is mostly whether its run is still cached (docs/operations.md).
  // As the worker processes read it (the environment, then .env).
  const cache = `sticky cache ${loadConfig().workerCachedWorkflows} a worker`;
  const workers = PROCESSES
    ? `${PROCESSES === 1 ? 'one worker process' : `${PROCESSES} worker processes`}, ${cache}`
    : WORKERS === 1
      ? 'one worker in-process'
      : `${WORKERS} workers in-process`;
  console.log(
    `conditional open applications end to end (API in-process, ${workers}, Temporal dev server, PostgreSQL; ${os.cpus().length} cores, load ${load()})`,
  );
  await applyAndSign({ sub: 'bench-warmup', org: 'public', roles: ['public_applicant'] });
  const runs: Awaited<ReturnType<typeof applyAndSign>>['steps'][] = [];
  for (let i = 0; i < APPLICATIONS; i++) runs.push((await applyAndSign({ sub: `bench-citizen-${i}`, org: 'public', roles: ['public_applicant'] })).steps);
  if (APPLICATIONS > 0) report(runs);

  /** An agreement in force as fast as the API makes one: the same calls as applyAndSign, the text's hash from the approval's answer. */
  async function makeAgreement(citizen: Actor, catalogEntryId: string, agency: Actor): Promise<string> {
    await call(citizen, 'PUT', '/principals/me', { kind: 'natural', name: citizen.sub, residentId: sampleResidentId(citizen.sub) });
    const applied = await call(citizen, 'POST', '/open-requests', { ...body, catalogEntryId });
    const approved = await call(agency, 'POST', `/tasks/${applied.tasks[0].id}/complete`, { decision: 'APPROVE' });
    const sha256 = approved.outcome.sha256 as string;
    const signTask = approved.tasks.find((x: { kind: string }) => x.kind === 'AGREEMENT_SIGNATURE').id;
    const signed = await call(citizen, 'POST', `/tasks/${signTask}/complete`, { decision: 'SIGN', form: { sha256 } });
    const counterTask = signed.tasks.find((x: { kind: string }) => x.kind === 'AGREEMENT_COUNTERSIGNATURE').id;
    const inForce = await call(agency, 'POST', `/tasks/${counterTask}/complete`, { decision: 'SIGN', form: { sha256 } });
    if (inForce.status !== 'granted') throw new Error(`countersignature answered ${inForce.status}`);
    return applied.id as string;
  }
  function report(runs: Awaited<ReturnType<typeof applyAndSign>>['steps'][]) {
    const col = (k: keyof (typeof runs)[number]) =>
      `${k} p50 ${p(
        runs.map((r) => r[k]),
        50,
      )} / p95 ${p(
        runs.map((r) => r[k]),
        95,
      )} ms`;
    const totals = runs.map((r) => r.apply + r.approve + r.read + r.sign + r.countersign);
    console.log(
      `${APPLICATIONS} applications to signed agreements, one after another: ${(['register', 'apply', 'approve', 'read', 'sign', 'countersign'] as const).map(col).join('; ')}`,
    );
    console.log(`application to agreement in force (five calls after registering): p50 ${p(totals, 50)} ms, p95 ${p(totals, 95)} ms`);
  }

  // The cascade: AGREEMENTS agreements in force on the health commission's conditionally open entry.
  const entry = city.entries.conditional;
  const health: Actor = { sub: 'bench-health', org: city.agencies.health, roles: ['provider_reviewer'] };
  const t0 = process.hrtime.bigint();
  let next = 0;
  const requestIds: string[] = [];
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < AGREEMENTS) {
        const i = next++;
        requestIds.push(await makeAgreement({ sub: `bench-licensee-${i}`, org: 'public', roles: ['public_applicant'] }, entry, health));
      }
    }),
  );
  const madeS = ms(t0) / 1000;
  console.log(
    `${AGREEMENTS} agreements in force on one entry, ${IN_FLIGHT} at a time through the API: ${madeS.toFixed(1)} s (${(AGREEMENTS / madeS).toFixed(1)} agreements/s; load ${load()})`,
  );

  const citizen: Actor = { sub: 'bench-withdrawer', org: 'public', roles: ['public_applicant'] };
  const withdrawal = await call(citizen, 'POST', '/withdrawals', { catalogEntryId: entry, right: 'bench', reasons: 'bench' });
  // CPU time of this process (API, clients), the dev server and each worker process over the cascade (PostgreSQL serves other jobs too: left out).
  const pids = { bench: process.pid, temporal: stack.serverPid, ...Object.fromEntries(processes.map((c) => [c.name, c.process.pid])) };
  const cpuBefore = cpuNow(pids, new URL(BENCH_DATABASE_URL).pathname.slice(1));
  const t1 = process.hrtime.bigint();
  const upheld = await call(health, 'POST', `/tasks/${withdrawal.tasks[0].id}/complete`, { decision: 'UPHOLD', reason: 'bench', form: { scope: 'entry' } });
  const upholdMs = ms(t1);
  if (upheld.status !== 'upheld') throw new Error(`UPHOLD answered ${upheld.status}`);
  const living = () =>
    db
      .selectFrom('agreements')
      .select(db.fn.countAll<string>().as('n'))
      .where('catalog_entry_id', '=', entry)
      .where('status', '=', 'in_force')
      .executeTakeFirstOrThrow();
  // The open applications of the entry (the withdrawal itself is a request on it too).
  const ofEntry = db.selectFrom('requests').select('id').where('catalog_entry_id', '=', entry).where('type', '=', 'open_request');
  const deletionTasks = () =>
    db
      .selectFrom('tasks')
      .select(db.fn.countAll<string>().as('n'))
      .where('request_id', 'in', ofEntry)
      .where('kind', '=', 'DELETION_CONFIRMATION')
      .executeTakeFirstOrThrow();
  const limit = Date.now() + 1_800_000;
  while (Number((await living()).n) > 0 && Date.now() < limit) await new Promise((r) => setTimeout(r, 100));
  const cascadeS = ms(t1) / 1000;
  while (Number((await deletionTasks()).n) < AGREEMENTS && Date.now() < limit) await new Promise((r) => setTimeout(r, 100));
  const deletionS = ms(t1) / 1000;
  const loadAfter = load();
  const cpuAfter = cpuNow(pids, new URL(BENCH_DATABASE_URL).pathname.slice(1));
  const cpuPer = Object.keys(pids)
    .filter((k) => k in cpuAfter)
    .map((k) => `${k} ${((cpuAfter[k] - cpuBefore[k]) / AGREEMENTS).toFixed(1)}`)
    .join(', ');
  const ended = await db
    .selectFrom('agreements')
    .select(['status', db.fn.countAll<string>().as('n')])
    .where('catalog_entry_id', '=', entry)
    .groupBy('status')
    .execute();
  const revoked = await db
    .selectFrom('requests')
    .select(db.fn.countAll<string>().as('n'))
    .where('id', 'in', requestIds)
    .where('status', '=', 'revoked')
    .executeTakeFirstOrThrow();
  /** Audit events of `action` on the entry's applications: how many, and on how many requests (each once: the same). */
  const auditedAs = (action: string) =>
    db
      .selectFrom('audit_events')
      .select([db.fn.countAll<string>().as('n'), db.fn.count<string>('request_id').distinct().as('requests')])
      .where('request_id', 'in', ofEntry)
      .where('action', '=', action)
      .executeTakeFirstOrThrow();
  const audited = await auditedAs('agreement_terminated');
  const opened = await db
    .selectFrom('audit_events')
    .innerJoin('tasks', 'tasks.id', 'audit_events.task_id')
    .select([db.fn.countAll<string>().as('n'), db.fn.count<string>('tasks.id').distinct().as('tasks')])
    .where('tasks.request_id', 'in', ofEntry)
    .where('tasks.kind', '=', 'DELETION_CONFIRMATION')
    .where('audit_events.action', '=', 'task_opened')
    .executeTakeFirstOrThrow();
  const told = await db
    .selectFrom('notifications')
    .select(db.fn.countAll<string>().as('n'))
    .where('request_id', 'in', requestIds)
    .where('kind', '=', 'agreement_ended')
    .executeTakeFirstOrThrow();
  const deletions = Number((await deletionTasks()).n);
  const missed = AGREEMENTS - Number(revoked.n);
  const onceEach =
    Number(audited.n) === AGREEMENTS && Number(audited.requests) === AGREEMENTS && Number(opened.n) === AGREEMENTS && Number(opened.tasks) === AGREEMENTS;
  console.log(
    `withdrawal upheld for the entry: UPHOLD answered in ${upholdMs.toFixed(0)} ms; all ${AGREEMENTS} agreements terminated ${cascadeS.toFixed(1)} s after it, ${(AGREEMENTS / cascadeS).toFixed(1)} agreements/s; ` +
      `every deletion task open ${deletionS.toFixed(1)} s after it, ${(AGREEMENTS / deletionS).toFixed(1)}/s ` +
      `(${ended.map((e) => `${e.status} ${e.n}`).join(', ')}; requests revoked ${revoked.n}; agreement_terminated events ${audited.n} on ${audited.requests} requests; ` +
      `deletion tasks ${deletions}, task_opened events ${opened.n} on ${opened.tasks}; agencies told ${told.n}; missed ${missed}; ${onceEach ? 'each audited once' : 'NOT each audited once'}; load ${loadAfter})`,
  );
  console.log(`CPU per agreement ended, ms: ${cpuPer}`);
  // A starved worker's workflow tasks outlive their 10 s timeout: the server hands them out again and the work is lost.
  for (const c of processes) {
    const lines = fs.readFileSync(c.logFile, 'utf8');
    const count = (what: string) => lines.split(what).length - 1;
    console.log(
      `${c.name}: workflow tasks over 5 s ${count('Workflow task duration exceeded 5 seconds')}, timed out before completing ${count('Workflow task not found')} (whole run)`,
    );
  }
  console.log(`worker heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB (bench process: API, worker and clients)`);
  await app.close();
  for (const w of extra) {
    w.worker.shutdown();
    await w.running;
    await w.connection.close();
  }
  await Promise.all(processes.map((c) => c.stop()));
  await stack.close();
  if (missed !== 0) throw new Error(`${missed} agreements not terminated`);
  if (!onceEach || deletions !== AGREEMENTS) throw new Error('an agreement was not audited once, or its deletion task not opened once');
}
