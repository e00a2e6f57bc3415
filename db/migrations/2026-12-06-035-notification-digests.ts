import { Kysely, sql } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  // The daily digest of a person's tasks falling due (issue 26 §2): one per person and day (Asia/Shanghai), its e-mail
  // an outbox row written in the same transaction as this row, so that however many deliverers look, it goes once.
  await db.schema
    .createTable('notification_digests')
    .addColumn('sub', 'text', (c) => c.notNull())
    .addColumn('org', 'text', (c) => c.notNull())
    .addColumn('day', 'date', (c) => c.notNull())
    .addColumn('tasks', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('notification_digests_pkey', ['sub', 'org', 'day'])
    .execute();
  // Who asked for a digest: the deliverer's daily pass reads them.
  await sql`create index notification_preferences_digest on notification_preferences (sub, org) where digest`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists notification_preferences_digest`.execute(db);
  await db.schema.dropTable('notification_digests').execute();
}
