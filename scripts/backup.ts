// npm run backup -- <dir> | npm run restore -- <dir>: the three databases of `npm run cluster` (this project's, and
// Temporal's `_temporal` and `_visibility`) dumped by pg_dump in its custom format into <dir>, with a manifest; and
// restored from there by pg_restore into the databases the configuration names for a fresh cluster (a new DATA_DIR,
// or DATABASE_URL's new database). docs/operations.md, "Backup and restore", says why the APIs and workers are
// stopped first and why the dumps go in this order.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../config';
import { ensureDatabase } from '../db';
import { CLUSTER_HISTORY_SHARDS, clusterDatabases } from './temporal-cluster';

/** The order of the dumps: this project's read models first, then Temporal's state, then its visibility (derived from that state). */
const ROLES = ['app', 'temporal', 'visibility'] as const;
type Role = (typeof ROLES)[number];

interface Manifest {
  createdAt: string;
  pgDump: string;
  server: string;
  /** Temporal's history shard count: a restored cluster must run with the same. */
  historyShards: number;
  /** This project's newest migration and Temporal's schema version, as dumped. */
  appMigration: string | null;
  temporalSchema: string | null;
  databases: { role: Role; name: string; file: string; bytes: number; databaseBytes: number; seconds: number }[];
}

/** The URL without its password (which goes in PGPASSWORD, out of the process list), and that password's environment. */
function forTools(url: URL): { url: string; env: NodeJS.ProcessEnv } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  return { url: u.toString(), env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) } };
}

const withDatabase = (url: URL, database: string) => {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u;
};

async function query<T>(url: URL, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

const first = async <T>(url: URL, sql: string): Promise<T | null> => (await query<T>(url, sql).catch(() => []))[0] ?? null;

function timed<T>(f: () => T): { value: T; seconds: number } {
  const began = process.hrtime.bigint();
  const value = f();
  return { value, seconds: Number(process.hrtime.bigint() - began) / 1e9 };
}

async function backup(dir: string, dbs: ReturnType<typeof clusterDatabases>) {
  if (fs.existsSync(dir) && fs.readdirSync(dir).length) throw new Error(`${dir} is not empty: a backup goes into a directory of its own`);
  const url = (role: Role) => withDatabase(dbs.appUrl, dbs[role]);
  for (const role of ROLES)
    if (!(await query(withDatabase(dbs.appUrl, 'postgres'), 'select 1 from pg_database where datname = $1', [dbs[role]])).length)
      throw new Error(`there is no database ${dbs[role]}: is this the DATA_DIR (or DATABASE_URL) of the cluster to back up?`);
  // An API or worker still connected can write a decision's effects into one dump and not the other.
  const others = await query<{ pid: number; application_name: string; client_addr: string | null }>(
    url('app'),
    'select pid, application_name, client_addr from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
  );
  if (others.length)
    throw new Error(
      `${others.length} other connection(s) to ${dbs.app} (pids ${others.map((o) => o.pid).join(', ')}): stop the APIs and workers first ` +
        '(Ctrl-C stops npm run cluster), so that no decision reaches one database and not the others (docs/operations.md, "Backup and restore")',
    );
  fs.mkdirSync(dir, { recursive: true });
  const manifest: Manifest = {
    createdAt: new Date().toISOString(),
    pgDump: execFileSync('pg_dump', ['--version'], { encoding: 'utf8' }).trim(),
    server: (await first<{ server_version: string }>(url('app'), 'show server_version'))!.server_version,
    historyShards: Number((await first<{ n: string }>(url('temporal'), 'select count(*) as n from shards'))!.n),
    appMigration: (await first<{ name: string }>(url('app'), 'select name from kysely_migration order by name desc limit 1'))?.name ?? null,
    temporalSchema: (await first<{ curr_version: string }>(url('temporal'), 'select curr_version from schema_version'))?.curr_version ?? null,
    databases: [],
  };
  for (const role of ROLES) {
    const file = `${role}.dump`;
    const databaseBytes = Number((await first<{ n: string }>(url(role), 'select pg_database_size(current_database()) as n'))!.n);
    const tool = forTools(url(role));
    const { seconds } = timed(() =>
      execFileSync('pg_dump', ['--format=custom', `--file=${path.join(dir, file)}`, `--dbname=${tool.url}`], {
        env: tool.env,
        stdio: ['ignore', 'inherit', 'inherit'],
      }),
    );
    const bytes = fs.statSync(path.join(dir, file)).size;
    manifest.databases.push({ role, name: dbs[role], file, bytes, databaseBytes, seconds });
    console.log(
      `[backup] ${dbs[role]}: ${(databaseBytes / 1e6).toFixed(1)} MB in PostgreSQL, dumped to ${file} (${(bytes / 1e6).toFixed(2)} MB) in ${seconds.toFixed(1)} s`,
    );
  }
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  console.log(`[backup] ${dir}: ${manifest.historyShards} history shards, app migration ${manifest.appMigration}, Temporal schema ${manifest.temporalSchema}`);
}

async function restore(dir: string, dbs: ReturnType<typeof clusterDatabases>) {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
  if (manifest.historyShards !== CLUSTER_HISTORY_SHARDS)
    throw new Error(
      `the backup's Temporal has ${manifest.historyShards} history shards and npm run cluster runs ${CLUSTER_HISTORY_SHARDS}: the count cannot change`,
    );
  for (const role of ROLES)
    if ((await query(withDatabase(dbs.appUrl, 'postgres'), 'select 1 from pg_database where datname = $1', [dbs[role]])).length)
      throw new Error(`${dbs[role]} exists: a restore goes into a fresh cluster (a new DATA_DIR, or a new database in DATABASE_URL)`);
  for (const { role, file } of manifest.databases) {
    const target = withDatabase(dbs.appUrl, dbs[role]);
    await ensureDatabase(target.toString());
    const tool = forTools(target);
    const { seconds } = timed(() =>
      execFileSync('pg_restore', ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', `--dbname=${tool.url}`, path.join(dir, file)], {
        env: tool.env,
        stdio: ['ignore', 'inherit', 'inherit'],
      }),
    );
    // Temporal's schema version is kept under the database's name, which the sql tool and the server look it up by.
    if (role !== 'app') await query(target, 'update schema_version set db_name = $1', [dbs[role]]);
    console.log(`[restore] ${file} into ${dbs[role]} in ${seconds.toFixed(1)} s`);
  }
  // The membership rows name the services of the cluster the backup came from: a new cluster's services must not
  // take them for peers (that cluster may still be running on this machine), so they start a ring of their own.
  await query(withDatabase(dbs.appUrl, dbs.temporal), 'delete from cluster_membership');
  console.log(`[restore] done: start the cluster on them (npm run cluster with this DATA_DIR or DATABASE_URL)`);
}

async function main() {
  const [command, dir] = process.argv.slice(2);
  if ((command !== 'backup' && command !== 'restore') || !dir) {
    console.error('usage: npm run backup -- <dir> | npm run restore -- <dir>');
    process.exit(2);
  }
  try {
    // The configuration only (DATA_DIR, DATABASE_URL): the secrets are no part of a backup, nor needed to take one.
    const dbs = clusterDatabases(loadConfig());
    await (command === 'backup' ? backup : restore)(path.resolve(dir), dbs);
  } catch (err) {
    console.error(`[${command}] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}

void main();
