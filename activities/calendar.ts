// Due times on China's statutory calendar: chinese-days plus the override table (ARCHITECTURE.md, "The task model").
import { deadlineAfter, deadlineBefore, workdaysBetween, shiftWorkdays, shanghaiDay, endOfDay } from '../domain/calendar';
import type { Duration } from '../domain/types';
import type { Db } from '../db';
import { readCalendarOverrides, statutoryCalendar } from '../db/repositories/calendar';

export interface Deadlines {
  dueAt: string;
  remindAt: string | null;
  /** false when a day counted lies outside the years the calendar knows and no override covers it. */
  calendarKnown: boolean;
  /** When the task escalates if still open: `escalateAfter` past the due time (tasks that escalate only). */
  escalateAt?: string | null;
}

export interface DeadlineInput {
  length: Duration;
  reminderBefore?: Duration;
  /** Resume a paused clock: the old due time moves on by the working time the request was paused. */
  resume?: { dueAt: string; pausedAt: string };
  /** Count from this instant instead of now (an extension counts on from the current due time). */
  from?: string;
  /** How long past its due time an open task escalates (its supervising authority and candidates told again; nobody is added). */
  escalateAfter?: Duration;
}

/** Whether counting `input` asks of any day whether it is a working day (plain days and seconds never do). */
function countsWorkingDays(input: DeadlineInput): boolean {
  return [input.length, input.reminderBefore, input.escalateAfter].some((d) => d !== undefined && 'workingDays' in d);
}

/**
 * Counts the deadlines `inputs` on the statutory calendar as it is now: the override table is read once
 * (not at all when none of them counts working days, e.g. a grant's term in days), then each count is
 * pure (several tasks of one step share one read).
 */
export async function deadlineCounter(db: Db, inputs: DeadlineInput[]): Promise<(input: DeadlineInput, now?: Date) => Deadlines> {
  const read = inputs.some(countsWorkingDays);
  const overrides = read ? await readCalendarOverrides(db) : new Map<string, boolean>();
  return (input, now = new Date()) => {
    if (!read && countsWorkingDays(input)) throw new Error('deadlineCounter: this count needs the calendar; name its input when making the counter');
    // Per count: whether every day it counted lies in the years the calendar knows or an override covers.
    const state = { known: true };
    return countDeadlines(
      input,
      now,
      statutoryCalendar(overrides, () => (state.known = false)),
      state,
    );
  };
}

export async function computeDeadlines(db: Db, input: DeadlineInput, now = new Date()): Promise<Deadlines> {
  return (await deadlineCounter(db, [input]))(input, now);
}

function countDeadlines(input: DeadlineInput, now: Date, isWorkday: (day: string) => boolean, state: { known: boolean }): Deadlines {
  let due: Date;
  if (input.resume) {
    const oldDue = new Date(input.resume.dueAt);
    const pausedAt = new Date(input.resume.pausedAt);
    due =
      'workingDays' in input.length
        ? endOfDay(shiftWorkdays(shanghaiDay(oldDue), workdaysBetween(pausedAt, now, isWorkday), isWorkday))
        : new Date(oldDue.getTime() + (now.getTime() - pausedAt.getTime()));
  } else {
    due = deadlineAfter(input.from ? new Date(input.from) : now, input.length, isWorkday);
  }
  const remind = input.reminderBefore ? deadlineBefore(due, input.reminderBefore, isWorkday) : null;
  return {
    dueAt: due.toISOString(),
    remindAt: remind && remind > now ? remind.toISOString() : null,
    calendarKnown: state.known,
    ...(input.escalateAfter ? { escalateAt: deadlineAfter(due, input.escalateAfter, isWorkday).toISOString() } : {}),
  };
}
