// The catalog procedures' workflows started as a client that bypasses the API would start them: what the
// API refuses never reaches PostgreSQL, and a write PostgreSQL refuses ends the request visibly failed
// instead of leaving the workflow retrying for ever.
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { sampleEntryContent } from '../db/seed';
import type { AdjustmentForm, LegalBasis } from '../domain/catalog';
import type { Actor, OrgActor } from '../domain/types';
import {
  cancelRequestUpdate,
  completeTaskUpdate,
  stateQuery,
  WORKFLOW_TYPES,
  workflowIdFor,
  type CatalogAdjustmentInput,
  type ShareDisputeInput,
} from '../workflows/definitions';
import { eventually, startHarness, TEST_ADJUSTMENT_POLICY, TEST_DISPUTE_POLICY, type Harness } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('catalogwf');
});
afterAll(async () => {
  await h.close();
});

const officer = (): OrgActor => ({ sub: 'wf-officer', org: h.city.agencies.market, roles: ['agency_applicant'] });
const reviewer: Actor = { sub: 'wf-reviewer', org: 'x', roles: ['authority_reviewer'] };

function startAdjustment(form: AdjustmentForm, over: Partial<CatalogAdjustmentInput> = {}) {
  const requestId = randomUUID();
  const input: CatalogAdjustmentInput = {
    requestId,
    applicant: officer(),
    form,
    payloadHash: 'x',
    policy: TEST_ADJUSTMENT_POLICY,
    reviewerOrg: h.city.cityAuthority,
    cityLevel: true,
    leadingGroupOrg: h.city.leadingGroup,
    ...over,
  };
  return {
    requestId,
    handle: h.client.workflow.start(WORKFLOW_TYPES.catalog_adjustment, {
      taskQueue: h.taskQueue,
      workflowId: workflowIdFor('catalog_adjustment', requestId),
      args: [input],
    }),
  };
}

test('text PostgreSQL refuses, sent past the API, ends the workflow as a refusal and writes nothing', async () => {
  const { requestId, handle } = startAdjustment({ ground: 'correction', justification: 'a\u0000b', changes: [{ op: 'add', entry: sampleEntryContent('x') }] });
  await expect((await handle).result()).rejects.toThrow(WorkflowFailedError);
  expect(await h.db.selectFrom('requests').select('id').where('id', '=', requestId).executeTakeFirst()).toBeUndefined();

  const disputeId = randomUUID();
  const dispute: ShareDisputeInput = {
    requestId: disputeId,
    applicant: { sub: 'wf-authority', org: h.city.cityAuthority, roles: ['authority_reviewer'] },
    entryId: h.city.entries.unconditional,
    published: sampleEntryContent('x').share,
    proposal: { attribute: 'NONE', reasons: null, conditions: null, basis: [{ level: 'law', title: '\ud800', article: '1' }] },
    objection: 'x',
    payloadHash: 'x',
    policy: TEST_DISPUTE_POLICY,
    parties: { authorityOrg: h.city.cityAuthority, agencyOrg: h.city.agencies.market, leadingGroupOrg: h.city.leadingGroup },
  };
  const started = await h.client.workflow.start(WORKFLOW_TYPES.share_dispute, {
    taskQueue: h.taskQueue,
    workflowId: workflowIdFor('share_dispute', disputeId),
    args: [dispute],
  });
  await expect(started.result()).rejects.toThrow(WorkflowFailedError);
  expect(await h.db.selectFrom('requests').select('id').where('id', '=', disputeId).executeTakeFirst()).toBeUndefined();
  expect(
    (await h.db.selectFrom('catalog_entries').select('share_dispute').where('id', '=', h.city.entries.unconditional).executeTakeFirstOrThrow()).share_dispute,
  ).toBeNull();
});

test('an approved change PostgreSQL refuses ends the request failed, with the reason and the approval in the trail, and nothing applied', async () => {
  // A form of entry the database does not know: the API's schema refuses it; here it reaches the write.
  const entry = { ...sampleEntryContent('无效形式'), form: 'scroll' } as unknown as ReturnType<typeof sampleEntryContent>;
  const { requestId, handle } = startAdjustment({ ground: 'correction', justification: 'bypass', changes: [{ op: 'add', entry }] });
  const wf = await handle;
  await eventually(async () => (await wf.query(stateQuery)).status === 'in_review');
  const reviewerOfCity = { ...reviewer, org: h.city.cityAuthority };
  await wf.executeUpdate(completeTaskUpdate, { args: [{ taskId: `${requestId}.review-1`, actor: reviewerOfCity, decision: 'APPROVE' }] });
  const result = await wf.result();
  expect(result).toMatchObject({ status: 'failed', outcome: { article: 'Art. 29', reason: expect.stringContaining('PostgreSQL refused') } });
  const row = await h.db.selectFrom('requests').select(['status']).where('id', '=', requestId).executeTakeFirstOrThrow();
  expect(row.status).toBe('failed');
  const actions = (await h.db.selectFrom('audit_events').select('action').where('request_id', '=', requestId).orderBy('id').execute()).map((e) => e.action);
  // The approval stands in the trail even though what it approved could not be written; no entry was added.
  expect(actions).toEqual(['submitted', 'task_opened', 'review_started', 'task_completed', 'request_failed']);
  expect(
    await h.db
      .selectFrom('audit_events')
      .select('decision')
      .where('task_id', '=', `${requestId}.review-1`)
      .where('action', '=', 'task_completed')
      .executeTakeFirst(),
  ).toEqual({ decision: 'APPROVE' });
  expect(await h.db.selectFrom('catalog_entries').select('id').where('id', '=', `${requestId}-1`).executeTakeFirst()).toBeUndefined();
});

test('what the API refuses, sent past it, ends each workflow as a refusal at once: never a workflow retrying for ever, never a write', async () => {
  const start = async (type: keyof typeof WORKFLOW_TYPES, input: Record<string, unknown>) => {
    const requestId = randomUUID();
    const handle = await h.client.workflow.start(WORKFLOW_TYPES[type], {
      taskQueue: h.taskQueue,
      workflowId: workflowIdFor(type, requestId),
      args: [{ requestId, payloadHash: 'x', ...input }],
    });
    await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
    expect(await h.db.selectFrom('requests').select('id').where('id', '=', requestId).executeTakeFirst()).toBeUndefined();
  };
  const citizen: Actor = { sub: 'wf-citizen', org: 'public', roles: ['public_applicant'] };
  // Values of the wrong type where text belongs, a shape that is no adjustment, a proposal Art. 13 ¶2 refuses.
  await start('open_demand', {
    applicant: citizen,
    providerOrg: h.city.agencies.market,
    policy: { answer: { seconds: 60 }, reminderBefore: { seconds: 1 } },
    form: { catalogEntryId: h.city.entries.none, description: 5, purpose: ['x'] },
  });
  await start('withdrawal', {
    applicant: citizen,
    providerOrg: h.city.agencies.market,
    policy: { review: { seconds: 60 }, applicantReply: { seconds: 60 }, reminderBefore: { seconds: 1 } },
    form: { catalogEntryId: h.city.entries.unconditional, right: null, reasons: {} },
  });
  await start('catalog_adjustment', {
    applicant: officer(),
    policy: TEST_ADJUSTMENT_POLICY,
    reviewerOrg: h.city.cityAuthority,
    form: { ground: 'correction', justification: 'x', changes: 'all of them' },
  });
  await start('share_dispute', {
    applicant: { sub: 'wf-authority', org: h.city.cityAuthority, roles: ['authority_reviewer'] },
    entryId: h.city.entries.conditional,
    published: sampleEntryContent('x').share,
    proposal: { attribute: 'NONE', reasons: null, conditions: null, basis: [] },
    objection: 'x',
    policy: TEST_DISPUTE_POLICY,
    parties: { authorityOrg: h.city.cityAuthority, agencyOrg: h.city.agencies.health, leadingGroupOrg: h.city.leadingGroup },
  });
  expect(
    (await h.db.selectFrom('catalog_entries').select('share_dispute').where('id', '=', h.city.entries.conditional).executeTakeFirstOrThrow()).share_dispute,
  ).toBeNull();
});

test('a start past the API by a role that may not start the request type is refused by the workflow itself, and nothing is written', async () => {
  // A provider reviewer adjusting a catalog, and an agency applicant raising a share-attribute dispute (STARTED_BY).
  const requestId = randomUUID();
  const adjustment: CatalogAdjustmentInput = {
    requestId,
    applicant: { ...officer(), roles: ['provider_reviewer'] },
    form: { ground: 'correction', justification: 'x', changes: [{ op: 'add', entry: sampleEntryContent('x') }] },
    payloadHash: 'x',
    policy: TEST_ADJUSTMENT_POLICY,
    reviewerOrg: h.city.cityAuthority,
    cityLevel: true,
    leadingGroupOrg: h.city.leadingGroup,
  };
  const started = await h.client.workflow.start(WORKFLOW_TYPES.catalog_adjustment, {
    taskQueue: h.taskQueue,
    workflowId: workflowIdFor('catalog_adjustment', requestId),
    args: [adjustment],
  });
  await expect(started.result()).rejects.toThrow(WorkflowFailedError);
  const failure = await started.result().catch((e: WorkflowFailedError) => e.cause);
  expect(failure).toMatchObject({ type: 'Forbidden', message: expect.stringContaining('agency_applicant') });

  const disputeId = randomUUID();
  const dispute: ShareDisputeInput = {
    requestId: disputeId,
    applicant: officer(),
    entryId: h.city.entries.unconditional,
    published: sampleEntryContent('x').share,
    proposal: { attribute: 'NONE', reasons: null, conditions: null, basis: [{ level: 'law', title: '个人信息保护法', article: '第十三条' }] },
    objection: 'x',
    payloadHash: 'x',
    policy: TEST_DISPUTE_POLICY,
    parties: { authorityOrg: h.city.cityAuthority, agencyOrg: h.city.agencies.market, leadingGroupOrg: h.city.leadingGroup },
  };
  const raised = await h.client.workflow.start(WORKFLOW_TYPES.share_dispute, {
    taskQueue: h.taskQueue,
    workflowId: workflowIdFor('share_dispute', disputeId),
    args: [dispute],
  });
  expect(await raised.result().catch((e: WorkflowFailedError) => e.cause)).toMatchObject({ type: 'Forbidden' });
  for (const id of [requestId, disputeId]) expect(await h.db.selectFrom('requests').select('id').where('id', '=', id).executeTakeFirst()).toBeUndefined();
  expect(
    (await h.db.selectFrom('catalog_entries').select('share_dispute').where('id', '=', h.city.entries.unconditional).executeTakeFirstOrThrow()).share_dispute,
  ).toBeNull();
});

test("past the API, the workflow's validator weighs an OBJECT against the adjustment under review, as the API does (Art. 13 ¶3)", async () => {
  const entry = await h.db.selectFrom('catalog_entries').selectAll().where('id', '=', h.city.entries.unconditional).executeTakeFirstOrThrow();
  const content = sampleEntryContent('异议校验');
  const { requestId, handle } = startAdjustment({
    ground: 'correction',
    justification: 'bypass',
    changes: [{ op: 'change', entryId: entry.id, baseVersion: entry.version, entry: content }],
  });
  const wf = await handle;
  await eventually(async () => (await wf.query(stateQuery)).status === 'in_review');
  const reviewerOfCity = { ...reviewer, org: h.city.cityAuthority };
  const object = (form: Record<string, unknown>) =>
    wf.executeUpdate(completeTaskUpdate, { args: [{ taskId: `${requestId}.review-1`, actor: reviewerOfCity, decision: 'OBJECT', reason: '异议', form }] });
  const none = { attribute: 'NONE', basis: { level: 'law', title: '中华人民共和国数据安全法', article: '第二十一条' } };
  // An entry the adjustment does not change, and the agency's own attribute: refused, and the task stays open.
  await expect(object({ entryId: 'not-in-this-adjustment', proposal: none })).rejects.toThrow(WorkflowUpdateFailedError);
  await expect(object({ entryId: entry.id, proposal: content.share })).rejects.toThrow(WorkflowUpdateFailedError);
  expect((await wf.query(stateQuery)).tasks.find((t) => t.id === `${requestId}.review-1`)).toMatchObject({ status: 'open' });
  await wf.terminate('test over');
});

test('past the API, an item without its 信息项名称 is refused by the workflow as it starts and as it is resubmitted', async () => {
  const unlabelled = (title: string) => {
    const content = sampleEntryContent(title);
    const [first, ...rest] = content.fields;
    const nameless: Partial<typeof first> = { ...first };
    delete nameless.label;
    return { ...content, fields: [nameless as typeof first, ...rest] };
  };
  const refused = startAdjustment({ ground: 'correction', justification: 'bypass', changes: [{ op: 'add', entry: unlabelled('无名信息项') }] });
  await expect((await refused.handle).result()).rejects.toThrow(WorkflowFailedError);
  expect(await h.db.selectFrom('requests').select('id').where('id', '=', refused.requestId).executeTakeFirst()).toBeUndefined();

  const { requestId, handle } = startAdjustment({
    ground: 'correction',
    justification: 'bypass',
    changes: [{ op: 'add', entry: sampleEntryContent('有名信息项') }],
  });
  const wf = await handle;
  await eventually(async () => (await wf.query(stateQuery)).status === 'in_review');
  const reviewerOfCity = { ...reviewer, org: h.city.cityAuthority };
  await wf.executeUpdate(completeTaskUpdate, { args: [{ taskId: `${requestId}.review-1`, actor: reviewerOfCity, decision: 'RETURN', reason: '请补充' }] });
  await eventually(async () => (await wf.query(stateQuery)).status === 'awaiting_applicant');
  const resubmit = wf.executeUpdate(completeTaskUpdate, {
    args: [
      {
        taskId: `${requestId}.revision-1`,
        actor: officer(),
        decision: 'RESUBMIT',
        form: { ground: 'correction', justification: 'bypass', changes: [{ op: 'add', entry: unlabelled('无名信息项') }] },
      },
    ],
  });
  await expect(resubmit).rejects.toThrow(WorkflowUpdateFailedError);
  expect((await wf.query(stateQuery)).tasks.find((t) => t.id === `${requestId}.revision-1`)).toMatchObject({ status: 'open' });
  await wf.terminate('test over');
});

test('past the API, an entry marked NONE on a basis of a level not accepted for its catalog is refused by the workflow as it starts and as it is resubmitted (issue 24 §3)', async () => {
  const rules: LegalBasis[] = [{ level: 'rules', title: '日照市公共数据管理办法', article: '第十三条' }];
  const law: LegalBasis[] = [{ level: 'law', title: '中华人民共和国个人信息保护法', article: '第十三条' }];
  const none = (title: string, basis: LegalBasis[]) => {
    const content = sampleEntryContent(title);
    return { op: 'add' as const, entry: { ...content, share: { attribute: 'NONE' as const, reasons: null, conditions: null, basis } } };
  };
  const start = (form: AdjustmentForm, governmentDepartment: boolean) => startAdjustment(form, { governmentDepartment });
  // A government department's 规章 alone: not one of the 条例's levels.
  const refused = start({ ground: 'correction', justification: 'bypass', changes: [none('规章不予共享', rules)] }, true);
  const failure = await (await refused.handle).result().catch((e: WorkflowFailedError) => e.cause);
  expect(failure).toMatchObject({ type: 'InvalidInput', message: expect.stringContaining('法律、行政法规、国务院决定') });
  expect(await h.db.selectFrom('requests').select('id').where('id', '=', refused.requestId).executeTakeFirst()).toBeUndefined();

  // Another institution's: the Measures' wider list takes a 规章 (Art. 13 ¶2).
  const other = start({ ground: 'correction', justification: 'bypass', changes: [none('事业单位规章不予共享', rules)] }, false);
  const otherWf = await other.handle;
  await eventually(async () => (await otherWf.query(stateQuery)).status === 'in_review');
  await otherWf.terminate('test over');

  // A government department's on a 法律 runs; its revision task says the levels, and a RESUBMIT on a 规章 is refused.
  const { requestId, handle } = start({ ground: 'correction', justification: 'bypass', changes: [none('法律不予共享', law)] }, true);
  const wf = await handle;
  await eventually(async () => (await wf.query(stateQuery)).status === 'in_review');
  const reviewerOfCity = { ...reviewer, org: h.city.cityAuthority };
  await wf.executeUpdate(completeTaskUpdate, { args: [{ taskId: `${requestId}.review-1`, actor: reviewerOfCity, decision: 'RETURN', reason: '请补充' }] });
  await eventually(async () => (await wf.query(stateQuery)).status === 'awaiting_applicant');
  const revision = await h.db.selectFrom('tasks').select('context').where('id', '=', `${requestId}.revision-1`).executeTakeFirstOrThrow();
  expect(revision.context).toMatchObject({ returned: '请补充', noneBasis: ['law', 'administrative_regulation', 'state_council_decision'] });
  const resubmit = (basis: LegalBasis[]) =>
    wf.executeUpdate(completeTaskUpdate, {
      args: [
        {
          taskId: `${requestId}.revision-1`,
          actor: officer(),
          decision: 'RESUBMIT',
          form: { ground: 'correction', justification: 'bypass', changes: [none('法律不予共享', basis)] },
        },
      ],
    });
  await expect(resubmit(rules)).rejects.toThrow(WorkflowUpdateFailedError);
  expect((await wf.query(stateQuery)).tasks.find((t) => t.id === `${requestId}.revision-1`)).toMatchObject({ status: 'open' });
  await resubmit([...law, ...rules]);
  await eventually(async () => (await wf.query(stateQuery)).status === 'in_review');
  await wf.terminate('test over');
});

test('a start past the API asking a change to be published before review where the authority must consent first is refused by the workflow, writing nothing (issue 24 §7)', async () => {
  const add = { op: 'add' as const, entry: sampleEntryContent('绕过审核') };
  // A government department (the 条例), and another institution on Art. 9 ¶2's ground.
  for (const [governmentDepartment, ground] of [
    [true, 'dynamic_adjustment'],
    [false, 'law_change'],
  ] as const) {
    const requestId = randomUUID();
    const input: CatalogAdjustmentInput = {
      requestId,
      applicant: officer(),
      form: { ground, justification: 'x', changes: [add] },
      payloadHash: 'x',
      policy: TEST_ADJUSTMENT_POLICY,
      reviewerOrg: h.city.cityAuthority,
      cityLevel: true,
      leadingGroupOrg: h.city.leadingGroup,
      governmentDepartment,
      review: 'after',
    };
    const started = await h.client.workflow.start(WORKFLOW_TYPES.catalog_adjustment, {
      taskQueue: h.taskQueue,
      workflowId: workflowIdFor('catalog_adjustment', requestId),
      args: [input],
    });
    const failure = await started.result().catch((e: WorkflowFailedError) => e.cause);
    expect(failure).toMatchObject({ type: 'Forbidden', message: expect.stringContaining('reviewed before publication') });
    expect(await h.db.selectFrom('requests').select('id').where('id', '=', requestId).executeTakeFirst()).toBeUndefined();
  }
});

test('a withdrawal asked while a change is published before review either cancels it before anything is published or comes too late, and the review afterwards still takes its decision', async () => {
  const reviewerOfCity = { ...reviewer, org: h.city.cityAuthority };
  const outcomes: string[] = [];
  for (const delay of [0, 10, 20, 30, 40, 50, 60, 80]) {
    const requestId = randomUUID();
    const input: CatalogAdjustmentInput = {
      requestId,
      applicant: officer(),
      form: { ground: 'first_compilation', justification: 'x', changes: [{ op: 'add', entry: sampleEntryContent(`撤回竞争 ${delay}`) }] },
      payloadHash: 'x',
      policy: TEST_ADJUSTMENT_POLICY,
      reviewerOrg: h.city.cityAuthority,
      cityLevel: true,
      leadingGroupOrg: h.city.leadingGroup,
      governmentDepartment: false,
      review: 'after',
    };
    const wf = await h.client.workflow.start(WORKFLOW_TYPES.catalog_adjustment, {
      taskQueue: h.taskQueue,
      workflowId: workflowIdFor('catalog_adjustment', requestId),
      args: [input],
    });
    await new Promise((r) => setTimeout(r, delay));
    const cancel = await wf.executeUpdate(cancelRequestUpdate, { args: [{ actor: officer(), reason: '撤回' }] }).then(
      (v) => v.status,
      (e: Error) => e.constructor.name,
    );
    const published = await h.db.selectFrom('catalog_entries').select('id').where('id', '=', `${requestId}-1`).executeTakeFirst();
    if (cancel === 'cancelled') {
      // In time: nothing was published.
      expect(published).toBeUndefined();
      expect(await wf.result()).toMatchObject({ status: 'cancelled' });
    } else {
      // Too late (or refused outright once approved): published, and the authority's review still decides.
      expect(published).toEqual({ id: `${requestId}-1` });
      await eventually(async () => (await wf.query(stateQuery)).tasks.find((t) => t.id === `${requestId}.after-review-1` && t.status === 'open'));
      await wf.executeUpdate(completeTaskUpdate, { args: [{ taskId: `${requestId}.after-review-1`, actor: reviewerOfCity, decision: 'ACCEPT' }] });
      expect(await wf.result()).toMatchObject({ status: 'approved', outcome: { afterReview: 'ACCEPT' } });
    }
    outcomes.push(cancel);
  }
  // The window is narrow; whichever side of it each attempt fell on, none is left stuck.
  expect(outcomes).toHaveLength(8);
});
