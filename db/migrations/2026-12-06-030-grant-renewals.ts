import { Kysely, sql } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  // A grant renewed (issue 24 §6): the grant it renews, and when its term starts (the renewed one's expiry when approved
  // before it, so the two neither gap nor overlap; null: when it was granted, as every grant before).
  await db.schema
    .alterTable('grants')
    .addColumn('renews', 'text', (c) => c.references('grants.id'))
    .addColumn('starts_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('grants_renews').on('grants').column('renews').where(sql.ref('renews'), 'is not', null).execute();
  // The renewal request names the grant in its payload (`renews`): its pending renewals are found by it.
  await sql`create index requests_renews on requests ((payload->>'renews')) where type = 'share' and payload ? 'renews'`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists requests_renews`.execute(db);
  await db.schema.dropIndex('grants_renews').ifExists().execute();
  await db.schema.alterTable('grants').dropColumn('starts_at').dropColumn('renews').execute();
}
