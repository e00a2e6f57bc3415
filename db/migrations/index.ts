// Every migration, in order. Listed explicitly so bundlers and test runners need no file scanning.
import type { Migration } from 'kysely';
import * as m001 from './2026-11-26-001-initial';

export const migrations: Record<string, Migration> = {
  '2026-11-26-001-initial': m001,
};
