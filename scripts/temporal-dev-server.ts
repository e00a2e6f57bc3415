// Finds or builds the temporal CLI (scripts/ensure-temporal.sh) and runs `temporal server start-dev`.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import YAML from 'yaml';

export function temporalBinary(): string {
  return execFileSync('bash', [path.join(__dirname, 'ensure-temporal.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

/** The settings every Temporal server of ours runs with (the cluster's and docker-compose.yml's read the same file). */
export const DYNAMIC_CONFIG_FILE = path.join(__dirname, '..', 'deploy', 'temporal', 'dynamic-config.yaml');

/** That file as the dev server's flags: each key with its first value. */
export function dynamicConfigArgs(): string[] {
  const config = YAML.parse(fs.readFileSync(DYNAMIC_CONFIG_FILE, 'utf8')) as Record<string, { value: unknown }[]>;
  return Object.entries(config).flatMap(([key, [first]]) => ['--dynamic-config-value', `${key}=${JSON.stringify(first.value)}`]);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Fails with a message naming the variable to change when something already listens on `port`. */
export function assertPortFree(port: number, variable: string, host = '127.0.0.1'): Promise<void> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', () => reject(new Error(`port ${port} is already in use: stop what runs there or set ${variable}`)));
    srv.listen(port, host, () => srv.close(() => resolve()));
  });
}

export interface DevServer {
  address: string;
  uiUrl: string | null;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  /** Persist state to this SQLite file; in memory when absent. */
  dbFile?: string;
  port?: number;
  uiPort?: number;
  ui?: boolean;
  /** In its own process group, so a terminal's Ctrl-C reaches only our process, which stops it last. */
  detached?: boolean;
  log?: (line: string) => void;
  /** Records the server's pid; a server a killed run left behind (named there) is stopped first. */
  pidFile?: string;
}

/** Stops the dev server a pid file names, if that process is still a `temporal server start-dev`. */
async function stopStale(pidFile: string): Promise<void> {
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  let cmdline = '';
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    // gone already
  }
  if (pid && cmdline.includes('start-dev')) {
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100 && fs.existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 100));
    if (fs.existsSync(`/proc/${pid}`)) process.kill(pid, 'SIGKILL');
  }
  fs.rmSync(pidFile, { force: true });
}

export async function startTemporalDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const bin = temporalBinary();
  if (opts.pidFile) await stopStale(opts.pidFile);
  const port = opts.port ?? (await freePort());
  // Otherwise the readiness check below would happily talk to whatever server holds the port.
  await assertPortFree(port, 'TEMPORAL_PORT (or TEMPORAL_ADDRESS to use that server)');
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--log-level',
    'error',
    '--metrics-port',
    String(await freePort()),
    '--http-port',
    String(await freePort()),
  ];
  let uiUrl: string | null = null;
  if (opts.ui) {
    const uiPort = opts.uiPort ?? (await freePort());
    await assertPortFree(uiPort, 'TEMPORAL_UI_PORT');
    args.push('--ui-port', String(uiPort));
    uiUrl = `http://127.0.0.1:${uiPort}`;
  } else {
    args.push('--headless');
  }
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);
  args.push(...dynamicConfigArgs());
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: opts.detached ?? false });
  let spawnError: Error | null = null;
  child.once('error', (err) => (spawnError = err)); // reported below; an 'error' event must not crash us
  if (opts.pidFile && child.pid) fs.writeFileSync(opts.pidFile, String(child.pid));
  // Never outlive the process that started it, however that process ends.
  const killOnExit = () => child.exitCode === null && child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
    opts.log?.(d.toString());
  });
  const address = `127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => process.removeListener('exit', killOnExit));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (spawnError) throw new Error(`temporal dev server could not be started from ${bin}: ${(spawnError as Error).message}`);
    if (child.exitCode !== null) throw new Error(`temporal dev server exited with ${child.exitCode}: ${stderr}`);
    try {
      const conn = await Connection.connect({ address, connectTimeout: 1000 });
      await conn.workflowService.getSystemInfo({});
      await conn.close();
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`temporal dev server did not answer on ${address} within 60 s: ${String(err)} ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return {
    address,
    uiUrl,
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      if (opts.pidFile) fs.rmSync(opts.pidFile, { force: true });
    },
  };
}
