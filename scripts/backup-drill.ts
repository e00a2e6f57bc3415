// node scripts/run.js scripts/backup-drill.ts [-- --open N --granted N --agreements N --keep]: backup and restore
// tried on the cluster, the way docs/operations.md ("Backup and restore") says, with the figures it quotes. It starts
// `npm run cluster` on a fresh DATA_DIR, seeds a city, starts share requests (some left with the provider's opinion
// open, the rest decided to a grant that lives until its term) and open applications signed into agreements,
// measuring the three databases' sizes between the steps; lists the running workflows, stops the cluster, runs
// `npm run backup`, then `npm run restore` into a second fresh DATA_DIR, starts a cluster there, and shows every
// running workflow resumes: the same workflows running, each one's history replayed by a new worker (a query), every
// open opinion decided and the next step opened, the audit trail intact. Not part of the test suite (minutes long).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { sql } from 'kysely';
import { createDb, dropDatabase, type Db } from '../db';
import { seedCity, type SeededCity } from '../db/seed';
import {
  arg,
  byType,
  clusterEnv,
  decide,
  delta,
  drivePeople,
  grantShare,
  grew,
  http,
  openTask,
  openTasks,
  pool,
  registerCitizen,
  ROOT,
  runningWorkflows,
  SEP,
  signAgreement,
  sizes,
  runCluster,
  startShare,
  stopCluster,
  urlOf,
  type ClusterRun,
} from './cluster-drive';
import { clusterDatabases } from './temporal-cluster';

async function main() {
  const OPEN = arg('open', 40);
  const GRANTED = arg('granted', 40);
  const AGREEMENTS = arg('agreements', 10);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pdw-backup-drill-'));
  const [dirA, dirB, backupDir] = ['a', 'b', 'backup'].map((d) => path.join(work, d));
  const log = (s: string) => console.log(`[drill] ${s}`);
  const dropped: string[] = [];
  let cluster: ClusterRun | null = null;
  try {
    cluster = await runCluster(dirA);
    log(`cluster A up in ${cluster.seconds.toFixed(0)} s: ${Object.values(cluster.databases).join(', ')}`);
    dropped.push(...Object.values(cluster.databases));
    const [a, b] = cluster.apis.map(http);
    let db: Db = createDb(urlOf(cluster.databases.app), 2);
    const city: SeededCity = await seedCity(db, 'drill', 'drill');
    const { applicant } = drivePeople(city);
    const auditCount = async () => Number((await sql<{ n: string }>`select count(*) as n from audit_events`.execute(db)).rows[0].n);

    const before = await sizes(cluster);
    const audit0 = await auditCount();
    // Share requests, each left with the provider's opinion open: a running workflow with one open task.
    const shares: string[] = [];
    let began = Date.now();
    await pool(Array.from({ length: OPEN + GRANTED }), async (_, i) => {
      shares[i] = await startShare(i % 2 ? b : a, city);
    });
    const started = await sizes(cluster);
    const audit1 = await auditCount();
    log(`${OPEN + GRANTED} share requests started, each with its opinion open, in ${((Date.now() - began) / 1000).toFixed(0)} s`);

    // GRANTED of them decided to a grant: the provider agrees, the authority approves, the provider delivers, the applicant confirms.
    began = Date.now();
    await pool(shares.slice(OPEN), (id, i) => grantShare(i % 2 ? a : b, city, id));
    const decided = await sizes(cluster);
    const audit2 = await auditCount();
    const decisions = GRANTED * 4;
    log(`${GRANTED} of them decided to a grant (${decisions} decisions) in ${((Date.now() - began) / 1000).toFixed(0)} s`);

    // Open applications approved, signed and countersigned: agreements in force until their term.
    await registerCitizen(a, city);
    await pool(Array.from({ length: AGREEMENTS }), async (_, i) => {
      await signAgreement(i % 2 ? b : a, city);
    });
    log(`${AGREEMENTS} open applications signed into agreements`);

    const runningA = await runningWorkflows(cluster.temporal);
    const openA = await openTasks(db);
    log(`running on A: ${runningA.size} workflows (${byType(runningA)}); ${openA} open tasks`);
    const historyOf = (ids: string[]) => {
      const runs = [...runningA].filter(([key]) => ids.some((id) => key.split(SEP)[0].endsWith(id))).map(([, w]) => w);
      const mean = (f: (w: { events: number; bytes: number }) => number) => runs.reduce((n, w) => n + f(w), 0) / (runs.length || 1);
      return `${runs.length} runs, ${mean((w) => w.events).toFixed(1)} events and ${(mean((w) => w.bytes) / 1024).toFixed(1)} kB of history each`;
    };
    const histories = { open: historyOf(shares.slice(0, OPEN)), granted: historyOf(shares.slice(OPEN)) };
    await db.destroy();

    let t = Date.now();
    await stopCluster(cluster);
    log(`cluster A stopped in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    cluster = null;

    t = Date.now();
    const backupOut = execFileSync('npm', ['run', '--silent', 'backup', '--', backupDir], { cwd: ROOT, env: clusterEnv(dirA), encoding: 'utf8' });
    const backupSeconds = (Date.now() - t) / 1000;
    process.stdout.write(backupOut);
    const { app, temporal, visibility } = clusterDatabases({ embedded: { postgres: true }, databaseUrl: '', dataDir: dirB });
    dropped.push(app, temporal, visibility);
    t = Date.now();
    const restoreOut = execFileSync('npm', ['run', '--silent', 'restore', '--', backupDir], { cwd: ROOT, env: clusterEnv(dirB), encoding: 'utf8' });
    const restoreSeconds = (Date.now() - t) / 1000;
    process.stdout.write(restoreOut);

    cluster = await runCluster(dirB);
    log(`cluster B up on the restored databases in ${cluster.seconds.toFixed(0)} s: ${Object.values(cluster.databases).join(', ')}`);
    const runningB = await runningWorkflows(cluster.temporal);
    const missing = [...runningA.keys()].filter((k) => !runningB.has(k));
    const extra = [...runningB.keys()].filter((k) => !runningA.has(k));
    db = createDb(urlOf(cluster.databases.app), 2);
    const openB = await openTasks(db);
    await db.destroy();
    log(`running on B: ${runningB.size} workflows (${byType(runningB)}); missing ${missing.length}, new ${extra.length}; ${openB} open tasks`);

    // Each running workflow's history replayed by one of B's workers: a query is answered only by a worker that has it.
    t = Date.now();
    const connection = await Connection.connect({ address: cluster.temporal });
    const client = new Client({ connection });
    let replayed = 0;
    const failedQueries: string[] = [];
    await pool([...runningB.keys()], async (key) => {
      const [workflowId, runId] = key.split(SEP);
      try {
        await client.workflow.getHandle(workflowId, runId).query('__stack_trace');
        replayed++;
      } catch (err) {
        failedQueries.push(`${key.replace(SEP, ' ')}: ${(err as Error).message}`);
      }
    });
    await connection.close();
    log(`${replayed} of ${runningB.size} running workflows answered a query on B (replayed by its workers) in ${((Date.now() - t) / 1000).toFixed(0)} s`);
    if (failedQueries.length) log(`unanswered: ${failedQueries.slice(0, 5).join('; ')}`);

    // Every opinion left open decided on B: the workflow takes it and opens the authority's review.
    const [a2] = cluster.apis.map(http);
    t = Date.now();
    await pool(shares.slice(0, OPEN), async (id) => {
      await decide(a2, applicant, id, 'SHARE_PROVIDER_OPINION', 'AGREE');
      await openTask(a2, applicant, id, 'SHARE_JOINT_REVIEW');
    });
    log(`${OPEN} opinions left open decided on B, each request's joint review opened, in ${((Date.now() - t) / 1000).toFixed(0)} s`);
    const verify = execFileSync('npm', ['run', '--silent', 'audit', '--', 'verify'], {
      cwd: ROOT,
      env: { ...clusterEnv(dirB), DATABASE_URL: urlOf(cluster.databases.app) },
      encoding: 'utf8',
    });
    log(`audit verify on B: ${verify.trim().split('\n').join(' / ')}`);

    const perWorkflow = delta(started, before);
    const perDecision = delta(decided, started);
    const kb = (n: number) => `${(n / 1024).toFixed(1)} kB`;
    const manifest = JSON.parse(fs.readFileSync(path.join(backupDir, 'manifest.json'), 'utf8')) as { databases: { name: string; bytes: number }[] };
    console.log(
      [
        '',
        `Backup drill (${OPEN + GRANTED} share requests, ${GRANTED} granted, ${AGREEMENTS} agreements):`,
        `  per running workflow started (one open task): app ${kb(perWorkflow.app / (OPEN + GRANTED))}, _temporal ${kb(perWorkflow.temporal / (OPEN + GRANTED))}, _visibility ${kb(perWorkflow.visibility / (OPEN + GRANTED))}; ${((audit1 - audit0) / (OPEN + GRANTED)).toFixed(1)} audit events each`,
        `    after VACUUM FULL: app ${kb(perWorkflow['app~'] / (OPEN + GRANTED))}, _temporal ${kb(perWorkflow['temporal~'] / (OPEN + GRANTED))}, _visibility ${kb(perWorkflow['visibility~'] / (OPEN + GRANTED))}`,
        `    grew most: ${grew(perWorkflow)}`,
        `  per decision (${decisions}): app ${kb(perDecision.app / decisions)}, _temporal ${kb(perDecision.temporal / decisions)}, _visibility ${kb(perDecision.visibility / decisions)}; ${((audit2 - audit1) / decisions).toFixed(1)} audit events each`,
        `    grew most: ${grew(perDecision)}`,
        `    after VACUUM FULL: app ${kb(perDecision['app~'] / decisions)}, _temporal ${kb(perDecision['temporal~'] / decisions)}, _visibility ${kb(perDecision['visibility~'] / decisions)}`,
        `  history: shares with the opinion open ${histories.open}; granted shares ${histories.granted}`,
        `  audit_events: ${audit2} rows, ${kb(decided['app~.audit_events'] / audit2)} per row (table, indexes and TOAST, after VACUUM FULL)`,
        `  databases at the backup: ${manifest.databases.map((d) => `${d.name} dump ${(d.bytes / 1e6).toFixed(2)} MB`).join(', ')}`,
        `  sizes after the grants (pg_database_size; after VACUUM FULL): app ${(decided.app / 1e6).toFixed(1)}; ${(decided['app~'] / 1e6).toFixed(1)} MB, _temporal ${(decided.temporal / 1e6).toFixed(1)}; ${(decided['temporal~'] / 1e6).toFixed(1)} MB, _visibility ${(decided.visibility / 1e6).toFixed(1)}; ${(decided['visibility~'] / 1e6).toFixed(1)} MB`,
        `  backup ${backupSeconds.toFixed(1)} s, restore ${restoreSeconds.toFixed(1)} s (npm included), cluster B start ${cluster.seconds.toFixed(0)} s`,
        `  running workflows: A ${runningA.size}, B ${runningB.size} (missing ${missing.length}, new ${extra.length}); replayed on B ${replayed}; open tasks A ${openA}, B ${openB}; open opinions decided on B ${OPEN}`,
        '',
      ].join('\n'),
    );
    await stopCluster(cluster);
    cluster = null;
    if (missing.length || failedQueries.length) process.exitCode = 1;
  } finally {
    if (cluster) await stopCluster(cluster).catch(() => undefined);
    if (!process.argv.includes('--keep')) {
      for (const name of dropped) await dropDatabase(urlOf(name)).catch(() => undefined);
      fs.rmSync(work, { recursive: true, force: true });
    } else log(`kept ${work} and the databases ${dropped.join(', ')}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
