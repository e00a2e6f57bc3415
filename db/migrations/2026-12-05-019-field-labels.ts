import { Kysely, sql, type RawBuilder } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  // Every data item carries its 信息项名称 (`label`) beside its identifier; items stored before have none, so
  // they take their identifier until their agency names them (entries and every version's snapshot alike).
  const labelled = (fields: RawBuilder<unknown>) =>
    sql`coalesce((select jsonb_agg(case when coalesce(f->>'label', '') = '' then f || jsonb_build_object('label', f->>'name') else f end order by n)
                  from jsonb_array_elements(${fields}) with ordinality as x(f, n)), '[]'::jsonb)`;
  await sql`update catalog_entries set fields = ${labelled(sql`fields`)}
            where jsonb_path_exists(fields, '$[*] ? (!exists(@.label))')`.execute(db);
  await sql`update catalog_entry_versions set snapshot = jsonb_set(snapshot, '{fields}', ${labelled(sql`snapshot->'fields'`)})
            where jsonb_typeof(snapshot->'fields') = 'array' and jsonb_path_exists(snapshot->'fields', '$[*] ? (!exists(@.label))')`.execute(db);
  // The list's text search finds an entry by its items' 信息项名称 as well.
  await searchText(db, `jsonb_path_query_array(fields, '$[*].name')::text || ' ' || jsonb_path_query_array(fields, '$[*].label')::text`);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await searchText(db, `jsonb_path_query_array(fields, '$[*].name')::text`);
}

/** search_text (migration 005) generated again from the title, description and `items`, with its trigram index where pg_trgm is. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function searchText(db: Kysely<any>, items: string): Promise<void> {
  await sql`drop index if exists catalog_entries_search`.execute(db);
  await sql`alter table catalog_entries drop column search_text`.execute(db);
  await sql`alter table catalog_entries add column search_text text generated always as
      (lower(title || ' ' || description || ' ' || ${sql.raw(items)})) stored`.execute(db);
  const trgm = await sql<{ ok: boolean }>`select exists (select 1 from pg_extension where extname = 'pg_trgm') as ok`.execute(db);
  if (trgm.rows[0]?.ok) await sql`create index catalog_entries_search on catalog_entries using gin (search_text gin_trgm_ops)`.execute(db);
}
