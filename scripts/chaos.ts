// npm run chaos -- [--n N] [--faults F]: N lifecycles through the API, every procedure's: most a conditional
// share request approved by both reviewers; one in four a catalog adjustment adding an entry, approved by the
// authority, then the authority's share-attribute dispute on that entry, which the agency accepts; one in
// eight a citizen's open demand, answered with a plan; one in eight a citizen's withdrawal request, dismissed
// with reasons; one in eight a citizen's conditional open application, approved, signed and countersigned; one in
// eight a citizen's report of an error in open data, corrected; one in eight a share request whose joint review eight officers decide at once, half approving, half rejecting;
// one in sixteen a share request refused and disputed by its applicant (《政务数据共享条例》), in turn granted by agreement in
// consultation and upheld by the leading group after the authority's coordination fails. Meanwhile the worker (a process of its own), the
// Temporal dev server (same state file) and PostgreSQL are SIGKILLed and restarted. Then SQL and Temporal
// are asked: every share request granted with one grant, every adjustment approved with one new entry, every
// dispute settled as that entry's version 2, every demand answered, every withdrawal dismissed, every error report
// corrected, every refusal dispute ended once (a grant only when it grants, its trail and notices once), every agreement in
// force with its two signatures, every burst ended by the one decision answered 200 and nothing of the others,
// nothing duplicated, no workflow failed or stuck. Then an evaluation snapshot of a region of 400 organisations is
// started and the worker SIGKILLed while it keeps them: each scope kept once, the run completed. Figures last.
// `npm run chaos -- --cluster [--n N] [--faults F]`: the same lifecycles and reconciliation on `npm run cluster`'s topology
// (Temporal's four services, three workers, two APIs, each a process, on an embedded PostgreSQL of its own), each lifecycle
// started on one API and decided on the other over HTTP, while one worker, one API, the history service and the matching
// service are SIGKILLed and restarted, and PostgreSQL once; each fault's recovery is timed.
import { AsyncLocalStorage } from 'node:async_hooks';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflows } from '../worker/tracing';
import { buildApp } from '../api/app';
import { signToken } from '../api/auth';
import type { App } from '../api/types';
import { createDb, ensureDatabase, migrateToLatest, type Db } from '../db';
import { sampleEntryContent, sampleResidentId, seedCity, type SeededCity } from '../db/seed';
import { periodsEndedBy } from '../domain/evaluation';
import { DEFAULT_POLICIES } from '../domain/policies';
import type { Actor } from '../domain/types';
import type { Child } from './child';
import { startCluster, type Cluster } from './cluster';
import { startEmbeddedPostgres, type EmbeddedPg } from './embedded-postgres';
import type { Shutdown } from './system';
import { clusterDatabases, type TemporalService } from './temporal-cluster';
import { freePort, startTemporalDevServer, type DevServer } from './temporal-dev-server';
import { devToken } from './tokens';

export interface ChaosReport {
  requests: number;
  /** Faults injected by kind (worker, temporal, postgres; on a cluster worker, API, history, matching, postgres). */
  faults: Record<string, number>;
  granted: number;
  lost: string[];
  duplicated: string[];
  /** Bursts of concurrent decisions whose outcome is not the one decision answered as taken. */
  crossed: string[];
  stuck: string[];
  failedWorkflows: string[];
  seconds: number;
  retriedCalls: number;
  /** Calls sent to the other API because theirs was gone (a cluster's). */
  failovers: number;
  /**
   * Each fault in turn, in seconds from its SIGKILL: until the process answered again (health, gRPC port, connections),
   * until the first write (a submission or decision) sent after the kill was answered, and until every lifecycle step
   * under way at the kill had succeeded (null: one never did).
   */
  recoveries: { fault: string; restarted: number | null; firstWrite: number | null; underWay: number; drained: number | null }[];
  /** The snapshot the worker was killed during: its scopes, how many were kept at the kill, rows and audit events after, whether it completed. */
  snapshot: { scopes: number; keptAtKill: number; rows: number; events: number; completed: boolean };
}

const ROOT = path.join(__dirname, '..');
/** Organisations of the region whose evaluation snapshot the worker is killed during: enough scopes to take seconds. */
const SNAPSHOT_ORGS = 400;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/**
 * The notices of a refusal dispute, by kind (sorted). Granted by agreement in consultation: each turn's assignment, the
 * delivery's and its confirmation's (the grant's life, as a share grant's), and the applicant told it started and that it
 * ended granted. Upheld by the leading group: the provider's turn, the coordination
 * and the leading group's decision assigned, the applicant told of its start, each referral and the refusal upheld.
 */
const DISPUTE_GRANTED_NOTICES = ['request_status', 'request_status', ...Array<string>(4).fill('task_assigned')];
const DISPUTE_UPHELD_NOTICES = ['request_status', 'request_status', 'request_status', 'request_status', 'task_assigned', 'task_assigned', 'task_assigned'];

/** An answer of the API, as app.inject and fetch both give it. */
interface Answer {
  statusCode: number;
  body: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the lifecycles read the API's JSON as they please
  json(): any;
}
/** In a cluster, a lifecycle is started on one API and decided (and read) on the other, as test/cluster.test.ts does. */
type Side = 'start' | 'decide';
type Method = 'GET' | 'POST' | 'PUT';

/** What the run goes through: the system under test and the faults it suffers (a dev server, or `npm run cluster`'s topology). */
interface ChaosStack {
  db: Db;
  client: Client;
  taskQueue: string;
  /** One API call as `actor`; in a cluster `side` and `lane` (the lifecycle's number) pick the API. */
  call(actor: Actor, method: Method, url: string, payload: object | undefined, headers: Record<string, string>, side: Side, lane: number): Promise<Answer>;
  /** The faults, injected in this order, round and round: each a SIGKILL and a restart, resolving once the process answers again. */
  faults: { kind: string; run(): Promise<void> }[];
  /** The worker killed (and restarted) while the evaluation snapshot runs. */
  killWorker(): Promise<void>;
  /** Calls that found their API gone and were sent to the other. */
  failovers(): number;
  stop(): Promise<void>;
}

/** Retried until it does not throw (a server restarted on a port its killed predecessor's children still hold a moment). */
async function retrying<T>(what: string, f: () => Promise<T>): Promise<T> {
  for (const deadline = Date.now() + 240_000; ; await sleep(500)) {
    try {
      return await f();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`chaos: ${what} never succeeded: ${(err as Error).message}`);
    }
  }
}

const quiet = () => undefined;
const quietLogger = { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: quiet, error: console.error };

/** SIGKILLs the embedded PostgreSQL and starts it again on its data and port. */
async function restartPostgres(pg: EmbeddedPg, dataDir: string, port: number): Promise<EmbeddedPg> {
  pg.process.kill('SIGKILL');
  await new Promise((r) => (pg.process.exitCode === null && pg.process.signalCode === null ? pg.process.once('exit', r) : r(null)));
  await sleep(1000); // the killed server's backends notice and exit
  return retrying('PostgreSQL restart', () => startEmbeddedPostgres(dataDir, port, 'pdw_chaos', quiet));
}

/** The dev server's stack: one worker process, the Temporal dev server, the embedded PostgreSQL; the API built in this process. */
async function devStack(work: string, taskQueue: string, log: (s: string) => void): Promise<ChaosStack> {
  const [pgPort, temporalPort] = [await freePort(), await freePort()];
  const pgDir = path.join(work, 'postgres');
  const temporalDb = path.join(work, 'temporal.sqlite');

  let pg: EmbeddedPg = await startEmbeddedPostgres(pgDir, pgPort, 'pdw_chaos', log);
  await ensureDatabase(pg.url);
  const db: Db = createDb(pg.url, 10);
  await migrateToLatest(db);

  const startTemporal = () => startTemporalDevServer({ dbFile: temporalDb, port: temporalPort, log: quiet });
  let temporal: DevServer = await startTemporal();
  // The test run's bundle when there is one; otherwise built once here, so restarted workers start fast.
  let bundlePath = process.env.PDW_WORKFLOW_BUNDLE ?? '';
  if (!bundlePath) {
    bundlePath = path.join(work, 'workflows.js');
    fs.writeFileSync(bundlePath, (await bundleWorkflows({ ...quietLogger, error: log })).code);
  }

  // The real worker entry point, as a process of its own so that it can be killed.
  const startWorker = (): ChildProcess => {
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'run.js'), path.join(ROOT, 'worker', 'main.ts')], {
      env: { ...process.env, DATABASE_URL: pg.url, TEMPORAL_ADDRESS: temporal.address, TASK_QUEUE: taskQueue, WORKFLOW_BUNDLE: bundlePath, NODE_OPTIONS: '' },
      stdio: 'ignore',
    });
    child.on('error', (err) => log(`chaos: worker could not start: ${err.message}`));
    return child;
  };
  let worker = startWorker();

  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  const jwtSecret = 'chaos-secret-0123456789-0123456789-012';
  const app: App = await buildApp({ db, temporal: client, taskQueue, jwtSecret, policies: DEFAULT_POLICIES, engineTimeoutMs: 5_000 });
  await app.ready();
  // Restarted means spawned here: this worker has no health port to wait on.
  const killWorker = async () => {
    worker.kill('SIGKILL');
    await sleep(500);
    worker = startWorker();
  };
  return {
    db,
    client,
    taskQueue,
    call: (actor, method, url, payload, headers) =>
      app.inject({ method, url, payload, headers: { authorization: `Bearer ${signToken(app, actor)}`, ...headers } }),
    faults: [
      { kind: 'worker', run: killWorker },
      {
        kind: 'temporal',
        async run() {
          temporal.process.kill('SIGKILL');
          await new Promise((r) => (temporal.process.exitCode === null && temporal.process.signalCode === null ? temporal.process.once('exit', r) : r(null)));
          temporal = await retrying('Temporal restart', () => startTemporal());
        },
      },
      { kind: 'postgres', run: async () => void (pg = await restartPostgres(pg, pgDir, pgPort)) },
    ],
    killWorker,
    failovers: () => 0,
    async stop() {
      await app.close();
      worker.kill('SIGTERM');
      await new Promise((r) => (worker.exitCode === null ? worker.once('exit', r) : r(null)));
      await connection.close();
      await db.destroy();
      await temporal.stop();
      await pg.stop();
      if (pg.dataDir !== pgDir) fs.rmSync(path.dirname(pg.dataDir), { recursive: true, force: true });
    },
  };
}

/**
 * `npm run cluster`'s topology (scripts/cluster.ts): Temporal's four services, three workers and two APIs, each a
 * process, on an embedded PostgreSQL of this run's own (never the machine's server, which others use: it is restarted
 * here). The lifecycles' calls go over HTTP; a call whose API is gone is sent to the other, as a load balancer would.
 */
async function clusterStack(work: string, taskQueue: string, log: (s: string) => void): Promise<ChaosStack> {
  const pgDir = path.join(work, 'postgres');
  const pgPort = await freePort();
  let pg: EmbeddedPg = await startEmbeddedPostgres(pgDir, pgPort, 'pdw_chaos', log);
  const { appUrl, ...databases } = clusterDatabases({ embedded: { postgres: false }, databaseUrl: pg.url, dataDir: work });
  const undo: Shutdown['undo'] = [];
  const stopAll = async () => {
    for (const step of undo.reverse()) await step.run().catch((err: Error) => log(`chaos: stopping ${step.name}: ${err.message}`));
  };
  // Every process of ours listens for this one's exit, to go with it: nine of the cluster, PostgreSQL, and the restarted.
  process.setMaxListeners(Math.max(process.getMaxListeners(), 30));
  const jwtSecret = `chaos-${randomUUID()}`;
  const stateDir = path.join(work, 'cluster');
  fs.mkdirSync(stateDir, { recursive: true });
  let cluster: Cluster;
  try {
    cluster = await startCluster({
      stateDir,
      appUrl,
      databases: { temporal: databases.temporal, visibility: databases.visibility },
      namespace: 'default',
      // The dev server's engine timeout (5 s) as the in-process API has it; development mode for the secrets' defaults.
      env: { TASK_QUEUE: taskQueue, JWT_SECRET: jwtSecret, PDW_MODE: 'development', ENGINE_TIMEOUT_MS: '5000', NODE_OPTIONS: '' },
      bundle: process.env.PDW_WORKFLOW_BUNDLE,
      undo,
      killAll: [],
      log: (m) => log(`chaos: ${m}`),
    });
  } catch (err) {
    await stopAll();
    await pg.stop();
    throw err;
  }
  const db: Db = createDb(appUrl.toString(), 10);
  const connection = await Connection.connect({ address: cluster.temporal.address });
  const client = new Client({ connection, namespace: 'default' });
  const bases = cluster.apis.map((a) => a.url);
  const tokens = new Map<string, string>();
  let failovers = 0;
  const kill9 = (p: { child: Child; restart(): Promise<void> }) => async () => {
    await p.child.kill();
    await p.restart();
  };
  const service = (name: TemporalService) => ({
    child: cluster.temporal.services.find((s) => s.name === name)!.child,
    restart: () => cluster.temporal.restart(name),
  });
  return {
    db,
    client,
    taskQueue,
    async call(actor, method, url, payload, headers, side, lane) {
      const key = JSON.stringify(actor);
      if (!tokens.has(key)) tokens.set(key, devToken(jwtSecret, actor));
      const first = (lane + (side === 'start' ? 0 : 1)) % bases.length;
      for (let k = 0; k < bases.length; k++) {
        try {
          const res = await fetch(`${bases[(first + k) % bases.length]}${url}`, {
            method,
            headers: { authorization: `Bearer ${tokens.get(key)}`, ...(payload ? { 'content-type': 'application/json' } : {}), ...headers },
            ...(payload ? { body: JSON.stringify(payload) } : {}),
            signal: AbortSignal.timeout(30_000),
          });
          const body = await res.text();
          return { statusCode: res.status, body, json: () => JSON.parse(body) };
        } catch (err) {
          // A timeout is an API that answers slowly, not one gone: the lifecycle retries it as a 503.
          if ((err as Error).name === 'TimeoutError') break;
          failovers++;
        }
      }
      return { statusCode: 503, body: '', json: () => ({}) };
    },
    faults: [
      { kind: 'worker', run: kill9(cluster.workers[0]) },
      { kind: 'API', run: kill9(cluster.apis[1]) },
      { kind: 'history', run: kill9(service('history')) },
      { kind: 'matching', run: kill9(service('matching')) },
      { kind: 'postgres', run: async () => void (pg = await restartPostgres(pg, pgDir, pgPort)) },
    ],
    killWorker: kill9(cluster.workers[1]),
    failovers: () => failovers,
    async stop() {
      await connection.close();
      await stopAll();
      await db.destroy();
      await pg.stop();
      if (pg.dataDir !== pgDir) fs.rmSync(path.dirname(pg.dataDir), { recursive: true, force: true });
    },
  };
}

/** A fault injected: when, the lifecycle steps under way at that moment, and when things answered again. */
interface Fault {
  kind: string;
  at: number;
  inflight: { done: number }[];
  restarted?: number;
  firstWrite?: number;
}

export async function runChaos({
  n,
  faults,
  inFlight = 8,
  cluster = false,
  log = console.log,
}: {
  /** Lifecycles to run at least: more are started while the last faults recover. */
  n: number;
  faults: number;
  inFlight?: number;
  /** On `npm run cluster`'s topology rather than one worker and the dev server. */
  cluster?: boolean;
  log?: (s: string) => void;
}): Promise<ChaosReport> {
  const began = Date.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pdw-chaos-'));
  const taskQueue = `chaos-${randomUUID().slice(0, 8)}`;
  const stack = await (cluster ? clusterStack : devStack)(work, taskQueue, log);
  const { db, client } = stack;
  const prefix = `chaos-${randomUUID().slice(0, 6)}`;
  const city: SeededCity = await seedCity(db, prefix, prefix);
  const applicant: Actor = { sub: 'chaos-applicant', org: city.agencies.market, roles: ['agency_applicant'] };
  const authority: Actor = { sub: 'chaos-authority', org: city.cityAuthority, roles: ['authority_reviewer'] };
  const provider: Actor = { sub: 'chaos-provider', org: city.agencies.health, roles: ['provider_reviewer'] };
  const officer: Actor = { sub: 'chaos-officer', org: city.agencies.market, roles: ['agency_applicant'] };
  const agencyOpinion: Actor = { sub: 'chaos-market-opinion', org: city.agencies.market, roles: ['provider_reviewer'] };
  const disputes: string[] = [];
  /** Every fourth lifecycle is a catalog adjustment, and one in eight an open demand. */
  const isAdjustment = (i: number) => i % 4 === 3;
  const isDemand = (i: number) => i % 8 === 5;
  /** One in eight a withdrawal request, dismissed (the entry is left as it is, for the other lifecycles). */
  const isWithdrawal = (i: number) => i % 8 === 1;
  /** One in eight a conditional open application, ending in an agreement in force. */
  const isOpenRequest = (i: number) => i % 8 === 6;
  /** One in eight a citizen's report of an error in open data, corrected. */
  const isCorrection = (i: number) => i % 8 === 4;
  /** One in eight a share request whose joint review is decided by a burst of conflicting decisions. */
  const isBurst = (i: number) => i % 8 === 2;
  /**
   * One in sixteen a share request refused (the provider's DISAGREE, the authority's REJECT, each citing its basis), then
   * disputed by its applicant (《政务数据共享条例》): in turn one settled by agreement in consultation and granted, the
   * next referred to the authority, whose coordination fails, and to the leading group, which upholds the refusal.
   */
  const isRefusalDispute = (i: number) => i % 16 === 8;
  const grantsOnDispute = (i: number) => Math.floor(i / 16) % 2 === 0;
  const disputeApplicant: Actor = { sub: 'chaos-dispute-applicant', org: city.agencies.market, roles: ['agency_applicant'] };
  const leadingGroup: Actor = { sub: 'chaos-leading-group', org: city.leadingGroup, roles: ['leading_group'] };
  const refusalDisputes: { i: number; id: string; shareRequestId: string; grants: boolean }[] = [];
  const burstApplicant: Actor = { sub: 'chaos-burst-applicant', org: city.agencies.market, roles: ['agency_applicant'] };
  const bursts: { id: string; taskId: string; sent: Map<string, string>; answered: string[] }[] = [];
  const crossed: string[] = [];
  const withdrawals: string[] = [];
  const corrections: string[] = [];
  const agreements: string[] = [];
  const demands: string[] = [];
  const citizen: Actor = { sub: 'chaos-citizen', org: 'public', roles: ['public_applicant'] };
  const market: Actor = { sub: 'chaos-market-review', org: city.agencies.market, roles: ['provider_reviewer'] };
  const resources: Actor = { sub: 'chaos-resources-review', org: city.agencies.resources, roles: ['provider_reviewer'] };

  let retriedCalls = 0;
  /** The lifecycle a call belongs to (its number), through every await of its steps. */
  const lane = new AsyncLocalStorage<number>();
  const underWay = new Set<{ done: number }>();
  const injectedFaults: Fault[] = [];
  /** A call retried (same Idempotency-Key, same decision) until it gives an answer the lifecycle can go on from. */
  async function until<T>(what: string, f: () => Promise<T | undefined>): Promise<T> {
    // Well inside the test's 10 minutes, so a step that never succeeds is named rather than lost in a test timeout.
    const deadline = Date.now() + 240_000;
    // A lifecycle's step (one run in a lane): a fault's recovery waits for those under way when it struck.
    const step = lane.getStore() === undefined ? undefined : { done: 0 };
    if (step) underWay.add(step);
    for (;;) {
      try {
        const v = await f();
        if (v !== undefined) {
          if (step) {
            step.done = Date.now();
            underWay.delete(step);
          }
          return v;
        }
      } catch {
        // the engine or the database is down: wait and retry
      }
      if (Date.now() > deadline) throw new Error(`chaos: ${what} never succeeded`);
      retriedCalls++;
      await sleep(500);
    }
  }
  /** A call of the lifecycle in this lane; a write answered after a fault is the first thing through again. */
  const inject = async (actor: Actor, method: Method, url: string, payload?: object, headers: Record<string, string> = {}, side: Side = 'decide') => {
    const sent = Date.now();
    const res = await stack.call(actor, method, url, payload, headers, side, lane.getStore() ?? 0);
    if (method !== 'GET' && res.statusCode < 300)
      for (const f of injectedFaults) if (f.firstWrite === undefined && sent >= f.at) f.firstWrite = Date.now() - f.at;
    return res;
  };

  /** Decides a task, retrying until it is decided (an earlier attempt whose answer was lost may have decided it). */
  const decide = (actor: Actor, taskId: string, decision: string, what: string, reason?: string, form?: object) =>
    until(what, async () => {
      const res = await inject(actor, 'POST', `/tasks/${taskId}/complete`, { decision, ...(reason ? { reason } : {}), ...(form ? { form } : {}) });
      if (res.statusCode === 200) return true;
      const task = await inject(actor, 'GET', `/tasks/${taskId}`);
      return task.statusCode === 200 && task.json().status === 'completed' ? true : undefined;
    });

  /** A request submitted (same Idempotency-Key on every retry) until the API answers with it in review. */
  const submitted = (what: string, actor: Actor, url: string, body: object, key: string) =>
    until(what, async () => {
      const res = await inject(actor, 'POST', url, body, { 'idempotency-key': key }, 'start');
      const view = res.json();
      return res.statusCode < 300 && view.status === 'in_review' ? (view as { id: string; tasks: { id: string; kind: string }[] }) : undefined;
    });
  /** Waits until the request has an open task of `kind`; answers its id. */
  const openTask = (what: string, actor: Actor, requestId: string, kind: string) =>
    until(what, async () => {
      const tasks = ((await inject(actor, 'GET', `/requests/${requestId}`)).json().tasks ?? []) as { id: string; kind: string; status: string }[];
      return tasks.find((t) => t.kind === kind && t.status === 'open')?.id;
    });
  /** Waits until the request reads `status`. */
  const reached = (what: string, actor: Actor, requestId: string, status: string) =>
    until(what, async () => ((await inject(actor, 'GET', `/requests/${requestId}`)).json().status === status ? true : undefined));

  /** Art. 21 ¶2: a citizen asks for opened data to be withdrawn; the agency dismisses it with its reasons. */
  async function withdrawal(i: number): Promise<void> {
    const body = { catalogEntryId: city.entries.unconditional, right: 'privacy', reasons: `chaos ${i}` };
    const req = await submitted(`withdrawal ${i}`, citizen, '/withdrawals', body, `chaos-withdrawal-${i}`);
    await decide(market, req.tasks[0].id, 'DISMISS', `dismissal of withdrawal ${i}`, 'the data identifies no one');
    await reached(`withdrawal ${i} dismissed`, citizen, req.id, 'dismissed');
    withdrawals.push(req.id);
  }
  /** Art. 11: a citizen reports an error in data open to all; the agency corrects it. */
  async function correction(i: number): Promise<void> {
    const body = { catalogEntryId: city.entries.unconditional, items: ['name'], problem: `chaos ${i}` };
    const req = await submitted(`correction ${i}`, citizen, '/corrections', body, `chaos-correction-${i}`);
    await decide(market, req.tasks[0].id, 'CORRECTED', `correction ${i}`, undefined, { corrected: `name of record ${i} corrected` });
    await reached(`correction ${i} corrected`, citizen, req.id, 'upheld');
    corrections.push(req.id);
  }
  /** Art. 20: a citizen applies to use conditionally open data; the agency approves, both sign the agreement. */
  async function openRequest(i: number): Promise<void> {
    const body = {
      catalogEntryId: city.entries.conditionalOpen,
      purpose: `chaos ${i}`,
      scenario: 'research',
      accessMethod: 'api',
      securityMeasures: 'encrypted storage',
      termMonths: 12,
    };
    const req = await submitted(`open request ${i}`, citizen, '/open-requests', body, `chaos-open-${i}`);
    await decide(resources, req.tasks[0].id, 'APPROVE', `approval of open request ${i}`);
    const agreementId = `${req.id}.agreement`;
    const task = (kind: string) =>
      until(`${kind} of open request ${i}`, async () => {
        const view = (await inject(citizen, 'GET', `/requests/${req.id}`)).json() as { tasks?: { id: string; kind: string }[] };
        return view.tasks?.find((t) => t.kind === kind)?.id;
      });
    const sha256 = await until(
      `agreement ${i}`,
      async () => ((await inject(citizen, 'GET', `/agreements/${agreementId}`)).json() as { sha256?: string }).sha256,
    );
    await decide(citizen, await task('AGREEMENT_SIGNATURE'), 'SIGN', `signature of agreement ${i}`, undefined, { sha256 });
    await decide(resources, await task('AGREEMENT_COUNTERSIGNATURE'), 'SIGN', `countersignature of agreement ${i}`, undefined, { sha256 });
    await reached(`agreement ${i} in force`, citizen, req.id, 'granted');
    agreements.push(agreementId);
  }
  /** Art. 21 ¶1: a citizen asks for an entry to be opened; the agency answers with a plan. */
  async function openDemand(i: number): Promise<void> {
    const body = { catalogEntryId: city.entries.conditional, description: `chaos ${i}`, purpose: 'research' };
    const req = await submitted(`open demand ${i}`, citizen, '/open-demands', body, `chaos-demand-${i}`);
    await decide(provider, req.tasks[0].id, 'PLAN', `answer to demand ${i}`, 'opening next quarter');
    await reached(`demand ${i} answered`, citizen, req.id, 'answered');
    demands.push(req.id);
  }

  /**
   * Art. 14 under a burst: the provider agrees, then eight officers of the city authority decide the joint review
   * at once, even calls approving and odd ones rejecting, each with a reason of its own. At most one is answered
   * 200; the others 409 (or 503 while the engine is down). When none was answered (the engine down for all), the
   * review is decided again until it is; the outcome is reconciled with the answers after the run.
   */
  async function burst(i: number): Promise<void> {
    const body = {
      catalogEntryId: city.entries.conditional,
      scenario: `chaos burst ${i}`,
      statutoryDuty: 'market supervision',
      commitment: { authenticity: true, compliance: true, security: true },
    };
    const req = await submitted(`burst ${i}`, burstApplicant, '/share-requests', body, `chaos-burst-${i}`);
    await decide(provider, req.tasks.find((t) => t.kind === 'SHARE_PROVIDER_OPINION')!.id, 'AGREE', `opinion of burst ${i}`);
    const taskId = req.tasks.find((t) => t.kind === 'SHARE_JOINT_REVIEW')!.id;
    const sent = new Map<string, string>();
    const calls = await Promise.all(
      Array.from({ length: 8 }, async (_, k) => {
        const officerK: Actor = { sub: `chaos-authority-${k}`, org: city.cityAuthority, roles: ['authority_reviewer'] };
        const decision = k % 2 ? 'REJECT' : 'APPROVE';
        const reason = `burst ${i} call ${k}`;
        sent.set(reason, decision);
        // A refusal cites its legal basis (不予共享).
        const basis = [{ level: 'law', title: '中华人民共和国个人信息保护法', article: '第十三条' }];
        const res = await inject(officerK, 'POST', `/tasks/${taskId}/complete`, { decision, reason, ...(decision === 'REJECT' ? { form: { basis } } : {}) });
        if (res.statusCode !== 200 && res.statusCode !== 409 && res.statusCode !== 503)
          crossed.push(`burst ${i} call ${k}: ${res.statusCode} ${res.body.slice(0, 200)}`);
        return res.statusCode === 200 ? reason : undefined;
      }),
    );
    const answered = calls.filter((r): r is string => r !== undefined);
    if (!answered.length) await decide(authority, taskId, 'APPROVE', `burst ${i} decided again`, 'burst decided again');
    bursts.push({ id: req.id, taskId, sent, answered });
  }

  /** Art. 9 ¶2: the market agency adds an entry to its catalog; the city authority approves. */
  async function adjustment(i: number): Promise<string> {
    const body = { ground: 'new_system', justification: `chaos ${i}`, changes: [{ op: 'add', entry: sampleEntryContent(`混沌目录 ${i}`) }] };
    const req = await submitted(`adjustment ${i}`, officer, '/catalog/adjustments', body, `chaos-adjust-${i}`);
    await decide(authority, req.tasks[0].id, 'APPROVE', `approval of adjustment ${i}`);
    await reached(`adjustment ${i} applied`, officer, req.id, 'approved');
    // Art. 13 ¶3: the city authority disputes the new entry's share attribute; the agency accepts its position.
    const dispute = {
      catalogEntryId: `${req.id}-1`,
      proposal: { attribute: 'CONDITIONAL', reasons: 'chaos', conditions: `chaos ${i}`, basis: [] },
      objection: `chaos ${i}`,
    };
    const raised = await submitted(`dispute ${i}`, authority, '/disputes', dispute, `chaos-dispute-${i}`);
    await decide(agencyOpinion, raised.tasks[0].id, 'ACCEPT', `acceptance of dispute ${i}`);
    await reached(`dispute ${i} settled`, authority, raised.id, 'settled');
    disputes.push(raised.id);
    return req.id;
  }

  /**
   * 《政务数据共享条例》 (issue 24 §3): a share request refused, each refusal citing its basis; its applicant disputes the
   * refusal. Granting in turn: the provider counters with a grant on two fields and a condition, the applicant accepts.
   * Otherwise the provider finds no agreement, the authority's coordination fails, the leading group upholds the refusal.
   */
  async function refusalDispute(i: number): Promise<void> {
    const body = {
      catalogEntryId: city.entries.conditional,
      scenario: `chaos dispute ${i}`,
      statutoryDuty: 'market supervision',
      commitment: { authenticity: true, compliance: true, security: true },
    };
    const basis = [{ level: 'law', title: '中华人民共和国个人信息保护法', article: '第十三条' }];
    const req = await submitted(`refused request ${i}`, disputeApplicant, '/share-requests', body, `chaos-refused-${i}`);
    await decide(provider, req.tasks.find((t) => t.kind === 'SHARE_PROVIDER_OPINION')!.id, 'DISAGREE', `refusal opinion of ${i}`, '含患者信息', { basis });
    await decide(authority, req.tasks.find((t) => t.kind === 'SHARE_JOINT_REVIEW')!.id, 'REJECT', `rejection of ${i}`, '提供单位不同意共享', { basis });
    await reached(`refusal of ${i}`, disputeApplicant, req.id, 'rejected');
    const grants = grantsOnDispute(i);
    const raised = await submitted(
      `refusal dispute ${i}`,
      disputeApplicant,
      '/refusal-disputes',
      { shareRequestId: req.id, reason: `chaos ${i}: 履职确需该数据` },
      `chaos-refusal-dispute-${i}`,
    );
    const turn = await openTask(`first turn of dispute ${i}`, disputeApplicant, raised.id, 'REFUSAL_DISPUTE_CONSULTATION');
    if (grants) {
      await decide(provider, turn, 'COUNTER', `counter in dispute ${i}`, '限定数据项', {
        grant: true,
        fields: ['institution', 'licence_no'],
        conditions: `chaos ${i}: 仅用于执法检查`,
      });
      const back = await openTask(`second turn of dispute ${i}`, disputeApplicant, raised.id, 'REFUSAL_DISPUTE_CONSULTATION');
      // The first turn is completed by now: the open one is the applicant's.
      await decide(disputeApplicant, back, 'ACCEPT', `acceptance in dispute ${i}`);
      await reached(`dispute ${i} granted`, disputeApplicant, raised.id, 'granted');
      // Its grant lives a share grant's life: delivered and confirmed.
      await deliverAndConfirm(`dispute ${i}`, disputeApplicant, raised.id);
    } else {
      await decide(provider, turn, 'NO_AGREEMENT', `no agreement in dispute ${i}`, '患者信息不宜共享');
      const coordination = await openTask(`coordination of dispute ${i}`, disputeApplicant, raised.id, 'REFUSAL_DISPUTE_COORDINATION');
      await decide(authority, coordination, 'FAIL', `coordination of dispute ${i}`, '协调不成');
      const decision = await openTask(`leading group's decision of dispute ${i}`, disputeApplicant, raised.id, 'REFUSAL_DISPUTE_DECISION');
      await decide(leadingGroup, decision, 'UPHOLD', `decision of dispute ${i}`, '涉及患者隐私');
      await reached(`dispute ${i} upheld`, disputeApplicant, raised.id, 'rejected');
    }
    refusalDisputes.push({ i, id: raised.id, shareRequestId: req.id, grants });
  }

  async function lifecycle(i: number): Promise<string> {
    const body = {
      catalogEntryId: city.entries.conditional,
      scenario: `chaos ${i}`,
      statutoryDuty: 'market supervision',
      commitment: { authenticity: true, compliance: true, security: true },
    };
    const req = await submitted(`submit ${i}`, applicant, '/share-requests', body, `chaos-${i}`);
    // Art. 14: the provider agrees, then the city authority approves.
    for (const [actor, kind, decision] of [
      [provider, 'SHARE_PROVIDER_OPINION', 'AGREE'],
      [authority, 'SHARE_JOINT_REVIEW', 'APPROVE'],
    ] as const) {
      await decide(actor, req.tasks.find((t) => t.kind === kind)!.id, decision, `${kind} of ${i}`);
    }
    await reached(`grant of ${i}`, applicant, req.id, 'granted');
    await deliverAndConfirm(`${i}`, applicant, req.id);
    return req.id;
  }

  /** 《政务数据共享条例》: between government departments the provider delivers a grant, then the grantee confirms receipt. */
  async function deliverAndConfirm(label: string, grantee: Actor, requestId: string): Promise<void> {
    const delivery = await openTask(`delivery of ${label}`, grantee, requestId, 'SHARE_DELIVERY');
    const fields = ((await inject(grantee, 'GET', `/requests/${requestId}`)).json().grant?.fields ?? []) as string[];
    await decide(provider, delivery, 'DELIVER', `delivery of ${label}`, undefined, {
      method: 'interface',
      location: 'https://exchange.example.org/chaos',
      deliveredFields: fields,
    });
    await decide(grantee, await openTask(`receipt of ${label}`, grantee, requestId, 'SHARE_DELIVERY_CONFIRMATION'), 'CONFIRM', `receipt of ${label}`);
  }

  // Faults spread over the run by its progress (however fast the lifecycles go, every fault falls
  // inside the run): the stack's faults in turn, each killed and restarted.
  const injected: Record<string, number> = Object.fromEntries(stack.faults.map((f) => [f.kind, 0]));
  let done = false;
  let next = 0;
  let faultError: unknown;
  let faultsOver = false;
  const chaos = (async () => {
    for (let f = 0; f < faults && !done; f++) {
      const at = Math.floor(((f + 1) * n) / (faults + 1));
      while (next < at && !done) await sleep(100);
      await sleep(Math.random() * 1000);
      if (done) break;
      const fault = stack.faults[f % stack.faults.length];
      injected[fault.kind]++;
      log(`chaos: SIGKILL ${fault.kind}`);
      const record: Fault = { kind: fault.kind, at: Date.now(), inflight: [...underWay] };
      injectedFaults.push(record);
      await fault.run();
      record.restarted = Date.now() - record.at;
      log(`chaos: ${fault.kind} restarted, answering ${(record.restarted / 1000).toFixed(1)} s after the kill`);
    }
  })()
    .catch((err) => {
      // Said after the lifecycles, which go on (or time out) meanwhile.
      faultError = err;
    })
    .finally(() => (faultsOver = true));

  // The citizen says who they are once (an agreement names its licensee).
  await until('citizen registered', async () => {
    const res = await inject(citizen, 'PUT', '/principals/me', { kind: 'natural', name: '混沌测试', residentId: sampleResidentId(citizen.sub) });
    return res.statusCode === 200 ? true : undefined;
  });
  const ids: string[] = [];
  const adjustments: string[] = [];
  await Promise.all(
    Array.from({ length: Math.min(inFlight, n) }, async () => {
      // Past n while a fault is still to come or recovering, so that every fault strikes lifecycles under way.
      while (next < n || !faultsOver) {
        const i = next++;
        await lane.run(i, async () => {
          if (isAdjustment(i)) adjustments.push(await adjustment(i));
          else if (isDemand(i)) await openDemand(i);
          else if (isWithdrawal(i)) await withdrawal(i);
          else if (isOpenRequest(i)) await openRequest(i);
          else if (isCorrection(i)) await correction(i);
          else if (isBurst(i)) await burst(i);
          else if (isRefusalDispute(i)) await refusalDispute(i);
          else ids.push(await lifecycle(i));
        });
      }
    }),
  );
  done = true;
  await chaos;
  if (faultError) throw faultError;
  /** The lifecycles run: n, and those started while the last faults recovered. */
  const total = next;

  // The worker killed during an evaluation snapshot (Art. 32): a region of SNAPSHOT_ORGS organisations, so the run keeps
  // hundreds of scopes one by one; the worker is SIGKILLed once some are kept and restarted. The activity, retried after
  // its heartbeat timeout, resumes; every scope is kept once (one row, revision 1, one audit event) and the run
  // completes once.
  const snapshotRegion = `${prefix}-ev`;
  await db
    .insertInto('organisations')
    .values(
      Array.from({ length: SNAPSHOT_ORGS }, (_, k) => ({
        id: `${snapshotRegion}-${k}`,
        name: `考核单位${k}`,
        kind: 'agency' as const,
        level: k % 5 ? ('county' as const) : ('city' as const),
        region: snapshotRegion,
        division: ['371100', '371102', '371103', '371121', '371122'][k % 5],
      })),
    )
    .execute();
  const snapshotScopes = SNAPSHOT_ORGS + 5;
  const [snapshotPeriod] = periodsEndedBy(new Date());
  const keptOfRegion = async () =>
    Number(
      (
        await db
          .selectFrom('evaluation_snapshots')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('period', '=', snapshotPeriod)
          .where((w) => w.or([w('scope', 'like', `organisation:${snapshotRegion}-%`), w('scope', 'like', `division:${snapshotRegion}:%`)]))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const snapshotRun = await client.workflow.start('evaluationSnapshotWorkflow', {
    taskQueue,
    workflowId: `${prefix}-snapshot`,
    args: [{ periods: [snapshotPeriod], region: snapshotRegion }],
  });
  let keptAtKill = 0;
  for (const until = Date.now() + 120_000; Date.now() < until; await sleep(50)) {
    keptAtKill = await keptOfRegion();
    if (keptAtKill >= 10) break;
  }
  log(`chaos: SIGKILL worker during the snapshot (${keptAtKill} of ${snapshotScopes} scopes kept)`);
  injected.worker++;
  await stack.killWorker();
  const snapshotDuplicated: string[] = [];
  let snapshotCompleted = false;
  try {
    await Promise.race([snapshotRun.result(), sleep(180_000).then(() => Promise.reject(new Error('not completed in 3 minutes')))]);
    const d = await snapshotRun.describe();
    snapshotCompleted = d.status.name === 'COMPLETED';
  } catch (err) {
    snapshotDuplicated.push(`snapshot ${snapshotRun.workflowId}: ${(err as Error).message}`);
  }
  const snapshotRows = await db
    .selectFrom('evaluation_snapshots')
    .select(['scope', 'revision'])
    .where('period', '=', snapshotPeriod)
    .where((w) => w.or([w('scope', 'like', `organisation:${snapshotRegion}-%`), w('scope', 'like', `division:${snapshotRegion}:%`)]))
    .execute();
  const snapshotEvents = await db
    .selectFrom('audit_events')
    .select('event_key')
    .where('action', '=', 'evaluation_snapshot_kept')
    .where('event_key', 'like', `evaluation:${snapshotPeriod}:%${snapshotRegion}%`)
    .execute();
  const perScope = new Map<string, number>();
  for (const r of snapshotRows) perScope.set(r.scope, (perScope.get(r.scope) ?? 0) + 1);
  if (perScope.size !== snapshotScopes) snapshotDuplicated.push(`snapshot: ${perScope.size} of ${snapshotScopes} scopes kept`);
  for (const [scope, count] of perScope) if (count !== 1) snapshotDuplicated.push(`snapshot ${scope}: ${count} rows`);
  if (snapshotRows.some((r) => r.revision !== 1)) snapshotDuplicated.push('snapshot: a revision beyond the first, figures unchanged');
  if (snapshotEvents.length !== snapshotScopes) snapshotDuplicated.push(`snapshot: ${snapshotEvents.length} audit events for ${snapshotScopes} scopes`);
  const snapshot = { scopes: snapshotScopes, keptAtKill, rows: snapshotRows.length, events: snapshotEvents.length, completed: snapshotCompleted };

  // What SQL says.
  const rows = await db.selectFrom('requests').select(['id', 'status']).where('applicant_sub', '=', applicant.sub).execute();
  const lost = rows.filter((r) => r.status !== 'granted').map((r) => `${r.id} ${r.status}`);
  const adjustmentsExpected = Array.from({ length: total }, (_, i) => i).filter(isAdjustment).length;
  const demandsExpected = Array.from({ length: total }, (_, i) => i).filter(isDemand).length;
  const withdrawalsExpected = Array.from({ length: total }, (_, i) => i).filter(isWithdrawal).length;
  const openRequestsExpected = Array.from({ length: total }, (_, i) => i).filter(isOpenRequest).length;
  const correctionsExpected = Array.from({ length: total }, (_, i) => i).filter(isCorrection).length;
  const burstsExpected = Array.from({ length: total }, (_, i) => i).filter(
    (i) => isBurst(i) && !isAdjustment(i) && !isDemand(i) && !isWithdrawal(i) && !isOpenRequest(i),
  ).length;
  const refusalDisputesExpected = Array.from({ length: total }, (_, i) => i).filter(isRefusalDispute).length;
  const sharesExpected =
    total - adjustmentsExpected - demandsExpected - withdrawalsExpected - openRequestsExpected - correctionsExpected - burstsExpected - refusalDisputesExpected;
  if (rows.length !== sharesExpected) lost.push(`${sharesExpected} share lifecycles but ${rows.length} requests`);
  const demanded = await db
    .selectFrom('requests')
    .select(['id', 'status'])
    .where('applicant_sub', '=', citizen.sub)
    .where('type', '=', 'open_demand')
    .execute();
  if (demanded.length !== demandsExpected) lost.push(`${demandsExpected} open demands but ${demanded.length} requests`);
  lost.push(...demanded.filter((r) => r.status !== 'answered').map((r) => `open demand ${r.id} ${r.status}`));
  const withdrawn = await db
    .selectFrom('requests')
    .select(['id', 'status'])
    .where('applicant_sub', '=', citizen.sub)
    .where('type', '=', 'withdrawal')
    .execute();
  if (withdrawn.length !== withdrawalsExpected) lost.push(`${withdrawalsExpected} withdrawals but ${withdrawn.length} requests`);
  lost.push(...withdrawn.filter((r) => r.status !== 'dismissed').map((r) => `withdrawal ${r.id} ${r.status}`));
  const corrected = await db
    .selectFrom('requests')
    .select(['id', 'status'])
    .where('applicant_sub', '=', citizen.sub)
    .where('type', '=', 'correction')
    .execute();
  if (corrected.length !== correctionsExpected) lost.push(`${correctionsExpected} error reports but ${corrected.length} requests`);
  lost.push(...corrected.filter((r) => r.status !== 'upheld').map((r) => `error report ${r.id} ${r.status}`));
  const demandAudit = await db
    .selectFrom('audit_events')
    .select(['request_id', 'action'])
    .where('request_id', 'in', demands.length ? demands : ['none'])
    .execute();
  const adjusted = await db.selectFrom('requests').select(['id', 'status']).where('applicant_sub', '=', officer.sub).execute();
  lost.push(...adjusted.filter((r) => r.status !== 'approved').map((r) => `adjustment ${r.id} ${r.status}`));
  if (adjusted.length !== adjustmentsExpected) lost.push(`${adjustmentsExpected} adjustments but ${adjusted.length} requests`);
  const duplicated: string[] = [...snapshotDuplicated];
  // Each agreement: in force once, signed once by each party, its trail once.
  const applied = await db
    .selectFrom('requests')
    .select(['id', 'status'])
    .where('applicant_sub', '=', citizen.sub)
    .where('type', '=', 'open_request')
    .execute();
  if (applied.length !== openRequestsExpected) lost.push(`${openRequestsExpected} open applications but ${applied.length} requests`);
  lost.push(...applied.filter((r) => r.status !== 'granted').map((r) => `open application ${r.id} ${r.status}`));
  const signed = await db
    .selectFrom('agreements')
    .select(['id', 'status', 'signatures'])
    .where('id', 'in', agreements.length ? agreements : ['none'])
    .execute();
  for (const id of agreements) {
    const a = signed.find((x) => x.id === id);
    if (a?.status !== 'in_force' || a.signatures.map((x) => x.party).join(',') !== 'licensee,provider')
      duplicated.push(`agreement ${id}: ${JSON.stringify(a ? { status: a.status, signatures: a.signatures.length } : null)}`);
  }
  const agreementAudit = await db
    .selectFrom('audit_events')
    .select(['request_id', 'action'])
    .where('request_id', 'in', applied.length ? applied.map((r) => r.id) : ['none'])
    .execute();
  for (const r of applied) {
    const actions = agreementAudit
      .filter((e) => e.request_id === r.id)
      .map((e) => e.action)
      .sort()
      .join(',');
    const expected = [
      'agreement_drafted',
      'agreement_in_force',
      'agreement_notified',
      'agreement_signed',
      'application_received',
      'submitted',
      'task_completed',
      'task_completed',
      'task_completed',
      'task_opened',
      'task_opened',
      'task_opened',
    ];
    if (actions !== expected.join(',')) duplicated.push(`open application ${r.id}: audit ${actions}`);
  }
  const withdrawalAudit = await db
    .selectFrom('audit_events')
    .select(['request_id', 'action'])
    .where('request_id', 'in', withdrawals.length ? withdrawals : ['none'])
    .execute();
  for (const id of withdrawals) {
    const actions = withdrawalAudit
      .filter((e) => e.request_id === id)
      .map((e) => e.action)
      .sort()
      .join(',');
    if (actions !== ['submitted', 'task_completed', 'task_opened', 'withdrawal_dismissed', 'withdrawal_received'].join(','))
      duplicated.push(`withdrawal ${id}: audit ${actions}`);
  }
  const correctionAudit = await db
    .selectFrom('audit_events')
    .select(['request_id', 'action'])
    .where('request_id', 'in', corrections.length ? corrections : ['none'])
    .execute();
  for (const id of corrections) {
    const actions = correctionAudit
      .filter((e) => e.request_id === id)
      .map((e) => e.action)
      .sort()
      .join(',');
    if (actions !== ['correction_received', 'error_corrected', 'submitted', 'task_completed', 'task_opened'].join(','))
      duplicated.push(`error report ${id}: audit ${actions}`);
  }
  // Each adjustment: one new entry at version 1 with one version row, and its trail once.
  const versions = await db
    .selectFrom('catalog_entry_versions')
    .select(['change_request_id', 'entry_id', 'version'])
    .where('change_request_id', 'in', adjustments.length ? adjustments : ['none'])
    .execute();
  const adjustmentAudit = await db
    .selectFrom('audit_events')
    .select(['request_id', 'action'])
    .where('request_id', 'in', adjustments.length ? adjustments : ['none'])
    .execute();
  for (const id of adjustments) {
    const made = versions.filter((v) => v.change_request_id === id);
    if (made.length !== 1 || made[0].entry_id !== `${id}-1` || made[0].version !== 1) duplicated.push(`adjustment ${id}: versions ${JSON.stringify(made)}`);
    const actions = adjustmentAudit
      .filter((e) => e.request_id === id)
      .map((e) => e.action)
      .sort()
      .join(',');
    if (actions !== ['adjustment_applied', 'catalog_entry_added', 'review_started', 'submitted', 'task_completed', 'task_opened'].join(','))
      duplicated.push(`adjustment ${id}: audit ${actions}`);
  }
  for (const id of demands) {
    const actions = demandAudit
      .filter((e) => e.request_id === id)
      .map((e) => e.action)
      .sort()
      .join(',');
    if (actions !== ['demand_received', 'opening_planned', 'submitted', 'task_completed', 'task_opened'].join(','))
      duplicated.push(`open demand ${id}: audit ${actions}`);
  }
  // Each dispute: settled once, as its entry's version 2, the dispute mark gone.
  const settled = await db
    .selectFrom('requests')
    .select(['id', 'status', 'catalog_entry_id'])
    .where('type', '=', 'share_dispute')
    .where('applicant_sub', '=', authority.sub)
    .execute();
  if (settled.length !== adjustmentsExpected) lost.push(`${adjustmentsExpected} disputes but ${settled.length} requests`);
  lost.push(...settled.filter((r) => r.status !== 'settled').map((r) => `dispute ${r.id} ${r.status}`));
  const disputeAudit = await db
    .selectFrom('audit_events')
    .select(['request_id', 'action'])
    .where('request_id', 'in', disputes.length ? disputes : ['none'])
    .execute();
  const disputed = await db
    .selectFrom('catalog_entries')
    .select(['id', 'version', 'share_dispute'])
    .where('id', 'in', settled.length ? settled.map((r) => r.catalog_entry_id!) : ['none'])
    .execute();
  for (const r of settled) {
    const e = disputed.find((x) => x.id === r.catalog_entry_id);
    if (e?.version !== 2 || e.share_dispute !== null) duplicated.push(`dispute ${r.id}: entry ${JSON.stringify(e)}`);
    const actions = disputeAudit
      .filter((x) => x.request_id === r.id)
      .map((x) => x.action)
      .sort()
      .join(',');
    if (actions !== ['catalog_entry_changed', 'consultation_started', 'dispute_agreed', 'submitted', 'task_completed', 'task_opened'].join(','))
      duplicated.push(`dispute ${r.id}: audit ${actions}`);
  }
  // Each refusal dispute: ended once (granted on the fields agreed, or the refusal upheld by the leading group), a grant
  // only when the outcome grants, the refused request rejected with no grant of its own and held by this dispute alone,
  // its trail and its notices once.
  const disputeRows = await db
    .selectFrom('requests')
    .select(['id', 'status', 'type', 'refusal_dispute'])
    .where('applicant_sub', '=', disputeApplicant.sub)
    .execute();
  const raisedRows = disputeRows.filter((r) => r.type === 'refusal_dispute');
  const refusedRows = disputeRows.filter((r) => r.type === 'share');
  if (raisedRows.length !== refusalDisputesExpected) lost.push(`${refusalDisputesExpected} refusal disputes but ${raisedRows.length} requests`);
  if (refusedRows.length !== refusalDisputesExpected) lost.push(`${refusalDisputesExpected} refused share requests but ${refusedRows.length} requests`);
  if (refusalDisputes.length !== refusalDisputesExpected) lost.push(`${refusalDisputesExpected} refusal disputes but ${refusalDisputes.length} ended`);
  const rdIds = [...refusalDisputes.map((d) => d.id), ...refusalDisputes.map((d) => d.shareRequestId)];
  const [rdGrants, rdAudit, rdNotices] = await Promise.all([
    db
      .selectFrom('grants')
      .select(['request_id', 'status', 'scope'])
      .where('request_id', 'in', rdIds.length ? rdIds : ['none'])
      .execute(),
    db
      .selectFrom('audit_events')
      .select(['request_id', 'action'])
      .where('request_id', 'in', rdIds.length ? rdIds : ['none'])
      .execute(),
    db
      .selectFrom('notifications')
      .select(['request_id', 'kind'])
      .where('request_id', 'in', rdIds.length ? rdIds : ['none'])
      .execute(),
  ]);
  const trailOf = (id: string) =>
    rdAudit
      .filter((e) => e.request_id === id)
      .map((e) => e.action)
      .sort()
      .join(',');
  // Granted: the two turns, then the grant, delivered and confirmed (the grant's life, workflows/grant-life.ts).
  const grantedTrail = ['consultation_started', 'grant_created', 'submitted', ...Array(4).fill('task_completed'), ...Array(4).fill('task_opened')];
  const upheldTrail = [
    'consultation_started',
    'referred_to_authority',
    'referred_to_leading_group',
    'refusal_upheld',
    'submitted',
    ...Array(3).fill('task_completed'),
    ...Array(3).fill('task_opened'),
  ];
  for (const d of refusalDisputes) {
    const problems: string[] = [];
    const row = raisedRows.find((r) => r.id === d.id);
    const refused = refusedRows.find((r) => r.id === d.shareRequestId);
    if (row?.status !== (d.grants ? 'granted' : 'rejected')) problems.push(`ended ${row?.status}, expected ${d.grants ? 'granted' : 'rejected'}`);
    if (refused?.status !== 'rejected' || refused.refusal_dispute !== d.id) problems.push(`refused request ${JSON.stringify(refused)}`);
    const made = rdGrants.filter((g) => g.request_id === d.id);
    if (made.length !== (d.grants ? 1 : 0)) problems.push(`${made.length} grants`);
    if (d.grants && made[0] && (made[0].status !== 'active' || made[0].scope.fields.join(',') !== 'institution,licence_no'))
      problems.push(`grant ${JSON.stringify(made[0])}`);
    if (rdGrants.some((g) => g.request_id === d.shareRequestId)) problems.push('the refused request has a grant');
    const trail = trailOf(d.id);
    if (trail !== (d.grants ? grantedTrail : upheldTrail).sort().join(',')) problems.push(`audit ${trail}`);
    const notices = rdNotices
      .filter((x) => x.request_id === d.id)
      .map((x) => x.kind)
      .sort()
      .join(',');
    const expectedNotices = (d.grants ? DISPUTE_GRANTED_NOTICES : DISPUTE_UPHELD_NOTICES).join(',');
    if (notices !== expectedNotices) problems.push(`notices ${notices}, expected ${expectedNotices}`);
    if (problems.length) duplicated.push(`refusal dispute ${d.id}: ${problems.join('; ')}`);
  }

  // Each burst: exactly one decision took effect, the one answered 200 (or, with none answered, one that was sent),
  // and the request, its grant and its trail follow that decision alone.
  if (bursts.length !== burstsExpected) lost.push(`${burstsExpected} bursts but ${bursts.length} ended`);
  let burstsConsistent = 0;
  for (const b of bursts) {
    const problems: string[] = [];
    if (b.answered.length > 1) problems.push(`${b.answered.length} decisions answered 200`);
    const [task, request, grantRows, trail] = await Promise.all([
      db.selectFrom('tasks').select(['status', 'decision', 'reason', 'decided_by']).where('id', '=', b.taskId).executeTakeFirst(),
      db.selectFrom('requests').select('status').where('id', '=', b.id).executeTakeFirst(),
      db.selectFrom('grants').select('status').where('request_id', '=', b.id).execute(),
      db.selectFrom('audit_events').select(['action', 'task_id', 'decision', 'reason']).where('request_id', '=', b.id).execute(),
    ]);
    const reason = task?.reason ?? '';
    if (b.answered.length === 1 && reason !== b.answered[0]) problems.push(`answered "${b.answered[0]}" but the task records "${reason}"`);
    if (!b.answered.length && !b.sent.has(reason) && reason !== 'burst decided again') problems.push(`the task records "${reason}", which nobody sent`);
    const decision = task?.decision;
    const completions = trail.filter((e) => e.action === 'task_completed' && e.task_id === b.taskId);
    if (completions.length !== 1 || completions[0].decision !== decision || (completions[0].reason ?? '') !== reason)
      problems.push(`trail of the review: ${JSON.stringify(completions)}`);
    for (const other of b.sent.keys())
      if (other !== reason && trail.some((e) => e.reason === other)) problems.push(`"${other}" was refused but is in the trail`);
    const expected = decision === 'REJECT' ? { status: 'rejected', grants: 0 } : { status: 'granted', grants: 1 };
    if (request?.status !== expected.status || grantRows.length !== expected.grants)
      problems.push(`${decision} took effect, yet the request is ${request?.status} with ${grantRows.length} grants`);
    if (problems.length) crossed.push(`burst ${b.id}: ${problems.join('; ')}`);
    else burstsConsistent++;
  }

  const counts = async (table: 'grants' | 'tasks' | 'audit_events' | 'notifications', col: 'request_id') =>
    new Map(
      (
        await db
          .selectFrom(table)
          .select([col, db.fn.countAll<string>().as('n')])
          .where(col, 'in', ids)
          .groupBy(col)
          .execute()
      ).map((r) => [r[col] as string, Number(r.n)]),
    );
  const grants = await counts('grants', 'request_id');
  const tasks = await counts('tasks', 'request_id');
  const audit = await db.selectFrom('audit_events').select(['request_id', 'action']).where('request_id', 'in', ids).execute();
  const notes = await counts('notifications', 'request_id');
  for (const id of ids) {
    if (grants.get(id) !== 1) duplicated.push(`${id}: ${grants.get(id) ?? 0} grants`);
    // The opinion, the review, the delivery and its confirmation (the 条例 binds these government departments).
    if (tasks.get(id) !== 4) duplicated.push(`${id}: ${tasks.get(id) ?? 0} tasks`);
    const actions = audit
      .filter((e) => e.request_id === id)
      .map((e) => e.action)
      .sort()
      .join(',');
    const expected = ['grant_created', 'review_started', 'submitted', ...Array(4).fill('task_completed'), ...Array(4).fill('task_opened')].join(',');
    if (actions !== expected) duplicated.push(`${id}: audit ${actions}`);
    // Four task assignments and two status changes (review started, granted) for the applicant.
    if (notes.get(id) !== 6) duplicated.push(`${id}: ${notes.get(id) ?? 0} notifications`);
  }
  const open = await db
    .selectFrom('tasks')
    .select(['id', 'kind', 'request_id'])
    .where('request_id', 'in', [
      ...ids,
      ...adjustments,
      ...disputes,
      ...demands,
      ...withdrawals,
      ...corrections,
      ...applied.map((r) => r.id),
      ...bursts.map((b) => b.id),
      ...rdIds,
    ])
    .where('status', '<>', 'completed')
    .execute();
  // A burst tests the review's decision; the delivery an approved one then awaits is nobody's to do here.
  const stuck = open.filter((t) => !(t.kind === 'SHARE_DELIVERY' && bursts.some((b) => b.id === t.request_id))).map((t) => `task ${t.id} not completed`);

  // What Temporal says: no workflow failed; the running ones (grants waiting for their term) retry
  // nothing. An activity whose worker was killed mid-flight is retried after its timeout: wait for those.
  const failedWorkflows: string[] = [];
  const pendingNow = async () => {
    const out: string[] = [];
    failedWorkflows.length = 0;
    for await (const wf of client.workflow.list({ query: `TaskQueue="${taskQueue}"` })) {
      // The outbox's delivery (the worker starts it) always has its activities running, and continues as new.
      if (wf.type === 'notificationDeliveryWorkflow') {
        if (!['RUNNING', 'CONTINUED_AS_NEW'].includes(wf.status.name)) failedWorkflows.push(`${wf.workflowId} ${wf.status.name}`);
        continue;
      }
      // Grants and agreements wait for their term (running); adjustments end once applied (completed).
      // A burst's request rejected has ended (completed) too.
      const ended =
        [
          'catalogAdjustmentWorkflow',
          'shareDisputeWorkflow',
          'openDemandWorkflow',
          'withdrawalWorkflow',
          'correctionWorkflow',
          'evaluationSnapshotWorkflow',
          // A dispute whose refusal was upheld has ended; a granted one waits for its grant's term (running).
          'refusalDisputeWorkflow',
        ].includes(wf.type) ||
        bursts.some((b) => wf.workflowId.endsWith(b.id)) ||
        // The refused requests a dispute was raised on have ended.
        refusalDisputes.some((d) => wf.workflowId.endsWith(d.shareRequestId));
      if (wf.status.name !== 'RUNNING' && !(wf.status.name === 'COMPLETED' && ended)) failedWorkflows.push(`${wf.workflowId} ${wf.status.name}`);
      else {
        const d = await client.workflow.getHandle(wf.workflowId).describe();
        for (const a of d.raw.pendingActivities ?? []) out.push(`${wf.workflowId}: ${a.activityType?.name} pending, attempt ${a.attempt}`);
      }
    }
    return out;
  };
  let pending = await pendingNow();
  for (const until = Date.now() + 120_000; pending.length && Date.now() < until; pending = await pendingNow()) await sleep(2000);
  stuck.push(...pending);

  const failovers = stack.failovers();
  await stack.stop();
  fs.rmSync(work, { recursive: true, force: true });
  const seconds = (ms: number) => Math.round(ms / 100) / 10;
  const recoveries = injectedFaults.map((f) => ({
    fault: f.kind,
    restarted: f.restarted === undefined ? null : seconds(f.restarted),
    firstWrite: f.firstWrite === undefined ? null : seconds(f.firstWrite),
    underWay: f.inflight.length,
    drained: f.inflight.some((s) => !s.done) ? null : seconds(Math.max(f.at, ...f.inflight.map((s) => s.done)) - f.at),
  }));
  return {
    requests: total,
    faults: injected,
    granted:
      rows.length +
      adjusted.length +
      demanded.length +
      withdrawn.length +
      corrected.length +
      applied.length +
      burstsConsistent +
      raisedRows.length -
      lost.length,
    lost,
    duplicated,
    crossed,
    stuck,
    failedWorkflows,
    seconds: (Date.now() - began) / 1000,
    retriedCalls,
    failovers,
    recoveries,
    snapshot,
  };
}

export function formatChaos(r: ChaosReport): string {
  return (
    `chaos: ${r.requests} requests, faults ${Object.entries(r.faults)
      .map(([kind, times]) => `${kind}×${times}`)
      .join(' ')}; ` +
    `granted, approved, answered, dismissed, corrected, in force or decided by a burst ${r.granted}, lost ${r.lost.length}, duplicated ${r.duplicated.length}, crossed ${r.crossed.length}, stuck ${r.stuck.length}, failed workflows ${r.failedWorkflows.length}; ` +
    `snapshot killed at ${r.snapshot.keptAtKill}/${r.snapshot.scopes} scopes: ${r.snapshot.rows} rows, ${r.snapshot.events} audit events, ${r.snapshot.completed ? 'completed' : 'NOT completed'}; ` +
    `${r.retriedCalls} calls retried, ${r.failovers} sent to the other API; ${r.seconds.toFixed(1)} s (${(r.requests / r.seconds).toFixed(1)} lifecycles/s)`
  );
}

/** One line per fault: its recovery, in seconds from the kill. */
export function formatRecoveries(r: ChaosReport): string[] {
  const s = (x: number | null) => (x === null ? 'never' : `${x.toFixed(1)} s`);
  return r.recoveries.map(
    (f) =>
      `  ${f.fault.padEnd(9)} answering again ${s(f.restarted)}; first write after the kill answered ${s(f.firstWrite)}; ` +
      `the ${f.underWay} steps under way at the kill done ${s(f.drained)}`,
  );
}

// Run as `npm run chaos` (scripts/run.js puts this file at argv[1]); imported by the test suite.
if (path.resolve(process.argv[1] ?? '') === __filename) {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const n = arg('n', 100);
  // On the cluster, its five faults once each by default.
  const cluster = process.argv.includes('--cluster');
  // Ctrl-C: an exit, so that the servers started in process groups of their own (PostgreSQL, the cluster's) are killed
  // by their exit handlers rather than left running.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  runChaos({ n, cluster, faults: arg('faults', cluster ? 5 : Math.max(3, Math.round(n / 15))) })
    .then((r) => {
      for (const line of [...r.lost, ...r.duplicated, ...r.crossed, ...r.stuck, ...r.failedWorkflows].slice(0, 30)) console.log(`  ${line}`);
      console.log(formatChaos(r));
      console.log(['recoveries (from each SIGKILL):', ...formatRecoveries(r)].join('\n'));
      process.exit(r.lost.length || r.duplicated.length || r.crossed.length || r.stuck.length || r.failedWorkflows.length ? 1 : 0);
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
