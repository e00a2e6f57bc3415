// `npm start` as a newcomer runs it, from a checkout inside a directory only its owner may enter (as
// `mktemp -d` makes them): embedded PostgreSQL and Temporal, demo seed, worker and API. The demo runs
// against it over real HTTP; it is stopped as people stop it (Ctrl-C to the terminal's process group,
// which npm forwards once more; `kill -TERM -- -pgid`), nothing outlives it, and the next start on the
// same ports goes on with the request that was half-way. A second start beside a running one refuses and
// touches nothing of it; a killed start's servers are stopped by the next.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cityIds, DEMO_PREFIX, DEMO_REGION, demoUsers } from '../db/seed';
import { alive } from '../scripts/embedded-postgres';
import { freePort, temporalBinary } from '../scripts/temporal-dev-server';
import { devToken } from '../scripts/tokens';
import { descendants } from './support/processes';

const source = path.join(__dirname, '..');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pdw-start-')); // mode 0700
const root = path.join(home, 'checkout');
const dataDir = path.join(root, '.data');
const secret = 'start-test-secret-0123456789-0123456789';
let env: NodeJS.ProcessEnv;
let api: string;

beforeAll(async () => {
  const [port, temporalPort, uiPort, pgPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  env = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(port),
    TEMPORAL_PORT: String(temporalPort),
    TEMPORAL_UI_PORT: String(uiPort),
    EMBEDDED_POSTGRES_PORT: String(pgPort),
    JWT_SECRET: secret,
  };
  for (const v of ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'NODE_OPTIONS']) delete env[v];
  // The temporal CLI this run already has, so the copy does not build its own.
  env.PATH = `${path.dirname(temporalBinary())}:${env.PATH}`;
  api = `http://127.0.0.1:${port}`;
  // The working tree's files (what a clone holds) and its installed packages, hard-linked.
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: source })
    .toString()
    .split('\0')
    .filter((f) => f && fs.existsSync(path.join(source, f)));
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.copyFileSync(path.join(source, f), path.join(root, f));
  }
  execFileSync('cp', ['-al', path.join(source, 'node_modules'), path.join(root, 'node_modules')]);
});
let sharedData: string | null = null;
afterAll(() => {
  fs.rmSync(home, { recursive: true, force: true });
  if (sharedData) fs.rmSync(sharedData, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  output: () => string;
}

async function start(): Promise<Running> {
  // Its own process group, as a terminal's foreground job has.
  const child = spawn('npm', ['start'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${out}`);
    const ok = await fetch(`${api}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { child, output: () => out };
    if (Date.now() > deadline) throw new Error(`no /health within 120 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Stops as a person does: `signal` to the whole process group (a terminal's Ctrl-C is SIGINT). */
async function stop(r: Running, signal: 'SIGINT' | 'SIGTERM'): Promise<void> {
  const tree = descendants(r.child.pid!);
  expect(tree.length).toBeGreaterThanOrEqual(3); // node, the Temporal dev server, PostgreSQL (and its workers)
  const exited = new Promise<number | null>((resolve) => r.child.once('exit', (code, sig) => resolve(code ?? (sig ? -1 : null))));
  process.kill(-r.child.pid!, signal);
  const started = Date.now();
  const code = await exited;
  expect(Date.now() - started).toBeLessThan(60_000);
  // npm answers a group Ctrl-C with 130 whatever its child did; the system itself must have stopped in order.
  if (code !== 0 && !(signal === 'SIGINT' && code === 130)) throw new Error(`npm start exited with ${code} on ${signal}:\n${r.output()}`);
  // Nothing left behind: every process the system started is gone.
  const deadline = Date.now() + 10_000;
  while (tree.some(alive) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
  expect(tree.filter(alive)).toEqual([]);
  expect(r.output()).toMatch(/stopped API[\s\S]*stopped worker[\s\S]*stopped embedded PostgreSQL[\s\S]*stopped Temporal dev server/);
}

const users = demoUsers(cityIds(DEMO_PREFIX, DEMO_REGION));
const auth = (sub: string) => ({
  authorization: `Bearer ${devToken(
    secret,
    users.find((u) => u.sub === sub)!,
  )}`,
  'content-type': 'application/json',
});

test('npm start runs the system, the demo passes over HTTP, a restart keeps a request going, SIGTERM stops it all', async () => {
  const first = await start();
  expect(first.output()).toMatch(/API docs\s+http:\/\/127\.0\.0\.1:\d+\/docs/);
  expect(first.output()).toMatch(/Temporal UI\s+http:\/\/127\.0\.0\.1:\d+/);
  expect(first.output()).toContain('seeded the demo city');
  // As root, PostgreSQL (run as the postgres user) cannot enter this checkout: it says where its data went.
  if (process.getuid?.() === 0) {
    sharedData = /PostgreSQL data for .* lives in (\/var\/lib\/public-data-workflows\/data\/[0-9a-f]+)\//.exec(first.output())?.[1] ?? null;
    expect(sharedData).not.toBeNull();
  }
  expect((await fetch(`${api}/docs/json`)).status).toBe(200);

  const demo = spawn('npm', ['run', 'demo'], { cwd: root, env: { ...env, API_URL: api }, stdio: ['ignore', 'pipe', 'pipe'] });
  let demoOut = '';
  demo.stdout!.on('data', (d) => (demoOut += d));
  demo.stderr!.on('data', (d) => (demoOut += d));
  expect(await new Promise((resolve) => demo.once('exit', resolve))).toBe(0);
  expect(demoOut).toMatch(/the request is granted with an active grant/);

  // A request half-way through its review when the system goes down...
  const submitted = await fetch(`${api}/share-requests`, {
    method: 'POST',
    headers: auth('li.applicant'),
    body: JSON.stringify({
      catalogEntryId: cityIds(DEMO_PREFIX, DEMO_REGION).entries.conditional,
      scenario: 'restart',
      statutoryDuty: 'duty',
      commitment: { authenticity: true, compliance: true, security: true },
    }),
  });
  expect(submitted.status).toBe(201);
  const req = (await submitted.json()) as { id: string; tasks: { id: string; kind: string }[] };
  const providerTask = req.tasks.find((t) => t.kind === 'SHARE_PROVIDER_OPINION')!;
  expect(
    (await fetch(`${api}/tasks/${providerTask.id}/complete`, { method: 'POST', headers: auth('zhao.provider'), body: '{"decision":"AGREE"}' })).status,
  ).toBe(200);
  await stop(first, 'SIGINT');

  // ...is still there after a restart, and goes on to its grant.
  const second = await start();
  expect(second.output()).not.toContain('seeded the demo city');
  const inbox = (await (await fetch(`${api}/tasks?kind=SHARE_JOINT_REVIEW&limit=100`, { headers: auth('wang.authority') })).json()) as {
    items: { id: string; requestId: string }[];
  };
  const authorityTask = inbox.items.find((t) => t.requestId === req.id)!;
  expect(authorityTask).toBeDefined();
  const approved = await fetch(`${api}/tasks/${authorityTask.id}/complete`, {
    method: 'POST',
    headers: auth('wang.authority'),
    body: '{"decision":"APPROVE"}',
  });
  expect(approved.status).toBe(200);
  expect(((await approved.json()) as { status: string }).status).toBe('granted');
  await stop(second, 'SIGTERM');

  // Nothing of the second run holds a port: a third start on the same ports comes up.
  const third = await start();
  expect((await fetch(`${api}/requests/${req.id}`, { headers: auth('li.applicant') })).status).toBe(200);
  await stop(third, 'SIGTERM');
}, 300_000);

/** A start expected to refuse at once: its exit code and what it said (its group killed if it does not end). */
async function refusedStart(startEnv: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  const child = spawn('npm', ['start'], { cwd: root, env: startEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGTERM'), 60_000);
  const code = await exited;
  clearTimeout(timer);
  return { code, out };
}

test('a second npm start beside a running one refuses, naming DATA_DIR and the port, and touches nothing; a killed start’s servers are still stopped as leftovers', async () => {
  const first = await start();
  if (process.getuid?.() === 0)
    sharedData ??= /PostgreSQL data for .* lives in (\/var\/lib\/public-data-workflows\/data\/[0-9a-f]+)\//.exec(first.output())?.[1] ?? null;
  const port = new URL(api).port;
  const args = (pid: number) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      return ''; // gone meanwhile (a PostgreSQL backend)
    }
  };
  const tree = descendants(first.child.pid!);
  const startPid = tree.find((p) => args(p).includes('scripts/start.ts'))!;
  // What the start runs itself: the Temporal dev server and PostgreSQL's postmaster.
  const servers = tree.filter((p) => /start-dev|postgres -D/.test(args(p)));
  const running = () => expect([startPid, ...servers].filter(alive)).toEqual([startPid, ...servers]);
  try {
    expect(servers).toHaveLength(2);
    // The same DATA_DIR and ports: the first runs on, its PostgreSQL and Temporal dev server included.
    const same = await refusedStart(env);
    running();
    expect(await (await fetch(`${api}/health`)).json()).toEqual({ status: 'ok', database: 'ok', temporal: 'ok' });
    expect(same.code).not.toBe(0);
    expect(same.out).toContain(`DATA_DIR ${dataDir} is held by npm start (pid ${startPid})`);
    expect(same.out).toContain(`PORT ${port}`);
    expect(fs.readFileSync(path.join(dataDir, 'start.pid'), 'utf8').trim()).toBe(String(startPid));
    // Another DATA_DIR on the same ports: the API's port answers, and that is found before anything starts.
    const beside = await refusedStart({ ...env, DATA_DIR: path.join(home, 'beside') });
    expect(beside.code).not.toBe(0);
    expect(beside.out).toContain(`port ${port} (PORT) already answers`);
    expect(beside.out).not.toMatch(/starting the Temporal dev server|stopping a PostgreSQL/);
    running();
  } catch (err) {
    // Stopped without stop()'s checks, which a failure here may have broken: the first failure is the one to see.
    await new Promise((resolve) => (first.child.once('exit', resolve), process.kill(-first.child.pid!, 'SIGTERM')));
    throw err;
  }

  // Its start killed outright, its servers left running: no start holds DATA_DIR, and the next stops them.
  const npmExited = new Promise((resolve) => first.child.once('exit', resolve));
  process.kill(startPid, 'SIGKILL');
  await npmExited;
  expect(servers.filter(alive)).toEqual(servers);
  const next = await start();
  try {
    expect(next.output()).toMatch(/stopping a PostgreSQL \(pid \d+\) left running/);
    expect(servers.filter(alive)).toEqual([]);
  } finally {
    await stop(next, 'SIGTERM');
  }
  expect(fs.existsSync(path.join(dataDir, 'start.pid'))).toBe(false);
}, 300_000);
