// The outbox's delivery as the worker runs it (issue 26 §2): `workers` workers on a task queue of their own, each with
// its deliverer (createWorker with `deliverer`, as worker/main.ts), and the delivery workflow started on that queue as
// a worker's boot starts it (startNotificationDelivery). Its own queue, so that each test's deliverers have their
// test's policy and mail server, and none of another test's is left running.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createWorker, notificationDeliveryId, startNotificationDelivery } from '../../worker';
import { createDeliverer, type Deliverer, type DelivererOptions } from '../../worker/deliverer';
import type { NotificationDeliveryInput } from '../../workflows/notification-delivery';

export interface Delivery {
  taskQueue: string;
  workflowId: string;
  /** Ends the delivery workflow and stops the workers (their activities cancelled, as on Ctrl-C). */
  stop(): Promise<void>;
}

export async function startDelivery(
  client: Client,
  options: DelivererOptions,
  { workers = 1, ...input }: { workers?: number } & NotificationDeliveryInput = {},
): Promise<Delivery> {
  const taskQueue = `delivery-${randomUUID().slice(0, 8)}`;
  const workflowId = notificationDeliveryId(taskQueue);
  const started: { connection: NativeConnection; worker: Worker; deliverer: Deliverer; running: Promise<void> }[] = [];
  const stopWorkers = async () => {
    for (const { worker } of started) worker.shutdown();
    await Promise.all(started.map((s) => s.running));
    for (const { deliverer, connection } of started) {
      deliverer.close();
      await connection.close();
    }
  };
  try {
    // One connection each, as separate processes have: the SDK refuses two workers of one queue on one connection.
    for (let i = 0; i < workers; i++) {
      const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
      const deliverer = createDeliverer(options);
      const worker = await createWorker({ connection, taskQueue, db: options.db, workflowBundle: { codePath: process.env.PDW_WORKFLOW_BUNDLE! }, deliverer });
      started.push({ connection, worker, deliverer, running: worker.run() });
    }
  } catch (err) {
    await stopWorkers();
    throw err;
  }
  await startNotificationDelivery(client, taskQueue, input);
  return {
    taskQueue,
    workflowId,
    async stop() {
      // The workers first (their activities end their round, as on Ctrl-C), then the run no worker serves any more.
      await stopWorkers();
      await client.workflow
        .getHandle(workflowId)
        .terminate('the test is done')
        .catch(() => undefined);
    },
  };
}
