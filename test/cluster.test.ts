// npm run cluster, smoke-tested: the Temporal server's four services on PostgreSQL, three workers and two APIs,
// each a process; one lifecycle of every procedure of the registry over real HTTP, started on one API and
// decided on the other; then Ctrl-C (SIGINT to the process group) stops everything, every process gone.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb, dropDatabase, type Db } from '../db';
import { sampleEntryContent, sampleResidentId, seedCity, type SeededCity } from '../db/seed';
import { PROCEDURES, type RequestType, type TaskKind } from '../domain/procedures';
import { CANCELLABLE, type RequestStatus } from '../domain/requests';
import type { Candidate } from '../domain/tasks';
import type { Actor, Role } from '../domain/types';
import { alive } from '../scripts/embedded-postgres';
import { devToken } from '../scripts/tokens';
import { validShareBody, validOpenRequestBody } from './api-helpers';
import { eventually, refusalForm } from './helpers';
import { descendants } from './support/processes';

const secret = 'cluster-test-secret-0123456789-0123456789';
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdw-cluster-'));
let cluster: ChildProcess;
let output = '';
let apis: string[] = [];
let appDatabaseUrl: string;
let db: Db;

/** Starts `npm run cluster` in its own process group, as a terminal's foreground job; resolves once it is up, or with what it said as it ended. */
async function startCluster(env: NodeJS.ProcessEnv): Promise<string | null> {
  output = '';
  cluster = spawn('npm', ['run', 'cluster'], { cwd: path.join(__dirname, '..'), env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  cluster.stdout!.on('data', (d) => (output += d));
  cluster.stderr!.on('data', (d) => (output += d));
  const deadline = Date.now() + 150_000;
  while (!output.includes('Ctrl-C stops everything.')) {
    if (cluster.exitCode !== null) return `npm run cluster exited with ${cluster.exitCode}:\n${output}`;
    if (Date.now() > deadline) throw new Error(`the cluster was not up within 150 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return null;
}

beforeAll(async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, JWT_SECRET: secret };
  for (const v of ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'NODE_OPTIONS', 'PORT']) delete env[v];
  // A port picked free can be taken by another test file's process before the service binds it (the suite runs
  // files side by side): a start that fails stops what it started, so it is tried once more, saying why.
  const first = await startCluster(env);
  if (first) {
    console.warn(`the cluster's first start failed; starting it again. It said:\n${first}`);
    const second = await startCluster(env);
    if (second) throw new Error(second);
  }
  apis = [...output.matchAll(/^ {2}API \d+\s+(http:\/\/127\.0\.0\.1:\d+)/gm)].map((m) => m[1]);
  const pg = /PostgreSQL\s+(\S+): (\S+) \(this project's\), (\S+), (\S+) \(Temporal's/.exec(output)!;
  appDatabaseUrl = `postgres://postgres@${pg[1]}/${pg[2]}`;
  db = createDb(appDatabaseUrl, 2);
}, 330_000);

afterAll(async () => {
  // A test that failed before its Ctrl-C leaves the cluster up: every process below it is killed too (the
  // services, workers and APIs are not all in its process group), so none outlives the run.
  if (cluster && cluster.exitCode === null && cluster.signalCode === null) {
    const tree = descendants(cluster.pid!);
    process.kill(-cluster.pid!, 'SIGKILL');
    for (const pid of tree)
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
  }
  await db?.destroy();
  // Named from the first line that names them, so a cluster that failed half-way leaves none behind either.
  const base = /schema of (\S+)_temporal and/.exec(output)?.[1];
  if (base) for (const name of [base, `${base}_temporal`, `${base}_visibility`]) await dropDatabase(`postgres://postgres@127.0.0.1:5432/${name}`);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

// ---- One lifecycle of each procedure over HTTP: its starter and form, then its decisions in order.

interface TaskView {
  id: string;
  kind: TaskKind;
  status: string;
  candidates: Candidate[];
}
/** The parts of the API's answers this test reads (a request, an agreement). */
interface Answer {
  id: string;
  status: RequestStatus;
  tasks: TaskView[];
  sha256: string;
  grant: { fields: string[] } | null;
}
/** One of the cluster's APIs, over HTTP: `send` answers the body of an answer that must be `status`. */
interface Http {
  send(method: 'POST' | 'PUT', actor: Actor, url: string, body: object, status?: number): Promise<Answer>;
  get(actor: Actor, url: string): Promise<Answer>;
}

function http(base: string): Http {
  const call = async (method: string, actor: Actor, url: string, body: object | undefined, status: number) => {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: { authorization: `Bearer ${devToken(secret, actor)}`, ...(body ? { 'content-type': 'application/json', 'idempotency-key': randomUUID() } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (res.status !== status) throw new Error(`${method} ${base}${url} answered ${res.status}: ${text.slice(0, 400)}`);
    return JSON.parse(text) as Answer;
  };
  return {
    send: (method, actor, url, body, status = 200) => call(method, actor, url, body, status),
    get: (actor, url) => call('GET', actor, url, undefined, 200),
  };
}

const member = (org: string, role: Role, sub = `${role}.cluster`): Actor => ({ sub, org, roles: [role] });
const applicantOf = (city: SeededCity, org: string): Actor => ({ sub: `applicant.${city.region}`, org, roles: ['agency_applicant'] });
const citizenOf = (city: SeededCity): Actor => ({ sub: `citizen.${city.region}`, org: 'public', roles: ['public_applicant'] });

interface Lifecycle {
  start(city: SeededCity, http: Http): Promise<{ starter: Actor; body: object }> | { starter: Actor; body: object };
  steps: { kind: TaskKind; decision: string; reason?: string; form?: (requestId: string, starter: Actor, http: Http) => Promise<object> | object }[];
}
const signature = async (requestId: string, starter: Actor, http: Http) => ({ sha256: (await http.get(starter, `/agreements/${requestId}.agreement`)).sha256 });
const LIFECYCLES: Record<RequestType, Lifecycle> = {
  share: {
    start: (city) => ({ starter: applicantOf(city, city.agencies.market), body: validShareBody(city.entries.conditional) }),
    steps: [
      { kind: 'SHARE_PROVIDER_OPINION', decision: 'AGREE' },
      { kind: 'SHARE_JOINT_REVIEW', decision: 'APPROVE' },
      // Between government departments the 条例's delivery follows approval (the deployment's default policy).
      {
        kind: 'SHARE_DELIVERY',
        decision: 'DELIVER',
        form: async (id, starter, http) => ({
          method: 'interface',
          location: 'https://exchange.example.org/cluster',
          deliveredFields: (await http.get(starter, `/requests/${id}`)).grant?.fields ?? [],
        }),
      },
      { kind: 'SHARE_DELIVERY_CONFIRMATION', decision: 'CONFIRM' },
    ],
  },
  catalog_adjustment: {
    start: (city) => ({
      starter: applicantOf(city, city.agencies.donggangMarket),
      body: { ground: 'new_system', justification: '新建系统编目', changes: [{ op: 'add', entry: sampleEntryContent(`集群目录 ${city.region}`) }] },
    }),
    steps: [{ kind: 'CATALOG_ADJUSTMENT_REVIEW', decision: 'APPROVE' }],
  },
  share_dispute: {
    start: (city) => ({
      starter: member(city.cityAuthority, 'authority_reviewer', 'raiser.cluster'),
      body: {
        catalogEntryId: city.entries.conditional,
        proposal: { attribute: 'NONE', reasons: null, conditions: null, basis: [{ level: 'law', title: '中华人民共和国个人信息保护法', article: '第十三条' }] },
        objection: '涉及个人信息,不宜共享',
      },
    }),
    steps: [{ kind: 'DISPUTE_CONSULTATION', decision: 'ACCEPT' }],
  },
  open_demand: {
    start: (city) => ({ starter: citizenOf(city), body: { catalogEntryId: city.entries.none, description: '处罚结果', purpose: '研究' } }),
    steps: [{ kind: 'OPEN_DEMAND_ANSWER', decision: 'PLAN', reason: '年内开放' }],
  },
  withdrawal: {
    start: (city) => ({
      starter: citizenOf(city),
      body: { catalogEntryId: city.entries.conditionalOpen, records: '地块 RZ-2026-017', right: '个人信息权益', reasons: '成交价格可识别到本人' },
    }),
    steps: [{ kind: 'WITHDRAWAL_REVIEW', decision: 'UPHOLD', reason: '删除所列记录', form: () => ({ scope: 'records' }) }],
  },
  open_request: {
    async start(city, http) {
      const starter = citizenOf(city);
      await http.send('PUT', starter, '/principals/me', { kind: 'natural', name: starter.sub, residentId: sampleResidentId(starter.sub) });
      return {
        starter,
        body: validOpenRequestBody(city.entries.conditionalOpen),
      };
    },
    steps: [
      { kind: 'OPEN_REQUEST_REVIEW', decision: 'APPROVE' },
      { kind: 'AGREEMENT_SIGNATURE', decision: 'SIGN', form: signature },
      { kind: 'AGREEMENT_COUNTERSIGNATURE', decision: 'SIGN', form: signature },
    ],
  },
  refusal_dispute: {
    // The applicant's share request refused (the provider disagrees, the authority rejects, each citing its basis), then disputed.
    async start(city, http) {
      const starter = applicantOf(city, city.agencies.market);
      const { id } = await http.send('POST', starter, '/share-requests', validShareBody(city.entries.conditional), 201);
      const decide = async (kind: string, actor: Actor, decision: string, reason: string) => {
        const task: TaskView = await eventually(async () =>
          (await http.get(starter, `/requests/${id}`)).tasks.find((t) => t.kind === kind && t.status === 'open'),
        );
        await http.send('POST', actor, `/tasks/${task.id}/complete`, { decision, reason, form: refusalForm });
      };
      await decide('SHARE_PROVIDER_OPINION', member(city.agencies.health, 'provider_reviewer'), 'DISAGREE', '含患者信息');
      await decide('SHARE_JOINT_REVIEW', member(city.cityAuthority, 'authority_reviewer'), 'REJECT', '不予共享');
      return { starter, body: { shareRequestId: id, reason: '履行监管职责确需该数据' } };
    },
    steps: [
      { kind: 'REFUSAL_DISPUTE_CONSULTATION', decision: 'NO_AGREEMENT', reason: '无法协商' },
      { kind: 'REFUSAL_DISPUTE_COORDINATION', decision: 'FAIL', reason: '协调不成' },
      { kind: 'REFUSAL_DISPUTE_DECISION', decision: 'UPHOLD', reason: '维持原决定' },
    ],
  },
  correction: {
    start: (city) => ({
      starter: citizenOf(city),
      body: { catalogEntryId: city.entries.unconditional, items: ['legal_representative'], problem: '法定代表人与营业执照不一致' },
    }),
    steps: [{ kind: 'CORRECTION_VERIFICATION', decision: 'CORRECTED', form: () => ({ corrected: '已更正法定代表人', publishedAt: '2026-12-10' }) }],
  },
};

/** A candidate of the task as a person: the one named, or a member of the candidate organisation in its role. */
function candidateActor(task: TaskView): Actor {
  const c = task.candidates.find((x) => !x.legalPerson)!;
  return { sub: c.user ?? `${c.role}.cluster`, org: c.org ?? 'public', roles: [c.role] };
}

/** Starts the procedure on one API and decides each of its tasks on the other; answers the status it ends in. */
async function lifecycle(type: RequestType, starting: Http, deciding: Http): Promise<string> {
  const procedure = PROCEDURES.find((p) => p.type === type)!;
  const prefix = `k${randomUUID().slice(0, 8)}`;
  const city = await seedCity(db, prefix, prefix);
  const { starter, body } = await LIFECYCLES[type].start(city, starting);
  const { id } = await starting.send('POST', starter, procedure.startRoute, body, 201);
  for (const step of LIFECYCLES[type].steps) {
    const task: TaskView = await eventually(async () =>
      (await deciding.get(starter, `/requests/${id}`)).tasks.find((t) => t.kind === step.kind && t.status === 'open'),
    );
    const form = step.form ? await step.form(id, starter, deciding) : undefined;
    await deciding.send('POST', candidateActor(task), `/tasks/${task.id}/complete`, {
      decision: step.decision,
      ...(step.reason ? { reason: step.reason } : {}),
      ...(form ? { form } : {}),
    });
  }
  return eventually(async () => {
    const request = await starting.get(starter, `/requests/${id}`);
    const open = request.tasks.filter((t) => t.status === 'open');
    return !CANCELLABLE.includes(request.status) && open.length === 0 && request.status;
  });
}

test('npm run cluster runs Temporal on PostgreSQL as four services, three workers and two APIs; every procedure lives a lifecycle through both APIs; Ctrl-C stops every process', async () => {
  expect(apis).toHaveLength(2);
  expect(output.match(/^ {2}worker \d+ /gm)).toHaveLength(3);
  for (const service of ['history', 'matching', 'frontend', 'worker'])
    expect(output).toMatch(new RegExp(`^  Temporal ${service}\\s+127\\.0\\.0\\.1:\\d+`, 'm'));
  expect(output).toContain('seeded the demo city');
  const pids = [...output.matchAll(/\(pid (\d+)\)/g)].map((m) => Number(m[1]));
  expect(pids).toHaveLength(2 + 3 + 4);
  expect(pids.filter((p) => !alive(p))).toEqual([]);

  const [a, b] = apis.map(http);
  const ended = await Promise.all(PROCEDURES.map((p, i) => lifecycle(p.type, i % 2 ? b : a, i % 2 ? a : b).then((status) => `${p.type} ${status}`)));
  expect(ended.filter((e) => e.endsWith(' failed'))).toEqual([]);
  console.log(`lifecycles over the cluster: ${ended.join(', ')}`);

  // Stopped as a terminal's Ctrl-C does: SIGINT to the whole process group.
  const tree = descendants(cluster.pid!);
  const exited = new Promise<number | null>((resolve) => cluster.once('exit', (code, sig) => resolve(code ?? (sig ? -1 : null))));
  const began = Date.now();
  process.kill(-cluster.pid!, 'SIGINT');
  const code = await exited;
  expect(Date.now() - began).toBeLessThan(60_000);
  // npm answers a group Ctrl-C with 130 whatever its child did; the cluster itself must have stopped in order.
  if (code !== 0 && code !== 130) throw new Error(`npm run cluster exited with ${code} on SIGINT:\n${output}`);
  const deadline = Date.now() + 10_000;
  while ([...tree, ...pids].some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect([...tree, ...pids].filter(alive)).toEqual([]);
  expect(output).toMatch(/stopped API 2[\s\S]*stopped API 1[\s\S]*stopped worker 3[\s\S]*stopped worker 1[\s\S]*stopped Temporal services/);
  expect(output).not.toContain('exited on its own');
}, 330_000);
