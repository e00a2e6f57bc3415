// Evaluation by period (Art. 32) through real lifecycles: a small city's share requests decided on time, late, refused,
// extended and urged; each figure asserted against the cases behind it, a division summing its organisations, who may
// read which figures, a formula-safe export, and the snapshots kept once per figures and revised when they change.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { evaluationScheduleId, ensureEvaluationSchedule } from '../api/schedules';
import { refoldTaskTrails, taskTrailMismatches } from '../db/repositories/evaluation';
import { appendAudit } from '../db/repositories/audit';
import { shanghaiDay } from '../domain/calendar';
import { periodsEndedBy } from '../domain/evaluation';
import type { Actor } from '../domain/types';
import { expectProblem, startApi, validShareBody, type Api } from './api-helpers';
import { eventually, recordHistories, startHarness, TEST_POLICY, type Harness } from './helpers';

let h: Harness;
let api: Api;
/** The month running now: the requests below fall in it. */
const month = shanghaiDay(new Date()).slice(0, 7);

beforeAll(async () => {
  h = await startHarness('evaluation');
  // Reviews due in 6 seconds: a decision made at once is on time, one made after the overdue mark is late.
  api = await startApi(h, {
    policies: {
      share: {
        ...TEST_POLICY,
        jointReview: { seconds: 6 },
        regulationReview: { seconds: 6 },
        regulationOpinion: { seconds: 6 },
        reminderBefore: { seconds: 1 },
      },
    },
  });
});
afterAll(async () => {
  await api.app.close();
  await h.close();
});

const citySupervisor = (): Actor => ({ sub: 'ev-sue', org: h.city.cityAuthority, roles: ['supervisor'] });
const countySupervisor = (): Actor => ({ sub: 'ev-zheng', org: h.city.countyAuthority, roles: ['supervisor'] });
const healthReviewer = (): Actor => ({ sub: 'ev-carol', org: h.city.agencies.health, roles: ['provider_reviewer'] });
const countyProvider = (): Actor => ({ sub: 'ev-liu', org: h.city.agencies.donggangMarket, roles: ['provider_reviewer'] });
const authority = (): Actor => ({ sub: 'ev-bob', org: h.city.cityAuthority, roles: ['authority_reviewer'] });
const applicant = (): Actor => ({ sub: `ev-${randomUUID().slice(0, 6)}`, org: h.city.agencies.market, roles: ['agency_applicant'] });
const call = (actor: Actor, method: 'GET' | 'POST', url: string, payload?: object) => api.app.inject({ method, url, payload, headers: api.as(actor) });

interface Made {
  id: string;
  caseNumber: string;
  opinion: string;
  review: string;
}
async function shareRequest(entry: string): Promise<Made> {
  const res = await call(applicant(), 'POST', '/share-requests', validShareBody(entry));
  expect(res.statusCode).toBe(201);
  const r = res.json();
  const task = (kind: string) => r.tasks.find((t: { kind: string }) => t.kind === kind).id as string;
  return { id: r.id, caseNumber: r.caseNumber, opinion: task('SHARE_PROVIDER_OPINION'), review: task('SHARE_JOINT_REVIEW') };
}
const overdue = (taskId: string) =>
  eventually(async () => (await h.db.selectFrom('tasks').select('overdue_at').where('id', '=', taskId).executeTakeFirst())?.overdue_at, 30_000);

type Figures = Record<string, number | null>;
const evaluation = async (actor: Actor, scope: string) => {
  const res = await call(actor, 'GET', `/evaluations?period=${month}&${scope}`);
  expect(res.statusCode).toBe(200);
  return res.json() as {
    total: Figures;
    procedures: (Figures & { procedure: string })[];
    organisations: { organisation: string; total: Figures }[];
    snapshots: { revision: number; figures: { total: Figures } }[];
  };
};
const share = (e: { procedures: (Figures & { procedure: string })[] }) => e.procedures.find((p) => p.procedure === 'share');

let r1: Made;
let r2: Made;
let r3: Made;

test('each figure of an organisation counts its cases: on time and late by the due time, refusals, an extension, an urging, open and overdue at the end', async () => {
  // r1: the provider agrees and the authority refuses, both at once (on time).
  r1 = await shareRequest(h.city.entries.conditional);
  expect((await call(healthReviewer(), 'POST', `/tasks/${r1.opinion}/complete`, { decision: 'AGREE' })).statusCode).toBe(200);
  expect(
    (
      await call(authority(), 'POST', `/tasks/${r1.review}/complete`, {
        decision: 'REJECT',
        reason: '用途超出法定职责',
        form: { basis: [{ level: 'administrative_regulation', title: '政务数据共享条例', article: '第十条' }] },
      })
    ).statusCode,
  ).toBe(200);
  // r2: the provider refuses after its due time (late); the authority's review stays open past its own, and is urged.
  r2 = await shareRequest(h.city.entries.conditional);
  // r3: the Donggang provider's opinion is extended by two working days before it is due; the authority's review stays open.
  r3 = await shareRequest(h.city.entries.countyConditional);
  expect((await call(citySupervisor(), 'POST', `/tasks/${r3.opinion}/extend`, { workingDays: 2, reason: '需核对摊贩登记' })).statusCode).toBe(200);
  await overdue(r2.opinion);
  // Its refusal names its legal basis (a decision's form.basis, as the refusal forms give it): counted by its level.
  const basis = [{ level: 'law', title: '中华人民共和国个人信息保护法', article: '第十三条' }];
  expect(
    (await call(healthReviewer(), 'POST', `/tasks/${r2.opinion}/complete`, { decision: 'DISAGREE', reason: '含个人信息', form: { basis } })).statusCode,
  ).toBe(200);
  await overdue(r2.review);
  await overdue(r3.review);
  expect((await call(citySupervisor(), 'POST', `/tasks/${r2.review}/urge`, { message: '请于今日内办结' })).statusCode).toBe(200);

  const health = share(await evaluation(healthReviewer(), `organisation=${h.city.agencies.health}`));
  expect(health).toMatchObject({
    received: 2,
    decided: 2,
    decidedOnTime: 1,
    decidedLate: 1,
    onTimeRate: 0.5,
    // Decided the day they were opened: no working day counted.
    medianWorkingDays: 0,
    p90WorkingDays: 0,
    openAtEnd: 0,
    overdueAtEnd: 0,
    refusals: 1,
    refusalsByBasis: { law: 1 },
    requestsForInformation: 0,
    extensions: 0,
    urges: 0,
    escalations: 0,
  });
  const cityBda = share(await evaluation(citySupervisor(), `organisation=${h.city.cityAuthority}`));
  // The authority's refusal rests on an administrative regulation.
  expect(cityBda).toMatchObject({
    received: 3,
    decided: 1,
    decidedOnTime: 1,
    refusals: 1,
    refusalsByBasis: { administrative_regulation: 1 },
    openAtEnd: 2,
    overdueAtEnd: 2,
    urges: 1,
  });
  const donggang = share(await evaluation(countyProvider(), `organisation=${h.city.agencies.donggangMarket}`));
  expect(donggang).toMatchObject({ received: 1, decided: 0, onTimeRate: null, medianWorkingDays: null, openAtEnd: 1, overdueAtEnd: 0, extensions: 1 });

  // Each figure drills down to the requests it counts, by case number.
  const late = await call(
    citySupervisor(),
    'GET',
    `/evaluations/requests?period=${month}&organisation=${h.city.agencies.health}&procedure=share&figure=decidedLate`,
  );
  expect(late.statusCode).toBe(200);
  expect(late.json().items).toEqual([expect.objectContaining({ requestId: r2.id, caseNumber: r2.caseNumber, taskId: r2.opinion, decision: 'DISAGREE' })]);
  // Refusals drill down by their basis level.
  const byLaw = await call(citySupervisor(), 'GET', `/evaluations/requests?period=${month}&division=371100&figure=refusals&basis=law`);
  expect(byLaw.json().items).toEqual([expect.objectContaining({ requestId: r2.id, taskId: r2.opinion, basisLevel: 'law' })]);
  const byRegulation = await call(
    citySupervisor(),
    'GET',
    `/evaluations/requests?period=${month}&division=371100&figure=refusals&basis=administrative_regulation`,
  );
  expect(byRegulation.json().items).toEqual([expect.objectContaining({ requestId: r1.id, taskId: r1.review, basisLevel: 'administrative_regulation' })]);
  // Every refusal cites its basis now: none is unstated (only refusals from before the rule would be).
  const unstated = await call(citySupervisor(), 'GET', `/evaluations/requests?period=${month}&division=371100&figure=refusals&basis=unstated`);
  expect(unstated.json().items).toEqual([]);
  expectProblem(
    await call(citySupervisor(), 'GET', `/evaluations/requests?period=${month}&division=371100&figure=decided&basis=law`),
    400,
    'querystring.basis',
    'refusals only',
  );
  const open = await call(citySupervisor(), 'GET', `/evaluations/requests?period=${month}&division=371100&figure=overdueAtEnd`);
  expect(
    open
      .json()
      .items.map((i: { taskId: string }) => i.taskId)
      .sort(),
  ).toEqual([r2.review, r3.review].sort());
});

test('a division’s figures are its organisations’ together; the city’s include its districts’', async () => {
  const city = await evaluation(citySupervisor(), 'division=371100');
  const donggang = await evaluation(countySupervisor(), 'division=371102');
  for (const f of ['received', 'decided', 'decidedOnTime', 'decidedLate', 'openAtEnd', 'overdueAtEnd', 'refusals', 'extensions', 'urges', 'staleEntries'])
    expect(city.total[f]).toBe(city.organisations.reduce((s, o) => s + (o.total[f] as number), 0));
  expect(city.total).toMatchObject({
    received: 6,
    decided: 3,
    decidedOnTime: 2,
    decidedLate: 1,
    openAtEnd: 3,
    overdueAtEnd: 2,
    refusals: 2,
    extensions: 1,
    urges: 1,
    // The catalog's figure beside the tasks': the city's entries were published today, none is late yet.
    staleEntries: 0,
  });
  expect(city.organisations.map((o) => o.organisation)).toContain(h.city.agencies.donggangMarket);
  expect(donggang.total).toMatchObject({ received: 1, openAtEnd: 1, extensions: 1 });
  expect(donggang.organisations.map((o) => o.organisation)).not.toContain(h.city.agencies.health);
});

test('who sees what: a supervisor its division and those below, an organisation its own figures, anyone else 403; a malformed query 400', async () => {
  const q = (scope: string) => `/evaluations?period=${month}&${scope}`;
  const refused = async (actor: Actor, url: string) => expectProblem(await call(actor, 'GET', url), 403);
  await refused(countySupervisor(), q('division=371100'));
  await refused(countySupervisor(), q(`organisation=${h.city.agencies.health}`));
  await refused(healthReviewer(), q(`organisation=${h.city.agencies.market}`));
  await refused(healthReviewer(), q('division=371100'));
  await refused(authority(), q(`organisation=${h.city.agencies.health}`));
  await refused({ sub: 'ev-citizen', org: null, roles: ['public_applicant'] }, q(`organisation=${h.city.agencies.health}`));
  // Another city's supervisor reaches nothing here, not even by this city's organisation's id.
  await refused(citySupervisor(), q('organisation=no-such-organisation'));
  expect((await call(citySupervisor(), 'GET', q('division=371102'))).statusCode).toBe(200);
  expect((await call(countySupervisor(), 'GET', q(`organisation=${h.city.agencies.donggangMarket}`))).statusCode).toBe(200);
  expectProblem(await call(citySupervisor(), 'GET', '/evaluations?period=2026-13&division=371100'), 400, 'querystring.period');
  expectProblem(await call(citySupervisor(), 'GET', `/evaluations?period=${month}`), 400, 'querystring.division', 'one scope');
  expectProblem(
    await call(citySupervisor(), 'GET', `/evaluations?period=${month}&division=371100&organisation=${h.city.agencies.health}`),
    400,
    'querystring.division',
    'one scope',
  );
  expectProblem(await call(citySupervisor(), 'GET', `/evaluations/requests?period=${month}&division=371100&figure=onTimeRate`), 400, 'querystring.figure');
});

test('the export is formula-safe: an organisation named like a formula reads as text, in CSV and XLSX', async () => {
  await h.db
    .insertInto('organisations')
    .values({
      id: `${h.city.region}-formula`,
      name: '=HYPERLINK("http://evil.example","点击")',
      kind: 'agency',
      level: 'county',
      region: h.city.region,
      division: '371102',
    })
    .execute();
  const csv = await call(countySupervisor(), 'GET', `/evaluations?period=${month}&division=371102&format=csv`);
  expect(csv.statusCode).toBe(200);
  expect(csv.headers['content-type']).toContain('text/csv');
  const lines = csv.body
    .replace(/^\ufeff/, '')
    .trim()
    .split('\r\n');
  expect(lines[0].split(',').slice(0, 6)).toEqual(['period', 'scope', 'organisation', 'organisationName', 'procedure', 'received']);
  expect(csv.body).toContain(`"'=HYPERLINK(""http://evil.example"",""点击"")"`);
  // No cell starts a formula.
  for (const line of lines) for (const cell of line.split(',')) expect(cell).not.toMatch(/^"?[=+\-@]/);
  const xlsx = await call(countySupervisor(), 'GET', `/evaluations?period=${month}&division=371102&format=xlsx`);
  expect(xlsx.statusCode).toBe(200);
  expect(xlsx.headers['content-type']).toContain('spreadsheetml');
  expect(xlsx.rawPayload.subarray(0, 2).toString()).toBe('PK');
});

test('snapshots: a run keeps each scope’s figures once; the same figures again add nothing; a late decision is a new revision beside the first', async () => {
  const runs: { name: string; workflowId: string }[] = [];
  const run = async (name: string) => {
    const workflowId = `evaluation-snapshot-test/${randomUUID()}`;
    runs.push({ name, workflowId });
    return h.client.workflow.execute('evaluationSnapshotWorkflow', { taskQueue: h.taskQueue, workflowId, args: [{ periods: [month], region: h.city.region }] });
  };
  // Nine organisations, three divisions (the city, Donggang, Lanshan).
  expect(await run('a period kept for every organisation and division')).toEqual({ first: 12, revised: 0, unchanged: 0, periods: [month] });
  expect(await run('a period kept again with the same figures')).toEqual({ first: 0, revised: 0, unchanged: 12, periods: [month] });
  // The Donggang provider decides now: its figures, Donggang's and the city's change.
  expect((await call(countyProvider(), 'POST', `/tasks/${r3.opinion}/complete`, { decision: 'AGREE' })).statusCode).toBe(200);
  await eventually(async () => share(await evaluation(countyProvider(), `organisation=${h.city.agencies.donggangMarket}`))?.decided === 1);
  expect(await run('a period kept again after a late decision')).toEqual({ first: 0, revised: 3, unchanged: 9, periods: [month] });

  const listed = await evaluation(citySupervisor(), `organisation=${h.city.agencies.donggangMarket}`);
  expect(listed.snapshots.map((s) => s.revision)).toEqual([1, 2]);
  expect(listed.snapshots[0].figures.total).toMatchObject({ decided: 0, openAtEnd: 1 });
  expect(listed.snapshots[1].figures.total).toMatchObject({ decided: 1, decidedOnTime: 1, openAtEnd: 0 });
  expect((await evaluation(citySupervisor(), `organisation=${h.city.agencies.health}`)).snapshots.map((s) => s.revision)).toEqual([1]);
  // Each revision is on the trail; a kept revision is never edited.
  const kept = await h.db
    .selectFrom('audit_events')
    .select('new_value')
    .where('action', '=', 'evaluation_snapshot_kept')
    .where('event_key', 'like', `evaluation:${month}:organisation:${h.city.agencies.donggangMarket}:%`)
    .execute();
  expect(kept.map((e) => (e.new_value as { revision: number }).revision).sort()).toEqual([1, 2]);
  await expect(
    h.db.updateTable('evaluation_snapshots').set({ revision: 9 }).where('scope', '=', `organisation:${h.city.agencies.donggangMarket}`).execute(),
  ).rejects.toThrow(/kept as computed/);
  if (process.env.RECORD_HISTORIES) await recordHistories(h.client, runs, process.env.RECORD_HISTORIES, 'evaluation_snapshot');
});

test('the schedule is created once (a second start finds it); a run it starts keeps the periods ended by the time it was meant for', async () => {
  expect(await ensureEvaluationSchedule(h.client, h.taskQueue)).toBe(true);
  expect(await ensureEvaluationSchedule(h.client, h.taskQueue)).toBe(false);
  const handle = h.client.schedule.getHandle(evaluationScheduleId(h.taskQueue));
  try {
    const described = await handle.describe();
    expect(described.spec.timezone).toBe('Asia/Shanghai');
    expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'evaluationSnapshotWorkflow', taskQueue: h.taskQueue });
    // Triggered now, as the schedule would on the first of a month: it keeps the periods ended by now.
    await handle.trigger();
    const started = await eventually(async () => (await handle.describe()).info.recentActions[0]?.action.workflow, 30_000);
    const result = await h.client.workflow.getHandle(started.workflowId, started.firstExecutionRunId).result();
    expect(result.periods).toEqual(periodsEndedBy(new Date()));
    if (process.env.RECORD_HISTORIES)
      await recordHistories(
        h.client,
        [{ name: 'a run the schedule started', workflowId: started.workflowId, runId: started.firstExecutionRunId }],
        process.env.RECORD_HISTORIES,
        'evaluation_snapshot',
      );
  } finally {
    await handle.delete();
  }
}, 120_000);

test('each task’s folded trail, what the figures are counted from, is the fold of its audit events: kept as they are appended, refolded when wrong', async () => {
  const trail = (taskId: string) =>
    sql<{
      opened_due: string | null;
      closed_action: string | null;
      closed_decision: string | null;
      basis_level: string | null;
      extension_dues: string[] | null;
      urges: Date[] | null;
    }>`select * from task_trails where task_id = ${taskId}`
      .execute(h.db)
      .then((r) => r.rows[0]);
  // This file's own tasks: other files share the run's database, and some (the audit test) tamper with their trail on purpose.
  const ours = async () => {
    const { rows } = await sql<{ id: string }>`select t.id from tasks t join requests r on r.id = t.request_id
      join organisations o on o.id = r.applicant_org where o.region = ${h.city.region}`.execute(h.db);
    const mine = new Set(rows.map((r) => r.id));
    return (await taskTrailMismatches(h.db, 1_000_000)).filter((m) => mine.has(m.task_id));
  };
  // The lifecycles above: decided with a basis, extended, urged; the fold of every task agrees with its trail.
  expect(await ours()).toEqual([]);
  expect(await trail(r1.review)).toMatchObject({ closed_action: 'task_completed', closed_decision: 'REJECT', basis_level: 'administrative_regulation' });
  expect((await trail(r3.opinion)).extension_dues).toHaveLength(1);
  expect((await trail(r2.review)).urges).toHaveLength(1);

  // Two writers whose events reach the trail in the other order than their ids: the first by id stands, as the fold
  // has it (ids given here, far past any the sequence hands out).
  const taskId = `trail-test-${randomUUID()}`;
  // An applicant's task (not evaluated), written as the procedures write one but without its opening event.
  await sql`insert into tasks (id, request_id, workflow_id, kind, candidate_role, status, article, due_at, candidates)
            values (${taskId}, ${r1.id}, 'trail-test', 'SHARE_SIGN', 'agency_applicant', 'open', 'Art. 14', now(), '[{"org":null,"role":"agency_applicant","user":null}]')`.execute(
    h.db,
  );
  const base = 8_000_000_000_000_000n;
  const event = (id: bigint, action: string, extra: { decision?: string; newValue?: unknown }) =>
    sql`insert into audit_events (id, event_key, request_id, task_id, actor_sub, actor_role, action, article, decision, new_value)
        values (${String(id)}, ${`${taskId}:${id}`}, ${r1.id}, ${taskId}, 'ev-test', 'system', ${action}, 'Art. 32', ${extra.decision ?? null},
                ${JSON.stringify(extra.newValue ?? null)}::jsonb)`.execute(h.db);
  await event(base + 20n, 'task_due_extended', { newValue: { dueAt: '2026-12-20T16:00:00.000Z' } });
  await event(base + 10n, 'task_due_extended', { newValue: { dueAt: '2026-12-10T16:00:00.000Z' } });
  await event(base + 35n, 'task_cancelled', {});
  await event(base + 40n, 'task_completed', { decision: 'AGREE', newValue: { form: { basis: [{ level: 'law' }] } } });
  await event(base + 30n, 'task_completed', { decision: 'DISAGREE', newValue: { form: { basis: [{ level: 'local_regulation' }] } } });
  await appendAudit(h.db, {
    eventKey: `${taskId}:urged`,
    requestId: r1.id,
    taskId,
    actor: { sub: 'ev-test', org: null, role: 'supervisor' },
    action: 'task_urged',
    article: 'Art. 32',
  });
  expect(await trail(taskId)).toMatchObject({
    opened_due: null,
    closed_decision: 'DISAGREE',
    basis_level: 'local_regulation',
    extension_dues: ['2026-12-10T16:00:00.000Z', '2026-12-20T16:00:00.000Z'],
    urges: [expect.any(Date)],
  });
  expect(await ours()).toEqual([]);

  // A folded trail changed behind the trail's back is found, and folded again from the trail.
  await sql`update task_trails set closed_decision = 'APPROVE' where task_id = ${r1.review}`.execute(h.db);
  await sql`delete from task_trails where task_id = ${r2.review}`.execute(h.db);
  expect(await ours()).toEqual(
    [
      { task_id: r1.review, problem: 'differs' },
      { task_id: r2.review, problem: 'not folded' },
    ].sort((a, b) => a.task_id.localeCompare(b.task_id)),
  );
  await refoldTaskTrails(h.db);
  expect(await ours()).toEqual([]);
  expect(await trail(r1.review)).toMatchObject({ closed_decision: 'REJECT' });
});
