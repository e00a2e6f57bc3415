// Evaluation by period (Art. 32: the big data authorities supervise and evaluate public data work; the figures count in
// the organisations' 目标考核). Pure: the figures of an organisation's tasks over a period, counted from what the audit
// trail says of each task (db/repositories/evaluation.ts reads it), so every figure can be recomputed and traced to
// the requests behind it. Imported by the snapshot workflow too: nothing here may touch the clock, the network or Node.
import { shanghaiDay, type IsWorkday } from './calendar';

/** A month (2026-11), a quarter (2026-Q4) or a year (2026) in Asia/Shanghai: [start, end). */
export interface Period {
  label: string;
  kind: 'month' | 'quarter' | 'year';
  start: Date;
  end: Date;
}

export const PERIOD_PATTERN = '^[0-9]{4}(-(0[1-9]|1[0-2]|Q[1-4]))?$';

const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;
/** Midnight in Asia/Shanghai at the start of month `month` (1-based; 13 is next January) of `year`. */
const monthStart = (year: number, month: number) => new Date(Date.UTC(year, month - 1, 1) - SHANGHAI_OFFSET_MS);

/** The period `label` names, or null when it names none (2026-13, 2026-Q5, 26). */
export function parsePeriod(label: string): Period | null {
  if (!new RegExp(PERIOD_PATTERN).test(label)) return null;
  const year = Number(label.slice(0, 4));
  if (year < 2000) return null;
  if (label.length === 4) return { label, kind: 'year', start: monthStart(year, 1), end: monthStart(year, 13) };
  if (label[5] === 'Q') {
    const first = (Number(label[6]) - 1) * 3 + 1;
    return { label, kind: 'quarter', start: monthStart(year, first), end: monthStart(year, first + 3) };
  }
  const month = Number(label.slice(5));
  return { label, kind: 'month', start: monthStart(year, month), end: monthStart(year, month + 1) };
}

/**
 * The periods that ended at the last start of a month in Asia/Shanghai at or before `now`: the month before it, the
 * quarter before it when it starts a quarter, the year before it when it is January. What a snapshot run takes.
 */
export function periodsEndedBy(now: Date): string[] {
  const day = shanghaiDay(now);
  const year = Number(day.slice(0, 4));
  const month = Number(day.slice(5, 7));
  const prevYear = month === 1 ? year - 1 : year;
  const prevMonth = month === 1 ? 12 : month - 1;
  const out = [`${prevYear}-${String(prevMonth).padStart(2, '0')}`];
  if (prevMonth % 3 === 0) out.push(`${prevYear}-Q${prevMonth / 3}`);
  if (prevMonth === 12) out.push(String(prevYear));
  return out;
}

/** One task addressed to an organisation's reviewers, as the audit trail tells it. */
export interface TrailTask {
  taskId: string;
  requestId: string;
  caseNumber: string | null;
  /** The request type (procedure). */
  procedure: string;
  org: string;
  kind: string;
  /** task_opened: when, and the due time it was opened with. */
  openedAt: Date;
  dueAt: Date;
  /** task_completed or task_cancelled, when either is on the trail. */
  closedAt: Date | null;
  closedAs: 'completed' | 'cancelled' | null;
  decision: string | null;
  /** task_due_extended events: when, and the due time they set. */
  extensions: { at: Date; dueAt: Date }[];
  /** task_urged and task_escalated events. */
  urges: Date[];
  escalations: Date[];
  /**
   * The level of the first legal basis a decision gave (its form's `basis: [{level, title, article}]`, as kept in its
   * task_completed event); null or absent when it gave none.
   */
  basisLevel?: string | null;
}

/** The provider's delivery of a grant's data (《政务数据共享条例》, 数据交付): its task and the decision that delivers. */
export const DELIVERY_KIND = 'SHARE_DELIVERY';
export const DELIVERED = 'DELIVER';
/** The verification of a reported error (Art. 11): its task answers the report. */
export const CORRECTION_KIND = 'CORRECTION_VERIFICATION';
/** How a refusal whose decision names no legal basis is counted among refusals by basis level. */
export const UNSTATED_BASIS = 'unstated';

/**
 * Decisions that close a task without deciding the matter: the same kind's next task on the request continues its
 * clock (asking the applicant for information pauses it until the reply; an extension carries the due time on; the
 * authority consulting the provider again opens a fresh review on the same due time).
 */
export const CONTINUING_DECISIONS: readonly string[] = ['REQUEST_INFO', 'EXTEND', 'CONSULT'];
/** Decisions that refuse what was asked (不同意, 不予…): counted as refusals. */
export const REFUSING_DECISIONS: readonly string[] = ['REJECT', 'DISAGREE', 'DECLINE', 'REFUSE'];

/** The figures, in the order exports list them; each but the rates and times is drillable to its tasks' requests. */
export const FIGURES = [
  'received',
  'decided',
  'decidedOnTime',
  'decidedLate',
  'openAtEnd',
  'overdueAtEnd',
  'refusals',
  'requestsForInformation',
  'extensions',
  'urges',
  'escalations',
  'delivered',
  'correctionsAnswered',
  'correctionsAnsweredOnTime',
] as const;
export type Figure = (typeof FIGURES)[number];

export interface Figures extends Record<Figure, number> {
  /** decidedOnTime / decided, to four places; null when nothing was decided. */
  onTimeRate: number | null;
  /** Handling time of the decisions, in working days (see HANDLING_TIME). */
  medianWorkingDays: number | null;
  p90WorkingDays: number | null;
  /** Working days from the grant to the delivery (the delivery tasks decided DELIVER): median; null when none was. */
  deliveryMedianWorkingDays: number | null;
  /** Refusals by the level of the first legal basis they gave (law, regulation, rules, national), `unstated` when none. */
  refusalsByBasis: Record<string, number>;
  /**
   * The scope's catalog entries not updated as often as their declared frequency says, at the period's end: on a
   * scope's and an organisation's total only (entries are no procedure's tasks), counted apart from the tasks
   * (domain/catalog-refresh.ts); absent from snapshots kept before it was measured.
   */
  staleEntries?: number;
}

/** How the figures are measured: said with them, so a reader can check them. */
export const MEASUREMENT = {
  unit: 'Each task addressed to an organisation’s reviewers (provider_reviewer, authority_reviewer, leading_group); tasks addressed to an applicant (replies, signatures, confirmations) are the applicant’s and are not counted.',
  received: 'Tasks opened in the period, a task continuing an earlier one (after a reply, an extension, a consultation, or one set aside meanwhile) not again.',
  decided: 'Tasks decided in the period, REQUEST_INFO, EXTEND and CONSULT not (the next task of the kind continues the case).',
  onTime:
    'Decided at or before the due time in force at the decision (the opening’s, or the last extension’s); a paused clock’s due time is moved on by the working days paused.',
  handlingTime:
    'Working days (Asia/Shanghai statutory calendar, start day not counted) each task of the case was open: the task decided plus the earlier tasks of the same kind on the request it continues; the time awaiting the applicant lies between them and is not counted. Median: middle value (mean of the two middle ones); p90: nearest rank.',
  atEnd: 'Open and overdue at the period’s end, or now for a period not yet ended.',
  events:
    'Refusals (REJECT, DISAGREE, DECLINE, REFUSE), requests for information (REQUEST_INFO), extensions (task_due_extended and EXTEND), urges (task_urged), escalations (task_escalated) dated in the period.',
  refusalsByBasis: 'Refusals by the level of the first legal basis the decision gave (form.basis[0].level); unstated when it gave none.',
  delivery:
    'Delivered: the provider’s delivery tasks (SHARE_DELIVERY) decided DELIVER in the period; delivery time: working days from the grant (the task’s opening) to the delivery, median.',
  corrections: 'Corrections answered: error-report verifications (CORRECTION_VERIFICATION) decided in the period, REQUEST_INFO not; on time as for decided.',
} as const;

/** The due time in force at `at`: the last extension made by then, else the opening's. */
export function dueAtAt(t: TrailTask, at: Date): Date {
  let due = t.dueAt;
  for (const e of t.extensions) if (e.at <= at) due = e.dueAt;
  return due;
}

/** Each task's handling time in working days, the earlier tasks it continues included, and whether it continues one. */
export function caseChains(tasks: readonly TrailTask[], isWorkday: IsWorkday): Map<string, { continues: boolean; workingDays: number | null }> {
  const groups = new Map<string, TrailTask[]>();
  for (const t of tasks) {
    const key = `${t.requestId}\u0000${t.kind}\u0000${t.org}`;
    const group = groups.get(key);
    if (group) group.push(t);
    else groups.set(key, [t]);
  }
  const out = new Map<string, { continues: boolean; workingDays: number | null }>();
  // Many tasks share their first and last day: each span counted once (a city's quarter has tens of thousands), as
  // workdaysBetween counts it (the days after the first, to the last, in Asia/Shanghai), each day asked about once.
  const spans = new Map<number, number>();
  const days = new Map<number, boolean>();
  const dayNo = (at: Date) => Math.floor((at.getTime() + SHANGHAI_OFFSET_MS) / 86_400_000);
  const isWorkdayNo = (d: number) => {
    let w = days.get(d);
    if (w === undefined) days.set(d, (w = isWorkday(new Date(d * 86_400_000).toISOString().slice(0, 10))));
    return w;
  };
  const workdays = (from: Date, to: Date) => {
    const first = dayNo(from);
    const last = dayNo(to);
    const key = first * 100_000 + last;
    let n = spans.get(key);
    if (n === undefined) {
      n = 0;
      for (let d = first + 1; d <= last; d++) if (isWorkdayNo(d)) n++;
      spans.set(key, n);
    }
    return n;
  };
  for (const group of groups.values()) {
    if (group.length > 1) group.sort((a, b) => a.openedAt.getTime() - b.openedAt.getTime() || a.taskId.localeCompare(b.taskId));
    let carried = 0;
    let continues = false;
    for (const t of group) {
      const own = t.closedAt ? workdays(t.openedAt, t.closedAt) : null;
      out.set(t.taskId, { continues, workingDays: own === null ? null : carried + own });
      // The next task of the kind continues this one when this one closed without deciding the matter.
      const handsOn = t.closedAs === 'cancelled' || (t.closedAs === 'completed' && CONTINUING_DECISIONS.includes(t.decision ?? ''));
      carried = handsOn ? carried + (own ?? 0) : 0;
      continues = handsOn;
    }
  }
  return out;
}

/** The median (mean of the two middle values) and the 90th percentile (nearest rank) of `xs`. */
export function medianAndP90(xs: readonly number[]): { median: number | null; p90: number | null } {
  if (!xs.length) return { median: null, p90: null };
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { median: s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2, p90: s[Math.ceil(0.9 * s.length) - 1] };
}

/** Which figures a task counts in over [start, end), `asOf` standing for the end while the period runs; with its handling time when decided. */
export function countsOf(
  t: TrailTask,
  chain: { continues: boolean; workingDays: number | null },
  period: { start: Date; end: Date },
  asOf: Date,
): { counts: Partial<Record<Figure, number>>; workingDays: number | null; refusalBasis: string | null } {
  const within = (at: Date | null) => at !== null && at >= period.start && at < period.end && at <= asOf;
  const end = asOf < period.end ? asOf : period.end;
  const counts: Partial<Record<Figure, number>> = {};
  const add = (f: Figure, n = 1) => {
    if (n) counts[f] = (counts[f] ?? 0) + n;
  };
  if (!chain.continues && within(t.openedAt)) add('received');
  const decided = t.closedAs === 'completed' && !CONTINUING_DECISIONS.includes(t.decision ?? '') && within(t.closedAt);
  if (decided) {
    add('decided');
    const onTime = t.closedAt! <= dueAtAt(t, t.closedAt!);
    add(onTime ? 'decidedOnTime' : 'decidedLate');
    if (REFUSING_DECISIONS.includes(t.decision ?? '')) add('refusals');
    if (t.kind === DELIVERY_KIND && t.decision === DELIVERED) add('delivered');
    if (t.kind === CORRECTION_KIND) {
      add('correctionsAnswered');
      if (onTime) add('correctionsAnsweredOnTime');
    }
  }
  if (t.closedAs === 'completed' && t.decision === 'REQUEST_INFO' && within(t.closedAt)) add('requestsForInformation');
  if (t.openedAt < end && (t.closedAt === null || t.closedAt >= end)) {
    add('openAtEnd');
    if (dueAtAt(t, end) < end) add('overdueAtEnd');
  }
  let extensions = t.closedAs === 'completed' && t.decision === 'EXTEND' && within(t.closedAt) ? 1 : 0;
  for (const e of t.extensions) if (within(e.at)) extensions++;
  add('extensions', extensions);
  let urges = 0;
  for (const at of t.urges) if (within(at)) urges++;
  add('urges', urges);
  let escalations = 0;
  for (const at of t.escalations) if (within(at)) escalations++;
  add('escalations', escalations);
  return {
    counts,
    workingDays: decided ? chain.workingDays : null,
    refusalBasis: counts.refusals ? t.basisLevel || UNSTATED_BASIS : null,
  };
}

/** Each task's counts over the period (countsOf), computed once for all the sums a scope's evaluation makes of them. */
export type TaskCounts = Map<string, ReturnType<typeof countsOf>>;

export function countsOfAll(
  tasks: readonly TrailTask[],
  chains: Map<string, { continues: boolean; workingDays: number | null }>,
  period: { start: Date; end: Date },
  asOf: Date,
): TaskCounts {
  return new Map(tasks.map((t) => [t.taskId, countsOf(t, chains.get(t.taskId) ?? { continues: false, workingDays: null }, period, asOf)]));
}

/** The sums a scope's figures are made of, added to one task's counts at a time. */
class Tally {
  private readonly sums = Object.fromEntries(FIGURES.map((f) => [f, 0])) as Record<Figure, number>;
  private readonly days: number[] = [];
  private readonly deliveryDays: number[] = [];
  private readonly refusalsByBasis: Record<string, number> = {};

  add({ counts, workingDays, refusalBasis }: ReturnType<typeof countsOf>): void {
    for (const f in counts) this.sums[f as Figure] += counts[f as Figure]!;
    if (workingDays !== null) this.days.push(workingDays);
    if (workingDays !== null && counts.delivered) this.deliveryDays.push(workingDays);
    if (refusalBasis !== null) this.refusalsByBasis[refusalBasis] = (this.refusalsByBasis[refusalBasis] ?? 0) + 1;
  }

  figures(): Figures {
    const { sums } = this;
    const { median, p90 } = medianAndP90(this.days);
    return {
      ...sums,
      onTimeRate: sums.decided ? Math.round((sums.decidedOnTime / sums.decided) * 10000) / 10000 : null,
      medianWorkingDays: median,
      p90WorkingDays: p90,
      deliveryMedianWorkingDays: medianAndP90(this.deliveryDays).median,
      refusalsByBasis: this.refusalsByBasis,
    };
  }
}

/** The figures of `tasks` (one scope: an organisation, or a division's organisations together) from their counts. */
export function figuresOf(tasks: readonly TrailTask[], counted: TaskCounts): Figures {
  const tally = new Tally();
  for (const t of tasks) tally.add(counted.get(t.taskId)!);
  return tally.figures();
}

/** A scope's figures: in total, by procedure, and (for a division) by organisation and procedure. */
export interface Evaluation {
  total: Figures;
  procedures: ({ procedure: string } & Figures)[];
  organisations: { organisation: string; total: Figures; procedures: ({ procedure: string } & Figures)[] }[];
}

/** Procedures in a stable order: the registry's (`order`), then any other by name. */
const byProcedure = (order: readonly string[]) => (a: string, b: string) => {
  const ia = order.indexOf(a);
  const ib = order.indexOf(b);
  return (ia < 0 ? order.length : ia) - (ib < 0 ? order.length : ib) || a.localeCompare(b);
};

/**
 * The evaluation of `orgs` over the period from their tasks: every organisation of the scope listed (none left out for
 * having had no work), each procedure that had any task; the scope's figures are its organisations' together.
 */
export function evaluate(
  tasks: readonly TrailTask[],
  orgs: readonly string[],
  period: { start: Date; end: Date },
  asOf: Date,
  isWorkday: IsWorkday,
  procedureOrder: readonly string[] = [],
): Evaluation {
  const scope = new Set(orgs);
  const inScope = tasks.filter((t) => scope.has(t.org));
  const chains = caseChains(inScope, isWorkday);
  // Each task counted once and added, in the order given, to the sums it is part of: the scope's, its procedure's,
  // its organisation's and its organisation's procedure's (what figuresOf makes of each of them apart).
  const total = new Tally();
  const procedures = new Map<string, Tally>();
  const organisations = new Map<string, { total: Tally; procedures: Map<string, Tally> }>();
  const tallyOf = (m: Map<string, Tally>, key: string) => {
    let tally = m.get(key);
    if (!tally) m.set(key, (tally = new Tally()));
    return tally;
  };
  for (const t of inScope) {
    const counts = countsOf(t, chains.get(t.taskId) ?? { continues: false, workingDays: null }, period, asOf);
    total.add(counts);
    tallyOf(procedures, t.procedure).add(counts);
    let own = organisations.get(t.org);
    if (!own) organisations.set(t.org, (own = { total: new Tally(), procedures: new Map() }));
    own.total.add(counts);
    tallyOf(own.procedures, t.procedure).add(counts);
  }
  const procs = (m: Map<string, Tally>) => [...m.keys()].sort(byProcedure(procedureOrder)).map((procedure) => ({ procedure, ...m.get(procedure)!.figures() }));
  return {
    total: total.figures(),
    procedures: procs(procedures),
    organisations: [...orgs].sort().map((organisation) => {
      const own = organisations.get(organisation);
      return { organisation, total: (own?.total ?? new Tally()).figures(), procedures: own ? procs(own.procedures) : [] };
    }),
  };
}

/** The tasks behind one figure of a scope (and procedure, when given): what a figure is drilled down to. */
export function tasksCounted(
  tasks: readonly TrailTask[],
  orgs: readonly string[],
  figure: Figure,
  period: { start: Date; end: Date },
  asOf: Date,
  isWorkday: IsWorkday,
  procedure?: string,
  /** With `refusals`: only those whose first legal basis is of this level (`unstated`: none given). */
  basis?: string,
): TrailTask[] {
  const inScope = tasks.filter((t) => orgs.includes(t.org));
  const chains = caseChains(inScope, isWorkday);
  return inScope.filter((t) => {
    if (procedure !== undefined && t.procedure !== procedure) return false;
    const c = countsOf(t, chains.get(t.taskId) ?? { continues: false, workingDays: null }, period, asOf);
    return (c.counts[figure] ?? 0) > 0 && (basis === undefined || c.refusalBasis === basis);
  });
}
