// npm run migrate: creates the database in DATABASE_URL when missing and applies every migration.
import { loadConfig } from '../config';
import { createDb, ensureDatabase, migrateToLatest } from '../db';

async function main() {
  const { databaseUrl } = loadConfig();
  await ensureDatabase(databaseUrl);
  const db = createDb(databaseUrl, 1);
  try {
    const applied = await migrateToLatest(db);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
  } finally {
    await db.destroy();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
