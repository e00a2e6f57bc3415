// The Temporal server as a deployment runs it (npm run cluster): the server of the version docker-compose.yml
// names, built from its Go module (scripts/ensure-temporal.sh server), persisting to PostgreSQL in two databases
// of its own whose schema its sql tool creates and updates from the module's versioned schema, and its four
// services each a process of its own, so one can be killed and restarted alone. The config is the module's
// config/development-postgres12.yaml with this run's ports, databases and shard count, its dynamic config
// deploy/temporal/dynamic-config.yaml as every server of ours.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import pg from 'pg';
import YAML from 'yaml';
import { ensureDatabase } from '../db';
import { startChild, waitReady, type Child } from './child';
import { assertPortFree, DYNAMIC_CONFIG_FILE, freePort, temporalBinary } from './temporal-dev-server';

/** Fixed for a cluster's life: Temporal cannot change it once the databases hold history (a restore keeps it too). */
export const CLUSTER_HISTORY_SHARDS = 8;

/**
 * The cluster's three databases: DATABASE_URL's (this project's), else the machine's server in databases named after
 * DATA_DIR, so two clusters of two checkouts (or two DATA_DIRs) never share one; Temporal's are its name with
 * `_temporal` and `_visibility`. npm run cluster, backup and restore all name them so.
 */
export function clusterDatabases(config: { embedded: { postgres: boolean }; databaseUrl: string; dataDir: string }) {
  const appUrl = new URL(
    config.embedded.postgres
      ? `postgres://postgres@127.0.0.1:5432/pdw_cluster_${createHash('sha256').update(config.dataDir).digest('hex').slice(0, 10)}`
      : config.databaseUrl,
  );
  const app = decodeURIComponent(appUrl.pathname.slice(1));
  return { appUrl, app, temporal: `${app}_temporal`, visibility: `${app}_visibility` };
}

/** The order they start in; they stop in the reverse. */
export const TEMPORAL_SERVICES = ['history', 'matching', 'frontend', 'worker'] as const;
export type TemporalService = (typeof TEMPORAL_SERVICES)[number];

export interface TemporalCluster {
  /** The frontend's gRPC address. */
  address: string;
  /** Each service's process and gRPC port. */
  services: { name: TemporalService; child: Child; port: number }[];
  logDir: string;
  /** Starts a service that has ended (killed by a chaos run) again on its ports; resolves once its gRPC port listens. */
  restart(name: TemporalService): Promise<void>;
  stop(): Promise<void>;
}

export interface TemporalClusterOptions {
  /** Where the config and the services' logs go. */
  stateDir: string;
  /** The PostgreSQL server's URL; `databases` are created on it. */
  postgresUrl: string;
  databases: { temporal: string; visibility: string };
  numHistoryShards: number;
  namespace: string;
  log: (msg: string) => void;
}

/** The directory of the built server: `server`, `sql`, and the module's `schema/` and `config/`. */
export function temporalServerDir(): string {
  return execFileSync('bash', [path.join(__dirname, 'ensure-temporal.sh'), 'server'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

const withDatabase = (serverUrl: string, database: string) => {
  const u = new URL(serverUrl);
  u.pathname = `/${database}`;
  return u.toString();
};

/** Creates the database if missing, its schema at version 0.0 if it has none, then updates it to the module's latest. */
async function migrateTemporalDatabase(dir: string, serverUrl: string, database: string, schema: 'temporal' | 'visibility'): Promise<void> {
  const url = withDatabase(serverUrl, database);
  await ensureDatabase(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rowCount } = await client.query(`select 1 from information_schema.tables where table_name = 'schema_version'`).finally(() => client.end());
  const u = new URL(serverUrl);
  const sql = (...args: string[]) =>
    execFileSync(
      path.join(dir, 'sql'),
      [
        '--plugin',
        'postgres12',
        '--endpoint',
        u.hostname,
        '--port',
        u.port || '5432',
        '--user',
        decodeURIComponent(u.username || 'postgres'),
        '--password',
        decodeURIComponent(u.password),
        '--database',
        database,
        ...args,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
  if (!rowCount) sql('setup-schema', '-v', '0.0');
  sql('update-schema', '--schema-dir', path.join(dir, 'schema', 'postgresql', 'v12', schema, 'versioned'));
}

/** The module's development-postgres12.yaml with this run's databases, ports and shards; no pprof or metrics port (four processes would share them). */
function writeConfig(dir: string, o: TemporalClusterOptions, ports: Record<TemporalService, { grpc: number; membership: number; http?: number }>): string {
  const config = YAML.parse(fs.readFileSync(path.join(dir, 'config', 'development-postgres12.yaml'), 'utf8'));
  const u = new URL(o.postgresUrl);
  config.log = { stdout: true, level: 'warn' };
  config.persistence.numHistoryShards = o.numHistoryShards;
  for (const [store, database] of [
    ['postgres-default', o.databases.temporal],
    ['postgres-visibility', o.databases.visibility],
  ] as const)
    Object.assign(config.persistence.datastores[store].sql, {
      databaseName: database,
      connectAddr: `${u.hostname}:${u.port || 5432}`,
      user: decodeURIComponent(u.username || 'postgres'),
      password: decodeURIComponent(u.password),
    });
  delete config.global.pprof;
  delete config.global.metrics;
  config.dynamicConfigClient = { filepath: DYNAMIC_CONFIG_FILE, pollInterval: '60s' };
  for (const service of TEMPORAL_SERVICES)
    config.services[service].rpc = {
      grpcPort: ports[service].grpc,
      membershipPort: ports[service].membership,
      bindOnLocalHost: true,
      ...(ports[service].http ? { httpPort: ports[service].http } : {}),
    };
  config.clusterMetadata.clusterInformation.active.rpcAddress = `127.0.0.1:${ports.frontend.grpc}`;
  const configDir = path.join(o.stateDir, 'config');
  fs.mkdirSync(configDir, { recursive: true });
  fs.writeFileSync(path.join(configDir, 'cluster.yaml'), YAML.stringify(config));
  return configDir;
}

/** Whether the frontend answers and serves `namespace` (a new namespace reaches every service's cache within seconds). */
async function serves(address: string, namespace: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1000 });
  try {
    await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 });
    return true;
  } finally {
    await connection.close();
  }
}

function listens(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** A free port below 32768: Temporal keeps membership ports in a smallint column, and the system hands out ports above it. */
async function freeMembershipPort(): Promise<number> {
  for (;;) {
    const port = 10_000 + Math.floor(Math.random() * 22_000);
    if (
      await assertPortFree(port, '').then(
        () => true,
        () => false,
      )
    )
      return port;
  }
}

export async function startTemporalCluster(o: TemporalClusterOptions): Promise<TemporalCluster> {
  const dir = temporalServerDir();
  o.log(`Temporal server ${path.basename(dir)}: schema of ${o.databases.temporal} and ${o.databases.visibility}`);
  await migrateTemporalDatabase(dir, o.postgresUrl, o.databases.temporal, 'temporal');
  await migrateTemporalDatabase(dir, o.postgresUrl, o.databases.visibility, 'visibility');
  const ports = {} as Record<TemporalService, { grpc: number; membership: number; http?: number }>;
  for (const service of TEMPORAL_SERVICES)
    ports[service] = { grpc: await freePort(), membership: await freeMembershipPort(), ...(service === 'frontend' ? { http: await freePort() } : {}) };
  writeConfig(dir, o, ports);
  const logDir = path.join(o.stateDir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const address = `127.0.0.1:${ports.frontend.grpc}`;
  const services: TemporalCluster['services'] = [];
  const stop = async () => {
    for (const s of [...services].reverse()) await s.child.stop();
  };
  const logOf = (name: TemporalService) => path.join(logDir, `temporal-${name}.log`);
  const start = (name: TemporalService) =>
    startChild(
      `Temporal ${name}`,
      path.join(dir, 'server'),
      ['--root', o.stateDir, '--config', 'config', '--env', 'cluster', '--allow-no-auth', 'start', '--service', name],
      { env: process.env, logFile: logOf(name) },
    );
  const restart = async (name: TemporalService) => {
    const s = services.find((x) => x.name === name)!;
    if (s.child.ended() === null) throw new Error(`Temporal ${name} is still running`);
    s.child = start(name);
    await waitReady(s.child, `Temporal ${name}`, () => listens(s.port), logOf(name));
  };
  try {
    // Services started together race to write a new cluster's metadata, and a loser exits at once ("SaveClusterMetadata
    // encountered version mismatch"). So the first starts alone and the others once it listens (it has written the
    // metadata by then); one that lost all the same is started again once.
    const [first, ...rest] = TEMPORAL_SERVICES;
    services.push({ name: first, child: start(first), port: ports[first].grpc });
    await waitReady(services[0].child, `Temporal ${first}`, () => listens(ports[first].grpc), logOf(first));
    for (const name of rest) services.push({ name, child: start(name), port: ports[name].grpc });
    await new Promise((r) => setTimeout(r, 3000));
    for (const s of services)
      if (s.child.ended() !== null && /ClusterMetadata/.test(fs.readFileSync(logOf(s.name), 'utf8'))) {
        o.log(`Temporal ${s.name} lost the race to write the new cluster's metadata: started again`);
        s.child = start(s.name);
      }
    const frontend = services.find((s) => s.name === 'frontend')!;
    const frontendLog = logOf('frontend');
    await waitReady(frontend.child, 'the Temporal frontend', () => serves(address, 'temporal-system'), frontendLog);
    // A new cluster has no namespace but the system's: the CLI registers ours, once.
    const cli = temporalBinary();
    try {
      execFileSync(cli, ['operator', 'namespace', 'describe', '--address', address, '--namespace', o.namespace], { stdio: 'ignore' });
    } catch {
      execFileSync(cli, ['operator', 'namespace', 'create', '--address', address, '--namespace', o.namespace, '--retention', '72h'], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      o.log(`registered the namespace ${o.namespace}`);
    }
    await waitReady(frontend.child, `the namespace ${o.namespace}`, () => serves(address, o.namespace), frontendLog, 60_000);
    for (const s of services)
      if (s.child.ended() !== null) throw new Error(`Temporal ${s.name} ended (${s.child.ended()}):\n${fs.readFileSync(logOf(s.name), 'utf8').slice(-3000)}`);
  } catch (err) {
    await stop();
    throw err;
  }
  return { address, services, logDir, restart, stop };
}
