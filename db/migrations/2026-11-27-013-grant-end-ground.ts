import { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  // The ground a revocation named, from a closed list (domain/share.ts REVOCATION_GROUNDS): a grant ends
  // early only for one of them (Art. 14); null for an expiry or an end the catalog caused.
  await db.schema.alterTable('grants').addColumn('end_ground', 'text').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('grants').dropColumn('end_ground').execute();
}
