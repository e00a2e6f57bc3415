// One Temporal dev server, one migrated database and one workflow bundle for the whole test run.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { recreateDatabase } from '../db';
import { bundleWorkflows } from '../worker/tracing';
import { startEmbeddedPostgres } from '../scripts/embedded-postgres';
import { freePort, startTemporalDevServer } from '../scripts/temporal-dev-server';

// One database per checkout, so two checkouts' test runs on one machine never drop each other's.
const DEFAULT_TEST_DB = `postgres://postgres@127.0.0.1:5432/pdw_test_${createHash('sha256').update(path.resolve(__dirname, '..')).digest('hex').slice(0, 10)}`;

async function reachable(connectionString: string): Promise<boolean> {
  const url = new URL(connectionString);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

export default async function globalSetup(): Promise<void> {
  // The Chromium and CJK font npm test brought (scripts/ensure-test-deps.js), unless the caller named others.
  const deps = path.join(process.env.PDW_TOOLS_DIR ?? path.join(__dirname, '..', '.tools'), 'test-deps.json');
  if (fs.existsSync(deps))
    for (const [name, file] of Object.entries(JSON.parse(fs.readFileSync(deps, 'utf8')) as Record<string, string>))
      if (!process.env[name] && fs.existsSync(file)) process.env[name] = file;

  let dbUrl = process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DB;
  // No PostgreSQL where the tests expect one and none named: bring up an embedded one for the run.
  if (!process.env.TEST_DATABASE_URL && !(await reachable(dbUrl))) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdw-test-pg-'));
    const embedded = await startEmbeddedPostgres(path.join(dir, 'postgres'), await freePort(), 'pdw_test', console.error);
    (globalThis as { __embeddedPg?: typeof embedded }).__embeddedPg = embedded;
    dbUrl = embedded.url;
  }
  await recreateDatabase(dbUrl);
  if (!process.env.TEST_DATABASE_URL) (globalThis as { __dropTestDb?: string }).__dropTestDb = dbUrl;
  process.env.TEST_DATABASE_URL = dbUrl;

  if (!process.env.TEMPORAL_ADDRESS) {
    const server = await startTemporalDevServer();
    (globalThis as { __temporal?: typeof server }).__temporal = server;
    process.env.TEMPORAL_ADDRESS = server.address;
  }

  // With the tracing interceptors, as every bundle (worker/tracing.ts): replay checks they change no command.
  const { code } = await bundleWorkflows(quietLogger);
  const bundlePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pdw-bundle-')), 'workflows.js');
  fs.writeFileSync(bundlePath, code);
  process.env.PDW_WORKFLOW_BUNDLE = bundlePath;
}

const quiet = () => undefined;
const quietLogger = { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: quiet, error: console.error };
