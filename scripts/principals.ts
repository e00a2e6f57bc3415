// npm run principals -- rotate: after a new key is put in front of PRINCIPAL_KEYS (the old ones kept behind
// it), re-seals every resident ID number still sealed under an older key; then the old key may be dropped.
import { resealAll } from '../api/principal-keys';
import { loadConfig, loadSecrets } from '../config';
import { createDb } from '../db';

async function main() {
  if (process.argv[2] !== 'rotate') {
    console.error('usage: npm run principals -- rotate');
    process.exitCode = 2;
    return;
  }
  const config = loadConfig();
  const { principalKeys } = loadSecrets();
  const db = createDb(config.databaseUrl, 1);
  try {
    const n = await resealAll(db, principalKeys);
    console.log(`${n} resident ID numbers re-sealed under key ${principalKeys.ring[0].version}`);
  } finally {
    await db.destroy();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
