// Data refreshes of catalog entries (Art. 10), as their providing agencies record them, and the entries as they stood at
// a moment with their last update by then: what the evaluation's stale-entries figure counts (domain/catalog-refresh.ts).
// A query of its own, apart from the evaluation's task trail (db/repositories/evaluation.ts).
import { sql, type Kysely, type Selectable } from 'kysely';
import { shanghaiDay } from '../../domain/calendar';
import { staleEntries, staleCounts, type EntryAtEnd } from '../../domain/catalog-refresh';
import type { Period } from '../../domain/evaluation';
import type { Db, Executor } from '../index';
import type { CatalogRefreshesTable, Database } from '../schema';
import { appendAudit } from './audit';
import { evaluationCalendar } from './evaluation';

export type RefreshRow = Selectable<CatalogRefreshesTable>;

export interface RecordRefresh {
  /** The row's id: derived from the caller and their Idempotency-Key, so a retry names the same row. */
  id: string;
  entryId: string;
  providerOrg: string;
  dataUpdatedOn: string;
  note: string | null;
  actor: { sub: string; org: string; role: string };
}

/**
 * Records a refresh and its audit event in one transaction. Idempotent: the same id (a retried POST) or the same entry
 * and day (the natural key: one record per entry and day) adds nothing and answers the row that stands, `created`
 * false; `reused` when the id stands for another entry, day or note (an Idempotency-Key used for a different body).
 */
export async function recordRefresh(db: Db, r: RecordRefresh): Promise<{ row: RefreshRow; created: boolean; reused: boolean }> {
  return db.transaction().execute(async (tx) => {
    const inserted = await tx
      .insertInto('catalog_refreshes')
      .values({
        id: r.id,
        entry_id: r.entryId,
        provider_org_id: r.providerOrg,
        data_updated_on: r.dataUpdatedOn,
        note: r.note,
        recorded_by_sub: r.actor.sub,
        recorded_by_org: r.actor.org,
      })
      .onConflict((oc) => oc.doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) {
      await appendAudit(tx, {
        eventKey: `catalog_refresh:${inserted.id}`,
        requestId: null,
        actor: r.actor,
        action: 'catalog_refresh_recorded',
        article: 'Art. 10',
        newValue: { entryId: r.entryId, provider: r.providerOrg, dataUpdatedOn: r.dataUpdatedOn, note: r.note },
      });
      return { row: inserted, created: true, reused: false };
    }
    const same = await tx.selectFrom('catalog_refreshes').selectAll().where('id', '=', r.id).executeTakeFirst();
    if (same) return { row: same, created: false, reused: same.entry_id !== r.entryId || same.data_updated_on !== r.dataUpdatedOn || same.note !== r.note };
    const day = await tx
      .selectFrom('catalog_refreshes')
      .selectAll()
      .where('entry_id', '=', r.entryId)
      .where('data_updated_on', '=', r.dataUpdatedOn)
      .executeTakeFirstOrThrow();
    return { row: day, created: false, reused: false };
  });
}

/** An entry's refreshes, the latest day first, after the cursor's day. */
export function listRefreshes(db: Executor, entryId: string, before: string | null, limit: number) {
  let q = db.selectFrom('catalog_refreshes').selectAll().where('entry_id', '=', entryId);
  if (before !== null) q = q.where('data_updated_on', '<', before);
  return q.orderBy('data_updated_on', 'desc').limit(limit).execute();
}

/** The day an entry was first published (its first version), in Asia/Shanghai; undefined when it has none. */
export async function firstPublishedOn(db: Executor, entryId: string): Promise<string | undefined> {
  const r = await db.selectFrom('catalog_entry_versions').select('created_at').where('entry_id', '=', entryId).orderBy('version').limit(1).executeTakeFirst();
  return r && shanghaiDay(r.created_at);
}

/**
 * The entries of `orgs` as the version in force at `asOf` states them (entries not yet published then are not
 * listed), each with its first publication and its last refresh with a day up to `asOf`'s last whole or running day.
 * One statement, the organisations one array parameter; each entry's version and refresh read by their indexes.
 */
export async function entriesAt(db: Executor, orgs: readonly string[], asOf: Date): Promise<EntryAtEnd[]> {
  if (!orgs.length) return [];
  // The last day the evaluation covers: a period's end is midnight, so the day before it; now, today.
  const lastDay = shanghaiDay(new Date(asOf.getTime() - 1));
  const read = (tx: Executor) =>
    sql<{
      id: string;
      provider_org_id: string;
      title: string;
      update_frequency: string | null;
      share_attribute: string | null;
      share_status: string | null;
      open_attribute: string | null;
      open_status: string | null;
      first_at: Date;
      last_on: string | null;
      last_recorded_at: Date | null;
    }>`
    select e.id, e.provider_org_id, v.snapshot->>'title' as title, v.snapshot->>'update_frequency' as update_frequency,
      v.snapshot->>'share_attribute' as share_attribute, v.snapshot->>'share_status' as share_status,
      v.snapshot->>'open_attribute' as open_attribute, v.snapshot->>'open_status' as open_status,
      f.created_at as first_at, r.data_updated_on::text as last_on, r.recorded_at as last_recorded_at
    from catalog_entries e
    cross join lateral (
      select snapshot from catalog_entry_versions where entry_id = e.id and created_at < ${asOf} order by version desc limit 1
    ) v
    cross join lateral (select created_at from catalog_entry_versions where entry_id = e.id order by version limit 1) f
    left join lateral (
      select data_updated_on, recorded_at from catalog_refreshes
      where entry_id = e.id and data_updated_on <= ${lastDay}::date order by data_updated_on desc limit 1
    ) r on true
    where e.provider_org_id = any(${sql.val([...orgs])}::text[])
      -- Only the entries counted then (shared or open, that side published) are looked up further.
      and ((coalesce(v.snapshot->>'share_attribute', 'NONE') <> 'NONE' and coalesce(v.snapshot->>'share_status', 'published') = 'published')
        or (coalesce(v.snapshot->>'open_attribute', 'NONE') <> 'NONE' and coalesce(v.snapshot->>'open_status', 'published') = 'published'))`.execute(tx);
  // Without JIT, as the task trail's query (db/repositories/evaluation.ts): a few index look-ups per entry, which
  // compiling the plan would take longer than.
  const jitOff = async (tx: Executor) => {
    await sql`select set_config('jit', 'off', true)`.execute(tx);
    return read(tx);
  };
  const { rows } = db.isTransaction ? await jitOff(db) : await (db as Kysely<Database>).transaction().execute(jitOff);
  return rows.map((r): EntryAtEnd => {
    // Snapshots from before each side had its own status (migration 005) read as published.
    const side = (attribute: string | null, status: string | null) => attribute !== null && attribute !== 'NONE' && (status ?? 'published') === 'published';
    return {
      entryId: r.id,
      title: r.title,
      org: r.provider_org_id,
      updateFrequency: r.update_frequency ?? '',
      counted: side(r.share_attribute, r.share_status) || side(r.open_attribute, r.open_status),
      lastRefreshOn: r.last_on,
      lastRefreshRecordedAt: r.last_recorded_at,
      publishedOn: shanghaiDay(r.first_at),
    };
  });
}

/**
 * The stale entries of `orgs` over `period` as of `now` (its end once it has ended): the entries counted, and their
 * count per organisation. The statutory calendar as this deployment holds it moves a due day past rest days.
 */
export async function computeStaleEntries(db: Executor, orgs: readonly string[], period: Pick<Period, 'end'>, now: Date = new Date()) {
  const asOf = now < period.end ? now : period.end;
  const [entries, isWorkday] = await Promise.all([entriesAt(db, orgs, asOf), evaluationCalendar(db)]);
  const stale = staleEntries(entries, asOf, isWorkday);
  return { stale, counts: staleCounts(stale, orgs) };
}
