// The bare Temporal baseline's worker (npm run bench -- lifecycle), in a process of its own as the
// share workflows' worker is (worker/main.ts): TEMPORAL_ADDRESS, TASK_QUEUE, WORKFLOW_BUNDLE.
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { DEFAULT_WORKFLOW_THREADS } from '../config';

async function main() {
  Runtime.install({ shutdownSignals: [] });
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  // Tuned as the share worker is (config DEFAULT_WORKFLOW_THREADS), so the two sides differ only in what they do.
  const worker = await Worker.create({
    connection,
    taskQueue: process.env.TASK_QUEUE!,
    workflowBundle: { codePath: process.env.WORKFLOW_BUNDLE! },
    workflowThreadPoolSize: DEFAULT_WORKFLOW_THREADS,
  });
  process.once('SIGTERM', () => worker.shutdown());
  await worker.run();
  await connection.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
