import { Kysely, sql } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  // A refresh taken out of the record would change a closed period's figure as surely as one edited (Art. 10, Art. 32):
  // DELETE is refused as UPDATE is (migration 029's function names the operation).
  await sql`create trigger catalog_refreshes_no_delete before delete on catalog_refreshes
    for each row execute function catalog_refreshes_keep()`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists catalog_refreshes_no_delete on catalog_refreshes`.execute(db);
}
