// API entry point for deployments that scale the API apart from the workers.
import { Client } from '@temporalio/client';
import { buildApp } from './app';
import { apiDepsFrom } from './deps';
import { connectEngine } from './engine';
import { ConfigError, loadConfig, loadSecrets } from '../config';
import { waitFor } from '../config/wait';
import { createDb, databaseName, databaseReady } from '../db';
import { ensureEvaluationSchedule } from './schedules';

async function main() {
  // Before any connection: a deployment missing a secret stops here, naming it.
  const config = loadConfig();
  const secrets = loadSecrets();
  const db = createDb(config.databaseUrl);
  // PostgreSQL recovering or Temporal restarting is waited for (STARTUP_WAIT_SECONDS), not a crash at start.
  await waitFor(databaseName(config.databaseUrl), () => databaseReady(db), config.startupWaitMs);
  const connection = await waitFor(`Temporal at ${config.temporalAddress}`, () => connectEngine(config.temporalAddress), config.startupWaitMs);
  const temporal = new Client({ connection, namespace: config.temporalNamespace });
  const app = await buildApp(apiDepsFrom(config, { db, temporal, secrets }));
  // The evaluation snapshots' schedule (Art. 32), created by whichever API starts first.
  await ensureEvaluationSchedule(temporal, config.taskQueue);
  await app.listen({ host: config.host, port: config.port });
  if (config.mode === 'development') app.log.warn('development mode (PDW_MODE=development): anyone may sign in as a demo person at POST /dev/token');
  const stop = async () => {
    await app.close();
    await connection.close();
    await db.destroy();
  };
  // A second signal (npm forwards a terminal's Ctrl-C once more) must not cut the shutdown short.
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.on(signal, () => {
      if (!stopping) void stop();
      stopping = true;
    });
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? `configuration error: ${err.message}` : err);
  process.exit(1);
});
