// The statutory calendar as this deployment holds it: chinese-days' holidays and make-up working days,
// with the override table (calendar_overrides) on top. Activities count deadlines with it; the API
// lists working days for clients that show due times in working days.
import * as chineseDays from 'chinese-days';
import type { IsWorkday } from '../../domain/calendar';
import type { Executor } from '../index';

/** chinese-days carries holiday data for these years only; later years read as plain Monday–Friday weeks. */
const KNOWN_FIRST_YEAR = 2004;
const KNOWN_LAST_YEAR = 2026;

export async function readCalendarOverrides(db: Executor): Promise<Map<string, boolean>> {
  const rows = await db.selectFrom('calendar_overrides').select(['day', 'is_workday']).execute();
  return new Map(rows.map((r) => [r.day, r.is_workday]));
}

/** Whether a day is a working day; `unknown` is called for a day outside the known years that no override covers. */
export function statutoryCalendar(overrides: Map<string, boolean>, unknown: () => void = () => {}): IsWorkday {
  return (day) => {
    const o = overrides.get(day);
    if (o !== undefined) return o;
    const year = Number(day.slice(0, 4));
    if (year < KNOWN_FIRST_YEAR || year > KNOWN_LAST_YEAR) unknown();
    return chineseDays.isWorkday(day);
  };
}
