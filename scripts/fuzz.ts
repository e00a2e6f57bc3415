// npm run fuzz -- [--count N] [--seed S]: property-based requests against every route of the API over
// real HTTP, on a real worker, Temporal dev server (or TEMPORAL_ADDRESS) and PostgreSQL
// (FUZZ_DATABASE_URL, recreated). Prints its figures last; exits 1 on any 5xx, non-problem error,
// answer slower than 10 s, or workflow left retrying.
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { buildApp } from '../api/app';
import { createDb, recreateDatabase } from '../db';
import { seedCity } from '../db/seed';
import { DEFAULT_SHARE_POLICY } from '../domain/share';
import { createWorker } from '../worker';
import { formatReport, runFuzz } from './fuzz-api';
import { startTemporalDevServer } from './temporal-dev-server';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} must be a non-negative integer`);
  return v;
}

async function main() {
  const count = arg('count', 2000);
  const seed = arg('seed', 42);
  const dbUrl = process.env.FUZZ_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/pdw_fuzz';
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
  await recreateDatabase(dbUrl);
  const db = createDb(dbUrl, 10);
  const server = process.env.TEMPORAL_ADDRESS ? null : await startTemporalDevServer();
  const address = process.env.TEMPORAL_ADDRESS ?? server!.address;
  const taskQueue = `fuzz-${seed}-${Date.now()}`;
  const native = await NativeConnection.connect({ address });
  const worker = await createWorker({ connection: native, taskQueue, db });
  const running = worker.run();
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const jwtSecret = 'fuzz-secret-0123456789-0123456789-0123';
  // Short deadlines, so reminders and overdue notices fire during the run too.
  const policy = { ...DEFAULT_SHARE_POLICY, jointReview: { seconds: 20 }, applicantReply: { seconds: 20 }, reminderBefore: { seconds: 10 } };
  const app = await buildApp({ db, temporal: client, taskQueue, jwtSecret, sharePolicy: policy, engineTimeoutMs: 10_000 });
  const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  const city = await seedCity(db, 'fz', 'fuzz');
  console.log(`fuzz: ${count} cases, seed ${seed}, API ${baseUrl}, Temporal ${address}, database ${dbUrl}`);
  const report = await runFuzz({ baseUrl, jwtSecret, db, client, taskQueue, city }, { count, seed });
  await app.close();
  worker.shutdown();
  await running;
  await native.close();
  await connection.close();
  await db.destroy();
  await server?.stop();
  for (const f of [...report.failures, ...report.retryingWorkflows].slice(0, 30)) console.log(`  ${f}`);
  console.log(formatReport(report));
  process.exit(report.failures.length || report.retryingWorkflows.length ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
