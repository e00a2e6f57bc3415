// npm run cluster: the topology docker-compose.yml describes, on this machine and without Docker. The Temporal
// server built from its Go module, its four services each a process, persisting to PostgreSQL (127.0.0.1:5432
// or DATABASE_URL's server) in databases of its own; this project's migrations and demo seed, as npm start's;
// then WORKERS workers and APIS APIs, each a process of its own. Ctrl-C stops it all in order: the APIs, the
// workers, then Temporal's services.
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflows } from '../worker/tracing';
import { startChild, waitReady, type Child } from './child';
import { configOrExit, demoTokenLines, orderlyShutdown, prepareDatabase, type Shutdown } from './system';
import { CLUSTER_HISTORY_SHARDS as HISTORY_SHARDS, clusterDatabases, startTemporalCluster, type TemporalCluster } from './temporal-cluster';
import { freePort } from './temporal-dev-server';

const APIS = 2;
const WORKERS = 3;
const ROOT = path.join(__dirname, '..');

const log = (msg: string) => console.log(`[cluster] ${msg}`);

const healthy = (url: string) => () => fetch(url).then((r) => r.ok);

/** A worker or an API of the cluster: a process of its own that a chaos run may kill and restart. */
export interface ClusterProcess {
  name: string;
  /** Its health endpoint (a worker) or base URL (an API). */
  url: string;
  child: Child;
  logFile: string;
  /** Starts it again (after it ended) with the same port and environment; resolves once its health answers. */
  restart(): Promise<void>;
}

export interface Cluster {
  temporal: TemporalCluster;
  workers: ClusterProcess[];
  apis: ClusterProcess[];
  isDemo: boolean;
}

export interface ClusterOptions {
  /** Where the Temporal config, the logs and the workflow bundle go. */
  stateDir: string;
  appUrl: URL;
  databases: { temporal: string; visibility: string };
  namespace: string;
  /** Added to the workers' and APIs' environment (a chaos run's task queue and secret). */
  env?: NodeJS.ProcessEnv;
  /** A workflow bundle built already (a test run's); otherwise built once here. */
  bundle?: string;
  undo: Shutdown['undo'];
  killAll: Shutdown['killAll'];
  log: (msg: string) => void;
}

/** Temporal's four services, the migrations and seed, then the workers and APIs, each ready; every step pushed on `undo`. */
export async function startCluster(o: ClusterOptions): Promise<Cluster> {
  const temporal = await startTemporalCluster({
    stateDir: o.stateDir,
    postgresUrl: o.appUrl.toString(),
    databases: o.databases,
    numHistoryShards: HISTORY_SHARDS,
    namespace: o.namespace,
    log: o.log,
  });
  o.undo.push({ name: 'Temporal services', run: () => temporal.stop() });
  for (const s of temporal.services) o.killAll.push(() => s.child.process.kill('SIGKILL'));

  const { db, isDemo } = await prepareDatabase(o.appUrl.toString(), o.log);
  // Migrated and seeded here, once; the workers' own migrateToLatest finds nothing to do.
  await db.destroy();

  // One bundle for every worker, so three do not bundle the same code at once.
  let bundle = o.bundle;
  if (!bundle) {
    bundle = path.join(o.stateDir, 'workflows.js');
    fs.writeFileSync(bundle, (await bundleWorkflows(quietLogger)).code);
  }

  const env = { ...process.env, DATABASE_URL: o.appUrl.toString(), TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: o.namespace, ...o.env };
  const ups: (() => Promise<void>)[] = [];
  const launch = (name: string, entry: string, extra: NodeJS.ProcessEnv, url: string, ready: string): ClusterProcess => {
    const logFile = path.join(temporal.logDir, `${name.replace(' ', '-')}.log`);
    const start = () =>
      startChild(name, process.execPath, [path.join(ROOT, 'scripts', 'run.js'), path.join(ROOT, entry)], { env: { ...env, ...extra }, logFile });
    const up = () => waitReady(p.child, name, healthy(ready), logFile);
    const p: ClusterProcess = {
      name,
      url,
      child: start(),
      logFile,
      async restart() {
        p.child = start();
        await up();
      },
    };
    ups.push(up);
    // The process of the moment: a restarted one replaces the one killed.
    o.undo.push({ name: `${name} (pid ${p.child.process.pid})`, run: () => p.child.stop() });
    o.killAll.push(() => p.child.process.kill('SIGKILL'));
    return p;
  };
  const workers: ClusterProcess[] = [];
  for (let i = 1; i <= WORKERS; i++) {
    const port = await freePort();
    const health = `http://127.0.0.1:${port}/health`;
    workers.push(launch(`worker ${i}`, 'worker/main.ts', { WORKER_HEALTH_PORT: String(port), WORKFLOW_BUNDLE: bundle }, health, health));
  }
  const apis: ClusterProcess[] = [];
  for (let i = 1; i <= APIS; i++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    apis.push(launch(`API ${i}`, 'api/main.ts', { HOST: '127.0.0.1', PORT: String(port) }, url, `${url}/health`));
  }
  await Promise.all(ups.map((up) => up()));
  return { temporal, workers, apis, isDemo };
}

async function main() {
  const began = Date.now();
  const { config, secrets } = configOrExit();
  const { undo, killAll, shutdown, stopping } = orderlyShutdown('cluster');
  try {
    const stateDir = path.join(config.dataDir, 'cluster');
    fs.mkdirSync(stateDir, { recursive: true });
    const { appUrl, app: appDb, ...databases } = clusterDatabases(config);
    const { temporal, workers, apis, isDemo } = await startCluster({ stateDir, appUrl, databases, namespace: config.temporalNamespace, undo, killAll, log });
    const started = [...workers, ...apis];
    console.log(
      [
        '',
        `Public Data Workflows cluster is running (started in ${((Date.now() - began) / 1000).toFixed(1)} s)`,
        ...started.map((s) => `  ${s.name.padEnd(18)} ${s.url}  (pid ${s.child.process.pid})`),
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

// Run as `npm run cluster` (scripts/run.js puts this file at argv[1]); the chaos run imports startCluster.
if (path.resolve(process.argv[1] ?? '') === __filename) void main();
