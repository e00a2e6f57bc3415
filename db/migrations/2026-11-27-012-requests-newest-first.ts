import { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  // One's requests page newest first by (created_at, id), not by seq: the order rows were written in is
  // not the order requests were made in when their writes overlap.
  await db.schema.createIndex('requests_applicant').on('requests').columns(['applicant_sub', 'created_at desc', 'id desc']).execute();
  await db.schema.dropIndex('requests_applicant_seq').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('requests_applicant_seq').on('requests').columns(['applicant_sub', 'seq desc']).execute();
  await db.schema.dropIndex('requests_applicant').execute();
}
