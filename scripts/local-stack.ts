// A freshly migrated database, a Temporal dev server (or TEMPORAL_ADDRESS), a worker and a client, as the
// fuzz and the benches that drive whole procedures run them; close() stops it all in order.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createDb, recreateDatabase, type Db } from '../db';
import { createWorker } from '../worker';
import { startTemporalDevServer } from './temporal-dev-server';

export interface LocalStack {
  db: Db;
  client: Client;
  /** The Temporal server's address. */
  address: string;
  /** The dev server's process, when this stack started one (a bench reads its CPU time). */
  serverPid?: number;
  taskQueue: string;
  close(): Promise<void>;
}

/** `worker: false`: no worker in this process (a bench runs its workers as processes of their own). */
export async function startLocalStack(databaseUrl: string, taskQueue: string, { worker: withWorker = true } = {}): Promise<LocalStack> {
  await recreateDatabase(databaseUrl);
  const db = createDb(databaseUrl, 10);
  const server = process.env.TEMPORAL_ADDRESS ? null : await startTemporalDevServer();
  const address = process.env.TEMPORAL_ADDRESS ?? server!.address;
  const native = await NativeConnection.connect({ address });
  const worker = withWorker ? await createWorker({ connection: native, taskQueue, db }) : null;
  const running = worker?.run();
  const connection = await Connection.connect({ address });
  return {
    db,
    client: new Client({ connection }),
    address,
    serverPid: server?.process.pid,
    taskQueue,
    async close() {
      worker?.shutdown();
      await running;
      await native.close();
      await connection.close();
      await db.destroy();
      await server?.stop();
    },
  };
}
