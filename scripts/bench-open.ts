// npm run bench -- open: conditional open applications end to end through the API and a real worker (Art. 20):
// BENCH_OPEN_APPLICATIONS (default 50) applications, one after another, each applied for, approved, signed and
// countersigned (the authority told); then BENCH_AGREEMENTS (default 1000) agreements in force on one entry,
// made 8 at a time, and a withdrawal upheld for that entry (Art. 21): the time until every agreement is
// terminated through its own workflow, and whether any was missed. Uses its own database (BENCH_DATABASE_URL).
// BENCH_WORKERS (default 1) workers poll the task queue, the extra ones in this process too (as many as a
// deployment's, sharing the withdrawal's batches of signals and the agreements' ends; on one machine they share its cores).
import { randomUUID } from 'node:crypto';
import { NativeConnection } from '@temporalio/worker';
import { buildApp } from '../api/app';
import { signToken } from '../api/auth';
import { sampleResidentId, seedCity } from '../db/seed';
import { DEFAULT_POLICIES } from '../domain/policies';
import type { Actor } from '../domain/types';
import { BENCH_DATABASE_URL, pct } from './bench-support';
import { startLocalStack } from './local-stack';
import { createWorker } from '../worker';

const APPLICATIONS = Number(process.env.BENCH_OPEN_APPLICATIONS ?? 50);
const AGREEMENTS = Number(process.env.BENCH_AGREEMENTS ?? 1000);
const IN_FLIGHT = 8;
const WORKERS = Math.max(1, Number(process.env.BENCH_WORKERS ?? 1));

export async function benchOpen(): Promise<void> {
  const stack = await startLocalStack(BENCH_DATABASE_URL, `bench-open-${randomUUID().slice(0, 6)}`);
  const { db, client, taskQueue } = stack;
  const extra = await Promise.all(
    Array.from({ length: WORKERS - 1 }, async () => {
      const connection = await NativeConnection.connect({ address: stack.address });
      const worker = await createWorker({ connection, taskQueue, db });
      return { worker, connection, running: worker.run() };
    }),
  );
  const city = await seedCity(db, 'bench', 'bench');
  const app = await buildApp({
    db,
    temporal: client,
    taskQueue,
    jwtSecret: 'bench-secret-0123456789-0123456789-xyz',
    policies: DEFAULT_POLICIES,
    engineTimeoutMs: 120_000,
  });
  await app.ready();
  const as = (a: Actor) => ({ authorization: `Bearer ${signToken(app, a)}` });
  const resources: Actor = { sub: 'bench-resources', org: city.agencies.resources, roles: ['provider_reviewer'] };
  const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
  const call = async (actor: Actor, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => {
    const res = await app.inject({ method, url, payload, headers: as(actor) });
    if (res.statusCode >= 300) throw new Error(`${method} ${url} answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
    return res.json();
  };
  const body = {
    catalogEntryId: city.entries.conditionalOpen,
    purpose: 'bench',
    scenario: 'bench',
    accessMethod: 'api',
    securityMeasures: 'bench',
    termMonths: 12,
  };

  /** One application to an agreement in force; the time of each step. */
  async function applyAndSign(citizen: Actor, catalogEntryId = city.entries.conditionalOpen, agency = resources) {
    const steps: Record<'register' | 'apply' | 'approve' | 'read' | 'sign' | 'countersign', number> = {
      register: 0,
      apply: 0,
      approve: 0,
      read: 0,
      sign: 0,
      countersign: 0,
    };
    let t = process.hrtime.bigint();
    await call(citizen, 'PUT', '/principals/me', { kind: 'natural', name: citizen.sub, residentId: sampleResidentId(citizen.sub) });
    steps.register = ms(t);
    t = process.hrtime.bigint();
    const applied = await call(citizen, 'POST', '/open-requests', { ...body, catalogEntryId });
    steps.apply = ms(t);
    t = process.hrtime.bigint();
    const approved = await call(agency, 'POST', `/tasks/${applied.tasks[0].id}/complete`, { decision: 'APPROVE' });
    steps.approve = ms(t);
    t = process.hrtime.bigint();
    const agreement = await call(citizen, 'GET', `/agreements/${approved.outcome.agreementId}`);
    steps.read = ms(t);
    const signTask = approved.tasks.find((x: { kind: string }) => x.kind === 'AGREEMENT_SIGNATURE').id;
    t = process.hrtime.bigint();
    const signed = await call(citizen, 'POST', `/tasks/${signTask}/complete`, { decision: 'SIGN', form: { sha256: agreement.sha256 } });
    steps.sign = ms(t);
    const counterTask = signed.tasks.find((x: { kind: string }) => x.kind === 'AGREEMENT_COUNTERSIGNATURE').id;
    t = process.hrtime.bigint();
    const inForce = await call(agency, 'POST', `/tasks/${counterTask}/complete`, { decision: 'SIGN', form: { sha256: agreement.sha256 } });
    steps.countersign = ms(t);
    if (inForce.status !== 'granted') throw new Error(`countersignature answered ${inForce.status}`);
    return { steps, requestId: applied.id as string };
  }

  const p = (xs: number[], q: number) =>
    pct(
      [...xs].sort((a, b) => a - b),
      q,
    ).toFixed(0);
  console.log(
    `conditional open applications end to end (API in-process, ${WORKERS === 1 ? 'one worker' : `${WORKERS} workers`}, Temporal dev server, PostgreSQL)`,
  );
  await applyAndSign({ sub: 'bench-warmup', org: 'public', roles: ['public_applicant'] });
  const runs: Awaited<ReturnType<typeof applyAndSign>>['steps'][] = [];
  for (let i = 0; i < APPLICATIONS; i++) runs.push((await applyAndSign({ sub: `bench-citizen-${i}`, org: 'public', roles: ['public_applicant'] })).steps);
  const col = (k: keyof (typeof runs)[number]) =>
    `${k} p50 ${p(
      runs.map((r) => r[k]),
      50,
    )} / p95 ${p(
      runs.map((r) => r[k]),
      95,
    )} ms`;
  const totals = runs.map((r) => r.apply + r.approve + r.read + r.sign + r.countersign);
  console.log(
    `${APPLICATIONS} applications to signed agreements, one after another: ${(['register', 'apply', 'approve', 'read', 'sign', 'countersign'] as const).map(col).join('; ')}`,
  );
  console.log(`application to agreement in force (five calls after registering): p50 ${p(totals, 50)} ms, p95 ${p(totals, 95)} ms`);

  // The cascade: AGREEMENTS agreements in force on the health commission's conditionally open entry.
  const entry = city.entries.conditional;
  const health: Actor = { sub: 'bench-health', org: city.agencies.health, roles: ['provider_reviewer'] };
  const t0 = process.hrtime.bigint();
  let next = 0;
  const requestIds: string[] = [];
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < AGREEMENTS) {
        const i = next++;
        requestIds.push((await applyAndSign({ sub: `bench-licensee-${i}`, org: 'public', roles: ['public_applicant'] }, entry, health)).requestId);
      }
    }),
  );
  const madeS = ms(t0) / 1000;
  console.log(
    `${AGREEMENTS} agreements in force on one entry, ${IN_FLIGHT} at a time: ${madeS.toFixed(1)} s (${(AGREEMENTS / madeS).toFixed(1)} agreements/s)`,
  );

  const citizen: Actor = { sub: 'bench-withdrawer', org: 'public', roles: ['public_applicant'] };
  const withdrawal = await call(citizen, 'POST', '/withdrawals', { catalogEntryId: entry, right: 'bench', reasons: 'bench' });
  const t1 = process.hrtime.bigint();
  const upheld = await call(health, 'POST', `/tasks/${withdrawal.tasks[0].id}/complete`, { decision: 'UPHOLD', reason: 'bench', form: { scope: 'entry' } });
  const upholdMs = ms(t1);
  if (upheld.status !== 'upheld') throw new Error(`UPHOLD answered ${upheld.status}`);
  const living = () =>
    db
      .selectFrom('agreements')
      .select(db.fn.countAll<string>().as('n'))
      .where('catalog_entry_id', '=', entry)
      .where('status', '=', 'in_force')
      .executeTakeFirstOrThrow();
  for (const until = Date.now() + 600_000; Number((await living()).n) > 0 && Date.now() < until;) await new Promise((r) => setTimeout(r, 100));
  const cascadeS = ms(t1) / 1000;
  const ended = await db
    .selectFrom('agreements')
    .select(['status', db.fn.countAll<string>().as('n')])
    .where('catalog_entry_id', '=', entry)
    .groupBy('status')
    .execute();
  const revoked = await db
    .selectFrom('requests')
    .select(db.fn.countAll<string>().as('n'))
    .where('id', 'in', requestIds)
    .where('status', '=', 'revoked')
    .executeTakeFirstOrThrow();
  const audited = await db
    .selectFrom('audit_events')
    .select(db.fn.countAll<string>().as('n'))
    .where('request_id', 'in', requestIds)
    .where('action', '=', 'agreement_terminated')
    .executeTakeFirstOrThrow();
  const told = await db
    .selectFrom('notifications')
    .select(db.fn.countAll<string>().as('n'))
    .where('request_id', 'in', requestIds)
    .where('kind', '=', 'agreement_ended')
    .executeTakeFirstOrThrow();
  const missed = AGREEMENTS - Number(revoked.n);
  console.log(
    `withdrawal upheld for the entry: UPHOLD answered in ${upholdMs.toFixed(0)} ms; all ${AGREEMENTS} agreements terminated ${cascadeS.toFixed(1)} s after it, ${(AGREEMENTS / cascadeS).toFixed(1)} agreements/s ` +
      `(${ended.map((e) => `${e.status} ${e.n}`).join(', ')}; requests revoked ${revoked.n}, audit events ${audited.n}, agencies told ${told.n}; missed ${missed})`,
  );
  console.log(`worker heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB (bench process: API, worker and clients)`);
  await app.close();
  for (const w of extra) {
    w.worker.shutdown();
    await w.running;
    await w.connection.close();
  }
  await stack.close();
  if (missed !== 0) throw new Error(`${missed} agreements not terminated`);
}
