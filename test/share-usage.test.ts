// Usage records under the 《政务数据共享条例》 (issue 24 §6, 使用记录), over HTTP against real workflows: while a grant is
// active the grantee's applicant gets a report task at each period's end (a quarter in Asia/Shanghai by default; a few
// seconds here), due in working days; it files who used the data, when and for which purpose, or that it used none;
// the grantee, the provider and the city authority read them; others do not.
import { randomUUID } from 'node:crypto';
import { readCalendarOverrides, statutoryCalendar } from '../db/repositories/calendar';
import { endOfDay, shanghaiDay, workdaysBetween } from '../domain/calendar';
import type { Actor } from '../domain/types';
import { completeTaskUpdate, workflowIdFor } from '../workflows/definitions';
import { expectProblem, startApi, validShareBody, type Api } from './api-helpers';
import { eventually, startHarness, TEST_POLICY, type Harness } from './helpers';

let h: Harness;
let api: Api;
beforeAll(async () => {
  h = await startHarness('rzusage');
  // A report every four seconds, due in 10 working days (the default window).
  api = await startApi(h, { policies: { share: { ...TEST_POLICY, usageReport: { seconds: 4 }, usageReportWindow: { workingDays: 10 } } } });
});
afterAll(async () => {
  await api.app.close();
  await h.close();
});

type TaskView = { id: string; kind: string; status: string; dueAt: string; createdAt?: string; context?: Record<string, unknown> | null };
const call = (actor: Actor, method: 'GET' | 'POST', url: string, payload?: object) => api.app.inject({ method, url, payload, headers: api.as(actor) });
const applicant = (): Actor => ({ sub: `us-${randomUUID().slice(0, 6)}`, org: h.city.agencies.market, roles: ['agency_applicant'] });
const resources = (): Actor => ({ sub: 'us-resources', org: h.city.agencies.resources, roles: ['provider_reviewer'] });
const authority = (): Actor => ({ sub: 'us-authority', org: h.city.cityAuthority, roles: ['authority_reviewer'] });

/** An unconditional grant (granted at once) and its first usage report task, once the first period has ended. */
async function firstReport(me = applicant()) {
  const req = (await call(me, 'POST', '/share-requests', validShareBody(h.city.entries.conditionalOpen))).json();
  expect(req.status).toBe('granted');
  const task = await eventually(async () => {
    const tasks = (await call(me, 'GET', `/requests/${req.id}`)).json().tasks as TaskView[];
    return tasks.find((t) => t.kind === 'SHARE_USAGE_REPORT' && t.status === 'open');
  }, 20_000);
  return { me, requestId: req.id as string, grantId: req.grant.id as string, task };
}

test('a report falls due at the period’s end for the grantee’s applicant, due in 10 working days; what it files is checked; the grantee, provider and authority read it', async () => {
  const r = await firstReport();
  const period = r.task.context!.period as { from: string; to: string; label: string | null };
  expect(Date.parse(period.to) - Date.parse(period.from)).toBe(4000);
  // The clock: 10 working days on the statutory calendar from the day it opened, ending with that day's end.
  const opened = await h.db.selectFrom('tasks').select('created_at').where('id', '=', r.task.id).executeTakeFirstOrThrow();
  const isWorkday = statutoryCalendar(await readCalendarOverrides(h.db));
  const due = new Date(r.task.dueAt);
  expect(workdaysBetween(new Date(opened.created_at), due, isWorkday)).toBe(10);
  expect(isWorkday(shanghaiDay(due))).toBe(true);
  expect(due.toISOString()).toBe(endOfDay(shanghaiDay(due)).toISOString());

  const file = (actor: Actor, form: object) => call(actor, 'POST', `/tasks/${r.task.id}/complete`, { decision: 'FILE', form });
  const inPeriod = new Date(Date.parse(period.from) + 1000).toISOString();
  // Nothing said, both said, a use outside the period, a use with no name: each refused, naming the field.
  expectProblem(await file(r.me, {}), 400, 'body.form.records');
  expectProblem(await file(r.me, { noUse: true, records: [{ user: '张三', usedAt: inPeriod, purpose: '监管' }] }), 400, 'body.form.noUse');
  expectProblem(await file(r.me, { records: [{ user: '张三', usedAt: period.to, purpose: '监管' }] }), 400, 'body.form.records.0.usedAt', 'within the period');
  expectProblem(await file(r.me, { records: [{ user: '  ', usedAt: inPeriod, purpose: '监管' }] }), 400, 'body.form.records.0.user');
  // Only the grantee's applicant files.
  expect((await file(resources(), { noUse: true })).statusCode).toBe(404);
  // Past the API, the workflow's validator refuses it alike.
  const handle = h.client.workflow.getHandle(workflowIdFor('share', r.requestId));
  await expect(handle.executeUpdate(completeTaskUpdate, { args: [{ taskId: r.task.id, actor: r.me, decision: 'FILE', form: {} }] })).rejects.toMatchObject({
    cause: { type: 'InvalidInput' },
  });

  const records = [
    { user: '张三', usedAt: inPeriod, purpose: '核查医疗机构执业许可' },
    { user: '李四', usedAt: new Date(Date.parse(period.from) + 2000).toISOString(), purpose: '双随机抽查' },
  ];
  expect((await file(r.me, { records })).statusCode).toBe(200);
  const filed = await eventually(async () => {
    const res = await call(r.me, 'GET', `/grants/${r.grantId}/usage-records`);
    return res.json().items?.length && res.json();
  });
  expect(filed.items[0]).toMatchObject({ taskId: r.task.id, noUse: false, records, period, filedBy: { sub: r.me.sub, org: h.city.agencies.market } });
  for (const reader of [resources(), authority()]) expect((await call(reader, 'GET', `/grants/${r.grantId}/usage-records`)).json()).toEqual(filed);
  const stranger: Actor = { sub: 'us-x', org: h.city.agencies.health, roles: ['provider_reviewer', 'agency_applicant'] };
  expect((await call(stranger, 'GET', `/grants/${r.grantId}/usage-records`)).statusCode).toBe(404);
  const trail = await h.db.selectFrom('audit_events').select(['action', 'article']).where('task_id', '=', r.task.id).execute();
  expect(trail.filter((e) => e.action === 'grant_usage_filed')).toEqual([
    { action: 'grant_usage_filed', article: '《政务数据共享条例》共享使用（使用记录）; Art. 15' },
  ]);
  // The next period's report falls due in turn; the grant's end closes an open one.
  const next = await eventually(async () => {
    const tasks = (await call(r.me, 'GET', `/requests/${r.requestId}`)).json().tasks as TaskView[];
    return tasks.find((t) => t.kind === 'SHARE_USAGE_REPORT' && t.id !== r.task.id && t.status === 'open');
  }, 20_000);
  expect((next.context!.period as { from: string }).from).toBe(period.to);
  expect((await call(authority(), 'POST', `/grants/${r.grantId}/revoke`, { ground: 'misuse', reason: '违规使用' })).statusCode).toBe(200);
  const after = (await call(r.me, 'GET', `/requests/${r.requestId}`)).json().tasks as TaskView[];
  expect(after.filter((t) => t.kind === 'SHARE_USAGE_REPORT' && t.status === 'open')).toEqual([]);
});

test('no use in the period is said explicitly, with no records', async () => {
  const r = await firstReport();
  expect((await call(r.me, 'POST', `/tasks/${r.task.id}/complete`, { decision: 'FILE', form: { noUse: true } })).statusCode).toBe(200);
  const filed = await eventually(async () => (await call(resources(), 'GET', `/grants/${r.grantId}/usage-records`)).json().items?.[0]);
  expect(filed).toMatchObject({ noUse: true, records: [] });
});

test('twenty filings of one report at once: one stands, nineteen 409, one decision and one filing', async () => {
  const r = await firstReport();
  const answers = await Promise.all(
    Array.from({ length: 20 }, () => call(r.me, 'POST', `/tasks/${r.task.id}/complete`, { decision: 'FILE', form: { noUse: true } })),
  );
  expect(answers.filter((a) => a.statusCode === 200)).toHaveLength(1);
  for (const a of answers.filter((x) => x.statusCode !== 200)) expect(a.statusCode).toBe(409);
  const completed = await h.db.selectFrom('audit_events').select('id').where('task_id', '=', r.task.id).where('action', '=', 'task_completed').execute();
  expect(completed).toHaveLength(1);
  await eventually(async () => (await h.db.selectFrom('grant_usage_records').select('task_id').where('task_id', '=', r.task.id).execute()).length === 1);
  expect(await h.db.selectFrom('grant_usage_records').select('task_id').where('grant_id', '=', r.grantId).execute()).toHaveLength(1);
});
