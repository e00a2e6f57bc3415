// The one place that wires a database, activities and a Temporal Worker together.
import http from 'node:http';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { NativeConnection, Worker, type RuntimeOptions, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type DeliveryPasses } from '../activities';
import { DEFAULT_WORKFLOW_THREADS } from '../config';
import { workerLogging } from './logging';
import { WORKFLOW_INTERCEPTOR_MODULES, workerTracingOptions } from './tracing';
import type { Tracing } from '../telemetry/tracing';
import type { Db } from '../db';
import type { NotificationDeliveryInput, notificationDeliveryWorkflow } from '../workflows/notification-delivery';

export interface WorkerDeps {
  connection: NativeConnection;
  namespace?: string;
  taskQueue: string;
  db: Db;
  /** A pre-built bundle (tests build it once); otherwise the worker bundles workflows/ itself. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Threads for workflow activations (config WORKFLOW_THREADS). */
  workflowThreads?: number;
  /** The sticky cache's size (config WORKER_CACHED_WORKFLOWS); the SDK's default, sized from the heap, when absent. */
  maxCachedWorkflows?: number;
  /** Workflow tasks run at once (config WORKFLOW_TASK_SLOTS; the SDK's default when absent). */
  workflowTaskSlots?: number;
  /** The region part of case numbers (config CASE_NUMBER_REGION). */
  caseRegion?: string;
  /** The process's tracing (telemetry/tracing.ts): activity spans and workflow spans exported; none when absent or off. */
  tracing?: Tracing;
  /** The notification deliverer (worker/deliverer.ts createDeliverer) whose passes the `deliverNotices` activity runs. */
  deliverer?: DeliveryPasses;
}

export function createWorker({
  connection,
  namespace,
  taskQueue,
  db,
  workflowBundle,
  workflowThreads = DEFAULT_WORKFLOW_THREADS,
  maxCachedWorkflows,
  workflowTaskSlots,
  caseRegion,
  tracing,
  deliverer,
}: WorkerDeps): Promise<Worker> {
  const { interceptors, sinks } = workerTracingOptions(tracing);
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    activities: createActivities({ db, caseRegion, deliverer }),
    workflowThreadPoolSize: workflowThreads,
    ...(maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows }),
    ...(workflowTaskSlots ? { maxConcurrentWorkflowTaskExecutions: workflowTaskSlots } : {}),
    sinks,
    // A prebuilt bundle holds the workflow interceptors already (bundleWorkflows); bundled here, they are added.
    ...(workflowBundle
      ? { workflowBundle, interceptors: { ...interceptors } }
      : { workflowsPath: require.resolve('../workflows'), interceptors: { ...interceptors, workflowModules: WORKFLOW_INTERCEPTOR_MODULES } }),
  });
}

/** The outbox's delivery workflow of a task queue: one run, whichever worker starts it. */
export const notificationDeliveryId = (taskQueue: string) => `notification-delivery/${taskQueue}`;

/**
 * Starts the outbox's delivery (workflows/notification-delivery.ts) on `taskQueue` unless it runs: every worker calls it
 * at boot, the first one starts it, the others find it running. Answers whether it was started now.
 */
export async function startNotificationDelivery(client: Client, taskQueue: string, input: NotificationDeliveryInput = {}): Promise<boolean> {
  try {
    await client.workflow.start<typeof notificationDeliveryWorkflow>('notificationDeliveryWorkflow', {
      taskQueue,
      workflowId: notificationDeliveryId(taskQueue),
      args: [input],
    });
    return true;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
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
