// npm run bench -- longlived: long-lived grants and agreements on the production topology (issue 27 §2). It starts
// `npm run cluster` (Temporal on PostgreSQL, three workers, two APIs) on a fresh DATA_DIR, grants BENCH_GRANTS share
// requests (each decided through both APIs as people decide them, then waiting on its term) and signs BENCH_AGREEMENTS
// open applications into agreements in force, sampling every worker's RSS throughout; reports the databases' growth
// per running workflow; then restarts the whole cluster (every worker) and reports the task queues' backlog after the
// restart, how long it takes to drain and what the workers spent meanwhile; last, a sample of the workflows answer a
// query (each replayed on demand by a new worker). The workers' sticky cache is WORKER_CACHED_WORKFLOWS (the
// environment's, or BENCH_CACHED). Minutes at the defaults; hours at the issue's 100,000.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { createDb, dropDatabase, type Db } from '../db';
import { seedCity } from '../db/seed';
import { pct } from './bench-support';
import {
  grantShare,
  http,
  pool,
  registerCitizen,
  sleep,
  signAgreement,
  sizes,
  runCluster,
  startShare,
  stopCluster,
  urlOf,
  type ClusterRun,
} from './cluster-drive';

const GRANTS = Number(process.env.BENCH_GRANTS ?? 300);
const AGREEMENTS = Number(process.env.BENCH_AGREEMENTS ?? 30);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 16);
const TASK_QUEUE = process.env.TASK_QUEUE ?? 'public-data-workflows';
const SAMPLE_QUERIES = 100;

const log = (s: string) => console.log(`[longlived] ${s}`);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** A process's resident set (bytes) and CPU time so far (ms); zeros once it has ended. */
function processNow(pid: number): { rss: number; cpuMs: number } {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { rss: Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024, cpuMs: (Number(f[11]) + Number(f[12])) * 10 };
  } catch {
    return { rss: 0, cpuMs: 0 };
  }
}

/** Samples each worker's RSS every 2 s until stopped: the series of each. */
function sampleRss(pids: number[]) {
  const series = pids.map(() => [] as number[]);
  const timer = setInterval(() => pids.forEach((pid, i) => series[i].push(processNow(pid).rss)), 2000);
  return {
    series,
    stop: () => clearInterval(timer),
    /** Each worker's RSS as max, and mean of the first and of the last fifth of the samples (flat: the two alike). */
    describe: () =>
      series
        .map((s, i) => {
          const fifth = Math.max(1, Math.floor(s.length / 5));
          const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / (xs.length || 1);
          return `worker ${i + 1} max ${mib(Math.max(...s, 0))} (first fifth ${mib(mean(s.slice(0, fifth)))}, last fifth ${mib(mean(s.slice(-fifth)))})`;
        })
        .join('; '),
  };
}

/** The task queue's backlog of workflow and of activity tasks (Temporal's approximate counts). */
async function backlog(client: Client): Promise<{ workflow: number; activity: number }> {
  const count = async (taskQueueType: temporal.api.enums.v1.TaskQueueType) =>
    Number(
      (await client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: TASK_QUEUE }, taskQueueType, reportStats: true })).stats
        ?.approximateBacklogCount ?? 0,
    );
  return {
    workflow: await count(temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW),
    activity: await count(temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY),
  };
}

const running = (client: Client, type: string) => client.workflow.count(`ExecutionStatus="Running" AND WorkflowType="${type}"`).then((c) => c.count);

export async function benchLongLived(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pdw-longlived-'));
  const env = process.env.BENCH_CACHED ? { WORKER_CACHED_WORKFLOWS: process.env.BENCH_CACHED } : {};
  let cluster: ClusterRun | null = await runCluster(work, env);
  const databases = Object.values(cluster.databases);
  try {
    log(
      `cluster up in ${cluster.seconds.toFixed(0)} s; workers ${cluster.workers.join(', ')}; sticky cache ${process.env.BENCH_CACHED ?? process.env.WORKER_CACHED_WORKFLOWS ?? 'the default'}`,
    );
    const db: Db = createDb(urlOf(cluster.databases.app), 2);
    const city = await seedCity(db, 'longlived', 'longlived');
    await db.destroy();
    const apis = cluster.apis.map(http);
    const before = await sizes(cluster);
    const rss = sampleRss(cluster.workers);
    const began = Date.now();
    let done = 0;
    const progress = () => {
      done++;
      if (done % Math.max(1, Math.floor((GRANTS + AGREEMENTS) / 10)) === 0)
        log(`${done} of ${GRANTS + AGREEMENTS} in ${((Date.now() - began) / 1000).toFixed(0)} s (${(done / ((Date.now() - began) / 1000)).toFixed(1)}/s)`);
    };
    // Started on one API and decided on the other, as the cluster test does.
    await pool(
      Array.from({ length: GRANTS }),
      async (_, i) => {
        const id = await startShare(apis[i % 2], city);
        await grantShare(apis[(i + 1) % 2], city, id);
        progress();
      },
      IN_FLIGHT,
    );
    await registerCitizen(apis[0], city);
    await pool(
      Array.from({ length: AGREEMENTS }),
      async (_, i) => {
        await signAgreement(apis[i % 2], city);
        progress();
      },
      IN_FLIGHT,
    );
    const seedSeconds = (Date.now() - began) / 1000;
    rss.stop();
    log(`${GRANTS} grants and ${AGREEMENTS} agreements in ${seedSeconds.toFixed(0)} s (${((GRANTS + AGREEMENTS) / seedSeconds).toFixed(1)}/s)`);
    log(`RSS while seeding: ${rss.describe()}`);

    let connection = await Connection.connect({ address: cluster.temporal });
    let client = new Client({ connection });
    const shares = await running(client, 'shareRequestWorkflow');
    const agreements = await running(client, 'openRequestWorkflow');
    await connection.close();
    const after = await sizes(cluster);
    const n = shares + agreements;
    const per = (role: string) =>
      `${((after[role] - before[`${role}~`]) / n / 1024).toFixed(1)} kB (${((after[`${role}~`] - before[`${role}~`]) / n / 1024).toFixed(1)} kB after VACUUM FULL)`;
    log(`running: ${shares} shareRequestWorkflow, ${agreements} openRequestWorkflow`);
    log(`PostgreSQL per running workflow: this project's ${per('app')}, _temporal ${per('temporal')}, _visibility ${per('visibility')}`);

    // Every worker restarted (the whole cluster, as after a host's reboot): idle workflows should cost nothing. The
    // backlog before it is the baseline (Temporal's count is approximate; the delivery's activities come and go).
    connection = await Connection.connect({ address: cluster.temporal });
    const baseline = await backlog(new Client({ connection }));
    await connection.close();
    let t = Date.now();
    await stopCluster(cluster);
    cluster = null;
    const stopSeconds = (Date.now() - t) / 1000;
    cluster = await runCluster(work, env);
    log(`cluster stopped in ${stopSeconds.toFixed(1)} s and up again in ${cluster.seconds.toFixed(0)} s`);
    const cpu0 = cluster.workers.map((pid) => processNow(pid).cpuMs);
    connection = await Connection.connect({ address: cluster.temporal });
    client = new Client({ connection });
    t = Date.now();
    const backlogs: { at: number; workflow: number; activity: number }[] = [];
    let quiet = 0;
    while (quiet < 5 && Date.now() - t < 300_000) {
      const b = await backlog(client);
      backlogs.push({ at: (Date.now() - t) / 1000, ...b });
      quiet = b.workflow + b.activity <= baseline.workflow + baseline.activity ? quiet + 1 : 0;
      await sleep(1000);
    }
    const first = backlogs[0];
    const drained = backlogs.find((b, i) => backlogs.slice(i).every((x) => x.workflow + x.activity <= baseline.workflow + baseline.activity));
    const peak = Math.max(...backlogs.map((b) => b.workflow + b.activity));
    const cpu = cluster.workers.map((pid, i) => processNow(pid).cpuMs - cpu0[i]);
    const rssAfter = cluster.workers.map((pid) => processNow(pid).rss);
    log(
      `after the restart: backlog at first look ${first.workflow} workflow + ${first.activity} activity tasks (before the stop ${baseline.workflow} + ${baseline.activity}), peak ${peak}, ` +
        `${drained ? `back to the baseline ${drained.at.toFixed(0)} s after the cluster was up` : 'not back to the baseline within 300 s'}; ` +
        `workers' CPU in the ${((Date.now() - t) / 1000).toFixed(0)} s since: ${cpu.map((c) => `${(c / 1000).toFixed(1)} s`).join(', ')}; RSS ${rssAfter.map(mib).join(', ')}`,
    );

    // A sample of them replayed on demand: a query is answered only by a worker that has (or rebuilds) the workflow.
    const ids: string[] = [];
    for await (const w of client.workflow.list({ query: 'ExecutionStatus="Running" AND WorkflowType="shareRequestWorkflow"' })) {
      ids.push(w.workflowId);
      if (ids.length === SAMPLE_QUERIES) break;
    }
    const times: number[] = [];
    await pool(ids, async (id) => {
      const q0 = Date.now();
      await client.workflow.getHandle(id).query('__stack_trace');
      times.push(Date.now() - q0);
    });
    times.sort((a, b) => a - b);
    log(`${times.length} granted shares queried after the restart (each replayed by a new worker): p50 ${pct(times, 50)} ms, p99 ${pct(times, 99)} ms`);
    await connection.close();
    console.log(
      [
        '',
        `Long-lived workflows on npm run cluster (3 workers, 2 APIs; sticky cache ${process.env.BENCH_CACHED ?? process.env.WORKER_CACHED_WORKFLOWS ?? 'default'}), load ${os.loadavg()[0].toFixed(1)}:`,
        `  seeded ${GRANTS} grants + ${AGREEMENTS} agreements in ${seedSeconds.toFixed(0)} s; running ${n}`,
        `  worker RSS while seeding: ${rss.describe()}`,
        `  per running workflow: app ${per('app')}, _temporal ${per('temporal')}, _visibility ${per('visibility')}`,
        `  restart: backlog before the stop ${baseline.workflow + baseline.activity}, first look after ${first.workflow + first.activity}, peak ${peak}, back to the baseline ${drained ? `${drained.at.toFixed(0)} s after up` : 'no'}; worker CPU ${cpu.map((c) => `${(c / 1000).toFixed(1)} s`).join(', ')}; RSS after ${rssAfter.map(mib).join(', ')}`,
        `  query after restart (replay on demand): p50 ${pct(times, 50)} ms, p99 ${pct(times, 99)} ms over ${times.length}`,
      ].join('\n'),
    );
  } finally {
    if (cluster) await stopCluster(cluster).catch(() => undefined);
    if (!process.env.BENCH_KEEP) {
      for (const name of databases) await dropDatabase(urlOf(name)).catch(() => undefined);
      fs.rmSync(work, { recursive: true, force: true });
    } else log(`kept ${work} and the databases ${databases.join(', ')}`);
  }
}
