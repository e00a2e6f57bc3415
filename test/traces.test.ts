// Traces (issue 26 §5): the API's and the worker's own entry points, run as processes with OTEL_EXPORTER_OTLP_ENDPOINT
// set to a real OTLP/HTTP receiver, take a share request through its lifecycle; the decision's trace holds the HTTP
// span (its route pattern, no id), the Temporal client's call, the workflow's Update and activity spans, the
// activity's span and its PostgreSQL queries, and the API's own queries, each span's parent in the trace; the log
// lines carry its trace id. Without the endpoint, the same processes send nothing, not even to the default endpoint.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { DEV_JWT_SECRET } from '../config';
import { createDb, type Db } from '../db';
import { seedCity, type SeededCity } from '../db/seed';
import type { Actor } from '../domain/types';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../scripts/otlp-receiver';
import { freePort } from '../scripts/temporal-dev-server';
import { devToken } from '../scripts/tokens';
import { validShareBody } from './api-helpers';
import { eventually } from './helpers';

const ROOT = path.join(__dirname, '..');

interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<unknown>;
}

/** An entry point (api/main.ts, worker/main.ts) as a process of its own, every variable it reads set here. */
function run(entry: string, env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'run.js'), path.join(ROOT, entry)], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      PDW_MODE: 'development',
      JWT_SECRET: '',
      PRINCIPAL_KEYS: '',
      PRINCIPAL_LOOKUP_KEY: '',
      OIDC_ISSUER: '',
      METRICS_TOKEN: '',
      OTEL_EXPORTER_OTLP_ENDPOINT: '',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '',
      OTEL_SERVICE_NAME: '',
      DATABASE_URL: process.env.TEST_DATABASE_URL!,
      TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS!,
      WORKFLOW_BUNDLE: process.env.PDW_WORKFLOW_BUNDLE!,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, output: () => out, exited: new Promise((r) => child.once('exit', r)) };
}

/** A worker and an API on a task queue of their own, with `env` (the tracing variables); the API's URL once it answers. */
async function startSystem(env: Record<string, string>) {
  const taskQueue = `traces-${randomUUID().slice(0, 8)}`;
  const port = await freePort();
  const worker = run('worker/main.ts', { TASK_QUEUE: taskQueue, LOG_LEVEL: 'debug', ...env });
  const api = run('api/main.ts', { TASK_QUEUE: taskQueue, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', ...env });
  const url = `http://127.0.0.1:${port}`;
  try {
    await eventually(
      () =>
        fetch(`${url}/health`).then(
          (r) => r.ok,
          () => false,
        ),
      90_000,
    );
  } catch (err) {
    throw new Error(`the API did not start: ${api.output().slice(-2000)}\n${worker.output().slice(-2000)}`, { cause: err });
  }
  return {
    url,
    api,
    worker,
    async stop() {
      for (const p of [api, worker]) p.child.kill('SIGTERM');
      await Promise.all([api.exited, worker.exited]);
    },
  };
}

let db: Db;
let city: SeededCity;
beforeAll(async () => {
  db = createDb(process.env.TEST_DATABASE_URL!, 2);
  const prefix = `traces-${randomUUID().slice(0, 6)}`;
  city = await seedCity(db, prefix, prefix);
});
afterAll(async () => {
  await db.destroy();
});

const as = (actor: Actor) => ({ authorization: `Bearer ${devToken(DEV_JWT_SECRET, actor)}`, 'content-type': 'application/json' });

/** A conditional share request through the API: started, the provider agrees, the authority approves. */
async function lifecycle(url: string) {
  const applicant: Actor = { sub: `alice-${randomUUID().slice(0, 6)}`, org: city.agencies.market, roles: ['agency_applicant'] };
  const provider: Actor = { sub: 'carol', org: city.agencies.health, roles: ['provider_reviewer'] };
  const authority: Actor = { sub: 'bob', org: city.cityAuthority, roles: ['authority_reviewer'] };
  const startRequestId = `start-${randomUUID()}`;
  const created = await fetch(`${url}/share-requests`, {
    method: 'POST',
    headers: { ...as(applicant), 'idempotency-key': randomUUID(), 'x-request-id': startRequestId },
    body: JSON.stringify(validShareBody(city.entries.conditional)),
  });
  expect(created.status).toBe(201);
  const request = (await created.json()) as { id: string; tasks: { id: string; kind: string }[] };
  const task = (kind: string) => request.tasks.find((t) => t.kind === kind)!.id;
  for (const [who, kind, decision] of [
    [provider, 'SHARE_PROVIDER_OPINION', 'AGREE'],
    [authority, 'SHARE_JOINT_REVIEW', 'APPROVE'],
  ] as const) {
    const res = await fetch(`${url}/tasks/${task(kind)}/complete`, { method: 'POST', headers: as(who), body: JSON.stringify({ decision }) });
    expect(res.status).toBe(200);
  }
  return { request, tasks: request.tasks.map((t) => t.id), startRequestId };
}

const isPg = (s: ReceivedSpan) => s.attributes['db.system'] === 'postgresql';
const API = 'public-data-workflows-api';
const WORKER = 'public-data-workflows-worker';

describe('with OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  let receiver: OtlpReceiver;
  let system: Awaited<ReturnType<typeof startSystem>>;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    // A loaded machine answers slowly: an export is not given up after the default 10 s.
    system = await startSystem({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '200', OTEL_EXPORTER_OTLP_TIMEOUT: '30000' });
  }, 120_000);
  afterAll(async () => {
    await system?.stop();
    await receiver?.close();
  });

  test('a lifecycle is one trace: the start, the workflow, its activities (the decisions’ writes too) and their queries', async () => {
    const { request, tasks, startRequestId } = await lifecycle(system.url);
    const names = () => JSON.stringify([...new Set(receiver.spans.map((s) => `${s.service} ${s.name} ${s.traceId.slice(0, 6)}`))]);
    const start = await eventually(async () => receiver.spans.find((s) => s.name === 'POST /share-requests')).catch(() => {
      throw new Error(`no start span: ${names()}`);
    });
    const traceOf = (root: ReceivedSpan) => receiver.spans.filter((s) => s.traceId === root.traceId);
    let trace: ReceivedSpan[] = [];
    const has = (service: string, match: (s: ReceivedSpan) => boolean) => trace.some((s) => s.service === service && match(s));
    const missingParents = () => new Set(trace.filter((s) => s.parentSpanId && !trace.some((p) => p.spanId === s.parentSpanId)).map((s) => s.parentSpanId));
    await eventually(async () => {
      trace = traceOf(start);
      return (
        has(API, (s) => s.name.startsWith('UpdateWithStartWorkflow:')) &&
        has(API, isPg) &&
        // The workflow's activities: the request's first step, and the decisions' writes and the grant, which the
        // workflow issues (a decision's own trace holds its Update, below).
        ['recordDecision', 'createGrant'].every(
          (a) => has(WORKER, (s) => s.name === `StartActivity:${a}`) && has(WORKER, (s) => s.name === `RunActivity:${a}`),
        ) &&
        has(WORKER, isPg) &&
        // Spans arrive in batches from two processes: wait until every parent but one (the workflow's) has arrived.
        missingParents().size === 1
      );
    }, 30_000).catch(() => {
      throw new Error(`incomplete trace: ${JSON.stringify(trace.map((s) => [s.service, s.name]))}; all: ${names()}`);
    });
    // One root, the request's: every other span hangs from it, but for the workflow's own span (RunWorkflow), exported
    // when the workflow ends (a granted request runs on): the workflow's spans hang from that one.
    const roots = trace.filter((s) => !s.parentSpanId);
    expect(roots.map((s) => s.name)).toEqual(['POST /share-requests']);
    expect(roots[0].attributes).toEqual({ 'http.request.method': 'POST', 'http.route': '/share-requests', 'http.response.status_code': 201 });
    const missing = missingParents();
    expect(missing.size).toBe(1);
    const workflowSpan = [...missing][0];
    expect(trace.filter((s) => s.parentSpanId === workflowSpan).every((s) => s.service === WORKER && s.name.startsWith('StartActivity:'))).toBe(true);
    // The activities' queries are their children.
    const parentOf = (s: ReceivedSpan) => trace.find((p) => p.spanId === s.parentSpanId);
    const activityOf = (s: ReceivedSpan): ReceivedSpan | undefined => {
      for (let p = parentOf(s); p; p = parentOf(p)) if (p.name.startsWith('RunActivity:')) return p;
      return undefined;
    };
    expect(trace.filter((s) => s.service === WORKER && isPg(s)).every((s) => activityOf(s))).toBe(true);
    // …and each activity's span the child of the workflow's span that scheduled it.
    for (const run of trace.filter((s) => s.name.startsWith('RunActivity:'))) expect(parentOf(run)?.name).toBe(run.name.replace('Run', 'Start'));

    // Each decision is a trace of its own: its HTTP span, the client's Update and the workflow's handling of it.
    const decisions = await eventually(async () => {
      const found = receiver.spans.filter((s) => s.name === 'POST /tasks/:id/complete');
      return found.length === 2 && found;
    });
    for (const d of decisions) {
      await eventually(async () => traceOf(d).some((s) => s.service === WORKER && s.name === 'HandleUpdate:completeTask'));
      const t = traceOf(d);
      expect(t.some((s) => s.service === API && s.name === 'StartWorkflowUpdate:completeTask')).toBe(true);
      expect(t.every((s) => !s.parentSpanId || t.some((p) => p.spanId === s.parentSpanId))).toBe(true);
    }

    // No id of the request or its tasks, and no person, in the API's request spans.
    const http = JSON.stringify(receiver.spans.filter((s) => s.service === API && /^(GET|POST) /.test(s.name)).map((s) => [s.name, s.attributes]));
    for (const secret of [request.id, ...tasks, 'alice-', 'bob', 'carol']) expect(http).not.toContain(secret);
    // The log lines carry the trace id: the start's in the API, the activities' in the worker.
    const lines = system.api
      .output()
      .split('\n')
      .filter((l) => l.includes(`"reqId":"${startRequestId}"`));
    expect(lines.some((l) => l.includes(`"traceId":"${start.traceId}"`) && l.includes('request completed'))).toBe(true);
    await eventually(async () => system.worker.output().includes(`"traceId":"${start.traceId}"`), 10_000).catch(() => {
      throw new Error(
        `no worker line of the trace: ${system.worker
          .output()
          .split('\n')
          .filter((l) => l.includes('activityType'))
          .slice(-3)
          .join('\n')}`,
      );
    });
  }, 120_000);
});

test('without an endpoint nothing is exported, not even to the default one, and no line names a trace', async () => {
  // Were the SDK loaded with no endpoint, it would send to localhost:4318.
  let receiver: OtlpReceiver | null = null;
  try {
    receiver = await startOtlpReceiver(4318, 'localhost');
  } catch {
    // another process holds the port: what the processes send is checked by their lines alone
  }
  const system = await startSystem({});
  try {
    await lifecycle(system.url);
    await new Promise((r) => setTimeout(r, 6_000)); // past the batch processor's 5 s default delay
    if (receiver) expect(receiver.requests).toBe(0);
    expect(system.api.output()).toContain('request completed');
    expect(system.api.output()).not.toContain('traceId');
    expect(system.worker.output()).not.toContain('traceId');
  } finally {
    await system.stop();
    await receiver?.close();
  }
}, 150_000);
