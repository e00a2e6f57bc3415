// What npm start and npm run cluster share: stopping in order on a signal, the database's migrations and
// demo seed, and the demo tokens they print.
import { ConfigError, loadConfig, loadSecrets } from '../config';
import { createDb, ensureDatabase, migrateToLatest, type Db } from '../db';
import { getOrganisation } from '../db/repositories/organisations';
import { cityIds, DEMO_PREFIX, DEMO_REGION, demoUsers, seedCity, seedDemoPeople } from '../db/seed';
import { devToken } from './tokens';

/** The configuration and secrets, or the process ends naming what is wrong with them (before anything starts). */
export function configOrExit(): { config: ReturnType<typeof loadConfig>; secrets: ReturnType<typeof loadSecrets> } {
  try {
    return { config: loadConfig(), secrets: loadSecrets() };
  } catch (err) {
    console.error(err instanceof ConfigError ? `configuration error: ${err.message}` : err);
    process.exit(1);
  }
}

export interface Shutdown {
  /** Undo steps, run last-in first-out on shutdown or on a failed start. */
  undo: { name: string; run: () => Promise<unknown> }[];
  /** Last resort when a step hangs: whatever we started is killed, so nothing outlives the run. */
  killAll: (() => void)[];
  shutdown(code: number): Promise<void>;
  /** Whether a shutdown has begun. */
  stopping(): boolean;
}

/**
 * Stops what was started, in reverse order, on SIGINT, SIGTERM or SIGHUP (or a failed start), logging each
 * step as `stopped <name>`, then `finish()` and exit. Ctrl-C in a terminal signals the whole group and npm
 * forwards it once more: a second signal while stopping is noted, never allowed to cut the shutdown short
 * (which would orphan servers).
 */
export function orderlyShutdown(tag: string, finish: () => void = () => {}): Shutdown {
  const log = (msg: string) => console.log(`[${tag}] ${msg}`);
  const undo: Shutdown['undo'] = [];
  const killAll: Shutdown['killAll'] = [];
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => {
      console.error(`[${tag}] shutdown took over 60 s; killing what is left`);
      killAll.forEach((kill) => kill());
      process.exit(1);
    }, 60_000).unref();
    for (const step of undo.reverse()) {
      try {
        await step.run();
        log(`stopped ${step.name}`);
      } catch (err) {
        console.error(`[${tag}] stopping ${step.name} failed:`, err);
        code = code || 1;
      }
    }
    finish();
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.on(signal, () => {
      if (stopping) log(`${signal} received again; still stopping in order`);
      else {
        log(`${signal} received; stopping`);
        void shutdown(0);
      }
    });
  return { undo, killAll, shutdown, stopping: () => stopping };
}

/** Creates and migrates the database, seeds the demo city when it is empty; answers whether the demo city is there. */
export async function prepareDatabase(databaseUrl: string, log: (msg: string) => void): Promise<{ db: Db; isDemo: boolean }> {
  await ensureDatabase(databaseUrl);
  const db = createDb(databaseUrl);
  try {
    const applied = await migrateToLatest(db);
    if (applied.length) log(`migrated: ${applied.join(', ')}`);
    const city = cityIds(DEMO_PREFIX, DEMO_REGION);
    if (!(await db.selectFrom('organisations').select('id').limit(1).executeTakeFirst())) {
      await db.transaction().execute((tx) => seedCity(tx, DEMO_PREFIX, DEMO_REGION));
      log('seeded the demo city of Rizhao');
    }
    const isDemo = !!(await getOrganisation(db, city.cityAuthority));
    // Every start: a data directory from before the directory of people gets the demo people too.
    if (isDemo) await seedDemoPeople(db, city);
    return { db, isDemo };
  } catch (err) {
    await db.destroy();
    throw err;
  }
}

/** The lines that give a ready-to-paste token per demo person. */
export function demoTokenLines(jwtSecret: string, api: string): string[] {
  return [
    'Demo tokens (valid 7 days), e.g. curl -H "Authorization: Bearer <token>" ' + api + '/tasks',
    ...demoUsers(cityIds(DEMO_PREFIX, DEMO_REGION)).map(
      (u) => `  ${u.label.padEnd(40)} ${u.sub} @ ${u.org ?? 'the public'}\n    ${devToken(jwtSecret, u, '7d')}`,
    ),
    '',
  ];
}
