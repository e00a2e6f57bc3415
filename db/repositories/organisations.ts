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

/**
 * The organisations a supervisor oversees (Art. 32): those of the supervisor's own organisation's
 * region; none when that organisation is unknown. Admins oversee all (undefined).
 */
export async function supervisedOrgIds(db: Executor, actor: { org: string; roles: readonly string[] }): Promise<string[] | undefined> {
  if (actor.roles.includes('admin')) return undefined;
  if (!actor.roles.includes('supervisor')) return [];
  const own = await getOrganisation(db, actor.org);
  if (!own) return [];
  return (await db.selectFrom('organisations').select('id').where('region', '=', own.region).execute()).map((o) => o.id);
}
