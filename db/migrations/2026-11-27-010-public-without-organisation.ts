import { Kysely, sql } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  // Members of the public act for no organisation: their requests, the tasks addressed to them and their
  // comments carry none (rows written before carried whatever their token named, never a registered organisation).
  await sql`alter table requests alter column applicant_org drop not null`.execute(db);
  await sql`update requests set applicant_org = null where applicant_org not in (select id from organisations)`.execute(db);
  await sql`alter table consultation_comments alter column author_org drop not null`.execute(db);
  await sql`update consultation_comments set author_org = null where author_org not in (select id from organisations)`.execute(db);
  await sql`alter table task_candidates alter column org drop not null`.execute(db);
  await sql`alter table tasks alter column candidate_org drop not null`.execute(db);
  await sql`update tasks set candidate_org = null where candidate_org not in (select id from organisations)`.execute(db);
  // The candidates list too (its trigger keeps task_candidates in step).
  await sql`
    update tasks set candidates = (
      select jsonb_agg(case when c ? 'org' and (c->>'org') not in (select id from organisations) then jsonb_set(c, '{org}', 'null'::jsonb) else c end order by n)
      from jsonb_array_elements(candidates) with ordinality as x(c, n)
    )
    where exists (select 1 from jsonb_array_elements(candidates) c where (c->>'org') not in (select id from organisations))`.execute(db);
  // A member of the public's inbox: the tasks addressed to them by name.
  await sql`create index task_candidates_personal on task_candidates (user_sub, role, status, due_at, task_id) where user_sub is not null`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index task_candidates_personal`.execute(db);
  for (const [table, column] of [
    ['requests', 'applicant_org'],
    ['consultation_comments', 'author_org'],
    ['tasks', 'candidate_org'],
    ['task_candidates', 'org'],
  ])
    await sql`update ${sql.table(table)} set ${sql.ref(column)} = 'public' where ${sql.ref(column)} is null`.execute(db);
  await sql`update tasks set candidates = (select jsonb_agg(case when c->'org' = 'null'::jsonb then jsonb_set(c, '{org}', '"public"') else c end) from jsonb_array_elements(candidates) c) where candidates @> '[{"org": null}]'`.execute(
    db,
  );
  for (const [table, column] of [
    ['requests', 'applicant_org'],
    ['consultation_comments', 'author_org'],
    ['tasks', 'candidate_org'],
    ['task_candidates', 'org'],
  ])
    await sql`alter table ${sql.table(table)} alter column ${sql.ref(column)} set not null`.execute(db);
}
