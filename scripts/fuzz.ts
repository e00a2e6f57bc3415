// npm run fuzz -- [--count N] [--seed S]: property-based requests against every route of the API over
// real HTTP, on a real worker, Temporal dev server (or TEMPORAL_ADDRESS) and PostgreSQL
// (FUZZ_DATABASE_URL, recreated). Prints its figures last; exits 1 on any 5xx, non-problem error,
// answer slower than 10 s, or workflow left retrying.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { buildApp } from '../api/app';
import { seedCity } from '../db/seed';
import { DEFAULT_POLICIES } from '../domain/policies';
import { DEFAULT_SHARE_POLICY } from '../domain/share';
import { formatReport, runFuzz } from './fuzz-api';
import { startLocalStack } from './local-stack';

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
  const stack = await startLocalStack(dbUrl, `fuzz-${seed}-${Date.now()}`);
  const { db, client, address, taskQueue } = stack;
  const jwtSecret = 'fuzz-secret-0123456789-0123456789-0123';
  // Short deadlines, so reminders and overdue notices fire during the run too.
  const policy = {
    ...DEFAULT_SHARE_POLICY,
    jointReview: { seconds: 20 },
    regulationReview: { seconds: 20 },
    regulationOpinion: { seconds: 20 },
    applicantReply: { seconds: 20 },
    reminderBefore: { seconds: 10 },
  };
  const app = await buildApp({ db, temporal: client, taskQueue, jwtSecret, policies: { ...DEFAULT_POLICIES, share: policy }, engineTimeoutMs: 10_000 });
  const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  const city = await seedCity(db, 'fz', 'fuzz');
  const farCity = await seedCity(db, 'fz-far', 'fuzz-far');
  console.log(`fuzz: ${count} cases, seed ${seed}, API ${baseUrl}, Temporal ${address}, database ${dbUrl}`);
  const report = await runFuzz({ baseUrl, jwtSecret, db, client, taskQueue, city, farCity }, { count, seed });
  await app.close();
  await stack.close();
  for (const f of [...report.failures, ...report.retryingWorkflows].slice(0, 30)) console.log(`  ${f}`);
  console.log(formatReport(report));
  process.exit(report.failures.length || report.retryingWorkflows.length ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
