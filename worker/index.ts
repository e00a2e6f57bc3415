// The one place that wires a database, activities and a Temporal Worker together.
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { Db } from '../db';

export interface WorkerDeps {
  connection: NativeConnection;
  namespace?: string;
  taskQueue: string;
  db: Db;
  /** A pre-built bundle (tests build it once); otherwise the worker bundles workflows/ itself. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export function createWorker({ connection, namespace, taskQueue, db, workflowBundle }: WorkerDeps): Promise<Worker> {
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    activities: createActivities({ db }),
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
  });
}
