import { Kysely, sql } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  // The people the system knows (identities live in tokens): each staff person as their token last said,
  // per organisation they act for, so that a task is handed only to someone who exists and may act on it.
  await db.schema
    .createTable('people')
    .addColumn('sub', 'text', (c) => c.notNull())
    .addColumn('org', 'text', (c) => c.notNull().references('organisations.id'))
    .addColumn('roles', sql`text[]`, (c) => c.notNull())
    .addColumn('display_name', 'text')
    .addColumn('first_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('people_pkey', ['sub', 'org'])
    .execute();
  // Whom a task may go to: the people of its candidates' organisations.
  await db.schema.createIndex('people_org').on('people').columns(['org', 'sub']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('people').execute();
}
