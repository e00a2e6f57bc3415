// npm run bench -- lifecycle: lifecycles per second of a conditional share request through the API
// (POST, each reviewer finds its task in the inbox and decides: the provider agrees, the authority
// approves) against a bare Temporal workflow of the same shape, side by side in one run, alternating
// rounds at 8 and 32 in flight (BENCH_PAIRS pairs each, default 3; BENCH_LIFECYCLES a round, default 160).
// Each side's worker runs in a process of its own (the share worker is worker/main.ts), as deployed.
// Then the 《政务数据共享条例》's delivery of BENCH_DELIVERIES of the granted requests (default 100, 8 in flight): the
// provider finds the SHARE_DELIVERY task in its inbox and delivers (method, location, fields), the grantee finds its
// SHARE_DELIVERY_CONFIRMATION and confirms receipt, each step timed (not part of the ratio: the bare workflow has no
// delivery). Last line: `ratio N.NN`, the lower of the two levels' median ratios.
// With OTEL_EXPORTER_OTLP_ENDPOINT set (e.g. to `npm run otlp-receiver`'s) the API here and the share worker trace and
// export, and with METRICS_TOKEN the API times every request for /metrics, as a deployment with both would.
// `npm run bench -- lifecycle --http` (or BENCH_HTTP=1): the API is a process of its own (api/main.ts, as deployed, its
// log at LOG_LEVEL's default into a file), reached over real HTTP with keep-alive connections (fetch), its CPU
// counted apart from this process's (the clients alone); otherwise the API runs in this process, reached through
// app.inject (no sockets).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, WithStartWorkflowOperation } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { InjectOptions } from 'fastify';
import { buildApp } from '../api/app';
import { sql } from 'kysely';
import { createDb, recreateDatabase } from '../db';
import { bundleWorkflows } from '../worker/tracing';
import { temporalClientInterceptors, tracesEndpoint, tracingEnabled } from '../telemetry/tracing';
import { seedCity } from '../db/seed';
import { DEFAULT_POLICIES } from '../domain/policies';
import type { Actor } from '../domain/types';
import { bareDecide, bareSubmitted } from './bench-workflow';
import { BENCH_DATABASE_URL, pct } from './bench-support';
import { freePort, startTemporalDevServer } from './temporal-dev-server';
import { startChild, waitReady, type Child } from './child';
import { devToken } from './tokens';

const PER_ROUND = Number(process.env.BENCH_LIFECYCLES ?? 160);
const PAIRS = Number(process.env.BENCH_PAIRS ?? 3);
const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 100);
const HTTP = process.argv.includes('--http') || process.env.BENCH_HTTP === '1';
const JWT_SECRET = 'bench-secret-0123456789-0123456789-xyz';

/** One request to the API and its answer, however it travels (app.inject or HTTP). */
type Call = (req: { method: 'GET' | 'POST'; url: string; headers: Record<string, string>; payload?: object }) => Promise<{
  statusCode: number;
  body: string;
  json(): any; // eslint-disable-line @typescript-eslint/no-explicit-any
}>;

/** Requests over HTTP to `base`, on the keep-alive connections of fetch's pool (undici's). */
function httpCall(base: string): Call {
  return async ({ method, url, headers, payload }) => {
    const res = await fetch(base + url, {
      method,
      headers: payload === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
    });
    const body = await res.text();
    return { statusCode: res.status, body, json: () => JSON.parse(body) };
  };
}

type Timings = Record<string, number[]>;

/** The processes whose CPU a lifecycle costs: this one (the API and the clients), each worker, the Temporal server, PostgreSQL. */
type Cpu = Record<string, number>;
const TICK_MS = 10; // USER_HZ is 100 on Linux

/**
 * CPU time (ms, user + system) each of `pids` has used so far, and PostgreSQL's backends serving `database` together (not
 * the server's other databases: the server may be shared); {} without /proc.
 */
export function cpuNow(pids: Record<string, number | undefined>, database: string): Cpu {
  const ticks = (stat: string) => {
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_MS;
  };
  const out: Cpu = {};
  try {
    for (const [name, pid] of Object.entries(pids)) if (pid) out[name] = ticks(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
    out.postgres = 0;
    for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        // A backend's title: `postgres: [cluster: ]user database host(port) state`.
        if (stat.includes('(postgres') && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(` ${database} `)) out.postgres += ticks(stat);
      } catch {
        // the process ended meanwhile
      }
    }
  } catch {
    return {};
  }
  return out;
}

async function rounds(
  inFlight: number,
  total: number,
  lifecycle: (t: Timings) => Promise<void>,
  cpu: () => Cpu = () => ({}),
): Promise<{ perSecond: number; timings: Timings; cpuPerLifecycle: Cpu }> {
  const timings: Timings = {};
  let next = 0;
  const before = cpu();
  const started = Date.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next++ < total) await lifecycle(timings);
    }),
  );
  const perSecond = total / ((Date.now() - started) / 1000);
  const after = cpu();
  return { perSecond, timings, cpuPerLifecycle: Object.fromEntries(Object.keys(after).map((k) => [k, (after[k] - (before[k] ?? 0)) / total])) };
}

async function timed<T>(t: Timings, step: string, f: () => Promise<T>): Promise<T> {
  const t0 = process.hrtime.bigint();
  const v = await f();
  (t[step] ??= []).push(Number(process.hrtime.bigint() - t0) / 1e6);
  return v;
}

export async function benchLifecycle(): Promise<void> {
  const url = BENCH_DATABASE_URL;
  await recreateDatabase(url);
  const db = createDb(url, 10);
  const server = process.env.TEMPORAL_ADDRESS ? null : await startTemporalDevServer();
  const address = process.env.TEMPORAL_ADDRESS ?? server!.address;
  const appQueue = `bench-app-${randomUUID().slice(0, 6)}`;
  const bareQueue = `bench-bare-${randomUUID().slice(0, 6)}`;
  const quiet = () => undefined;
  const logger = { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: quiet, error: console.error };
  // Each worker in a process of its own, as deployed (the API and the worker are separate processes; a
  // client and its worker are, for the bare baseline too): the bench process runs the API and the clients.
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pdw-bench-'));
  const bundle = async (file: string, made: Promise<{ code: string }>) => {
    fs.writeFileSync(path.join(work, file), (await made).code);
    return path.join(work, file);
  };
  // BENCH_CPU_PROF=<dir>: the share worker and the API (--http) write V8 CPU profiles there as they exit.
  const profiling = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_CPU_PROF)}`] : [];
  const run = (entry: string, env: Record<string, string>, execArgv: string[] = []): ChildProcess =>
    spawn(process.execPath, [...execArgv, path.join(__dirname, 'run.js'), entry], {
      env: { ...process.env, ...env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  const workers = [
    run(
      path.join(__dirname, '..', 'worker', 'main.ts'),
      {
        DATABASE_URL: url,
        TEMPORAL_ADDRESS: address,
        TASK_QUEUE: appQueue,
        WORKFLOW_BUNDLE: await bundle('workflows.js', bundleWorkflows(logger)),
      },
      profiling,
    ),
    run(path.join(__dirname, 'bench-bare-worker.ts'), {
      TEMPORAL_ADDRESS: address,
      TASK_QUEUE: bareQueue,
      WORKFLOW_BUNDLE: await bundle('bare.js', bundleWorkflowCode({ workflowsPath: require.resolve('./bench-workflow'), logger })),
    }),
  ];
  // A bench that fails (an answer past the engine's timeout on a loaded machine) leaves no worker behind.
  process.once('exit', () => workers.forEach((w) => w.exitCode === null && w.kill('SIGKILL')));
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  // Both workers polling before the first lifecycle starts.
  for (const queue of [appQueue, bareQueue])
    for (let polling = false; !polling; await new Promise((r) => setTimeout(r, 200)))
      polling =
        ((await client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: queue }, taskQueueType: 1 })).pollers ?? []).length > 0;
  const city = await seedCity(db, 'bench', 'bench');
  // The API: in a process of its own over HTTP (--http), or in this one through app.inject. With tracing
  // (OTEL_EXPORTER_OTLP_ENDPOINT, scripts/bench.ts) its Temporal calls carry the trace; the bare baseline's client
  // stays as it was. METRICS_TOKEN set: /metrics served and every request timed, as deployed.
  let call: Call;
  let apiProcess: Child | null = null;
  let closeApp = async () => undefined as unknown;
  if (HTTP) {
    const port = await freePort();
    const logFile = path.join(work, 'api.log');
    apiProcess = startChild('API', process.execPath, [...profiling, path.join(__dirname, 'run.js'), path.join(__dirname, '..', 'api', 'main.ts')], {
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        DATABASE_URL: url,
        TEMPORAL_ADDRESS: address,
        TASK_QUEUE: appQueue,
        HOST: '127.0.0.1',
        PORT: String(port),
        JWT_SECRET,
        // Keys of this run alone (the API refuses development keys outside development mode).
        PRINCIPAL_KEYS: `bench:${randomBytes(32).toString('base64')}`,
        PRINCIPAL_LOOKUP_KEY: randomBytes(32).toString('base64'),
      },
      logFile,
    });
    const base = `http://127.0.0.1:${port}`;
    await waitReady(apiProcess, 'the API', () => fetch(`${base}/health`).then((r) => r.ok), logFile);
    call = httpCall(base);
    closeApp = () => apiProcess!.stop();
  } else {
    const apiClient = new Client({ connection, interceptors: temporalClientInterceptors() });
    const app = await buildApp({
      db,
      temporal: apiClient,
      taskQueue: appQueue,
      jwtSecret: JWT_SECRET,
      policies: DEFAULT_POLICIES,
      ...(process.env.METRICS_TOKEN ? { metricsToken: process.env.METRICS_TOKEN } : {}),
    });
    await app.ready();
    call = async (req) => app.inject(req as InjectOptions);
    closeApp = () => app.close();
  }
  console.log(
    `API ${HTTP ? 'in a process of its own, over HTTP' : 'in this process, through app.inject'}; tracing ${tracingEnabled() ? `on (${tracesEndpoint()})` : 'off'}, metrics ${process.env.METRICS_TOKEN ? 'on' : 'off'}`,
  );
  // A client signs in once and sends its token with every request (signing is no part of the API's cost).
  const tokens = new Map<Actor, { authorization: string }>();
  const as = (a: Actor) => tokens.get(a) ?? tokens.set(a, { authorization: `Bearer ${devToken(JWT_SECRET, a)}` }).get(a)!;
  const applicant: Actor = { sub: 'bench-applicant', org: city.agencies.market, roles: ['agency_applicant'] };
  const provider: Actor = { sub: 'bench-provider', org: city.agencies.health, roles: ['provider_reviewer'] };
  const authority: Actor = { sub: 'bench-authority', org: city.cityAuthority, roles: ['authority_reviewer'] };
  const body = {
    catalogEntryId: city.entries.conditional,
    scenario: 'bench',
    statutoryDuty: 'bench',
    commitment: { authenticity: true, compliance: true, security: true },
  };

  const apiLifecycle = async (t: Timings) => {
    const created = await timed(t, 'POST', () => call({ method: 'POST', url: '/share-requests', payload: body, headers: as(applicant) }));
    if (created.statusCode !== 201) throw new Error(`POST answered ${created.statusCode}: ${created.body}`);
    const id = created.json().id as string;
    for (const [who, kind, decision] of [
      [provider, 'SHARE_PROVIDER_OPINION', 'AGREE'],
      [authority, 'SHARE_JOINT_REVIEW', 'APPROVE'],
    ] as const) {
      // Finding one's task: the inbox filtered by kind, then the request's task in it.
      const inbox = await timed(t, 'inbox', () => call({ method: 'GET', url: `/tasks?kind=${kind}&limit=100`, headers: as(who) }));
      const task =
        (inbox.json().items as { id: string; requestId: string }[]).find((x) => x.requestId === id) ??
        created.json().tasks.find((x: { kind: string }) => x.kind === kind);
      const res = await timed(t, decision, () => call({ method: 'POST', url: `/tasks/${task.id}/complete`, payload: { decision }, headers: as(who) }));
      if (res.statusCode !== 200) throw new Error(`${decision} answered ${res.statusCode}: ${res.body}`);
    }
    granted.push(id);
  };
  const granted: string[] = [];
  /** The open task of `kind` on request `id` as the request shows it to `who`, once the workflow has opened it (the wait timed as `open`). */
  const inboxTask = async (t: Timings, who: Actor, kind: string, id: string) => {
    const t0 = process.hrtime.bigint();
    for (let tries = 0; tries < 600; tries++) {
      const req = await timed(t, 'GET request', () => call({ method: 'GET', url: `/requests/${id}`, headers: as(who) }));
      const task = ((req.json().tasks ?? []) as { id: string; kind: string; status: string }[]).find((x) => x.kind === kind && x.status === 'open');
      if (task) {
        (t[`${kind} open`] ??= []).push(Number(process.hrtime.bigint() - t0) / 1e6);
        return task.id;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no ${kind} for ${id} in 30 s`);
  };
  const deliveryLifecycle = (ids: string[]) => async (t: Timings) => {
    const id = ids.shift()!;
    const fields = ((await call({ method: 'GET', url: `/requests/${id}`, headers: as(applicant) })).json().grant?.fields ?? []) as string[];
    const delivery = await inboxTask(t, provider, 'SHARE_DELIVERY', id);
    const form = { method: 'interface', location: 'https://exchange.example.org/bench', deliveredFields: fields };
    const delivered = await timed(t, 'DELIVER', () =>
      call({ method: 'POST', url: `/tasks/${delivery}/complete`, payload: { decision: 'DELIVER', form }, headers: as(provider) }),
    );
    if (delivered.statusCode !== 200) throw new Error(`DELIVER answered ${delivered.statusCode}: ${delivered.body}`);
    const receipt = await inboxTask(t, applicant, 'SHARE_DELIVERY_CONFIRMATION', id);
    const confirmed = await timed(t, 'CONFIRM', () =>
      call({ method: 'POST', url: `/tasks/${receipt}/complete`, payload: { decision: 'CONFIRM' }, headers: as(applicant) }),
    );
    if (confirmed.statusCode !== 200) throw new Error(`CONFIRM answered ${confirmed.statusCode}: ${confirmed.body}`);
  };
  let firstBare: string | undefined;
  const bareLifecycle = async (t: Timings) => {
    const workflowId = `bare-${randomUUID()}`;
    firstBare ??= workflowId;
    await timed(t, 'start', () =>
      client.workflow.executeUpdateWithStart(bareSubmitted, {
        startWorkflowOperation: new WithStartWorkflowOperation('bareLifecycle', { workflowId, taskQueue: bareQueue, workflowIdConflictPolicy: 'USE_EXISTING' }),
      }),
    );
    const handle = client.workflow.getHandle(workflowId);
    await timed(t, 'decide 1', () => handle.executeUpdate(bareDecide, { args: ['provider'] }));
    await timed(t, 'decide 2', () => handle.executeUpdate(bareDecide, { args: ['authority'] }));
  };

  // Warm-up, then alternating rounds: BENCH_PAIRS pairs (bare, then API) at each level. On a 2-core machine
  // one pair's ratio swings by ±0.1 with what else runs; the level's ratio is the median of its pairs'.
  await rounds(4, 20, apiLifecycle);
  await rounds(4, 20, bareLifecycle);
  const cpu = () =>
    cpuNow(
      {
        [HTTP ? 'bench (clients)' : 'bench (API, clients)']: process.pid,
        ...(apiProcess ? { API: apiProcess.process.pid } : {}),
        'share worker': workers[0].pid,
        'bare worker': workers[1].pid,
        temporal: server?.process.pid,
      },
      new URL(url).pathname.slice(1),
    );
  // Transactions committed in the bench database (the bare side writes none there): PostgreSQL publishes a backend's
  // counts up to 10 s late when it goes idle, so they are read 11 s after the warm-up and after the last round.
  const commits = async () => {
    await new Promise((r) => setTimeout(r, 11_000));
    const { rows } = await sql<{ n: string }>`select xact_commit as n from pg_stat_database where datname = ${new URL(url).pathname.slice(1)}`.execute(db);
    return Number(rows[0].n);
  };
  const commitsBefore = await commits();
  let apiLifecycles = 0;
  const ratios: number[] = [];
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const inFlight of [8, 32]) {
    const pairs: { bare: Awaited<ReturnType<typeof rounds>>; api: Awaited<ReturnType<typeof rounds>> }[] = [];
    for (let i = 0; i < PAIRS; i++) {
      const bare = await rounds(inFlight, PER_ROUND, bareLifecycle, cpu);
      const api = await rounds(inFlight, PER_ROUND, apiLifecycle, cpu);
      apiLifecycles += PER_ROUND;
      pairs.push({ bare, api });
      console.log(
        `  pair ${i + 1}: bare Temporal ${bare.perSecond.toFixed(1)}/s, API ${api.perSecond.toFixed(1)}/s, ratio ${(api.perSecond / bare.perSecond).toFixed(2)}`,
      );
    }
    const ratio = median(pairs.map((p) => p.api.perSecond / p.bare.perSecond));
    ratios.push(ratio);
    const merged = (side: 'bare' | 'api') => {
      const out: Timings = {};
      for (const p of pairs) for (const [k, v] of Object.entries(p[side].timings)) (out[k] ??= []).push(...v);
      return out;
    };
    const perSecond = (side: 'bare' | 'api') => median(pairs.map((p) => p[side].perSecond));
    console.log(
      `\n${inFlight} in flight, ${PAIRS} × ${PER_ROUND} lifecycles each (medians): bare Temporal ${perSecond('bare').toFixed(1)}/s, API ${perSecond('api').toFixed(1)}/s, ratio ${ratio.toFixed(2)}`,
    );
    for (const [name, t] of [
      ...Object.entries(merged('bare')).map(([k, v]) => [`bare ${k}`, v] as const),
      ...Object.entries(merged('api')).map(([k, v]) => [`api ${k}`, v] as const),
    ]) {
      const sorted = [...t].sort((a, b) => a - b);
      console.log(
        `  ${name.padEnd(16)} p50 ${pct(sorted, 50).toFixed(1).padStart(7)} ms  p95 ${pct(sorted, 95).toFixed(1).padStart(7)} ms  p99 ${pct(sorted, 99).toFixed(1).padStart(7)} ms`,
      );
    }
    // CPU a lifecycle costs, by process (median over the pairs): steadier than lifecycles per second on a shared machine.
    for (const side of ['bare', 'api'] as const) {
      const names = Object.keys(pairs[0][side].cpuPerLifecycle);
      if (!names.length) continue;
      const per = names.map((n) => [n, median(pairs.map((p) => p[side].cpuPerLifecycle[n]))] as const).filter(([, ms]) => ms >= 0.05);
      const total = per.reduce((a, [, ms]) => a + ms, 0);
      console.log(`  ${side} CPU per lifecycle ${total.toFixed(1)} ms: ${per.map(([n, ms]) => `${n} ${ms.toFixed(1)}`).join(', ')}`);
    }
  }
  console.log(`\ncommits in the bench database per API lifecycle (all rounds): ${((Number(await commits()) - commitsBefore) / apiLifecycles).toFixed(1)}`);
  // What one lifecycle costs the engine: its workflow tasks, activities and Updates, each side's first run's history.
  const shape = async (workflowId: string) => {
    const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    const count = (k: keyof (typeof events)[number]) => events.filter((e) => e[k]).length;
    return `${events.length} events, ${count('workflowTaskCompletedEventAttributes')} workflow tasks, ${count('activityTaskScheduledEventAttributes')} activities, ${count('workflowExecutionUpdateAcceptedEventAttributes')} Updates`;
  };
  const firstApi = await db.selectFrom('requests').select('workflow_id').where('id', '=', granted[0]).executeTakeFirstOrThrow();
  console.log(`history of one lifecycle: API ${await shape(firstApi.workflow_id)}; bare ${await shape(firstBare!)}`);
  // Delivery and receipt of granted requests (条例, 数据交付), after the ratio's rounds.
  // slice(-0) would be every one of them: BENCH_DELIVERIES=0 skips the delivery.
  const toDeliver = granted.slice(granted.length - Math.min(DELIVERIES, granted.length));
  const delivered = await rounds(8, toDeliver.length, deliveryLifecycle(toDeliver));
  console.log(
    `\ndelivery of ${delivered.timings.DELIVER?.length ?? 0} granted requests, 8 in flight: ${delivered.perSecond.toFixed(1)} deliveries and receipts/s`,
  );
  for (const [name, t] of Object.entries(delivered.timings)) {
    const sorted = [...t].sort((a, b) => a - b);
    console.log(
      `  ${`api ${name}`.padEnd(34)} p50 ${pct(sorted, 50).toFixed(1).padStart(7)} ms  p95 ${pct(sorted, 95).toFixed(1).padStart(7)} ms  p99 ${pct(sorted, 99).toFixed(1).padStart(7)} ms`,
    );
  }
  await closeApp();
  for (const w of workers) w.kill('SIGTERM');
  await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode === null ? w.once('exit', r) : r(null)))));
  fs.rmSync(work, { recursive: true, force: true });
  await connection.close();
  await db.destroy();
  await server?.stop();
  console.log(`ratio ${Math.min(...ratios).toFixed(2)}`);
}
