// Due times as the activity computes them: chinese-days, the override table, and the years it knows.
import { computeDeadlines, deadlineCounter } from '../activities/calendar';
import { createDb, type Db } from '../db';
import { isCalendarDay } from '../domain/calendar';
import { holdTestHolidays, TEST_HOLIDAYS_WAIT_MS } from './helpers';

let db: Db;
beforeAll(() => {
  db = createDb(process.env.TEST_DATABASE_URL!, 2);
});
afterAll(() => db.destroy());

test('10 working days over National Day 2026 from the package calendar, with a reminder 2 working days before', async () => {
  const d = await computeDeadlines(db, { length: { workingDays: 10 }, reminderBefore: { workingDays: 2 } }, new Date('2026-09-30T10:00:00+08:00'));
  expect(d).toEqual({ dueAt: '2026-10-20T15:59:59.999Z', remindAt: '2026-10-16T15:59:59.999Z', calendarKnown: true });
});

test(
  'dates beyond the known years are flagged, and the override table decides them',
  async () => {
    // The override table as no other file's test holidays leave it (share-delivery's may be this very day).
    const held = await holdTestHolidays(db, () => []);
    try {
      const from = new Date('2026-12-28T10:00:00+08:00');
      const unknown = await computeDeadlines(db, { length: { workingDays: 5 } }, from);
      expect(unknown.calendarKnown).toBe(false);
      // Mon 28 Dec: 29, 30, 31, (1 Jan 2027 is Friday: a plain weekday to the package), 4 Jan.
      expect(unknown.dueAt).toBe('2027-01-04T15:59:59.999Z');
      await db
        .insertInto('calendar_overrides')
        .values([{ day: '2027-01-01', is_workday: false, note: "New Year's Day 2027" }])
        .onConflict((oc) => oc.column('day').doNothing())
        .execute();
      const fixed = await computeDeadlines(db, { length: { workingDays: 5 } }, from);
      expect(fixed.dueAt).toBe('2027-01-05T15:59:59.999Z');
      expect(fixed.calendarKnown).toBe(false); // 4 and 5 January are still guesses
    } finally {
      await db.deleteFrom('calendar_overrides').where('day', '=', '2027-01-01').execute();
      await held.release();
    }
  },
  TEST_HOLIDAYS_WAIT_MS,
);

test('a paused clock resumes: the due time moves by the working days the applicant held the request', async () => {
  const d = await computeDeadlines(
    db,
    { length: { workingDays: 10 }, resume: { dueAt: '2026-10-20T15:59:59.999Z', pausedAt: '2026-10-12T09:00:00+08:00' } },
    new Date('2026-10-14T09:00:00+08:00'),
  );
  expect(d.dueAt).toBe('2026-10-22T15:59:59.999Z');
});

test('a term in plain days (a grant’s year) is counted without the calendar; a counter made so refuses a working-day count', async () => {
  // A database nobody listens for fails any read: the count must not read.
  const closed = createDb('postgres://postgres@127.0.0.1:1/nowhere', 1);
  const d = await computeDeadlines(closed, { length: { days: 365 } }, new Date('2026-11-27T10:00:00+08:00'));
  expect(d).toEqual({ dueAt: '2027-11-27T15:59:59.999Z', remindAt: null, calendarKnown: true });
  const count = await deadlineCounter(closed, [{ length: { days: 365 } }]);
  expect(() => count({ length: { workingDays: 1 } })).toThrow(/needs the calendar/);
  await expect(computeDeadlines(closed, { length: { workingDays: 1 } })).rejects.toThrow();
  await closed.destroy();
});

test('a calendar day is written YYYY-MM-DD and exists', () => {
  for (const day of ['2026-10-01', '2024-02-29', '0001-01-01']) expect(isCalendarDay(day)).toBe(true);
  for (const day of ['2026-02-30', '2025-02-29', '2026-13-01', '2026-00-10', '20261001', '2026-1-01', ' 2026-10-01', '2026-10-01T00:00:00Z', ''])
    expect(isCalendarDay(day)).toBe(false);
});
