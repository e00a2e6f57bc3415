// The share-attribute dispute (Art. 13 ¶3) as the city authority, a city-level agency and the leading group
// drive it over HTTP, against real Temporal and PostgreSQL: who may raise one, consultation in turns,
// agreement, the consultation deadline, the leading group's final decision and what it does to grants.
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { LegalBasis } from '../domain/catalog';
import type { SharePosition } from '../domain/share-dispute';
import type { Actor } from '../domain/types';
import { completeTaskUpdate, workflowIdFor, WORKFLOW_TYPES, type ShareDisputeInput } from '../workflows/definitions';
import { expectProblem, startApi, validShareBody, type Api } from './api-helpers';
import { eventually, recordHistories, startHarness, TEST_DISPUTE_POLICY, type Harness } from './helpers';

let h: Harness;
let api: Api;
/** The same API with a consultation that lasts seconds. */
let hurried: Api;
const started: { name: string; workflowId: string }[] = [];
beforeAll(async () => {
  h = await startHarness('dispute');
  api = await startApi(h);
  hurried = await startApi(h, { policies: { share_dispute: { ...TEST_DISPUTE_POLICY, consultation: { seconds: 3 } } } });
});
afterAll(async () => {
  if (process.env.RECORD_HISTORIES) await recordHistories(h.client, started, process.env.RECORD_HISTORIES, 'share_dispute');
  await hurried.app.close();
  await api.app.close();
  await h.close();
});

const authority = (): Actor => ({ sub: 'wang.authority', org: h.city.cityAuthority, roles: ['authority_reviewer'] });
const agencyOf = (org: string): Actor => ({ sub: `opinion-${org.slice(-8)}`, org, roles: ['provider_reviewer'] });
const leadingGroup = (): Actor => ({ sub: 'zhou.leading', org: h.city.leadingGroup, roles: ['leading_group'] });

const post = (a: Api, actor: Actor, url: string, payload?: object) => a.app.inject({ method: 'POST', url, payload, headers: a.as(actor) });
const get = (actor: Actor, url: string) => api.app.inject({ method: 'GET', url, headers: api.as(actor) });

const conditional = (conditions: string): SharePosition => ({ attribute: 'CONDITIONAL', reasons: '含法定代表人个人信息', conditions, basis: [] });
const none: SharePosition = {
  attribute: 'NONE',
  reasons: null,
  conditions: null,
  basis: [{ level: 'law', title: '中华人民共和国个人信息保护法', article: '第十三条' }],
};

async function raise(name: string, a: Api, catalogEntryId: string, proposal: SharePosition) {
  const res = await post(a, authority(), '/disputes', { catalogEntryId, proposal, objection: '涉及个人信息,不宜无条件共享' });
  expect(`${res.statusCode} ${res.body.slice(0, 300)}`).toMatch(/^201 /);
  started.push({ name, workflowId: workflowIdFor('share_dispute', res.json().id) });
  return res.json() as { id: string; status: string; tasks: { id: string; kind: string; candidateOrg: string }[] };
}

async function openTask(actor: Actor, requestId: string, kind: string) {
  return eventually(async () => {
    const items = (await get(actor, `/tasks?kind=${kind}`)).json().items as { id: string; requestId: string; context: Record<string, unknown> }[];
    return items.find((t) => t.requestId === requestId);
  });
}

const entry = async (id: string) => (await get(authority(), `/catalog/${id}`)).json();

test('only the city authority disputes, only a city-level agency’s share attribute, only with a proposal Art. 13 ¶2 accepts', async () => {
  const body = { catalogEntryId: h.city.entries.unconditional, proposal: conditional('仅用于监管'), objection: '异议' };
  expectProblem(await post(api, { sub: 'sun.county', org: h.city.countyAuthority, roles: ['authority_reviewer'] }, '/disputes', body), 403);
  expectProblem(await post(api, agencyOf(h.city.agencies.market), '/disputes', body), 403);
  expectProblem(
    await post(api, authority(), '/disputes', { ...body, catalogEntryId: h.city.entries.countyConditional }),
    400,
    'body.catalogEntryId',
    'a city-level agency',
  );
  expectProblem(
    await post(api, authority(), '/disputes', { ...body, proposal: { attribute: 'UNCONDITIONAL', reasons: null, conditions: null, basis: [] } }),
    400,
    'body.proposal',
    'differs from the published',
  );
  const noBasis = expectProblem(await post(api, authority(), '/disputes', { ...body, proposal: { ...none, basis: [] } }), 400, 'body.proposal.basis');
  expect(noBasis.article).toBe('Art. 13');
  expectProblem(await post(api, authority(), '/disputes', { ...body, proposal: { ...conditional(''), conditions: ' ' } }), 400, 'body.proposal.conditions');
  expectProblem(await post(api, authority(), '/disputes', { ...body, objection: '  ' }), 400, 'body.objection', 'required');
});

test('consultation in turns ends in agreement: the agency counters, the authority accepts, the agreed attribute is published as a new version', async () => {
  const id = h.city.entries.unconditional;
  const before = await entry(id);
  const req = await raise('agreement after a counter', api, id, conditional('仅用于市场监管'));
  expect(req.status).toBe('in_review');
  // The published attribute stands meanwhile; the entry shows the dispute.
  expect((await entry(id)).share).toMatchObject({ attribute: 'UNCONDITIONAL', dispute: req.id });
  expectProblem(await post(api, authority(), '/disputes', { catalogEntryId: id, proposal: none, objection: 'again' }), 409);

  const agency = agencyOf(h.city.agencies.market);
  const turn1 = await openTask(agency, req.id, 'DISPUTE_CONSULTATION');
  expect(turn1.context).toMatchObject({ turn: 1, party: 'agency', otherPosition: { attribute: 'CONDITIONAL', conditions: '仅用于市场监管' } });
  // A counter carries a position Art. 13 ¶2 accepts.
  expectProblem(
    await post(api, agency, `/tasks/${turn1.id}/complete`, {
      decision: 'COUNTER',
      reason: '可有条件',
      form: { attribute: 'CONDITIONAL', reasons: null, conditions: null, basis: [] },
    }),
    400,
    'body.form.reasons',
  );
  expectProblem(
    await post(api, agency, `/tasks/${turn1.id}/complete`, { decision: 'COUNTER', reason: '可有条件', form: { ...conditional('x'), attribute: 'SOMETIMES' } }),
    400,
    'body.form.attribute',
  );
  const counter = conditional('仅用于市场监管与信用监管');
  expect((await post(api, agency, `/tasks/${turn1.id}/complete`, { decision: 'COUNTER', reason: '信用监管也需要', form: counter })).statusCode).toBe(200);

  const turn2 = await openTask(authority(), req.id, 'DISPUTE_CONSULTATION');
  expect(turn2.context).toMatchObject({ turn: 2, party: 'authority', otherPosition: counter });
  const accepted = await post(api, authority(), `/tasks/${turn2.id}/complete`, { decision: 'ACCEPT' });
  expect(accepted.json()).toMatchObject({ status: 'settled', outcome: { article: 'Art. 13' } });

  const after = await entry(id);
  expect(after).toMatchObject({ version: before.version + 1, share: { attribute: 'CONDITIONAL', conditions: counter.conditions, dispute: null } });
  const versions = (await get(authority(), `/catalog/${id}/versions?limit=100`)).json().items;
  expect(versions.at(-1)).toMatchObject({ changeRequestId: req.id, reason: expect.stringContaining('协商一致') });
  const actions = (await get(authority(), `/requests/${req.id}/history`)).json().items.map((e: { action: string }) => e.action);
  expect(actions).toEqual([
    'submitted',
    'task_opened',
    'consultation_started',
    'task_completed',
    'task_opened',
    'task_completed',
    'catalog_entry_changed',
    'dispute_agreed',
  ]);
});

test("a NONE the dispute would settle on cites a level accepted for the agency's catalog: the proposal, a COUNTER and the leading group's DECIDE, through the API and past it alike (issue 24 §3)", async () => {
  // The market regulator is a government department: the 条例's levels (法律、行政法规、国务院决定); a 规章 alone does not suffice.
  const regulation = ['law', 'administrative_regulation', 'state_council_decision'];
  const rules: LegalBasis = { level: 'rules', title: '日照市公共数据管理办法', article: '第十三条' };
  const lowNone: SharePosition = { ...none, basis: [rules] };
  const id = h.city.entries.unconditional;
  const body = { catalogEntryId: id, proposal: lowNone, objection: '涉及个人信息,不宜共享' };
  const low = expectProblem(await post(api, authority(), '/disputes', body), 400, 'body.proposal.basis', 'a provision of an accepted level');
  expect(low.article).toBe('Art. 13');
  const lowZh = await api.app.inject({ method: 'POST', url: '/disputes', payload: body, headers: { ...api.as(authority()), 'accept-language': 'zh' } });
  expect(JSON.stringify(lowZh.json())).toContain('列为不予共享的');

  // Past the API, the workflow refuses the start alike, recording nothing.
  const bypass = randomUUID();
  const input: ShareDisputeInput = {
    requestId: bypass,
    applicant: { sub: 'wang.authority', org: h.city.cityAuthority, roles: ['authority_reviewer'] },
    entryId: h.city.entries.conditionalOpen,
    published: { attribute: 'UNCONDITIONAL', reasons: null, conditions: null, basis: [] },
    proposal: lowNone,
    objection: 'bypass',
    payloadHash: 'x',
    policy: TEST_DISPUTE_POLICY,
    parties: { authorityOrg: h.city.cityAuthority, agencyOrg: h.city.agencies.market, leadingGroupOrg: h.city.leadingGroup },
    noneBasis: regulation as ShareDisputeInput['noneBasis'],
  };
  const started1 = await h.client.workflow.start(WORKFLOW_TYPES.share_dispute, {
    taskQueue: h.taskQueue,
    workflowId: workflowIdFor('share_dispute', bypass),
    args: [input],
  });
  expect(await started1.result().catch((e: WorkflowFailedError) => e.cause)).toMatchObject({
    type: 'InvalidInput',
    message: expect.stringContaining('法律、行政法规、国务院决定'),
  });
  expect(await h.db.selectFrom('requests').select('id').where('id', '=', bypass).executeTakeFirst()).toBeUndefined();
  // A start past the API that names no levels gets the strictest (the 条例's): refused alike.
  const unnamed = randomUUID();
  const started2 = await h.client.workflow.start(WORKFLOW_TYPES.share_dispute, {
    taskQueue: h.taskQueue,
    workflowId: workflowIdFor('share_dispute', unnamed),
    args: [{ ...input, noneBasis: undefined, requestId: unnamed }],
  });
  expect(await started2.result().catch((e: WorkflowFailedError) => e.cause)).toMatchObject({
    type: 'InvalidInput',
    message: expect.stringContaining('法律、行政法规、国务院决定'),
  });
  expect(await h.db.selectFrom('requests').select('id').where('id', '=', unnamed).executeTakeFirst()).toBeUndefined();

  // On a 法律 it runs; every turn and the leading group's decision name the levels.
  const req = await raise('a NONE on a basis of an accepted level, decided by the leading group', api, id, none);
  const agency = agencyOf(h.city.agencies.market);
  const turn = await openTask(agency, req.id, 'DISPUTE_CONSULTATION');
  expect(turn.context).toMatchObject({ noneBasis: regulation });
  expectProblem(
    await post(api, agency, `/tasks/${turn.id}/complete`, { decision: 'COUNTER', reason: '依规章不予共享', form: lowNone }),
    400,
    'body.form.basis',
    'a provision of an accepted level',
  );
  const wf = h.client.workflow.getHandle(workflowIdFor('share_dispute', req.id));
  const bypassed = (decision: string, taskId: string, actor: Actor, form: SharePosition) =>
    wf.executeUpdate(completeTaskUpdate, { args: [{ taskId, actor, decision, reason: 'bypass', form: form as unknown as Record<string, unknown> }] });
  await expect(bypassed('COUNTER', turn.id, agency, lowNone)).rejects.toThrow(WorkflowUpdateFailedError);
  expect((await post(api, agency, `/tasks/${turn.id}/complete`, { decision: 'NO_AGREEMENT', reason: '应当无条件共享' })).statusCode).toBe(200);

  const decision = await openTask(leadingGroup(), req.id, 'DISPUTE_DECISION');
  expect(decision.context).toMatchObject({ noneBasis: regulation, positions: { authority: none } });
  expectProblem(
    await post(api, leadingGroup(), `/tasks/${decision.id}/complete`, { decision: 'DECIDE', reason: '依规章不予共享', form: lowNone }),
    400,
    'body.form.basis',
    'a provision of an accepted level',
  );
  await expect(bypassed('DECIDE', decision.id, leadingGroup(), lowNone)).rejects.toThrow(WorkflowUpdateFailedError);
  // A 规章 beside a 法律 is fine: one provision of an accepted level suffices, as for a catalog change.
  const decided: SharePosition = { ...none, basis: [rules, ...none.basis] };
  const res = await post(api, leadingGroup(), `/tasks/${decision.id}/complete`, { decision: 'DECIDE', reason: '依法不予共享', form: decided });
  expect(res.json()).toMatchObject({ status: 'settled' });
  expect((await entry(id)).share).toMatchObject({ attribute: 'NONE', basis: decided.basis, dispute: null });
});

test('a consultation that runs out reaches the leading group, whose decision becomes the entry’s attribute', async () => {
  const id = h.city.entries.conditional;
  const before = await entry(id);
  const req = await raise('the consultation deadline passes, the leading group decides', hurried, id, none);
  // Nobody answers: the consultation's deadline (3 s here) passes and the leading group gets the dossier.
  const decision = await openTask(leadingGroup(), req.id, 'DISPUTE_DECISION');
  expect(decision.context).toMatchObject({
    objection: '涉及个人信息,不宜无条件共享',
    positions: { authority: none, agency: { attribute: 'CONDITIONAL' } },
    turns: [],
    referral: expect.stringContaining('consultation deadline'),
  });
  const view = (await get(authority(), `/requests/${req.id}`)).json();
  expect(view.tasks.map((t: { kind: string; status: string }) => [t.kind, t.status])).toEqual([
    ['DISPUTE_CONSULTATION', 'cancelled'],
    ['DISPUTE_DECISION', 'open'],
  ]);
  // The parties do not decide; the leading group states its position with its reasons.
  expectProblem(await post(api, authority(), `/tasks/${decision.id}/complete`, { decision: 'DECIDE', reason: 'x', form: none }), 404);
  expectProblem(await post(api, leadingGroup(), `/tasks/${decision.id}/complete`, { decision: 'DECIDE', form: none }), 400);
  const decided = conditional('仅用于卫生监管,不得用于其他目的');
  const res = await post(api, leadingGroup(), `/tasks/${decision.id}/complete`, { decision: 'DECIDE', reason: '兼顾监管需要与个人信息保护', form: decided });
  expect(res.json()).toMatchObject({ status: 'settled' });
  expect(await entry(id)).toMatchObject({ version: before.version + 1, share: { attribute: 'CONDITIONAL', conditions: decided.conditions, dispute: null } });
  const history = (await get(authority(), `/requests/${req.id}/history`)).json().items as { action: string; reason: string | null }[];
  expect(history.map((e) => e.action)).toEqual([
    'submitted',
    'task_opened',
    'consultation_started',
    'task_cancelled',
    'task_opened',
    'referred_to_leading_group',
    'task_completed',
    'catalog_entry_changed',
    'dispute_decided',
  ]);
});

test('a party declares no agreement; the leading group makes sharing NONE and the active grants of the entry end', async () => {
  const id = h.city.entries.conditionalOpen;
  const grantee: Actor = { sub: 'dispute-grantee', org: h.city.agencies.market, roles: ['agency_applicant'] };
  const granted = await post(api, grantee, '/share-requests', validShareBody(id));
  expect(granted.json().status).toBe('granted');
  const req = await raise('no agreement declared, the leading group refuses sharing', api, id, none);
  const turn1 = await openTask(agencyOf(h.city.agencies.resources), req.id, 'DISPUTE_CONSULTATION');
  expectProblem(await post(api, agencyOf(h.city.agencies.resources), `/tasks/${turn1.id}/complete`, { decision: 'NO_AGREEMENT' }), 400);
  expect(
    (await post(api, agencyOf(h.city.agencies.resources), `/tasks/${turn1.id}/complete`, { decision: 'NO_AGREEMENT', reason: '土地供应信息应当共享' })).json()
      .status,
  ).toBe('in_review');
  const decision = await openTask(leadingGroup(), req.id, 'DISPUTE_DECISION');
  expect(decision.context).toMatchObject({
    turns: [{ org: h.city.agencies.resources, decision: 'NO_AGREEMENT', reason: '土地供应信息应当共享' }],
    referral: '土地供应信息应当共享',
  });
  expect((await post(api, leadingGroup(), `/tasks/${decision.id}/complete`, { decision: 'DECIDE', reason: '依法不予共享', form: none })).json().status).toBe(
    'settled',
  );
  expect((await entry(id)).share).toMatchObject({ attribute: 'NONE', basis: none.basis });
  const grant = await eventually(async () => {
    const r = (await get(grantee, `/requests/${granted.json().id}`)).json();
    return r.status === 'revoked' && r.grant;
  });
  expect(grant.endReason).toContain(req.id);
});

test('two officers of the agency answer one turn at once (ACCEPT and COUNTER from two browsers): one answer stands', async () => {
  const id = h.city.entries.none;
  const req = await raise('two answers to one turn at once', api, id, conditional('仅用于执法协作'));
  const turn = await openTask(agencyOf(h.city.agencies.market), req.id, 'DISPUTE_CONSULTATION');
  const [a, b] = await Promise.all([
    post(api, { ...agencyOf(h.city.agencies.market), sub: 'browser-1' }, `/tasks/${turn.id}/complete`, { decision: 'ACCEPT' }),
    post(api, { ...agencyOf(h.city.agencies.market), sub: 'browser-2' }, `/tasks/${turn.id}/complete`, { decision: 'COUNTER', reason: '另议', form: none }),
  ]);
  expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
  const view = (await get(authority(), `/requests/${req.id}`)).json();
  // Accepted: settled at once; countered: the authority's turn is open.
  expect(view.status).toBe(a.statusCode === 200 ? 'settled' : 'in_review');
  expect(view.tasks.filter((t: { status: string }) => t.status === 'completed')).toHaveLength(1);
});

test('two disputes raised on one entry at the same moment (two browsers, two keys): one runs, the other is refused; a retry finds its own', async () => {
  const id = h.city.entries.conditional;
  const body = { catalogEntryId: id, proposal: { attribute: 'UNCONDITIONAL', reasons: null, conditions: null, basis: [] }, objection: '应无条件共享' };
  const raise = (key: string) =>
    api.app.inject({ method: 'POST', url: '/disputes', payload: body, headers: { ...api.as(authority()), 'idempotency-key': key } });
  const [a, b] = await Promise.all([raise('browser-a'), raise('browser-b')]);
  expect([a.statusCode, b.statusCode].sort()).toEqual([201, 409]);
  const won = a.statusCode === 201 ? a : b;
  const lost = a.statusCode === 201 ? b : a;
  expect(lost.json()).toMatchObject({ status: 409, detail: expect.stringContaining('already disputed') });
  expect((await entry(id)).share.dispute).toBe(won.json().id);
  // The winner's retry (same key) answers with its request; the loser's key started nothing.
  const retried = await raise(a.statusCode === 201 ? 'browser-a' : 'browser-b');
  expect(retried.statusCode).toBe(200);
  expect(retried.json().id).toBe(won.json().id);
  const raised = await h.db
    .selectFrom('requests')
    .select('id')
    .where('type', '=', 'share_dispute')
    .where('catalog_entry_id', '=', id)
    .where('status', '=', 'in_review')
    .execute();
  expect(raised).toHaveLength(1);
});
