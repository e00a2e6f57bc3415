// Due and overdue in working days on the statutory calendar: the API lists the working days (holidays,
// make-up days and the deployment's overrides); the counting is domain/calendar.ts, as the workflows count.
import { signal } from '@preact/signals';
import { addDays, shanghaiDay, workdaysBetween, type IsWorkday } from '../../domain/calendar';
import { get } from './http';
import { t } from './i18n';

interface CalendarRange {
  from: string;
  to: string;
  workdays: string[];
}

const range = signal<{ from: string; to: string; days: Set<string> } | null>(null);

/** Loads the working days from 200 days ago to 200 days ahead, once per page load. */
export async function loadCalendar(): Promise<void> {
  if (range.value) return;
  const today = shanghaiDay(new Date());
  const r = await get<CalendarRange>(`/calendar?from=${addDays(today, -200)}&to=${addDays(today, 200)}`);
  range.value = { from: r.from, to: r.to, days: new Set(r.workdays) };
}

/** Outside the range loaded, a plain Monday–Friday week. */
export const isWorkday: IsWorkday = (day) => {
  const r = range.value;
  if (r && day >= r.from && day <= r.to) return r.days.has(day);
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
  return weekday !== 0 && weekday !== 6;
};

/** Working days until `dueAt` (positive), or past it (negative); 0: due today. */
export function workdaysLeft(dueAt: string, now = new Date()): number {
  const due = new Date(dueAt);
  return due >= now ? workdaysBetween(now, due, isWorkday) : -workdaysBetween(due, now, isWorkday);
}

export function dueText(dueAt: string, now = new Date()): string {
  void range.value; // re-render once the calendar has loaded
  const n = workdaysLeft(dueAt, now);
  if (new Date(dueAt) < now) return n === 0 ? t('overdueToday') : t('overdueBy', { n: -n });
  return n === 0 ? t('dueToday') : t('dueIn', { n });
}
