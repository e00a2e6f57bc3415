// API entry point for deployments that scale the API apart from the workers.
import { Client, Connection } from '@temporalio/client';
import { buildApp } from './app';
import { loadConfig } from '../config';
import { createDb } from '../db';

async function main() {
  const config = loadConfig();
  const db = createDb(config.databaseUrl);
  const connection = await Connection.connect({ address: config.temporalAddress });
  const temporal = new Client({ connection, namespace: config.temporalNamespace });
  const app = await buildApp({ db, temporal, taskQueue: config.taskQueue, jwtSecret: config.jwtSecret, sharePolicy: config.sharePolicy, engineTimeoutMs: config.engineTimeoutMs, logger: { level: config.logLevel } });
  await app.listen({ host: config.host, port: config.port });
  const stop = async () => {
    await app.close();
    await connection.close();
    await db.destroy();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
