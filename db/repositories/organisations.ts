import type { Insertable } from 'kysely';
import { cityDivisionOf, oversees } from '../../domain/divisions';
import type { Executor } from '../index';
import type { OrganisationsTable } from '../schema';

export async function insertOrganisations(db: Executor, orgs: Insertable<OrganisationsTable>[]): Promise<void> {
  if (orgs.length)
    await db
      .insertInto('organisations')
      .values(orgs)
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
}

export function getOrganisation(db: Executor, id: string) {
  return db.selectFrom('organisations').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The big data authority of a division ("本级" for the organisations of that division). */
export function authorityOf(db: Executor, region: string, division: string) {
  return db
    .selectFrom('organisations')
    .selectAll()
    .where('kind', '=', 'authority')
    .where('region', '=', region)
    .where('division', '=', division)
    .orderBy('id')
    .executeTakeFirst();
}

/**
 * The authority that supervises an organisation (Art. 32): its own level's (本级), or, where its division has
 * none, the next level up (its city's), said so by `fallback`. Undefined only when its city has none either.
 */
export async function supervisingAuthorityOf(db: Executor, org: { region: string; division: string }) {
  const own = await authorityOf(db, org.region, org.division);
  if (own) return { authority: own, fallback: false };
  const city = cityDivisionOf(org.division) === org.division ? undefined : await cityAuthorityOf(db, org);
  return city ? { authority: city, fallback: true } : undefined;
}

/** The city big data authority ("市大数据工作主管部门") of an organisation's city. */
export function cityAuthorityOf(db: Executor, org: { region: string; division: string }) {
  return authorityOf(db, org.region, cityDivisionOf(org.division));
}

/**
 * The organisations a supervisor or an admin oversees (Art. 32: the authorities supervise): a supervisor acts
 * for a big data authority and oversees its division, the city's also its districts and counties; an admin
 * administers their own city (cityOrgIds); only an admin the deployment names as a platform operator
 * (`operators`, PLATFORM_OPERATORS) reaches every city (undefined). Anyone else nothing.
 */
export async function supervisedOrgIds(
  db: Executor,
  actor: { sub: string; org: string | null; roles: readonly string[] },
  operators: readonly string[] = [],
): Promise<string[] | undefined> {
  if (actor.org === null) return [];
  if (actor.roles.includes('admin')) return operators.includes(actor.sub) ? undefined : cityOrgIds(db, actor.org);
  return actor.roles.includes('supervisor') ? overseenOrgIds(db, actor.org) : [];
}

/** The organisations of an organisation's own city: its region's, in the division tree of its city (371100 and its districts and counties). */
export async function cityOrgIds(db: Executor, orgId: string): Promise<string[]> {
  const own = await getOrganisation(db, orgId);
  if (!own) return [];
  const city = cityDivisionOf(own.division);
  const orgs = await db.selectFrom('organisations').select(['id', 'division']).where('region', '=', own.region).execute();
  return orgs.filter((o) => oversees(city, o.division)).map((o) => o.id);
}

/** The organisations a big data authority's division covers (domain/divisions.ts `oversees`); none for any other organisation. */
export async function overseenOrgIds(db: Executor, authorityId: string): Promise<string[]> {
  const own = await getOrganisation(db, authorityId);
  if (own?.kind !== 'authority') return [];
  return divisionOrgIds(db, own.region, own.division);
}

/** The organisations of a region in a division: its own, and for a city its districts' and counties' too (domain/divisions.ts `oversees`). */
export async function divisionOrgIds(db: Executor, region: string, division: string): Promise<string[]> {
  const orgs = await db.selectFrom('organisations').select(['id', 'division']).where('region', '=', region).execute();
  return orgs.filter((o) => oversees(division, o.division)).map((o) => o.id);
}

/** The leading group (数字强市领导小组) of a region, who decides what the authority and an agency cannot agree on (Art. 13 ¶3). */
export function leadingGroupOf(db: Executor, region: string) {
  return db.selectFrom('organisations').select('id').where('kind', '=', 'leading_group').where('region', '=', region).orderBy('id').executeTakeFirst();
}

/** Every organisation by id: agencies, authorities, the leading group. */
export function listOrganisations(db: Executor) {
  return db
    .selectFrom('organisations')
    .select(['id', 'name', 'kind', 'level', 'division', 'government_department as governmentDepartment'])
    .orderBy('id')
    .execute();
}

/** Organisations' names by id. */
export async function organisationNames(db: Executor, ids: readonly string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const rows = await db
    .selectFrom('organisations')
    .select(['id', 'name'])
    .where('id', 'in', [...ids])
    .execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}
