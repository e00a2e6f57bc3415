import { Kysely, sql } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  // Each request's case number (受理编号), given by the statement that first records it: a counter per region,
  // procedure and day in Asia/Shanghai. The upsert locks the day's row until that statement commits, so two
  // requests never draw the same number; an attempt that loses (a retried write of a recorded request) leaves a gap.
  await db.schema
    .createTable('case_counters')
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('procedure', 'text', (c) => c.notNull())
    .addColumn('day', 'date', (c) => c.notNull())
    .addColumn('n', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('case_counters_pkey', ['region', 'procedure', 'day'])
    .execute();
  // A function, so the number is drawn inside the insert that records the request (one statement, no round trip).
  await sql`
    create function next_case_number(p_region text, p_procedure text) returns text language sql volatile as $$
      with drawn as (
        insert into case_counters (region, procedure, day, n)
        values (p_region, p_procedure, (now() at time zone 'Asia/Shanghai')::date, 1)
        on conflict (region, procedure, day) do update set n = case_counters.n + 1
        returning day, n
      )
      select p_region || '-' || p_procedure || '-' || to_char(day, 'YYYYMMDD') || '-' || lpad(n::text, greatest(4, length(n::text)), '0') from drawn
    $$`.execute(db);
  // Requests recorded before this migration keep no number (null); unique, so a number names one request.
  await db.schema.alterTable('requests').addColumn('case_number', 'text').execute();
  await sql`create unique index requests_case_number on requests (case_number) where case_number is not null`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('requests_case_number').execute();
  await db.schema.alterTable('requests').dropColumn('case_number').execute();
  await sql`drop function next_case_number(text, text)`.execute(db);
  await db.schema.dropTable('case_counters').execute();
}
