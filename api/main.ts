// API entry point for deployments that scale the API apart from the workers.
import { Client } from '@temporalio/client';
import { ConfigError, loadConfig, loadSecrets } from '../config';
import { waitFor } from '../config/wait';
import { startTracing, temporalClientInterceptors } from '../telemetry/tracing';

async function main() {
  // Before any connection: a deployment missing a secret stops here, naming it.
  const config = loadConfig();
  const secrets = loadSecrets();
  // Before anything loads pg (db/, the routes' repositories): the instrumentation patches pg as it loads, so that
  // the routes' queries join their requests' traces. Nothing when OTEL_EXPORTER_OTLP_ENDPOINT is unset.
  const tracing = startTracing('public-data-workflows-api');
  const { createDb, databaseName, databaseReady } = require('../db') as typeof import('../db');
  const { buildApp } = require('./app') as typeof import('./app');
  const { apiDepsFrom } = require('./deps') as typeof import('./deps');
  const { connectEngine } = require('./engine') as typeof import('./engine');
  const { ensureEvaluationSchedule } = require('./schedules') as typeof import('./schedules');
  const db = createDb(config.databaseUrl);
  // PostgreSQL recovering or Temporal restarting is waited for (STARTUP_WAIT_SECONDS), not a crash at start.
  await waitFor(databaseName(config.databaseUrl), () => databaseReady(db), config.startupWaitMs);
  const connection = await waitFor(`Temporal at ${config.temporalAddress}`, () => connectEngine(config.temporalAddress), config.startupWaitMs);
  const temporal = new Client({ connection, namespace: config.temporalNamespace, interceptors: temporalClientInterceptors() });
  const app = await buildApp(apiDepsFrom(config, { db, temporal, secrets }));
  // The evaluation snapshots' schedule (Art. 32), created by whichever API starts first. Waited for as the connection
  // is: a cluster's services restarted together answer UNAVAILABLE ("not enough hosts") until their ring has formed.
  await waitFor('Temporal to create the evaluation schedule', () => ensureEvaluationSchedule(temporal, config.taskQueue), config.startupWaitMs);
  await app.listen({ host: config.host, port: config.port });
  if (config.mode === 'development') app.log.warn('development mode (PDW_MODE=development): anyone may sign in as a demo person at POST /dev/token');
  const stop = async () => {
    await app.close();
    await connection.close();
    await db.destroy();
    await tracing.shutdown();
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
