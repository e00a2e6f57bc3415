// 数据交付 under the 《政务数据共享条例》 (issue 24 §4) over HTTP against real workflows and the deployment's default
// share policy: the provider's delivery task is due 20 working days after approval on the working-day calendar (a
// weekend and a holiday skipped), as the workflow sets it and GET /tasks and GET /requests read it back; twenty
// decisions at once on the grantee's confirmation, one winning and nothing half applied; two grants' confirmations
// decided at once without crossing. (share-workflow.test.ts drives delivery through the workflow's own messages.)
import { randomUUID } from 'node:crypto';
import { readCalendarOverrides, statutoryCalendar } from '../db/repositories/calendar';
import { addDays, endOfDay, shanghaiDay, shiftWorkdays, workdaysBetween } from '../domain/calendar';
import { DEFAULT_SHARE_POLICY } from '../domain/share';
import type { Actor } from '../domain/types';
import { stateQuery, workflowIdFor } from '../workflows/definitions';
import { expectProblem, startApi, validShareBody, type Api, type Res } from './api-helpers';
import { eventually, holdTestHolidays, startHarness, TEST_HOLIDAYS_WAIT_MS, type Harness } from './helpers';

let h: Harness;
let api: Api;
beforeAll(async () => {
  h = await startHarness('rzdeliver');
  api = await startApi(h, { policies: { share: DEFAULT_SHARE_POLICY } });
});
afterAll(async () => {
  await api.app.close();
  await h.close();
});

type TaskView = { id: string; kind: string; status: string; dueAt: string; requestId?: string; decision?: string | null };
type GrantView = { id: string; status: string; fields: string[]; delivery: { status: string; taskId: string; problem: string | null } | null };
const call = (actor: Actor, method: 'GET' | 'POST', url: string, payload?: object) => api.app.inject({ method, url, payload, headers: api.as(actor) });
const applicant = (): Actor => ({ sub: `dl-${randomUUID().slice(0, 6)}`, org: h.city.agencies.market, roles: ['agency_applicant'] });
const health = (): Actor => ({ sub: 'dl-health', org: h.city.agencies.health, roles: ['provider_reviewer'] });
const resources = (): Actor => ({ sub: 'dl-resources', org: h.city.agencies.resources, roles: ['provider_reviewer'] });
const authority = (): Actor => ({ sub: 'dl-authority', org: h.city.cityAuthority, roles: ['authority_reviewer'] });
const complete = (actor: Actor, taskId: string, body: object) => call(actor, 'POST', `/tasks/${taskId}/complete`, body);
const tasksOf = async (requestId: string, who: Actor) => (await call(who, 'GET', `/requests/${requestId}`)).json().tasks as TaskView[];
const openOf = async (requestId: string, who: Actor, kind: string) =>
  eventually(async () => (await tasksOf(requestId, who)).find((t) => t.kind === kind && t.status === 'open'));

// The 20th working day from today becomes a holiday (say one the city gives off) for this test alone: the delivery's count
// skips it. Held as other files' test holidays are, one file at a time (holdTestHolidays).
describe('on the working-day calendar', () => {
  let holiday: string;
  let held: Awaited<ReturnType<typeof holdTestHolidays>>;
  beforeAll(async () => {
    held = await holdTestHolidays(h.db, (isWorkday) => [shiftWorkdays(shanghaiDay(new Date()), 20, isWorkday)]);
    [holiday] = held.days;
  }, TEST_HOLIDAYS_WAIT_MS);
  afterAll(() => held.release());

  test('the delivery task is due 20 working days after approval, over weekends and a holiday, as GET /tasks and GET /requests read it', async () => {
    const me = applicant();
    const created = await call(me, 'POST', '/share-requests', validShareBody(h.city.entries.conditional));
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    expect((await complete(health(), (await openOf(id, me, 'SHARE_PROVIDER_OPINION')).id, { decision: 'AGREE' })).statusCode).toBe(200);
    const approved = await complete(authority(), (await openOf(id, me, 'SHARE_JOINT_REVIEW')).id, { decision: 'APPROVE' });
    expect(approved.json()).toMatchObject({ status: 'granted', grant: { status: 'active' } });

    const task = await openOf(id, me, 'SHARE_DELIVERY');
    const row = await h.db.selectFrom('tasks').select(['created_at', 'due_at']).where('id', '=', task.id).executeTakeFirstOrThrow();
    const opened = new Date(row.created_at);
    // The count by hand on the statutory calendar (the package and the override table, the holiday with it).
    const isWorkday = statutoryCalendar(await readCalendarOverrides(h.db));
    const due = endOfDay(shiftWorkdays(shanghaiDay(opened), 20, isWorkday)).toISOString();
    expect(task.dueAt).toBe(due);
    expect(row.due_at.toISOString()).toBe(due);
    // The workflow's own state holds it; the provider's inbox reads it too.
    const state = await h.client.workflow.getHandle(workflowIdFor('share', id)).query(stateQuery);
    expect(state.tasks.find((t) => t.id === task.id)!.dueAt).toBe(due);
    const inbox = (await call(health(), 'GET', '/tasks?kind=SHARE_DELIVERY')).json().items as TaskView[];
    expect(inbox.find((t) => t.id === task.id)!.dueAt).toBe(due);
    expect(workdaysBetween(opened, new Date(due), isWorkday)).toBe(20);
    // The window holds the holiday and weekends; without the holiday it would have ended a working day sooner.
    const days: string[] = [];
    for (let d = addDays(shanghaiDay(opened), 1); d <= shanghaiDay(new Date(due)); d = addDays(d, 1)) days.push(d);
    expect(days).toContain(holiday);
    expect(days.some((d) => new Date(`${d}T00:00:00Z`).getUTCDay() === 6)).toBe(true);
    expect(days.some((d) => new Date(`${d}T00:00:00Z`).getUTCDay() === 0)).toBe(true);
    expect(shiftWorkdays(shanghaiDay(opened), 20, (d) => d === holiday || isWorkday(d))).not.toBe(shanghaiDay(new Date(due)));
    // 已批准待交付 until the grantee confirms.
    const grant = (await call(me, 'GET', `/grants/${approved.json().grant.id}`)).json() as GrantView;
    expect(grant.delivery).toMatchObject({ status: 'awaiting_delivery', taskId: task.id });
  });
});

/** A grant made at once (the land parcels shared without conditions) and delivered: its grantee's confirmation task open. */
async function delivered(me = applicant()) {
  const req = await call(me, 'POST', '/share-requests', validShareBody(h.city.entries.conditionalOpen));
  expect(req.json().status).toBe('granted');
  const id = req.json().id as string;
  const grantId = req.json().grant.id as string;
  const { fields } = (await call(me, 'GET', `/grants/${grantId}`)).json() as GrantView;
  const delivery = await openOf(id, me, 'SHARE_DELIVERY');
  const form = { method: 'file', location: '/exchange/parcels.csv', deliveredFields: fields };
  expect((await complete(resources(), delivery.id, { decision: 'DELIVER', form })).statusCode).toBe(200);
  return { me, id, grantId, confirmation: await openOf(id, me, 'SHARE_DELIVERY_CONFIRMATION') };
}

/** Twenty answers to a confirmation (addressed to the applicant who asked, from as many tabs): even ones confirm, odd ones report a problem (or all one way). */
const twenty = (r: Awaited<ReturnType<typeof delivered>>, only?: 'CONFIRM' | 'REPORT_PROBLEM') =>
  Array.from({ length: 20 }, (_, i) =>
    complete(
      r.me,
      r.confirmation.id,
      (only ?? (i % 2 ? 'REPORT_PROBLEM' : 'CONFIRM')) === 'CONFIRM' ? { decision: 'CONFIRM' } : { decision: 'REPORT_PROBLEM', reason: `缺少字段 ${i}` },
    ),
  );

/** Exactly one 200; the others each a problem+json 409; one decision audited on the task. */
async function oneWins(answers: Res[], taskId: string) {
  expect(answers.filter((a) => a.statusCode === 200)).toHaveLength(1);
  for (const a of answers.filter((x) => x.statusCode !== 200)) expect(expectProblem(a, 409).code).toBe('TaskNotOpen');
  const audited = await h.db.selectFrom('audit_events').select('id').where('task_id', '=', taskId).where('action', '=', 'task_completed').execute();
  expect(audited).toHaveLength(1);
  return answers.find((a) => a.statusCode === 200)!.json() as { status: string; tasks: TaskView[] };
}

/** Where a confirmation decided leaves the grant: delivered, or delivery reopened once with the winner's reason. */
async function settledAs(r: Awaited<ReturnType<typeof delivered>>, decision: string) {
  const tasks = await tasksOf(r.id, r.me);
  const grant = (await call(r.me, 'GET', `/grants/${r.grantId}`)).json() as GrantView;
  const confirmation = tasks.find((t) => t.id === r.confirmation.id)!;
  expect(confirmation).toMatchObject({ status: 'completed', decision });
  const reopened = tasks.filter((t) => t.kind === 'SHARE_DELIVERY' && t.status === 'open');
  if (decision === 'CONFIRM') {
    expect(reopened).toEqual([]);
    expect(grant).toMatchObject({ status: 'active', delivery: { status: 'delivered' } });
  } else {
    expect(reopened).toHaveLength(1);
    expect(grant).toMatchObject({
      status: 'active',
      delivery: { status: 'awaiting_delivery', taskId: reopened[0].id, problem: expect.stringMatching(/^缺少字段 \d+$/) },
    });
  }
  expect(tasks.filter((t) => t.kind === 'SHARE_DELIVERY_CONFIRMATION')).toHaveLength(1);
}

test('twenty answers to one delivery’s confirmation at once: one stands, nineteen 409 problems, nothing half applied', async () => {
  const r = await delivered();
  const won = await oneWins(await Promise.all(twenty(r)), r.confirmation.id);
  const decision = won.tasks.find((t) => t.id === r.confirmation.id)!.decision!;
  await settledAs(r, decision);
});

test('two grants’ confirmations answered at once, twenty each: each settles its own way, neither crosses', async () => {
  const [a, b] = await Promise.all([delivered(), delivered()]);
  const [aAnswers, bAnswers] = await Promise.all([Promise.all(twenty(a, 'CONFIRM')), Promise.all(twenty(b, 'REPORT_PROBLEM'))]);
  await oneWins(aAnswers, a.confirmation.id);
  await oneWins(bAnswers, b.confirmation.id);
  await settledAs(a, 'CONFIRM');
  await settledAs(b, 'REPORT_PROBLEM');
});
