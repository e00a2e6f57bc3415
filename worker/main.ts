// Worker entry point for deployments that scale workers apart from the API.
import { Client } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { ConfigError, loadConfig } from '../config';
import { waitFor } from '../config/wait';
import { startTracing } from '../telemetry/tracing';

async function main() {
  // No secret: the API verifies tokens and seals resident ID numbers; the worker holds neither.
  const config = loadConfig();
  // Before anything loads pg (db/, ./index through the activities): the instrumentation patches pg as it loads, so
  // that the activities' queries join their traces. Nothing when OTEL_EXPORTER_OTLP_ENDPOINT is unset.
  const tracing = startTracing('public-data-workflows-worker');
  const { createDb, databaseName, databaseReady, migrateToLatest } = require('../db') as typeof import('../db');
  const { createWorker, serveWorkerHealth, startNotificationDelivery, workerTelemetry } = require('./index') as typeof import('./index');
  const { createDeliverer } = require('./deliverer') as typeof import('./deliverer');
  // Signals are handled below, once; the SDK's own handlers would shut the worker down a second time.
  Runtime.install({ shutdownSignals: [], ...workerTelemetry(config.workerMetricsAddress, config.logLevel, tracing.enabled) });
  const db = createDb(config.databaseUrl);
  // PostgreSQL recovering (57P03) or Temporal restarting is waited for (STARTUP_WAIT_SECONDS), not a crash at start.
  await waitFor(databaseName(config.databaseUrl), () => databaseReady(db), config.startupWaitMs);
  await migrateToLatest(db);
  const connection = await waitFor(
    `Temporal at ${config.temporalAddress}`,
    () => NativeConnection.connect({ address: config.temporalAddress }),
    config.startupWaitMs,
  );
  // Notices by e-mail and webhook: the deliverer's passes run as this worker's `deliverNotices` activities.
  const deliverer = createDeliverer({ db, ...config.notify, log: (msg, fields) => console.warn(JSON.stringify({ level: 'warn', msg, ...fields })) });
  const worker = await createWorker({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    db,
    workflowThreads: config.workflowThreads,
    maxCachedWorkflows: config.workerCachedWorkflows,
    workflowTaskSlots: config.workflowTaskSlots,
    caseRegion: config.caseRegion,
    tracing,
    deliverer,
    ...(config.workflowBundle ? { workflowBundle: { codePath: config.workflowBundle } } : {}),
  });
  // The workflow that keeps those activities running, started by the first worker to boot (the others find it running).
  const client = new Client({ connection, namespace: config.temporalNamespace });
  await waitFor('Temporal to start the notification delivery', () => startNotificationDelivery(client, config.taskQueue), config.startupWaitMs);
  const health = config.workerHealthPort ? serveWorkerHealth(worker, config.workerHealthPort) : null;
  const stop = async () => {
    health?.close();
    worker.shutdown();
  };
  // A second signal (npm forwards a terminal's Ctrl-C once more) must not cut the shutdown short.
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.on(signal, () => {
      if (!stopping) void stop();
      stopping = true;
    });
  await worker.run();
  deliverer.close();
  await connection.close();
  await db.destroy();
  await tracing.shutdown();
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? `configuration error: ${err.message}` : err);
  process.exit(1);
});
