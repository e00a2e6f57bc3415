// The provider's extension of its answer under the 《政务数据共享条例》 (issue 24 §2), over HTTP against real workflows:
// asked once with a reason by the provider's reviewer, approved or refused by the head of its 政务数据共享工作机构
// (sharing_head) within a working day; approved, the answer's due times move by what was asked, at most the policy's
// cap, on the working-day calendar; the applicant told either way. A request under the Measures alone has no such step.
import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { endOfDay, shanghaiDay, shiftWorkdays } from '../domain/calendar';
import { DEFAULT_SHARE_POLICY } from '../domain/share';
import type { Actor } from '../domain/types';
import { requestExtensionUpdate, workflowIdFor } from '../workflows/definitions';
import { expectProblem, startApi, validShareBody, type Api } from './api-helpers';
import { holdTestHolidays, startHarness, TEST_HOLIDAYS_WAIT_MS, type Harness, insertInstitution } from './helpers';

let h: Harness;
let api: Api;
/** A 事业单位 of the city (no government department): the Measures alone bind its requests. */
const institution = 'rzext-trading-centre';
/** Working days made holidays by the override table: one inside the opinion's window, one inside the extension's. */
const holidays: string[] = [];
let held: Awaited<ReturnType<typeof holdTestHolidays>> | undefined;

beforeAll(async () => {
  h = await startHarness('rzext');
  await insertInstitution(h, institution);
  const today = shanghaiDay(new Date());
  held = await holdTestHolidays(h.db, () => [shiftWorkdays(today, 2, plainWeekday), shiftWorkdays(today, 9, plainWeekday)]);
  holidays.push(...held.days);
  api = await startApi(h, { policies: { share: DEFAULT_SHARE_POLICY } });
}, TEST_HOLIDAYS_WAIT_MS);
afterAll(async () => {
  await held?.release();
  await api.app.close();
  await h.close();
});

/** December 2026 has no statutory holiday or exchanged working day: a weekday is a working day (the package agrees). */
function plainWeekday(day: string): boolean {
  const wd = new Date(`${day}T00:00:00Z`).getUTCDay();
  return wd !== 0 && wd !== 6;
}
const workday = (day: string) => plainWeekday(day) && !holidays.includes(day);
/** "Within n working days" of the day `from` falls on, counted by hand: weekends and the holidays skipped. */
const dueAfter = (from: string, n: number) => endOfDay(shiftWorkdays(shanghaiDay(new Date(from)), n, workday)).toISOString();

const govApplicant = (): Actor => ({ sub: `alice-${randomUUID().slice(0, 6)}`, org: h.city.agencies.market, roles: ['agency_applicant'] });
const institutionApplicant = (): Actor => ({ sub: `tang-${randomUUID().slice(0, 6)}`, org: institution, roles: ['agency_applicant'] });
const authority = (): Actor => ({ sub: 'bob', org: h.city.cityAuthority, roles: ['authority_reviewer'] });
const provider = (i: number | string = 0): Actor => ({ sub: `carol-${i}`, org: h.city.agencies.health, roles: ['provider_reviewer'] });
const head = (i: number | string = 0): Actor => ({ sub: `xu-${i}`, org: h.city.agencies.health, roles: ['sharing_head'] });

type TaskView = { id: string; kind: string; status: string; dueAt: string; context?: Record<string, unknown> | null };
const call = (actor: Actor, method: 'GET' | 'POST', url: string, payload?: object) => api.app.inject({ method, url, payload, headers: api.as(actor) });
const tasksOf = async (id: string, who: Actor) => (await call(who, 'GET', `/requests/${id}`)).json().tasks as TaskView[];
const ask = (actor: Actor, taskId: string, body: object) => call(actor, 'POST', `/tasks/${taskId}/extension-request`, body);
const complete = (actor: Actor, taskId: string, body: object) => call(actor, 'POST', `/tasks/${taskId}/complete`, body);

async function request(who: Actor) {
  const res = await call(who, 'POST', '/share-requests', validShareBody(h.city.entries.conditional));
  expect(res.statusCode).toBe(201);
  const req = res.json() as { id: string; tasks: TaskView[] };
  const row = await h.db.selectFrom('tasks').select('created_at').where('request_id', '=', req.id).orderBy('created_at').executeTakeFirstOrThrow();
  const open = (kind: string) => req.tasks.find((t) => t.kind === kind && t.status === 'open')!;
  return { id: req.id, who, openedAt: new Date(row.created_at).toISOString(), lead: open('SHARE_JOINT_REVIEW'), opinion: open('SHARE_PROVIDER_OPINION') };
}

/** The provider asks; answers with the head's open approval task. */
async function asked(r: Awaited<ReturnType<typeof request>>, workingDays: number, reason = '数据涉及多个业务系统，需协调核实') {
  const res = await ask(provider(), r.opinion.id, { workingDays, reason });
  expect(`${res.statusCode} ${res.body.slice(0, 300)}`).toMatch(/^200 /);
  const approval = (res.json().tasks as TaskView[]).find((t) => t.kind === 'SHARE_EXTENSION_APPROVAL' && t.status === 'open')!;
  expect(approval).toBeDefined();
  return approval;
}

const applicantNotices = (r: { id: string; who: Actor }) =>
  h.db.selectFrom('notifications').select(['message', 'kind']).where('request_id', '=', r.id).where('recipient_user', '=', r.who.sub).execute();

test('asked for 15 working days and approved by the head of sharing work: the opinion and the conclusion move by the cap (10), over weekends and a holiday; the applicant is told', async () => {
  const r = await request(govApplicant());
  expect(r.opinion.dueAt).toBe(dueAfter(r.openedAt, 7));
  const approval = await asked(r, 15);
  // The head's task: its own organisation's sharing_head, due within 1 working day, the ask in its context.
  const row = await h.db.selectFrom('tasks').selectAll().where('id', '=', approval.id).executeTakeFirstOrThrow();
  expect(row).toMatchObject({ candidate_role: 'sharing_head', candidate_org: h.city.agencies.health });
  expect(row.context).toEqual({ workingDays: 15, reason: '数据涉及多个业务系统，需协调核实', requestedBy: h.city.agencies.health });
  expect(row.due_at.toISOString()).toBe(dueAfter(row.created_at.toISOString(), 1));
  // The provider's reviewer who asked is not the head: their own ask is no task of theirs.
  expectProblem(await complete(provider(), approval.id, { decision: 'APPROVE' }), 404);

  const res = await complete(head(), approval.id, { decision: 'APPROVE' });
  expect(res.statusCode).toBe(200);
  const tasks = await tasksOf(r.id, r.who);
  // Counted on from each due time by 10 working days (the cap, not the 15 asked), the second holiday skipped.
  const opinionDue = shanghaiDay(new Date(r.opinion.dueAt));
  const leadDue = shanghaiDay(new Date(r.lead.dueAt));
  expect(tasks.find((t) => t.id === r.opinion.id)!.dueAt).toBe(endOfDay(shiftWorkdays(opinionDue, 10, workday)).toISOString());
  expect(tasks.find((t) => t.id === r.lead.id)!.dueAt).toBe(endOfDay(shiftWorkdays(leadDue, 10, workday)).toISOString());
  expect(shiftWorkdays(opinionDue, 10, workday)).not.toBe(shiftWorkdays(opinionDue, 10, plainWeekday));
  // Shown apart from a supervisor's extension (Art. 32): its own action, citing the 条例.
  const trail = await h.db.selectFrom('audit_events').select(['action', 'task_id', 'article']).where('request_id', '=', r.id).execute();
  expect(trail.filter((e) => e.action === 'task_due_extended')).toEqual([]);
  const moved = trail.filter((e) => e.action === 'task_due_extended_on_request');
  expect(moved.map((e) => e.task_id).sort()).toEqual([r.lead.id, r.opinion.id].sort());
  expect(moved[0].article).toContain('《政务数据共享条例》');
  const notices = await applicantNotices(r);
  expect(notices.some((n) => n.message.includes('同意') && n.message.includes('10 个工作日'))).toBe(true);
  // The review goes on to its end on the moved clock.
  await complete(provider(), r.opinion.id, { decision: 'AGREE' });
  expect((await complete(authority(), r.lead.id, { decision: 'APPROVE' })).json().status).toBe('granted');
});

test('refused by the head (with a reason): nothing moves, the applicant is told; a second ask is refused naming the rule, through the API and by the workflow itself', async () => {
  const r = await request(govApplicant());
  const approval = await asked(r, 3);
  // A refusal states its reason.
  expectProblem(await complete(head(), approval.id, { decision: 'REFUSE' }), 400, 'body.reason');
  expect((await complete(head(), approval.id, { decision: 'REFUSE', reason: '期限内可以完成' })).statusCode).toBe(200);
  const tasks = await tasksOf(r.id, r.who);
  expect(tasks.find((t) => t.id === r.opinion.id)!.dueAt).toBe(r.opinion.dueAt);
  expect(tasks.find((t) => t.id === r.lead.id)!.dueAt).toBe(r.lead.dueAt);
  const notices = await applicantNotices(r);
  expect(notices.some((n) => n.message.includes('不同意') && n.message.includes('期限内可以完成'))).toBe(true);

  const again = expectProblem(await ask(provider(1), r.opinion.id, { workingDays: 2, reason: '再次申请' }), 409, 'body', '延期申请一次');
  expect(again.type).toBe('urn:public-data-workflows:problem:ExtensionAlreadyAsked');
  expect(again.article).toContain('《政务数据共享条例》');
  // Sent past the API, the workflow's validator refuses it the same way.
  const direct = await h.client.workflow
    .getHandle(workflowIdFor('share', r.id))
    .executeUpdate(requestExtensionUpdate, { args: [{ taskId: r.opinion.id, actor: provider(1), workingDays: 2, reason: '再次申请' }] })
    .then(
      () => null,
      (e: unknown) => e,
    );
  expect(direct).toBeInstanceOf(WorkflowUpdateFailedError);
  expect(((direct as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('ExtensionAlreadyAsked');
  expect((await tasksOf(r.id, r.who)).filter((t) => t.kind === 'SHARE_EXTENSION_APPROVAL')).toHaveLength(1);
});

test('an ask is checked before anything is opened: a reason and whole working days, by the opinion’s own reviewer, on its opinion only', async () => {
  const r = await request(govApplicant());
  expectProblem(await ask(provider(), r.opinion.id, { workingDays: 3, reason: '  ' }), 400, 'body.reason');
  expectProblem(await ask(provider(), r.opinion.id, { workingDays: 0, reason: '需要时间' }), 400, 'body.workingDays');
  expectProblem(await ask(provider(), r.opinion.id, { workingDays: 2.5, reason: '需要时间' }), 400, 'body.workingDays');
  // The authority's conclusion is no provider's answer; another agency's reviewer is no candidate (not even shown the task).
  const lead = expectProblem(await ask(authority(), r.lead.id, { workingDays: 3, reason: '需要时间' }), 409);
  expect(lead.code).toBe('ExtensionNotAvailable');
  expectProblem(await ask({ ...provider(), org: h.city.agencies.market }, r.opinion.id, { workingDays: 3, reason: '需要时间' }), 404);
  // The head asks nothing: the head approves.
  expectProblem(await ask(head(), r.opinion.id, { workingDays: 3, reason: '需要时间' }), 404);
  expect((await tasksOf(r.id, r.who)).filter((t) => t.kind === 'SHARE_EXTENSION_APPROVAL')).toHaveLength(0);
});

test('a request by a 事业单位 (the Measures alone) has no such step: the ask is refused naming the 条例, nothing is opened', async () => {
  const r = await request(institutionApplicant());
  const res = expectProblem(await ask(provider(), r.opinion.id, { workingDays: 3, reason: '需要时间' }), 409, 'body', '条例');
  expect(res.code).toBe('ExtensionNotAvailable');
  const direct = await h.client.workflow
    .getHandle(workflowIdFor('share', r.id))
    .executeUpdate(requestExtensionUpdate, { args: [{ taskId: r.opinion.id, actor: provider(), workingDays: 3, reason: '需要时间' }] })
    .then(
      () => null,
      (e: unknown) => e,
    );
  expect(((direct as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('ExtensionNotAvailable');
  expect((await tasksOf(r.id, r.who)).filter((t) => t.kind === 'SHARE_EXTENSION_APPROVAL')).toHaveLength(0);
});

test('20 heads approve the same ask at once: one approval stands, the others are refused, the due times move once', async () => {
  const r = await request(govApplicant());
  const approval = await asked(r, 4);
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => complete(head(i), approval.id, { decision: 'APPROVE' })));
  expect(answers.filter((a) => a.statusCode === 200)).toHaveLength(1);
  for (const a of answers.filter((x) => x.statusCode !== 200)) expect(a.statusCode).toBe(409);
  const completed = await h.db.selectFrom('audit_events').select('id').where('task_id', '=', approval.id).where('action', '=', 'task_completed').execute();
  expect(completed).toHaveLength(1);
  const moved = await h.db
    .selectFrom('audit_events')
    .select('task_id')
    .where('request_id', '=', r.id)
    .where('action', '=', 'task_due_extended_on_request')
    .execute();
  expect(moved).toHaveLength(2);
  const opinion = (await tasksOf(r.id, r.who)).find((t) => t.id === r.opinion.id)!;
  expect(opinion.dueAt).toBe(endOfDay(shiftWorkdays(shanghaiDay(new Date(r.opinion.dueAt)), 4, workday)).toISOString());
});

test('20 reviewers of the provider ask at the same moment: one ask stands, the others are refused, one approval task', async () => {
  const r = await request(govApplicant());
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => ask(provider(i), r.opinion.id, { workingDays: 2, reason: `需协调 ${i}` })));
  expect(answers.filter((a) => a.statusCode === 200)).toHaveLength(1);
  for (const a of answers.filter((x) => x.statusCode !== 200)) expect(a.json().code).toBe('ExtensionAlreadyAsked');
  expect((await tasksOf(r.id, r.who)).filter((t) => t.kind === 'SHARE_EXTENSION_APPROVAL')).toHaveLength(1);
});
