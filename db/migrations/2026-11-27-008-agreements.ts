import { Kysely, sql } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  // Art. 20: the 公共数据开放利用协议 a conditional open application ends in. Its text is stored as signed
  // (with the SHA-256 of it); each signature records who, when and the hash they signed.
  await db.schema
    .createTable('agreements')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('request_id', 'text', (c) => c.notNull().unique().references('requests.id'))
    .addColumn('workflow_id', 'text', (c) => c.notNull())
    .addColumn('catalog_entry_id', 'text', (c) => c.notNull())
    .addColumn('provider_org', 'text', (c) => c.notNull())
    .addColumn('licensee_sub', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('terms', 'jsonb', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('awaiting_signature','awaiting_countersignature','in_force','lapsed','declined','cancelled','expired','terminated')`),
    )
    .addColumn('signatures', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('in_force_at', 'timestamptz')
    .addColumn('ends_at', 'timestamptz')
    .addColumn('ended_at', 'timestamptz')
    .addColumn('end_reason', 'text')
    .execute();
  // A withdrawal's cascade finds every agreement of an entry still living.
  await db.schema.createIndex('agreements_entry_status').on('agreements').columns(['catalog_entry_id', 'status']).execute();
  await db.schema.createIndex('agreements_licensee').on('agreements').columns(['licensee_sub', 'created_at']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('agreements').execute();
}
