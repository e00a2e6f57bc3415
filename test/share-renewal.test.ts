// Renewal of a grant before it expires (issue 24 §6, 续期), over HTTP against real workflows: the grantee's applicant asks;
// the renewal is a new share request pre-filled from the grant and linked to it (`renews`, shown on both grants), reviewed
// jointly as a conditional request; approved before the old grant expires, the new grant's term starts at that expiry (no
// gap, no overlap). One renewal at a time (409 RenewalPending), through the API and when a start bypasses it.
import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { shareParties } from '../db/repositories/share';
import type { Actor, OrgActor } from '../domain/types';
import { awaitSubmittedUpdate, workflowIdFor, type ShareRequestInput } from '../workflows/definitions';
import { expectProblem, startApi, validShareBody, type Api } from './api-helpers';
import { eventually, recordHistories, startHarness, TEST_POLICY, type Harness } from './helpers';

let h: Harness;
let api: Api;
/** The same API whose grants' usage reports fall due every three seconds. */
let reporting: Api;
/** The same API whose grants run eight seconds. */
let brief: Api;
/** The same API whose consented stops take effect three seconds after the grantee is told. */
let stopping: Api;
const started: { name: string; workflowId: string }[] = [];
beforeAll(async () => {
  h = await startHarness('renewal');
  api = await startApi(h, { policies: { share: TEST_POLICY } });
  reporting = await startApi(h, { policies: { share: { ...TEST_POLICY, usageReport: { seconds: 3 } } } });
  brief = await startApi(h, { policies: { share: { ...TEST_POLICY, grantTerm: { seconds: 8 } } } });
  stopping = await startApi(h, { policies: { share: { ...TEST_POLICY, revocationNotice: { seconds: 3 } } } });
});
afterAll(async () => {
  // RECORD_HISTORIES=<label> adds fixtures that test/replay.test.ts replays against today's workflow code.
  if (process.env.RECORD_HISTORIES) await recordHistories(h.client, started, process.env.RECORD_HISTORIES);
  await reporting.app.close();
  await brief.app.close();
  await stopping.app.close();
  await api.app.close();
  await h.close();
});

type TaskView = { id: string; kind: string; status: string };
const call = (actor: Actor, method: 'GET' | 'POST', url: string, payload?: object) => api.app.inject({ method, url, payload, headers: api.as(actor) });
const applicant = (): OrgActor => ({ sub: `rn-${randomUUID().slice(0, 6)}`, org: h.city.agencies.market, roles: ['agency_applicant'] });
const resources = (): Actor => ({ sub: 'rn-resources', org: h.city.agencies.resources, roles: ['provider_reviewer'] });
const authority = (): Actor => ({ sub: 'rn-authority', org: h.city.cityAuthority, roles: ['authority_reviewer'] });
const COMMITMENT = { authenticity: true, compliance: true, security: true };
const remember = (name: string, requestId: string) => started.push({ name, workflowId: workflowIdFor('share', requestId) });

/** A grant of the unconditional-for-sharing entry (granted at once), of `me`'s organisation. */
async function grantOf(me: Actor = applicant()) {
  const req = (await call(me, 'POST', '/share-requests', { ...validShareBody(h.city.entries.conditionalOpen), fields: ['parcel', 'area'] })).json();
  expect(req.status).toBe('granted');
  return { me, requestId: req.id as string, grantId: req.grant.id as string, grant: req.grant as { expiresAt: string; fields: string[]; purpose: string } };
}

const renew = (me: Actor, grantId: string, body: object = { commitment: COMMITMENT }) => call(me, 'POST', `/grants/${grantId}/renewal`, body);

/** The renewal's review through the provider's AGREE and the authority's APPROVE. */
async function approve(requestId: string, provider: Actor) {
  const tasks = (await call(authority(), 'GET', `/requests/${requestId}`)).json().tasks as TaskView[];
  const task = (kind: string) => tasks.find((t) => t.kind === kind && t.status === 'open')!.id;
  expect((await call(provider, 'POST', `/tasks/${task('SHARE_PROVIDER_OPINION')}/complete`, { decision: 'AGREE' })).statusCode).toBe(200);
  const done = await call(authority(), 'POST', `/tasks/${task('SHARE_JOINT_REVIEW')}/complete`, { decision: 'APPROVE' });
  expect(`${done.statusCode} ${done.body.slice(0, 400)}`).toMatch(/^200 /);
  return done.json();
}

test('the grantee’s applicant renews its grant before expiry: a new request pre-filled from the grant, reviewed jointly, linked both ways; its term starts at the old expiry', async () => {
  const g = await grantOf();
  const res = await renew(g.me, g.grantId, { scenario: '  续期：继续用于宗地核查  ', commitment: COMMITMENT });
  expect(res.statusCode).toBe(201);
  const renewal = res.json();
  remember('a grant renewed before expiry takes over at its end', renewal.id);
  // Reviewed as a conditional request, though the entry is shared unconditionally: both review tasks open.
  expect(renewal.status).toBe('in_review');
  expect((renewal.tasks as TaskView[]).map((t) => t.kind).sort()).toEqual(['SHARE_JOINT_REVIEW', 'SHARE_PROVIDER_OPINION']);
  // Pre-filled: the entry, the grant's fields, the duty served; the purpose as edited; the grant it renews named.
  expect(renewal.payload).toMatchObject({
    catalogEntryId: h.city.entries.conditionalOpen,
    fields: ['parcel', 'area'],
    scenario: '续期：继续用于宗地核查',
    statutoryDuty: validShareBody('').statutoryDuty,
    renews: g.grantId,
  });
  // Visible on the old grant, for the grantee and the provider alike.
  for (const reader of [g.me, resources(), authority()])
    expect((await call(reader, 'GET', `/grants/${g.grantId}`)).json().renewal).toMatchObject({ requestId: renewal.id, status: 'in_review', grantId: null });

  const done = await approve(renewal.id, resources());
  expect(done.status).toBe('granted');
  const fresh = (await call(g.me, 'GET', `/grants/${done.grant.id}`)).json();
  // No gap, no overlap: the new term starts where the old one ends and runs the policy's term (an hour here).
  expect(fresh).toMatchObject({
    status: 'active',
    renews: g.grantId,
    startsAt: g.grant.expiresAt,
    fields: ['parcel', 'area'],
    purpose: '续期：继续用于宗地核查',
  });
  expect(Date.parse(fresh.expiresAt) - Date.parse(g.grant.expiresAt)).toBe(3600_000);
  expect((await call(g.me, 'GET', `/grants/${g.grantId}`)).json().renewal).toMatchObject({ requestId: renewal.id, status: 'granted', grantId: done.grant.id });
  // The old grant runs on until its own expiry.
  expect((await call(g.me, 'GET', `/grants/${g.grantId}`)).json().status).toBe('active');
  const created = await h.db
    .selectFrom('audit_events')
    .select(['new_value'])
    .where('request_id', '=', renewal.id)
    .where('action', '=', 'grant_created')
    .executeTakeFirstOrThrow();
  expect(created.new_value).toMatchObject({ outcome: { renews: g.grantId, startsAt: g.grant.expiresAt } });
  // Once that renewal is decided, another may be asked.
  const again = await renew(g.me, g.grantId);
  expect(again.statusCode).toBe(201);
  remember('a second renewal once the first is decided', again.json().id);
  expect((await call(g.me, 'POST', `/requests/${again.json().id}/cancel`, { reason: '不再需要' })).statusCode).toBeLessThan(300);
});

test('one renewal at a time; only the grantee’s applicant; only an active grant; the commitment given again (API)', async () => {
  const g = await grantOf();
  const first = await renew(g.me, g.grantId);
  expect(first.statusCode).toBe(201);
  remember('a renewal refused while one is pending', first.json().id);
  const second = expectProblem(await renew(g.me, g.grantId), 409, undefined, 'one renewal at a time');
  expect(second.errors[0].article).toContain('续期');
  // A colleague of the grantee sees the same pending renewal.
  expectProblem(await renew({ ...g.me, sub: 'rn-colleague' }, g.grantId), 409, undefined, 'one renewal at a time');
  // The provider sees the grant but renews nothing of its own; a stranger does not see it.
  expectProblem(
    await renew({ sub: 'rn-resources-applicant', org: h.city.agencies.resources, roles: ['agency_applicant'] }, g.grantId),
    403,
    undefined,
    'grantee applicant',
  );
  expectProblem(await renew(resources(), g.grantId), 403);
  expectProblem(await renew({ sub: 'rn-stranger', org: h.city.agencies.health, roles: ['agency_applicant'] }, g.grantId), 404);

  const other = await grantOf();
  expectProblem(await renew(other.me, other.grantId, { commitment: { ...COMMITMENT, security: false } }), 400, 'body.commitment.security');
  expectProblem(await renew(other.me, other.grantId, { commitment: COMMITMENT, fields: ['x'] }), 400);
  // Ended by its grantee: nothing to renew.
  const ended = await call(other.me, 'POST', `/grants/${other.grantId}/revoke`, {
    ground: 'purpose_achieved',
    reason: '共享目的已实现',
    deletion: { deletedBy: '张三', deletedAt: new Date().toISOString(), method: 'physical', scope: true },
  });
  expect(ended.statusCode).toBe(200);
  expectProblem(await renew(other.me, other.grantId), 409, undefined, 'active grant before expiry');
});

/** Starts a renewal as the API does, but bypassing it: the workflow's own check decides. */
async function startBypassing(who: OrgActor, grantId: string, withParties = true) {
  const requestId = randomUUID();
  const form = { ...validShareBody(h.city.entries.conditionalOpen), fields: ['parcel', 'area'] };
  const input: ShareRequestInput = {
    requestId,
    applicant: who,
    form,
    payloadHash: 'x',
    policy: TEST_POLICY,
    // Without the parties the API resolves, the workflow resolves them (submitShare) and records the request there.
    parties: withParties ? ((await shareParties(h.db, form.catalogEntryId, who.org)).parties ?? undefined) : undefined,
    renews: grantId,
  };
  const start = new WithStartWorkflowOperation('shareRequestWorkflow', {
    workflowId: workflowIdFor('share', requestId),
    taskQueue: h.taskQueue,
    args: [input],
    workflowIdConflictPolicy: 'FAIL',
  });
  try {
    await h.client.workflow.executeUpdateWithStart(awaitSubmittedUpdate, { startWorkflowOperation: start });
  } catch (err) {
    if (!(err instanceof WorkflowUpdateFailedError)) throw err;
  }
  return { requestId, handle: h.client.workflow.getHandle(workflowIdFor('share', requestId)) };
}

test('a start bypassing the API is refused by the workflow alike: a second renewal while one is pending, another organisation’s grant; nothing recorded', async () => {
  const g = await grantOf();
  const first = await startBypassing(g.me as OrgActor, g.grantId);
  started.push({ name: 'a renewal started past the API', workflowId: first.handle.workflowId });
  expect((await call(g.me, 'GET', `/requests/${first.requestId}`)).json()).toMatchObject({ status: 'in_review', payload: { renews: g.grantId } });
  for (const [who, type] of [
    [g.me, 'RenewalPending'],
    [{ sub: 'rn-x', org: h.city.agencies.health, roles: ['agency_applicant'] }, 'Forbidden'],
  ] as const) {
    const { requestId, handle } = await startBypassing(who as OrgActor, g.grantId);
    const failure = await handle.result().catch((e: WorkflowFailedError) => e.cause as ApplicationFailure);
    expect(failure).toMatchObject({ type });
    expect(await h.db.selectFrom('requests').select('id').where('id', '=', requestId).executeTakeFirst()).toBeUndefined();
  }
  // A grant that does not exist.
  const none = await startBypassing(g.me as OrgActor, 'no-such.grant');
  expect(await none.handle.result().catch((e: WorkflowFailedError) => (e.cause as ApplicationFailure).type)).toBe('GrantNotFound');
});

test('20 renewals started at once past the API (with and without the API’s parties): one is recorded, the others refused RenewalPending', async () => {
  const g = await grantOf();
  const starts = await Promise.all(
    Array.from({ length: 20 }, (_, i) => startBypassing({ ...(g.me as OrgActor), sub: `rn-past-${i}` }, g.grantId, i % 2 === 0)),
  );
  const ends = await Promise.all(
    starts.map(async ({ requestId, handle }) => {
      // The one standing waits for its review; the others ended refused.
      const row = await h.db.selectFrom('requests').select('id').where('id', '=', requestId).executeTakeFirst();
      if (row) return 'recorded';
      return handle.result().then(
        () => 'ended',
        (e: WorkflowFailedError) => (e.cause as ApplicationFailure).type,
      );
    }),
  );
  expect(ends.filter((e) => e === 'recorded')).toHaveLength(1);
  expect(ends.filter((e) => e === 'RenewalPending')).toHaveLength(19);
  const rows = await h.db
    .selectFrom('requests')
    .select(['id', 'status'])
    .where((eb) => eb(eb.ref('payload', '->>').key('renews' as never), '=', g.grantId))
    .execute();
  expect(rows).toHaveLength(1);
  expect(rows[0]!.status).toBe('in_review');
});

test('20 renewals asked at once: one stands, the others are refused naming the rule', async () => {
  const g = await grantOf();
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) => renew({ ...g.me, sub: `rn-at-once-${i}` }, g.grantId, { scenario: `续期 ${i % 3}`, commitment: COMMITMENT })),
  );
  const codes = answers.map((a) => a.statusCode);
  expect(codes.filter((c) => c === 201)).toHaveLength(1);
  expect(codes.filter((c) => c === 409)).toHaveLength(19);
  for (const a of answers.filter((x) => x.statusCode === 409)) expect(a.json().errors[0].rule).toBe('one renewal at a time');
  const rows = await h.db
    .selectFrom('requests')
    .select(['id', 'status'])
    .where((eb) => eb(eb.ref('payload', '->>').key('renews' as never), '=', g.grantId))
    .execute();
  expect(rows).toHaveLength(1);
  await eventually(async () => (await call(g.me, 'GET', `/grants/${g.grantId}`)).json().renewal?.status === 'in_review');
});

test('a renewal approved after the old grant expired starts at once (nothing to overlap): asked in time, it goes on', async () => {
  const me = applicant();
  const on = (actor: Actor, method: 'GET' | 'POST', url: string, payload?: object) => brief.app.inject({ method, url, payload, headers: brief.as(actor) });
  const req = (await on(me, 'POST', '/share-requests', { ...validShareBody(h.city.entries.conditionalOpen), fields: ['parcel', 'area'] })).json();
  expect(req.status).toBe('granted');
  const res = await on(me, 'POST', `/grants/${req.grant.id}/renewal`, { commitment: COMMITMENT });
  expect(`${res.statusCode} ${res.body.slice(0, 300)}`).toMatch(/^201 /);
  remember('a renewal approved after the renewed grant expired', res.json().id);
  // The old grant's term ends while the renewal is reviewed: the renewal stays in review.
  await eventually(async () => (await on(me, 'GET', `/grants/${req.grant.id}`)).json().status === 'expired', 30_000);
  expect((await on(me, 'GET', `/requests/${res.json().id}`)).json().status).toBe('in_review');
  const done = await approve(res.json().id, resources());
  const fresh = (await call(me, 'GET', `/grants/${done.grant.id}`)).json();
  expect(fresh).toMatchObject({ status: 'active', renews: req.grant.id, startsAt: null });
  expect(Date.parse(fresh.expiresAt) - Date.parse(fresh.grantedAt)).toBeLessThan(8000 + 5000);
});

/** The renewal's request as the applicant reads it once it ended, with its tasks. */
async function endedRenewal(me: Actor, requestId: string) {
  await eventually(async () => (await call(me, 'GET', `/requests/${requestId}`)).json().status === 'cancelled', 20_000);
  return (await call(me, 'GET', `/requests/${requestId}`)).json();
}
const REASON_ZH = '所续期的共享授权已被撤销、经同意停止或由被授权方终止，续期申请随之终止';

test('the city authority revokes the grant: the renewal still being decided ends, its tasks cancelled, the applicant told in Chinese, audited once', async () => {
  const g = await grantOf();
  const res = await renew(g.me, g.grantId);
  expect(res.statusCode).toBe(201);
  const renewalId = res.json().id as string;
  remember('a renewal ends with the grant revoked', renewalId);
  remember('a revoked grant ends its pending renewal', g.requestId);
  const revoked = await call(authority(), 'POST', `/grants/${g.grantId}/revoke`, { ground: 'misuse', reason: '超出共享用途使用数据' });
  expect(`${revoked.statusCode} ${revoked.body.slice(0, 300)}`).toMatch(/^200 /);
  const ended = await endedRenewal(g.me, renewalId);
  expect(ended.outcome).toMatchObject({ article: 'Art. 15', reason: REASON_ZH, ground: 'misuse' });
  expect((ended.tasks as TaskView[]).filter((t) => t.status !== 'cancelled')).toEqual([]);
  expect((ended.tasks as TaskView[]).length).toBe(2);
  const trail = await h.db
    .selectFrom('audit_events')
    .select(['action', 'article'])
    .where('request_id', '=', renewalId)
    .where('action', '=', 'ended_with_renewed_grant')
    .execute();
  expect(trail).toEqual([{ action: 'ended_with_renewed_grant', article: 'Art. 15' }]);
  const notes = await h.db.selectFrom('notifications').select(['message']).where('request_id', '=', renewalId).where('recipient_user', '=', g.me.sub).execute();
  expect(notes.map((n) => n.message).join('\n')).toContain(REASON_ZH);
  // Another renewal of the ended grant is refused (only an active grant is renewed).
  expect((await renew(g.me, g.grantId)).statusCode).toBeGreaterThanOrEqual(400);
});

test('the grantee ends its grant (purpose achieved): the renewal still being decided ends, citing the 条例', async () => {
  const g = await grantOf();
  const res = await renew(g.me, g.grantId);
  expect(res.statusCode).toBe(201);
  remember('a renewal ends with the grant ended by its grantee', res.json().id);
  remember('a grant ended by its grantee ends its pending renewal', g.requestId);
  await call(g.me, 'POST', `/grants/${g.grantId}/revoke`, {
    ground: 'purpose_achieved',
    reason: '共享目的已实现',
    deletion: { deletedBy: '张三', deletedAt: new Date().toISOString(), method: 'physical', scope: true },
  });
  const ended = await endedRenewal(g.me, res.json().id);
  expect(ended.outcome).toMatchObject({ article: expect.stringContaining('条例'), reason: REASON_ZH });
});

test('the provider’s stop, consented by the authority, ends the grant: the renewal still being decided ends too, as for a revocation', async () => {
  const via = (actor: Actor, method: 'GET' | 'POST', url: string, payload?: object) =>
    stopping.app.inject({ method, url, payload, headers: stopping.as(actor) });
  const me = applicant();
  const req = (await via(me, 'POST', '/share-requests', { ...validShareBody(h.city.entries.conditionalOpen), fields: ['parcel', 'area'] })).json();
  expect(req.status).toBe('granted');
  const grantId = req.grant.id as string;
  const res = await renew(me, grantId);
  expect(res.statusCode).toBe(201);
  const renewalId = res.json().id as string;
  remember('a renewal ends with the grant stopped by consent', renewalId);
  remember('a grant stopped by consent ends its pending renewal', req.id);
  // The provider cannot stop it alone: it asks, the renewal goes on while the authority decides.
  const asked = await via(resources(), 'POST', `/grants/${grantId}/revoke`, { ground: 'misuse', reason: '超出共享用途使用数据' });
  expect(asked.statusCode).toBe(202);
  expect((await call(me, 'GET', `/requests/${renewalId}`)).json().status).toBe('in_review');
  const consented = await via(authority(), 'POST', `/tasks/${asked.json().revocation.taskId}/complete`, { decision: 'CONSENT' });
  expect(consented.json()).toMatchObject({ grant: { status: 'active', revocation: { status: 'consented', effectiveAt: expect.any(String) } } });
  // Told before it takes effect, the grantee's renewal still stands until the stop does.
  expect((await call(me, 'GET', `/requests/${renewalId}`)).json().status).toBe('in_review');
  await eventually(async () => (await call(me, 'GET', `/grants/${grantId}`)).json().status === 'revoked', 20_000);
  const ended = await endedRenewal(me, renewalId);
  expect(ended.outcome).toMatchObject({ reason: REASON_ZH, ground: 'misuse' });
  expect((ended.tasks as TaskView[]).filter((t) => t.status !== 'cancelled')).toEqual([]);
  const trail = await h.db
    .selectFrom('audit_events')
    .select('action')
    .where('request_id', '=', renewalId)
    .where('action', '=', 'ended_with_renewed_grant')
    .execute();
  expect(trail).toHaveLength(1);
  expect((await call(me, 'GET', `/grants/${grantId}`)).json().renewal).toMatchObject({ requestId: renewalId, status: 'cancelled', expiresAt: null });
});

test('20 approvals and ends at once: the renewal ends, or its grant exists linked to the old one, never both', async () => {
  await Promise.all(
    Array.from({ length: 20 }, async (_, i) => {
      const g = await grantOf();
      const renewalId = (await renew(g.me, g.grantId)).json().id as string;
      const tasks = (await call(authority(), 'GET', `/requests/${renewalId}`)).json().tasks as TaskView[];
      const task = (kind: string) => tasks.find((t) => t.kind === kind && t.status === 'open')!.id;
      expect((await call(resources(), 'POST', `/tasks/${task('SHARE_PROVIDER_OPINION')}/complete`, { decision: 'AGREE' })).statusCode).toBe(200);
      const [approved, revoked] = await Promise.all([
        call(authority(), 'POST', `/tasks/${task('SHARE_JOINT_REVIEW')}/complete`, { decision: 'APPROVE' }),
        call(authority(), 'POST', `/grants/${g.grantId}/revoke`, { ground: 'misuse', reason: `超出用途 ${i}` }),
      ]);
      expect(approved.statusCode).toBeLessThan(500);
      expect(revoked.statusCode).toBe(200);
      await eventually(async () => ['granted', 'cancelled'].includes((await call(g.me, 'GET', `/requests/${renewalId}`)).json().status), 20_000);
      const renewal = (await call(g.me, 'GET', `/requests/${renewalId}`)).json();
      const newGrants = await h.db.selectFrom('grants').select(['renews']).where('request_id', '=', renewalId).execute();
      if (renewal.status === 'cancelled') expect(newGrants).toEqual([]);
      else expect(newGrants).toEqual([{ renews: g.grantId }]);
      // Either way the old grant ended revoked.
      expect((await call(g.me, 'GET', `/grants/${g.grantId}`)).json().status).toBe('revoked');
      const ends = await h.db
        .selectFrom('audit_events')
        .select('id')
        .where('request_id', '=', renewalId)
        .where('action', 'in', ['ended_with_renewed_grant', 'grant_created'])
        .execute();
      expect(ends).toHaveLength(1);
    }),
  );
}, 120_000);

test('a renewal taking over at the old grant’s expiry counts its first usage period from its start, not its creation', async () => {
  const me = applicant();
  const on = (actor: Actor, method: 'GET' | 'POST', url: string, payload?: object) =>
    reporting.app.inject({ method, url, payload, headers: reporting.as(actor) });
  const req = (await on(me, 'POST', '/share-requests', { ...validShareBody(h.city.entries.conditionalOpen), fields: ['parcel', 'area'] })).json();
  expect(req.status).toBe('granted');
  const res = await on(me, 'POST', `/grants/${req.grant.id}/renewal`, { commitment: COMMITMENT });
  expect(`${res.statusCode} ${res.body.slice(0, 300)}`).toMatch(/^201 /);
  remember('a renewal reports from its start', res.json().id);
  const approved = await approve(res.json().id, resources());
  expect(approved.grant).toMatchObject({ startsAt: req.grant.expiresAt });
  const reports = async (requestId: string) =>
    ((await on(me, 'GET', `/requests/${requestId}`)).json().tasks as TaskView[]).filter((t) => t.kind === 'SHARE_USAGE_REPORT');
  // The old grant, on the same cadence, reports every few seconds; the renewal, not yet started (an hour on), none.
  const before = (await reports(req.id)).length;
  await eventually(async () => (await reports(req.id)).length >= before + 2, 20_000);
  expect(await reports(res.json().id)).toEqual([]);
});
