// node scripts/run.js scripts/backup-drill.ts [-- --open N --granted N --agreements N --keep]: backup and restore
// tried on the cluster, the way docs/operations.md ("Backup and restore") says, with the figures it quotes. It starts
// `npm run cluster` on a fresh DATA_DIR, seeds a city, starts share requests (some left with the provider's opinion
// open, the rest decided to a grant that lives until its term) and open applications signed into agreements,
// measuring the three databases' sizes between the steps; lists the running workflows, stops the cluster, runs
// `npm run backup`, then `npm run restore` into a second fresh DATA_DIR, starts a cluster there, and shows every
// running workflow resumes: the same workflows running, each one's history replayed by a new worker (a query), every
// open opinion decided and the next step opened, the audit trail intact. Not part of the test suite (minutes long).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { sql } from 'kysely';
import { createDb, dropDatabase, type Db } from '../db';
import { sampleResidentId, seedCity, type SeededCity } from '../db/seed';
import type { Candidate } from '../domain/tasks';
import type { Actor } from '../domain/types';
import { clusterDatabases } from './temporal-cluster';
import { devToken } from './tokens';

const ROOT = path.join(__dirname, '..');
const SECRET = 'backup-drill-secret-0123456789-0123456789';
const IN_FLIGHT = 8;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

interface Cluster {
  process: ChildProcess;
  output: () => string;
  apis: string[];
  temporal: string;
  databases: { app: string; temporal: string; visibility: string };
  seconds: number;
}

function clusterEnv(dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, JWT_SECRET: SECRET };
  for (const v of ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'NODE_OPTIONS', 'PORT']) delete env[v];
  return env;
}

async function startCluster(dataDir: string): Promise<Cluster> {
  const began = Date.now();
  let output = '';
  const child = spawn('npm', ['run', 'cluster'], { cwd: ROOT, env: clusterEnv(dataDir), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  while (!output.includes('Ctrl-C stops everything.')) {
    if (child.exitCode !== null) throw new Error(`npm run cluster exited with ${child.exitCode}:\n${output}`);
    if (Date.now() - began > 300_000) throw new Error(`the cluster was not up within 300 s:\n${output}`);
    await sleep(250);
  }
  const pg = /PostgreSQL\s+\S+: (\S+) \(this project's\), (\S+), (\S+) \(Temporal's/.exec(output)!;
  return {
    process: child,
    output: () => output,
    apis: [...output.matchAll(/^ {2}API \d+\s+(http:\/\/127\.0\.0\.1:\d+)/gm)].map((m) => m[1]),
    temporal: /^ {2}Temporal frontend\s+(127\.0\.0\.1:\d+)/m.exec(output)![1],
    databases: { app: pg[1], temporal: pg[2], visibility: pg[3] },
    seconds: (Date.now() - began) / 1000,
  };
}

/** Ctrl-C as a terminal sends it, to the process group; resolves once npm run cluster has exited. */
async function stopCluster(c: Cluster): Promise<void> {
  const exited = new Promise<void>((resolve) => c.process.once('exit', () => resolve()));
  process.kill(-c.process.pid!, 'SIGINT');
  await exited;
}

const urlOf = (database: string) => `postgres://postgres@127.0.0.1:5432/${database}`;

/**
 * Each database's size and each relation's (bytes), as they stand (`role`, `role.relation`), then after VACUUM FULL
 * (`role~`, `role~.relation`: the live rows and their indexes, without what updates left for autovacuum to reclaim).
 */
async function sizes(c: Cluster): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [role, name] of Object.entries(c.databases)) {
    const db = createDb(urlOf(name), 1);
    const size = async () => Number((await sql<{ n: string }>`select pg_database_size(current_database()) as n`.execute(db)).rows[0].n);
    try {
      const relations = async (prefix: string) => {
        const { rows } = await sql<{ relname: string; bytes: string }>`
          select c.relname, pg_total_relation_size(c.oid) as bytes from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where c.relkind = 'r' and n.nspname = 'public'`.execute(db);
        out[prefix] = await size();
        for (const r of rows) out[`${prefix}.${r.relname}`] = Number(r.bytes);
      };
      await relations(role);
      await sql`vacuum full`.execute(db);
      await relations(`${role}~`);
    } finally {
      await db.destroy();
    }
  }
  return out;
}

/** What a step added: as the databases stood after it, and compacted, each from the compacted sizes before it (the step began on them). */
const delta = (after: Record<string, number>, before: Record<string, number>) =>
  Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - (before[k.includes('~') ? k : k.replace(/^(\w+)/, '$1~')] ?? 0)]));

/** The relations whose live rows grew most, as `name +kB`. */
const grew = (d: Record<string, number>, n = 6) =>
  Object.entries(d)
    .filter(([k]) => k.includes('~.'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${k.replace('~', '')} +${Math.round(v / 1024)} kB`)
    .join(', ');

interface TaskView {
  id: string;
  kind: string;
  status: string;
  candidates: Candidate[];
}
interface Answer {
  id: string;
  status: string;
  tasks: TaskView[];
  sha256: string;
  grant: { fields: string[] } | null;
}

function http(base: string) {
  const call = async (method: string, actor: Actor, url: string, body?: object, status = 200): Promise<Answer> => {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${base}${url}`, {
        method,
        headers: {
          authorization: `Bearer ${devToken(SECRET, actor)}`,
          ...(body ? { 'content-type': 'application/json', 'idempotency-key': randomUUID() } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      // 503 asks to retry (a deadlock broken, the engine slow under load).
      if (res.status === 503 && attempt < 5) {
        await sleep(500);
        continue;
      }
      if (res.status !== status) throw new Error(`${method} ${base}${url} answered ${res.status}: ${text.slice(0, 400)}`);
      return JSON.parse(text) as Answer;
    }
  };
  return {
    send: (method: 'POST' | 'PUT', actor: Actor, url: string, body: object, status = 200) => call(method, actor, url, body, status),
    get: (actor: Actor, url: string) => call('GET', actor, url),
  };
}
type Http = ReturnType<typeof http>;

async function eventually<T>(f: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('not within 60 s');
    await sleep(200);
  }
}

/** A candidate of the task as a person: the one named, or a member of the candidate organisation in its role. */
function candidateActor(task: TaskView): Actor {
  const c = task.candidates.find((x) => !x.legalPerson)!;
  return { sub: c.user ?? `${c.role}.drill`, org: c.org ?? 'public', roles: [c.role] };
}

const openTask = (api: Http, reader: Actor, id: string, kind: string) =>
  eventually(async () => (await api.get(reader, `/requests/${id}`)).tasks.find((t) => t.kind === kind && t.status === 'open'));

async function decide(api: Http, reader: Actor, id: string, kind: string, decision: string, form?: object): Promise<void> {
  const task = await openTask(api, reader, id, kind);
  await api.send('POST', candidateActor(task), `/tasks/${task.id}/complete`, { decision, ...(form ? { form } : {}) });
}

/** `f` over `items`, IN_FLIGHT at a time. */
async function pool<T>(items: T[], f: (t: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < items.length) {
        const i = next++;
        await f(items[i], i);
      }
    }),
  );
}

/** Workflow id and run id joined by a character neither holds. */
const SEP = '\n';

/** Every running workflow (`id SEP runId`) with its type and its history's length and size. */
async function runningWorkflows(address: string): Promise<Map<string, { type: string; events: number; bytes: number }>> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    const running = new Map<string, { type: string; events: number; bytes: number }>();
    for await (const w of client.workflow.list({ query: 'ExecutionStatus="Running"' }))
      running.set(`${w.workflowId}${SEP}${w.runId}`, { type: w.type, events: 0, bytes: 0 });
    // Visibility keeps a running workflow's history length as 0: each is described for it.
    await pool([...running], async ([key, w]) => {
      const [workflowId, runId] = key.split(SEP);
      const d = await client.workflow.getHandle(workflowId, runId).describe();
      Object.assign(w, { events: d.historyLength, bytes: d.historySize ?? 0 });
    });
    return running;
  } finally {
    await connection.close();
  }
}

const openTasks = async (db: Db) => Number((await sql<{ n: string }>`select count(*) as n from tasks where status = 'open'`.execute(db)).rows[0].n);

const byType = (m: Map<string, { type: string }>) =>
  Object.entries([...m.values()].reduce<Record<string, number>>((acc, { type: t }) => ({ ...acc, [t]: (acc[t] ?? 0) + 1 }), {}))
    .map(([t, n]) => `${t} ${n}`)
    .join(', ');

async function main() {
  const OPEN = arg('open', 40);
  const GRANTED = arg('granted', 40);
  const AGREEMENTS = arg('agreements', 10);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pdw-backup-drill-'));
  const [dirA, dirB, backupDir] = ['a', 'b', 'backup'].map((d) => path.join(work, d));
  const log = (s: string) => console.log(`[drill] ${s}`);
  const dropped: string[] = [];
  let cluster: Cluster | null = null;
  try {
    cluster = await startCluster(dirA);
    log(`cluster A up in ${cluster.seconds.toFixed(0)} s: ${Object.values(cluster.databases).join(', ')}`);
    dropped.push(...Object.values(cluster.databases));
    const [a, b] = cluster.apis.map(http);
    let db: Db = createDb(urlOf(cluster.databases.app), 2);
    const city: SeededCity = await seedCity(db, 'drill', 'drill');
    const applicant: Actor = { sub: 'applicant.drill', org: city.agencies.market, roles: ['agency_applicant'] };
    const citizen: Actor = { sub: 'citizen.drill', org: 'public', roles: ['public_applicant'] };
    const auditCount = async () => Number((await sql<{ n: string }>`select count(*) as n from audit_events`.execute(db)).rows[0].n);

    const before = await sizes(cluster);
    const audit0 = await auditCount();
    // Share requests, each left with the provider's opinion open: a running workflow with one open task.
    const shares: string[] = [];
    let began = Date.now();
    await pool(Array.from({ length: OPEN + GRANTED }), async (_, i) => {
      const api = i % 2 ? b : a;
      const { id } = await api.send(
        'POST',
        applicant,
        '/share-requests',
        {
          catalogEntryId: city.entries.conditional,
          scenario: 'Licensing inspections of private clinics',
          statutoryDuty: 'Market supervision of medical advertising (广告法)',
          commitment: { authenticity: true, compliance: true, security: true },
        },
        201,
      );
      await openTask(api, applicant, id, 'SHARE_PROVIDER_OPINION');
      shares[i] = id;
    });
    const started = await sizes(cluster);
    const audit1 = await auditCount();
    log(`${OPEN + GRANTED} share requests started, each with its opinion open, in ${((Date.now() - began) / 1000).toFixed(0)} s`);

    // GRANTED of them decided to a grant: the provider agrees, the authority approves, the provider delivers, the applicant confirms.
    began = Date.now();
    await pool(shares.slice(OPEN), async (id, i) => {
      const api = i % 2 ? a : b;
      await decide(api, applicant, id, 'SHARE_PROVIDER_OPINION', 'AGREE');
      await decide(api, applicant, id, 'SHARE_JOINT_REVIEW', 'APPROVE');
      const fields = (await api.get(applicant, `/requests/${id}`)).grant?.fields ?? [];
      await decide(api, applicant, id, 'SHARE_DELIVERY', 'DELIVER', {
        method: 'interface',
        location: 'https://exchange.example.org/drill',
        deliveredFields: fields,
      });
      await decide(api, applicant, id, 'SHARE_DELIVERY_CONFIRMATION', 'CONFIRM');
      await eventually(async () => (await api.get(applicant, `/requests/${id}`)).tasks.every((t) => t.status !== 'open'));
    });
    const decided = await sizes(cluster);
    const audit2 = await auditCount();
    const decisions = GRANTED * 4;
    log(`${GRANTED} of them decided to a grant (${decisions} decisions) in ${((Date.now() - began) / 1000).toFixed(0)} s`);

    // Open applications approved, signed and countersigned: agreements in force until their term.
    await a.send('PUT', citizen, '/principals/me', { kind: 'natural', name: citizen.sub, residentId: sampleResidentId(citizen.sub) });
    await pool(Array.from({ length: AGREEMENTS }), async (_, i) => {
      const api = i % 2 ? b : a;
      const { id } = await api.send(
        'POST',
        citizen,
        '/open-requests',
        {
          catalogEntryId: city.entries.conditionalOpen,
          purpose: '研究土地供应',
          scenario: '高校科研',
          fields: ['parcel', 'area', 'price'],
          accessMethod: 'sandbox',
          securityMeasures: '数据沙箱',
          termMonths: 12,
        },
        201,
      );
      const signature = async () => ({ sha256: (await api.get(citizen, `/agreements/${id}.agreement`)).sha256 });
      await decide(api, citizen, id, 'OPEN_REQUEST_REVIEW', 'APPROVE');
      await decide(api, citizen, id, 'AGREEMENT_SIGNATURE', 'SIGN', await signature());
      await decide(api, citizen, id, 'AGREEMENT_COUNTERSIGNATURE', 'SIGN', await signature());
    });
    log(`${AGREEMENTS} open applications signed into agreements`);

    const runningA = await runningWorkflows(cluster.temporal);
    const openA = await openTasks(db);
    log(`running on A: ${runningA.size} workflows (${byType(runningA)}); ${openA} open tasks`);
    const historyOf = (ids: string[]) => {
      const runs = [...runningA].filter(([key]) => ids.some((id) => key.split(SEP)[0].endsWith(id))).map(([, w]) => w);
      const mean = (f: (w: { events: number; bytes: number }) => number) => runs.reduce((n, w) => n + f(w), 0) / (runs.length || 1);
      return `${runs.length} runs, ${mean((w) => w.events).toFixed(1)} events and ${(mean((w) => w.bytes) / 1024).toFixed(1)} kB of history each`;
    };
    const histories = { open: historyOf(shares.slice(0, OPEN)), granted: historyOf(shares.slice(OPEN)) };
    await db.destroy();

    let t = Date.now();
    await stopCluster(cluster);
    log(`cluster A stopped in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    cluster = null;

    t = Date.now();
    const backupOut = execFileSync('npm', ['run', '--silent', 'backup', '--', backupDir], { cwd: ROOT, env: clusterEnv(dirA), encoding: 'utf8' });
    const backupSeconds = (Date.now() - t) / 1000;
    process.stdout.write(backupOut);
    const { app, temporal, visibility } = clusterDatabases({ embedded: { postgres: true }, databaseUrl: '', dataDir: dirB });
    dropped.push(app, temporal, visibility);
    t = Date.now();
    const restoreOut = execFileSync('npm', ['run', '--silent', 'restore', '--', backupDir], { cwd: ROOT, env: clusterEnv(dirB), encoding: 'utf8' });
    const restoreSeconds = (Date.now() - t) / 1000;
    process.stdout.write(restoreOut);

    cluster = await startCluster(dirB);
    log(`cluster B up on the restored databases in ${cluster.seconds.toFixed(0)} s: ${Object.values(cluster.databases).join(', ')}`);
    const runningB = await runningWorkflows(cluster.temporal);
    const missing = [...runningA.keys()].filter((k) => !runningB.has(k));
    const extra = [...runningB.keys()].filter((k) => !runningA.has(k));
    db = createDb(urlOf(cluster.databases.app), 2);
    const openB = await openTasks(db);
    await db.destroy();
    log(`running on B: ${runningB.size} workflows (${byType(runningB)}); missing ${missing.length}, new ${extra.length}; ${openB} open tasks`);

    // Each running workflow's history replayed by one of B's workers: a query is answered only by a worker that has it.
    t = Date.now();
    const connection = await Connection.connect({ address: cluster.temporal });
    const client = new Client({ connection });
    let replayed = 0;
    const failedQueries: string[] = [];
    await pool([...runningB.keys()], async (key) => {
      const [workflowId, runId] = key.split(SEP);
      try {
        await client.workflow.getHandle(workflowId, runId).query('__stack_trace');
        replayed++;
      } catch (err) {
        failedQueries.push(`${key.replace(SEP, ' ')}: ${(err as Error).message}`);
      }
    });
    await connection.close();
    log(`${replayed} of ${runningB.size} running workflows answered a query on B (replayed by its workers) in ${((Date.now() - t) / 1000).toFixed(0)} s`);
    if (failedQueries.length) log(`unanswered: ${failedQueries.slice(0, 5).join('; ')}`);

    // Every opinion left open decided on B: the workflow takes it and opens the authority's review.
    const [a2] = cluster.apis.map(http);
    t = Date.now();
    await pool(shares.slice(0, OPEN), async (id) => {
      await decide(a2, applicant, id, 'SHARE_PROVIDER_OPINION', 'AGREE');
      await openTask(a2, applicant, id, 'SHARE_JOINT_REVIEW');
    });
    log(`${OPEN} opinions left open decided on B, each request's joint review opened, in ${((Date.now() - t) / 1000).toFixed(0)} s`);
    const verify = execFileSync('npm', ['run', '--silent', 'audit', '--', 'verify'], {
      cwd: ROOT,
      env: { ...clusterEnv(dirB), DATABASE_URL: urlOf(cluster.databases.app) },
      encoding: 'utf8',
    });
    log(`audit verify on B: ${verify.trim().split('\n').join(' / ')}`);

    const perWorkflow = delta(started, before);
    const perDecision = delta(decided, started);
    const kb = (n: number) => `${(n / 1024).toFixed(1)} kB`;
    const manifest = JSON.parse(fs.readFileSync(path.join(backupDir, 'manifest.json'), 'utf8')) as { databases: { name: string; bytes: number }[] };
    console.log(
      [
        '',
        `Backup drill (${OPEN + GRANTED} share requests, ${GRANTED} granted, ${AGREEMENTS} agreements):`,
        `  per running workflow started (one open task): app ${kb(perWorkflow.app / (OPEN + GRANTED))}, _temporal ${kb(perWorkflow.temporal / (OPEN + GRANTED))}, _visibility ${kb(perWorkflow.visibility / (OPEN + GRANTED))}; ${((audit1 - audit0) / (OPEN + GRANTED)).toFixed(1)} audit events each`,
        `    after VACUUM FULL: app ${kb(perWorkflow['app~'] / (OPEN + GRANTED))}, _temporal ${kb(perWorkflow['temporal~'] / (OPEN + GRANTED))}, _visibility ${kb(perWorkflow['visibility~'] / (OPEN + GRANTED))}`,
        `    grew most: ${grew(perWorkflow)}`,
        `  per decision (${decisions}): app ${kb(perDecision.app / decisions)}, _temporal ${kb(perDecision.temporal / decisions)}, _visibility ${kb(perDecision.visibility / decisions)}; ${((audit2 - audit1) / decisions).toFixed(1)} audit events each`,
        `    grew most: ${grew(perDecision)}`,
        `    after VACUUM FULL: app ${kb(perDecision['app~'] / decisions)}, _temporal ${kb(perDecision['temporal~'] / decisions)}, _visibility ${kb(perDecision['visibility~'] / decisions)}`,
        `  history: shares with the opinion open ${histories.open}; granted shares ${histories.granted}`,
        `  audit_events: ${audit2} rows, ${kb(decided['app~.audit_events'] / audit2)} per row (table, indexes and TOAST, after VACUUM FULL)`,
        `  databases at the backup: ${manifest.databases.map((d) => `${d.name} dump ${(d.bytes / 1e6).toFixed(2)} MB`).join(', ')}`,
        `  sizes after the grants (pg_database_size; after VACUUM FULL): app ${(decided.app / 1e6).toFixed(1)}; ${(decided['app~'] / 1e6).toFixed(1)} MB, _temporal ${(decided.temporal / 1e6).toFixed(1)}; ${(decided['temporal~'] / 1e6).toFixed(1)} MB, _visibility ${(decided.visibility / 1e6).toFixed(1)}; ${(decided['visibility~'] / 1e6).toFixed(1)} MB`,
        `  backup ${backupSeconds.toFixed(1)} s, restore ${restoreSeconds.toFixed(1)} s (npm included), cluster B start ${cluster.seconds.toFixed(0)} s`,
        `  running workflows: A ${runningA.size}, B ${runningB.size} (missing ${missing.length}, new ${extra.length}); replayed on B ${replayed}; open tasks A ${openA}, B ${openB}; open opinions decided on B ${OPEN}`,
        '',
      ].join('\n'),
    );
    await stopCluster(cluster);
    cluster = null;
    if (missing.length || failedQueries.length) process.exitCode = 1;
  } finally {
    if (cluster) await stopCluster(cluster).catch(() => undefined);
    if (!process.argv.includes('--keep')) {
      for (const name of dropped) await dropDatabase(urlOf(name)).catch(() => undefined);
      fs.rmSync(work, { recursive: true, force: true });
    } else log(`kept ${work} and the databases ${dropped.join(', ')}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
