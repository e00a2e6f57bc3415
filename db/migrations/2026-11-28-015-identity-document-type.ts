import { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  // Art. 10 ¶2 takes any identity document's number (身份证件号码): which one a natural person's number is, so it
  // is read back under its own name. Null for organisations, and for people registered before (resident ID cards).
  await db.schema.alterTable('principals').addColumn('id_document_type', 'text').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('principals').dropColumn('id_document_type').execute();
}
