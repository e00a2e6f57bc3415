import type { Insertable } from 'kysely';
import type { Executor } from '../index';
import type { OrganisationsTable } from '../schema';

export async function insertOrganisations(db: Executor, orgs: Insertable<OrganisationsTable>[]): Promise<void> {
  if (orgs.length) await db.insertInto('organisations').values(orgs).onConflict((oc) => oc.column('id').doNothing()).execute();
}

/** The organisation of a kind at a level and region, e.g. the city big data authority. */
export function findOrganisation(db: Executor, kind: OrganisationsTable['kind'], level: 'city' | 'county', region: string) {
  return db.selectFrom('organisations').selectAll().where('kind', '=', kind).where('level', '=', level).where('region', '=', region).orderBy('id').executeTakeFirst();
}

export function getOrganisation(db: Executor, id: string) {
  return db.selectFrom('organisations').selectAll().where('id', '=', id).executeTakeFirst();
}
