import { dropDatabase } from '../db';
import type { EmbeddedPg } from '../scripts/embedded-postgres';
import type { DevServer } from '../scripts/temporal-dev-server';

export default async function globalTeardown(): Promise<void> {
  const g = globalThis as { __temporal?: DevServer; __embeddedPg?: EmbeddedPg; __dropTestDb?: string };
  await g.__temporal?.stop();
  // The run's own database (named after the checkout) goes with it; a named TEST_DATABASE_URL stays.
  if (g.__dropTestDb && !g.__embeddedPg) await dropDatabase(g.__dropTestDb).catch((err) => console.warn(`test database not dropped: ${err}`));
  await g.__embeddedPg?.stop();
}
