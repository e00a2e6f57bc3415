import { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  // An entry's requests of a type, newest first: the error reports of an entry are read together (Art. 11),
  // by its agency, the authority over it and the verification task, without reading every request.
  await db.schema.createIndex('requests_entry_type').on('requests').columns(['catalog_entry_id', 'type', 'created_at desc', 'id desc']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('requests_entry_type').execute();
}
