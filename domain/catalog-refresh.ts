// Data refreshes against the declared update frequency (Art. 9 ¶1: an entry states its 更新频率; Art. 10: the agency
// gathers its data onto the platform and updates it 及时、动态). The catalog records what an entry is (its versions);
// a refresh records that its data was updated, by the day, as the providing agency states it. The evaluation (Art. 32)
// counts an organisation's entries whose last update before a period's end is older than their frequency allows.
// Pure: imported by the API, the activities and the console; the clock and the calendar are the caller's.
import { addDays, isCalendarDay, shanghaiDay, type IsWorkday } from './calendar';
import type { RuleViolation } from './errors';
import { blankText } from './text';

/** The figure's name in the evaluation (beside domain/evaluation.ts FIGURES, which count tasks). */
export const STALE_ENTRIES = 'staleEntries';
export type EntryFigure = typeof STALE_ENTRIES;

/** How often an entry's data is updated, as an interval the next update is due within; null: not measured by an interval. */
export type Interval = { days: number } | { months: number };

/**
 * The catalog's words for its update frequencies (free text under Art. 9 ¶1; those the city's entries use, and their
 * common variants), each with the interval it allows. 实时 (real-time), 不定期 (irregular) and 按需 (on demand) name
 * no interval and are not counted; nor is a frequency the vocabulary does not know (listed apart, so the authority can
 * have the entry state one it does).
 */
export const FREQUENCIES: readonly { names: readonly string[]; interval: Interval | null; label: string }[] = [
  { names: ['实时', '实时更新', 'real-time', 'realtime'], interval: null, label: '实时' },
  { names: ['每日', '每天', '日', '按日', '日更新', 'daily'], interval: { days: 1 }, label: '每日' },
  { names: ['每周', '每星期', '周', '按周', 'weekly'], interval: { days: 7 }, label: '每周' },
  { names: ['每旬', '旬', '按旬'], interval: { days: 10 }, label: '每旬' },
  { names: ['每月', '月', '按月', '月度', 'monthly'], interval: { months: 1 }, label: '每月' },
  { names: ['每季度', '每季', '季度', '按季', '按季度', 'quarterly'], interval: { months: 3 }, label: '每季度' },
  { names: ['每半年', '半年', '按半年', 'semiannually', 'half-yearly'], interval: { months: 6 }, label: '每半年' },
  { names: ['每年', '年', '按年', '年度', 'yearly', 'annually', 'annual'], interval: { months: 12 }, label: '每年' },
  { names: ['不定期', '不定时', '按需', '按需更新', '依申请', 'irregular', 'on demand', 'on-demand', 'as needed'], interval: null, label: '不定期' },
];

/** A frequency as written, normalised: lower case, spaces collapsed (none beside Chinese), a trailing 更新 / 一次 dropped (每月更新 → 每月). */
function normalise(s: string): string {
  const n = s.trim().toLowerCase().replace(/\s+/g, ' ');
  return (/[\u4e00-\u9fff]/.test(n) ? n.replace(/ /g, '') : n).replace(/(更新)?一次$/, '').replace(/更新$/, '');
}

/** What `frequency` says: its interval, or that it names none (`excluded`), or that the vocabulary does not know it. */
export function frequencyOf(frequency: string): { kind: 'interval'; interval: Interval; label: string } | { kind: 'excluded' | 'unknown' } {
  const n = normalise(frequency);
  const known = FREQUENCIES.find((f) => f.names.includes(n));
  if (!known) return { kind: 'unknown' };
  return known.interval ? { kind: 'interval', interval: known.interval, label: known.label } : { kind: 'excluded' };
}

/** `day` plus `months` calendar months, the day of the month kept where it exists (01-31 + 1 month → 02-28). */
function addMonths(day: string, months: number): string {
  const [y, m, d] = day.split('-').map(Number);
  const first = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  first.setUTCDate(Math.min(d, last));
  return first.toISOString().slice(0, 10);
}

/**
 * The day by which the next update is due after an update on `day`: the interval on (a day, a week, a month, …),
 * and, as statutory time limits are, moved on to the next working day when that day is a holiday or a rest day (a
 * daily dataset updated on Friday is next due on Monday; one updated before the National Day holiday, after it).
 */
export function nextUpdateDue(day: string, interval: Interval, isWorkday: IsWorkday): string {
  let due = 'days' in interval ? addDays(day, interval.days) : addMonths(day, interval.months);
  // A year of rest days at most (a calendar that knows none would never end otherwise).
  for (let i = 0; i < 366 && !isWorkday(due); i++) due = addDays(due, 1);
  return due;
}

/** One entry as it stood at a moment (its version in force then) with its last update by then. */
export interface EntryAtEnd {
  entryId: string;
  title: string;
  org: string;
  updateFrequency: string;
  /** Published and shareable (share attribute not NONE), or published and open (open attribute not NONE). */
  counted: boolean;
  /** The last refresh recorded with a day before the end; null when none. */
  lastRefreshOn: string | null;
  /** When that refresh was recorded. */
  lastRefreshRecordedAt: Date | null;
  /** The day the entry was first published (its first version): its data is as of then. */
  publishedOn: string;
}

/** An entry not updated as often as it says, at a period's end: with what the count rests on. */
export interface StaleEntry {
  entryId: string;
  title: string;
  org: string;
  updateFrequency: string;
  /** The last update before the end: a recorded refresh, or the entry's publication when no refresh came after it. */
  lastUpdatedOn: string;
  lastUpdate: 'refresh' | 'published';
  lastRefreshRecordedAt: Date | null;
  /** The day by which the next update was due (moved on past rest days). */
  dueOn: string;
}

/**
 * The entries of `entries` that are late at `end` (the period's end, or now while it runs): counted (published, shared
 * or open), with a frequency that names an interval, and whose next update after the last one before `end` fell due
 * on a day before `end`'s day (a due day that is the period's last day is late only once that day is over, at the end).
 */
export function staleEntries(entries: readonly EntryAtEnd[], end: Date, isWorkday: IsWorkday): StaleEntry[] {
  const endDay = shanghaiDay(end);
  const out: StaleEntry[] = [];
  for (const e of entries) {
    if (!e.counted) continue;
    const f = frequencyOf(e.updateFrequency);
    if (f.kind !== 'interval') continue;
    const fromRefresh = e.lastRefreshOn !== null && e.lastRefreshOn >= e.publishedOn;
    const last = fromRefresh ? e.lastRefreshOn! : e.publishedOn;
    const dueOn = nextUpdateDue(last, f.interval, isWorkday);
    if (dueOn >= endDay) continue;
    out.push({
      entryId: e.entryId,
      title: e.title,
      org: e.org,
      updateFrequency: e.updateFrequency,
      lastUpdatedOn: last,
      lastUpdate: fromRefresh ? 'refresh' : 'published',
      lastRefreshRecordedAt: fromRefresh ? e.lastRefreshRecordedAt : null,
      dueOn,
    });
  }
  return out.sort((a, b) => a.org.localeCompare(b.org) || a.dueOn.localeCompare(b.dueOn) || a.entryId.localeCompare(b.entryId));
}

/** The count of stale entries per organisation of `orgs` (every one named, 0 when none). */
export function staleCounts(stale: readonly StaleEntry[], orgs: readonly string[]): Map<string, number> {
  const out = new Map(orgs.map((o) => [o, 0]));
  for (const s of stale) if (out.has(s.org)) out.set(s.org, out.get(s.org)! + 1);
  return out;
}

/**
 * An evaluation with the stale entries' count added to its scope's total and to each organisation's total (the
 * per-procedure rows count tasks and are left as they are): what the API shows and a snapshot keeps.
 */
export function withStaleEntries<E extends { total: object; organisations: { organisation: string; total: object }[] }>(
  evaluation: E,
  counts: Map<string, number>,
): E {
  let sum = 0;
  const organisations = evaluation.organisations.map((o) => {
    const n = counts.get(o.organisation) ?? 0;
    sum += n;
    return { ...o, total: { ...o.total, [STALE_ENTRIES]: n } };
  });
  return { ...evaluation, total: { ...evaluation.total, [STALE_ENTRIES]: sum }, organisations };
}

/** How the figure is measured: said with the figures (GET /evaluations `measurement.staleEntries`). */
export const STALE_MEASUREMENT =
  'Entries not updated as often as they declare (Art. 9 ¶1 更新频率, Art. 10): an organisation’s entries that at the period’s end (now while it runs) were published and shared or open (share or open attribute not NONE, that side published, as the version in force then states), whose declared frequency names an interval (每日 1 day, 每周 7, 每旬 10, 每月 1 month, 每季度 3, 每半年 6, 每年 12; 实时, 不定期, 按需 and frequencies not in the vocabulary not counted), and whose next update after the last one before the end was due before the period’s last day was over. The last update is the latest refresh the agency recorded (POST /catalog/{id}/refreshes) with a day before the end, or the entry’s first publication when none came after it; catalog versions do not count as updates. A due day that is a rest day or holiday moves to the next working day (statutory calendar). A refresh recorded after a period ended with a day in it changes that period’s figure, shown as a new revision of its snapshot.';

/** The most a refresh's note may say. */
export const MAX_REFRESH_NOTE = 500;

/** What a provider states when recording a refresh. */
export interface RefreshForm {
  /** YYYY-MM-DD: the day the data on the platform was updated. */
  dataUpdatedOn: string;
  note?: string | null;
}

/**
 * Every rule `form` breaks: a day of the calendar, not after `today` (a refresh is recorded once it happened), not
 * before the entry existed (`firstDay`, its first version's day: there was no data of it on the platform before).
 */
export function refreshViolations(form: RefreshForm, today: string, firstDay: string): RuleViolation[] {
  const out: RuleViolation[] = [];
  const bad = (field: string, rule: string, detail: string) => out.push({ code: 'InvalidInput', field, rule, detail, article: 'Art. 10' });
  if (!isCalendarDay(form.dataUpdatedOn)) bad('dataUpdatedOn', 'a real day', `${form.dataUpdatedOn} is not a day of the calendar (YYYY-MM-DD)`);
  else if (form.dataUpdatedOn > today)
    bad('dataUpdatedOn', 'not after today', `An update is recorded once it happened: ${form.dataUpdatedOn} is after today (${today})`);
  else if (form.dataUpdatedOn < firstDay)
    bad('dataUpdatedOn', 'not before the entry', `The entry was first published on ${firstDay}; its data was not on the platform before`);
  if (form.note !== undefined && form.note !== null && blankText(form.note)) bad('note', 'a note or none', 'A note says something, or is left out');
  return out;
}
