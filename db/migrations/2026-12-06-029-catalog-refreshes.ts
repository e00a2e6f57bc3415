import { Kysely, sql } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  // Art. 10 (及时、动态更新) against Art. 9 ¶1's declared 更新频率: each refresh of an entry's data on the platform, as
  // its providing agency records it (domain/catalog-refresh.ts). One record per entry and day (the natural key: a
  // second record of the same day adds nothing); a retried POST with the same Idempotency-Key names the same row (its
  // id derives from the caller and the key). Recorded with its audit event in one transaction; never edited.
  await db.schema
    .createTable('catalog_refreshes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('entry_id', 'text', (c) => c.notNull().references('catalog_entries.id'))
    // The provider when recorded (an entry's provider does not change; kept so a figure reads no join).
    .addColumn('provider_org_id', 'text', (c) => c.notNull().references('organisations.id'))
    // The day (Asia/Shanghai) the data on the platform was updated.
    .addColumn('data_updated_on', 'date', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('recorded_by_sub', 'text', (c) => c.notNull())
    .addColumn('recorded_by_org', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('catalog_refreshes_entry_day', ['entry_id', 'data_updated_on'])
    .execute();
  // The entry's page lists its refreshes newest first; the evaluation reads an entry's last before a period's end
  // (the unique constraint's index serves both).
  await sql`
    create function catalog_refreshes_keep() returns trigger language plpgsql as $$
    begin
      raise exception 'catalog_refreshes are kept as recorded (Art. 10): % refused', tg_op using errcode = 'insufficient_privilege';
    end $$`.execute(db);
  await sql`create trigger catalog_refreshes_no_update before update on catalog_refreshes
    for each row execute function catalog_refreshes_keep()`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('catalog_refreshes').execute();
  await sql`drop function if exists catalog_refreshes_keep()`.execute(db);
}
