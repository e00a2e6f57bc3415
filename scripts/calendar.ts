// npm run calendar -- list | set <YYYY-MM-DD> <workday|holiday> [note] | unset <YYYY-MM-DD>
// Edits the override table that due times consult before the chinese-days package (ARCHITECTURE.md, "The task model"):
// days of years the package does not know yet, or corrections to it. Running workflows keep the
// due times they already have; new tasks use the table as it is then.
import { loadConfig } from '../config';
import { createDb } from '../db';
import { isCalendarDay } from '../domain/calendar';

async function main() {
  const [command, day, kind, ...note] = process.argv.slice(2);
  const usage = 'usage: npm run calendar -- list | set <YYYY-MM-DD> <workday|holiday> [note] | unset <YYYY-MM-DD>';
  const validDay = (d: string | undefined): d is string => !!d && isCalendarDay(d);
  const db = createDb(loadConfig().databaseUrl, 1);
  try {
    if (command === 'list') {
      const rows = await db.selectFrom('calendar_overrides').selectAll().orderBy('day').execute();
      for (const r of rows) console.log(`${r.day}  ${r.is_workday ? 'workday' : 'holiday'}  ${r.note}`);
      if (!rows.length) console.log('no overrides');
    } else if (command === 'set' && validDay(day) && (kind === 'workday' || kind === 'holiday')) {
      const values = { day, is_workday: kind === 'workday', note: note.join(' ') };
      await db
        .insertInto('calendar_overrides')
        .values(values)
        .onConflict((oc) => oc.column('day').doUpdateSet(values))
        .execute();
      console.log(`${day} is now a ${kind}`);
    } else if (command === 'unset' && validDay(day)) {
      await db.deleteFrom('calendar_overrides').where('day', '=', day).execute();
      console.log(`${day} follows the package calendar again`);
    } else {
      console.error(usage);
      process.exitCode = 2;
    }
  } finally {
    await db.destroy();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
