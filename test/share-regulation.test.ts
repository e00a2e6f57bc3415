// The 《政务数据共享条例》 on top of the Measures, over HTTP against real workflows: its answer clocks on the
// working-day calendar (between government departments; the Measures' own for another institution), and its
// one-time notice (一次性告知), refused through the API and by the workflow's own validator alike.
import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { endOfDay, shanghaiDay, shiftWorkdays } from '../domain/calendar';
import { DEFAULT_SHARE_POLICY } from '../domain/share';
import type { Actor } from '../domain/types';
import { completeTaskUpdate, workflowIdFor } from '../workflows/definitions';
import { expectProblem, startApi, validShareBody, type Api } from './api-helpers';
import { holdTestHolidays, startHarness, TEST_HOLIDAYS_WAIT_MS, type Harness, insertInstitution } from './helpers';

let h: Harness;
/** The deployment's default policy: working days on the statutory calendar. */
let api: Api;
/** The same, with the 条例's rules widened to every share request (the policy switch). */
let widened: Api;
/** A 事业单位 of the city (no government department): the Measures alone bind its requests. */
const institution = 'rzreg-trading-centre';
/** A working day inside every window below made a holiday by the override table. */
let holiday: string;
let held: Awaited<ReturnType<typeof holdTestHolidays>> | undefined;

beforeAll(async () => {
  h = await startHarness('rzreg');
  await insertInstitution(h, institution);
  // The second working day after today is a holiday (say a day the city gives off): every count below skips it.
  held = await holdTestHolidays(h.db, () => [shiftWorkdays(shanghaiDay(new Date()), 2, plainWeekday)]);
  [holiday] = held.days;
  api = await startApi(h, { policies: { share: DEFAULT_SHARE_POLICY } });
  widened = await startApi(h, { policies: { share: { ...DEFAULT_SHARE_POLICY, regulationScope: 'all' } } });
}, TEST_HOLIDAYS_WAIT_MS);
afterAll(async () => {
  await held?.release();
  await api.app.close();
  await widened.app.close();
  await h.close();
});

/** December 2026 has no statutory holiday or exchanged working day: a weekday is a working day (the package agrees). */
function plainWeekday(day: string): boolean {
  const wd = new Date(`${day}T00:00:00Z`).getUTCDay();
  return wd !== 0 && wd !== 6;
}
const workday = (day: string) => plainWeekday(day) && day !== holiday;
/** "Within n working days" of the day `from` falls on, counted by hand: weekends and the holiday skipped. */
const dueAfter = (from: string, n: number) => endOfDay(shiftWorkdays(shanghaiDay(new Date(from)), n, workday)).toISOString();

const govApplicant = (): Actor => ({ sub: `alice-${randomUUID().slice(0, 6)}`, org: h.city.agencies.market, roles: ['agency_applicant'] });
const institutionApplicant = (): Actor => ({ sub: `tang-${randomUUID().slice(0, 6)}`, org: institution, roles: ['agency_applicant'] });
const authority = (i: number | string = 0): Actor => ({ sub: `bob-${i}`, org: h.city.cityAuthority, roles: ['authority_reviewer'] });
const provider = (i: number | string = 0): Actor => ({ sub: `carol-${i}`, org: h.city.agencies.health, roles: ['provider_reviewer'] });

type TaskView = { id: string; kind: string; status: string; dueAt: string; context?: Record<string, unknown> | null };
const call = (a: Api, actor: Actor, method: 'GET' | 'POST', url: string, payload?: object) => a.app.inject({ method, url, payload, headers: a.as(actor) });

async function request(who: Actor, a = api) {
  const res = await call(a, who, 'POST', '/share-requests', validShareBody(h.city.entries.conditional));
  expect(res.statusCode).toBe(201);
  const req = res.json() as { id: string; tasks: TaskView[] };
  const row = await h.db.selectFrom('tasks').select('created_at').where('request_id', '=', req.id).orderBy('created_at').executeTakeFirstOrThrow();
  const open = (kind: string) => req.tasks.find((t) => t.kind === kind && t.status === 'open')!;
  return { id: req.id, who, openedAt: new Date(row.created_at).toISOString(), lead: open('SHARE_JOINT_REVIEW'), opinion: open('SHARE_PROVIDER_OPINION') };
}
const missing = [
  { item: '检查计划', reason: '核实应用场景与所需字段相符' },
  { item: '监管职责依据', reason: '核实法定职责' },
];
const complete = (actor: Actor, taskId: string, body: object, a = api) => call(a, actor, 'POST', `/tasks/${taskId}/complete`, body);
const tasksOf = async (id: string, who: Actor) => (await call(api, who, 'GET', `/requests/${id}`)).json().tasks as TaskView[];

test('between government departments a conditional request is answered within 10 working days in all: the opinion due after 7, the conclusion after 10, over the weekend and a holiday', async () => {
  const r = await request(govApplicant());
  // Counted by hand: the start day not counted, Saturdays, Sundays and the holiday skipped.
  expect(r.opinion.dueAt).toBe(dueAfter(r.openedAt, 7));
  expect(r.lead.dueAt).toBe(dueAfter(r.openedAt, 10));
  // Not 10 + 10: the provider's agreement leaves the authority's due time where it was.
  await complete(provider(), r.opinion.id, { decision: 'AGREE' });
  const after = (await tasksOf(r.id, r.who)).find((t) => t.id === r.lead.id)!;
  expect(after.dueAt).toBe(dueAfter(r.openedAt, 10));
  // The holiday counts as no working day: without it each due time would be a day earlier.
  expect(Date.parse(dueAfter(r.openedAt, 7))).toBeGreaterThan(
    Date.parse(endOfDay(shiftWorkdays(shanghaiDay(new Date(r.openedAt)), 7, plainWeekday)).toISOString()),
  );
});

test('a request by a 事业单位 keeps the Measures’ clocks (both reviewers 10 working days) and may be asked for information again; the policy switch widens the 条例 to it', async () => {
  const r = await request(institutionApplicant());
  expect(r.opinion.dueAt).toBe(dueAfter(r.openedAt, 10));
  expect(r.lead.dueAt).toBe(dueAfter(r.openedAt, 10));
  // The Measures ask no list and no single notice.
  expect((await complete(provider(), r.opinion.id, { decision: 'REQUEST_INFO', reason: '请补充检查计划' })).json().status).toBe('awaiting_applicant');
  const reply = (await tasksOf(r.id, r.who)).find((t) => t.kind === 'SHARE_APPLICANT_REPLY' && t.status === 'open')!;
  expect((await complete(r.who, reply.id, { decision: 'REPLY', reason: '见附件' })).json().status).toBe('in_review');
  const lead = (await tasksOf(r.id, r.who)).find((t) => t.kind === 'SHARE_JOINT_REVIEW' && t.status === 'open')!;
  expect((await complete(authority(), lead.id, { decision: 'REQUEST_INFO', reason: '请补充监管依据' })).json().status).toBe('awaiting_applicant');

  // Widened by the policy, the same institution's request runs on the 条例's clocks.
  const w = await request(institutionApplicant(), widened);
  expect(w.opinion.dueAt).toBe(dueAfter(w.openedAt, 7));
  expect(w.lead.dueAt).toBe(dueAfter(w.openedAt, 10));
});

test('一次性告知 over HTTP: every missing item listed at once; the applicant reads the list; a second request in the review is refused naming the rule, through the API and by the workflow itself', async () => {
  const r = await request(govApplicant());
  // No list, or an item without its reason: refused on the field, naming the rule.
  const bare = await complete(provider(), r.opinion.id, { decision: 'REQUEST_INFO', reason: '材料不全' });
  const problem = expectProblem(bare, 400, 'body.form.missing', '一次性告知');
  expect(problem.errors[0].article).toContain('《政务数据共享条例》');
  expectProblem(await complete(provider(), r.opinion.id, { decision: 'REQUEST_INFO', reason: '材料不全', form: { missing: [{ item: '检查计划' }] } }), 400);
  const asked = await complete(provider(), r.opinion.id, { decision: 'REQUEST_INFO', reason: '材料不全', form: { missing } });
  expect(asked.json().status).toBe('awaiting_applicant');
  // The applicant's task lists what is missing and why; their clock runs, the reviewers' waits.
  const reply = (await tasksOf(r.id, r.who)).find((t) => t.kind === 'SHARE_APPLICANT_REPLY' && t.status === 'open')!;
  // It may also amend the request, picking among the entry's data items (the reply below does not).
  expect(reply.context).toEqual({ missing, amendable: expect.arrayContaining(['licence_no']) });
  expect((await complete(r.who, reply.id, { decision: 'REPLY', reason: '检查计划与依据见附件' })).json().status).toBe('in_review');
  const round = (await tasksOf(r.id, r.who)).filter((t) => t.status === 'open');
  const lead = round.find((t) => t.kind === 'SHARE_JOINT_REVIEW')!;
  const opinion = round.find((t) => t.kind === 'SHARE_PROVIDER_OPINION')!;
  // The paused clock moved both due times on; the opinion is still due before the conclusion.
  expect(Date.parse(lead.dueAt)).toBeGreaterThanOrEqual(Date.parse(r.lead.dueAt));
  expect(Date.parse(opinion.dueAt)).toBeLessThan(Date.parse(lead.dueAt));

  for (const [actor, task] of [
    [authority(), lead],
    [provider(), opinion],
  ] as const) {
    const again = await complete(actor, task.id, { decision: 'REQUEST_INFO', reason: '再补充', form: { missing: [{ item: '其他材料', reason: '审核需要' }] } });
    const body = expectProblem(again, 409);
    expect(body.type).toBe('urn:public-data-workflows:problem:NoticeAlreadyGiven');
    expect(body.detail).toContain('一次性告知');
    expect(body.article).toContain('《政务数据共享条例》');
  }
  // Sent past the API, the workflow's validator refuses it the same way.
  const handle = h.client.workflow.getHandle(workflowIdFor('share', r.id));
  const direct = await handle
    .executeUpdate(completeTaskUpdate, {
      args: [
        { taskId: lead.id, actor: authority(), decision: 'REQUEST_INFO', reason: '再补充', form: { missing: [{ item: '其他材料', reason: '审核需要' }] } },
      ],
    })
    .then(
      () => null,
      (e: unknown) => e,
    );
  expect(direct).toBeInstanceOf(WorkflowUpdateFailedError);
  expect(((direct as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('NoticeAlreadyGiven');
  // Nothing of the refusals was written; the review goes on to its end.
  const infos = await h.db.selectFrom('audit_events').select('id').where('request_id', '=', r.id).where('action', '=', 'information_requested').execute();
  expect(infos).toHaveLength(1);
  await complete(provider(), opinion.id, { decision: 'AGREE' });
  expect((await complete(authority(), lead.id, { decision: 'APPROVE' })).json().status).toBe('granted');
});

test('20 reviewers ask for information at the same moment: exactly one request is taken, the others refused, one reply task', async () => {
  const r = await request(govApplicant());
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      complete(provider(i), r.opinion.id, { decision: 'REQUEST_INFO', reason: `缺材料 ${i}`, form: { missing: [{ item: `材料 ${i}`, reason: '审核需要' }] } }),
    ),
  );
  const won = answers.filter((a) => a.statusCode === 200);
  expect(won).toHaveLength(1);
  for (const a of answers.filter((x) => x.statusCode !== 200)) expect([409]).toContain(a.statusCode);
  const completed = await h.db.selectFrom('audit_events').select('reason').where('task_id', '=', r.opinion.id).where('action', '=', 'task_completed').execute();
  expect(completed).toHaveLength(1);
  const tasks = await tasksOf(r.id, r.who);
  expect(tasks.filter((t) => t.kind === 'SHARE_APPLICANT_REPLY')).toHaveLength(1);
  const i = Number(/(\d+)$/.exec(completed[0].reason!)![1]);
  expect(tasks.find((t) => t.kind === 'SHARE_APPLICANT_REPLY')!.context).toMatchObject({ missing: [{ item: `材料 ${i}`, reason: '审核需要' }] });
});

/** The provider asks (the review's one notice) and the applicant's reply task opens. */
async function asked(r: Awaited<ReturnType<typeof request>>) {
  expect((await complete(provider(), r.opinion.id, { decision: 'REQUEST_INFO', reason: '材料不全', form: { missing } })).json().status).toBe(
    'awaiting_applicant',
  );
  return (await tasksOf(r.id, r.who)).find((t) => t.kind === 'SHARE_APPLICANT_REPLY' && t.status === 'open')!;
}
const openOf = async (r: Awaited<ReturnType<typeof request>>, kind: string) =>
  (await tasksOf(r.id, r.who)).find((t) => t.kind === kind && t.status === 'open')!;

test('一次性告知 unless the reply changed the request: an amending reply (data items, scenario) is checked as a submission, updates the request with its trail, and the next round may ask once more; the same values keep the notice given', async () => {
  const r = await request(govApplicant());
  const reply = await asked(r);
  // The amended request meets Art. 15 as a new one does: fields of the entry, a scenario; only the amendable parts.
  expectProblem(
    await complete(r.who, reply.id, { decision: 'REPLY', reason: '已调整', form: { fields: ['no_such_field'] } }),
    400,
    'body.form.fields',
    'fields of the entry',
  );
  expectProblem(await complete(r.who, reply.id, { decision: 'REPLY', reason: '已调整', form: { scenario: '   ' } }), 400, 'body.form.scenario', 'required');
  expectProblem(await complete(r.who, reply.id, { decision: 'REPLY', reason: '已调整', form: { statutoryDuty: '另一职责' } }), 400, 'body.form.statutoryDuty');
  expectProblem(
    await complete(r.who, reply.id, { decision: 'REPLY', reason: '已调整', form: { fields: ['institution', 'institution'] } }),
    400,
    'body.form.fields',
  );
  const amended = await complete(r.who, reply.id, {
    decision: 'REPLY',
    reason: '只申请执业许可信息',
    form: { fields: ['institution', 'licence_no'], scenario: '执业许可核查' },
  });
  expect(amended.json().status).toBe('in_review');
  // The request reads as amended; the trail says what changed, before and after, citing the article.
  const view = (await call(api, r.who, 'GET', `/requests/${r.id}`)).json();
  expect(view.payload).toMatchObject({ fields: ['institution', 'licence_no'], scenario: '执业许可核查' });
  const history = (await call(api, r.who, 'GET', `/requests/${r.id}/history`)).json().items as { action: string; article: string; newValue: unknown }[];
  expect(history.find((e) => e.action === 'request_amended')).toMatchObject({
    article: 'Art. 15',
    newValue: { before: { scenario: validShareBody('').scenario }, after: { fields: ['institution', 'licence_no'], scenario: '执业许可核查' } },
  });
  // The fresh round carries no mark of the notice: the authority asks once more, listing what is missing.
  const lead = await openOf(r, 'SHARE_JOINT_REVIEW');
  expect(lead.context).toMatchObject({ regulation: true });
  expect(lead.context?.noticeGiven).toBeUndefined();
  const again = await complete(authority(), lead.id, {
    decision: 'REQUEST_INFO',
    reason: '请补充',
    form: { missing: [{ item: '执业许可核查方案', reason: '核对调整后的场景' }] },
  });
  expect(again.json().status).toBe('awaiting_applicant');
  // The same values (the data items in another order) change nothing: the notice given stands for the next round.
  const second = await openOf(r, 'SHARE_APPLICANT_REPLY');
  const same = await complete(r.who, second.id, {
    decision: 'REPLY',
    reason: '方案见附件',
    form: { fields: ['licence_no', 'institution'], scenario: '执业许可核查' },
  });
  expect(same.json().status).toBe('in_review');
  const lead3 = await openOf(r, 'SHARE_JOINT_REVIEW');
  expect(lead3.context).toMatchObject({ noticeGiven: true });
  const body = expectProblem(await complete(authority(), lead3.id, { decision: 'REQUEST_INFO', reason: '再补充', form: { missing } }), 409);
  expect(body.type).toBe('urn:public-data-workflows:problem:NoticeAlreadyGiven');
  expect(history.filter((e) => e.action === 'request_amended')).toHaveLength(1);
  // Granted on the request as amended.
  await complete(provider(), (await openOf(r, 'SHARE_PROVIDER_OPINION')).id, { decision: 'AGREE' });
  expect((await complete(authority(), lead3.id, { decision: 'APPROVE' })).json().status).toBe('granted');
  const grant = await h.db.selectFrom('grants').select(['scope', 'purpose']).where('request_id', '=', r.id).executeTakeFirstOrThrow();
  expect(grant.scope.fields).toEqual(['institution', 'licence_no']);
  expect(grant.purpose).toBe('执业许可核查');
});

test('20 amending replies at the same moment: exactly one is taken, the request amended once, by that one', async () => {
  const r = await request(govApplicant());
  const reply = await asked(r);
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      complete(r.who, reply.id, { decision: 'REPLY', reason: `调整 ${i}`, form: { fields: ['institution'], scenario: `场景 ${i}` } }),
    ),
  );
  expect(answers.filter((a) => a.statusCode === 200)).toHaveLength(1);
  for (const a of answers.filter((x) => x.statusCode !== 200)) expect(a.statusCode).toBe(409);
  const completed = await h.db.selectFrom('audit_events').select('reason').where('task_id', '=', reply.id).where('action', '=', 'task_completed').execute();
  expect(completed).toHaveLength(1);
  const i = Number(/(\d+)$/.exec(completed[0].reason!)![1]);
  const amendments = await h.db.selectFrom('audit_events').select('new_value').where('request_id', '=', r.id).where('action', '=', 'request_amended').execute();
  expect(amendments).toHaveLength(1);
  expect(amendments[0].new_value).toMatchObject({ after: { scenario: `场景 ${i}` } });
  expect((await call(api, r.who, 'GET', `/requests/${r.id}`)).json().payload).toMatchObject({ fields: ['institution'], scenario: `场景 ${i}` });
  // One fresh round, in which one more ask is allowed.
  const open = (await tasksOf(r.id, r.who)).filter((t) => t.status === 'open');
  expect(open.map((t) => t.kind).sort()).toEqual(['SHARE_JOINT_REVIEW', 'SHARE_PROVIDER_OPINION']);
  expect(open.every((t) => t.context?.noticeGiven === undefined)).toBe(true);
});

// 不予共享 cites its basis (Art. 13 ¶2; 条例 rules 4 and 6): a DISAGREE or a REJECT carries { level, title, article }.
const lawBasis = [{ level: 'law', title: '中华人民共和国个人信息保护法', article: '第十三条' }];
const decisionBasis = [{ level: 'state_council_decision', title: '国务院关于加强数据资产管理的决定', article: '第三条' }];
/** A 规章 and a 地方性法规: bases the Measures accept (Art. 13 ¶2) and the 条例 does not between government departments. */
const rulesBasis = [{ level: 'rules', title: '日照市公共数据管理办法', article: '第十三条' }];
const localBasis = [{ level: 'regulation', title: '山东省大数据发展促进条例', article: '第二十条' }];

test('between government departments a refusal cites a 法律, 行政法规 or 国务院决定: none, a 规章 or a 地方性法规 refused on form.basis; the applicant reads the basis in the outcome and the notice', async () => {
  const r = await request(govApplicant());
  // The task says which levels a refusal may cite: the 条例's.
  expect(r.opinion.context).toMatchObject({ regulation: true, refusalBasis: ['law', 'administrative_regulation', 'state_council_decision'] });
  expect(r.lead.context).toMatchObject({ refusalBasis: ['law', 'administrative_regulation', 'state_council_decision'] });
  const none = expectProblem(
    await complete(provider(), r.opinion.id, { decision: 'DISAGREE', reason: '涉及个人信息' }),
    400,
    'body.form.basis',
    'legal basis of an accepted level',
  );
  expect(none.errors[0].article).toContain('《政务数据共享条例》');
  for (const basis of [rulesBasis, localBasis, [{ ...lawBasis[0], article: ' ' }], []])
    expectProblem(await complete(provider(), r.opinion.id, { decision: 'DISAGREE', reason: '涉及个人信息', form: { basis } }), 400, 'body.form.basis');
  // An unknown level is no level: refused by the form's schema.
  expectProblem(
    await complete(provider(), r.opinion.id, { decision: 'DISAGREE', reason: '涉及个人信息', form: { basis: [{ ...lawBasis[0], level: 'custom' }] } }),
    400,
  );
  expect((await complete(provider(), r.opinion.id, { decision: 'DISAGREE', reason: '涉及个人信息', form: { basis: lawBasis } })).statusCode).toBe(200);

  // The authority's REJECT likewise.
  expectProblem(
    await complete(authority(), r.lead.id, { decision: 'REJECT', reason: '用途超出法定职责' }),
    400,
    'body.form.basis',
    'legal basis of an accepted level',
  );
  expectProblem(
    await complete(authority(), r.lead.id, { decision: 'REJECT', reason: '用途超出法定职责', form: { basis: rulesBasis } }),
    400,
    'body.form.basis',
  );
  const rejected = await complete(authority(), r.lead.id, { decision: 'REJECT', reason: '用途超出法定职责', form: { basis: decisionBasis } });
  expect(rejected.statusCode).toBe(200);
  // The applicant reads what law the refusal rests on: the authority's, and the provider's opinion's.
  const seen = (await call(api, r.who, 'GET', `/requests/${r.id}`)).json() as { status: string; outcome: Record<string, unknown> };
  expect(seen.status).toBe('rejected');
  expect(seen.outcome).toMatchObject({ legalBasis: decisionBasis, provider: { decision: 'DISAGREE', legalBasis: lawBasis } });
  const told = await h.db.selectFrom('notifications').select('message').where('request_id', '=', r.id).where('kind', '=', 'request_status').execute();
  expect(told.map((n) => n.message)).toContainEqual(expect.stringContaining('依据：《国务院关于加强数据资产管理的决定》第三条（国务院决定）'));
  // The decision's audit event keeps its form: form.basis, as the evaluation reads it.
  const events = await h.db
    .selectFrom('audit_events')
    .select(['new_value'])
    .where('request_id', '=', r.id)
    .where('action', '=', 'task_completed')
    .orderBy('id')
    .execute();
  expect(events.map((e) => (e.new_value as { form?: { basis?: unknown } }).form?.basis)).toEqual([lawBasis, decisionBasis]);
});

test('a request by a 事业单位 is refused on the Measures’ wider list (Art. 13 ¶2): a 规章 or a 地方性法规 stands; none is still refused', async () => {
  const r = await request(institutionApplicant());
  expect(r.opinion.context).toEqual({ refusalBasis: ['law', 'regulation', 'rules', 'national', 'administrative_regulation', 'state_council_decision'] });
  const none = expectProblem(await complete(provider(), r.opinion.id, { decision: 'DISAGREE', reason: '涉及个人信息' }), 400, 'body.form.basis');
  expect(none.errors[0].article).toBe('Art. 13');
  expect((await complete(provider(), r.opinion.id, { decision: 'DISAGREE', reason: '涉及个人信息', form: { basis: rulesBasis } })).statusCode).toBe(200);
  expectProblem(await complete(authority(), r.lead.id, { decision: 'REJECT', reason: '用途不明' }), 400, 'body.form.basis');
  const rejected = await complete(authority(), r.lead.id, { decision: 'REJECT', reason: '用途不明', form: { basis: localBasis } });
  expect(rejected.json()).toMatchObject({ status: 'rejected', outcome: { legalBasis: localBasis, provider: { legalBasis: rulesBasis } } });
});

test('a refusal sent past the API without its basis, or on a 规章 between government departments, is refused by the workflow’s validator', async () => {
  const r = await request(govApplicant());
  const handle = h.client.workflow.getHandle(workflowIdFor('share', r.id));
  for (const [taskId, actor, decision, form] of [
    [r.opinion.id, provider(), 'DISAGREE', undefined],
    [r.opinion.id, provider(), 'DISAGREE', { basis: rulesBasis }],
    [r.lead.id, authority(), 'REJECT', { basis: localBasis }],
  ] as const) {
    const direct = await handle.executeUpdate(completeTaskUpdate, { args: [{ taskId, actor, decision, reason: '不同意', ...(form ? { form } : {}) }] }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(direct).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(((direct as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('InvalidInput');
  }
  expect((await tasksOf(r.id, r.who)).filter((t) => t.status === 'open')).toHaveLength(2);
});

test('20 providers refuse at the same moment, each with its basis: exactly one is taken, the others refused, one audit event', async () => {
  const r = await request(govApplicant());
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      complete(provider(i), r.opinion.id, { decision: 'DISAGREE', reason: `不同意 ${i}`, form: { basis: [{ ...lawBasis[0], article: `第${i + 1}条` }] } }),
    ),
  );
  expect(answers.filter((a) => a.statusCode === 200)).toHaveLength(1);
  for (const a of answers.filter((x) => x.statusCode !== 200)) expect(a.statusCode).toBe(409);
  const completed = await h.db
    .selectFrom('audit_events')
    .select(['reason', 'new_value'])
    .where('task_id', '=', r.opinion.id)
    .where('action', '=', 'task_completed')
    .execute();
  expect(completed).toHaveLength(1);
  const i = Number(/(\d+)$/.exec(completed[0].reason!)![1]);
  expect((completed[0].new_value as { form: { basis: unknown } }).form.basis).toEqual([{ ...lawBasis[0], article: `第${i + 1}条` }]);
});

test('an entry not shared on a 规章 alone: between government departments reviewed jointly (the 条例 asks more of a refusal); for a 事业单位 refused at once, its basis in the outcome', async () => {
  const entry = h.city.entries.none;
  const before = await h.db.selectFrom('catalog_entries').select('share_basis').where('id', '=', entry).executeTakeFirstOrThrow();
  await h.db
    .updateTable('catalog_entries')
    .set({ share_basis: JSON.stringify(rulesBasis) })
    .where('id', '=', entry)
    .execute();
  try {
    // The entry is the market regulator's: the health commission's applicant asks it.
    const gov: Actor = { sub: `dora-${randomUUID().slice(0, 6)}`, org: h.city.agencies.health, roles: ['agency_applicant'] };
    const reviewed = await call(api, gov, 'POST', '/share-requests', validShareBody(entry));
    expect(reviewed.statusCode).toBe(201);
    expect(reviewed.json()).toMatchObject({ status: 'in_review' });
    expect((reviewed.json() as { tasks: TaskView[] }).tasks.map((t) => t.kind).sort()).toEqual(['SHARE_JOINT_REVIEW', 'SHARE_PROVIDER_OPINION']);
    const refused = await call(api, institutionApplicant(), 'POST', '/share-requests', validShareBody(entry));
    expect(refused.json()).toMatchObject({ status: 'refused', outcome: { article: 'Art. 13', legalBasis: rulesBasis } });
  } finally {
    await h.db
      .updateTable('catalog_entries')
      .set({ share_basis: JSON.stringify(before.share_basis) })
      .where('id', '=', entry)
      .execute();
  }
});
