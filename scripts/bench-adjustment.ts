// npm run bench -- adjustment: a catalog adjustment of BENCH_ADJUST_ENTRIES changes (default 500) end to
// end through the API and a real worker: the POST (every change checked against the catalog), the
// reviewer's APPROVE (every change applied as a new version in one transaction), for changes of existing
// entries, new ones and removals; 50 share-attribute disputes raised and settled by agreement; 30 share requests
// refused and their refusal disputes settled by agreement in consultation (each ending in a grant); 50 open
// demands asked and answered; 50 withdrawals suspended and dismissed; 50 error reports of one entry corrected
// (each verification listing the entry's other reports) and the entry's reports listed; then an
// agency's catalog of BENCH_IMPORT_ROWS entries (default 5000) exported and imported back as CSV and XLSX.
// Uses its own database (BENCH_DATABASE_URL, recreated each run).
import { randomUUID } from 'node:crypto';
import ExcelJS from 'exceljs';
import { buildApp } from '../api/app';
import { signToken } from '../api/auth';
import { insertCatalogEntries } from '../db/repositories/catalog';
import { sampleEntryContent, seedCity } from '../db/seed';
import { DEFAULT_POLICIES } from '../domain/policies';
import type { Actor } from '../domain/types';
import { BENCH_DATABASE_URL, pct } from './bench-support';
import { startLocalStack } from './local-stack';

const N = Number(process.env.BENCH_ADJUST_ENTRIES ?? 500);
const IMPORT_ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 5000);
const IMPORT_CHANGED = 100;
const DISPUTES = 50;
const REFUSAL_DISPUTES = 30;

export async function benchAdjustment(): Promise<void> {
  const stack = await startLocalStack(BENCH_DATABASE_URL, `bench-adjust-${randomUUID().slice(0, 6)}`);
  const { db, client, taskQueue } = stack;
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
    console.log(
      `${label.padEnd(26)} | ${(bytes / 1024).toFixed(0).padStart(5)} KiB | POST ${post.toFixed(0).padStart(6)} ms | APPROVE (applied) ${approve.toFixed(0).padStart(6)} ms | total ${(post + approve).toFixed(0).padStart(6)} ms`,
    );
    return created.json().id as string;
  };
  console.log(`catalog adjustment of ${N} changes end to end (API in-process, one worker, Temporal dev server, PostgreSQL)`);
  // A warm-up of one change, then the measured ones.
  await measure('warm-up (1 change)', [{ op: 'change', entryId: ids[0], baseVersion: 1, entry: { ...content, title: '基准目录 0', description: 'warm-up' } }]);
  await measure(
    `${N} changes of entries`,
    ids.map((id, i) => ({ op: 'change', entryId: id, baseVersion: i === 0 ? 2 : 1, entry: { ...content, title: `基准目录 ${i}`, description: `修订 ${i}` } })),
  );
  const added = await measure(
    `${N} new entries`,
    ids.map((_, i) => ({ op: 'add', entry: { ...content, title: `新增目录 ${i}` } })),
  );
  await measure(
    `${N} removals`,
    ids.map((id, i) => ({ op: 'remove', entryId: id, baseVersion: i === 0 ? 3 : 2 })),
  );
  // The disputes below are on entries added by the adjustment above (removals leave the added ones).
  ids.splice(0, ids.length, ...Array.from({ length: N }, (_, i) => `${added}-${i + 1}`));

  // Share-attribute disputes (Art. 13 ¶3), one after another: the city authority raises one on an entry of
  // the market agency, the agency accepts; DISPUTES of them, each its own entry.
  const authority: Actor = { sub: 'bench-authority', org: city.cityAuthority, roles: ['authority_reviewer'] };
  const opinion: Actor = { sub: 'bench-opinion', org: city.agencies.market, roles: ['provider_reviewer'] };
  const raiseMs: number[] = [];
  const settleMs: number[] = [];
  for (let i = 1; i <= DISPUTES; i++) {
    const t0 = process.hrtime.bigint();
    const raised = await app.inject({
      method: 'POST',
      url: '/disputes',
      payload: { catalogEntryId: ids[i], proposal: { attribute: 'UNCONDITIONAL', reasons: null, conditions: null, basis: [] }, objection: 'bench' },
      headers: as(authority),
    });
    raiseMs.push(ms(t0));
    if (raised.statusCode !== 201) throw new Error(`POST /disputes answered ${raised.statusCode}: ${raised.body.slice(0, 300)}`);
    const t1 = process.hrtime.bigint();
    const settled = await app.inject({
      method: 'POST',
      url: `/tasks/${raised.json().tasks[0].id}/complete`,
      payload: { decision: 'ACCEPT' },
      headers: as(opinion),
    });
    settleMs.push(ms(t1));
    if (settled.json().status !== 'settled') throw new Error(`ACCEPT answered ${settled.statusCode}: ${settled.body.slice(0, 300)}`);
  }
  const p = (xs: number[], q: number) =>
    pct(
      [...xs].sort((a, b) => a - b),
      q,
    ).toFixed(0);
  console.log(
    `${DISPUTES} disputes raised and settled by agreement, one after another: raise p50 ${p(raiseMs, 50)} ms p95 ${p(raiseMs, 95)} ms; ACCEPT (published) p50 ${p(settleMs, 50)} ms p95 ${p(settleMs, 95)} ms`,
  );

  // Refusal disputes (条例, issue 24 §3), one after another: a share request of the market agency for the health
  // commission's conditional entry, refused (the provider disagrees, the city authority rejects, each citing a law),
  // disputed by the applicant; the provider's consultation turn accepts the applicant's position and the grant is made.
  const provider: Actor = { sub: 'bench-health-review', org: city.agencies.health, roles: ['provider_reviewer'] };
  const basis = [{ level: 'law', title: '中华人民共和国个人信息保护法', article: '第十三条' }];
  // The open task of `kind` on request `id` in `actor`'s inbox, once the workflow has opened it.
  const openTask = async (actor: Actor, id: string, kind: string): Promise<string> => {
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
      const items = (await app.inject({ method: 'GET', url: `/tasks?kind=${kind}`, headers: as(actor) })).json().items as { id: string; requestId: string }[];
      const task = items?.find((t) => t.requestId === id);
      if (task) return task.id;
    }
    throw new Error(`no open ${kind} on ${id} for ${actor.sub}`);
  };
  const complete = async (actor: Actor, task: string, payload: object, status?: string) => {
    const res = await app.inject({ method: 'POST', url: `/tasks/${task}/complete`, payload, headers: as(actor) });
    if (res.statusCode !== 200 || (status && res.json().status !== status))
      throw new Error(`${JSON.stringify(payload).slice(0, 40)} answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
    return res.json();
  };
  const refusalStartMs: number[] = [];
  const refusalGrantMs: number[] = [];
  for (let i = 0; i < REFUSAL_DISPUTES; i++) {
    const asked = await app.inject({
      method: 'POST',
      url: '/share-requests',
      payload: {
        catalogEntryId: city.entries.conditional,
        scenario: `bench ${i}`,
        statutoryDuty: 'bench',
        commitment: { authenticity: true, compliance: true, security: true },
      },
      headers: as(applicant),
    });
    if (asked.statusCode !== 201) throw new Error(`POST /share-requests answered ${asked.statusCode}: ${asked.body.slice(0, 300)}`);
    const shareRequestId = asked.json().id as string;
    await complete(provider, await openTask(provider, shareRequestId, 'SHARE_PROVIDER_OPINION'), { decision: 'DISAGREE', reason: 'bench', form: { basis } });
    await complete(
      authority,
      await openTask(authority, shareRequestId, 'SHARE_JOINT_REVIEW'),
      { decision: 'REJECT', reason: 'bench', form: { basis } },
      'rejected',
    );
    const t0 = process.hrtime.bigint();
    const raised = await app.inject({ method: 'POST', url: '/refusal-disputes', payload: { shareRequestId, reason: 'bench' }, headers: as(applicant) });
    refusalStartMs.push(ms(t0));
    if (raised.statusCode !== 201) throw new Error(`POST /refusal-disputes answered ${raised.statusCode}: ${raised.body.slice(0, 300)}`);
    const turn = await openTask(provider, raised.json().id, 'REFUSAL_DISPUTE_CONSULTATION');
    const t1 = process.hrtime.bigint();
    const settled = await complete(provider, turn, { decision: 'ACCEPT' }, 'granted');
    refusalGrantMs.push(ms(t1));
    if (settled.grant?.status !== 'active') throw new Error(`ACCEPT made no grant: ${JSON.stringify(settled).slice(0, 300)}`);
  }
  console.log(
    `${REFUSAL_DISPUTES} refusal disputes raised and settled by agreement, one after another: dispute p50 ${p(refusalStartMs, 50)} ms p95 ${p(refusalStartMs, 95)} ms; ACCEPT (granted) p50 ${p(refusalGrantMs, 50)} ms p95 ${p(refusalGrantMs, 95)} ms`,
  );

  // Open demands (Art. 21 ¶1), one after another: a citizen asks, the agency answers with a plan.
  const citizen: Actor = { sub: 'bench-citizen', org: 'public', roles: ['public_applicant'] };
  const demandMs: number[] = [];
  const answerMs: number[] = [];
  for (let i = 0; i < DISPUTES; i++) {
    const t0 = process.hrtime.bigint();
    const asked = await app.inject({
      method: 'POST',
      url: '/open-demands',
      payload: { catalogEntryId: ids[i], description: 'bench', purpose: 'bench' },
      headers: as(citizen),
    });
    demandMs.push(ms(t0));
    if (asked.statusCode !== 201) throw new Error(`POST /open-demands answered ${asked.statusCode}: ${asked.body.slice(0, 300)}`);
    const t1 = process.hrtime.bigint();
    const answered = await app.inject({
      method: 'POST',
      url: `/tasks/${asked.json().tasks[0].id}/complete`,
      payload: { decision: 'PLAN', reason: 'bench' },
      headers: as(opinion),
    });
    answerMs.push(ms(t1));
    if (answered.json().status !== 'answered') throw new Error(`PLAN answered ${answered.statusCode}: ${answered.body.slice(0, 300)}`);
  }
  console.log(
    `${DISPUTES} open demands asked and answered, one after another: ask p50 ${p(demandMs, 50)} ms p95 ${p(demandMs, 95)} ms; PLAN p50 ${p(answerMs, 50)} ms p95 ${p(answerMs, 95)} ms`,
  );

  // Withdrawals of opened data (Art. 21 ¶2), one after another: a citizen asks, the agency suspends the
  // entry's openness at once, then dismisses (the suspension lifted): three writes of the catalog each.
  const withdrawMs: number[] = [];
  const suspendMs: number[] = [];
  const dismissMs: number[] = [];
  const market: Actor = { sub: 'bench-market-review', org: city.agencies.market, roles: ['provider_reviewer'] };
  for (let i = 0; i < DISPUTES; i++) {
    const t0 = process.hrtime.bigint();
    const asked = await app.inject({
      method: 'POST',
      url: '/withdrawals',
      payload: { catalogEntryId: city.entries.unconditional, right: 'bench', reasons: 'bench' },
      headers: as(citizen),
    });
    withdrawMs.push(ms(t0));
    if (asked.statusCode !== 201) throw new Error(`POST /withdrawals answered ${asked.statusCode}: ${asked.body.slice(0, 300)}`);
    const t1 = process.hrtime.bigint();
    const suspended = await app.inject({
      method: 'POST',
      url: `/tasks/${asked.json().tasks[0].id}/complete`,
      payload: { decision: 'SUSPEND', reason: 'bench' },
      headers: as(market),
    });
    suspendMs.push(ms(t1));
    const next = suspended.json().tasks.find((t: { status: string }) => t.status === 'open');
    const t2 = process.hrtime.bigint();
    const dismissed = await app.inject({
      method: 'POST',
      url: `/tasks/${next.id}/complete`,
      payload: { decision: 'DISMISS', reason: 'bench' },
      headers: as(market),
    });
    dismissMs.push(ms(t2));
    if (dismissed.json().status !== 'dismissed') throw new Error(`DISMISS answered ${dismissed.statusCode}: ${dismissed.body.slice(0, 300)}`);
  }
  console.log(
    `${DISPUTES} withdrawals asked, suspended and dismissed, one after another: ask p50 ${p(withdrawMs, 50)} ms; SUSPEND p50 ${p(suspendMs, 50)} ms p95 ${p(suspendMs, 95)} ms; DISMISS p50 ${p(dismissMs, 50)} ms p95 ${p(dismissMs, 95)} ms`,
  );

  // Error reports (Art. 11), one after another, all of one entry: a citizen reports, the agency corrects; each
  // verification task lists the entry's other reports (up to 20), so the start reads them as it opens.
  const reportMs: number[] = [];
  const correctMs: number[] = [];
  for (let i = 0; i < DISPUTES; i++) {
    const t0 = process.hrtime.bigint();
    const reported = await app.inject({
      method: 'POST',
      url: '/corrections',
      payload: { catalogEntryId: city.entries.unconditional, items: ['name'], problem: `bench ${i}` },
      headers: as(citizen),
    });
    reportMs.push(ms(t0));
    if (reported.statusCode !== 201) throw new Error(`POST /corrections answered ${reported.statusCode}: ${reported.body.slice(0, 300)}`);
    const t1 = process.hrtime.bigint();
    const corrected = await app.inject({
      method: 'POST',
      url: `/tasks/${reported.json().tasks[0].id}/complete`,
      payload: { decision: 'CORRECTED', form: { corrected: 'bench' } },
      headers: as(market),
    });
    correctMs.push(ms(t1));
    if (corrected.json().status !== 'upheld') throw new Error(`CORRECTED answered ${corrected.statusCode}: ${corrected.body.slice(0, 300)}`);
  }
  const listMs: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = process.hrtime.bigint();
    const listed = await app.inject({ method: 'GET', url: `/catalog/${city.entries.unconditional}/corrections?limit=100`, headers: as(market) });
    listMs.push(ms(t0));
    if (listed.json().items?.length !== DISPUTES) throw new Error(`GET /catalog/:id/corrections answered ${listed.statusCode}: ${listed.body.slice(0, 300)}`);
  }
  console.log(
    `${DISPUTES} error reports of one entry reported and corrected, one after another: report p50 ${p(reportMs, 50)} ms p95 ${p(reportMs, 95)} ms; CORRECTED p50 ${p(correctMs, 50)} ms p95 ${p(correctMs, 95)} ms; the entry's ${DISPUTES} reports listed p50 ${p(listMs, 50)} ms`,
  );

  // A spreadsheet import (domain/catalog-sheet.ts): the health commission's catalog of IMPORT_ROWS entries
  // exported, IMPORT_CHANGED rows edited, imported back as CSV and as XLSX (a dry run: read, compared, checked).
  const health: Actor = { sub: 'bench-health-officer', org: city.agencies.health, roles: ['agency_applicant'] };
  await insertCatalogEntries(
    db,
    Array.from({ length: IMPORT_ROWS }, (_, i) => ({
      id: `bench-health-${String(i).padStart(5, '0')}`,
      provider_org_id: city.agencies.health,
      title: `卫生目录 ${i}`,
      fields: JSON.stringify(content.fields),
      share_attribute: 'CONDITIONAL' as const,
      share_reasons: content.share.reasons,
      share_conditions: content.share.conditions,
      open_attribute: 'NONE' as const,
      open_basis: JSON.stringify(content.open.basis),
    })),
    'seed',
  );
  for (const format of ['csv', 'xlsx'] as const) {
    const t0 = process.hrtime.bigint();
    const exported = await app.inject({ method: 'GET', url: `/catalog/export?format=${format}&provider=${city.agencies.health}`, headers: as(health) });
    const exportMs = ms(t0);
    let file: Buffer;
    if (format === 'csv') {
      const lines = exported.body.split('\r\n');
      const col = lines[0]
        .replace(/^\ufeff/, '')
        .split(',')
        .indexOf('update_frequency');
      // Edit the update frequency of the first IMPORT_CHANGED entries (a cell without quotes in these rows).
      file = Buffer.from(
        lines
          .map((l, i) =>
            i >= 1 && i <= IMPORT_CHANGED
              ? l
                  .split(',')
                  .map((c, j) => (j === col ? '每周' : c))
                  .join(',')
              : l,
          )
          .join('\r\n'),
      );
    } else {
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(exported.rawPayload as unknown as ArrayBuffer);
      const ws = wb.worksheets[0];
      const col = (ws.getRow(1).values as string[]).indexOf('update_frequency');
      for (let r = 2; r <= IMPORT_CHANGED + 1; r++) ws.getRow(r).getCell(col).value = '每周';
      file = Buffer.from(await wb.xlsx.writeBuffer());
    }
    const t1 = process.hrtime.bigint();
    const imported = await app.inject({
      method: 'POST',
      url: '/catalog/adjustments/import',
      payload: { ground: 'correction', justification: 'bench import', format, file: file.toString('base64'), dryRun: true },
      headers: as(health),
    });
    const importMs = ms(t1);
    if (imported.statusCode !== 200 || imported.json().changed !== IMPORT_CHANGED)
      throw new Error(`import answered ${imported.statusCode}: ${imported.body.slice(0, 300)}`);
    console.log(
      `spreadsheet of ${IMPORT_ROWS} rows (${format}, ${(file.length / 1024).toFixed(0)} KiB): export ${exportMs.toFixed(0)} ms, import with ${IMPORT_CHANGED} changed rows ${importMs.toFixed(0)} ms (read, compared, checked)`,
    );
  }
  console.log(`worker heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB (bench process: API, worker and clients)`);

  await app.close();
  await stack.close();
}
