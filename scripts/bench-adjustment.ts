// npm run bench -- adjustment: a catalog adjustment of BENCH_ADJUST_ENTRIES changes (default 500) end to
// end through the API and a real worker: the POST (every change checked against the catalog), the
// reviewer's APPROVE (every change applied as a new version in one transaction), for changes of
// existing entries and for new ones. Uses its own database (BENCH_DATABASE_URL, recreated each run).
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { buildApp } from '../api/app';
import { signToken } from '../api/auth';
import { createDb, recreateDatabase } from '../db';
import { insertCatalogEntries } from '../db/repositories/catalog';
import { sampleEntryContent, seedCity } from '../db/seed';
import { DEFAULT_SHARE_POLICY } from '../domain/share';
import type { Actor } from '../domain/types';
import { createWorker } from '../worker';
import { BENCH_DATABASE_URL } from './bench-support';
import { startTemporalDevServer } from './temporal-dev-server';

const N = Number(process.env.BENCH_ADJUST_ENTRIES ?? 500);

export async function benchAdjustment(): Promise<void> {
  await recreateDatabase(BENCH_DATABASE_URL);
  const db = createDb(BENCH_DATABASE_URL, 10);
  const server = process.env.TEMPORAL_ADDRESS ? null : await startTemporalDevServer();
  const address = process.env.TEMPORAL_ADDRESS ?? server!.address;
  const taskQueue = `bench-adjust-${randomUUID().slice(0, 6)}`;
  const native = await NativeConnection.connect({ address });
  const worker = await createWorker({ connection: native, taskQueue, db });
  const running = worker.run();
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const city = await seedCity(db, 'bench', 'bench');
  const app = await buildApp({ db, temporal: client, taskQueue, jwtSecret: 'bench-secret-0123456789-0123456789-xyz', sharePolicy: DEFAULT_SHARE_POLICY, engineTimeoutMs: 120_000 });
  await app.ready();
  const as = (a: Actor) => ({ authorization: `Bearer ${signToken(app, a)}` });
  const applicant: Actor = { sub: 'bench-officer', org: city.agencies.market, roles: ['agency_applicant'] };
  const reviewer: Actor = { sub: 'bench-reviewer', org: city.cityAuthority, roles: ['authority_reviewer'] };

  const content = sampleEntryContent('bench');
  const ids = Array.from({ length: N }, (_, i) => `bench-entry-${String(i).padStart(5, '0')}`);
  await insertCatalogEntries(
    db,
    ids.map((id, i) => ({
      id,
      provider_org_id: city.agencies.market,
      title: `基准目录 ${i}`,
      fields: JSON.stringify(content.fields),
      share_attribute: 'CONDITIONAL',
      share_reasons: content.share.reasons,
      share_conditions: content.share.conditions,
      open_attribute: 'NONE',
      open_basis: JSON.stringify(content.open.basis),
    })),
    'seed',
  );

  const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
  const measure = async (label: string, changes: object[]) => {
    const body = { ground: 'correction', justification: `bench ${label}`, changes };
    const bytes = Buffer.byteLength(JSON.stringify(body));
    const t0 = process.hrtime.bigint();
    const created = await app.inject({ method: 'POST', url: '/catalog/adjustments', payload: body, headers: as(applicant) });
    const post = ms(t0);
    if (created.statusCode !== 201) throw new Error(`POST answered ${created.statusCode}: ${created.body.slice(0, 500)}`);
    const task = created.json().tasks[0].id as string;
    const t1 = process.hrtime.bigint();
    const approved = await app.inject({ method: 'POST', url: `/tasks/${task}/complete`, payload: { decision: 'APPROVE' }, headers: as(reviewer) });
    const approve = ms(t1);
    if (approved.json().status !== 'approved') throw new Error(`APPROVE answered ${approved.statusCode}: ${approved.body.slice(0, 500)}`);
    console.log(`${label.padEnd(26)} | ${(bytes / 1024).toFixed(0).padStart(5)} KiB | POST ${post.toFixed(0).padStart(6)} ms | APPROVE (applied) ${approve.toFixed(0).padStart(6)} ms | total ${(post + approve).toFixed(0).padStart(6)} ms`);
  };
  console.log(`catalog adjustment of ${N} changes end to end (API in-process, one worker, Temporal dev server, PostgreSQL)`);
  // A warm-up of one change, then the measured ones.
  await measure('warm-up (1 change)', [{ op: 'change', entryId: ids[0], baseVersion: 1, entry: { ...content, title: '基准目录 0', description: 'warm-up' } }]);
  await measure(`${N} changes of entries`, ids.map((id, i) => ({ op: 'change', entryId: id, baseVersion: i === 0 ? 2 : 1, entry: { ...content, title: `基准目录 ${i}`, description: `修订 ${i}` } })));
  await measure(`${N} new entries`, ids.map((_, i) => ({ op: 'add', entry: { ...content, title: `新增目录 ${i}` } })));
  await measure(`${N} removals`, ids.map((id, i) => ({ op: 'remove', entryId: id, baseVersion: i === 0 ? 3 : 2 })));
  console.log(`worker heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB (bench process: API, worker and clients)`);

  await app.close();
  worker.shutdown();
  await running;
  await native.close();
  await connection.close();
  await db.destroy();
  await server?.stop();
}
