import { Kysely, sql } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  // Art. 8's look-up (titles at least 0.4 similar): the GIN trigram index (005) cannot know a title's length, so every
  // title sharing 4 of a query's 9 trigrams passed it and was read from the table to be discarded (100,099 rows for
  // 3,068 at a million entries, issue 27 §2). A GiST index keeps a short title's trigrams in its leaves and answers
  // the similarity exactly there: the same titles, the look-up 558–901 ms against 907–1,185 ms at a million entries
  // (docs/operations.md, "Queries at a million").
  const trgm = await sql<{ ok: boolean }>`select exists (select 1 from pg_extension where extname = 'pg_trgm') as ok`.execute(db);
  if (!trgm.rows[0]?.ok) return;
  await sql`create index catalog_entries_title_gist on catalog_entries using gist (lower(title) gist_trgm_ops)`.execute(db);
  await sql`drop index if exists catalog_entries_title_trgm`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  const trgm = await sql<{ ok: boolean }>`select exists (select 1 from pg_extension where extname = 'pg_trgm') as ok`.execute(db);
  if (!trgm.rows[0]?.ok) return;
  await sql`create index if not exists catalog_entries_title_trgm on catalog_entries using gin (lower(title) gin_trgm_ops)`.execute(db);
  await sql`drop index if exists catalog_entries_title_gist`.execute(db);
}
