import { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  // The requests an organisation is party to (an authority's disputes, listed for each of its reviewers),
  // found without reading every request.
  await db.schema.createIndex('requests_org_type').on('requests').columns(['applicant_org', 'type']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('requests_org_type').execute();
}
