// The rule of ARCHITECTURE.md, "Versioning workflows", shown on a small workflow of four releases
// (test/support/versioning/), each deployed as the one worker of a task queue on the real dev server: a
// change made with patched('id') replays the runs recorded before it and lets a run open across the
// deployment finish on the new code; the same change made without patched() does not replay them (so this
// test fails where the rule would); deprecatePatch('id') and then deleting it follow, each once the runs it
// protects have closed.
import { randomUUID } from 'node:crypto';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { eventually, installQuietRuntime } from './helpers';
import { proceedSignal, type VersioningActivities } from './support/versioning/messages';

const RELEASES = ['v1', 'v2', 'v3', 'v4'] as const;
type Release = (typeof RELEASES)[number];
type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

const bundles = {} as Record<Release, WorkflowBundle>;
const activities: VersioningActivities = { step: async (name) => name };
const taskQueue = `test-versioning-${randomUUID().slice(0, 8)}`;
let nativeConnection: NativeConnection;
let connection: Connection;
let client: Client;

const quiet = () => undefined;
const quietLogger = { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: quiet, error: console.error };

beforeAll(async () => {
  installQuietRuntime();
  for (const release of RELEASES)
    bundles[release] = { code: (await bundleWorkflowCode({ workflowsPath: require.resolve(`./support/versioning/${release}`), logger: quietLogger })).code };
  nativeConnection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  client = new Client({ connection });
}, 180_000);

afterAll(async () => {
  await nativeConnection?.close();
  await connection?.close();
});

/**
 * `release` deployed while `f` runs: the task queue's only worker (the one before it has stopped). It keeps no
 * run in its cache, so every workflow task replays the run's whole history on this release's code.
 */
async function deployed<T>(release: Release, f: () => Promise<T>): Promise<T> {
  const worker = await Worker.create({ connection: nativeConnection, taskQueue, workflowBundle: bundles[release], activities, maxCachedWorkflows: 0 });
  return worker.runUntil(f);
}

const start = (name: string) => client.workflow.start('versionedWorkflow', { taskQueue, workflowId: `versioning-${name}-${randomUUID()}` });

/** A whole run on `release`: started, told to go on, ended; its result and history. */
async function runOn(release: Release): Promise<{ result: string[]; history: History }> {
  return deployed(release, async () => {
    const handle = await start(`recorded-by-${release}`);
    await handle.signal(proceedSignal);
    const result: string[] = await handle.result();
    return { result, history: await handle.fetchHistory() };
  });
}

const replay = (release: Release, history: History) => Worker.runReplayHistory({ workflowBundle: bundles[release] }, history);

test('a run recorded before a change made with patched() replays after it; the same change without patched() does not', async () => {
  const before = await runOn('v1');
  expect(before.result).toEqual(['check', 'record']);
  await expect(replay('v2', before.history)).resolves.toBeUndefined();
  await expect(replay('v4', before.history)).rejects.toThrow(DeterminismViolationError);
}, 120_000);

test('a run open across the deployment of a patched change finishes on the new release, and its history replays there', async () => {
  const open = await deployed('v1', async () => {
    const handle = await start('open-across-deployment');
    // Waiting to be told to go on: the check is history, and so is the workflow task that came to the wait.
    await eventually(async () => {
      const events = (await handle.fetchHistory()).events ?? [];
      return events.some((e) => e.activityTaskCompletedEventAttributes) && events.at(-1)?.workflowTaskCompletedEventAttributes;
    });
    return handle;
  });
  const result = await deployed('v2', async () => {
    await open.signal(proceedSignal);
    return open.result();
  });
  // Release 2 replayed release 1's part of the run, then took the new path where the run's history had not yet gone.
  expect(result).toEqual(['check', 'notify', 'record']);
  await expect(replay('v2', await open.fetchHistory())).resolves.toBeUndefined();
}, 120_000);

test('deprecatePatch once no run recorded before the patch is open; the patch deleted once no run recorded with it is', async () => {
  const [byV1, byV2, byV3] = [await runOn('v1'), await runOn('v2'), await runOn('v3')];
  expect(byV2.result).toEqual(['check', 'notify', 'record']);
  expect(byV3.result).toEqual(['check', 'notify', 'record']);
  // Release 3 replays what releases 2 and 3 recorded, not what release 1 did: hence it waits for release 1's runs to close.
  await expect(replay('v3', byV2.history)).resolves.toBeUndefined();
  await expect(replay('v3', byV3.history)).resolves.toBeUndefined();
  await expect(replay('v3', byV1.history)).rejects.toThrow(DeterminismViolationError);
  // Release 4 replays what release 3 recorded (a deprecated patch's marker is skipped), not what release 2 did
  // (its marker says patched, and release 4 no longer asks): hence it waits for release 2's runs to close.
  await expect(replay('v4', byV3.history)).resolves.toBeUndefined();
  await expect(replay('v4', byV2.history)).rejects.toThrow(DeterminismViolationError);
}, 180_000);
