// The share procedure on a real Temporal dev server and PostgreSQL, driven through the workflow's own messages.
import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, WorkflowFailedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import type { RequestSnapshot } from '../domain/requests';
import { shareParties } from '../db/repositories/share';
import { getGrant } from '../db/repositories/grants';
import { grantView } from '../api/views';
import type { SharePolicy } from '../domain/share';
import type { Actor, OrgActor } from '../domain/types';
import {
  awaitSubmittedUpdate,
  cancelRequestUpdate,
  claimTaskUpdate,
  completeTaskUpdate,
  extendTaskUpdate,
  requestExtensionUpdate,
  revokeGrantUpdate,
  revokeGrantSignal,
  stateQuery,
  workflowIdFor,
  type ShareRequestInput,
} from '../workflows/definitions';
import { eventually, recordHistories, refusalForm, startHarness, TEST_POLICY, type Harness } from './helpers';

let h: Harness;
const started: { name: string; workflowId: string; runId?: string }[] = [];
beforeAll(async () => {
  h = await startHarness('sharewf');
});
afterAll(async () => {
  // RECORD_HISTORIES=<label> adds fixtures that test/replay.test.ts replays against today's workflow code.
  if (process.env.RECORD_HISTORIES) await recordHistories(h.client, started, process.env.RECORD_HISTORIES);
  await h.close();
});

const applicant = (): OrgActor => ({ sub: `alice-${randomUUID().slice(0, 6)}`, org: h.city.agencies.market, roles: ['agency_applicant'] });
const authority = (): Actor => ({ sub: 'bob', org: h.city.cityAuthority, roles: ['authority_reviewer'] });
const provider = (): Actor => ({ sub: 'carol', org: h.city.agencies.health, roles: ['provider_reviewer'] });

/** The parties as the API resolves them for the workflow's input. */
async function partiesFor(entryId: string, org: string) {
  return (await shareParties(h.db, entryId, org)).parties ?? undefined;
}

async function submit(entryId: string, policy: SharePolicy = TEST_POLICY, who = applicant(), extra: Partial<ShareRequestInput> = {}) {
  const requestId = randomUUID();
  const input: ShareRequestInput = {
    requestId,
    applicant: who,
    form: {
      catalogEntryId: entryId,
      scenario: 'inspection planning',
      statutoryDuty: 'market supervision',
      commitment: { authenticity: true, compliance: true, security: true },
    },
    payloadHash: 'x',
    policy,
    // Started as the API starts it, with the parties as of submission (unless a test says otherwise).
    parties: await partiesFor(entryId, who.org),
    ...extra,
  };
  // Started as the API starts it: start and first Update in one call, so a request that ends at once still answers.
  const start = new WithStartWorkflowOperation('shareRequestWorkflow', {
    workflowId: workflowIdFor('share', requestId),
    taskQueue: h.taskQueue,
    args: [input],
    workflowIdConflictPolicy: 'FAIL',
  });
  const state = await h.client.workflow.executeUpdateWithStart(awaitSubmittedUpdate, { startWorkflowOperation: start });
  const handle = h.client.workflow.getHandle(workflowIdFor('share', requestId));
  started.push({ name: expect.getState().currentTestName ?? requestId, workflowId: handle.workflowId });
  return { requestId, handle, state, applicant: who };
}

const taskOf = (state: RequestSnapshot, kind: string) => state.tasks.find((t) => t.kind === kind && t.status === 'open')!;
/** A request for information lists what is missing (一次性告知: the demo city's parties are government departments); by default the one item it asks. */
const decide = (
  handle: Awaited<ReturnType<typeof submit>>['handle'],
  taskId: string,
  actor: Actor,
  decision: string,
  reason?: string,
  form: Record<string, unknown> | undefined = decision === 'REQUEST_INFO'
    ? { missing: [{ item: reason ?? '', reason: '审核需要' }] }
    : decision === 'DISAGREE' || decision === 'REJECT'
      ? refusalForm
      : undefined,
) => handle.executeUpdate(completeTaskUpdate, { args: [{ taskId, actor, decision, reason, ...(form ? { form } : {}) }] });

async function auditActions(requestId: string) {
  return (await h.db.selectFrom('audit_events').select(['action', 'article']).where('request_id', '=', requestId).orderBy('id').execute()).map((e) => e.action);
}

test('an UNCONDITIONAL entry is granted at once (Art. 14)', async () => {
  const { requestId, state } = await submit(h.city.entries.unconditional);
  expect(state.status).toBe('granted');
  expect(state.tasks).toHaveLength(0);
  const grant = await h.db.selectFrom('grants').selectAll().where('request_id', '=', requestId).executeTakeFirstOrThrow();
  expect(grant.status).toBe('active');
  expect(grant.scope.fields).toContain('uscc');
  expect(await auditActions(requestId)).toEqual(['submitted', 'grant_created']);
});

test('the workflow itself refuses a request the API would have refused (Art. 15), recording nothing', async () => {
  const requestId = randomUUID();
  const input: ShareRequestInput = {
    requestId,
    applicant: applicant(),
    form: {
      catalogEntryId: h.city.entries.unconditional,
      scenario: 'x',
      statutoryDuty: ' ',
      commitment: { authenticity: true, compliance: true, security: false },
    },
    payloadHash: 'x',
    policy: TEST_POLICY,
  };
  const handle = await h.client.workflow.start('shareRequestWorkflow', {
    workflowId: workflowIdFor('share', requestId),
    taskQueue: h.taskQueue,
    args: [input],
  });
  await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
  const failure = await handle.result().catch((e: WorkflowFailedError) => e.cause as ApplicationFailure);
  expect(failure).toMatchObject({ type: 'InvalidInput' });
  expect(String(failure?.message)).toContain('Art. 15');
  expect(await h.db.selectFrom('requests').select('id').where('id', '=', requestId).executeTakeFirst()).toBeUndefined();
});

test.each([
  [
    'an organisation that is no public management and service institution',
    (): OrgActor => ({ sub: 'not-an-institution', org: h.city.leadingGroup, roles: ['agency_applicant'] }),
    false,
  ],
  ['an agency member without the applicant role', (): OrgActor => ({ sub: 'reviewer-only', org: h.city.agencies.health, roles: ['provider_reviewer'] }), false],
  // Given the parties (as the API gives them), the workflow still checks them before recording anything.
  [
    'an organisation that is no public management and service institution, given its parties',
    (): OrgActor => ({ sub: 'not-an-institution', org: h.city.leadingGroup, roles: ['agency_applicant'] }),
    true,
  ],
  [
    'an agency member without the applicant role, given the parties',
    (): OrgActor => ({ sub: 'reviewer-only', org: h.city.agencies.health, roles: ['provider_reviewer'] }),
    true,
  ],
])('the workflow itself refuses %s (Art. 14)', async (_name, who, withParties) => {
  const requestId = randomUUID();
  const actor = who();
  const input: ShareRequestInput = {
    requestId,
    applicant: actor,
    form: {
      catalogEntryId: h.city.entries.conditional,
      scenario: 'x',
      statutoryDuty: 'y',
      commitment: { authenticity: true, compliance: true, security: true },
    },
    payloadHash: 'x',
    policy: TEST_POLICY,
    ...(withParties ? { parties: await partiesFor(h.city.entries.conditional, actor.org) } : {}),
  };
  const handle = await h.client.workflow.start('shareRequestWorkflow', {
    workflowId: workflowIdFor('share', requestId),
    taskQueue: h.taskQueue,
    args: [input],
  });
  const failure = await handle.result().then(
    () => null,
    (e: WorkflowFailedError) => e.cause as ApplicationFailure,
  );
  expect(failure).toMatchObject({ type: 'Forbidden' });
  expect(await h.db.selectFrom('requests').select('id').where('id', '=', requestId).executeTakeFirst()).toBeUndefined();
});

test('a start without the parties (one that bypasses the API) resolves them itself and records the request before its round', async () => {
  const { requestId, state } = await submit(h.city.entries.conditional, TEST_POLICY, applicant(), { parties: undefined });
  expect(state.status).toBe('in_review');
  expect(state.tasks.map((t) => t.kind).sort()).toEqual(['SHARE_JOINT_REVIEW', 'SHARE_PROVIDER_OPINION']);
  expect(await auditActions(requestId)).toEqual(['submitted', 'task_opened', 'task_opened', 'review_started']);
});

test('given the parties, the request is recorded in the same step as its first round: the trail is the same', async () => {
  const { requestId, state } = await submit(h.city.entries.conditional);
  expect(state.status).toBe('in_review');
  expect(await auditActions(requestId)).toEqual(['submitted', 'task_opened', 'task_opened', 'review_started']);
  const row = await h.db.selectFrom('requests').select(['status', 'payload']).where('id', '=', requestId).executeTakeFirstOrThrow();
  expect(row).toMatchObject({ status: 'in_review', payload: { scenario: 'inspection planning' } });
});

test('a NONE entry is refused at once, citing its legal basis (Art. 13)', async () => {
  const { requestId, state, handle } = await submit(h.city.entries.none);
  expect(state.status).toBe('refused');
  expect(state.outcome?.basis).toContain('个人信息保护法');
  const row = await h.db.selectFrom('requests').selectAll().where('id', '=', requestId).executeTakeFirstOrThrow();
  expect(row.status).toBe('refused');
  expect(await handle.result()).toMatchObject({ status: 'refused' });
  expect(await h.db.selectFrom('grants').select('id').where('request_id', '=', requestId).executeTakeFirst()).toBeUndefined();
});

test('CONDITIONAL: the provider agrees, the authority approves, a grant is created with the request state returned synchronously', async () => {
  const { requestId, state, handle, applicant: who } = await submit(h.city.entries.conditional);
  expect(state.status).toBe('in_review');
  const a = taskOf(state, 'SHARE_JOINT_REVIEW');
  const p = taskOf(state, 'SHARE_PROVIDER_OPINION');
  expect(a).toBeDefined();
  expect(p).toBeDefined();
  const rows = await h.db.selectFrom('tasks').selectAll().where('request_id', '=', requestId).execute();
  expect(rows.map((r) => [r.candidate_role, r.candidate_org]).sort()).toEqual(
    [
      ['authority_reviewer', h.city.cityAuthority],
      ['provider_reviewer', h.city.agencies.health],
    ].sort(),
  );
  // Each task carries who may not act on it: nobody decides their own request.
  expect(rows.map((r) => r.excluded)).toEqual([[who.sub], [who.sub]]);
  // Art. 14: the authority may not approve before the provider agreed.
  await expect(decide(handle, a.id, authority(), 'APPROVE')).rejects.toThrow(WorkflowUpdateFailedError);
  const afterFirst = await decide(handle, p.id, provider(), 'AGREE');
  expect(afterFirst.status).toBe('in_review');
  const afterSecond = await decide(handle, a.id, authority(), 'APPROVE');
  expect(afterSecond.status).toBe('granted');
  expect(afterSecond.grant?.status).toBe('active');
  const actions = await auditActions(requestId);
  expect(actions.filter((x) => x === 'task_completed')).toHaveLength(2);
  expect(actions[actions.length - 1]).toBe('grant_created');
});

test('the authority rejects with a reason: the provider’s opinion task is cancelled, the request rejected', async () => {
  const { requestId, state, handle } = await submit(h.city.entries.conditional);
  await expect(decide(handle, taskOf(state, 'SHARE_JOINT_REVIEW').id, authority(), 'REJECT')).rejects.toThrow(WorkflowUpdateFailedError);
  // The provider cannot refuse on its own: REJECT is not one of its decisions.
  await expect(decide(handle, taskOf(state, 'SHARE_PROVIDER_OPINION').id, provider(), 'REJECT', 'no')).rejects.toThrow(WorkflowUpdateFailedError);
  const out = await decide(handle, taskOf(state, 'SHARE_JOINT_REVIEW').id, authority(), 'REJECT', 'scenario does not need licence numbers');
  expect(out.status).toBe('rejected');
  expect(out.outcome?.reason).toBe('scenario does not need licence numbers');
  const tasks = await h.db.selectFrom('tasks').select(['kind', 'status']).where('request_id', '=', requestId).execute();
  expect(tasks.find((t) => t.kind === 'SHARE_PROVIDER_OPINION')?.status).toBe('cancelled');
  const audit = await h.db
    .selectFrom('audit_events')
    .selectAll()
    .where('request_id', '=', requestId)
    .where('action', '=', 'rejected')
    .executeTakeFirstOrThrow();
  expect(audit).toMatchObject({ actor_sub: 'bob', actor_role: 'authority_reviewer', reason: 'scenario does not need licence numbers', article: 'Art. 14' });
});

test('request information, the applicant replies, reviewers get fresh tasks, both approve', async () => {
  const { requestId, state, handle, applicant: who } = await submit(h.city.entries.conditional);
  const first = taskOf(state, 'SHARE_JOINT_REVIEW');
  const asked = await decide(handle, first.id, authority(), 'REQUEST_INFO', 'Which districts?');
  expect(asked.status).toBe('awaiting_applicant');
  expect(asked.tasks.filter((t) => t.status === 'open').map((t) => t.kind)).toEqual(['SHARE_APPLICANT_REPLY']);
  // Another agency member may not answer for the applicant.
  await expect(decide(handle, taskOf(asked, 'SHARE_APPLICANT_REPLY').id, { ...who, sub: 'someone-else' }, 'REPLY', 'x')).rejects.toThrow(
    WorkflowUpdateFailedError,
  );
  const replied = await decide(handle, taskOf(asked, 'SHARE_APPLICANT_REPLY').id, who, 'REPLY', 'Donggang and Lanshan');
  expect(replied.status).toBe('in_review');
  const fresh = replied.tasks.filter((t) => t.status === 'open');
  expect(fresh.map((t) => t.kind).sort()).toEqual(['SHARE_JOINT_REVIEW', 'SHARE_PROVIDER_OPINION']);
  expect(fresh.every((t) => t.id.endsWith('-2'))).toBe(true);
  // The paused clock resumes: the fresh due time is later than the first one.
  expect(Date.parse(taskOf(replied, 'SHARE_JOINT_REVIEW').dueAt)).toBeGreaterThan(Date.parse(first.dueAt));
  await decide(handle, taskOf(replied, 'SHARE_PROVIDER_OPINION').id, provider(), 'AGREE');
  const done = await decide(handle, taskOf(replied, 'SHARE_JOINT_REVIEW').id, authority(), 'APPROVE');
  expect(done.status).toBe('granted');
  const actions = await auditActions(requestId);
  expect(actions).toEqual(expect.arrayContaining(['information_requested', 'review_resumed', 'grant_created']));
});

test('between government departments (《政务数据共享条例》): the opinion is due inside the review window, and the applicant is asked once, the workflow itself refusing a second request', async () => {
  const {
    requestId,
    state,
    handle,
    applicant: who,
  } = await submit(h.city.entries.conditional, {
    ...TEST_POLICY,
    regulationReview: { seconds: 3600 },
    regulationOpinion: { seconds: 2520 },
  });
  const lead = taskOf(state, 'SHARE_JOINT_REVIEW');
  const opinion = taskOf(state, 'SHARE_PROVIDER_OPINION');
  // One window in all: the provider's 7 tenths of it, the authority concluding by its end.
  expect(Date.parse(lead.dueAt) - Date.parse(opinion.dueAt)).toBeGreaterThanOrEqual(1000 * 1000);
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (e: WorkflowUpdateFailedError) => (e.cause as ApplicationFailure).type,
    );
  // Sent past the API: a request for information with no list of what is missing is refused by the validator.
  expect(await refusal(decide(handle, opinion.id, provider(), 'REQUEST_INFO', 'incomplete', {}))).toBe('InvalidInput');
  const missing = [
    { item: 'inspection plan', reason: 'to check the scenario needs these fields' },
    { item: 'legal basis of the duty', reason: 'to check the statutory duty' },
  ];
  const asked = await decide(handle, opinion.id, provider(), 'REQUEST_INFO', 'incomplete', { missing });
  expect(asked.status).toBe('awaiting_applicant');
  const reply = taskOf(asked, 'SHARE_APPLICANT_REPLY');
  const replied = await decide(handle, reply.id, who, 'REPLY', 'both attached');
  const [lead2, opinion2] = [taskOf(replied, 'SHARE_JOINT_REVIEW'), taskOf(replied, 'SHARE_PROVIDER_OPINION')];
  // Once per review: neither reviewer may ask again, the request being unchanged.
  expect(await refusal(decide(handle, lead2.id, authority(), 'REQUEST_INFO', 'more', { missing: [{ item: 'x', reason: 'y' }] }))).toBe('NoticeAlreadyGiven');
  expect(await refusal(decide(handle, opinion2.id, provider(), 'REQUEST_INFO', 'more', { missing: [{ item: 'x', reason: 'y' }] }))).toBe('NoticeAlreadyGiven');
  await decide(handle, opinion2.id, provider(), 'AGREE');
  expect((await decide(handle, lead2.id, authority(), 'APPROVE')).status).toBe('granted');
  const rows = await h.db.selectFrom('tasks').select(['kind', 'context']).where('request_id', '=', requestId).orderBy('created_at').execute();
  // The reply task offers to amend the request (the entry's data items); this reply, in words alone, did not.
  expect(rows.find((t) => t.kind === 'SHARE_APPLICANT_REPLY')?.context).toEqual({ missing, amendable: expect.arrayContaining(['licence_no']) });
  expect((await auditActions(requestId)).filter((a) => a === 'information_requested')).toHaveLength(1);
});

test('an amending reply (《政务数据共享条例》一次性告知): the request changes, one more request for information is allowed; a reply of the same values keeps the notice given', async () => {
  const { requestId, state, handle, applicant: who } = await submit(h.city.entries.conditional);
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (e: WorkflowUpdateFailedError) => (e.cause as ApplicationFailure).type,
    );
  const asked = await decide(handle, taskOf(state, 'SHARE_PROVIDER_OPINION').id, provider(), 'REQUEST_INFO', 'which fields?');
  const reply = taskOf(asked, 'SHARE_APPLICANT_REPLY');
  // Sent past the API, the validator checks the amended request as a submission is checked (fields of the entry, a scenario).
  expect(await refusal(decide(handle, reply.id, who, 'REPLY', 'narrowed', { fields: ['no_such_field'] }))).toBe('InvalidInput');
  expect(await refusal(decide(handle, reply.id, who, 'REPLY', 'narrowed', { scenario: '  ' }))).toBe('InvalidInput');
  expect(await refusal(decide(handle, reply.id, who, 'REPLY', 'narrowed', { term: 'a year' }))).toBe('InvalidInput');
  const amended = await decide(handle, reply.id, who, 'REPLY', 'narrowed to the licence', {
    fields: ['institution', 'licence_no'],
    scenario: 'licence checks',
  });
  expect(amended.status).toBe('in_review');
  const payload = (await h.db.selectFrom('requests').select('payload').where('id', '=', requestId).executeTakeFirstOrThrow()).payload;
  expect(payload).toMatchObject({ fields: ['institution', 'licence_no'], scenario: 'licence checks' });
  const event = await h.db
    .selectFrom('audit_events')
    .selectAll()
    .where('request_id', '=', requestId)
    .where('action', '=', 'request_amended')
    .executeTakeFirstOrThrow();
  expect(event.article).toBe('Art. 15');
  expect(event.new_value).toMatchObject({
    before: { scenario: 'inspection planning' },
    after: { fields: ['institution', 'licence_no'], scenario: 'licence checks' },
  });
  // The request changed: the fresh round may ask once more (its tasks carry no noticeGiven).
  const lead2 = taskOf(amended, 'SHARE_JOINT_REVIEW');
  const again = await decide(handle, lead2.id, authority(), 'REQUEST_INFO', 'the licence scope?');
  expect(again.status).toBe('awaiting_applicant');
  // Replying with the values the request already has changes nothing: the notice given stands.
  const same = await decide(handle, taskOf(again, 'SHARE_APPLICANT_REPLY').id, who, 'REPLY', 'as before', {
    fields: ['licence_no', 'institution'],
    scenario: 'licence checks ',
  });
  const [lead3, opinion3] = [taskOf(same, 'SHARE_JOINT_REVIEW'), taskOf(same, 'SHARE_PROVIDER_OPINION')];
  expect(await refusal(decide(handle, lead3.id, authority(), 'REQUEST_INFO', 'more'))).toBe('NoticeAlreadyGiven');
  await decide(handle, opinion3.id, provider(), 'AGREE');
  expect((await decide(handle, lead3.id, authority(), 'APPROVE')).status).toBe('granted');
  // The grant is of the amended request: its fields and purpose.
  const grant = await h.db.selectFrom('grants').selectAll().where('request_id', '=', requestId).executeTakeFirstOrThrow();
  expect(grant.scope.fields).toEqual(['institution', 'licence_no']);
  expect((await auditActions(requestId)).filter((a) => a === 'request_amended')).toHaveLength(1);
});

test('延长答复期限 (《政务数据共享条例》): the provider asks once, the head of its sharing work approves; the opinion and the conclusion move on, and an applicant’s pause keeps the moved time', async () => {
  const { requestId, state, handle, applicant: who } = await submit(h.city.entries.conditional);
  const lead = taskOf(state, 'SHARE_JOINT_REVIEW');
  const opinion = taskOf(state, 'SHARE_PROVIDER_OPINION');
  const askFor = (workingDays: number, reason = 'systems to reconcile') =>
    handle.executeUpdate(requestExtensionUpdate, { args: [{ taskId: opinion.id, actor: provider(), workingDays, reason }] });
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (e: WorkflowUpdateFailedError) => (e.cause as ApplicationFailure).type,
    );
  // Sent past the API, the validator refuses what the API refuses.
  expect(await refusal(askFor(3, ' '))).toBe('ReasonRequired');
  expect(await refusal(askFor(0))).toBe('InvalidInput');
  const asked = await askFor(3);
  const approval = taskOf(asked, 'SHARE_EXTENSION_APPROVAL');
  expect(approval).toMatchObject({ candidateRole: 'sharing_head', candidateOrg: h.city.agencies.health });
  expect(await refusal(askFor(2))).toBe('ExtensionAlreadyAsked');
  const head: Actor = { sub: 'xu', org: h.city.agencies.health, roles: ['sharing_head'] };
  const approved = await decide(handle, approval.id, head, 'APPROVE');
  const moved = (id: string) => approved.tasks.find((t) => t.id === id)!.dueAt;
  // Three working days on from each due time: at least three calendar days later.
  expect(Date.parse(moved(opinion.id)) - Date.parse(opinion.dueAt)).toBeGreaterThanOrEqual(3 * 86_400_000 - 3_600_000);
  expect(Date.parse(moved(lead.id)) - Date.parse(lead.dueAt)).toBeGreaterThanOrEqual(3 * 86_400_000 - 3_600_000);
  // The applicant asked for more: after the reply the review's due time counts on from the moved one.
  const info = await decide(handle, lead.id, authority(), 'REQUEST_INFO', 'inspection plan');
  const replied = await decide(handle, taskOf(info, 'SHARE_APPLICANT_REPLY').id, who, 'REPLY', 'attached');
  expect(Date.parse(taskOf(replied, 'SHARE_JOINT_REVIEW').dueAt)).toBeGreaterThanOrEqual(Date.parse(moved(lead.id)));
  await decide(handle, taskOf(replied, 'SHARE_PROVIDER_OPINION').id, provider(), 'AGREE');
  expect((await decide(handle, taskOf(replied, 'SHARE_JOINT_REVIEW').id, authority(), 'APPROVE')).status).toBe('granted');
  const actions = await auditActions(requestId);
  expect(actions.filter((a) => a === 'task_due_extended_on_request')).toHaveLength(2);
  const told = await h.db.selectFrom('notifications').select('message').where('request_id', '=', requestId).where('recipient_user', '=', who.sub).execute();
  expect(told.some((n) => n.message.includes('政务数据共享工作机构负责人同意'))).toBe(true);
});

test('a supervisor’s extension (Art. 32) outlasts the applicant’s pause: after the reply the review counts on from the extended due time', async () => {
  const { state, handle, applicant: who } = await submit(h.city.entries.conditional);
  const lead = taskOf(state, 'SHARE_JOINT_REVIEW');
  const sue: Actor = { sub: 'sue', org: h.city.cityAuthority, roles: ['supervisor'] };
  const extended = await handle.executeUpdate(extendTaskUpdate, {
    args: [{ taskId: lead.id, actor: sue, workingDays: 5, reason: 'the authority asked for time' }],
  });
  const extendedDue = Date.parse(taskOf(extended, 'SHARE_JOINT_REVIEW').dueAt);
  // Five working days on: at least five calendar days later.
  expect(extendedDue - Date.parse(lead.dueAt)).toBeGreaterThanOrEqual(5 * 86_400_000 - 3_600_000);
  const info = await decide(handle, lead.id, authority(), 'REQUEST_INFO', 'which clinics?', {
    missing: [{ item: 'clinic list', reason: 'to check the scope' }],
  });
  const replied = await decide(handle, taskOf(info, 'SHARE_APPLICANT_REPLY').id, who, 'REPLY', 'the 40 clinics of Donggang');
  // Before patched('review-due-as-moved') the fresh round counted on from the due time before the extension.
  expect(Date.parse(taskOf(replied, 'SHARE_JOINT_REVIEW').dueAt)).toBeGreaterThanOrEqual(extendedDue);
});

test('the applicant cancels: open tasks are cancelled and the audit records who and why', async () => {
  const { requestId, state, handle, applicant: who } = await submit(h.city.entries.conditional);
  await expect(handle.executeUpdate(cancelRequestUpdate, { args: [{ actor: authority(), reason: 'no' }] })).rejects.toThrow(WorkflowUpdateFailedError);
  const out = await handle.executeUpdate(cancelRequestUpdate, { args: [{ actor: who, reason: 'no longer needed' }] });
  expect(out.status).toBe('cancelled');
  expect(out.tasks.every((t) => t.status === 'cancelled')).toBe(true);
  // The workflow has ended: no decision reaches it any more.
  await expect(decide(handle, taskOf(state, 'SHARE_PROVIDER_OPINION').id, provider(), 'AGREE')).rejects.toThrow('already completed');
  const events = await h.db
    .selectFrom('audit_events')
    .selectAll()
    .where('request_id', '=', requestId)
    .where('action', 'in', ['task_cancelled', 'cancelled'])
    .execute();
  expect(events).toHaveLength(3);
  expect(events.every((e) => e.actor_sub === who.sub && e.reason === 'no longer needed')).toBe(true);
});

test('claim makes the claimer the only one who may decide; a second claimer is refused', async () => {
  const { state, handle } = await submit(h.city.entries.conditional);
  const t = taskOf(state, 'SHARE_JOINT_REVIEW');
  const dave: Actor = { ...authority(), sub: 'dave' };
  const claimed = await handle.executeUpdate(claimTaskUpdate, { args: [{ taskId: t.id, actor: authority(), claim: true }] });
  expect(claimed.tasks.find((x) => x.id === t.id)?.assignee).toBe('bob');
  await expect(handle.executeUpdate(claimTaskUpdate, { args: [{ taskId: t.id, actor: dave, claim: true }] })).rejects.toThrow(WorkflowUpdateFailedError);
  await expect(decide(handle, t.id, dave, 'CONSULT', 'why')).rejects.toThrow(WorkflowUpdateFailedError);
  await handle.executeUpdate(claimTaskUpdate, { args: [{ taskId: t.id, actor: authority(), claim: false }] });
  const row = await eventually(() =>
    h.db
      .selectFrom('tasks')
      .select('assignee')
      .where('id', '=', t.id)
      .executeTakeFirst()
      .then((r) => r && r.assignee === null && r),
  );
  expect(row.assignee).toBeNull();
  expect((await decide(handle, t.id, dave, 'CONSULT', 'please look again')).status).toBe('in_review');
});

test('a task past its tiny SLA is reminded, marked overdue and the supervisor of its level notified; it stays open', async () => {
  const { state } = await submit(h.city.entries.conditional, {
    ...TEST_POLICY,
    jointReview: { seconds: 2 },
    regulationReview: { seconds: 2 },
    regulationOpinion: { seconds: 2 },
    reminderBefore: { seconds: 1 },
  });
  const t = taskOf(state, 'SHARE_PROVIDER_OPINION');
  const row = await eventually(() =>
    h.db
      .selectFrom('tasks')
      .selectAll()
      .where('id', '=', t.id)
      .executeTakeFirst()
      .then((r) => r?.overdue_at && r),
  );
  expect(row.status).toBe('open');
  expect(row.reminded_at).not.toBeNull();
  const note = await h.db.selectFrom('notifications').selectAll().where('task_id', '=', t.id).where('kind', '=', 'task_overdue').executeTakeFirstOrThrow();
  expect(note).toMatchObject({ recipient_org: h.city.cityAuthority, recipient_role: 'supervisor' });
  // In Chinese, naming the agency, the task, the request by its case number and the due time (domain/notices.ts).
  expect(note.message).toMatch(
    /^任务逾期：.+的“提供单位审核意见”（受理编号 [A-Z]{2}-GX-\d{8}-\d{4,}「.+」）已于 \d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d 到期（第三十二条）$/,
  );
  const audit = await h.db.selectFrom('audit_events').selectAll().where('task_id', '=', t.id).where('action', '=', 'task_overdue').executeTakeFirstOrThrow();
  expect(audit.article).toBe('Art. 32');
});

test('still open past due by the policy’s threshold, a review task is escalated to its supervising authority (Art. 32); no other body becomes a candidate (Art. 13 ¶3, 14)', async () => {
  const { requestId, handle, state } = await submit(h.city.entries.conditional, {
    ...TEST_POLICY,
    jointReview: { seconds: 1 },
    regulationReview: { seconds: 1 },
    regulationOpinion: { seconds: 1 },
    escalateAfter: { seconds: 1 },
  });
  const t = taskOf(state, 'SHARE_PROVIDER_OPINION');
  const row = await eventually(() =>
    h.db
      .selectFrom('tasks')
      .selectAll()
      .where('id', '=', t.id)
      .executeTakeFirst()
      .then((r) => r?.escalated_at && r),
  );
  expect(row.status).toBe('open');
  expect(row.candidates).toEqual([{ org: h.city.agencies.health, role: 'provider_reviewer', user: null }]);
  const told = await h.db.selectFrom('notifications').selectAll().where('task_id', '=', t.id).where('kind', '=', 'task_escalated').execute();
  expect(told.map((n) => `${n.recipient_org} ${n.recipient_role}`).sort()).toEqual(
    [`${h.city.agencies.health} provider_reviewer`, `${h.city.cityAuthority} supervisor`].sort(),
  );
  expect(told[0].message).toMatch(/^督办：.+的“提供单位审核意见”（受理编号 .+）已于 .+ 到期，仍未办理（第三十二条）$/);
  // The leading group decides share-attribute disputes only (Art. 13 ¶3): the workflow refuses it here too.
  const group: Actor = { sub: 'zhou', org: h.city.leadingGroup, roles: ['leading_group'] };
  await eventually(() =>
    h.db.selectFrom('tasks').select('id').where('id', '=', taskOf(state, 'SHARE_JOINT_REVIEW').id).where('escalated_at', 'is not', null).executeTakeFirst(),
  );
  await expect(decide(handle, t.id, group, 'AGREE')).rejects.toThrow(WorkflowUpdateFailedError);
  await expect(decide(handle, taskOf(state, 'SHARE_JOINT_REVIEW').id, group, 'APPROVE')).rejects.toThrow(WorkflowUpdateFailedError);
  expect((await decide(handle, t.id, provider(), 'AGREE')).status).toBe('in_review');
  expect((await decide(handle, taskOf(state, 'SHARE_JOINT_REVIEW').id, authority(), 'APPROVE')).status).toBe('granted');
  const decided = await h.db
    .selectFrom('audit_events')
    .selectAll()
    .where('task_id', '=', t.id)
    .where('action', '=', 'task_completed')
    .executeTakeFirstOrThrow();
  expect(decided).toMatchObject({ actor_role: 'provider_reviewer', decision: 'AGREE' });
  const escalations = await h.db
    .selectFrom('audit_events')
    .select('article')
    .where('request_id', '=', requestId)
    .where('action', '=', 'task_escalated')
    .execute();
  expect(escalations.map((e) => e.article)).toEqual(['Art. 32', 'Art. 32']);
});

/** The runs of a workflow, first to last, following each run's hand-over to the next. */
async function runsOf(workflowId: string, firstRunId: string): Promise<string[]> {
  const runs = [firstRunId];
  for (;;) {
    const history = await h.client.workflow.getHandle(workflowId, runs.at(-1)).fetchHistory();
    const next = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    if (!next) return runs;
    runs.push(next);
  }
}

test('continued as new in review, awaiting the applicant and granted, with open tasks and Updates in flight, the request loses nothing', async () => {
  const {
    requestId,
    handle,
    state,
    applicant: alice,
  } = await submit(h.city.entries.conditional, { ...TEST_POLICY, revocationNotice: { seconds: 4 } }, applicant(), { continueAsNewAfter: 1 });
  const firstRunId = (await handle.describe()).runId;
  const opinion = taskOf(state, 'SHARE_PROVIDER_OPINION');
  const lead = taskOf(state, 'SHARE_JOINT_REVIEW');
  const sue: Actor = { sub: 'sue', org: h.city.cityAuthority, roles: ['supervisor'] };
  // Updates at the same moment on both tasks: a claim and an extension of the authority's, the provider's opinion.
  const [claimed, extended] = await Promise.all([
    handle.executeUpdate(claimTaskUpdate, { args: [{ taskId: lead.id, actor: authority(), claim: true }] }),
    handle.executeUpdate(extendTaskUpdate, { args: [{ taskId: lead.id, actor: sue, workingDays: 2, reason: 'the authority asked for time' }] }),
    decide(handle, opinion.id, provider(), 'AGREE'),
  ]);
  expect(claimed.status).toBe('in_review');
  expect(extended.status).toBe('in_review');
  // The authority asks the applicant, who replies.
  expect((await decide(handle, lead.id, authority(), 'REQUEST_INFO', 'which clinics?')).status).toBe('awaiting_applicant');
  const reply = (await handle.query(stateQuery)).tasks.find((t) => t.kind === 'SHARE_APPLICANT_REPLY')!;
  const answered = await decide(handle, reply.id, alice, 'REPLY', 'the 40 clinics of Donggang');
  expect(answered.status).toBe('in_review');
  // The provider's AGREE stands across the round: only the authority's task opens again.
  const lead2 = taskOf(answered, 'SHARE_JOINT_REVIEW');
  expect(answered.tasks.filter((t) => t.status === 'open').map((t) => t.kind)).toEqual(['SHARE_JOINT_REVIEW']);
  expect((await decide(handle, lead2.id, authority(), 'APPROVE')).status).toBe('granted');
  // The provider asks to end the grant; the city authority's consent ends it (Art. 14) after the grantee's notice (条例), across runs.
  const asked = await handle.executeUpdate(revokeGrantUpdate, { args: [{ actor: provider(), ground: 'misuse', reason: 'used for another purpose' }] });
  expect(asked.status).toBe('granted');
  const consent = asked.tasks.find((t) => t.kind === 'GRANT_REVOCATION_CONSENT' && t.status === 'open')!;
  const consented = await decide(handle, consent.id, authority(), 'CONSENT');
  expect(consented).toMatchObject({ status: 'granted', grant: { status: 'active', stopsAt: expect.any(String) } });
  // While the notice runs, the provider asks nothing more: the stop is on its way.
  await expect(handle.executeUpdate(revokeGrantUpdate, { args: [{ actor: provider(), ground: 'misuse', reason: 'again' }] })).rejects.toMatchObject({
    cause: { type: 'RequestNotActive' },
  });
  const told = await h.db.selectFrom('notifications').select('message').where('request_id', '=', requestId).where('recipient_user', '=', alice.sub).execute();
  expect(told.map((n) => n.message).some((m) => m.includes('共享将于') && m.includes('终止'))).toBe(true);
  expect((await h.db.selectFrom('grants').select('status').where('request_id', '=', requestId).executeTakeFirstOrThrow()).status).toBe('active');
  expect((await handle.result()).status).toBe('revoked');
  const ended = await h.db.selectFrom('grants').select(['ended_at']).where('request_id', '=', requestId).executeTakeFirstOrThrow();
  expect(ended.ended_at!.getTime()).toBeGreaterThanOrEqual(Date.parse(consented.grant!.stopsAt!));

  const runs = await runsOf(handle.workflowId, firstRunId);
  // Where each later run took over: in review, awaiting the applicant, granted.
  const takenOver = await Promise.all(
    runs.slice(1).map(async (runId) => {
      const first = (await h.client.workflow.getHandle(handle.workflowId, runId).fetchHistory()).events![0];
      const input = JSON.parse(Buffer.from(first.workflowExecutionStartedEventAttributes!.input!.payloads![0].data!).toString()) as ShareRequestInput;
      const at = input.carried!.at;
      return 'granted' in at ? 'granted' : at.review.at && 'reply' in at.review.at ? 'awaiting_applicant' : 'in_review';
    }),
  );
  if (process.env.DEBUG_CAN) console.log(takenOver);
  expect(new Set(takenOver)).toEqual(new Set(['in_review', 'awaiting_applicant', 'granted']));
  if (process.env.RECORD_HISTORIES)
    runs.slice(0, -1).forEach((runId, i) => started.push({ name: `continued as new run ${i + 1}`, workflowId: handle.workflowId, runId }));

  // Nothing lost or doubled: every transition, decision, claim and extension once, in order; nothing left open.
  const audit = await h.db.selectFrom('audit_events').select(['action', 'task_id', 'event_key']).where('request_id', '=', requestId).orderBy('id').execute();
  const requestLevel = audit.filter((e) => !e.task_id).map((e) => e.action);
  expect(requestLevel).toEqual(['submitted', 'review_started', 'information_requested', 'review_resumed', 'grant_created', 'grant_revoked']);
  const count = (action: string, taskId?: string) => audit.filter((e) => e.action === action && (!taskId || e.task_id === taskId)).length;
  expect(count('task_completed')).toBe(5);
  expect(count('task_claimed', lead.id)).toBe(1);
  expect(count('task_due_extended', lead.id)).toBe(1);
  expect(new Set(audit.map((e) => e.event_key)).size).toBe(audit.length);
  await expectConsistent(requestId);
  const grant = await h.db.selectFrom('grants').selectAll().where('request_id', '=', requestId).executeTakeFirstOrThrow();
  expect(grant).toMatchObject({ status: 'revoked', end_reason: 'used for another purpose', end_ground: 'misuse' });
});

test('the workflow’s validator, as the API: the provider’s request to end a grant names a ground of the list, one at a time, and only the authority’s answer ends it (Art. 14)', async () => {
  const { handle, state } = await submit(h.city.entries.conditionalOpen);
  expect(state.status).toBe('granted');
  const resources: Actor = { sub: 'gao', org: h.city.agencies.resources, roles: ['provider_reviewer'] };
  const ask = (ground: unknown, actor = resources) =>
    handle.executeUpdate(revokeGrantUpdate, { args: [{ actor, ground: ground as 'misuse', reason: 'no longer needed' }] });
  for (const ground of [undefined, 'because I say so']) await expect(ask(ground)).rejects.toMatchObject({ cause: { type: 'InvalidInput' } });
  await expect(ask('misuse', provider())).rejects.toMatchObject({ cause: { type: 'Forbidden' } });
  const asked = await ask('purpose_achieved');
  expect(asked.status).toBe('granted');
  await expect(ask('misuse')).rejects.toMatchObject({ cause: { type: 'RequestNotActive' } });
  const consent = taskOf(asked, 'GRANT_REVOCATION_CONSENT');
  await expect(decide(handle, consent.id, resources, 'CONSENT')).rejects.toMatchObject({ cause: { type: 'NotCandidate' } });
  expect((await decide(handle, consent.id, authority(), 'REFUSE', '仍需共享')).status).toBe('granted');
  expect((await h.db.selectFrom('grants').select('status').where('request_id', '=', state.requestId).executeTakeFirstOrThrow()).status).toBe('active');
});

test('the workflow’s validator, as the API: the grantee ends its grant as its purpose is achieved, confirming the data deleted; ended at once (《政务数据共享条例》)', async () => {
  const { handle, state } = await submit(h.city.entries.conditionalOpen);
  expect(state.status).toBe('granted');
  const me = applicant();
  const deletion = { deletedBy: '张三', deletedAt: new Date().toISOString(), method: 'logical' as const, scope: true };
  const end = (ground: unknown, d: unknown = deletion, actor: Actor = me) =>
    handle.executeUpdate(revokeGrantUpdate, { args: [{ actor, ground: ground as 'misuse', reason: '专项检查已完成', deletion: d as typeof deletion }] });
  await expect(end('misuse')).rejects.toMatchObject({ cause: { type: 'InvalidInput' } });
  await expect(end('purpose_achieved', null)).rejects.toMatchObject({ cause: { type: 'InvalidInput' } });
  await expect(end('purpose_achieved', { ...deletion, deletedAt: new Date(Date.now() + 86_400_000).toISOString() })).rejects.toMatchObject({
    cause: { type: 'InvalidInput' },
  });
  await expect(end('purpose_achieved', deletion, { ...me, org: h.city.agencies.resources })).rejects.toMatchObject({ cause: { type: 'Forbidden' } });
  const ended = await end('purpose_achieved');
  expect(ended).toMatchObject({ status: 'revoked', grant: { status: 'revoked' } });
  // The workflow has ended with its grant: a second end finds no run (the API answers 409, test/grants.test.ts).
  const events = await h.db
    .selectFrom('audit_events')
    .select(['action', 'actor_role', 'new_value'])
    .where('request_id', '=', state.requestId)
    .orderBy('id')
    .execute();
  expect(events.find((e) => e.action === 'grant_revoked')).toMatchObject({ actor_role: 'agency_applicant' });
  expect(events.find((e) => e.action === 'grant_data_deleted')).toMatchObject({ actor_role: 'agency_applicant', new_value: { deletion } });
});

test('usage records (《政务数据共享条例》使用记录): a report falls due at each period’s end for the grantee; the validator checks what is filed; the records are kept; the grant’s end closes the next', async () => {
  const { requestId, handle, state, applicant: me } = await submit(h.city.entries.conditionalOpen, { ...TEST_POLICY, usageReport: { seconds: 2 } });
  expect(state.status).toBe('granted');
  const report = await eventually(async () => (await handle.query(stateQuery)).tasks.find((t) => t.kind === 'SHARE_USAGE_REPORT' && t.status === 'open'));
  expect(report.candidateOrg).toBe(me.org);
  await expect(decide(handle, report.id, me, 'FILE', undefined, { records: [] })).rejects.toMatchObject({ cause: { type: 'InvalidInput' } });
  await expect(decide(handle, report.id, provider(), 'FILE', undefined, { noUse: true })).rejects.toBeDefined();
  const row = await eventually(() => h.db.selectFrom('tasks').select('context').where('id', '=', report.id).executeTakeFirst());
  const period = (row.context as { period: { from: string; to: string } }).period;
  const usedAt = new Date(Date.parse(period.from) + 500).toISOString();
  await decide(handle, report.id, me, 'FILE', undefined, { records: [{ user: '张三', usedAt, purpose: '核查' }] });
  const filed = await eventually(() => h.db.selectFrom('grant_usage_records').selectAll().where('task_id', '=', report.id).executeTakeFirst());
  expect(filed).toMatchObject({ grant_id: `${requestId}.grant`, no_use: false, records: [{ user: '张三', usedAt, purpose: '核查' }] });
  const next = await eventually(async () =>
    (await handle.query(stateQuery)).tasks.find((t) => t.kind === 'SHARE_USAGE_REPORT' && t.id !== report.id && t.status === 'open'),
  );
  await handle.signal(revokeGrantSignal, {
    actor: { sub: 'bob', org: h.city.cityAuthority, role: 'authority_reviewer' },
    reason: '违规使用',
    article: 'Art. 15',
    ground: 'misuse',
  });
  const ended = await handle.result();
  expect(ended.status).toBe('revoked');
  expect(ended.tasks.find((t: { id: string }) => t.id === next.id)!.status).toBe('cancelled');
});

test('a grant expires at the end of its term and is revoked in the read model', async () => {
  const { requestId, handle } = await submit(h.city.entries.unconditional, { ...TEST_POLICY, grantTerm: { seconds: 2 } });
  const result = await handle.result();
  expect(result.status).toBe('expired');
  const grant = await h.db.selectFrom('grants').selectAll().where('request_id', '=', requestId).executeTakeFirstOrThrow();
  expect(grant.status).toBe('expired');
  expect((await h.db.selectFrom('requests').select('status').where('id', '=', requestId).executeTakeFirstOrThrow()).status).toBe('expired');
});

test('the revokeGrant signal ends a grant before its term', async () => {
  const { requestId, handle } = await submit(h.city.entries.unconditional);
  await handle.signal(revokeGrantSignal, { actor: { sub: 'admin', org: h.city.cityAuthority, role: 'admin' }, reason: 'entry withdrawn', article: 'Art. 21' });
  const result = await handle.result();
  expect(result.status).toBe('revoked');
  const grant = await h.db.selectFrom('grants').selectAll().where('request_id', '=', requestId).executeTakeFirstOrThrow();
  expect(grant).toMatchObject({ status: 'revoked', end_reason: 'entry withdrawn' });
  const ev = await h.db
    .selectFrom('audit_events')
    .selectAll()
    .where('request_id', '=', requestId)
    .where('action', '=', 'grant_revoked')
    .executeTakeFirstOrThrow();
  expect(ev).toMatchObject({ actor_sub: 'admin', article: 'Art. 21' });
});

/** Read-model invariants of a request at rest: each completed task audited once, nothing open on a finished request. */
async function expectConsistent(requestId: string) {
  const [row, tasks, audit] = await Promise.all([
    h.db.selectFrom('requests').select('status').where('id', '=', requestId).executeTakeFirstOrThrow(),
    h.db.selectFrom('tasks').selectAll().where('request_id', '=', requestId).execute(),
    h.db.selectFrom('audit_events').selectAll().where('request_id', '=', requestId).execute(),
  ]);
  for (const t of tasks.filter((t) => t.status === 'completed'))
    expect(audit.filter((e) => e.task_id === t.id && e.action === 'task_completed')).toHaveLength(1);
  if (!['in_review', 'awaiting_applicant', 'submitted'].includes(row.status)) expect(tasks.filter((t) => t.status === 'open')).toEqual([]);
  const open = tasks.filter((t) => t.status === 'open');
  // A reply task and reviewer tasks are never open at once.
  expect(open.some((t) => t.kind === 'SHARE_APPLICANT_REPLY') && open.some((t) => t.kind !== 'SHARE_APPLICANT_REPLY')).toBe(false);
  return { status: row.status, tasks };
}

test('a REJECT and an AGREE sent at the same moment: both kept in the history, or the later one refused; nothing left open', async () => {
  const { requestId, state, handle } = await submit(h.city.entries.conditional);
  const answers = await Promise.allSettled([
    decide(handle, taskOf(state, 'SHARE_JOINT_REVIEW').id, authority(), 'REJECT', 'no legal ground'),
    decide(handle, taskOf(state, 'SHARE_PROVIDER_OPINION').id, provider(), 'AGREE'),
  ]);
  expect(answers[0].status).toBe('fulfilled');
  await handle.result();
  const { status, tasks } = await expectConsistent(requestId);
  expect(status).toBe('rejected');
  const providerTask = tasks.find((t) => t.kind === 'SHARE_PROVIDER_OPINION')!;
  // The provider's AGREE either arrived first (and is recorded), or was refused because the review had
  // closed: by the validator (TaskNotOpen), or, when the REJECT had already ended the request, by Temporal
  // (no workflow left to decide in). Either way its task is not completed.
  if (answers[1].status === 'fulfilled') expect(providerTask.status).toBe('completed');
  else {
    const reason = (answers[1] as PromiseRejectedResult).reason;
    expect(reason instanceof WorkflowNotFoundError || reason?.cause?.type === 'TaskNotOpen').toBe(true);
    expect(providerTask.status).toBe('cancelled');
  }
});

test('a request for information and a provider decision at the same moment never leave reply and review tasks open together', async () => {
  const { requestId, state, handle, applicant: who } = await submit(h.city.entries.conditional);
  await Promise.allSettled([
    decide(handle, taskOf(state, 'SHARE_JOINT_REVIEW').id, authority(), 'REQUEST_INFO', 'which clinics?'),
    decide(handle, taskOf(state, 'SHARE_PROVIDER_OPINION').id, provider(), 'DISAGREE', 'out of scope'),
  ]);
  const mid = await eventually(async () => {
    const s = await handle.query(stateQuery);
    return s.status !== 'in_review' && s;
  });
  await expectConsistent(requestId);
  if (mid.status === 'awaiting_applicant') {
    const reply = mid.tasks.find((t) => t.kind === 'SHARE_APPLICANT_REPLY' && t.status === 'open')!;
    const after = await decide(handle, reply.id, who, 'REPLY', 'clinics A and B');
    expect(after.status).toBe('in_review');
    await expectConsistent(requestId);
    const next = await handle.query(stateQuery);
    await decide(handle, taskOf(next, 'SHARE_JOINT_REVIEW').id, authority(), 'REJECT', 'still no');
  }
  await handle.result();
  expect((await expectConsistent(requestId)).status).toBe('rejected');
});

// 《政务数据共享条例》数据交付: where the policy names a delivery time, the grant is delivered and its receipt confirmed.
const DELIVERY_POLICY: SharePolicy = { ...TEST_POLICY, delivery: { seconds: 3600 } };
/** The unconditional entry's provider (the market regulator) and its reviewer. */
const marketProvider = (): Actor => ({ sub: 'mei', org: h.city.agencies.market, roles: ['provider_reviewer'] });
const grantRead = async (requestId: string) => grantView((await getGrant(h.db, `${requestId}.grant`))!);

test('数据交付: approval opens the provider’s delivery task; delivered, the grantee confirms receipt and the grant reads delivered (its term unchanged)', async () => {
  const { requestId, state, handle, applicant: who } = await submit(h.city.entries.conditional, DELIVERY_POLICY);
  await decide(handle, taskOf(state, 'SHARE_PROVIDER_OPINION').id, provider(), 'AGREE');
  const approved = await decide(handle, taskOf(state, 'SHARE_JOINT_REVIEW').id, authority(), 'APPROVE');
  expect(approved.status).toBe('granted');
  expect(approved.grant).toMatchObject({ status: 'active', delivery: 'awaiting_delivery' });
  const delivery = taskOf(approved, 'SHARE_DELIVERY');
  const row = await h.db.selectFrom('tasks').selectAll().where('id', '=', delivery.id).executeTakeFirstOrThrow();
  expect(row).toMatchObject({ candidate_role: 'provider_reviewer', candidate_org: h.city.agencies.health });
  const granted = (await grantRead(requestId)).fields;
  expect(row.context).toMatchObject({ grantId: `${requestId}.grant`, fields: granted });
  // The grant reads 已批准待交付 (awaiting_delivery) in GET /grants until receipt is confirmed.
  expect((await grantRead(requestId)).delivery).toMatchObject({ status: 'awaiting_delivery', taskId: delivery.id, method: null });
  const form = { method: 'interface', location: 'https://exchange.example.org/health/licences', deliveredFields: granted.slice(0, 2) };
  const delivered = await decide(handle, delivery.id, provider(), 'DELIVER', undefined, form);
  const confirmation = taskOf(delivered, 'SHARE_DELIVERY_CONFIRMATION');
  const crow = await h.db.selectFrom('tasks').selectAll().where('id', '=', confirmation.id).executeTakeFirstOrThrow();
  expect(crow).toMatchObject({ candidate_role: 'agency_applicant', candidate_org: who.org, context: { grantId: `${requestId}.grant`, ...form } });
  // Delivered but not yet confirmed: still 已批准待交付.
  expect((await grantRead(requestId)).delivery).toMatchObject({ status: 'awaiting_delivery', ...form });
  const confirmed = await decide(handle, confirmation.id, who, 'CONFIRM');
  expect(confirmed.grant).toMatchObject({ status: 'active', delivery: 'delivered', expiresAt: approved.grant!.expiresAt });
  expect(confirmed.tasks.filter((t) => t.status === 'open')).toEqual([]);
  expect((await grantRead(requestId)).delivery).toMatchObject({ status: 'delivered', ...form, problem: null });
  expect((await grantRead(requestId)).status).toBe('active');
});

test('数据交付: a problem the grantee reports reopens delivery with its reason; the validator refuses a delivery the API refuses', async () => {
  const { requestId, state, handle, applicant: who } = await submit(h.city.entries.unconditional, DELIVERY_POLICY);
  expect(state.grant?.delivery).toBe('awaiting_delivery');
  const first = taskOf(state, 'SHARE_DELIVERY');
  const granted = (await grantRead(requestId)).fields;
  // Past the API: no method, no location, a field not the grant's — each refused by the workflow's validator.
  for (const bad of [
    { location: 'x', deliveredFields: granted },
    { method: 'fax', location: 'x', deliveredFields: granted },
    { method: 'file', location: ' ', deliveredFields: granted },
    { method: 'file', location: '/exchange/a.csv', deliveredFields: [] },
    { method: 'file', location: '/exchange/a.csv', deliveredFields: ['not-a-field'] },
  ])
    await expect(decide(handle, first.id, marketProvider(), 'DELIVER', undefined, bad)).rejects.toMatchObject({ cause: { type: 'InvalidInput' } });
  // Only the provider delivers; only the grantee confirms.
  await expect(decide(handle, first.id, who, 'DELIVER', undefined, { method: 'file', location: '/a.csv', deliveredFields: granted })).rejects.toThrow(
    WorkflowUpdateFailedError,
  );
  const delivered = await decide(handle, first.id, marketProvider(), 'DELIVER', undefined, {
    method: 'file',
    location: '/exchange/a.csv',
    deliveredFields: granted,
  });
  const confirmation = taskOf(delivered, 'SHARE_DELIVERY_CONFIRMATION');
  await expect(decide(handle, confirmation.id, marketProvider(), 'CONFIRM')).rejects.toThrow(WorkflowUpdateFailedError);
  // A problem needs its reason.
  await expect(decide(handle, confirmation.id, who, 'REPORT_PROBLEM')).rejects.toThrow(WorkflowUpdateFailedError);
  const reported = await decide(handle, confirmation.id, who, 'REPORT_PROBLEM', '文件缺少统一社会信用代码列');
  const second = taskOf(reported, 'SHARE_DELIVERY');
  expect(second.id).not.toBe(first.id);
  expect(reported.grant?.delivery).toBe('awaiting_delivery');
  const row = await h.db.selectFrom('tasks').select('context').where('id', '=', second.id).executeTakeFirstOrThrow();
  expect(row.context).toMatchObject({ problem: '文件缺少统一社会信用代码列', fields: granted });
  expect((await grantRead(requestId)).delivery).toMatchObject({ status: 'awaiting_delivery', taskId: second.id, problem: '文件缺少统一社会信用代码列' });
  const again = await decide(handle, second.id, marketProvider(), 'DELIVER', undefined, {
    method: 'database_view',
    location: 'exchange.v_licences',
    deliveredFields: granted,
  });
  const done = await decide(handle, taskOf(again, 'SHARE_DELIVERY_CONFIRMATION').id, who, 'CONFIRM');
  expect(done.grant?.delivery).toBe('delivered');
  expect((await grantRead(requestId)).delivery).toMatchObject({ status: 'delivered', method: 'database_view' });
  // The grant ends as before, its open tasks none.
  await handle.executeUpdate(revokeGrantUpdate, { args: [{ actor: authority(), ground: 'purpose_achieved', reason: '已完成' }] });
  expect((await handle.result()).status).toBe('revoked');
});

test('数据交付: 20 decisions on the delivery task at the same moment: exactly one wins, one confirmation task opens', async () => {
  const { requestId, state, handle } = await submit(h.city.entries.unconditional, DELIVERY_POLICY);
  const task = taskOf(state, 'SHARE_DELIVERY');
  const granted = (await grantRead(requestId)).fields;
  const results = await Promise.allSettled(
    Array.from({ length: 20 }, (_, i) =>
      decide(handle, task.id, marketProvider(), 'DELIVER', undefined, { method: 'file', location: `/exchange/${i}.csv`, deliveredFields: granted }),
    ),
  );
  expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) expect(r.reason).toBeInstanceOf(WorkflowUpdateFailedError);
  const tasks = await h.db.selectFrom('tasks').select(['kind', 'status']).where('request_id', '=', requestId).execute();
  expect(tasks.filter((t) => t.kind === 'SHARE_DELIVERY_CONFIRMATION')).toEqual([{ kind: 'SHARE_DELIVERY_CONFIRMATION', status: 'open' }]);
  expect(tasks.filter((t) => t.kind === 'SHARE_DELIVERY')).toEqual([{ kind: 'SHARE_DELIVERY', status: 'completed' }]);
  // The one decision is audited once.
  expect((await auditActions(requestId)).filter((a) => a === 'task_completed')).toHaveLength(1);
});
