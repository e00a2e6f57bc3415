// npm start: the whole system on one machine. Without DATABASE_URL / TEMPORAL_ADDRESS it runs an
// embedded PostgreSQL and a Temporal dev server (state under DATA_DIR), then migrates, seeds a demo
// city when the database is empty, and runs the worker and the API in this process.
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { buildApp } from '../api/app';
import { apiDepsFrom } from '../api/deps';
import { connectEngine } from '../api/engine';
import type { Config } from '../config';
import { createWorker, startNotificationDelivery, workerTelemetry } from '../worker';
import { createDeliverer } from '../worker/deliverer';
import { ensureEvaluationSchedule } from '../api/schedules';
import { ensureConsoleBuilt } from './console-build';
import { alive, startEmbeddedPostgres } from './embedded-postgres';
import { configOrExit, demoTokenLines, orderlyShutdown, prepareDatabase } from './system';
import { assertPortFree, startTemporalDevServer } from './temporal-dev-server';

const log = (msg: string) => console.log(`[start] ${msg}`);

/** The pid of the `npm start` that `pidFile` names while it runs; null when none does (no file, the process gone, its pid since reused). */
function runningStart(pidFile: string): number | null {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || !alive(pid)) return null;
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('start.ts') ? pid : null;
  } catch {
    return pid; // no /proc to ask: a live pid is taken for a running start, so nothing of it is stopped
  }
}

/**
 * Refuses to start beside a live system: the second start would take its PostgreSQL and Temporal for a
 * killed run's leftovers, stop them, and then fail on the API's port. Live means the `npm start` that
 * holds DATA_DIR (its pid in start.pid) still runs, or something answers on the API's port; a killed
 * run's servers are leftovers, stopped as before. Answers the release of DATA_DIR, for the shutdown.
 */
async function claimDataDir(config: Config): Promise<() => void> {
  const busy = (what: string) =>
    new Error(
      `${what}: a system is running there, and nothing of it was touched. Stop it first, or give this start its own DATA_DIR (not ${config.dataDir}) and ports (PORT ${config.port}, TEMPORAL_PORT, TEMPORAL_UI_PORT, EMBEDDED_POSTGRES_PORT)`,
    );
  let release = () => {};
  // Without embedded servers DATA_DIR holds nothing of ours: two APIs on their own ports may share it.
  if (config.embedded.postgres || config.embedded.temporal) {
    const pidFile = path.join(config.dataDir, 'start.pid');
    // Created only if absent, so of two starts at once one takes it; a killed run's is removed and taken again, once.
    for (let tries = 0; ; tries++) {
      try {
        fs.writeFileSync(pidFile, `${process.pid}\n`, { flag: 'wx' });
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = runningStart(pidFile);
      if (holder || tries > 0) throw busy(`DATA_DIR ${config.dataDir} is held by npm start${holder ? ` (pid ${holder})` : ''}, as ${pidFile} says`);
      fs.rmSync(pidFile, { force: true });
    }
    release = () => fs.rmSync(pidFile, { force: true });
  }
  if (config.port)
    await assertPortFree(config.port, 'PORT', config.host).catch(() => {
      release();
      throw busy(`port ${config.port} (PORT) already answers`);
    });
  return release;
}

async function main() {
  const began = Date.now();
  const { config, secrets } = configOrExit();
  /** The API's and the worker's level: at the default (info), warnings only, so that the terminal shows the summary below. */
  const quietLevel = config.logLevel === 'info' ? 'warn' : config.logLevel;
  /** Gives DATA_DIR up once everything in it has stopped (nothing to give up before it was taken). */
  let releaseDataDir = () => {};
  const { undo, killAll, shutdown } = orderlyShutdown('start', () => releaseDataDir());

  try {
    fs.mkdirSync(config.dataDir, { recursive: true });
    releaseDataDir = await claimDataDir(config);
    ensureConsoleBuilt(log);
    let temporalAddress = config.temporalAddress;
    let temporalUi: string | null = null;
    if (config.embedded.temporal) {
      log(`starting the Temporal dev server (state in ${path.join(config.dataDir, 'temporal.sqlite')})`);
      const server = await startTemporalDevServer({
        dbFile: path.join(config.dataDir, 'temporal.sqlite'),
        port: config.temporalPort,
        ui: true,
        uiPort: config.temporalUiPort,
        detached: true,
        pidFile: path.join(config.dataDir, 'temporal.pid'),
      });
      undo.push({ name: 'Temporal dev server', run: () => server.stop() });
      killAll.push(() => server.process.kill('SIGKILL'));
      temporalAddress = server.address;
      temporalUi = server.uiUrl;
    }

    let databaseUrl = config.databaseUrl;
    if (config.embedded.postgres) {
      log(`starting the embedded PostgreSQL on port ${config.embeddedPostgresPort}`);
      const pg = await startEmbeddedPostgres(path.join(config.dataDir, 'postgres'), config.embeddedPostgresPort, 'public_data_workflows', log);
      log(`PostgreSQL data in ${pg.dataDir}`);
      undo.push({ name: 'embedded PostgreSQL', run: () => pg.stop() });
      killAll.push(() => pg.process.kill('SIGKILL'));
      databaseUrl = pg.url;
    }

    const { db, isDemo } = await prepareDatabase(databaseUrl, log);
    undo.push({ name: 'database pool', run: () => db.destroy() });

    // The SDK would start draining on SIGINT/SIGTERM by itself; shutdown order is ours to keep.
    Runtime.install({ shutdownSignals: [], ...workerTelemetry(config.workerMetricsAddress, quietLevel) });
    const nativeConnection = await NativeConnection.connect({ address: temporalAddress });
    // Notices by e-mail and webhook: the deliverer's passes run as the worker's `deliverNotices` activities.
    const deliverer = createDeliverer({ db, ...config.notify, log: (msg, fields) => log(`${msg} ${JSON.stringify(fields ?? {})}`) });
    const worker = await createWorker({
      connection: nativeConnection,
      namespace: config.temporalNamespace,
      taskQueue: config.taskQueue,
      db,
      workflowThreads: config.workflowThreads,
      maxCachedWorkflows: config.workerCachedWorkflows,
      caseRegion: config.caseRegion,
      deliverer,
    });
    const running = worker.run();
    undo.push({
      name: 'worker',
      run: async () => {
        worker.shutdown();
        await running;
        deliverer.close();
        await nativeConnection.close();
      },
    });

    const connection = await connectEngine(temporalAddress);
    undo.push({ name: 'Temporal client', run: () => connection.close() });
    const temporal = new Client({ connection, namespace: config.temporalNamespace });
    await ensureEvaluationSchedule(temporal, config.taskQueue);
    await startNotificationDelivery(temporal, config.taskQueue);
    const app = await buildApp(apiDepsFrom(config, { db, temporal, secrets, logLevel: quietLevel }));
    await app.listen({ host: config.host, port: config.port });
    undo.push({ name: 'API', run: () => app.close() });

    const api = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${config.port}`;
    console.log(
      [
        '',
        `Public Data Workflows is running (started in ${((Date.now() - began) / 1000).toFixed(1)} s)`,
        `  Console        ${api}/console/`,
        `  API            ${api}`,
        `  API docs       ${api}/docs`,
        `  Temporal UI    ${temporalUi ?? '(external Temporal: ' + temporalAddress + ')'}`,
        `  Temporal       ${temporalAddress}`,
        '',
        ...(isDemo ? demoTokenLines(secrets.jwtSecret, api) : []),
        'Ctrl-C stops everything.',
      ].join('\n'),
    );
  } catch (err) {
    console.error(`[start] failed: ${err instanceof Error ? err.message : String(err)}`);
    await shutdown(1);
  }
}

void main();
