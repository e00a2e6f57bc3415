// Evaluation by period, the pure part (domain/evaluation.ts): periods in Asia/Shanghai, and each figure counted from
// tasks as the trail tells them, on a working-day calendar given here (Monday to Friday, 2026-10-01..07 a holiday).
import { caseChains, evaluate, medianAndP90, parsePeriod, periodsEndedBy, tasksCounted, type TrailTask } from '../domain/evaluation';

const isWorkday = (day: string) => {
  if (day >= '2026-10-01' && day <= '2026-10-07') return false;
  const dow = new Date(`${day}T00:00:00Z`).getUTCDay();
  return dow !== 0 && dow !== 6;
};
/** An instant in Asia/Shanghai. */
const at = (local: string) => new Date(`${local}+08:00`);

test('a month, a quarter and a year start and end at midnight in Asia/Shanghai; anything else names no period', () => {
  expect(parsePeriod('2026-11')).toEqual({ label: '2026-11', kind: 'month', start: at('2026-11-01T00:00:00'), end: at('2026-12-01T00:00:00') });
  expect(parsePeriod('2026-Q4')).toMatchObject({ kind: 'quarter', start: at('2026-10-01T00:00:00'), end: at('2027-01-01T00:00:00') });
  expect(parsePeriod('2026-12')!.end.toISOString()).toBe('2026-12-31T16:00:00.000Z');
  expect(parsePeriod('2026')).toMatchObject({ kind: 'year', start: at('2026-01-01T00:00:00'), end: at('2027-01-01T00:00:00') });
  for (const bad of ['2026-13', '2026-00', '2026-Q5', '2026-Q0', '26', '2026-1', '1999', '2026-11-01', '', '2026-q4']) expect(parsePeriod(bad)).toBeNull();
});

test('the periods a run at the start of a month keeps: the month before, and the quarter and year ending with it', () => {
  expect(periodsEndedBy(at('2026-11-01T00:30:00'))).toEqual(['2026-10']);
  expect(periodsEndedBy(at('2026-10-01T00:30:00'))).toEqual(['2026-09', '2026-Q3']);
  // 00:30 on 1 January in Shanghai is still 31 December in UTC: the Shanghai day counts.
  expect(periodsEndedBy(at('2027-01-01T00:30:00'))).toEqual(['2026-12', '2026-Q4', '2026']);
});

test('median (the mean of the middle two) and 90th percentile (nearest rank)', () => {
  expect(medianAndP90([])).toEqual({ median: null, p90: null });
  expect(medianAndP90([3])).toEqual({ median: 3, p90: 3 });
  expect(medianAndP90([4, 1, 3, 2])).toEqual({ median: 2.5, p90: 4 });
  expect(medianAndP90([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])).toEqual({ median: 5.5, p90: 9 });
});

let n = 0;
const task = (t: Partial<TrailTask> & Pick<TrailTask, 'openedAt' | 'dueAt'>): TrailTask => ({
  taskId: `t${++n}`,
  requestId: `r${n}`,
  caseNumber: `RZ-GX-20261102-${String(n).padStart(4, '0')}`,
  procedure: 'share',
  org: 'health',
  kind: 'SHARE_PROVIDER_OPINION',
  closedAt: null,
  closedAs: null,
  decision: null,
  extensions: [],
  urges: [],
  escalations: [],
  ...t,
});

test('each figure from the cases behind it: on time and late on the working-day calendar, an extension, a paused clock, open and overdue at the end', () => {
  const nov = parsePeriod('2026-11')!;
  // Opened Monday 2 Nov, due Friday 6 Nov, decided Thursday: on time, 3 working days.
  const onTime = task({
    openedAt: at('2026-11-02T09:00:00'),
    dueAt: at('2026-11-06T23:59:59.999'),
    closedAt: at('2026-11-05T10:00:00'),
    closedAs: 'completed',
    decision: 'AGREE',
  });
  // Due Friday 6 Nov, decided Monday 9 Nov: late, 5 working days (3rd to 9th), refused.
  const late = task({
    openedAt: at('2026-11-02T09:00:00'),
    dueAt: at('2026-11-06T23:59:59.999'),
    closedAt: at('2026-11-09T10:00:00'),
    closedAs: 'completed',
    decision: 'DISAGREE',
  });
  // Extended on Thursday to Wednesday 11 Nov, decided Tuesday 10: on time by the extension in force; urged once.
  const extended = task({
    openedAt: at('2026-11-02T09:00:00'),
    dueAt: at('2026-11-06T23:59:59.999'),
    extensions: [{ at: at('2026-11-05T12:00:00'), dueAt: at('2026-11-11T23:59:59.999') }],
    urges: [at('2026-11-05T11:00:00')],
    closedAt: at('2026-11-10T10:00:00'),
    closedAs: 'completed',
    decision: 'AGREE',
  });
  // Information asked on Wednesday 4 Nov (2 working days), the applicant replied on Friday 13; the next task of the kind
  // on the request, opened then, decided Tuesday 17 (2 working days): 4 working days handled, the 7 waiting are not.
  const asked = task({
    requestId: 'paused',
    openedAt: at('2026-11-02T09:00:00'),
    dueAt: at('2026-11-06T23:59:59.999'),
    closedAt: at('2026-11-04T10:00:00'),
    closedAs: 'completed',
    decision: 'REQUEST_INFO',
  });
  const resumed = task({
    requestId: 'paused',
    openedAt: at('2026-11-13T09:00:00'),
    dueAt: at('2026-11-17T23:59:59.999'),
    closedAt: at('2026-11-17T10:00:00'),
    closedAs: 'completed',
    decision: 'AGREE',
  });
  // Opened in October before the holiday, still open, due 30 Oct: open and overdue at the end; escalated in November.
  const stale = task({
    org: 'market',
    procedure: 'open_request',
    kind: 'OPEN_REQUEST_REVIEW',
    openedAt: at('2026-09-29T09:00:00'),
    dueAt: at('2026-10-30T23:59:59.999'),
    escalations: [at('2026-11-03T00:00:00')],
  });
  // Opened on the last day, due in December: open, not overdue.
  const fresh = task({ openedAt: at('2026-11-30T15:00:00'), dueAt: at('2026-12-04T23:59:59.999') });
  // Opened in December: no part of November.
  const later = task({ openedAt: at('2026-12-01T09:00:00'), dueAt: at('2026-12-04T23:59:59.999') });
  const tasks = [onTime, late, extended, asked, resumed, stale, fresh, later];

  // The authority consults the provider again on Wednesday 4 Nov; the fresh review, on the same due time, is decided on Friday 6.
  const consulted = task({
    requestId: 'consulted',
    org: 'authority',
    kind: 'SHARE_JOINT_REVIEW',
    openedAt: at('2026-11-02T09:00:00'),
    dueAt: at('2026-11-06T23:59:59.999'),
    closedAt: at('2026-11-04T10:00:00'),
    closedAs: 'completed',
    decision: 'CONSULT',
  });
  const concluded = task({
    requestId: 'consulted',
    org: 'authority',
    kind: 'SHARE_JOINT_REVIEW',
    openedAt: at('2026-11-04T10:00:00'),
    dueAt: at('2026-11-06T23:59:59.999'),
    closedAt: at('2026-11-06T10:00:00'),
    closedAs: 'completed',
    decision: 'APPROVE',
  });
  const authority = evaluate([consulted, concluded], ['authority'], nov, at('2026-12-05T12:00:00'), isWorkday).total;
  expect(authority).toMatchObject({ received: 1, decided: 1, decidedOnTime: 1, medianWorkingDays: 4 });

  const chains = caseChains(tasks, isWorkday);
  expect(chains.get(resumed.taskId)).toEqual({ continues: true, workingDays: 4 });
  expect(chains.get(late.taskId)).toEqual({ continues: false, workingDays: 5 });

  const e = evaluate(tasks, ['health', 'market'], nov, at('2026-12-05T12:00:00'), isWorkday, ['share', 'open_request']);
  const share = e.procedures.find((p) => p.procedure === 'share')!;
  expect(share).toMatchObject({
    received: 5, // onTime, late, extended, asked, fresh (resumed continues asked)
    decided: 4, // onTime, late, extended, resumed
    decidedOnTime: 3,
    decidedLate: 1,
    onTimeRate: 0.75,
    // 3, 5, 6 (2nd→10th), 4
    medianWorkingDays: 4.5,
    p90WorkingDays: 6,
    openAtEnd: 1,
    overdueAtEnd: 0,
    refusals: 1,
    requestsForInformation: 1,
    extensions: 1,
    urges: 1,
    escalations: 0,
  });
  expect(e.procedures.find((p) => p.procedure === 'open_request')).toMatchObject({
    received: 0,
    decided: 0,
    onTimeRate: null,
    openAtEnd: 1,
    overdueAtEnd: 1,
    escalations: 1,
  });
  // The scope's figures are its organisations' together.
  expect(e.organisations.map((o) => o.organisation)).toEqual(['health', 'market']);
  expect(e.total.received).toBe(e.organisations.reduce((s, o) => s + o.total.received, 0));
  expect(e.total.openAtEnd).toBe(2);
  // Each figure drills down to its tasks.
  expect(tasksCounted(tasks, ['health', 'market'], 'decidedLate', nov, at('2026-12-05T12:00:00'), isWorkday).map((t) => t.taskId)).toEqual([late.taskId]);
  expect(tasksCounted(tasks, ['health'], 'overdueAtEnd', nov, at('2026-12-05T12:00:00'), isWorkday)).toEqual([]);

  // While the period runs, its end is now: on 3 November at noon, three tasks are open, none overdue yet.
  const running = evaluate(tasks, ['health'], nov, at('2026-11-03T12:00:00'), isWorkday);
  expect(running.total).toMatchObject({ received: 4, decided: 0, openAtEnd: 4, overdueAtEnd: 0 });
});

test('refusals by the level of the first legal basis they gave, delivery time from grant to delivery, corrections answered on time', () => {
  const nov = parsePeriod('2026-11')!;
  const asOf = at('2026-12-05T12:00:00');
  const decided = (t: Partial<TrailTask>) =>
    task({ openedAt: at('2026-11-02T09:00:00'), dueAt: at('2026-11-13T23:59:59.999'), closedAt: at('2026-11-05T10:00:00'), closedAs: 'completed', ...t });
  const byLaw = decided({ decision: 'DISAGREE', basisLevel: 'law' });
  const byRules = decided({ decision: 'DISAGREE', basisLevel: 'rules' });
  const unstated = decided({ decision: 'DISAGREE' });
  const agreed = decided({ decision: 'AGREE', basisLevel: 'law' });
  // Granted Monday 2 Nov, delivered Monday 9 Nov: 5 working days; another delivered in 3.
  const delivery = decided({ kind: 'SHARE_DELIVERY', decision: 'DELIVER', closedAt: at('2026-11-09T10:00:00') });
  const quick = decided({ kind: 'SHARE_DELIVERY', decision: 'DELIVER', closedAt: at('2026-11-05T10:00:00') });
  // Error reports: one corrected on time, one answered after its due time, one only asked for information.
  const correction = { procedure: 'correction', kind: 'CORRECTION_VERIFICATION' };
  const corrected = decided({ ...correction, decision: 'CORRECTED' });
  const lateAnswer = decided({ ...correction, decision: 'NOT_AN_ERROR', dueAt: at('2026-11-04T23:59:59.999') });
  const asked = decided({ ...correction, decision: 'REQUEST_INFO' });
  const tasks = [byLaw, byRules, unstated, agreed, delivery, quick, corrected, lateAnswer, asked];
  const e = evaluate(tasks, ['health'], nov, asOf, isWorkday, ['share', 'correction']);
  expect(e.total.refusals).toBe(3);
  expect(e.total.refusalsByBasis).toEqual({ law: 1, rules: 1, unstated: 1 });
  expect(e.procedures.find((p) => p.procedure === 'share')).toMatchObject({ delivered: 2, deliveryMedianWorkingDays: 4, correctionsAnswered: 0 });
  expect(e.procedures.find((p) => p.procedure === 'correction')).toMatchObject({
    correctionsAnswered: 2,
    correctionsAnsweredOnTime: 1,
    deliveryMedianWorkingDays: null,
    refusalsByBasis: {},
  });
  // Each drills to its cases; refusals narrowed by basis level.
  const drill = (figure: Parameters<typeof tasksCounted>[2], basis?: string) =>
    tasksCounted(tasks, ['health'], figure, nov, asOf, isWorkday, undefined, basis).map((t) => t.taskId);
  expect(drill('refusals', 'law')).toEqual([byLaw.taskId]);
  expect(drill('refusals', 'unstated')).toEqual([unstated.taskId]);
  expect(drill('refusals')).toEqual([byLaw.taskId, byRules.taskId, unstated.taskId]);
  expect(drill('delivered')).toEqual([delivery.taskId, quick.taskId]);
  expect(drill('correctionsAnsweredOnTime')).toEqual([corrected.taskId]);
});
