// Supervision that urges (Art. 32): a supervisor's urging (督办) of a task, counted, audited and told to its
// candidates and holder, refused naming the rule when too early or too soon after the last; and escalation in
// every procedure: the competent body's task reminded, due, overdue and escalated (its supervisor and its
// candidates told), on the working-day calendar and on a clock of seconds, then decided by its candidate.
import { computeDeadlines } from '../activities/calendar';
import { readCalendarOverrides, statutoryCalendar } from '../db/repositories/calendar';
import { deadlineBefore } from '../domain/calendar';
import { DEFAULT_POLICIES } from '../domain/policies';
import type { Actor, Duration } from '../domain/types';
import { escalatingProcedures, startApi, TEST_POLICIES, type Api, ok } from './api-helpers';
import { eventually, startHarness, type Harness } from './helpers';

let h: Harness;
/** Every procedure's competent task reminded after 2 s, due after 4 s, escalated 3 s later; urged again after 3 s. */
let fast: Api;
/** Deadlines of an hour: a task not yet nearly due. */
let slow: Api;
/** The policies a deployment has by default: working days on the statutory calendar. */
let calendar: Api;

const SECONDS = { length: { seconds: 4 }, reminderBefore: { seconds: 2 }, escalateAfter: { seconds: 3 }, urgeInterval: { seconds: 3 } };

beforeAll(async () => {
  h = await startHarness('urging');
  const short = {
    share: {
      ...TEST_POLICIES.share,
      jointReview: SECONDS.length,
      // The city's parties are government departments: the 条例's window is the one that runs.
      regulationReview: SECONDS.length,
      regulationOpinion: SECONDS.length,
      reminderBefore: SECONDS.reminderBefore,
      escalateAfter: SECONDS.escalateAfter,
      urgeInterval: SECONDS.urgeInterval,
    },
    catalog_adjustment: {
      ...TEST_POLICIES.catalog_adjustment,
      review: SECONDS.length,
      reminderBefore: SECONDS.reminderBefore,
      escalateAfter: SECONDS.escalateAfter,
    },
    open_request: { ...TEST_POLICIES.open_request, review: SECONDS.length, reminderBefore: SECONDS.reminderBefore, escalateAfter: SECONDS.escalateAfter },
    withdrawal: { ...TEST_POLICIES.withdrawal, review: SECONDS.length, reminderBefore: SECONDS.reminderBefore, escalateAfter: SECONDS.escalateAfter },
    open_demand: { ...TEST_POLICIES.open_demand, answer: SECONDS.length, reminderBefore: SECONDS.reminderBefore, escalateAfter: SECONDS.escalateAfter },
    correction: { ...TEST_POLICIES.correction, verification: SECONDS.length, reminderBefore: SECONDS.reminderBefore, escalateAfter: SECONDS.escalateAfter },
  };
  fast = await startApi(h, { policies: short });
  slow = await startApi(h);
  calendar = await startApi(h, { policies: DEFAULT_POLICIES });
}, 60_000);
afterAll(async () => {
  await fast?.app.close();
  await slow?.app.close();
  await calendar?.app.close();
  await h?.close();
});

const call = (api: Api, actor: Actor, method: 'GET' | 'POST', url: string, payload?: object) =>
  api.app.inject({ method, url, payload, headers: api.as(actor) });

interface TaskView {
  id: string;
  kind: string;
  status: string;
  candidateOrg: string;
  candidateRole: string;
  dueAt: string;
  remindAt: string | null;
  overdue: boolean;
  escalateAt: string | null;
  escalatedAt: string | null;
  urgeCount: number;
  urgedAt: string | null;
}
interface Notice {
  kind: string;
  taskId: string | null;
  message: string;
}

const citySupervisor = (): Actor => ({ sub: 'ur-sue', org: h.city.cityAuthority, roles: ['supervisor'] });
const supervisorOf = (org: string): Actor => ({ sub: `ur-supervisor-${org}`, org, roles: ['supervisor'] });
const member = (org: string, role: Actor['roles'][number], sub = `ur-${role}-${org}`): Actor => ({ sub, org, roles: [role] });
const notices = async (api: Api, who: Actor) => ok(await call(api, who, 'GET', '/notifications?limit=100')).items as Notice[];

/** How to start one request of each procedure whose competent body's task escalates, and a decision that task takes. */
const PROCEDURES = escalatingProcedures(() => h.city, 'ur');

/** A request of `type` started on `api`, and its competent body's task as its candidate sees it. */
async function started(api: Api, type: keyof typeof PROCEDURES) {
  const p = PROCEDURES[type];
  const { starter, body } = await p.start(api);
  const req = ok(await call(api, starter, 'POST', p.route, body), 201);
  const task = await eventually(async () =>
    ((ok(await call(api, starter, 'GET', `/requests/${req.id}`)).tasks ?? []) as TaskView[]).find((t) => t.kind === p.kind && t.status === 'open'),
  );
  const candidate = member(task.candidateOrg, task.candidateRole as Actor['roles'][number]);
  return { requestId: req.id as string, starter, candidate, task: ok(await call(api, candidate, 'GET', `/tasks/${task.id}`)) as TaskView };
}

describe('escalation runs in every procedure', () => {
  test.each(Object.keys(PROCEDURES) as (keyof typeof PROCEDURES)[])(
    '%s: on the working-day calendar, the task is reminded 2 working days before its due time and escalates 5 working days after it',
    async (type) => {
      const { task } = await started(calendar, type);
      const policy = DEFAULT_POLICIES[type] as { reminderBefore: Duration; escalateAfter?: Duration };
      expect(policy.escalateAfter).toEqual({ workingDays: 5 });
      expect(task.escalateAt).not.toBeNull();
      // Counted on the statutory calendar from the due time: the same count the activity made, of working days.
      const escalation = await computeDeadlines(h.db, { length: policy.escalateAfter!, from: task.dueAt });
      const isWorkday = statutoryCalendar(await readCalendarOverrides(h.db));
      expect(task.remindAt).toBe(deadlineBefore(new Date(task.dueAt), policy.reminderBefore, isWorkday).toISOString());
      expect(task.escalateAt).toBe(escalation.dueAt);
      const fiveDays = 5 * 24 * 3600 * 1000;
      expect(Date.parse(task.escalateAt!) - Date.parse(task.dueAt)).toBeGreaterThanOrEqual(fiveDays);
      expect(Date.parse(task.dueAt)).toBeGreaterThan(Date.now());
    },
  );

  test.each(Object.keys(PROCEDURES) as (keyof typeof PROCEDURES)[])(
    '%s: reminded, due, overdue (its supervisor told), escalated (its supervisor and candidates told), then decided by its candidate',
    async (type) => {
      const { requestId, candidate, task } = await started(fast, type);
      expect(task.escalateAt).toBe(new Date(Date.parse(task.dueAt) + 3000).toISOString());
      const escalated = await eventually(async () => {
        const t = ok(await call(fast, candidate, 'GET', `/tasks/${task.id}`)) as TaskView;
        return t.escalatedAt !== null && t;
      }, 30_000);
      expect(escalated).toMatchObject({ status: 'open', overdue: true, escalateAt: null });
      // No head of sharing work of the organisation is known here: nobody is added (test/escalation.test.ts: one is).
      expect(Date.parse(escalated.escalatedAt!)).toBeGreaterThanOrEqual(Date.parse(task.dueAt) + 3000);
      const told = (await notices(fast, candidate)).filter((n) => n.taskId === task.id).map((n) => n.kind);
      expect(told).toEqual(expect.arrayContaining(['task_reminder', 'task_escalated']));
      // The trail names the supervising authority told; its supervisors read the overdue mark and the escalation.
      const history = ok(await call(fast, citySupervisor(), 'GET', `/requests/${requestId}/history`)).items as {
        action: string;
        taskId: string | null;
        article: string;
        newValue: { supervisor?: string };
      }[];
      const event = history.find((e) => e.action === 'task_escalated' && e.taskId === task.id);
      expect(event).toMatchObject({ article: 'Art. 32' });
      expect(history.some((e) => e.action === 'task_overdue' && e.taskId === task.id)).toBe(true);
      const supervisor = supervisorOf(event!.newValue.supervisor!);
      const supervisorTold = (await notices(fast, supervisor)).filter((n) => n.taskId === task.id).map((n) => n.kind);
      expect(supervisorTold).toEqual(expect.arrayContaining(['task_overdue', 'task_escalated']));
      // The candidate decides the escalated task: nothing was decided for them.
      const { decision, reason, form } = PROCEDURES[type].decide;
      ok(await call(fast, candidate, 'POST', `/tasks/${task.id}/complete`, { decision, ...(reason ? { reason } : {}), ...(form ? { form } : {}) }));
      expect((ok(await call(fast, candidate, 'GET', `/tasks/${task.id}`)) as TaskView & { decision: string }).decision).toBe(decision);
    },
    60_000,
  );
});

describe('urging (督办)', () => {
  test('an overdue task is urged in the supervisor’s words: counted, audited, told to its candidates and holder; again only after the interval', async () => {
    const { requestId, candidate, task } = await started(fast, 'share');
    // The candidate holds it: the holder is told by name.
    ok(await call(fast, candidate, 'POST', `/tasks/${task.id}/claim`));
    await eventually(async () => (ok(await call(fast, candidate, 'GET', `/tasks/${task.id}`)) as TaskView).overdue, 15_000);
    const words = '请于今日内办结并报告办理情况';
    const urged = ok(await call(fast, citySupervisor(), 'POST', `/tasks/${task.id}/urge`, { message: words })) as TaskView;
    expect(urged).toMatchObject({ id: task.id, urgeCount: 1, status: 'open' });
    expect(urged.urgedAt).not.toBeNull();
    // A retry of the same urging answers as it was made and tells nobody twice.
    expect(ok(await call(fast, citySupervisor(), 'POST', `/tasks/${task.id}/urge`, { message: words }))).toMatchObject({ urgeCount: 1 });
    const toCandidate = (await notices(fast, candidate)).filter((n) => n.kind === 'task_urged' && n.taskId === task.id);
    // Once as a candidate of its role, once as its holder.
    expect(toCandidate).toHaveLength(2);
    expect(toCandidate.every((n) => n.message.includes(words))).toBe(true);
    const colleague = member(task.candidateOrg, 'provider_reviewer', 'ur-colleague');
    expect((await notices(fast, colleague)).filter((n) => n.kind === 'task_urged' && n.taskId === task.id)).toHaveLength(1);
    // Again within the interval: refused, naming the rule.
    const again = await call(fast, citySupervisor(), 'POST', `/tasks/${task.id}/urge`, { message: '再次督办' });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ rule: 'once per urge interval', article: 'Art. 32' });
    // The count shows on the task, in the supervisor's overdue list, and the trail has the urging with its words.
    expect(ok(await call(fast, candidate, 'GET', `/tasks/${task.id}`))).toMatchObject({ urgeCount: 1 });
    const listed = (ok(await call(fast, citySupervisor(), 'GET', '/overdue-tasks?limit=100')).items as TaskView[]).find((t) => t.id === task.id);
    expect(listed).toMatchObject({ urgeCount: 1 });
    const history = ok(await call(fast, citySupervisor(), 'GET', `/requests/${requestId}/history`)).items as {
      action: string;
      reason: string;
      article: string;
      actor: { role: string };
    }[];
    expect(history.filter((e) => e.action === 'task_urged')).toEqual([
      expect.objectContaining({ reason: words, article: 'Art. 32', actor: expect.objectContaining({ role: 'supervisor' }) }),
    ]);
    // After the interval, urged again.
    await new Promise((r) => setTimeout(r, 3200));
    expect(ok(await call(fast, citySupervisor(), 'POST', `/tasks/${task.id}/urge`, { message: '再次督办' }))).toMatchObject({ urgeCount: 2 });
  }, 60_000);

  test('twenty supervisors urging one overdue task at once: one urging stands, the one answered 200, in its own odd words', async () => {
    const { requestId, task } = await started(fast, 'share');
    await eventually(async () => (ok(await call(fast, citySupervisor(), 'GET', `/tasks/${task.id}`)) as TaskView).overdue, 15_000);
    const who = (i: number): Actor => ({ sub: `ur-supervisor-${i}`, org: h.city.cityAuthority, roles: ['supervisor'] });
    const words = (i: number) => `第${i}次督办：请于“今日”内办结 <b>&amp;</b> 🙂 ${'办'.repeat(i)}`;
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => call(fast, who(i), 'POST', `/tasks/${task.id}/urge`, { message: words(i) })));
    const statuses = answers.map((a) => a.statusCode);
    expect(statuses.filter((c) => c === 200)).toHaveLength(1);
    expect(statuses.filter((c) => c !== 200).every((c) => c === 409)).toBe(true);
    const winner = statuses.indexOf(200);
    expect(ok(await call(fast, citySupervisor(), 'GET', `/tasks/${task.id}`))).toMatchObject({ urgeCount: 1 });
    const history = ok(await call(fast, citySupervisor(), 'GET', `/requests/${requestId}/history`)).items as { action: string; reason: string }[];
    // Its words as every reason is kept: trimmed (the first supervisor's end in a space).
    expect(history.filter((e) => e.action === 'task_urged').map((e) => e.reason)).toEqual([words(winner).trim()]);
  }, 60_000);

  test('a task not yet nearly due, a closed task, a blank message, a candidate, another region’s supervisor: each refused', async () => {
    const { candidate, task } = await started(slow, 'share');
    const early = await call(slow, citySupervisor(), 'POST', `/tasks/${task.id}/urge`, { message: '请尽快办理' });
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ rule: 'overdue or nearly due', article: 'Art. 32' });
    const blank = await call(slow, citySupervisor(), 'POST', `/tasks/${task.id}/urge`, { message: '  ' });
    expect(blank.statusCode).toBe(400);
    expect(blank.json()).toMatchObject({ field: 'body.message', article: 'Art. 32' });
    expect((await call(slow, citySupervisor(), 'POST', `/tasks/${task.id}/urge`, {})).statusCode).toBe(400);
    expect((await call(slow, candidate, 'POST', `/tasks/${task.id}/urge`, { message: '请尽快办理' })).statusCode).toBe(403);
    const district: Actor = { sub: 'ur-district', org: h.city.countyAuthority, roles: ['supervisor'] };
    expect((await call(slow, district, 'POST', `/tasks/${task.id}/urge`, { message: '请尽快办理' })).statusCode).toBe(404);
    ok(await call(slow, candidate, 'POST', `/tasks/${task.id}/complete`, { decision: 'AGREE' }));
    expect((await call(slow, citySupervisor(), 'POST', `/tasks/${task.id}/urge`, { message: '请尽快办理' })).statusCode).toBe(409);
    expect(ok(await call(slow, candidate, 'GET', `/tasks/${task.id}`))).toMatchObject({ urgeCount: 0, urgedAt: null });
  }, 60_000);
});

describe("a supervisor's view of one organisation", () => {
  test('its open tasks counted by procedure (open, due soon, overdue) and listed oldest first; only for its supervisors', async () => {
    const first = await started(fast, 'share');
    const second = await started(fast, 'open_demand');
    const org = first.task.candidateOrg;
    await eventually(async () => (ok(await call(fast, first.candidate, 'GET', `/tasks/${first.task.id}`)) as TaskView).overdue, 15_000);
    const view = ok(await call(fast, citySupervisor(), 'GET', `/organisations/${org}/tasks?limit=100`)) as {
      org: string;
      procedures: { requestType: string; open: number; dueSoon: number; overdue: number }[];
      items: (TaskView & { requestType: string; standing: string; createdAt: string })[];
    };
    expect(view.org).toBe(org);
    const share = view.procedures.find((p) => p.requestType === 'share')!;
    expect(share.overdue).toBeGreaterThanOrEqual(1);
    expect(share.open).toBeGreaterThanOrEqual(share.overdue + share.dueSoon);
    // Oldest first, every one open and the organisation's; the counts are of the same tasks.
    const created = view.items.map((t) => Date.parse(t.createdAt));
    expect(created).toEqual([...created].sort((a, b) => a - b));
    expect(view.items.every((t) => t.status === 'open' && t.candidateOrg === org)).toBe(true);
    expect(view.items.find((t) => t.id === first.task.id)).toMatchObject({ requestType: 'share', standing: 'overdue' });
    const total = view.procedures.reduce((n, p) => n + p.open, 0);
    if (total <= 100) expect(view.items).toHaveLength(total);
    // One procedure only, of another organisation.
    const demands = ok(await call(fast, citySupervisor(), 'GET', `/organisations/${second.task.candidateOrg}/tasks?requestType=open_demand&limit=100`))
      .items as { id: string; requestType: string }[];
    expect(demands.map((t) => t.id)).toContain(second.task.id);
    expect(demands.every((t) => t.requestType === 'open_demand')).toBe(true);
    // Its reviewers do not read it; a district's supervisor finds no such organisation in its jurisdiction.
    expect((await call(fast, first.candidate, 'GET', `/organisations/${org}/tasks`)).statusCode).toBe(403);
    const district: Actor = { sub: 'ur-district', org: h.city.countyAuthority, roles: ['supervisor'] };
    expect((await call(fast, district, 'GET', `/organisations/${org}/tasks`)).statusCode).toBe(404);
    expect((await call(fast, citySupervisor(), 'GET', `/organisations/no-such-org/tasks`)).statusCode).toBe(404);
    expect((await call(fast, citySupervisor(), 'GET', `/organisations/${org}/tasks?requestType=nonsense`)).statusCode).toBe(400);
  }, 60_000);
});
