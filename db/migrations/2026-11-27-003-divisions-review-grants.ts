import { Kysely, sql } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  // Organisations carry their administrative division (GB/T 2260): "本级" and "市" authorities and
  // supervision are resolved from it. Rows from before have only a level: the city's own code, or the
  // first district's for county level (the demo city is the only data there was).
  await db.schema.alterTable('organisations').addColumn('division', 'text').execute();
  await sql`update organisations set division = case when level = 'city' then '371100' else '371102' end`.execute(db);
  await sql`alter table organisations alter column division set not null`.execute(db);
  await sql`alter table organisations add constraint organisations_division_code check (division ~ '^[1-9][0-9]{5}$')`.execute(db);
  // A task's context for its candidates, e.g. the authority's position when it consults the provider (Art. 14).
  await db.schema.alterTable('tasks').addColumn('context', 'jsonb').execute();
  // Who may not act on a task (nobody decides their own request; parties do not decide each other's tasks).
  await db.schema
    .alterTable('tasks')
    .addColumn('excluded', sql`text[]`)
    .execute();
  // Art. 15: the terms a grant was given on, kept with it.
  await db.schema.alterTable('grants').addColumn('terms', 'jsonb').execute();
  await db.schema.createIndex('grants_grantee').on('grants').columns(['grantee_org', 'id']).execute();
  await db.schema.createIndex('organisations_region_division').on('organisations').columns(['region', 'division', 'kind']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('organisations').dropColumn('division').execute();
  await db.schema.alterTable('tasks').dropColumn('context').execute();
  await db.schema.alterTable('tasks').dropColumn('excluded').execute();
  await db.schema.alterTable('grants').dropColumn('terms').execute();
}
