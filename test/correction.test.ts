// Error correction (Art. 11) as reporters and the providing agency drive it over HTTP, against real Temporal and
// PostgreSQL: who may report (a grantee, a licensee, anyone for data open to all) and who not, each
// decision of the verification, information asked once, the reporter told, an entry's reports read together
// and who reads them, hostile input, the clocks on the working-day calendar, and twenty decisions at once on one task
// and on sibling tasks.
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { readCalendarOverrides, statutoryCalendar } from '../db/repositories/calendar';
import { addDays, endOfDay, shanghaiDay, shiftWorkdays, workdaysBetween } from '../domain/calendar';
import { DEFAULT_CORRECTION_POLICY } from '../domain/correction';
import type { Actor } from '../domain/types';
import { completeTaskUpdate, workflowIdFor } from '../workflows/definitions';
import { expectProblem, registerPrincipal, startApi, validShareBody, type Api, type Res, validOpenRequestBody } from './api-helpers';
import { eventually, holdTestHolidays, recordHistories, startHarness, TEST_HOLIDAYS_WAIT_MS, type Harness } from './helpers';

let h: Harness;
let api: Api;
const started: { name: string; workflowId: string }[] = [];
beforeAll(async () => {
  h = await startHarness('correct');
  api = await startApi(h);
});
afterAll(async () => {
  if (process.env.RECORD_HISTORIES) await recordHistories(h.client, started, process.env.RECORD_HISTORIES, 'correction');
  await api.app.close();
  await h.close();
});

const citizen = (sub = 'zhou.citizen'): Actor => ({ sub, org: 'public', roles: ['public_applicant'] });
const agencyOf = (org: string, sub = `review-${org.slice(-10)}`): Actor => ({ sub, org, roles: ['provider_reviewer'] });
const applicantOf = (org: string, sub = `applicant-${org.slice(-10)}`): Actor => ({ sub, org, roles: ['agency_applicant'] });
const post = (actor: Actor, url: string, payload?: object) => api.app.inject({ method: 'POST', url, payload, headers: api.as(actor) });
const get = (actor: Actor, url: string) => api.app.inject({ method: 'GET', url, headers: api.as(actor) });

const HASH = 'ab'.repeat(32);
const body = (catalogEntryId: string, extra: object = {}) => ({
  catalogEntryId,
  items: ['legal_representative'],
  records: '统一社会信用代码 91371100MA000000X1',
  problem: '法定代表人与营业执照不一致',
  evidence: [{ name: '营业执照.jpg', sha256: HASH }],
  ...extra,
});

async function report(name: string, who: Actor, catalogEntryId: string, extra: object = {}) {
  const res = await post(who, '/corrections', body(catalogEntryId, extra));
  expect(`${res.statusCode} ${res.body.slice(0, 300)}`).toMatch(/^201 /);
  started.push({ name, workflowId: workflowIdFor('correction', res.json().id) });
  return res.json() as { id: string; status: string };
}
type TaskRow = {
  id: string;
  requestId: string;
  dueAt: string;
  context: { otherReports?: { requestId: string; status: string }[]; missing?: { item: string; reason: string }[] } | null;
};
const taskOf = (actor: Actor, requestId: string, kind = 'CORRECTION_VERIFICATION', not?: string) =>
  eventually(async () => ((await get(actor, `/tasks?kind=${kind}`)).json().items as TaskRow[]).find((t) => t.requestId === requestId && t.id !== not));
const decide = (actor: Actor, taskId: string, payload: object) => post(actor, `/tasks/${taskId}/complete`, payload);
const market = () => agencyOf(h.city.agencies.market);
const reportsOf = async (actor: Actor, entryId: string) => {
  const res = await get(actor, `/catalog/${entryId}/corrections`);
  expect(res.statusCode).toBe(200);
  return res.json().items as { requestId: string; status: string; own: boolean; outcome: Record<string, unknown> | null }[];
};

test('a member of the public reports an error in open data; the agency corrects it and the reporter is told what changed', async () => {
  const reporter = citizen();
  const req = await report('open data reported, corrected', reporter, h.city.entries.unconditional);
  expect(req.status).toBe('in_review');
  const task = await taskOf(market(), req.id);
  // CORRECTED says what changed; its day is a calendar day.
  expectProblem(await decide(market(), task.id, { decision: 'CORRECTED' }), 400, 'body.form.corrected');
  expectProblem(
    await decide(market(), task.id, { decision: 'CORRECTED', form: { corrected: '已更正', publishedAt: '2026-02-30' } }),
    400,
    'body.form.publishedAt',
  );
  const done = await decide(market(), task.id, { decision: 'CORRECTED', form: { corrected: '法定代表人已更正为王五', publishedAt: '2026-12-10' } });
  expect(done.json()).toMatchObject({
    status: 'upheld',
    outcome: { article: 'Art. 11', decision: 'CORRECTED', corrected: '法定代表人已更正为王五', publishedAt: '2026-12-10' },
  });
  const told = await eventually(async () =>
    ((await get(reporter, '/notifications')).json().items as { requestId: string; message: string }[]).find(
      (n) => n.requestId === req.id && n.message.includes('现为“已更正”'),
    ),
  );
  expect(told.message).toContain('法定代表人已更正为王五');
  const actions = (await get(reporter, `/requests/${req.id}/history`)).json().items.map((e: { action: string }) => e.action);
  expect(actions).toEqual(['submitted', 'task_opened', 'correction_received', 'task_completed', 'error_corrected']);
});

test('not an error, with its reasons; information asked once (a second ask refused by the API and by the workflow), the clock paused meanwhile', async () => {
  const reporter = citizen('wu.citizen');
  const req = await report('information asked once, then not an error', reporter, h.city.entries.unconditional);
  const first = await taskOf(market(), req.id);
  expectProblem(await decide(market(), first.id, { decision: 'NOT_AN_ERROR' }), 400);
  expect((await decide(market(), first.id, { decision: 'REQUEST_INFO', reason: '请提供营业执照照片' })).json().status).toBe('awaiting_applicant');
  const reply = await taskOf(reporter, req.id, 'CORRECTION_REPORTER_REPLY');
  expect((await decide(reporter, reply.id, { decision: 'REPLY', reason: '已上传照片' })).json().status).toBe('in_review');
  const second = await taskOf(market(), req.id, 'CORRECTION_VERIFICATION', first.id);
  expect(Math.abs(Date.parse(second.dueAt) - Date.parse(first.dueAt))).toBeLessThan(2000);
  expectProblem(await decide(market(), second.id, { decision: 'REQUEST_INFO', reason: '再补充' }), 400, 'body.decision', 'information requested once');
  // Sent past the API, the workflow's validator refuses it as well.
  const past = h.client.workflow
    .getHandle(workflowIdFor('correction', req.id))
    .executeUpdate(completeTaskUpdate, { args: [{ taskId: second.id, actor: market(), decision: 'REQUEST_INFO', reason: '再补充' }] });
  const refused = await past.then(
    () => null,
    (e: unknown) => e,
  );
  expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
  expect(((refused as WorkflowUpdateFailedError).cause as ApplicationFailure).message).toContain('asked for information once');
  const dismissed = await decide(market(), second.id, { decision: 'NOT_AN_ERROR', reason: '与登记档案一致' });
  expect(dismissed.json()).toMatchObject({ status: 'dismissed', outcome: { article: 'Art. 11', decision: 'NOT_AN_ERROR', reason: '与登记档案一致' } });
  await eventually(async () =>
    ((await get(reporter, '/notifications')).json().items as { requestId: string; message: string }[]).find(
      (n) => n.requestId === req.id && n.message.includes('现为“不属于错误”'),
    ),
  );
});

test('information asked with every missing item listed (一次性告知): the reporter reads them in their reply task; a list malformed is refused naming the field', async () => {
  const reporter = citizen('xie.citizen');
  const req = await report('information asked with every missing item listed', reporter, h.city.entries.unconditional);
  const task = await taskOf(market(), req.id);
  expectProblem(
    await decide(market(), task.id, { decision: 'REQUEST_INFO', reason: '请补充', form: { missing: [{ item: '营业执照照片' }] } }),
    400,
    'body.form.missing.0.reason',
  );
  const missing = [
    { item: '变更后的营业执照照片', reason: '核对变更登记日期' },
    { item: '法定代表人身份证明', reason: '核对姓名' },
  ];
  const asked = await decide(market(), task.id, { decision: 'REQUEST_INFO', reason: '请补充以下材料', form: { missing } });
  expect(asked.json().status).toBe('awaiting_applicant');
  const reply = await taskOf(reporter, req.id, 'CORRECTION_REPORTER_REPLY');
  expect(reply.context).toEqual({ missing });
  expect((await decide(reporter, reply.id, { decision: 'REPLY', reason: '已补充' })).json().status).toBe('in_review');
  const second = await taskOf(market(), req.id, 'CORRECTION_VERIFICATION', task.id);
  expect((await decide(market(), second.id, { decision: 'CORRECTED', form: { corrected: '已更正' } })).json().status).toBe('upheld');
});

test('who reports: an agency holding a grant in force, a licensee of an agreement in force; others refused naming the rule', async () => {
  const market = applicantOf(h.city.agencies.market);
  const health = applicantOf(h.city.agencies.health);
  const refusedAs = async (actor: Actor, entryId: string, status = 403) => {
    const problem = expectProblem(await post(actor, '/corrections', body(entryId, { items: [] })), status, status === 403 ? 'body.catalogEntryId' : undefined);
    if (status === 403) expect(problem.errors[0]).toMatchObject({ rule: 'a user of the data', article: 'Art. 11' });
  };
  // No grant yet: refused; granted (shared without conditions): reported.
  await refusedAs(market, h.city.entries.conditionalOpen);
  const share = await post(market, '/share-requests', validShareBody(h.city.entries.conditionalOpen));
  expect(share.json().status).toBe('granted');
  await report('an agency holding a grant reports', market, h.city.entries.conditionalOpen, { items: ['price'] });
  // An agency without a grant, data open to all notwithstanding; data not open to all for a member of the public.
  await refusedAs(health, h.city.entries.unconditional);
  await refusedAs(citizen(), h.city.entries.conditionalOpen);
  // Nobody applying at all.
  expectProblem(await post(agencyOf(h.city.agencies.health), '/corrections', body(h.city.entries.unconditional)), 403);
  // A licensee of an agreement in force on data open on conditions.
  const licensee = citizen('he.licensee');
  await registerPrincipal(api, licensee);
  const resources = agencyOf(h.city.agencies.resources);
  const applied = await post(licensee, '/open-requests', validOpenRequestBody(h.city.entries.conditionalOpen));
  expect(applied.statusCode).toBe(201);
  const id = applied.json().id as string;
  await decide(resources, (await taskOf(resources, id, 'OPEN_REQUEST_REVIEW')).id, { decision: 'APPROVE' });
  await refusedAs(licensee, h.city.entries.conditionalOpen);
  const { sha256 } = (await get(licensee, `/agreements/${id}.agreement`)).json();
  await decide(licensee, (await taskOf(licensee, id, 'AGREEMENT_SIGNATURE')).id, { decision: 'SIGN', form: { sha256 } });
  expect((await decide(resources, (await taskOf(resources, id, 'AGREEMENT_COUNTERSIGNATURE')).id, { decision: 'SIGN', form: { sha256 } })).json().status).toBe(
    'granted',
  );
  await report('a licensee reports', licensee, h.city.entries.conditionalOpen, { items: ['area'] });
});

test('repeated reports of an entry are read together: the verifier sees the others; the list shows all to the agency and the authority over it, their own to reporters', async () => {
  const entry = h.city.entries.conditional;
  const health = agencyOf(h.city.agencies.health);
  const authority: Actor = { sub: 'wang.authority', org: h.city.cityAuthority, roles: ['authority_reviewer'] };
  // The market agency is granted the health agency's entry, shared on conditions (Art. 14): its applicants report.
  const reporter = applicantOf(h.city.agencies.market);
  const colleague = applicantOf(h.city.agencies.market, 'colleague-market');
  const share = (await post(reporter, '/share-requests', validShareBody(entry))).json().id as string;
  await decide(health, (await taskOf(health, share, 'SHARE_PROVIDER_OPINION')).id, { decision: 'AGREE' });
  expect((await decide(authority, (await taskOf(authority, share, 'SHARE_JOINT_REVIEW')).id, { decision: 'APPROVE' })).json().status).toBe('granted');
  const first = await report('the first of two reports of an entry', reporter, entry, { items: ['beds'] });
  const second = await report('the second of two reports of an entry', colleague, entry, { items: ['departments'] });
  const task = await taskOf(health, second.id);
  expect(task.context?.otherReports?.map((r) => [r.requestId, r.status])).toEqual([[first.id, 'in_review']]);
  await decide(health, (await taskOf(health, first.id)).id, { decision: 'NOT_AN_ERROR', reason: '数据无误' });

  const ids = (items: { requestId: string }[]) => items.map((r) => r.requestId);
  // The providing agency, the city authority's reviewer and its supervisor: all, newest first, with the outcome.
  for (const reader of [health, authority, { sub: 'wu.supervisor', org: h.city.cityAuthority, roles: ['supervisor'] } as Actor]) {
    const items = await reportsOf(reader, entry);
    expect(ids(items)).toEqual([second.id, first.id]);
    expect(items[1]).toMatchObject({ status: 'dismissed', outcome: { decision: 'NOT_AN_ERROR' }, own: false });
  }
  // Each reporter their own; anyone else none.
  expect((await reportsOf(reporter, entry)).map((r) => [r.requestId, r.own])).toEqual([[first.id, true]]);
  expect(ids(await reportsOf(colleague, entry))).toEqual([second.id]);
  expect(ids(await reportsOf(citizen('stranger'), entry))).toEqual([]);
  expect(ids(await reportsOf(agencyOf(h.city.agencies.resources), entry))).toEqual([]);
  // A county authority does not oversee a city agency.
  expect(ids(await reportsOf({ sub: 'sun.county', org: h.city.countyAuthority, roles: ['authority_reviewer'] }, entry))).toEqual([]);
  expectProblem(await get(health, '/catalog/no-such-entry/corrections'), 404);
  // Paged.
  const page = (await get(health, `/catalog/${entry}/corrections?limit=1`)).json();
  expect(ids(page.items)).toEqual([second.id]);
  expect(ids((await get(health, `/catalog/${entry}/corrections?limit=1&cursor=${page.nextCursor}`)).json().items)).toEqual([first.id]);
});

test('hostile input: 400 naming the field', async () => {
  const who = citizen();
  const entry = h.city.entries.unconditional;
  const bad = async (payload: object, field: string, rule?: string) => expectProblem(await post(who, '/corrections', payload), 400, field, rule);
  await bad(body(entry, { problem: ' ' }), 'body.problem', 'required');
  await bad(body(entry, { problem: 'a\u0000b' }), 'body.problem');
  await bad(body(entry, { records: '\ud800' }), 'body.records');
  await bad(body(entry, { items: ['no_such_item'] }), 'body.items.0', 'a data item of the entry');
  await bad(body(entry, { evidence: [{ name: 'x', sha256: 'xyz' }] }), 'body.evidence.0.sha256');
  await bad(body(entry, { evidence: [{ name: 'x\u0000', sha256: HASH }] }), 'body.evidence.0.name');
  await bad(body(entry, { evidence: Array.from({ length: 11 }, (_, i) => ({ name: `f${i}`, sha256: HASH })) }), 'body.evidence');
  await bad(body(entry, { problem: 'x'.repeat(8001) }), 'body.problem');
  await bad(body(entry, { extra: 1 }), 'body');
  await bad(body('no-such-entry'), 'body.catalogEntryId', 'exists');
  const noProblem: Record<string, unknown> = body(entry);
  delete noProblem.problem;
  await bad(noProblem, 'body.problem');
});

test('twenty decisions at once on one verification: one stands, the others are refused', async () => {
  const req = await report('twenty decisions at once', citizen('lin.citizen'), h.city.entries.unconditional);
  const task = await taskOf(market(), req.id);
  const answers: Res[] = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      decide(
        { ...market(), sub: `officer-${i}` },
        task.id,
        i % 2 ? { decision: 'NOT_AN_ERROR', reason: `officer ${i}` } : { decision: 'CORRECTED', form: { corrected: `officer ${i}` } },
      ),
    ),
  );
  const codes = answers.map((a) => a.statusCode);
  expect(codes.filter((c) => c === 200)).toHaveLength(1);
  expect(codes.filter((c) => c !== 200).every((c) => c === 409)).toBe(true);
  const view = (await get(citizen('lin.citizen'), `/requests/${req.id}`)).json();
  expect(['upheld', 'dismissed']).toContain(view.status);
  expect(view.tasks.filter((t: { decision: string | null }) => t.decision)).toHaveLength(1);
});

// The clocks on the deployment's default policy (10 working days to verify, 10 for the reporter's reply), over weekends
// and a holiday: the 10th working day from today, entered in the override table for this test alone (holdTestHolidays).
describe('on the working-day calendar', () => {
  let clocked: Api;
  let holiday: string;
  let held: Awaited<ReturnType<typeof holdTestHolidays>>;
  beforeAll(async () => {
    held = await holdTestHolidays(h.db, (isWorkday) => [shiftWorkdays(shanghaiDay(new Date()), 10, isWorkday)]);
    [holiday] = held.days;
    clocked = await startApi(h, { policies: { correction: DEFAULT_CORRECTION_POLICY } });
  }, TEST_HOLIDAYS_WAIT_MS);
  afterAll(async () => {
    await held.release();
    await clocked.app.close();
  });

  /** A task's due time against the count by hand on the statutory calendar: `n` working days from the day it opened, the holiday and a weekend inside. */
  async function dueIn(taskId: string, dueAt: string, n: number) {
    const row = await h.db.selectFrom('tasks').select(['created_at', 'due_at']).where('id', '=', taskId).executeTakeFirstOrThrow();
    const opened = new Date(row.created_at);
    const isWorkday = statutoryCalendar(await readCalendarOverrides(h.db));
    const due = endOfDay(shiftWorkdays(shanghaiDay(opened), n, isWorkday)).toISOString();
    expect(dueAt).toBe(due);
    expect(row.due_at.toISOString()).toBe(due);
    expect(workdaysBetween(opened, new Date(due), isWorkday)).toBe(n);
    const days: string[] = [];
    for (let d = addDays(shanghaiDay(opened), 1); d <= shanghaiDay(new Date(due)); d = addDays(d, 1)) days.push(d);
    expect(days).toContain(holiday);
    expect(days.filter((d) => [0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay())).length).toBeGreaterThanOrEqual(2);
    return { opened, isWorkday };
  }

  test('the agency’s verification is due in 10 working days, the reporter’s reply in 10, the resumed verification where the paused one stood', async () => {
    const reporter = citizen('qian.citizen');
    const res = await clocked.app.inject({ method: 'POST', url: '/corrections', payload: body(h.city.entries.unconditional), headers: clocked.as(reporter) });
    expect(res.statusCode).toBe(201);
    const id = res.json().id as string;
    const first = await taskOf(market(), id);
    await dueIn(first.id, first.dueAt, 10);
    // The reporter's view of the request reads the same due time.
    const viewed = (await get(reporter, `/requests/${id}`)).json().tasks as { id: string; dueAt: string }[];
    expect(viewed.find((t) => t.id === first.id)!.dueAt).toBe(first.dueAt);

    expect((await decide(market(), first.id, { decision: 'REQUEST_INFO', reason: '请提供营业执照照片' })).statusCode).toBe(200);
    const reply = await taskOf(reporter, id, 'CORRECTION_REPORTER_REPLY');
    const { opened: paused, isWorkday } = await dueIn(reply.id, reply.dueAt, 10);
    expect((await decide(reporter, reply.id, { decision: 'REPLY', reason: '已上传照片' })).statusCode).toBe(200);
    // The clock ran again from where it stopped: the old due time moved by the working days the reporter held it.
    const second = await taskOf(market(), id, 'CORRECTION_VERIFICATION', first.id);
    const resumed = await h.db.selectFrom('tasks').select('created_at').where('id', '=', second.id).executeTakeFirstOrThrow();
    const held = workdaysBetween(paused, new Date(resumed.created_at), isWorkday);
    expect(second.dueAt).toBe(endOfDay(shiftWorkdays(shanghaiDay(new Date(first.dueAt)), held, isWorkday)).toISOString());
  });
});

/** A report of `who` whose verification asked for information: the reporter's reply task open. */
async function asked(name: string, who: Actor) {
  const req = await report(name, who, h.city.entries.unconditional);
  const verification = await taskOf(market(), req.id);
  expect((await decide(market(), verification.id, { decision: 'REQUEST_INFO', reason: '请补充证明' })).statusCode).toBe(200);
  return { id: req.id, reply: await taskOf(who, req.id, 'CORRECTION_REPORTER_REPLY') };
}

/** Exactly one 200, the others each a problem+json 409 (the task no longer open), one decision audited. */
async function oneWins(answers: Res[], taskId: string) {
  expect(answers.filter((a) => a.statusCode === 200)).toHaveLength(1);
  for (const a of answers.filter((x) => x.statusCode !== 200)) expect(expectProblem(a, 409).code).toBe('TaskNotOpen');
  const audited = await h.db.selectFrom('audit_events').select('id').where('task_id', '=', taskId).where('action', '=', 'task_completed').execute();
  expect(audited).toHaveLength(1);
}

/** After the reply: the report back under verification, with one fresh verification task and one reply decided. */
async function verifiedAgain(who: Actor, id: string) {
  const view = (await get(who, `/requests/${id}`)).json() as { status: string; tasks: { kind: string; status: string; decision: string | null }[] };
  expect(view.status).toBe('in_review');
  expect(view.tasks.filter((t) => t.kind === 'CORRECTION_REPORTER_REPLY').map((t) => [t.status, t.decision])).toEqual([['completed', 'REPLY']]);
  expect(view.tasks.filter((t) => t.kind === 'CORRECTION_VERIFICATION' && t.status === 'open')).toHaveLength(1);
}

test('twenty replies at once to one request for information: one stands, nineteen 409 problems, one verification resumes', async () => {
  const who = citizen('feng.citizen');
  const r = await asked('twenty replies at once', who);
  await oneWins(await Promise.all(Array.from({ length: 20 }, (_, i) => decide(who, r.reply.id, { decision: 'REPLY', reason: `补充 ${i}` }))), r.reply.id);
  await verifiedAgain(who, r.id);
});

test('one reporter’s two reports, each awaiting a reply, answered twenty times each at once: neither crosses', async () => {
  const who = citizen('chu.citizen');
  const a = await asked('sibling replies (a)', who);
  const b = await asked('sibling replies (b)', who);
  const [aAnswers, bAnswers] = await Promise.all([
    Promise.all(Array.from({ length: 20 }, (_, i) => decide(who, a.reply.id, { decision: 'REPLY', reason: `甲 ${i}` }))),
    Promise.all(Array.from({ length: 20 }, (_, i) => decide(who, b.reply.id, { decision: 'REPLY', reason: `乙 ${i}` }))),
  ]);
  await oneWins(aAnswers, a.reply.id);
  await oneWins(bAnswers, b.reply.id);
  await verifiedAgain(who, a.id);
  await verifiedAgain(who, b.id);
  // Each reply is its own report's: the reasons recorded on each are from its own batch.
  for (const [r, mark] of [
    [a, '甲'],
    [b, '乙'],
  ] as const) {
    const row = await h.db.selectFrom('tasks').select('reason').where('id', '=', r.reply.id).executeTakeFirstOrThrow();
    expect(row.reason).toMatch(new RegExp(`^${mark} \\d+$`));
  }
});

test('two reports of one entry verified at once, twenty decisions each: each ends its own way', async () => {
  const a = await report('sibling verifications (a)', citizen('jiang.citizen'), h.city.entries.unconditional);
  const b = await report('sibling verifications (b)', citizen('shen.citizen'), h.city.entries.unconditional);
  const [ta, tb] = [await taskOf(market(), a.id), await taskOf(market(), b.id)];
  const officer = (i: number) => ({ ...market(), sub: `officer-${i}` });
  const [aAnswers, bAnswers] = await Promise.all([
    Promise.all(Array.from({ length: 20 }, (_, i) => decide(officer(i), ta.id, { decision: 'CORRECTED', form: { corrected: `更正 ${i}` } }))),
    Promise.all(Array.from({ length: 20 }, (_, i) => decide(officer(i), tb.id, { decision: 'NOT_AN_ERROR', reason: `无误 ${i}` }))),
  ]);
  await oneWins(aAnswers, ta.id);
  await oneWins(bAnswers, tb.id);
  expect((await get(citizen('jiang.citizen'), `/requests/${a.id}`)).json()).toMatchObject({ status: 'upheld', outcome: { decision: 'CORRECTED' } });
  expect((await get(citizen('shen.citizen'), `/requests/${b.id}`)).json()).toMatchObject({ status: 'dismissed', outcome: { decision: 'NOT_AN_ERROR' } });
});
