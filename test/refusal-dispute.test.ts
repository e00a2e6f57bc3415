// The refusal dispute (《政务数据共享条例》, issue 24 §3) as the applicant, the provider, the city authority and the
// leading group drive it over HTTP, against real Temporal and PostgreSQL: who may raise one and when (the window on
// the working-day calendar), the consultation in turns, the authority's coordination, the leading group's final
// decision, and the grant a favourable outcome makes.
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { readCalendarOverrides, statutoryCalendar } from '../db/repositories/calendar';
import { endOfDay, shanghaiDay, shiftWorkdays } from '../domain/calendar';
import type { Actor } from '../domain/types';
import { WORKFLOW_TYPES, workflowIdFor, type RefusalDisputeInput } from '../workflows/definitions';
import { expectProblem, refusedShare, startApi, validShareBody, type Api } from './api-helpers';
import { eventually, recordHistories, startHarness, TEST_POLICY, TEST_REFUSAL_DISPUTE_POLICY, type Harness } from './helpers';

let h: Harness;
let api: Api;
/** The same API with a consultation that lasts seconds. */
let hurried: Api;
/** The same API whose share policy asks delivery, a usage report every few seconds and lets the provider consent to onward provision. */
let lived: Api;
const started: { name: string; workflowId: string }[] = [];
beforeAll(async () => {
  h = await startHarness('refusal');
  api = await startApi(h);
  hurried = await startApi(h, { policies: { refusal_dispute: { ...TEST_REFUSAL_DISPUTE_POLICY, consultation: { seconds: 3 } } } });
  lived = await startApi(h, {
    policies: { share: { ...TEST_POLICY, delivery: { seconds: 3600 }, usageReport: { seconds: 5 }, onwardProvision: 'provider_consent' } },
  });
});
afterAll(async () => {
  if (process.env.RECORD_HISTORIES) await recordHistories(h.client, started, process.env.RECORD_HISTORIES, 'refusal_dispute');
  await lived.app.close();
  await hurried.app.close();
  await api.app.close();
  await h.close();
});

const applicant = (): Actor => ({ sub: `rd-applicant-${randomUUID().slice(0, 6)}`, org: h.city.agencies.market, roles: ['agency_applicant'] });
const provider = (): Actor => ({ sub: 'rd-provider', org: h.city.agencies.health, roles: ['provider_reviewer'] });
const authority = (): Actor => ({ sub: 'rd-authority', org: h.city.cityAuthority, roles: ['authority_reviewer'] });
const leadingGroup = (): Actor => ({ sub: 'rd-leading', org: h.city.leadingGroup, roles: ['leading_group'] });

const post = (a: Api, actor: Actor, url: string, payload?: object, headers: Record<string, string> = {}) =>
  a.app.inject({ method: 'POST', url, payload, headers: { ...a.as(actor), ...headers } });
const get = (actor: Actor, url: string) => api.app.inject({ method: 'GET', url, headers: api.as(actor) });

type RequestBody = {
  id: string;
  status: string;
  outcome: Record<string, unknown> | null;
  grant: { id: string; status: string; fields: string[]; terms: { conditions: string | null } } | null;
  tasks: { id: string; kind: string; status: string; decision: string | null }[];
  refusalDispute?: { id: string; status: string };
};

async function dispute(name: string | null, a: Api, me: Actor, shareRequestId: string, extra: object = {}) {
  const res = await post(a, me, '/refusal-disputes', { shareRequestId, reason: '履行卫生监管职责确需该数据', ...extra });
  expect(`${res.statusCode} ${res.body.slice(0, 300)}`).toMatch(/^201 /);
  if (name) started.push({ name, workflowId: workflowIdFor('refusal_dispute', res.json().id) });
  return res.json() as RequestBody;
}

/** The open task of `kind` on the dispute, as its candidate's inbox shows it. */
async function openTask(actor: Actor, requestId: string, kind: string) {
  return eventually(async () => {
    const items = (await get(actor, `/tasks?kind=${kind}`)).json().items as { id: string; requestId: string; context: Record<string, unknown> }[];
    return items.find((t) => t.requestId === requestId);
  });
}

const decide = async (actor: Actor, taskId: string, body: object) => {
  const res = await post(api, actor, `/tasks/${taskId}/complete`, body);
  expect(`${res.statusCode} ${res.body.slice(0, 300)}`).toMatch(/^200 /);
  return res.json() as RequestBody;
};

/** The refusal's time moved to `workingDays` working days before now (its REJECT task's completion), on the statutory calendar. */
async function refusedWorkingDaysAgo(shareRequestId: string, workingDays: number) {
  const calendar = statutoryCalendar(await readCalendarOverrides(h.db));
  // Noon of that working day, Beijing time.
  const day = shiftWorkdays(shanghaiDay(new Date()), -workingDays, calendar);
  const at = new Date(endOfDay(day).getTime() - 12 * 3600_000);
  await h.db.updateTable('tasks').set({ completed_at: at }).where('request_id', '=', shareRequestId).where('kind', '=', 'SHARE_JOINT_REVIEW').execute();
}

test('who may dispute: the refused request’s applicant organisation, only a refusal, with a reason and the entry’s fields', async () => {
  const me = applicant();
  const refused = await refusedShare(api, h.city, me);
  // Another organisation's applicant does not see the request; a reviewer may not dispute; a request under review is no refusal.
  expectProblem(await post(api, { ...me, org: h.city.agencies.resources }, '/refusal-disputes', { shareRequestId: refused, reason: '异议' }), 404);
  expectProblem(await post(api, provider(), '/refusal-disputes', { shareRequestId: refused, reason: '异议' }), 403);
  expectProblem(await post(api, me, '/refusal-disputes', { shareRequestId: randomUUID(), reason: '异议' }), 404);
  const pending = (await post(api, me, '/share-requests', validShareBody(h.city.entries.conditional))).json();
  const notRefused = expectProblem(
    await post(api, me, '/refusal-disputes', { shareRequestId: pending.id, reason: '异议' }),
    409,
    'body.shareRequestId',
    'refused',
  );
  expect(notRefused.type).toContain('RequestNotActive');
  expectProblem(await post(api, me, '/refusal-disputes', { shareRequestId: refused, reason: '  ' }), 400, 'body.reason', 'required');
  expectProblem(
    await post(api, me, '/refusal-disputes', { shareRequestId: refused, reason: '异议', fields: ['no_such_field'] }),
    400,
    'body.fields',
    'fields of the entry',
  );
});

test('the window is counted in working days from the refusal: inside it a dispute starts, past it 409 DisputeWindowClosed', async () => {
  const me = applicant();
  const late = await refusedShare(api, h.city, me);
  await refusedWorkingDaysAgo(late, 16);
  const closed = expectProblem(
    await post(api, me, '/refusal-disputes', { shareRequestId: late, reason: '异议' }),
    409,
    'body.shareRequestId',
    'dispute window',
  );
  expect(closed.type).toContain('DisputeWindowClosed');
  expect(closed.article ?? closed.errors[0].article).toContain('《政务数据共享条例》');

  // Fourteen working days back is inside the window, however many weekends and holidays lie between.
  const inTime = await refusedShare(api, h.city, me);
  await refusedWorkingDaysAgo(inTime, 14);
  const raised = await dispute(null, api, me, inTime);
  expect(raised.status).toBe('in_review');
});

test('consultation in turns ends in agreement: the provider grants with conditions, the applicant accepts, the grant is made', async () => {
  const me = applicant();
  const refused = await refusedShare(api, h.city, me);
  const raised = await dispute('the provider counters with conditions, the applicant accepts', api, me, refused, {
    fields: ['institution', 'licence_no', 'beds'],
  });
  expect(raised.status).toBe('in_review');
  // The refused request shows the dispute running.
  expect(((await get(me, `/requests/${refused}`)).json() as RequestBody).refusalDispute).toMatchObject({ id: raised.id, status: 'in_review' });

  const turn1 = await openTask(provider(), raised.id, 'REFUSAL_DISPUTE_CONSULTATION');
  expect(turn1.context).toMatchObject({ turn: 1, party: 'provider', otherPosition: { grant: true, fields: ['institution', 'licence_no', 'beds'] } });
  // A position names the entry's fields only.
  expectProblem(
    await post(api, provider(), `/tasks/${turn1.id}/complete`, {
      decision: 'COUNTER',
      reason: '限定',
      form: { grant: true, fields: ['nope'], conditions: null },
    }),
    400,
  );
  await decide(provider(), turn1.id, {
    decision: 'COUNTER',
    reason: '仅限机构名称与许可证号',
    form: { grant: true, fields: ['institution', 'licence_no'], conditions: '仅用于执法检查' },
  });
  const turn2 = await openTask(me, raised.id, 'REFUSAL_DISPUTE_CONSULTATION');
  expect(turn2.context).toMatchObject({ turn: 2, party: 'applicant', otherPosition: { grant: true, fields: ['institution', 'licence_no'] } });
  const settled = await decide(me, turn2.id, { decision: 'ACCEPT' });
  expect(settled).toMatchObject({
    status: 'granted',
    grant: { status: 'active', fields: ['institution', 'licence_no'], terms: { conditions: '仅用于执法检查' } },
  });

  // The grant is the applicant's, as a share grant reads; the refused request shows the dispute's outcome.
  const grants = (await get(me, '/grants')).json().items as { id: string; catalogEntryId: string; fields: string[] }[];
  expect(grants.find((g) => g.id === settled.grant!.id)).toMatchObject({ catalogEntryId: h.city.entries.conditional, fields: ['institution', 'licence_no'] });
  expect(((await get(me, `/requests/${refused}`)).json() as RequestBody).refusalDispute).toMatchObject({ id: raised.id, status: 'granted' });
});

test('without agreement the city authority coordinates; a settlement under it grants', async () => {
  const me = applicant();
  const refused = await refusedShare(api, h.city, me);
  const raised = await dispute('no agreement, settled under the authority’s coordination', api, me, refused);
  const turn = await openTask(provider(), raised.id, 'REFUSAL_DISPUTE_CONSULTATION');
  const referred = await decide(provider(), turn.id, { decision: 'NO_AGREEMENT', reason: '患者信息不宜共享' });
  expect(referred.status).toBe('in_review');
  const coordination = await openTask(authority(), raised.id, 'REFUSAL_DISPUTE_COORDINATION');
  // The dossier carries the refusal as decided, each decision whole (its reason, and its form where it had one).
  expect(coordination.context).toMatchObject({
    shareRequestId: refused,
    objection: '履行卫生监管职责确需该数据',
    referral: '患者信息不宜共享',
    refusal: [
      { kind: '提供单位审核意见', decision: '不同意', reason: '含患者信息,不予共享' },
      { kind: '会同审核（大数据主管部门）', decision: '不同意', reason: '提供单位不同意共享' },
    ],
  });
  const granted = await decide(authority(), coordination.id, {
    decision: 'SETTLE',
    reason: '双方同意限定用途',
    form: { grant: true, fields: ['institution'], conditions: null },
  });
  // No conditions named: the entry's own, as a share grant carries them.
  expect(granted).toMatchObject({ status: 'granted', grant: { fields: ['institution'], terms: { conditions: '仅用于履行卫生监管或公共服务职责' } } });

  // The grant ends early as a share grant does: the city authority ends it (the provider's ask: the next test).
  const grantUrl = `/grants/${granted.grant!.id}/revoke`;
  const ended = await post(api, authority(), grantUrl, { ground: 'misuse', reason: '超范围使用' });
  expect(`${ended.statusCode} ${ended.body.slice(0, 200)}`).toMatch(/^200 /);
  expect(ended.json()).toMatchObject({ status: 'revoked', endGround: 'misuse', endReason: '超范围使用' });
  expect(((await get(me, `/requests/${raised.id}`)).json() as RequestBody).status).toBe('revoked');
});

type GrantBody = {
  id: string;
  status: string;
  stopsAt?: string | null;
  delivery: { status: string; taskId: string } | null;
  revocation: { status: string; effectiveAt: string | null } | null;
  onwardProvisions: { status: string }[];
  renewal: { requestId: string } | null;
};

test('a dispute’s grant lives a share grant’s life: delivery, usage reports, onward provision, renewal, the provider’s stop by the authority’s consent', async () => {
  const me = applicant();
  const refused = await refusedShare(api, h.city, me);
  const raised = await dispute('a dispute’s grant lives a share grant’s life', lived, me, refused, { fields: ['institution', 'licence_no'] });
  const turn = await openTask(provider(), raised.id, 'REFUSAL_DISPUTE_CONSULTATION');
  const granted = await decide(provider(), turn.id, { decision: 'ACCEPT' });
  expect(granted).toMatchObject({ status: 'granted', grant: { status: 'active' } });
  const grantId = granted.grant!.id;
  const grant = async () => (await get(me, `/grants/${grantId}`)).json() as GrantBody;

  // 数据交付: the provider's delivery task opens; the grant reads 已批准待交付 until the grantee confirms receipt.
  const delivery = await openTask(provider(), raised.id, 'SHARE_DELIVERY');
  expect(delivery.context).toMatchObject({ grantId, fields: ['institution', 'licence_no'] });
  expect((await grant()).delivery).toMatchObject({ status: 'awaiting_delivery', taskId: delivery.id });
  // What the share grant's delivery refuses is refused here too: a field not granted.
  expectProblem(
    await post(api, provider(), `/tasks/${delivery.id}/complete`, {
      decision: 'DELIVER',
      form: { method: 'file', location: '/x.csv', deliveredFields: ['beds'] },
    }),
    400,
  );
  await decide(provider(), delivery.id, { decision: 'DELIVER', form: { method: 'file', location: '/exchange/health.csv', deliveredFields: ['institution'] } });
  const confirmation = await openTask(me, raised.id, 'SHARE_DELIVERY_CONFIRMATION');
  expect((await grant()).delivery).toMatchObject({ status: 'awaiting_delivery' });
  const confirmed = await decide(me, confirmation.id, { decision: 'CONFIRM' });
  expect(confirmed.grant).toMatchObject({ status: 'active', delivery: { status: 'delivered' } });
  expect((await grant()).delivery).toMatchObject({ status: 'delivered' });

  // 使用记录: a report falls due at the period's end for the grantee's applicant; filed, the provider reads it.
  const report = await openTask(me, raised.id, 'SHARE_USAGE_REPORT');
  expect(report.context).toMatchObject({ grantId, period: {} });
  await decide(me, report.id, { decision: 'FILE', form: { noUse: true } });
  const filed = await eventually(async () => {
    const res = (await get(provider(), `/grants/${grantId}/usage-records`)).json() as { items?: { taskId: string; noUse: boolean }[] };
    return res.items?.find((i) => i.taskId === report.id);
  });
  expect(filed.noUse).toBe(true);

  // 向第三方提供: the grantee asks, the provider's task opens (the policy follows the 条例's consent route).
  const asked = await post(lived, me, `/grants/${grantId}/onward-provision`, {
    thirdPartyOrg: h.city.agencies.resources,
    purpose: '联合核查',
    fields: ['institution'],
  });
  expect(`${asked.statusCode} ${asked.body.slice(0, 300)}`).toMatch(/^202 /);
  const onward = await openTask(provider(), raised.id, 'SHARE_ONWARD_PROVISION');
  await decide(provider(), onward.id, { decision: 'REFUSE', reason: '第三方无相应职责' });
  expect((await grant()).onwardProvisions).toMatchObject([{ status: 'refused' }]);

  // 续期: the grantee renews it as a share grant, its form the refused request's (the duty it served).
  const renewal = await post(lived, me, `/grants/${grantId}/renewal`, { commitment: { authenticity: true, compliance: true, security: true } });
  expect(`${renewal.statusCode} ${renewal.body.slice(0, 300)}`).toMatch(/^201 /);
  expect(renewal.json()).toMatchObject({ status: 'in_review', payload: { renews: grantId, fields: ['institution', 'licence_no'] } });
  expect((await grant()).renewal).toMatchObject({ requestId: renewal.json().id });

  // The provider does not stop sharing alone: its ask goes to the city authority (202), whose consent ends the grant after the grantee's notice.
  const asking = await post(api, provider(), `/grants/${grantId}/revoke`, { ground: 'misuse', reason: '超范围使用' });
  expect(`${asking.statusCode} ${asking.body.slice(0, 300)}`).toMatch(/^202 /);
  // One ask at a time.
  expectProblem(await post(api, provider(), `/grants/${grantId}/revoke`, { ground: 'misuse', reason: '再次' }), 409);
  const consent = await openTask(authority(), raised.id, 'GRANT_REVOCATION_CONSENT');
  expect(consent.context).toMatchObject({ grantId, revocationGround: 'misuse', revocationReason: '超范围使用' });
  await decide(authority(), consent.id, { decision: 'CONSENT' });
  const stopping = await eventually(async () => {
    const g = await grant();
    return g.revocation?.status === 'consented' && g;
  });
  // Still active until the notice has run (the policy's revocationNotice), the grantee told when it ends.
  expect(stopping).toMatchObject({ status: 'active', revocation: { status: 'consented', ground: 'misuse' } });
  expect(Date.parse(stopping.revocation!.effectiveAt!)).toBeGreaterThan(Date.now());
  expect(((await get(me, `/requests/${raised.id}`)).json() as RequestBody).status).toBe('granted');
});

test('coordination failing, the leading group decides, finally: it grants, or upholds the refusal', async () => {
  const me = applicant();
  const toLeadingGroup = async (name: string) => {
    const raised = await dispute(name, api, me, await refusedShare(api, h.city, me));
    const turn = await openTask(provider(), raised.id, 'REFUSAL_DISPUTE_CONSULTATION');
    await decide(provider(), turn.id, { decision: 'COUNTER', reason: '维持', form: { grant: false, fields: [], conditions: null } });
    const back = await openTask(me, raised.id, 'REFUSAL_DISPUTE_CONSULTATION');
    await decide(me, back.id, { decision: 'NO_AGREEMENT', reason: '无法接受' });
    const coordination = await openTask(authority(), raised.id, 'REFUSAL_DISPUTE_COORDINATION');
    await decide(authority(), coordination.id, { decision: 'FAIL', reason: '协调不成' });
    const decision = await openTask(leadingGroup(), raised.id, 'REFUSAL_DISPUTE_DECISION');
    expect(decision.context).toMatchObject({ coordination: { reason: '协调不成' }, turns: [{ decision: 'COUNTER' }, { decision: 'NO_AGREEMENT' }] });
    return { raised, decision };
  };
  const a = await toLeadingGroup('the leading group grants');
  expectProblem(
    await post(api, leadingGroup(), `/tasks/${a.decision.id}/complete`, { decision: 'GRANT', reason: '依法履职', form: { fields: [], conditions: null } }),
    400,
  );
  expect(
    await decide(leadingGroup(), a.decision.id, { decision: 'GRANT', reason: '依法履职所需', form: { fields: ['beds'], conditions: '按季度报告使用情况' } }),
  ).toMatchObject({
    status: 'granted',
    grant: { fields: ['beds'], terms: { conditions: '按季度报告使用情况' } },
  });

  const b = await toLeadingGroup('the leading group upholds the refusal');
  const upheld = await decide(leadingGroup(), b.decision.id, { decision: 'UPHOLD', reason: '涉及患者隐私' });
  expect(upheld).toMatchObject({ status: 'rejected', grant: null, outcome: { by: 'leading_group', reason: '涉及患者隐私' } });
});

test('the consultation’s deadline passing without agreement sends the dispute to the authority', async () => {
  const me = applicant();
  const raised = await dispute('the consultation deadline passes', hurried, me, await refusedShare(api, h.city, me));
  const coordination = await openTask(authority(), raised.id, 'REFUSAL_DISPUTE_COORDINATION');
  expect(String(coordination.context.referral)).toContain('no agreement by the consultation deadline');
  const view = (await get(me, `/requests/${raised.id}`)).json() as RequestBody;
  expect(view.tasks.find((t) => t.kind === 'REFUSAL_DISPUTE_CONSULTATION')!.status).toBe('cancelled');
});

test('20 concurrent decisions on a turn: one 200, 19 409s, one audit event', async () => {
  const me = applicant();
  const raised = await dispute(null, api, me, await refusedShare(api, h.city, me));
  const turn = await openTask(provider(), raised.id, 'REFUSAL_DISPUTE_CONSULTATION');
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      post(api, { ...provider(), sub: `rd-reviewer-${i}` }, `/tasks/${turn.id}/complete`, { decision: 'NO_AGREEMENT', reason: `理由 ${i}` }),
    ),
  );
  const codes = results.map((r) => r.statusCode);
  expect(codes.filter((c) => c === 200)).toHaveLength(1);
  expect(codes.filter((c) => c === 409)).toHaveLength(19);
  const audit = await h.db.selectFrom('audit_events').select('id').where('task_id', '=', turn.id).where('action', '=', 'task_completed').execute();
  expect(audit).toHaveLength(1);
  // The one decision moved the dispute on once: one coordination task.
  await openTask(authority(), raised.id, 'REFUSAL_DISPUTE_COORDINATION');
  const view = (await get(me, `/requests/${raised.id}`)).json() as RequestBody;
  expect(view.tasks.filter((t) => t.kind === 'REFUSAL_DISPUTE_COORDINATION')).toHaveLength(1);
});

test('20 concurrent disputes of one refusal: one stands, the others 409, one request recorded', async () => {
  const me = applicant();
  const refused = await refusedShare(api, h.city, me);
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      post(
        api,
        { ...me, sub: `rd-colleague-${i}` },
        '/refusal-disputes',
        { shareRequestId: refused, reason: `异议 ${i}` },
        { 'idempotency-key': randomUUID() },
      ),
    ),
  );
  const codes = results.map((r) => r.statusCode);
  expect(codes.filter((c) => c === 201)).toHaveLength(1);
  expect(codes.filter((c) => c === 409)).toHaveLength(19);
  const disputes = await h.db.selectFrom('requests').select(['id', 'payload']).where('type', '=', 'refusal_dispute').execute();
  expect(disputes.filter((d) => (d.payload as { shareRequestId?: string }).shareRequestId === refused)).toHaveLength(1);
  // A later one is refused as well, naming the rule.
  expectProblem(
    await post(api, me, '/refusal-disputes', { shareRequestId: refused, reason: '再次异议' }),
    409,
    'body.shareRequestId',
    'one dispute per refusal',
  );
});

test('a start that bypasses the API is refused by the workflow: not the applicant, not refused, a second dispute', async () => {
  const me = applicant();
  const refused = await refusedShare(api, h.city, me);
  const input = (over: Partial<RefusalDisputeInput>): RefusalDisputeInput => ({
    requestId: randomUUID(),
    applicant: { sub: me.sub, org: me.org!, roles: ['agency_applicant'] },
    shareRequestId: refused,
    reason: '异议',
    position: { grant: true, fields: ['institution'], conditions: null },
    payloadHash: 'x',
    policy: TEST_REFUSAL_DISPUTE_POLICY,
    ...over,
  });
  const run = async (i: RefusalDisputeInput) => {
    const handle = await h.client.workflow.start(WORKFLOW_TYPES.refusal_dispute, {
      taskQueue: h.taskQueue,
      workflowId: workflowIdFor('refusal_dispute', i.requestId),
      args: [i],
    });
    return handle.result();
  };
  const refusedWith = async (i: RefusalDisputeInput, type: string) => {
    const err = await run(i).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(((err as WorkflowFailedError).cause as { type?: string }).type).toBe(type);
    expect(await h.db.selectFrom('requests').select('id').where('id', '=', i.requestId).executeTakeFirst()).toBeUndefined();
  };
  await refusedWith(input({ applicant: { sub: 'x', org: h.city.agencies.resources, roles: ['agency_applicant'] } }), 'RequestNotFound');
  await refusedWith(input({ applicant: { sub: 'x', org: me.org!, roles: ['provider_reviewer'] } }), 'Forbidden');
  await refusedWith(input({ position: { grant: true, fields: ['nope'], conditions: null } }), 'InvalidInput');
  const pending = (await post(api, me, '/share-requests', validShareBody(h.city.entries.conditional))).json();
  await refusedWith(input({ shareRequestId: pending.id }), 'RequestNotActive');
  // The window, checked again by the workflow.
  const late = await refusedShare(api, h.city, me);
  await refusedWorkingDaysAgo(late, 16);
  await refusedWith(input({ shareRequestId: late }), 'DisputeWindowClosed');
  // One dispute taken through the API; a second started past it is refused.
  await dispute(null, api, me, refused);
  await refusedWith(input({}), 'RequestNotActive');
});

/** A dispute of a fresh refusal, its consultation ended without agreement: the city authority's coordination task open. */
async function atCoordination(me = applicant()) {
  const raised = await dispute(null, api, me, await refusedShare(api, h.city, me));
  await decide(provider(), (await openTask(provider(), raised.id, 'REFUSAL_DISPUTE_CONSULTATION')).id, { decision: 'NO_AGREEMENT', reason: '无法达成一致' });
  return { me, id: raised.id, coordination: await openTask(authority(), raised.id, 'REFUSAL_DISPUTE_COORDINATION') };
}
/** The same, coordination failed: the leading group's decision task open. */
async function atDecision() {
  const r = await atCoordination();
  await decide(authority(), r.coordination.id, { decision: 'FAIL', reason: '协调不成' });
  return { ...r, decision: await openTask(leadingGroup(), r.id, 'REFUSAL_DISPUTE_DECISION') };
}
const settle = (i: number) => ({ decision: 'SETTLE', reason: `协调一致 ${i}`, form: { grant: true, fields: ['institution'], conditions: null } });
const fail = (i: number) => ({ decision: 'FAIL', reason: `协调不成 ${i}` });
/** Twenty members of `who`'s organisation decide `taskId` at once, each with `body(i)`. */
const twentyAt = (who: Actor, taskId: string, body: (i: number) => object) =>
  Promise.all(Array.from({ length: 20 }, (_, i) => post(api, { ...who, sub: `${who.sub}-${i}` }, `/tasks/${taskId}/complete`, body(i))));

/** Exactly one 200, the others each a problem+json 409 (the task no longer open), one decision audited; the winner's view. */
async function oneWins(answers: Awaited<ReturnType<typeof twentyAt>>, taskId: string) {
  expect(answers.filter((a) => a.statusCode === 200)).toHaveLength(1);
  for (const a of answers.filter((x) => x.statusCode !== 200)) expect(expectProblem(a, 409).code).toBe('TaskNotOpen');
  const audited = await h.db.selectFrom('audit_events').select('id').where('task_id', '=', taskId).where('action', '=', 'task_completed').execute();
  expect(audited).toHaveLength(1);
  return answers.find((a) => a.statusCode === 200)!.json() as RequestBody;
}

/** Where a coordination decided leaves the dispute: settled and granted once, or before the leading group once; nothing of the other. */
async function coordinated(r: Awaited<ReturnType<typeof atCoordination>>, decision: 'SETTLE' | 'FAIL') {
  const view = (await get(r.me, `/requests/${r.id}`)).json() as RequestBody;
  const grants = await h.db.selectFrom('grants').select('id').where('request_id', '=', r.id).execute();
  expect(view.tasks.find((t) => t.id === r.coordination.id)).toMatchObject({ status: 'completed', decision });
  if (decision === 'SETTLE') {
    expect(view).toMatchObject({ status: 'granted', grant: { status: 'active', fields: ['institution'] } });
    expect(grants).toHaveLength(1);
    expect(view.tasks.filter((t) => t.kind === 'REFUSAL_DISPUTE_DECISION')).toEqual([]);
  } else {
    expect(view.status).toBe('in_review');
    expect(grants).toEqual([]);
    await openTask(leadingGroup(), r.id, 'REFUSAL_DISPUTE_DECISION');
    const again = (await get(r.me, `/requests/${r.id}`)).json() as RequestBody;
    expect(again.tasks.filter((t) => t.kind === 'REFUSAL_DISPUTE_DECISION')).toHaveLength(1);
  }
}

test('20 concurrent decisions on the authority’s coordination, settling and failing: one 200, 19 problem 409s, one outcome whole', async () => {
  const r = await atCoordination();
  const won = await oneWins(await twentyAt(authority(), r.coordination.id, (i) => (i % 2 ? fail(i) : settle(i))), r.coordination.id);
  await coordinated(r, won.tasks.find((t) => t.id === r.coordination.id)!.decision as 'SETTLE' | 'FAIL');
});

test('two disputes’ coordinations decided at once, twenty each: one settles, one goes to the leading group, neither crosses', async () => {
  const [a, b] = await Promise.all([atCoordination(), atCoordination()]);
  const [aAnswers, bAnswers] = await Promise.all([twentyAt(authority(), a.coordination.id, settle), twentyAt(authority(), b.coordination.id, fail)]);
  await oneWins(aAnswers, a.coordination.id);
  await oneWins(bAnswers, b.coordination.id);
  await coordinated(a, 'SETTLE');
  await coordinated(b, 'FAIL');
});

test('20 concurrent final decisions of the leading group, granting and upholding: one 200, 19 problem 409s, one outcome whole', async () => {
  const r = await atDecision();
  const won = await oneWins(
    await twentyAt(leadingGroup(), r.decision.id, (i) =>
      i % 2
        ? { decision: 'UPHOLD', reason: `维持 ${i}` }
        : { decision: 'GRANT', reason: `依法履职所需 ${i}`, form: { fields: ['beds'], conditions: `条件 ${i}` } },
    ),
    r.decision.id,
  );
  const decision = won.tasks.find((t) => t.id === r.decision.id)!.decision;
  const view = (await get(r.me, `/requests/${r.id}`)).json() as RequestBody;
  const grants = await h.db.selectFrom('grants').select('id').where('request_id', '=', r.id).execute();
  if (decision === 'GRANT') {
    expect(view).toMatchObject({ status: 'granted', grant: { fields: ['beds'], terms: { conditions: expect.stringMatching(/^条件 \d+$/) } } });
    expect(grants).toHaveLength(1);
  } else {
    expect(view).toMatchObject({ status: 'rejected', grant: null, outcome: { by: 'leading_group' } });
    expect(grants).toEqual([]);
  }
  // The task holds the winner's decision whole: its reason from the same answer as its decision.
  const row = await h.db.selectFrom('tasks').select('reason').where('id', '=', r.decision.id).executeTakeFirstOrThrow();
  expect(row.reason).toMatch(decision === 'GRANT' ? /^依法履职所需 \d+$/ : /^维持 \d+$/);
});

test('two disputes before the leading group decided at once, twenty each: one granted, one upheld, neither crosses', async () => {
  const [a, b] = await Promise.all([atDecision(), atDecision()]);
  const [aAnswers, bAnswers] = await Promise.all([
    twentyAt(leadingGroup(), a.decision.id, (i) => ({ decision: 'GRANT', reason: `准予 ${i}`, form: { fields: ['beds'], conditions: null } })),
    twentyAt(leadingGroup(), b.decision.id, (i) => ({ decision: 'UPHOLD', reason: `维持 ${i}` })),
  ]);
  await oneWins(aAnswers, a.decision.id);
  await oneWins(bAnswers, b.decision.id);
  expect((await get(a.me, `/requests/${a.id}`)).json()).toMatchObject({ status: 'granted', grant: { fields: ['beds'] } });
  expect((await get(b.me, `/requests/${b.id}`)).json()).toMatchObject({ status: 'rejected', grant: null });
  expect(await h.db.selectFrom('grants').select('id').where('request_id', 'in', [a.id, b.id]).execute()).toHaveLength(1);
});
