// Worker entry point for deployments that scale workers apart from the API.
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../config';
import { createDb, migrateToLatest } from '../db';
import { createWorker, serveWorkerHealth } from './index';

async function main() {
  const config = loadConfig();
  const db = createDb(config.databaseUrl);
  await migrateToLatest(db);
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const worker = await createWorker({ connection, namespace: config.temporalNamespace, taskQueue: config.taskQueue, db });
  const health = config.workerHealthPort ? serveWorkerHealth(worker, config.workerHealthPort) : null;
  const stop = () => {
    health?.close();
    worker.shutdown();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await worker.run();
  await connection.close();
  await db.destroy();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
