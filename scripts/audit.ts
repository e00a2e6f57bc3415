// npm run audit -- verify
// Checks every hash chain of the audit trail (migration 022): each event's hash is that of what it holds, and
// each carries its predecessor's. Prints what it checked and every break found; exits 1 on any break.
import { loadConfig } from '../config';
import { createDb } from '../db';
import { chainBreaks, chainCounts } from '../db/repositories/audit';

async function main() {
  const [command] = process.argv.slice(2);
  if (command !== 'verify') {
    console.error('usage: npm run audit -- verify');
    process.exitCode = 2;
    return;
  }
  const db = createDb(loadConfig().databaseUrl, 1);
  try {
    const { events, chains } = await chainCounts(db);
    const breaks = await chainBreaks(db, 1000);
    for (const b of breaks) console.log(`broken: event ${b.id} (request ${b.request_id ?? '—'}, place ${b.chain_seq}): ${b.problem}`);
    console.log(
      `${events} events in ${chains} chains checked: ${breaks.length ? `${breaks.length}${breaks.length === 1000 ? ' or more' : ''} broken` : 'all intact'}`,
    );
    if (breaks.length) process.exitCode = 1;
  } finally {
    await db.destroy();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
