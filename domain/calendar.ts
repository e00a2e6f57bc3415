// Working-day arithmetic on the statutory calendar, in Asia/Shanghai (UTC+8, no daylight saving).
// Pure: the caller supplies which days are working days (package data plus the override table).
import type { Duration } from './types';

export type IsWorkday = (day: string) => boolean;

const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;

/** The Shanghai calendar date (YYYY-MM-DD) of an instant. */
export function shanghaiDay(at: Date): string {
  return new Date(at.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/** The day of an instant as a person reads it in Asia/Shanghai: 2026年12月5日 (the console, notices). */
export function shanghaiDate(at: Date | string): string {
  const [y, m, d] = shanghaiDay(new Date(at)).split('-');
  return `${Number(y)}年${Number(m)}月${Number(d)}日`;
}

/** An instant as a person reads it in Asia/Shanghai: 2026年12月5日 11:49 (the console, notices). */
export function shanghaiTime(at: Date | string): string {
  const t = new Date(at);
  return `${shanghaiDate(t)} ${new Date(t.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(11, 16)}`;
}

/** Whether `s` is a day of the calendar written YYYY-MM-DD (2026-02-30 is not, nor year 0, which PostgreSQL refuses). */
export function isCalendarDay(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(s) && s >= '0001-01-01' && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && addDays(s, 0) === s;
}

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** The last millisecond of a Shanghai calendar day. */
export function endOfDay(day: string): Date {
  return new Date(Date.parse(`${day}T00:00:00Z`) - SHANGHAI_OFFSET_MS + DAY_MS - 1);
}

/** The n-th working day after `day` (the day itself is not counted); n <= 0 walks backwards. */
export function shiftWorkdays(day: string, n: number, isWorkday: IsWorkday): string {
  const step = n >= 0 ? 1 : -1;
  let left = Math.abs(n);
  let d = day;
  while (left > 0) {
    d = addDays(d, step);
    if (isWorkday(d)) left--;
  }
  return d;
}

/**
 * "Within N working days" ends with the N-th working day after the start day (the start day is not
 * counted, as administrative deadlines are counted in China).
 */
export function deadlineAfter(from: Date, length: Duration, isWorkday: IsWorkday): Date {
  if ('seconds' in length) return new Date(from.getTime() + length.seconds * 1000);
  if ('days' in length) return endOfDay(addDays(shanghaiDay(from), length.days));
  return endOfDay(shiftWorkdays(shanghaiDay(from), length.workingDays, isWorkday));
}

/** The moment `length` before a deadline, e.g. the reminder two working days before it is due. */
export function deadlineBefore(due: Date, length: Duration, isWorkday: IsWorkday): Date {
  if ('seconds' in length) return new Date(due.getTime() - length.seconds * 1000);
  if ('days' in length) return endOfDay(addDays(shanghaiDay(due), -length.days));
  return endOfDay(shiftWorkdays(shanghaiDay(due), -length.workingDays, isWorkday));
}

/** Working days from `from` up to `to` (start day excluded, end day included); 0 when to <= from. */
export function workdaysBetween(from: Date, to: Date, isWorkday: IsWorkday): number {
  let count = 0;
  const last = shanghaiDay(to);
  for (let d = addDays(shanghaiDay(from), 1); d <= last; d = addDays(d, 1)) if (isWorkday(d)) count++;
  return count;
}

/** A quarter in Asia/Shanghai: its label (2026-Q4), its first instant and the first instant of the next. */
export interface Quarter {
  label: string;
  start: Date;
  end: Date;
}

/** The quarter in Asia/Shanghai that holds `at` (a usage report falls due at its end). */
export function quarterOf(at: Date): Quarter {
  const day = shanghaiDay(at);
  const year = Number(day.slice(0, 4));
  const q = Math.floor((Number(day.slice(5, 7)) - 1) / 3);
  const start = (y: number, month0: number) => new Date(Date.UTC(y, month0, 1) - SHANGHAI_OFFSET_MS);
  return { label: `${year}-Q${q + 1}`, start: start(year, q * 3), end: start(year, q * 3 + 3) };
}
