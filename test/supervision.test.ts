// Supervision of tasks (Art. 32): a supervisor moves a running deadline on (its timers follow) or
// hands a task to a person the directory of people knows who may act on it, each with a reason, audited
// and visible in the task and its history.
import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { computeDeadlines } from '../activities/calendar';
import { seedCity } from '../db/seed';
import type { Actor, OrgActor } from '../domain/types';
import { reassignTaskUpdate } from '../workflows/definitions';
import { expectProblem, startApi, validShareBody, type Api } from './api-helpers';
import { eventually, refusalForm, startHarness, TEST_POLICY, type Harness } from './helpers';

let h: Harness;
let api: Api;
beforeAll(async () => {
  h = await startHarness('supervision');
  // Due in 3 seconds: an extension must re-arm the timers, or the task goes overdue anyway.
  api = await startApi(h, {
    policies: {
      share: {
        ...TEST_POLICY,
        jointReview: { seconds: 3 },
        regulationReview: { seconds: 3 },
        regulationOpinion: { seconds: 3 },
        reminderBefore: { seconds: 1 },
      },
    },
  });
});
afterAll(async () => {
  await api.app.close();
  await h.close();
});

const supervisor = (): Actor => ({ sub: 'sv-sue', org: h.city.cityAuthority, roles: ['supervisor'] });
const carol = (): Actor => ({ sub: 'sv-carol', org: h.city.agencies.health, roles: ['provider_reviewer'] });
const call = (actor: Actor & { name?: string }, method: 'GET' | 'POST', url: string, payload?: object) =>
  api.app.inject({ method, url, payload, headers: api.as(actor) });

async function request(me: Actor = { sub: `sv-${randomUUID().slice(0, 6)}`, org: h.city.agencies.market, roles: ['agency_applicant'] }) {
  const req = (await call(me, 'POST', '/share-requests', validShareBody(h.city.entries.conditional))).json();
  return { me, id: req.id as string, opinion: req.tasks.find((t: { kind: string }) => t.kind === 'SHARE_PROVIDER_OPINION') as { id: string; dueAt: string } };
}

/** A person who has used the API once, so that the directory of people knows them. */
async function known<A extends Actor & { name?: string }>(person: A): Promise<A> {
  expect((await call(person, 'GET', '/me')).statusCode).toBe(200);
  return person;
}

test('an extension before the due time moves the running timer: the task is not marked overdue at the old time', async () => {
  const r = await request();
  const res = await call(supervisor(), 'POST', `/tasks/${r.opinion.id}/extend`, { workingDays: 2, reason: 'the provider awaits a court ruling' });
  expect(res.statusCode).toBe(200);
  const task = res.json().tasks.find((t: { id: string }) => t.id === r.opinion.id);
  expect(Date.parse(task.dueAt) - Date.parse(r.opinion.dueAt)).toBeGreaterThan(24 * 3600 * 1000);
  await new Promise((resolve) => setTimeout(resolve, 5000));
  const row = await h.db.selectFrom('tasks').selectAll().where('id', '=', r.opinion.id).executeTakeFirstOrThrow();
  expect(row.overdue_at).toBeNull();
  expect(row.due_at.toISOString()).toBe(task.dueAt);
  const history = (await call(supervisor(), 'GET', `/requests/${r.id}/history`)).json().items as {
    action: string;
    reason: string;
    article: string;
    actor: { role: string };
  }[];
  expect(history.find((e) => e.action === 'task_due_extended')).toMatchObject({
    reason: 'the provider awaits a court ruling',
    article: 'Art. 32',
    actor: { role: 'supervisor' },
  });
  // The candidates are told.
  const notes = (await call(carol(), 'GET', '/notifications?limit=100')).json().items as { kind: string; taskId: string }[];
  expect(notes.some((n) => n.kind === 'task_due_extended' && n.taskId === r.opinion.id)).toBe(true);
});

test('an extension after the task went overdue clears the mark; the other reviewer’s task stays overdue', async () => {
  const r = await request();
  await eventually(async () => (await h.db.selectFrom('tasks').select('overdue_at').where('id', '=', r.opinion.id).executeTakeFirst())?.overdue_at, 15_000);
  expect((await call(supervisor(), 'POST', `/tasks/${r.opinion.id}/extend`, { workingDays: 1, reason: 'late filing accepted' })).statusCode).toBe(200);
  const rows = await h.db.selectFrom('tasks').select(['kind', 'overdue_at']).where('request_id', '=', r.id).execute();
  expect(rows.find((t) => t.kind === 'SHARE_PROVIDER_OPINION')?.overdue_at).toBeNull();
  expect(rows.find((t) => t.kind === 'SHARE_JOINT_REVIEW')?.overdue_at).not.toBeNull();
  const overdue = (await call(supervisor(), 'GET', '/overdue-tasks?limit=100')).json().items as { id: string }[];
  expect(overdue.map((t) => t.id)).not.toContain(r.opinion.id);
});

test('extensions and reassignments need a supervisor overseeing the task and a reason', async () => {
  const r = await request();
  const noReason = await call(supervisor(), 'POST', `/tasks/${r.opinion.id}/extend`, { workingDays: 1, reason: ' ' });
  expect(noReason.statusCode).toBe(400);
  expect(noReason.json().article).toBe('Art. 32');
  expect((await call(supervisor(), 'POST', `/tasks/${r.opinion.id}/extend`, { workingDays: 0, reason: 'x' })).statusCode).toBe(400);
  expect((await call(supervisor(), 'POST', `/tasks/${r.opinion.id}/extend`, { workingDays: 31, reason: 'x' })).statusCode).toBe(400);
  expect((await call(carol(), 'POST', `/tasks/${r.opinion.id}/extend`, { workingDays: 1, reason: 'x' })).statusCode).toBe(403);
  const district: Actor = { sub: 'sv-district', org: h.city.countyAuthority, roles: ['supervisor'] };
  expect((await call(district, 'POST', `/tasks/${r.opinion.id}/extend`, { workingDays: 1, reason: 'x' })).statusCode).toBe(404);
  expect((await call(carol(), 'POST', `/tasks/${r.opinion.id}/reassign`, { user: 'sv-zhao', reason: 'x' })).statusCode).toBe(403);
  expect((await call(carol(), 'GET', `/tasks/${r.opinion.id}/assignable`)).statusCode).toBe(403);
  expect((await call(district, 'GET', `/tasks/${r.opinion.id}/assignable`)).statusCode).toBe(404);
  // A candidate of the task who also holds a supervisor's role oversees nothing from an agency: reaching the task as
  // its candidate (or a delegate) is no jurisdiction over it (Art. 32).
  const both: Actor = { sub: 'sv-both', org: h.city.agencies.health, roles: ['provider_reviewer', 'supervisor'] };
  expect((await call(both, 'GET', `/tasks/${r.opinion.id}`)).statusCode).toBe(200);
  for (const [method, url, body] of [
    ['POST', 'extend', { workingDays: 1, reason: 'x' }],
    ['POST', 'reassign', { user: 'sv-zhao', reason: 'x' }],
    ['POST', 'urge', { message: '请尽快办理' }],
    ['GET', 'assignable', undefined],
  ] as const)
    expect((await call(both, method, `/tasks/${r.opinion.id}/${url}`, body)).statusCode).toBe(404);
  const after = await h.db.selectFrom('tasks').select(['due_at', 'assignee']).where('id', '=', r.opinion.id).executeTakeFirstOrThrow();
  expect(after.assignee).toBeNull();
});

test('the directory of people: staff are recorded as they use the API, at most once per few minutes unless their token says something new; members of the public never', async () => {
  const who = { sub: `sv-dir-${randomUUID().slice(0, 6)}`, org: h.city.agencies.health, roles: ['provider_reviewer'], name: '林晓' } satisfies OrgActor & {
    name: string;
  };
  const rows = () => h.db.selectFrom('people').selectAll().where('sub', '=', who.sub).execute();
  await known(who);
  const [first] = await rows();
  expect(first).toMatchObject({ org: who.org, roles: ['provider_reviewer'], display_name: '林晓' });
  expect(first.first_seen_at.getTime()).toBe(first.last_seen_at.getTime());
  // Again at once: no write.
  await known(who);
  expect((await rows())[0].last_seen_at.getTime()).toBe(first.last_seen_at.getTime());
  // A new role, no name this time: written at once, the name kept.
  await known({ sub: who.sub, org: who.org, roles: ['provider_reviewer', 'agency_applicant'] });
  const [second, ...none] = await rows();
  expect(none).toEqual([]);
  expect(second).toMatchObject({ roles: ['provider_reviewer', 'agency_applicant'], display_name: '林晓', first_seen_at: first.first_seen_at });
  expect(second.last_seen_at.getTime()).toBeGreaterThan(first.last_seen_at.getTime());
  const citizen: Actor = { sub: `sv-citizen-${randomUUID().slice(0, 6)}`, org: null, roles: ['public_applicant'] };
  await known(citizen);
  expect(await h.db.selectFrom('people').select('sub').where('sub', '=', citizen.sub).execute()).toEqual([]);
});

test('a task goes only to a person who exists and may act on it: unknown, another organisation or role, another city, the applicant are each refused naming the rule', async () => {
  const r = await request();
  const reassign = (user: string) => call(supervisor(), 'POST', `/tasks/${r.opinion.id}/reassign`, { user, reason: 'to someone who knows the file' });
  // The name of nobody: a typed title, a sub never seen.
  for (const user of ['张科长', 'sv-never-seen']) expectProblem(await reassign(user), 400, 'body.user', 'known person');
  // Known, but not a candidate of the provider's opinion: the applicant's agency, the health commission's catalog officer.
  expectProblem(await reassign(r.me.sub), 400, 'body.user', 'candidate of the task');
  const officer = await known({ sub: `sv-officer-${randomUUID().slice(0, 6)}`, org: h.city.agencies.health, roles: ['agency_applicant'] } satisfies Actor);
  expectProblem(await reassign(officer.sub), 400, 'body.user', 'candidate of the task');
  // A provider reviewer of another city's health commission is nobody this supervisor may hand anything to.
  const prefix = `sv-far-${randomUUID().slice(0, 6)}`;
  const far = await seedCity(h.db, prefix, prefix);
  const farReviewer = await known({ sub: `sv-far-${randomUUID().slice(0, 6)}`, org: far.agencies.health, roles: ['provider_reviewer'] } satisfies Actor);
  expectProblem(await reassign(farReviewer.sub), 400, 'body.user', 'known person');
  // The applicant who also reviews for the providing agency is a candidate, but nobody decides their own request.
  const dual: Actor = { sub: `sv-dual-${randomUUID().slice(0, 6)}`, org: h.city.agencies.health, roles: ['agency_applicant', 'provider_reviewer'] };
  const own = await request(dual);
  expectProblem(
    await call(supervisor(), 'POST', `/tasks/${own.opinion.id}/reassign`, { user: dual.sub, reason: 'x' }),
    400,
    'body.user',
    'not a party to the matter',
  );
  // Nothing of it reached the task.
  expect((await call(supervisor(), 'GET', `/tasks/${r.opinion.id}`)).json().assignee).toBeNull();
});

test('a supervisor hands a task to a named reviewer picked from whom it may go to: only they may decide it, the other candidates see who holds it, and the trail says who and why', async () => {
  const zhao = await known({ sub: 'sv-zhao', org: h.city.agencies.health, roles: ['provider_reviewer'], name: '赵敏' } satisfies Actor & { name: string });
  await known(carol());
  // Whom it may go to: the health commission's provider reviewers, not the applicant among them, nobody of another organisation.
  const dual: Actor = { sub: `sv-dual-${randomUUID().slice(0, 6)}`, org: h.city.agencies.health, roles: ['agency_applicant', 'provider_reviewer'] };
  const own = await request(dual);
  const assignable = await call(supervisor(), 'GET', `/tasks/${own.opinion.id}/assignable?limit=100`);
  expect(assignable.statusCode).toBe(200);
  const people = assignable.json().items as { sub: string; org: string; name: string | null }[];
  expect(people).toContainEqual({ sub: zhao.sub, org: zhao.org, roles: ['provider_reviewer'], name: '赵敏' });
  expect(people.map((p) => p.sub)).toContain(carol().sub);
  expect(people.map((p) => p.sub)).not.toContain(dual.sub);
  expect(people.filter((p) => p.org !== h.city.agencies.health)).toEqual([]);
  // Paged by sub: one at a time gives the same people.
  const paged: unknown[] = [];
  for (let cursor = ''; ;) {
    const page = (await call(supervisor(), 'GET', `/tasks/${own.opinion.id}/assignable?limit=1${cursor}`)).json();
    paged.push(...page.items);
    if (!page.nextCursor) break;
    cursor = `&cursor=${page.nextCursor}`;
  }
  expect(paged).toEqual(people);
  const r = await request();
  const res = await call(supervisor(), 'POST', `/tasks/${r.opinion.id}/reassign`, { user: zhao.sub, reason: 'Ms Zhao knows the clinic registry' });
  expect(res.statusCode).toBe(200);
  expect(res.json().tasks.find((t: { id: string }) => t.id === r.opinion.id)).toMatchObject({ assignee: zhao.sub, assigneeName: '赵敏' });
  // Another candidate sees who holds it, by name, in the task and in the inbox; the applicant does not.
  expect((await call(carol(), 'GET', `/tasks/${r.opinion.id}`)).json()).toMatchObject({ assignee: zhao.sub, assigneeName: '赵敏' });
  const inbox = (await call(carol(), 'GET', '/tasks?limit=100&kind=SHARE_PROVIDER_OPINION')).json().items as { id: string; assigneeName: string | null }[];
  expect(inbox.find((t) => t.id === r.opinion.id)?.assigneeName).toBe('赵敏');
  const seenByApplicant = (await call(r.me, 'GET', `/requests/${r.id}`)).json().tasks.find((t: { id: string }) => t.id === r.opinion.id);
  expect(seenByApplicant).toMatchObject({ assignee: null, assigneeName: null });
  expect((await call(carol(), 'POST', `/tasks/${r.opinion.id}/complete`, { decision: 'AGREE' })).statusCode).toBe(403);
  expect((await call(zhao, 'POST', `/tasks/${r.opinion.id}/complete`, { decision: 'AGREE' })).statusCode).toBe(200);
  const history = (await call(supervisor(), 'GET', `/requests/${r.id}/history`)).json().items as {
    action: string;
    reason: string;
    article: string;
    newValue: { assignee: string };
  }[];
  expect(history.find((e) => e.action === 'task_reassigned')).toMatchObject({
    reason: 'Ms Zhao knows the clinic registry',
    article: 'Art. 32',
    newValue: { assignee: zhao.sub },
  });
  const notes = (await call(zhao, 'GET', '/notifications?limit=100')).json().items as { kind: string; taskId: string }[];
  expect(notes.some((n) => n.kind === 'task_assigned' && n.taskId === r.opinion.id)).toBe(true);
});

test('the workflow refuses a hand-over to someone who may not act on the task, sent past the API', async () => {
  const dual: OrgActor = { sub: `sv-dual-${randomUUID().slice(0, 6)}`, org: h.city.agencies.health, roles: ['agency_applicant', 'provider_reviewer'] };
  const r = await request(dual);
  const row = await h.db.selectFrom('requests').select('workflow_id').where('id', '=', r.id).executeTakeFirstOrThrow();
  const handle = h.client.workflow.getHandle(row.workflow_id);
  const send = (assignee: unknown) =>
    handle.executeUpdate(reassignTaskUpdate, { args: [{ taskId: r.opinion.id, actor: supervisor(), assignee: assignee as OrgActor, reason: 'past the API' }] });
  const refused = async (assignee: unknown, detail: RegExp) => {
    const err = await send(assignee).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (err as WorkflowUpdateFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect({ type: (cause as ApplicationFailure).type, message: (cause as ApplicationFailure).message }).toEqual({
      type: 'InvalidInput',
      message: expect.stringMatching(detail),
    });
  };
  await refused({ sub: '张科长', org: h.city.agencies.market, roles: ['agency_applicant'] }, /may not act on this task/);
  await refused({ sub: 'sv-zhao', org: h.city.cityAuthority, roles: ['provider_reviewer'] }, /may not act on this task/);
  await refused({ sub: 'sv-zhao', org: h.city.agencies.health, roles: ['agency_applicant'] }, /may not act on this task/);
  await refused(dual, /nobody decides their own request/);
  await refused({ sub: 'sv-zhao' }, /names the person it goes to/);
  await refused('sv-zhao', /names the person it goes to/);
  const state = await send({ sub: 'sv-zhao', org: h.city.agencies.health, roles: ['provider_reviewer'] });
  expect(state.tasks.find((t) => t.id === r.opinion.id)?.assignee).toBe('sv-zhao');
});

test('a reassignment or claim at the moment the request ends answers at once, never waits for the engine timeout', async () => {
  const bob: Actor = { sub: 'sv-bob', org: h.city.cityAuthority, roles: ['authority_reviewer'] };
  await known({ sub: 'sv-zhao', org: h.city.agencies.health, roles: ['provider_reviewer'] });
  for (let trial = 0; trial < 5; trial++) {
    const r = await request();
    const lead = (await call(bob, 'GET', `/requests/${r.id}`)).json().tasks.find((t: { kind: string }) => t.kind === 'SHARE_JOINT_REVIEW').id;
    const started = Date.now();
    const answers = await Promise.all([
      call(bob, 'POST', `/tasks/${lead}/complete`, { decision: 'REJECT', reason: 'no ground', form: refusalForm }),
      call(supervisor(), 'POST', `/tasks/${r.opinion.id}/reassign`, { user: 'sv-zhao', reason: 'knows it' }),
      call(carol(), 'POST', `/tasks/${r.opinion.id}/claim`),
    ]);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(answers[0].statusCode).toBe(200);
    for (const a of answers.slice(1)) expect([200, 409, 403]).toContain(a.statusCode);
  }
});

test('two supervisors extend the same task at once: both extensions count, each once in the trail', async () => {
  const r = await request();
  const other: Actor = { ...supervisor(), sub: 'sv-sam' };
  const answers = await Promise.all([
    call(supervisor(), 'POST', `/tasks/${r.opinion.id}/extend`, { workingDays: 1, reason: 'first' }),
    call(other, 'POST', `/tasks/${r.opinion.id}/extend`, { workingDays: 2, reason: 'second' }),
  ]);
  expect(answers.map((a) => a.statusCode)).toEqual([200, 200]);
  const history = (await call(supervisor(), 'GET', `/requests/${r.id}/history`)).json().items as {
    action: string;
    oldValue: { dueAt: string };
    newValue: { dueAt: string };
  }[];
  const extensions = history.filter((e) => e.action === 'task_due_extended');
  expect(extensions).toHaveLength(2);
  // The second counted on from the first: the old due of one is the new due of the other.
  expect(extensions[1].oldValue.dueAt).toBe(extensions[0].newValue.dueAt);
  const row = await h.db.selectFrom('tasks').select('due_at').where('id', '=', r.opinion.id).executeTakeFirstOrThrow();
  expect(row.due_at.toISOString()).toBe(extensions[1].newValue.dueAt);
  // 1 + 2 working days on from the original due time, on the statutory calendar.
  const expected = await computeDeadlines(h.db, { length: { workingDays: 3 }, from: r.opinion.dueAt });
  expect(row.due_at.toISOString()).toBe(expected.dueAt);
});

test('an extension and a decision on the same task at once: the extension either took effect (in the trail) or answers 409, never 200 with nothing done', async () => {
  // The decision follows the extension by 0–60 ms: across the window where the extension is accepted
  // but not yet written when the decision closes the task.
  for (const lag of [0, 5, 10, 15, 20, 30, 40, 60]) {
    const r = await request();
    const [extension, decision] = await Promise.all([
      call(supervisor(), 'POST', `/tasks/${r.opinion.id}/extend`, { workingDays: 1, reason: 'at the same moment' }),
      new Promise((resolve) => setTimeout(resolve, lag)).then(() => call(carol(), 'POST', `/tasks/${r.opinion.id}/complete`, { decision: 'AGREE' })),
    ]);
    expect(decision.statusCode).toBe(200);
    expect([200, 409]).toContain(extension.statusCode);
    const history = (await call(supervisor(), 'GET', `/requests/${r.id}/history`)).json().items as { action: string; taskId: string | null }[];
    const extended = history.filter((e) => e.action === 'task_due_extended' && e.taskId === r.opinion.id);
    if (extension.statusCode === 200) expect(extended).toHaveLength(1);
    else expect({ type: extension.json().type, extended }).toEqual({ type: 'urn:public-data-workflows:problem:TaskNotOpen', extended: [] });
  }
});
