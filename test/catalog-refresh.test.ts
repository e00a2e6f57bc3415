// Data refreshes (Art. 10) and the evaluation's stale-entries figure (Art. 32): the providing agency records each
// update of an entry's data, idempotently (a retried key, twenty at once, the same day twice: one row, one audit
// event); the figure counts, per period, the entries whose last update before the end is older than their declared
// frequency allows, on the statutory calendar (a due day on a holiday or a weekend moves to the next working day),
// across month boundaries, drillable to the entries, in the export, and a late record revising a closed period's snapshot.
import { randomUUID } from 'node:crypto';
import { insertCatalogEntries } from '../db/repositories/catalog';
import type { Actor } from '../domain/types';
import { expectProblem, startApi, type Api } from './api-helpers';
import { startHarness, type Harness } from './helpers';

let h: Harness;
let api: Api;

beforeAll(async () => {
  h = await startHarness('refresh');
  api = await startApi(h);
});
afterAll(async () => {
  await api.app.close();
  await h.close();
});

// The land resources agency keeps the entries below; the market regulator's staff are another agency's.
const keeper = (): Actor => ({ sub: 'rf-gao', org: h.city.agencies.resources, roles: ['agency_applicant'] });
const reviewer = (): Actor => ({ sub: 'rf-fan', org: h.city.agencies.resources, roles: ['provider_reviewer'] });
const otherAgency = (): Actor => ({ sub: 'rf-li', org: h.city.agencies.market, roles: ['agency_applicant', 'provider_reviewer'] });
const citySupervisor = (): Actor => ({ sub: 'rf-sue', org: h.city.cityAuthority, roles: ['supervisor'] });
const citizen = (): Actor => ({ sub: 'rf-citizen', org: null, roles: ['public_applicant'] });
const call = (actor: Actor, method: 'GET' | 'POST', url: string, payload?: object, headers: Record<string, string> = {}) =>
  api.app.inject({ method, url, payload, headers: { ...api.as(actor), ...headers } });
const record = (entry: string, body: object, key?: string, actor: Actor = keeper()) =>
  call(actor, 'POST', `/catalog/${entry}/refreshes`, body, key ? { 'idempotency-key': key } : {});
const rows = (entry: string) => h.db.selectFrom('catalog_refreshes').selectAll().where('entry_id', '=', entry).execute();
const auditsOf = (ids: string[]) =>
  h.db
    .selectFrom('audit_events')
    .select(['event_key', 'actor_sub', 'article', 'new_value'])
    .where('action', '=', 'catalog_refresh_recorded')
    .where(
      'event_key',
      'in',
      ids.map((id) => `catalog_refresh:${id}`),
    )
    .execute();

/** An entry of the land resources agency, first published on `published` (Asia/Shanghai morning), as the version says. */
async function entry(name: string, frequency: string, published: string, attributes: { share?: string; open?: string } = {}) {
  const id = `${h.city.region}-${name}-${randomUUID().slice(0, 4)}`;
  const share = attributes.share ?? 'UNCONDITIONAL';
  const basis = JSON.stringify([{ level: 'law', title: '中华人民共和国个人信息保护法', article: '第十三条' }]);
  await insertCatalogEntries(
    h.db,
    [
      {
        id,
        provider_org_id: h.city.agencies.resources,
        title: `测试目录${name}`,
        fields: JSON.stringify([{ name: 'parcel', label: '宗地编号', type: 'string', description: '', identifies: null }]),
        update_frequency: frequency,
        share_attribute: share as 'UNCONDITIONAL',
        ...(share === 'NONE' ? { share_basis: basis } : {}),
        open_attribute: (attributes.open ?? 'NONE') as 'NONE',
        open_basis: basis,
      },
    ],
    'test',
  );
  await h.db
    .updateTable('catalog_entry_versions')
    .set({ created_at: `${published}T09:00:00+08:00` })
    .where('entry_id', '=', id)
    .execute();
  return id;
}

test('the providing agency records a refresh; a retry, the same day again, and twenty at once add nothing; others may not', async () => {
  const e = await entry('idem', '每日', '2026-08-03');
  const first = await record(e, { dataUpdatedOn: '2026-09-30', note: '  全量更新  ' }, 'refresh-1');
  expect(first.statusCode).toBe(201);
  expect(first.json()).toMatchObject({
    entryId: e,
    dataUpdatedOn: '2026-09-30',
    note: '全量更新',
    recordedByOrg: h.city.agencies.resources,
    recordedBy: 'rf-gao',
  });
  // The retry answers the row as it stands; the key for another body is refused; the same day under another key is the same record.
  const retry = await record(e, { dataUpdatedOn: '2026-09-30', note: '全量更新' }, 'refresh-1');
  expect(retry.statusCode).toBe(200);
  expect(retry.json().id).toBe(first.json().id);
  expectProblem(await record(e, { dataUpdatedOn: '2026-10-09' }, 'refresh-1'), 409);
  const sameDay = await record(e, { dataUpdatedOn: '2026-09-30' }, undefined, reviewer());
  expect(sameDay.statusCode).toBe(200);
  expect(sameDay.json().id).toBe(first.json().id);
  expect(await rows(e)).toHaveLength(1);

  // Twenty at once under one key: one row, one audit event, every answer naming it.
  const many = await Promise.all(Array.from({ length: 20 }, () => record(e, { dataUpdatedOn: '2026-10-09', note: '增量' }, 'refresh-burst')));
  expect(many.map((r) => r.statusCode).sort()).toEqual([...Array(19).fill(200), 201]);
  expect(new Set(many.map((r) => r.json().id)).size).toBe(1);
  // Twenty at once of another day under twenty keys (two staff members clicking): still one row for the day.
  const keys = await Promise.all(
    Array.from({ length: 20 }, (_, i) => record(e, { dataUpdatedOn: '2026-10-12' }, `refresh-day-${i}`, i % 2 ? keeper() : reviewer())),
  );
  expect(keys.filter((r) => r.statusCode === 201)).toHaveLength(1);
  expect(keys.every((r) => r.statusCode === 201 || r.statusCode === 200)).toBe(true);
  const stored = await rows(e);
  expect(stored.map((r) => r.data_updated_on).sort()).toEqual(['2026-09-30', '2026-10-09', '2026-10-12']);
  const audits = await auditsOf(stored.map((r) => r.id));
  expect(audits).toHaveLength(3);
  expect(audits.every((a) => a.article === 'Art. 10')).toBe(true);
  expect(audits.find((a) => a.event_key === `catalog_refresh:${first.json().id}`)?.new_value).toMatchObject({ entryId: e, dataUpdatedOn: '2026-09-30' });
  // Kept as recorded.
  await expect(h.db.updateTable('catalog_refreshes').set({ note: 'x' }).where('entry_id', '=', e).execute()).rejects.toThrow(/kept as recorded/);
  await expect(h.db.deleteFrom('catalog_refreshes').where('entry_id', '=', e).execute()).rejects.toThrow(/kept as recorded \(Art. 10\): DELETE refused/);

  // Another agency's staff, the authority, a member of the public: not theirs to record.
  for (const actor of [otherAgency(), citySupervisor(), citizen()]) expectProblem(await record(e, { dataUpdatedOn: '2026-10-13' }, undefined, actor), 403);
  // A day to come, a day that is none, a day before the entry was published; an entry that is none.
  const tomorrow = new Date(Date.now() + 8 * 3600_000 + 86_400_000).toISOString().slice(0, 10);
  expectProblem(await record(e, { dataUpdatedOn: tomorrow }), 400, 'body.dataUpdatedOn', 'not after today');
  expectProblem(await record(e, { dataUpdatedOn: '2026-02-30' }), 400, 'body.dataUpdatedOn', 'a real day');
  expectProblem(await record(e, { dataUpdatedOn: '2026-07-31' }), 400, 'body.dataUpdatedOn', 'not before the entry');
  expectProblem(await record(e, { dataUpdatedOn: '2026-10-13', note: '   ' }), 400, 'body.note');
  expectProblem(await record('no-such-entry', { dataUpdatedOn: '2026-10-13' }), 404);
  // Text PostgreSQL cannot store is refused, nothing written.
  expectProblem(await record(e, { dataUpdatedOn: '2026-10-13', note: 'a\u0000b' }), 400);
  expect(await rows(e)).toHaveLength(3);

  // Read by anyone, the latest day first, a page at a time; who recorded each only by the agency and those over it.
  const page1 = await call(citizen(), 'GET', `/catalog/${e}/refreshes?limit=2`);
  expect(page1.statusCode).toBe(200);
  expect(page1.json().items.map((r: { dataUpdatedOn: string }) => r.dataUpdatedOn)).toEqual(['2026-10-12', '2026-10-09']);
  expect(page1.json().items.every((r: { recordedBy: string | null }) => r.recordedBy === null)).toBe(true);
  const page2 = await call(citizen(), 'GET', `/catalog/${e}/refreshes?limit=2&cursor=${page1.json().nextCursor}`);
  expect(page2.json()).toMatchObject({ items: [{ dataUpdatedOn: '2026-09-30' }], nextCursor: null });
  for (const actor of [keeper(), citySupervisor()])
    expect((await call(actor, 'GET', `/catalog/${e}/refreshes`)).json().items.every((r: { recordedBy: string | null }) => r.recordedBy !== null)).toBe(true);
  expect((await call(otherAgency(), 'GET', `/catalog/${e}/refreshes`)).json().items[0].recordedBy).toBeNull();
  expectProblem(await call(keeper(), 'GET', `/catalog/${e}/refreshes?cursor=2026-13-45`), 400, 'querystring.cursor');
  expectProblem(await call(keeper(), 'GET', '/catalog/no-such-entry/refreshes'), 404);
});

type Stale = { entryId: string; lastUpdatedOn: string; lastUpdate: string; dueOn: string };
const figure = async (period: string, scope = `organisation=${h.city.agencies.resources}`) => {
  const res = await call(citySupervisor(), 'GET', `/evaluations?period=${period}&${scope}`);
  expect(res.statusCode).toBe(200);
  return res.json() as { total: { staleEntries: number }; organisations: { organisation: string; total: { staleEntries: number } }[]; procedures: object[] };
};
const drill = async (period: string, ids: string[]) => {
  const res = await call(citySupervisor(), 'GET', `/evaluations/requests?period=${period}&organisation=${h.city.agencies.resources}&figure=staleEntries`);
  expect(res.statusCode).toBe(200);
  // Only this test's entries: the refresh test's entry above is the agency's too.
  return (res.json().items as Stale[]).filter((i) => ids.includes(i.entryId));
};

test('the figure counts, per month, the entries updated less often than they declare, on the statutory calendar; it drills to them', async () => {
  // Published on Monday 3 August 2026: daily, monthly, real-time (not measured), neither shared nor open (not counted),
  // and a monthly one withdrawn on 15 October (counted while published).
  const daily = await entry('daily', '每日', '2026-08-03');
  const monthly = await entry('monthly', '每月更新', '2026-08-03');
  const realtime = await entry('realtime', '实时', '2026-08-03');
  const closed = await entry('closed', '每周', '2026-08-03', { share: 'NONE' });
  const withdrawn = await entry('withdrawn', '每月', '2026-08-03');
  const v1 = await h.db.selectFrom('catalog_entry_versions').select('snapshot').where('entry_id', '=', withdrawn).executeTakeFirstOrThrow();
  await h.db
    .insertInto('catalog_entry_versions')
    .values({
      entry_id: withdrawn,
      version: 2,
      snapshot: JSON.stringify({ ...v1.snapshot, version: 2, share_status: 'withdrawn', open_status: 'withdrawn' }),
      changed_by: 'test',
      change_request_id: null,
      reason: '撤回',
      created_at: '2026-10-15T10:00:00+08:00',
    })
    .execute();
  const ours = [daily, monthly, realtime, closed, withdrawn];
  // The refresh test's entry (daily, last updated 12 October) is the agency's too: counted in October and November.
  const before = await drill('2026-09', ours);
  // September, none recorded: each measured entry's publication is its last update (daily due 4 August, monthly 3 September).
  expect(before.map((s) => s.entryId).sort()).toEqual([daily, monthly, withdrawn].sort());
  expect(before.find((s) => s.entryId === monthly)).toMatchObject({ lastUpdatedOn: '2026-08-03', lastUpdate: 'published', dueOn: '2026-09-03' });

  // The daily data updated on Wednesday 30 September: next due 1 October, a holiday, so the first working day after
  // the National Day holiday; and on Friday 30 October: next due Saturday 31 October, so Monday 2 November.
  // The monthly data updated on 3 September: next due 3 October, a holiday, so 8 October.
  for (const [e, day] of [
    [daily, '2026-09-30'],
    [daily, '2026-10-30'],
    [monthly, '2026-09-03'],
  ])
    expect((await record(e, { dataUpdatedOn: day })).statusCode).toBe(201);
  // A snapshot of October kept before the 30 October record was known would be revised by it; kept now, it counts it.
  const september = await drill('2026-09', ours);
  expect(september.map((s) => s.entryId)).toEqual([withdrawn]);
  const october = await drill('2026-10', ours);
  // The daily entry is not late at October's end: its next update falls due on Monday 2 November (plain days: 31 October).
  expect(october).toEqual([expect.objectContaining({ entryId: monthly, lastUpdatedOn: '2026-09-03', lastUpdate: 'refresh', dueOn: '2026-10-08' })]);
  const november = await drill('2026-11', ours);
  expect(november.map((s) => s.entryId).sort()).toEqual([daily, monthly].sort());
  expect(november.find((s) => s.entryId === daily)).toMatchObject({ lastUpdatedOn: '2026-10-30', dueOn: '2026-11-02' });
  // An update on the period's last day keeps it on time at the end.
  expect((await record(monthly, { dataUpdatedOn: '2026-11-30' })).statusCode).toBe(201);
  expect((await drill('2026-11', ours)).map((s) => s.entryId)).toEqual([daily]);

  // The figure is the drill's count, on the organisation's total and the division's (which sums its organisations),
  // not on a procedure's row; the quarter ending with September counts as September does.
  for (const period of ['2026-09', '2026-10', '2026-11', '2026-Q3']) {
    const all = (
      await call(citySupervisor(), 'GET', `/evaluations/requests?period=${period}&organisation=${h.city.agencies.resources}&figure=staleEntries`)
    ).json();
    const org = await figure(period);
    expect(org.total.staleEntries).toBe(all.count);
    const city = await figure(period, 'division=371100');
    expect(city.total.staleEntries).toBe(city.organisations.reduce((s, o) => s + o.total.staleEntries, 0));
    expect(city.organisations.find((o) => o.organisation === h.city.agencies.resources)?.total.staleEntries).toBe(all.count);
    for (const p of org.procedures) expect(p).not.toHaveProperty('staleEntries');
  }
  expect((await drill('2026-Q3', ours)).map((s) => s.entryId)).toEqual([withdrawn]);
  // The refresh test's entry, last updated 12 October (daily): late at October's end and November's.
  expect((await figure('2026-10')).total.staleEntries).toBe(2);
  expect((await figure('2026-11')).total.staleEntries).toBe(2);
  // The measurement says how.
  expect(
    (await call(citySupervisor(), 'GET', `/evaluations?period=2026-11&organisation=${h.city.agencies.resources}`)).json().measurement.staleEntries,
  ).toMatch(/declared frequency/);
  // Drilled by those who see the figures: a county's supervisor does not reach the city's division, nor a city agency.
  const countySupervisor: Actor = { sub: 'rf-zheng', org: h.city.countyAuthority, roles: ['supervisor'] };
  expectProblem(await call(countySupervisor, 'GET', '/evaluations/requests?period=2026-11&division=371100&figure=staleEntries'), 403);
  expectProblem(await call(countySupervisor, 'GET', `/evaluations/requests?period=2026-11&organisation=${h.city.agencies.resources}&figure=staleEntries`), 403);
  // The agency reads its own.
  expect((await call(keeper(), 'GET', `/evaluations/requests?period=2026-11&organisation=${h.city.agencies.resources}&figure=staleEntries`)).json().count).toBe(
    2,
  );
  // The entries are no procedure's: the drill refuses a procedure with this figure.
  expectProblem(
    await call(citySupervisor(), 'GET', `/evaluations/requests?period=2026-11&division=371100&procedure=share&figure=staleEntries`),
    400,
    'querystring.procedure',
  );

  // The export carries it on the total rows, empty on a procedure's.
  const csv = await call(citySupervisor(), 'GET', `/evaluations?period=2026-11&organisation=${h.city.agencies.resources}&format=csv`);
  const [header, ...lines] = csv.body
    .replace(/^\ufeff/, '')
    .trim()
    .split('\r\n');
  const col = header.split(',').indexOf('staleEntries');
  expect(col).toBeGreaterThan(0);
  const totalRow = lines.find((l) => l.split(',')[4] === 'all')!;
  expect(totalRow.split(',')[col]).toBe('2');

  // A snapshot of November kept now, and again after a late record of 30 November for the daily entry: a revision.
  const run = () =>
    h.client.workflow.execute('evaluationSnapshotWorkflow', {
      taskQueue: h.taskQueue,
      workflowId: `refresh-snapshot/${randomUUID()}`,
      args: [{ periods: ['2026-11'], region: h.city.region }],
    });
  await run();
  expect((await record(daily, { dataUpdatedOn: '2026-11-30' })).statusCode).toBe(201);
  // The organisation's and the city's figures change (the refresh test's entry stays late).
  expect(await run()).toMatchObject({ first: 0, revised: 2 });
  const kept = (await figure('2026-11')) as unknown as { snapshots: { revision: number; figures: { total: { staleEntries: number } } }[] };
  expect(kept.snapshots.map((s) => [s.revision, s.figures.total.staleEntries])).toEqual([
    [1, 2],
    [2, 1],
  ]);
}, 120_000);
