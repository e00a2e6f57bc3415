import type { EmbeddedPg } from '../scripts/embedded-postgres';
import type { DevServer } from '../scripts/temporal-dev-server';

export default async function globalTeardown(): Promise<void> {
  const g = globalThis as { __temporal?: DevServer; __embeddedPg?: EmbeddedPg };
  await g.__temporal?.stop();
  await g.__embeddedPg?.stop();
}
