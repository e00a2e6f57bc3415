// npm start: the whole system on one machine. Without DATABASE_URL / TEMPORAL_ADDRESS it runs an
// embedded PostgreSQL and a Temporal dev server (state under DATA_DIR), then migrates, seeds a demo
// city when the database is empty, and runs the worker and the API in this process.
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { buildApp } from '../api/app';
import { ConfigError, loadConfig, loadSecrets } from '../config';
import { createDb, ensureDatabase, migrateToLatest } from '../db';
import { getOrganisation } from '../db/repositories/organisations';
import { cityIds, DEMO_PREFIX, DEMO_REGION, demoUsers, seedCity } from '../db/seed';
import { createWorker } from '../worker';
import { ensureConsoleBuilt } from './console-build';
import { startEmbeddedPostgres } from './embedded-postgres';
import { startTemporalDevServer } from './temporal-dev-server';
import { devToken } from './tokens';


const log = (msg: string) => console.log(`[start] ${msg}`);

async function main() {
  const began = Date.now();
  let config: ReturnType<typeof loadConfig>;
  let secrets: ReturnType<typeof loadSecrets>;
  try {
    config = loadConfig();
    secrets = loadSecrets();
  } catch (err) {
    console.error(err instanceof ConfigError ? `configuration error: ${err.message}` : err);
    process.exit(1);
  }
  /** Undo steps, run last-in first-out on shutdown or on a failed start. */
  const undo: { name: string; run: () => Promise<unknown> }[] = [];
  let stopping = false;
  /** Last resort when a step hangs: whatever we started is killed, so nothing outlives the run. */
  const killAll: (() => void)[] = [];
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => {
      console.error('[start] shutdown took over 60 s; killing what is left');
      killAll.forEach((kill) => kill());
      process.exit(1);
    }, 60_000).unref();
    for (const step of undo.reverse()) {
      try {
        await step.run();
        log(`stopped ${step.name}`);
      } catch (err) {
        console.error(`[start] stopping ${step.name} failed:`, err);
        code = code || 1;
      }
    }
    process.exit(code);
  };
  // Ctrl-C in a terminal signals the whole group and npm forwards it once more: a second signal
  // while stopping is noted, never allowed to cut the shutdown short (which would orphan servers).
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.on(signal, () => {
      if (stopping) log(`${signal} received again; still stopping in order`);
      else {
        log(`${signal} received; stopping`);
        void shutdown(0);
      }
    });

  try {
    ensureConsoleBuilt(log);
    fs.mkdirSync(config.dataDir, { recursive: true });
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

    await ensureDatabase(databaseUrl);
    const db = createDb(databaseUrl);
    undo.push({ name: 'database pool', run: () => db.destroy() });
    const applied = await migrateToLatest(db);
    if (applied.length) log(`migrated: ${applied.join(', ')}`);
    const city = cityIds(DEMO_PREFIX, DEMO_REGION);
    if (!(await db.selectFrom('organisations').select('id').limit(1).executeTakeFirst())) {
      await db.transaction().execute((tx) => seedCity(tx, DEMO_PREFIX, DEMO_REGION));
      log('seeded the demo city of Rizhao');
    }
    const isDemo = !!(await getOrganisation(db, city.cityAuthority));

    // The SDK would start draining on SIGINT/SIGTERM by itself; shutdown order is ours to keep.
    Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
    const nativeConnection = await NativeConnection.connect({ address: temporalAddress });
    const worker = await createWorker({ connection: nativeConnection, namespace: config.temporalNamespace, taskQueue: config.taskQueue, db, workflowThreads: config.workflowThreads });
    const running = worker.run();
    undo.push({
      name: 'worker',
      run: async () => {
        worker.shutdown();
        await running;
        await nativeConnection.close();
      },
    });

    const connection = await Connection.connect({ address: temporalAddress });
    undo.push({ name: 'Temporal client', run: () => connection.close() });
    const temporal = new Client({ connection, namespace: config.temporalNamespace });
    const app = await buildApp({ db, temporal, taskQueue: config.taskQueue, jwtSecret: secrets.jwtSecret, devSignIn: config.mode === 'development', sharePolicy: config.sharePolicy, adjustmentPolicy: config.adjustmentPolicy, disputePolicy: config.disputePolicy, openDemandPolicy: config.openDemandPolicy, withdrawalPolicy: config.withdrawalPolicy, openRequestPolicy: config.openRequestPolicy, openPlatformUrl: config.openPlatformUrl, principalKeys: secrets.principalKeys, agreementFont: config.agreementFont, ...(config.oidc ? { oidc: config.oidc } : {}), engineTimeoutMs: config.engineTimeoutMs, logger: { level: config.logLevel === 'info' ? 'warn' : config.logLevel } });
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
        ...(isDemo
          ? [
              'Demo tokens (valid 7 days), e.g. curl -H "Authorization: Bearer <token>" ' + api + '/tasks',
              ...demoUsers(city).map((u) => `  ${u.label.padEnd(40)} ${u.sub} @ ${u.org ?? 'the public'}\n    ${devToken(secrets.jwtSecret, u, '7d')}`),
              '',
            ]
          : []),
        'Ctrl-C stops everything.',
      ].join('\n'),
    );
  } catch (err) {
    console.error(`[start] failed: ${err instanceof Error ? err.message : String(err)}`);
    await shutdown(1);
  }
}

void main();
