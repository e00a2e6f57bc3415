// npm run audit -- verify | refold
// verify: checks every hash chain of the audit trail (migration 022): each event's hash is that of what it holds, and
// each carries its predecessor's; and that each task's folded trail (task_trails, migration 028: what the evaluation
// reads) is the fold of its events. Prints what it checked and every break found; exits 1 on any.
// refold: folds every task's trail again from the audit trail (what to do when verify finds a folded trail wrong).
import { loadConfig } from '../config';
import { createDb } from '../db';
import { chainBreaks, chainCounts } from '../db/repositories/audit';
import { refoldTaskTrails, taskTrailMismatches } from '../db/repositories/evaluation';

async function main() {
  const [command] = process.argv.slice(2);
  if (command !== 'verify' && command !== 'refold') {
    console.error('usage: npm run audit -- verify | refold');
    process.exitCode = 2;
    return;
  }
  const db = createDb(loadConfig().databaseUrl, 1);
  try {
    if (command === 'refold') {
      console.log(`${await refoldTaskTrails(db)} tasks' trails folded again from the audit trail`);
      return;
    }
    const { events, chains } = await chainCounts(db);
    const breaks = await chainBreaks(db, 1000);
    for (const b of breaks) console.log(`broken: event ${b.id} (request ${b.request_id ?? '—'}, place ${b.chain_seq}): ${b.problem}`);
    console.log(
      `${events} events in ${chains} chains checked: ${breaks.length ? `${breaks.length}${breaks.length === 1000 ? ' or more' : ''} broken` : 'all intact'}`,
    );
    const folds = await taskTrailMismatches(db, 1000);
    for (const m of folds) console.log(`task ${m.task_id}: folded trail ${m.problem}`);
    console.log(
      `tasks' folded trails checked against the trail: ${folds.length ? `${folds.length}${folds.length === 1000 ? ' or more' : ''} wrong (npm run audit -- refold)` : 'all agree'}`,
    );
    if (breaks.length || folds.length) process.exitCode = 1;
  } finally {
    await db.destroy();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
