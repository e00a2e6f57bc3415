// Shared test plumbing: the run's database and Temporal server (test/global-setup.ts), a worker per file.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, makeTelemetryFilterString, NativeConnection, Runtime, type RuntimeOptions, type Worker } from '@temporalio/worker';
import pg from 'pg';
import { createDb, type Db } from '../db';
import { readCalendarOverrides, statutoryCalendar } from '../db/repositories/calendar';
import { insertOrganisations } from '../db/repositories/organisations';
import type { IsWorkday } from '../domain/calendar';
import { seedCity, type SeededCity } from '../db/seed';
import type { AdjustmentPolicy } from '../domain/catalog-adjustment';
import type { DisputePolicy } from '../domain/share-dispute';
import type { RefusalDisputePolicy } from '../domain/refusal-dispute';
import type { OpenRequestPolicy } from '../domain/open-request';
import type { SharePolicy } from '../domain/share';
import { createWorker } from '../worker';

export interface Harness {
  db: Db;
  client: Client;
  taskQueue: string;
  city: SeededCity;
  close(): Promise<void>;
}

let runtimeInstalled = false;

/** Warnings and errors only; SDK core's expected chatter (e.g. rejected Updates' dropped tasks) stays out. */
export function installQuietRuntime(): void {
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR', other: 'ERROR' }), forward: {} } },
  });
}

/** A worker on a task queue of its own, a client, and a freshly seeded city under a unique prefix; `runtime`: the
 * process's Runtime options instead of the quiet ones (the first harness of a file installs it). */
export async function startHarness(name: string, runtime?: RuntimeOptions): Promise<Harness> {
  if (!runtimeInstalled) {
    if (runtime) Runtime.install(runtime);
    else installQuietRuntime();
    runtimeInstalled = true;
  }
  const db = createDb(process.env.TEST_DATABASE_URL!, 5);
  const taskQueue = `test-${name}-${randomUUID().slice(0, 8)}`;
  const nativeConnection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const worker: Worker = await createWorker({ connection: nativeConnection, taskQueue, db, workflowBundle: { codePath: process.env.PDW_WORKFLOW_BUNDLE! } });
  const running = worker.run();
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const client = new Client({ connection });
  const prefix = `${name}-${randomUUID().slice(0, 6)}`;
  const city = await seedCity(db, prefix, prefix);
  return {
    db,
    client,
    taskQueue,
    city,
    async close() {
      worker.shutdown();
      await running;
      await nativeConnection.close();
      await connection.close();
      await db.destroy();
    },
  };
}

/** Deadlines short enough for a test, long enough not to fire unless a test waits for them. */
export const TEST_POLICY: SharePolicy = {
  jointReview: { seconds: 3600 },
  applicantReply: { seconds: 3600 },
  reminderBefore: { seconds: 60 },
  grantTerm: { seconds: 3600 },
  escalateAfter: { seconds: 3600 },
  regulationReview: { seconds: 3600 },
  regulationOpinion: { seconds: 3600 },
  regulationScope: 'government_departments',
  urgeInterval: { seconds: 3600 },
  revocationNotice: { seconds: 3600 },
};

export const TEST_DISPUTE_POLICY: DisputePolicy = {
  turn: { seconds: 3600 },
  consultation: { seconds: 3600 },
  decision: { seconds: 3600 },
  reminderBefore: { seconds: 60 },
  urgeInterval: { seconds: 3600 },
};
/** The refusal dispute's deadlines for tests: an hour each, the window a working day (the window's tests give their own). */
export const TEST_REFUSAL_DISPUTE_POLICY: RefusalDisputePolicy = {
  ...TEST_DISPUTE_POLICY,
  refusalDisputeWindow: { workingDays: 15 },
  coordination: { seconds: 3600 },
  grantTerm: { seconds: 3600 },
};
/** The open application's deadlines for tests: an hour each, the extension half of that; reports quarterly (tests shorten them). */
export const TEST_OPEN_REQUEST_POLICY: OpenRequestPolicy = {
  review: { seconds: 3600 },
  extension: { seconds: 1800 },
  applicantReply: { seconds: 3600 },
  signature: { seconds: 3600 },
  countersignature: { seconds: 3600 },
  reportEvery: { days: 91 },
  reportWindow: { seconds: 3600 },
  reminderBefore: { seconds: 60 },
  escalateAfter: { seconds: 3600 },
  urgeInterval: { seconds: 3600 },
};
export const TEST_ADJUSTMENT_POLICY: AdjustmentPolicy = {
  review: { seconds: 3600 },
  revision: { seconds: 3600 },
  reminderBefore: { seconds: 60 },
  consultation: { seconds: 3600 },
  escalateAfter: { seconds: 3600 },
  urgeInterval: { seconds: 3600 },
};

/** The advisory lock under which one file at a time holds test holidays (any number a session's own; the value is arbitrary). */
const TEST_HOLIDAYS_LOCK = 2024_12_06;
/** How long a file may wait for another's test holidays to go (a whole file's run holds them, slower under load). */
export const TEST_HOLIDAYS_WAIT_MS = 300_000;

/**
 * Working days made holidays in `calendar_overrides` by one file at a time. Files that count due times from today by hand
 * (share-regulation, share-extension, share-delivery, correction, calendar) run side by side on one database, and one's
 * holiday would lie in another's window (or be the same day). The lock, a PostgreSQL advisory lock on a connection of its
 * own, is taken before `pick` chooses the days on the calendar as it is, and let go once they are removed; a file that
 * dies lets it go with its connection. Call from a beforeAll given TEST_HOLIDAYS_WAIT_MS.
 */
export async function holdTestHolidays(db: Db, pick: (isWorkday: IsWorkday) => string[]): Promise<{ days: string[]; release(): Promise<void> }> {
  const lock = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await lock.connect();
  await lock.query('SELECT pg_advisory_lock($1)', [TEST_HOLIDAYS_LOCK]);
  const days = pick(statutoryCalendar(await readCalendarOverrides(db)));
  if (days.length)
    await db
      .insertInto('calendar_overrides')
      .values(days.map((day) => ({ day, is_workday: false, note: 'test holiday' })))
      .execute();
  return {
    days,
    async release() {
      try {
        if (days.length) await db.deleteFrom('calendar_overrides').where('day', 'in', days).execute();
      } finally {
        await lock.end();
      }
    },
  };
}

/**
 * An institution of the city that is no government department (a 事业单位 holding public data): the Measures govern
 * its sharing and catalog alone, not the 条例 (issue 24).
 */
export async function insertInstitution(h: Pick<Harness, 'db' | 'city'>, id: string): Promise<string> {
  await insertOrganisations(h.db, [
    { id, name: '日照市公共资源交易中心', kind: 'agency', level: 'city', region: h.city.region, division: '371100', uscc: null, government_department: false },
  ]);
  return id;
}

/** Polls until `fn` returns a truthy value (read models are written by activities, asynchronously). */
export async function eventually<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 15000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const HISTORIES_DIR = path.join(__dirname, 'histories');

/**
 * Writes each workflow's history as a replay fixture named after the test that ran it and a label
 * (RECORD_HISTORIES=<label>: the release recording it). Fixtures of other labels stay: they are runs of
 * other releases that may still be open, which today's code must keep replaying (test/README.md).
 */
export async function recordHistories(
  client: Client,
  runs: { name: string; workflowId: string; runId?: string }[],
  label: string,
  type = 'share',
): Promise<void> {
  fs.mkdirSync(HISTORIES_DIR, { recursive: true });
  for (const { name, workflowId, runId } of runs) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const slug = name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 80);
    fs.writeFileSync(path.join(HISTORIES_DIR, `${type}-request.${label}.${slug}.json`), historyToJSON(history));
  }
}

/** A refusal's form (DISAGREE, REJECT on a share request): the law it rests on, a level every policy's list accepts (不予共享). */
export const refusalForm = { basis: [{ level: 'law', title: '中华人民共和国个人信息保护法', article: '第十三条' }] };
