import { Kysely, sql, Migrator, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import { migrations } from './migrations';
import type { Database } from './schema';

// DATE columns stay 'YYYY-MM-DD' strings: turning them into local-midnight Dates shifts calendar days.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

export type Db = Kysely<Database>;
export type Executor = Kysely<Database> | Transaction<Database>;

export function createDb(connectionString: string, max = 10): Db {
  const pool = new pg.Pool({ connectionString, max });
  // An idle connection dropped by the server (restart, shutdown) is replaced on next use; without a
  // listener, pg would crash the process over it.
  pool.on('error', (err) => console.warn(`database connection lost: ${err.message}`));
  // The same for a connection in use (e.g. inside a transaction, between two statements): its query
  // fails and the caller sees that; the client's 'error' event must not take the process down.
  pool.on('connect', (client) => client.on('error', (err) => console.warn(`database connection lost while in use: ${err.message}`)));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Runs `fn` with a client on the server's `postgres` database and the name of the URL's database. */
async function onServer(connectionString: string, fn: (client: pg.Client, name: string) => Promise<void>): Promise<void> {
  const url = new URL(connectionString);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await fn(client, `"${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

/** Creates the database named in the URL when it does not exist (start-up and `npm run migrate`). */
export function ensureDatabase(connectionString: string): Promise<void> {
  return onServer(connectionString, async (client, quoted) => {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [new URL(connectionString).pathname.slice(1)]);
    if (!rowCount) await client.query(`create database ${quoted}`);
  });
}

/** Drops the database named in the URL (the end of a test run). */
export function dropDatabase(connectionString: string): Promise<void> {
  return onServer(connectionString, async (client, quoted) => {
    await client.query(`drop database if exists ${quoted} with (force)`);
  });
}

/** Drops and creates the database named in the URL, then migrates it (tests and benchmarks). */
export async function recreateDatabase(connectionString: string): Promise<void> {
  await onServer(connectionString, async (client, quoted) => {
    await client.query(`drop database if exists ${quoted} with (force)`);
    await client.query(`create database ${quoted}`);
  });
  const db = createDb(connectionString, 1);
  try {
    await migrateToLatest(db);
  } finally {
    await db.destroy();
  }
}

/** Answers once the database takes queries (not while it is starting up or recovering): a probe for start-up waits. */
export async function databaseReady(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}

/** The database a URL names, without its credentials, for logs. */
export function databaseName(url: string): string {
  const u = new URL(url);
  return `PostgreSQL at ${u.host}${u.pathname}`;
}

/** A connection of its own LISTENing on `channel` (api/events.ts): each notification's payload to `onPayload`. */
export interface Listener {
  end(): Promise<void>;
}
export async function listen(
  connectionString: string,
  channel: string,
  onPayload: (payload: string) => void,
  onError: (err: Error) => void,
): Promise<Listener> {
  const client = new pg.Client({ connectionString });
  client.on('error', onError);
  client.on('notification', (n) => {
    if (n.channel === channel && n.payload) onPayload(n.payload);
  });
  await client.connect();
  try {
    await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  return { end: () => client.end().catch(() => undefined) };
}
