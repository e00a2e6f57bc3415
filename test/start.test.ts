// `npm start` as a newcomer runs it: embedded PostgreSQL and Temporal, demo seed, worker and API.
// The demo runs against it over real HTTP; a restart in the middle of a request loses nothing;
// SIGTERM stops everything cleanly.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cityIds, DEMO_PREFIX, DEMO_REGION, demoUsers } from '../db/seed';
import { freePort } from '../scripts/temporal-dev-server';
import { devToken } from '../scripts/tokens';

const root = path.join(__dirname, '..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdw-start-'));
const secret = 'start-test-secret-0123456789-0123456789';
let env: NodeJS.ProcessEnv;
let api: string;

beforeAll(async () => {
  const [port, temporalPort, uiPort, pgPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  env = { ...process.env, DATA_DIR: dataDir, PORT: String(port), TEMPORAL_PORT: String(temporalPort), TEMPORAL_UI_PORT: String(uiPort), EMBEDDED_POSTGRES_PORT: String(pgPort), JWT_SECRET: secret };
  for (const v of ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'NODE_OPTIONS']) delete env[v];
  api = `http://127.0.0.1:${port}`;
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

interface Running {
  child: ChildProcess;
  output: () => string;
}

async function start(): Promise<Running> {
  const child = spawn('npm', ['start'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${out}`);
    const ok = await fetch(`${api}/health`).then((r) => r.ok, () => false);
    if (ok) return { child, output: () => out };
    if (Date.now() > deadline) throw new Error(`no /health within 120 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Every process below `pid`. */
function descendants(pid: number): number[] {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number));
  const out: number[] = [];
  const walk = (p: number) => rows.filter(([, pp]) => pp === p).forEach(([c]) => (out.push(c), walk(c)));
  walk(pid);
  return out;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function stop(r: Running): Promise<void> {
  const tree = descendants(r.child.pid!);
  expect(tree.length).toBeGreaterThanOrEqual(3); // node, the Temporal dev server, PostgreSQL (and its workers)
  const exited = new Promise<number | null>((resolve) => r.child.once('exit', (code) => resolve(code)));
  r.child.kill('SIGTERM');
  const code = await exited;
  if (code !== 0) throw new Error(`npm start exited with ${code} on SIGTERM:\n${r.output()}`);
  // Nothing left behind: every process the system started is gone.
  const deadline = Date.now() + 10_000;
  while (tree.some(alive) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
  expect(tree.filter(alive)).toEqual([]);
  expect(r.output()).toMatch(/stopped API[\s\S]*stopped worker[\s\S]*stopped embedded PostgreSQL[\s\S]*stopped Temporal dev server/);
}

const users = demoUsers(cityIds(DEMO_PREFIX, DEMO_REGION));
const auth = (sub: string) => ({ authorization: `Bearer ${devToken(secret, users.find((u) => u.sub === sub)!)}`, 'content-type': 'application/json' });

test('npm start runs the system, the demo passes over HTTP, a restart keeps a request going, SIGTERM stops it all', async () => {
  const first = await start();
  expect(first.output()).toMatch(/API docs\s+http:\/\/127\.0\.0\.1:\d+\/docs/);
  expect(first.output()).toMatch(/Temporal UI\s+http:\/\/127\.0\.0\.1:\d+/);
  expect(first.output()).toContain('seeded the demo city');
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
    body: JSON.stringify({ catalogEntryId: cityIds(DEMO_PREFIX, DEMO_REGION).entries.conditional, scenario: 'restart', statutoryDuty: 'duty', commitment: { authenticity: true, compliance: true, security: true } }),
  });
  expect(submitted.status).toBe(201);
  const req = (await submitted.json()) as { id: string; tasks: { id: string; kind: string }[] };
  const authorityTask = req.tasks.find((t) => t.kind === 'SHARE_AUTHORITY_REVIEW')!;
  expect((await fetch(`${api}/tasks/${authorityTask.id}/complete`, { method: 'POST', headers: auth('wang.authority'), body: '{"decision":"APPROVE"}' })).status).toBe(200);
  await stop(first);

  // ...is still there after a restart, and goes on to its grant.
  const second = await start();
  expect(second.output()).not.toContain('seeded the demo city');
  const inbox = (await (await fetch(`${api}/tasks?kind=SHARE_PROVIDER_REVIEW&limit=100`, { headers: auth('zhao.provider') })).json()) as { items: { id: string; requestId: string }[] };
  const providerTask = inbox.items.find((t) => t.requestId === req.id)!;
  expect(providerTask).toBeDefined();
  const approved = await fetch(`${api}/tasks/${providerTask.id}/complete`, { method: 'POST', headers: auth('zhao.provider'), body: '{"decision":"APPROVE"}' });
  expect(approved.status).toBe(200);
  expect(((await approved.json()) as { status: string }).status).toBe('granted');
  await stop(second);
}, 300_000);
