// The bare Temporal baseline's worker (npm run bench -- lifecycle), in a process of its own as the
// share workflows' worker is (worker/main.ts): TEMPORAL_ADDRESS, TASK_QUEUE, WORKFLOW_BUNDLE.
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';

async function main() {
  Runtime.install({ shutdownSignals: [] });
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const worker = await Worker.create({ connection, taskQueue: process.env.TASK_QUEUE!, workflowBundle: { codePath: process.env.WORKFLOW_BUNDLE! } });
  process.once('SIGTERM', () => worker.shutdown());
  await worker.run();
  await connection.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
