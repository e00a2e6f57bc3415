import { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  // Art. 13 ¶3: while a share-attribute dispute runs, the published attribute stands and the entry shows
  // the dispute (the request deciding it); null when none runs.
  await db.schema.alterTable('catalog_entries').addColumn('share_dispute', 'text').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('catalog_entries').dropColumn('share_dispute').execute();
}
