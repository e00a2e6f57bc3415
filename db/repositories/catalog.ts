import type { Insertable } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { Attribute } from '../../domain/types';
import type { Executor } from '../index';
import type { CatalogEntriesTable } from '../schema';

/** Inserts catalog entries at version 1, each with its first version snapshot. */
export async function insertCatalogEntries(db: Executor, entries: Insertable<CatalogEntriesTable>[], changedBy: string): Promise<void> {
  for (const e of entries) {
    const row = await db.insertInto('catalog_entries').values(e).onConflict((oc) => oc.column('id').doNothing()).returningAll().executeTakeFirst();
    if (row)
      await db
        .insertInto('catalog_entry_versions')
        .values({ entry_id: row.id, version: row.version, snapshot: JSON.stringify(row), changed_by: changedBy, change_request_id: null })
        .execute();
  }
}

export function getCatalogEntry(db: Executor, id: string) {
  return db.selectFrom('catalog_entries').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface CatalogFilter {
  provider?: string;
  shareAttribute?: Attribute;
  openAttribute?: Attribute;
  after?: string;
  limit: number;
}

export function listCatalogEntries(db: Executor, f: CatalogFilter) {
  let q = db.selectFrom('catalog_entries').selectAll();
  if (f.provider) q = q.where('provider_org_id', '=', f.provider);
  if (f.shareAttribute) q = q.where('share_attribute', '=', f.shareAttribute);
  if (f.openAttribute) q = q.where('open_attribute', '=', f.openAttribute);
  if (f.after) q = q.where('id', '>', f.after);
  return q.orderBy('id').limit(f.limit).execute();
}

/**
 * A share request's parties in one read: the entry, its provider's place (region, division), the
 * authorities of that region (the caller picks the city's, domain/divisions.ts), the region's leading
 * group, and the kind of the applicant's organisation. Undefined when the entry does not exist.
 */
export function shareContext(db: Executor, entryId: string, applicantOrg: string) {
  return db
    .selectFrom('catalog_entries as e')
    .leftJoin('organisations as p', 'p.id', 'e.provider_org_id')
    .selectAll('e')
    .select(['p.region as provider_region', 'p.division as provider_division'])
    .select((eb) => [
      eb.selectFrom('organisations as a').select('a.kind').where('a.id', '=', applicantOrg).as('applicant_kind'),
      eb.selectFrom('organisations as lg').select('lg.id').where('lg.kind', '=', 'leading_group').whereRef('lg.region', '=', 'p.region').orderBy('lg.id').limit(1).as('leading_group_id'),
      jsonArrayFrom(eb.selectFrom('organisations as au').select(['au.id', 'au.division']).where('au.kind', '=', 'authority').whereRef('au.region', '=', 'p.region').orderBy('au.id')).as('authorities'),
    ])
    .where('e.id', '=', entryId)
    .executeTakeFirst();
}
