// A worker started while PostgreSQL is down (or still recovering) waits for it, saying so, and runs once it is
// up; with nothing to wait for within STARTUP_WAIT_SECONDS it exits non-zero naming what it waited for.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { ensureDatabase } from '../db';
import { startEmbeddedPostgres, type EmbeddedPg } from '../scripts/embedded-postgres';
import { freePort } from '../scripts/temporal-dev-server';

const ROOT = path.join(__dirname, '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdw-startup-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The real worker entry point, as a process of its own; its output collected. */
function startWorker(env: Record<string, string>) {
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'run.js'), path.join(ROOT, 'worker', 'main.ts')], {
    env: {
      ...process.env,
      TASK_QUEUE: `startup-${randomUUID().slice(0, 8)}`,
      WORKFLOW_BUNDLE: process.env.PDW_WORKFLOW_BUNDLE!,
      TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS!,
      NODE_OPTIONS: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, exited, output: () => output };
}

const healthy = (port: number) =>
  new Promise<boolean>((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });

test('started while PostgreSQL is down, the worker waits, and runs once PostgreSQL is up 5 s later', async () => {
  const pgPort = await freePort();
  const healthPort = await freePort();
  // A PostgreSQL made once and stopped: the worker's database exists, its server does not answer yet.
  let pg: EmbeddedPg = await startEmbeddedPostgres(path.join(dir, 'pg'), pgPort, 'pdw_startup', () => undefined);
  const url = pg.url;
  await ensureDatabase(url);
  await pg.stop();
  const worker = startWorker({ DATABASE_URL: url, WORKER_HEALTH_PORT: String(healthPort), STARTUP_WAIT_SECONDS: '60' });
  try {
    // Once it says what it waits for (node and its compiler take a moment to start), PostgreSQL comes up 5 s later.
    const said = Date.now() + 30_000;
    while (!worker.output().includes('waiting for PostgreSQL') && Date.now() < said) await new Promise((r) => setTimeout(r, 200));
    expect(worker.output()).toContain('waiting for PostgreSQL');
    await new Promise((r) => setTimeout(r, 5_000));
    expect(worker.child.exitCode).toBeNull();
    pg = await startEmbeddedPostgres(path.join(dir, 'pg'), pgPort, 'pdw_startup', () => undefined);
    const deadline = Date.now() + 60_000;
    while (!(await healthy(healthPort)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    if (!(await healthy(healthPort))) throw new Error(`the worker never ran:\n${worker.output().slice(-3000)}`);
  } finally {
    worker.child.kill('SIGTERM');
    await worker.exited;
    await pg.stop();
  }
}, 120_000);

test('with nothing to wait for within STARTUP_WAIT_SECONDS, the worker exits non-zero naming PostgreSQL', async () => {
  const worker = startWorker({ DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/nowhere`, STARTUP_WAIT_SECONDS: '2' });
  expect(await worker.exited).not.toBe(0);
  expect(worker.output()).toMatch(/gave up waiting for PostgreSQL at 127\.0\.0\.1:\d+\/nowhere after 2 s/);
}, 60_000);
