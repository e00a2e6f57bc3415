// The stale-entries rule (domain/catalog-refresh.ts), pure: the catalog's frequency vocabulary, the next update's due
// day on the statutory calendar, which entries count at a period's end, and the refresh form's rules.
import * as chineseDays from 'chinese-days';
import { frequencyOf, nextUpdateDue, refreshViolations, staleCounts, staleEntries, withStaleEntries, type EntryAtEnd } from '../domain/catalog-refresh';
import { parsePeriod } from '../domain/evaluation';

const isWorkday = (day: string) => chineseDays.isWorkday(day);
const end = (label: string) => parsePeriod(label)!.end;

test('the vocabulary: the catalog’s frequencies and their variants name an interval; real-time, irregular and unknown ones do not', () => {
  expect(frequencyOf('每日')).toMatchObject({ kind: 'interval', interval: { days: 1 } });
  expect(frequencyOf(' 每日更新 ')).toMatchObject({ kind: 'interval', interval: { days: 1 } });
  expect(frequencyOf('daily')).toMatchObject({ kind: 'interval', interval: { days: 1 } });
  expect(frequencyOf('每周')).toMatchObject({ interval: { days: 7 } });
  expect(frequencyOf('按月')).toMatchObject({ interval: { months: 1 } });
  expect(frequencyOf('每季度')).toMatchObject({ interval: { months: 3 } });
  expect(frequencyOf('每半年')).toMatchObject({ interval: { months: 6 } });
  expect(frequencyOf('每年更新一次')).toMatchObject({ interval: { months: 12 } });
  expect(frequencyOf('On Demand')).toEqual({ kind: 'excluded' });
  for (const f of ['实时', '不定期', '按需']) expect(frequencyOf(f)).toEqual({ kind: 'excluded' });
  for (const f of ['', '经常', 'sometimes']) expect(frequencyOf(f)).toEqual({ kind: 'unknown' });
});

test('the next update is due an interval on, moved past rest days and holidays; a month keeps its day where it can', () => {
  expect(nextUpdateDue('2026-09-29', { days: 1 }, isWorkday)).toBe('2026-09-30');
  // National Day 2026: 1–7 October.
  expect(nextUpdateDue('2026-09-30', { days: 1 }, isWorkday)).toBe('2026-10-08');
  // Friday → Monday.
  expect(nextUpdateDue('2026-10-30', { days: 1 }, isWorkday)).toBe('2026-11-02');
  // 31 January + a month: 28 February, a Saturday that is a make-up working day (调休) of the Spring Festival.
  expect(nextUpdateDue('2026-01-31', { months: 1 }, isWorkday)).toBe('2026-02-28');
  // 28 February 2026 + a week: Saturday 7 March → Monday 9 March.
  expect(nextUpdateDue('2026-02-28', { days: 7 }, isWorkday)).toBe('2026-03-09');
  expect(nextUpdateDue('2026-03-31', { months: 1 }, isWorkday)).toBe('2026-04-30');
  expect(nextUpdateDue('2025-12-15', { months: 12 }, isWorkday)).toBe('2026-12-15');
});

const at = (e: Partial<EntryAtEnd>): EntryAtEnd => ({
  entryId: 'e',
  title: 't',
  org: 'o',
  updateFrequency: '每日',
  counted: true,
  lastRefreshOn: null,
  lastRefreshRecordedAt: null,
  publishedOn: '2026-08-03',
  ...e,
});

test('an entry is late at a period’s end when its next update fell due before the end’s day; only counted, measured entries', () => {
  const entries = [
    at({ entryId: 'on-time', lastRefreshOn: '2026-10-30' }),
    at({ entryId: 'late', lastRefreshOn: '2026-10-28' }),
    at({ entryId: 'weekly-late', updateFrequency: '每周', lastRefreshOn: '2026-10-23' }),
    at({ entryId: 'published', updateFrequency: '每月', publishedOn: '2026-09-01' }),
    at({ entryId: 'realtime', updateFrequency: '实时' }),
    at({ entryId: 'withdrawn', counted: false }),
    at({ entryId: 'before-publication', updateFrequency: '每月', lastRefreshOn: '2026-08-01', publishedOn: '2026-10-20', org: 'p' }),
  ];
  const stale = staleEntries(entries, end('2026-10'), isWorkday);
  expect(stale.map((s) => s.entryId)).toEqual(['published', 'late', 'weekly-late']);
  expect(stale.find((s) => s.entryId === 'published')).toMatchObject({ lastUpdate: 'published', lastUpdatedOn: '2026-09-01', dueOn: '2026-10-08' });
  expect(stale.find((s) => s.entryId === 'weekly-late')).toMatchObject({ lastUpdate: 'refresh', dueOn: '2026-10-30' });
  // Mid-period (now): an update due today is not late yet, one due yesterday is.
  const now = new Date('2026-10-29T10:00:00+08:00');
  expect(staleEntries([at({ entryId: 'today', lastRefreshOn: '2026-10-28' })], now, isWorkday)).toEqual([]);
  expect(staleEntries([at({ entryId: 'yesterday', lastRefreshOn: '2026-10-27' })], now, isWorkday).map((s) => s.entryId)).toEqual(['yesterday']);

  const counts = staleCounts(stale, ['o', 'p', 'q']);
  expect([...counts]).toEqual([
    ['o', 3],
    ['p', 0],
    ['q', 0],
  ]);
  const e = withStaleEntries(
    {
      total: { decided: 1 },
      organisations: [
        { organisation: 'o', total: {} },
        { organisation: 'p', total: {} },
      ],
    },
    counts,
  );
  expect(e.total).toEqual({ decided: 1, staleEntries: 3 });
  expect(e.organisations.map((o) => o.total)).toEqual([{ staleEntries: 3 }, { staleEntries: 0 }]);
});

test('a refresh is a day of the calendar, not to come, not before the entry', () => {
  expect(refreshViolations({ dataUpdatedOn: '2026-10-30' }, '2026-12-06', '2026-08-03')).toEqual([]);
  expect(refreshViolations({ dataUpdatedOn: '2026-12-07' }, '2026-12-06', '2026-08-03')[0]).toMatchObject({ field: 'dataUpdatedOn', rule: 'not after today' });
  expect(refreshViolations({ dataUpdatedOn: '2026-02-29' }, '2026-12-06', '2026-08-03')[0]).toMatchObject({ rule: 'a real day' });
  expect(refreshViolations({ dataUpdatedOn: '2026-08-02' }, '2026-12-06', '2026-08-03')[0]).toMatchObject({ rule: 'not before the entry' });
  expect(refreshViolations({ dataUpdatedOn: '2026-10-30', note: ' ' }, '2026-12-06', '2026-08-03')[0]).toMatchObject({ field: 'note' });
});
