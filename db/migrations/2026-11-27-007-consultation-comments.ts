import { Kysely, sql } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  // Art. 18 ¶2: comments of the public, industry organisations, enterprises and departments on the
  // entries an adjustment marks for priority opening, during its public consultation.
  await db.schema
    .createTable('consultation_comments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('request_id', 'text', (c) => c.notNull().references('requests.id'))
    .addColumn('n', 'integer', (c) => c.notNull())
    .addColumn('author_sub', 'text', (c) => c.notNull())
    .addColumn('author_org', 'text', (c) => c.notNull())
    .addColumn('author_kind', 'text', (c) => c.notNull().check(sql`author_kind in ('public','industry_org','enterprise','department')`))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('consultation_comments_request').on('consultation_comments').columns(['request_id', 'n']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('consultation_comments').execute();
}
