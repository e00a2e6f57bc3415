// The directory of people: staff as their tokens last said (sub, organisation, roles, name), recorded when
// they use the API (api/auth.ts) and by the demo seed, read to hand a task only to someone real.
import { sql } from 'kysely';
import type { Candidate } from '../../domain/tasks';
import type { OrgActor } from '../../domain/types';
import type { Executor } from '../index';

/** A person as the directory knows them in one organisation. */
export type Person = OrgActor & { name: string | null };

/** `person` acted at `at`: a new entry, or their roles as now and their name if their token carries one. */
export async function recordPerson(db: Executor, person: Person, at = new Date()): Promise<void> {
  await db
    .insertInto('people')
    .values({ sub: person.sub, org: person.org, roles: person.roles, display_name: person.name, first_seen_at: at, last_seen_at: at })
    .onConflict((oc) =>
      oc.columns(['sub', 'org']).doUpdateSet({
        roles: (eb) => eb.ref('excluded.roles'),
        display_name: sql`coalesce(excluded.display_name, people.display_name)`,
        last_seen_at: (eb) => eb.ref('excluded.last_seen_at'),
      }),
    )
    .execute();
}

/** People known before they ever signed in (the demo city's): those already known are left as they are. */
export async function insertPeople(db: Executor, people: Person[]): Promise<void> {
  if (!people.length) return;
  await db
    .insertInto('people')
    .values(people.map((p) => ({ sub: p.sub, org: p.org, roles: p.roles, display_name: p.name })))
    .onConflict((oc) => oc.columns(['sub', 'org']).doNothing())
    .execute();
}

const asPerson = (r: { sub: string; org: string; roles: OrgActor['roles']; display_name: string | null }): Person => ({
  sub: r.sub,
  org: r.org,
  roles: r.roles,
  name: r.display_name,
});

/** Who `sub` is in each organisation of `orgs` (undefined: any) they were seen acting for, most recently seen first. */
export async function findPerson(db: Executor, sub: string, orgs: string[] | undefined): Promise<Person[]> {
  let q = db.selectFrom('people').select(['sub', 'org', 'roles', 'display_name']).where('sub', '=', sub);
  if (orgs) q = q.where('org', 'in', orgs.length ? orgs : ['']);
  return (await q.orderBy('last_seen_at', 'desc').execute()).map(asPerson);
}

/**
 * People who are among `candidates` (an organisation and a role it is for, or the person it names), but not
 * `excluded`, in `orgs` (undefined: any), by sub then organisation, after `after`. Members of the public are
 * no staff: the directory has none.
 */
export async function candidatePeople(
  db: Executor,
  f: { candidates: Candidate[]; excluded: string[]; orgs: string[] | undefined; after?: [string, string] | null; limit: number },
): Promise<Person[]> {
  const staff = f.candidates.filter((c): c is Candidate & { org: string } => c.org !== null);
  if (!staff.length) return [];
  let q = db
    .selectFrom('people')
    .select(['sub', 'org', 'roles', 'display_name'])
    .where((eb) =>
      eb.or(staff.map((c) => eb.and([eb('org', '=', c.org), sql<boolean>`${c.role} = any(roles)`, ...(c.user === null ? [] : [eb('sub', '=', c.user)])]))),
    );
  if (f.excluded.length) q = q.where('sub', 'not in', f.excluded);
  if (f.orgs) q = q.where('org', 'in', f.orgs.length ? f.orgs : ['']);
  const after = f.after;
  if (after) q = q.where((eb) => eb(eb.refTuple('sub', 'org'), '>', eb.tuple(after[0], after[1])));
  return (await q.orderBy('sub').orderBy('org').limit(f.limit).execute()).map(asPerson);
}

/** The name the directory knows the person `ref` names by (the most recently seen with one), for showing who holds a task. */
export const nameOf = (ref: 'tasks.assignee' | 't.assignee') =>
  sql<string | null>`(select p.display_name from people p where p.sub = ${sql.ref(ref)} and p.display_name is not null order by p.last_seen_at desc limit 1)`;

/** The people the directory knows in `who`'s organisation but them, by sub (whom they may name as delegate, 代理). */
export function colleaguesOf(db: Executor, who: { sub: string; org: string }, limit = 500) {
  return db
    .selectFrom('people')
    .select(['sub', 'display_name', 'roles'])
    .where('org', '=', who.org)
    .where('sub', '!=', who.sub)
    .orderBy('sub')
    .limit(limit)
    .execute();
}
