import { Kysely, sql } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  // Requests page by a monotonic key: created_at ties within a millisecond lost rows from pages.
  await sql`alter table requests add column seq bigint generated always as identity`.execute(db);
  await db.schema.createIndex('requests_applicant_seq').on('requests').columns(['applicant_sub', 'seq desc']).execute();
  await db.schema.dropIndex('requests_applicant').execute();
  // The POST that started the workflow (of several racing with one Idempotency-Key) answers 201.
  await db.schema.alterTable('requests').addColumn('submission_id', 'text').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('requests_applicant').on('requests').columns(['applicant_sub', 'created_at desc', 'id desc']).execute();
  await db.schema.dropIndex('requests_applicant_seq').execute();
  await db.schema.alterTable('requests').dropColumn('seq').dropColumn('submission_id').execute();
}
