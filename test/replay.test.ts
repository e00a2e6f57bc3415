// Recorded histories of every workflow type replay against today's workflow code: a change that would
// break running workflows fails here (labels and when to record: test/README.md; the rule: ARCHITECTURE.md).
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { WORKFLOW_TYPES } from '../workflows/definitions';
import { HISTORIES_DIR, installQuietRuntime } from './helpers';
import { workerTracingOptions } from '../worker/tracing';

const files = fs.readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json'));

beforeAll(() => {
  installQuietRuntime();
});

/** The workflow types that run no procedure, as their histories are named (recordHistories' `type`). */
const NOT_PROCEDURES = ['evaluation_snapshot', 'notification_delivery'];

test('there are recorded histories for every workflow type', () => {
  for (const type of [...Object.keys(WORKFLOW_TYPES), ...NOT_PROCEDURES]) expect(files.some((f) => f.startsWith(`${type}-request.`))).toBe(true);
  expect(files.length).toBeGreaterThanOrEqual(8);
});

test('every recorded history replays without nondeterminism', async () => {
  const histories = files.map((f) => ({ workflowId: f, history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(HISTORIES_DIR, f), 'utf8'))) }));
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: { codePath: process.env.PDW_WORKFLOW_BUNDLE! }, sinks: workerTracingOptions(undefined).sinks },
    histories,
  )) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error}`);
  }
  expect(failures).toEqual([]);
  // Dozens of histories: on a loaded two-core machine a minute is not always enough.
}, 300_000);
