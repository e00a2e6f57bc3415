import type { Insertable } from 'kysely';
import { cityDivisionOf, isCityDivision } from '../../domain/divisions';
import type { Executor } from '../index';
import type { OrganisationsTable } from '../schema';

export async function insertOrganisations(db: Executor, orgs: Insertable<OrganisationsTable>[]): Promise<void> {
  if (orgs.length) await db.insertInto('organisations').values(orgs).onConflict((oc) => oc.column('id').doNothing()).execute();
}

export function getOrganisation(db: Executor, id: string) {
  return db.selectFrom('organisations').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The big data authority of a division ("本级" for the organisations of that division). */
export function authorityOf(db: Executor, region: string, division: string) {
  return db.selectFrom('organisations').selectAll().where('kind', '=', 'authority').where('region', '=', region).where('division', '=', division).orderBy('id').executeTakeFirst();
}

/** The city big data authority ("市大数据工作主管部门") of an organisation's city. */
export function cityAuthorityOf(db: Executor, org: { region: string; division: string }) {
  return authorityOf(db, org.region, cityDivisionOf(org.division));
}

/**
 * The organisations a supervisor oversees (Art. 32: the authorities supervise): a supervisor acts
 * for a big data authority and oversees its division, the city's also its districts and counties.
 * Admins oversee all (undefined); anyone else nothing.
 */
export async function supervisedOrgIds(db: Executor, actor: { org: string; roles: readonly string[] }): Promise<string[] | undefined> {
  if (actor.roles.includes('admin')) return undefined;
  if (!actor.roles.includes('supervisor')) return [];
  const own = await getOrganisation(db, actor.org);
  if (own?.kind !== 'authority') return [];
  let q = db.selectFrom('organisations').select('id').where('region', '=', own.region);
  q = isCityDivision(own.division) ? q.where('division', 'like', `${own.division.slice(0, 4)}%`) : q.where('division', '=', own.division);
  return (await q.execute()).map((o) => o.id);
}
