// Driving `npm run cluster` from a script, as the backup drill and the long-lived bench do: start it on a DATA_DIR and
// read what it prints, stop it as Ctrl-C does, the three databases' sizes, requests over both APIs as people make them
// (a share request to its grant, an open application to its signed agreement), the running workflows.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { sql } from 'kysely';
import { createDb, dropDatabase, type Db } from '../db';
import { sampleResidentId, validOpenRequestBody, validShareBody, type SeededCity } from '../db/seed';
import type { Candidate } from '../domain/tasks';
import type { Actor } from '../domain/types';
import { clusterDatabases } from './temporal-cluster';
import { devToken } from './tokens';

export const ROOT = path.join(__dirname, '..');
const SECRET = 'cluster-drive-secret-0123456789-0123456789';
const IN_FLIGHT = 8;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

export interface ClusterRun {
  process: ChildProcess;
  output: () => string;
  apis: string[];
  /** The workers' process ids, as npm run cluster prints them. */
  workers: number[];
  temporal: string;
  databases: { app: string; temporal: string; visibility: string };
  seconds: number;
}

export function clusterEnv(dataDir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, JWT_SECRET: SECRET, ...extra };
  for (const v of ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'NODE_OPTIONS', 'PORT']) delete env[v];
  return env;
}

export async function runCluster(dataDir: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<ClusterRun> {
  const began = Date.now();
  let output = '';
  const env = clusterEnv(dataDir, extraEnv);
  const child = spawn('npm', ['run', 'cluster'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  // A cluster that did not come up is stopped as Ctrl-C stops it, and its databases dropped: a bench failing here
  // used to leave its servers running (their ports, cores and connections taken) and its databases behind.
  const failed = async (why: string) => {
    await interrupt(child);
    // Named as npm run cluster names them (it prints them only once up).
    const { app, temporal, visibility } = clusterDatabases({ embedded: { postgres: !env.DATABASE_URL }, databaseUrl: env.DATABASE_URL ?? '', dataDir });
    for (const name of [app, temporal, visibility]) await dropDatabase(urlOf(name)).catch(() => undefined);
    return new Error(`${why}:\n${output}`);
  };
  while (!output.includes('Ctrl-C stops everything.')) {
    if (child.exitCode !== null) throw await failed(`npm run cluster exited with ${child.exitCode}`);
    if (Date.now() - began > 300_000) throw await failed('the cluster was not up within 300 s');
    await sleep(250);
  }
  const pg = /PostgreSQL\s+\S+: (\S+) \(this project's\), (\S+), (\S+) \(Temporal's/.exec(output)!;
  return {
    process: child,
    output: () => output,
    apis: [...output.matchAll(/^ {2}API \d+\s+(http:\/\/127\.0\.0\.1:\d+)/gm)].map((m) => m[1]),
    workers: [...output.matchAll(/^ {2}worker \d+\s+\S+\s+\(pid (\d+)\)/gm)].map((m) => Number(m[1])),
    temporal: /^ {2}Temporal frontend\s+(127\.0\.0\.1:\d+)/m.exec(output)![1],
    databases: { app: pg[1], temporal: pg[2], visibility: pg[3] },
    seconds: (Date.now() - began) / 1000,
  };
}

/** Ctrl-C as a terminal sends it, to the process group; resolves once npm run cluster has exited. */
export function stopCluster(c: ClusterRun): Promise<void> {
  return interrupt(c.process);
}

/** SIGINT to the process group, SIGKILL if it has not ended 30 s later; resolves once it has (at once if it had). */
async function interrupt(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // the group has ended meanwhile
    }
  };
  signal('SIGINT');
  const late = setTimeout(() => signal('SIGKILL'), 30_000);
  await exited;
  clearTimeout(late);
}

export const urlOf = (database: string) => `postgres://postgres@127.0.0.1:5432/${database}`;

/**
 * Each database's size and each relation's (bytes), as they stand (`role`, `role.relation`), then after VACUUM FULL
 * (`role~`, `role~.relation`: the live rows and their indexes, without what updates left for autovacuum to reclaim).
 */
export async function sizes(c: ClusterRun): Promise<Record<string, number>> {
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
export const delta = (after: Record<string, number>, before: Record<string, number>) =>
  Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - (before[k.includes('~') ? k : k.replace(/^(\w+)/, '$1~')] ?? 0)]));

/** The relations whose live rows grew most, as `name +kB`. */
export const grew = (d: Record<string, number>, n = 6) =>
  Object.entries(d)
    .filter(([k]) => k.includes('~.'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${k.replace('~', '')} +${Math.round(v / 1024)} kB`)
    .join(', ');

export interface TaskView {
  id: string;
  kind: string;
  status: string;
  candidates: Candidate[];
}
export interface Answer {
  id: string;
  status: string;
  tasks: TaskView[];
  sha256: string;
  grant: { fields: string[] } | null;
}

export function http(base: string) {
  const call = async (method: string, actor: Actor, url: string, body?: object, status = 200): Promise<Answer> => {
    // One key for every try: a 503 may come after the decision was taken, and its retry must not be a second one.
    const idempotencyKey = randomUUID();
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${base}${url}`, {
        method,
        headers: {
          authorization: `Bearer ${devToken(SECRET, actor)}`,
          ...(body ? { 'content-type': 'application/json', 'idempotency-key': idempotencyKey } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      // 503 asks to retry (a deadlock broken, the engine slow under load).
      if (res.status === 503 && attempt < 5) {
        await sleep(500);
        continue;
      }
      // A 503 may come when the engine took the decision but did not answer in time (ENGINE_TIMEOUT_MS): its retry
      // finds the task decided. Nobody else decides a drive's tasks, so that is this decision, taken.
      if (attempt > 0 && res.status === 409 && url.endsWith('/complete') && text.includes('TaskNotOpen')) return JSON.parse(text) as Answer;
      if (res.status !== status) throw new Error(`${method} ${base}${url} answered ${res.status}: ${text.slice(0, 400)}`);
      return JSON.parse(text) as Answer;
    }
  };
  return {
    send: (method: 'POST' | 'PUT', actor: Actor, url: string, body: object, status = 200) => call(method, actor, url, body, status),
    get: (actor: Actor, url: string) => call('GET', actor, url),
  };
}
export type Http = ReturnType<typeof http>;

export async function eventually<T>(f: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('not within 60 s');
    await sleep(200);
  }
}

/** A candidate of the task as a person: the one named, or a member of the candidate organisation in its role. */
export function candidateActor(task: TaskView): Actor {
  const c = task.candidates.find((x) => !x.legalPerson)!;
  return { sub: c.user ?? `${c.role}.drill`, org: c.org ?? 'public', roles: [c.role] };
}

export const openTask = (api: Http, reader: Actor, id: string, kind: string) =>
  eventually(async () => (await api.get(reader, `/requests/${id}`)).tasks.find((t) => t.kind === kind && t.status === 'open'));

export async function decide(api: Http, reader: Actor, id: string, kind: string, decision: string, form?: object): Promise<void> {
  const task = await openTask(api, reader, id, kind);
  await api.send('POST', candidateActor(task), `/tasks/${task.id}/complete`, { decision, ...(form ? { form } : {}) });
}

/** `f` over `items`, `inFlight` at a time. */
export async function pool<T>(items: T[], f: (t: T, i: number) => Promise<void>, inFlight = IN_FLIGHT): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < items.length) {
        const i = next++;
        await f(items[i], i);
      }
    }),
  );
}

/** Workflow id and run id joined by a character neither holds. */
export const SEP = '\n';

/** Every running workflow (`id SEP runId`) with its type and its history's length and size. */
export async function runningWorkflows(address: string): Promise<Map<string, { type: string; events: number; bytes: number }>> {
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

export const openTasks = async (db: Db) => Number((await sql<{ n: string }>`select count(*) as n from tasks where status = 'open'`.execute(db)).rows[0].n);

export const byType = (m: Map<string, { type: string }>) =>
  Object.entries([...m.values()].reduce<Record<string, number>>((acc, { type: t }) => ({ ...acc, [t]: (acc[t] ?? 0) + 1 }), {}))
    .map(([t, n]) => `${t} ${n}`)
    .join(', ');

/** The people the drives act as: an agency's applicant (its reviewers are the tasks' candidates) and a citizen. */
export const drivePeople = (city: SeededCity) => ({
  applicant: { sub: 'applicant.drill', org: city.agencies.market, roles: ['agency_applicant'] } satisfies Actor,
  citizen: { sub: 'citizen.drill', org: 'public', roles: ['public_applicant'] } satisfies Actor,
});

/** A share request of the seeded city's conditional entry, submitted over `api`, once its provider's opinion is open: its id. */
export async function startShare(api: Http, city: SeededCity): Promise<string> {
  const { applicant } = drivePeople(city);
  const { id } = await api.send('POST', applicant, '/share-requests', validShareBody(city.entries.conditional), 201);
  await openTask(api, applicant, id, 'SHARE_PROVIDER_OPINION');
  return id;
}

/** Share request `id` decided to a grant that lives its term: the provider agrees, the authority approves, the provider delivers, the applicant confirms. */
export async function grantShare(api: Http, city: SeededCity, id: string): Promise<void> {
  const { applicant } = drivePeople(city);
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
}

/** The citizen's identity registered once, before its open applications. */
export async function registerCitizen(api: Http, city: SeededCity): Promise<void> {
  const { citizen } = drivePeople(city);
  await api.send('PUT', citizen, '/principals/me', { kind: 'natural', name: citizen.sub, residentId: sampleResidentId(citizen.sub) });
}

/** An open application approved, signed and countersigned over `api`: an agreement in force until its term. Its id. */
export async function signAgreement(api: Http, city: SeededCity): Promise<string> {
  const { citizen } = drivePeople(city);
  const { id } = await api.send('POST', citizen, '/open-requests', validOpenRequestBody(city.entries.conditionalOpen), 201);
  const signature = async () => ({ sha256: (await api.get(citizen, `/agreements/${id}.agreement`)).sha256 });
  await decide(api, citizen, id, 'OPEN_REQUEST_REVIEW', 'APPROVE');
  await decide(api, citizen, id, 'AGREEMENT_SIGNATURE', 'SIGN', await signature());
  await decide(api, citizen, id, 'AGREEMENT_COUNTERSIGNATURE', 'SIGN', await signature());
  return id;
}
