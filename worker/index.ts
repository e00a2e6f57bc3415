// The one place that wires a database, activities and a Temporal Worker together.
import http from 'node:http';
import { NativeConnection, Worker, type RuntimeOptions, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { DEFAULT_WORKFLOW_THREADS } from '../config';
import { workerLogging } from './logging';
import { WORKFLOW_INTERCEPTOR_MODULES, workerTracingOptions } from './tracing';
import type { Tracing } from '../telemetry/tracing';
import type { Db } from '../db';

export interface WorkerDeps {
  connection: NativeConnection;
  namespace?: string;
  taskQueue: string;
  db: Db;
  /** A pre-built bundle (tests build it once); otherwise the worker bundles workflows/ itself. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Threads for workflow activations (config WORKFLOW_THREADS). */
  workflowThreads?: number;
  /** The region part of case numbers (config CASE_NUMBER_REGION). */
  caseRegion?: string;
  /** The process's tracing (telemetry/tracing.ts): activity spans and workflow spans exported; none when absent or off. */
  tracing?: Tracing;
}

export function createWorker({
  connection,
  namespace,
  taskQueue,
  db,
  workflowBundle,
  workflowThreads = DEFAULT_WORKFLOW_THREADS,
  caseRegion,
  tracing,
}: WorkerDeps): Promise<Worker> {
  const { interceptors, sinks } = workerTracingOptions(tracing);
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    activities: createActivities({ db, caseRegion }),
    workflowThreadPoolSize: workflowThreads,
    sinks,
    // A prebuilt bundle holds the workflow interceptors already (bundleWorkflows); bundled here, they are added.
    ...(workflowBundle
      ? { workflowBundle, interceptors: { ...interceptors } }
      : { workflowsPath: require.resolve('../workflows'), interceptors: { ...interceptors, workflowModules: WORKFLOW_INTERCEPTOR_MODULES } }),
  });
}

/** GET /health answers 200 while the worker polls its task queue (for container health checks). */
export function serveWorkerHealth(worker: Worker, port: number, host = '0.0.0.0'): http.Server {
  const server = http.createServer((_req, res) => {
    const state = worker.getState();
    res.writeHead(state === 'RUNNING' ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: state === 'RUNNING' ? 'ok' : 'unavailable', worker: state }));
  });
  return server.listen(port, host);
}

/**
 * Runtime.install's logger and telemetry: JSON log lines at `logLevel` (LOG_LEVEL, worker/logging.ts), and the SDK's
 * own metrics (task slots, poll and schedule-to-start latencies…) served for Prometheus at `address`
 * (WORKER_METRICS_ADDRESS, host:port); no metrics when none is set.
 */
export function workerTelemetry(address: string | null, logLevel: string, traced = false): Pick<RuntimeOptions, 'telemetryOptions' | 'logger'> {
  const { logger, logging } = workerLogging(logLevel, undefined, traced);
  // Durations in seconds, as the API's own histograms.
  const metrics = address ? { metrics: { prometheus: { bindAddress: address, useSecondsForDurations: true } } } : {};
  return { logger, telemetryOptions: { logging, ...metrics } };
}
