// The directory of people: staff as their tokens last said (sub, organisation, roles, name), recorded when
// they use the API (api/auth.ts) and by the demo seed; read to show who holds a task by name.
import { sql } from 'kysely';
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

/** The name the directory knows the person `ref` names by (the most recently seen with one), for showing who holds a task. */
export const nameOf = (ref: 'tasks.assignee' | 't.assignee') =>
  sql<string | null>`(select p.display_name from people p where p.sub = ${sql.ref(ref)} and p.display_name is not null order by p.last_seen_at desc limit 1)`;
