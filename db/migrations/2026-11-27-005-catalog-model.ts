import { Kysely, sql } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  // The entry as Art. 9 ¶1 lists it (内容、形式、共享开放属性、使用条件、更新频率), typed (domain/catalog.ts).
  // Fields become objects: name, type, description, whether they identify a person or an organisation (Art. 10 ¶2).
  await sql`alter table catalog_entries drop constraint share_none_based, drop constraint open_none_based`.execute(db);
  await sql`
    update catalog_entries set fields = coalesce(
      (select jsonb_agg(jsonb_build_object('name', f, 'type', 'string', 'description', '', 'identifies', null)) from jsonb_array_elements_text(fields) f),
      '[]'::jsonb)`.execute(db);
  // A basis is a list of provisions, each with its level (法律/法规/规章/国家有关规定), title and article;
  // the free text written before is kept as the title of one 国家有关规定 (its level was never stated).
  for (const side of ['share', 'open'])
    await sql`
      alter table catalog_entries alter column ${sql.raw(`${side}_basis`)} type jsonb using
        case when ${sql.raw(`${side}_basis`)} is null then '[]'::jsonb
             else jsonb_build_array(jsonb_build_object('level', 'national', 'title', ${sql.raw(`${side}_basis`)}, 'article', '')) end`.execute(db);
  await sql`
    alter table catalog_entries
      alter column share_basis set default '[]'::jsonb, alter column share_basis set not null,
      alter column open_basis set default '[]'::jsonb, alter column open_basis set not null,
      add column form text not null default 'table' check (form in ('table','file','api','licence','other')),
      add column use_conditions text,
      add column update_frequency text not null default '',
      add column open_ground text check (open_ground in ('security','processing','particular_conditions')),
      add column open_opening jsonb,
      add column priority_open boolean not null default false,
      add column share_status text not null default 'published' check (share_status in ('published','suspended','withdrawn')),
      add column open_status text not null default 'published' check (open_status in ('published','suspended','withdrawn')),
      add constraint share_none_based check (share_attribute <> 'NONE' or jsonb_array_length(share_basis) > 0),
      add constraint open_none_based check (open_attribute <> 'NONE' or jsonb_array_length(open_basis) > 0),
      add constraint fields_list check (jsonb_typeof(fields) = 'array')`.execute(db);
  // Sharing and opening are published, suspended or withdrawn each on its own: suspending openness must not stop sharing.
  await sql`update catalog_entries set share_status = status, open_status = status`.execute(db);
  await db.schema.alterTable('catalog_entries').dropColumn('status').execute();
  // The list's text search (title, description, field names) in one lower-cased column, indexed by
  // trigrams where pg_trgm is installed (it is in PostgreSQL's contrib, the embedded server's and the
  // official image's): a rare word is then found without reading every entry.
  await sql`
    alter table catalog_entries add column search_text text generated always as
      (lower(title || ' ' || description || ' ' || jsonb_path_query_array(fields, '$[*].name')::text)) stored`.execute(db);
  const trgm = await sql<{ ok: boolean }>`select exists (select 1 from pg_available_extensions where name = 'pg_trgm') as ok`.execute(db);
  if (trgm.rows[0]?.ok) {
    await sql`create extension if not exists pg_trgm`.execute(db);
    await sql`create index catalog_entries_search on catalog_entries using gin (search_text gin_trgm_ops)`.execute(db);
    // Art. 8: entries whose title is like a new one's (similarity), found by index.
    await sql`create index catalog_entries_title_trgm on catalog_entries using gin (lower(title) gin_trgm_ops)`.execute(db);
  }
  // Art. 8: entries holding any of a new entry's field names, found by index.
  await sql`create index catalog_entries_field_names on catalog_entries using gin ((jsonb_path_query_array(fields, '$[*].name')))`.execute(db);
  // Every version says why it was made (the adjustment's ground), besides who and by which request.
  await db.schema.alterTable('catalog_entry_versions').addColumn('reason', 'text').execute();
  // Every version's snapshot in the new shape, converted as the rows were (a version shows what the entry was).
  const basis = (side: string) => sql`case jsonb_typeof(snapshot->${side})
      when 'string' then jsonb_build_array(jsonb_build_object('level', 'national', 'title', snapshot->>${side}, 'article', ''))
      when 'array' then snapshot->${side} else '[]'::jsonb end`;
  await sql`
    update catalog_entry_versions set snapshot = (snapshot - 'status') || jsonb_build_object(
      'fields', coalesce((select jsonb_agg(case jsonb_typeof(f) when 'string' then jsonb_build_object('name', f #>> '{}', 'type', 'string', 'description', '', 'identifies', null) else f end)
                          from jsonb_array_elements(snapshot->'fields') f), '[]'::jsonb),
      'share_basis', ${basis('share_basis')},
      'open_basis', ${basis('open_basis')},
      'share_status', coalesce(snapshot->'status', '"published"'::jsonb),
      'open_status', coalesce(snapshot->'status', '"published"'::jsonb),
      'form', 'table', 'use_conditions', null, 'update_frequency', '', 'open_ground', null, 'open_opening', null, 'priority_open', false)`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists catalog_entries_search, catalog_entries_title_trgm, catalog_entries_field_names`.execute(db);
  await sql`alter table catalog_entries drop column search_text`.execute(db);
  await db.schema.alterTable('catalog_entry_versions').dropColumn('reason').execute();
  await sql`alter table catalog_entries add column status text not null default 'published' check (status in ('published','suspended','withdrawn'))`.execute(
    db,
  );
  await sql`update catalog_entries set status = share_status`.execute(db);
  await sql`
    alter table catalog_entries
      drop constraint share_none_based, drop constraint open_none_based, drop constraint fields_list,
      drop column form, drop column use_conditions, drop column update_frequency, drop column open_ground,
      drop column open_opening, drop column priority_open, drop column share_status, drop column open_status`.execute(db);
  for (const side of ['share', 'open'])
    await sql`
      alter table catalog_entries alter column ${sql.raw(`${side}_basis`)} drop default, alter column ${sql.raw(`${side}_basis`)} drop not null,
        alter column ${sql.raw(`${side}_basis`)} type text using
          case when jsonb_array_length(${sql.raw(`${side}_basis`)}) = 0 then null else ${sql.raw(`${side}_basis`)}->0->>'title' end`.execute(db);
  await sql`update catalog_entries set fields = coalesce((select jsonb_agg(f->>'name') from jsonb_array_elements(fields) f), '[]'::jsonb)`.execute(db);
  await sql`
    alter table catalog_entries
      add constraint share_none_based check (share_attribute <> 'NONE' or share_basis is not null),
      add constraint open_none_based check (open_attribute <> 'NONE' or open_basis is not null)`.execute(db);
}
