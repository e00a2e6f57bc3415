// npm run cluster: the topology docker-compose.yml describes, on this machine and without Docker. The Temporal
// server built from its Go module, its four services each a process, persisting to PostgreSQL (127.0.0.1:5432
// or DATABASE_URL's server) in databases of its own; this project's migrations and demo seed, as npm start's;
// then WORKERS workers and APIS APIs, each a process of its own. Ctrl-C stops it all in order: the APIs, the
// workers, then Temporal's services.
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflows } from '../worker/tracing';
import { startChild, waitReady, type Child } from './child';
import { configOrExit, demoTokenLines, orderlyShutdown, prepareDatabase } from './system';
import { CLUSTER_HISTORY_SHARDS as HISTORY_SHARDS, clusterDatabases, startTemporalCluster } from './temporal-cluster';
import { freePort } from './temporal-dev-server';

const APIS = 2;
const WORKERS = 3;
const ROOT = path.join(__dirname, '..');

const log = (msg: string) => console.log(`[cluster] ${msg}`);

const healthy = (url: string) => () => fetch(url).then((r) => r.ok);

async function main() {
  const began = Date.now();
  const { config, secrets } = configOrExit();
  const { undo, killAll, shutdown, stopping } = orderlyShutdown('cluster');
  try {
    const stateDir = path.join(config.dataDir, 'cluster');
    fs.mkdirSync(stateDir, { recursive: true });
    const { appUrl, app: appDb, ...databases } = clusterDatabases(config);

    const temporal = await startTemporalCluster({
      stateDir,
      postgresUrl: appUrl.toString(),
      databases,
      numHistoryShards: HISTORY_SHARDS,
      namespace: config.temporalNamespace,
      log,
    });
    undo.push({ name: 'Temporal services', run: () => temporal.stop() });
    for (const s of temporal.services) killAll.push(() => s.child.process.kill('SIGKILL'));

    const { db, isDemo } = await prepareDatabase(appUrl.toString(), log);
    // Migrated and seeded here, once; the workers' own migrateToLatest finds nothing to do.
    await db.destroy();

    // One bundle for every worker, so three do not bundle the same code at once.
    const bundle = path.join(stateDir, 'workflows.js');
    fs.writeFileSync(bundle, (await bundleWorkflows(quietLogger)).code);

    const env = { ...process.env, DATABASE_URL: appUrl.toString(), TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: config.temporalNamespace };
    const started: { child: Child; url: string; ready: string; logFile: string }[] = [];
    const launch = (name: string, entry: string, port: number, extra: NodeJS.ProcessEnv, url: string, ready: string) => {
      const logFile = path.join(temporal.logDir, `${name.replace(' ', '-')}.log`);
      const child = startChild(name, process.execPath, [path.join(ROOT, 'scripts', 'run.js'), path.join(ROOT, entry)], { env: { ...env, ...extra }, logFile });
      undo.push({ name: `${name} (pid ${child.process.pid})`, run: () => child.stop() });
      killAll.push(() => child.process.kill('SIGKILL'));
      started.push({ child, url, ready, logFile });
    };
    for (let i = 1; i <= WORKERS; i++) {
      const port = await freePort();
      launch(
        `worker ${i}`,
        'worker/main.ts',
        port,
        { WORKER_HEALTH_PORT: String(port), WORKFLOW_BUNDLE: bundle },
        `http://127.0.0.1:${port}/health`,
        `http://127.0.0.1:${port}/health`,
      );
    }
    for (let i = 1; i <= APIS; i++) {
      const port = await freePort();
      launch(`API ${i}`, 'api/main.ts', port, { HOST: '127.0.0.1', PORT: String(port) }, `http://127.0.0.1:${port}`, `http://127.0.0.1:${port}/health`);
    }
    await Promise.all(started.map((s) => waitReady(s.child, s.child.name, healthy(s.ready), s.logFile)));

    const apis = started.filter((s) => s.child.name.startsWith('API'));
    console.log(
      [
        '',
        `Public Data Workflows cluster is running (started in ${((Date.now() - began) / 1000).toFixed(1)} s)`,
        ...started.map((s) => `  ${s.child.name.padEnd(18)} ${s.url}  (pid ${s.child.process.pid})`),
        ...temporal.services.map((s) => `  ${`Temporal ${s.name}`.padEnd(18)} 127.0.0.1:${s.port}  (pid ${s.child.process.pid})`),
        `  ${'PostgreSQL'.padEnd(18)} ${appUrl.host}: ${appDb} (this project's), ${databases.temporal}, ${databases.visibility} (Temporal's, ${HISTORY_SHARDS} history shards)`,
        `  ${'Logs'.padEnd(18)} ${temporal.logDir}`,
        '',
        ...(isDemo ? demoTokenLines(secrets.jwtSecret, apis[0].url) : []),
        'Ctrl-C stops everything.',
      ].join('\n'),
    );
    // A process that ends on its own is said so at once; the rest keep running.
    for (const s of [...started.map((x) => x.child), ...temporal.services.map((x) => x.child)])
      s.process.once('exit', () => stopping() || log(`${s.name} exited on its own (${s.ended()}); see its log`));
  } catch (err) {
    console.error(`[cluster] failed: ${err instanceof Error ? err.message : String(err)}`);
    await shutdown(1);
  }
}

const quiet = () => undefined;
const quietLogger = { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: quiet, error: console.error };

void main();
