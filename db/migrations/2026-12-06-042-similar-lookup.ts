import { Kysely, sql } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  // Art. 8's look-up by field names (issue 27 §2): at a million entries a common name is held by 20,000 of them, and
  // reading each from catalog_entries for its title cost more than the rest of the look-up. One row a (name, entry)
  // of the entries still in the catalog, its title lower-cased beside it, kept by trigger: the look-up reads only
  // this table's index. Withdrawn entries are left out, as the look-up leaves them.
  await sql`create table catalog_entry_field_names (
    name text not null,
    entry_id text not null,
    title text not null,
    provider_org_id text not null,
    primary key (name, entry_id) include (title, provider_org_id)
  )`.execute(db);
  await sql`create function catalog_entry_field_names_keep() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' and old.fields is not distinct from new.fields and old.title is not distinct from new.title
         and old.share_status is not distinct from new.share_status and old.provider_org_id is not distinct from new.provider_org_id then
        return null;
      end if;
      if tg_op <> 'INSERT' then
        delete from catalog_entry_field_names where entry_id = old.id;
      end if;
      if tg_op <> 'DELETE' and new.share_status <> 'withdrawn' then
        insert into catalog_entry_field_names (name, entry_id, title, provider_org_id)
        select distinct n, new.id, lower(new.title), new.provider_org_id
        from jsonb_array_elements_text(jsonb_path_query_array(new.fields, '$[*].name')) n;
      end if;
      return null;
    end $$`.execute(db);
  await sql`create trigger catalog_entry_field_names_keep after insert or update or delete on catalog_entries
    for each row execute function catalog_entry_field_names_keep()`.execute(db);
  await sql`insert into catalog_entry_field_names (name, entry_id, title, provider_org_id)
    select distinct n, e.id, lower(e.title), e.provider_org_id
    from catalog_entries e, jsonb_array_elements_text(jsonb_path_query_array(e.fields, '$[*].name')) n
    where e.share_status <> 'withdrawn'`.execute(db);

  // The list's text search (`q`) walks the catalog in id order when a word is common and reads the trigram index when
  // it is rare; which one, the planner guesses from a sample of search_text. At a million entries the default sample
  // (100 histogram bins) saw a word held by 1 entry in 50 as rare now and then, and its page took 165 ms, not 6: a
  // thousand bins see it as it is.
  await sql`alter table catalog_entries alter column search_text set statistics 1000`.execute(db);

  // Art. 8's look-up by title reads the titles nearest first (the index's distance order) and stops at its page. With
  // the default 12-byte signature, a million titles sharing their first characters left the inner pages unable to
  // tell branches apart, and the nearest ten read 6,800 pages; with 256 bytes, about 1,000.
  const trgm = await sql<{ ok: boolean }>`select exists (select 1 from pg_extension where extname = 'pg_trgm') as ok`.execute(db);
  if (!trgm.rows[0]?.ok) return;
  await sql`drop index if exists catalog_entries_title_gist`.execute(db);
  await sql`create index catalog_entries_title_gist on catalog_entries using gist (lower(title) gist_trgm_ops(siglen = 256))`.execute(db);
  // And the nearest titles among one field name's holders: the name an equality in the same index (btree_gist, in
  // PostgreSQL's contrib as pg_trgm is). Without it the look-up is the same, each name's holders sorted instead.
  const btree = await sql<{ ok: boolean }>`select exists (select 1 from pg_available_extensions where name = 'btree_gist') as ok`.execute(db);
  if (!btree.rows[0]?.ok) return;
  await sql`create extension if not exists btree_gist`.execute(db);
  await sql`create index catalog_entry_field_names_nearest on catalog_entry_field_names using gist (name, title gist_trgm_ops(siglen = 256))`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table catalog_entries alter column search_text set statistics -1`.execute(db);
  await sql`drop trigger if exists catalog_entry_field_names_keep on catalog_entries`.execute(db);
  await sql`drop function if exists catalog_entry_field_names_keep()`.execute(db);
  await sql`drop table if exists catalog_entry_field_names`.execute(db);
  const trgm = await sql<{ ok: boolean }>`select exists (select 1 from pg_extension where extname = 'pg_trgm') as ok`.execute(db);
  if (!trgm.rows[0]?.ok) return;
  await sql`drop index if exists catalog_entries_title_gist`.execute(db);
  await sql`create index catalog_entries_title_gist on catalog_entries using gist (lower(title) gist_trgm_ops)`.execute(db);
}
