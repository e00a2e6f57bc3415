import { sql, type Expression, type Insertable, type Kysely } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import {
  DUPLICATE_FIELD_SHARE,
  DUPLICATE_TITLE_SIMILARITY,
  entryDiff,
  type CurrentEntry,
  type EntryContent,
  type SideStatus,
  type SimilarEntry,
} from '../../domain/catalog';
import type { OpenEntry } from '../../domain/open-request';
import { blankText } from '../../domain/text';
import { CANCELLABLE } from '../../domain/requests';
import type { ActorRef, Attribute } from '../../domain/types';
import { appendAudits, type AuditInput } from './audit';
import type { Executor } from '../index';
import type { CatalogEntriesTable, CatalogEntryRow, Database } from '../schema';

/** An entry's columns as views and versions show them (all but the generated search text). */
export const ENTRY_COLUMNS = [
  'id',
  'provider_org_id',
  'title',
  'description',
  'fields',
  'form',
  'use_conditions',
  'update_frequency',
  'share_attribute',
  'share_conditions',
  'share_reasons',
  'share_basis',
  'share_status',
  'open_attribute',
  'open_ground',
  'open_conditions',
  'open_reasons',
  'open_basis',
  'open_opening',
  'open_status',
  'priority_open',
  'share_dispute',
  'version',
  'updated_at',
] as const satisfies readonly (keyof CatalogEntryRow)[];

/** An entry's content as an agency states it (domain/catalog.ts EntryContent), from its row or a version's snapshot. */
export function entryContentOf(r: Omit<CatalogEntryRow, 'updated_at'>): EntryContent {
  return {
    title: r.title,
    description: r.description,
    fields: r.fields,
    form: r.form,
    useConditions: r.use_conditions,
    updateFrequency: r.update_frequency,
    share: { attribute: r.share_attribute, reasons: r.share_reasons, conditions: r.share_conditions, basis: r.share_basis },
    open: {
      attribute: r.open_attribute,
      ground: r.open_ground,
      reasons: r.open_reasons,
      conditions: r.open_conditions,
      basis: r.open_basis,
      opening: r.open_opening,
    },
    priorityOpen: r.priority_open,
  };
}

/** An entry as a version states it: its content and each side's status (what one version may change from the one before). */
export function entryStateOf(r: Omit<CatalogEntryRow, 'updated_at'>) {
  return { ...entryContentOf(r), shareStatus: r.share_status, openStatus: r.open_status };
}

/** The columns that hold `c` (the inverse of entryContentOf). */
export function entryContentColumns(c: EntryContent) {
  return {
    title: c.title,
    description: c.description,
    // An item of an adjustment asked for before items had names takes its identifier (as migration 019 did).
    fields: JSON.stringify(c.fields.map((f) => (blankText(f.label) ? { ...f, label: f.name } : f))),
    form: c.form,
    use_conditions: c.useConditions,
    update_frequency: c.updateFrequency,
    share_attribute: c.share.attribute,
    share_reasons: c.share.reasons,
    share_conditions: c.share.conditions,
    share_basis: JSON.stringify(c.share.basis),
    open_attribute: c.open.attribute,
    open_ground: c.open.ground,
    open_reasons: c.open.reasons,
    open_conditions: c.open.conditions,
    open_basis: JSON.stringify(c.open.basis),
    open_opening: c.open.opening ? JSON.stringify(c.open.opening) : null,
    priority_open: c.priorityOpen,
  } satisfies Partial<Insertable<CatalogEntriesTable>>;
}

/** An entry as the adjustment rules see it (domain/catalog.ts CurrentEntry). */
export function currentEntryOf(r: CatalogEntryRow): CurrentEntry {
  return {
    providerOrgId: r.provider_org_id,
    version: r.version,
    content: entryContentOf(r),
    removed: r.share_status === 'withdrawn' && r.open_status === 'withdrawn',
  };
}

/** An entry as the open application's rules see it (domain/open-request.ts OpenEntry). */
export function openEntryOf(r: CatalogEntryRow): OpenEntry {
  return {
    id: r.id,
    title: r.title,
    providerOrgId: r.provider_org_id,
    openAttribute: r.open_attribute,
    openStatus: r.open_status,
    openConditions: r.open_conditions,
    openBasis: r.open_basis,
    fields: r.fields.map((f) => f.name),
  };
}

/** The entries `ids` as they stand, locked for update when `lock` (in id order, so concurrent adjustments never deadlock). */
export async function currentEntries(db: Executor, ids: string[], lock = false): Promise<Map<string, CatalogEntryRow>> {
  if (!ids.length) return new Map();
  let q = db
    .selectFrom('catalog_entries')
    .select(ENTRY_COLUMNS)
    .where('id', 'in', [...new Set(ids)])
    .orderBy('id');
  if (lock) q = q.forUpdate();
  return new Map((await q.execute()).map((r) => [r.id, r]));
}

/** Inserts catalog entries at version 1, each with its first version snapshot. */
export async function insertCatalogEntries(
  db: Executor,
  entries: Insertable<CatalogEntriesTable>[],
  changedBy: string,
  reason: string | null = null,
): Promise<void> {
  for (const e of entries) {
    const row = await db
      .insertInto('catalog_entries')
      .values(e)
      .onConflict((oc) => oc.column('id').doNothing())
      .returning(ENTRY_COLUMNS)
      .executeTakeFirst();
    if (row)
      await db
        .insertInto('catalog_entry_versions')
        .values({ entry_id: row.id, version: row.version, snapshot: JSON.stringify(row), changed_by: changedBy, change_request_id: null, reason })
        .execute();
  }
}

export function getCatalogEntry(db: Executor, id: string) {
  return db.selectFrom('catalog_entries').select(ENTRY_COLUMNS).where('id', '=', id).executeTakeFirst();
}

export interface CatalogFilter {
  provider?: string;
  /** The provider's administrative division (GB/T 2260). */
  division?: string;
  /** The provider's city (its organisations' region): a person picks from their own city's catalog. */
  region?: string;
  shareAttribute?: Attribute;
  openAttribute?: Attribute;
  shareStatus?: SideStatus;
  openStatus?: SideStatus;
  /** Words in the title, description, a field's name or the providing agency's name. */
  text?: string;
  after?: string;
  limit: number;
}

/** `s` matched literally inside a LIKE pattern. */
const likeLiteral = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export async function listCatalogEntries(db: Executor, f: CatalogFilter) {
  let q = db
    .selectFrom('catalog_entries as e')
    .select(ENTRY_COLUMNS.map((c) => `e.${c}` as const))
    .select((eb) => eb.selectFrom('organisations as o').select('o.name').whereRef('o.id', '=', 'e.provider_org_id').as('provider_name'));
  if (f.provider) q = q.where('e.provider_org_id', '=', f.provider);
  if (f.division) q = q.where('e.provider_org_id', 'in', (eb) => eb.selectFrom('organisations').select('id').where('division', '=', f.division!));
  if (f.region) q = q.where('e.provider_org_id', 'in', (eb) => eb.selectFrom('organisations').select('id').where('region', '=', f.region!));
  if (f.shareAttribute) q = q.where('e.share_attribute', '=', f.shareAttribute);
  if (f.openAttribute) q = q.where('e.open_attribute', '=', f.openAttribute);
  if (f.shareStatus) q = q.where('e.share_status', '=', f.shareStatus);
  if (f.openStatus) q = q.where('e.open_status', '=', f.openStatus);
  // search_text: title, description and field names, lower-cased (trigram-indexed, migration 005); or the
  // providing agency's name, so that a person finds an entry by its department as well. The agencies named so are
  // read first (a small table): an OR with a subquery of them kept the planner from the trigram index, and a rare
  // word read the whole catalog by id (1.3 s at 1,000,000 entries, issue 27 §2).
  if (f.text?.trim()) {
    const pattern = `%${likeLiteral(f.text.trim().toLowerCase())}%`;
    const named = await db
      .selectFrom('organisations')
      .select('id')
      .where(sql<string>`lower(name)`, 'like', pattern)
      .execute();
    q = q.where((eb) =>
      named.length
        ? eb.or([
            eb('e.search_text', 'like', pattern),
            eb(
              'e.provider_org_id',
              'in',
              named.map((o) => o.id),
            ),
          ])
        : eb('e.search_text', 'like', pattern),
    );
  }
  if (f.after) q = q.where('e.id', '>', f.after);
  return q.orderBy('e.id').limit(f.limit).execute();
}

/** An entry's versions, oldest first, each with who made it, why and by which request. */
export function listEntryVersions(db: Executor, entryId: string, afterVersion: number, limit: number) {
  return db
    .selectFrom('catalog_entry_versions')
    .select(['version', 'changed_by', 'change_request_id', 'reason', 'created_at', 'snapshot'])
    .where('entry_id', '=', entryId)
    .where('version', '>', afterVersion)
    .orderBy('version')
    .limit(limit)
    .execute();
}

export function getEntryVersion(db: Executor, entryId: string, version: number) {
  return db.selectFrom('catalog_entry_versions').select('snapshot').where('entry_id', '=', entryId).where('version', '=', version).executeTakeFirst();
}

/**
 * A share request's parties in one read: the entry, its provider's place (region, division), the
 * authorities of that region (the caller picks the city's, domain/divisions.ts), and the kind of the
 * applicant's organisation. Undefined when the entry does not exist.
 */
export function shareContext(db: Executor, entryId: string, applicantOrg: string) {
  return db
    .selectFrom('catalog_entries as e')
    .leftJoin('organisations as p', 'p.id', 'e.provider_org_id')
    .select(['e.id', 'e.title', 'e.provider_org_id', 'e.share_attribute', 'e.share_basis', 'e.share_conditions', 'e.share_status as status'])
    .select(['p.region as provider_region', 'p.division as provider_division', 'p.government_department as provider_government'])
    .select((eb) => [
      // A request names fields by name.
      sql<string[]>`(select coalesce(jsonb_agg(f->>'name'), '[]'::jsonb) from jsonb_array_elements(e.fields) f)`.as('fields'),
      eb.selectFrom('organisations as a').select('a.kind').where('a.id', '=', applicantOrg).as('applicant_kind'),
      eb.selectFrom('organisations as a').select('a.government_department').where('a.id', '=', applicantOrg).as('applicant_government'),
      jsonArrayFrom(
        eb
          .selectFrom('organisations as au')
          .select(['au.id', 'au.division'])
          .where('au.kind', '=', 'authority')
          .whereRef('au.region', '=', 'p.region')
          .orderBy('au.id'),
      ).as('authorities'),
    ])
    .where('e.id', '=', entryId)
    .executeTakeFirst();
}

const trigrams = new WeakMap<object, Promise<boolean>>();
/** Whether the database has pg_trgm (asked once per pool). */
function hasTrigrams(db: Executor): Promise<boolean> {
  let known = trigrams.get(db);
  if (!known) {
    known = sql<{ ok: boolean }>`select exists (select 1 from pg_extension where extname = 'pg_trgm') as ok`.execute(db).then(
      (r) => r.rows[0]?.ok ?? false,
      (err) => {
        trigrams.delete(db); // the database was not reachable: ask again next time
        throw err;
      },
    );
    trigrams.set(db, known);
  }
  return known;
}

/**
 * Art. 8: entries already in the catalog that a new entry (its title and field names) may duplicate, most
 * similar first: a title this similar (pg_trgm; without it, the same title), or this share of its fields.
 */
/** `region`: only the entries of that city's organisations (Art. 8 speaks of the city's platform); absent: every city's. */
export async function similarEntries(db: Executor, entry: { title: string; fieldNames: string[]; region?: string }, limit = 10): Promise<SimilarEntry[]> {
  const title = entry.title.trim().toLowerCase();
  const names = [...new Set(entry.fieldNames.map((n) => n.trim()).filter(Boolean))];
  const trgm = await hasTrigrams(db);
  const similarity = (lowerTitle: Expression<string>) =>
    trgm ? sql<number>`similarity(${lowerTitle}, ${title})` : sql<number>`case when ${lowerTitle} = ${title} then 1 else 0 end`;
  const nameList = sql`${sql.val(names)}::text[]`;
  const shareOf = (count: Expression<number>) => sql<number>`${count}::float / ${Math.max(1, names.length)}`;
  const ofRegion = db
    .selectFrom('organisations')
    .select('id')
    .where('region', '=', entry.region ?? '');
  // The page is the best of three short lists, each read from an index that yields it in order and stops, never
  // visiting what cannot make the page (issue 27 §2: at a million entries 20,000 hold a common field name and 100,000
  // share a title's first characters). By title: the nearest titles in the trigram index's distance order, a page of
  // them: an entry sharing no field name scores its title's similarity alone, so none outside the nearest page can
  // outrank one on it.
  const byTitle = db
    .selectFrom('catalog_entries as e')
    .select('e.id')
    .where('e.share_status', '<>', 'withdrawn')
    .$if(entry.region !== undefined, (q) => q.where('e.provider_org_id', 'in', ofRegion))
    // Only titles similar enough (`%`, at the threshold set below): where fewer than a page are (a city's few entries in
    // a province's catalog), the scan ends with them rather than walking every title. The distance alone orders: a
    // second key (the id) turns the index's order into a sort of the whole table.
    .$call((q) =>
      trgm
        ? q.where(sql<boolean>`lower(e.title) % ${title}`).orderBy(sql`lower(e.title) <-> ${title}`)
        : q.where(sql`lower(e.title)`, '=', title).orderBy('e.id'),
    )
    .limit(limit);
  // By field names, from catalog_entry_field_names alone (migration 042). An entry holding one of the names scores
  // its share (1 of n) and its title's similarity, so the nearest titles among that name's holders are the only ones
  // of them that can make the page: a page of them a name, in its index's distance order. Those holding two or more
  // are counted over every holder's row (no similarity computed) and scored there, their best page kept.
  const inRegion = entry.region === undefined ? sql`` : sql`and f.provider_org_id in ${ofRegion}`;
  const nearer = trgm ? sql`f.title <-> ${title}` : sql`f.title <> ${title}`;
  const nearestByName = sql<{ id: string }>`(select k.id from unnest(${nameList}) as q(name) cross join lateral (
      select f.entry_id as id from catalog_entry_field_names f where f.name = q.name ${inRegion} order by ${nearer} limit ${limit}) k)`;
  const holdingTwo = db
    .selectFrom('catalog_entry_field_names as f')
    .select(['f.entry_id as id', sql<string>`min(f.title)`.as('title'), sql<number>`count(*)`.as('shared')])
    .where('f.name', '=', sql<string>`any(${nameList})`)
    .$if(entry.region !== undefined, (q) => q.where('f.provider_org_id', 'in', ofRegion))
    .groupBy('f.entry_id')
    .having(sql`count(*)`, '>=', 2);
  const twoScored = db
    .selectFrom(holdingTwo.as('h'))
    .select(['h.id', similarity(sql.ref('h.title')).as('title_similarity'), shareOf(sql.ref('h.shared')).as('field_share')])
    .offset(0) // a fence: each similarity computed once, not again in the filter and the order below
    .as('s');
  const twoPage = db
    .selectFrom(twoScored)
    .select('s.id')
    .where((eb) => eb.or([eb('s.title_similarity', '>=', DUPLICATE_TITLE_SIMILARITY), eb('s.field_share', '>=', DUPLICATE_FIELD_SHARE)]))
    .orderBy(sql`s.title_similarity + s.field_share`, 'desc')
    .orderBy('s.id')
    .limit(limit);
  // Each list a subquery of its own: a union's branches cannot have their own order and limit.
  const titlePage = db.selectFrom(byTitle.as('t')).select('t.id');
  const candidates = !names.length
    ? titlePage
    : titlePage.union(db.selectFrom(nearestByName.as('n')).select('n.id')).$if(names.length > 1, (q) => q.union(db.selectFrom(twoPage.as('p')).select('p.id')));
  const scored = db
    .selectFrom('catalog_entries as e')
    .select(['e.id', 'e.title', 'e.provider_org_id'])
    .select([
      similarity(sql`lower(e.title)`).as('title_similarity'),
      sql<string[]>`array(select n from jsonb_array_elements_text(jsonb_path_query_array(e.fields, '$[*].name')) n where n = any(${nameList}) order by n)`.as(
        'shared',
      ),
    ])
    .where('e.id', 'in', candidates)
    .as('c');
  const fieldShare = shareOf(sql`cardinality(c.shared)`);
  const lookUp = (tx: Executor) =>
    tx
      .selectFrom(scored)
      .selectAll('c')
      .where((eb) => eb.or([eb('c.title_similarity', '>=', DUPLICATE_TITLE_SIMILARITY), eb(fieldShare, '>=', DUPLICATE_FIELD_SHARE)]))
      .orderBy(sql`c.title_similarity + ${fieldShare}`, 'desc')
      .orderBy('c.id')
      .limit(limit)
      .execute();
  // `%` at the flag's threshold (its default, 0.3, lets many more titles through to be discarded). No JIT: with a
  // common field name the plan's cost passes jit_above_cost, and compiling it took longer than the rows it returns.
  const settled = async (tx: Executor) => {
    await sql`select set_config('pg_trgm.similarity_threshold', ${String(DUPLICATE_TITLE_SIMILARITY)}, true), set_config('jit', 'off', true)`.execute(tx);
    return lookUp(tx);
  };
  const rows = !trgm ? await lookUp(db) : db.isTransaction ? await settled(db) : await (db as Kysely<Database>).transaction().execute(settled);
  return rows.map((r) => ({ id: r.id, title: r.title, providerOrgId: r.provider_org_id, titleSimilarity: Number(r.title_similarity), sharedFields: r.shared }));
}

/** Entries whose sharing ended, and the share work that rests on them. */
export interface ShareWorkOn {
  entries: string[];
  /** Share workflows whose grant of such an entry is active: they revoke it. */
  grants: string[];
  /** Share workflows still deciding a request for such an entry: they end it. */
  requests: string[];
}

/**
 * New versions of entries as one request made them: each version's row (who, why, which request), and an
 * audit event per entry naming what changed (`before` absent: the entry is new).
 */
export async function recordVersions(
  tx: Executor,
  made: { before?: CatalogEntryRow; row: CatalogEntryRow }[],
  why: {
    requestId: string;
    actor: ActorRef;
    reason: string;
    article: string;
    removed?: (index: number) => boolean;
    /** An entry's own reason beside the common one (a removal's 删除理由). */
    ownReason?: (index: number) => string | undefined;
  },
): Promise<void> {
  const reasonOf = (i: number) => {
    const own = why.ownReason?.(i)?.trim();
    return own ? `${why.reason}\n删除理由: ${own}` : why.reason;
  };
  if (!made.length) return;
  await tx
    .insertInto('catalog_entry_versions')
    .values(
      made.map(({ row }, i) => ({
        entry_id: row.id,
        version: row.version,
        snapshot: JSON.stringify(row),
        changed_by: why.actor.sub,
        change_request_id: why.requestId,
        reason: reasonOf(i),
      })),
    )
    .execute();
  await appendAudits(
    tx,
    made.map(({ before, row }, i): AuditInput => ({
      eventKey: `catalog:${row.id}:v${row.version}`,
      requestId: why.requestId,
      actor: why.actor,
      action: !before ? 'catalog_entry_added' : why.removed?.(i) ? 'catalog_entry_removed' : 'catalog_entry_changed',
      article: why.article,
      reason: reasonOf(i),
      oldValue: before ? { entryId: row.id, version: before.version } : null,
      newValue: { entryId: row.id, version: row.version, ...(before ? { changes: entryDiff(entryStateOf(before), entryStateOf(row)) } : {}) },
    })),
  );
}

/** The share workflows resting on `entries`: active grants, and requests still being decided. */
export async function runningWorkOn(tx: Executor, entries: string[]): Promise<ShareWorkOn> {
  if (!entries.length) return { entries, grants: [], requests: [] };
  const grants = await tx
    .selectFrom('grants as g')
    .innerJoin('requests as r', 'r.id', 'g.request_id')
    .select('r.workflow_id')
    .where('g.catalog_entry_id', 'in', entries)
    .where('g.status', '=', 'active')
    .orderBy('r.workflow_id')
    .execute();
  const requests = await tx
    .selectFrom('requests')
    .select('workflow_id')
    .where('type', '=', 'share')
    .where('catalog_entry_id', 'in', entries)
    .where('status', 'in', [...CANCELLABLE])
    .orderBy('workflow_id')
    .execute();
  return { entries, grants: grants.map((g) => g.workflow_id), requests: requests.map((r) => r.workflow_id) };
}
