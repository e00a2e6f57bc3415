// Onward provision of a grant's data to a third party (issue 24 §6), over HTTP against real workflows. The Measures forbid it
// (Art. 15) unless a law or regulation says otherwise: the default, refused naming Art. 15. Where the policy follows the
// 《政务数据共享条例》 (`onwardProvision: provider_consent`, snapshotted with the run and written into the grant's terms), the
// grantee's applicant asks (a third party from the directory, a purpose, fields among the grant's) and the providing agency
// consents or refuses with its reason; the answer is audited and the grantee told. The same rule in the workflow's validator.
import { randomUUID } from 'node:crypto';
import type { Actor } from '../domain/types';
import { askOnwardProvisionUpdate, completeTaskUpdate, workflowIdFor } from '../workflows/definitions';
import { expectProblem, startApi, validShareBody, type Api } from './api-helpers';
import { eventually, recordHistories, startHarness, TEST_POLICY, type Harness, insertInstitution } from './helpers';

let h: Harness;
/** A deployment that follows the 条例's consent route. */
let api: Api;
/** One that keeps the Measures' ban (the default). */
let banned: Api;
const started: { name: string; workflowId: string }[] = [];
beforeAll(async () => {
  h = await startHarness('onward');
  api = await startApi(h, { policies: { share: { ...TEST_POLICY, onwardProvision: 'provider_consent' } } });
  banned = await startApi(h, { policies: { share: TEST_POLICY } });
});
afterAll(async () => {
  // RECORD_HISTORIES=<label> adds fixtures that test/replay.test.ts replays against today's workflow code.
  if (process.env.RECORD_HISTORIES) await recordHistories(h.client, started, process.env.RECORD_HISTORIES);
  await banned.app.close();
  await api.app.close();
  await h.close();
});

type TaskView = { id: string; kind: string; status: string; context?: Record<string, unknown> | null };
const call = (actor: Actor, method: 'GET' | 'POST', url: string, payload?: object, via: Api = api) =>
  via.app.inject({ method, url, payload, headers: via.as(actor) });
const applicant = (): Actor => ({ sub: `ow-${randomUUID().slice(0, 6)}`, org: h.city.agencies.market, roles: ['agency_applicant'] });
const resources = (sub = 'ow-resources'): Actor => ({ sub, org: h.city.agencies.resources, roles: ['provider_reviewer'] });

/** A grant of the entry shared unconditionally (granted at once), through `via`'s policy. */
async function grantOf(via: Api = api, me: Actor = applicant()) {
  const req = (await call(me, 'POST', '/share-requests', { ...validShareBody(h.city.entries.conditionalOpen), fields: ['parcel', 'area', 'use'] }, via)).json();
  expect(req.status).toBe('granted');
  started.push({ name: `onward provision ${started.length + 1}`, workflowId: workflowIdFor('share', req.id) });
  return { me, requestId: req.id as string, grantId: req.grant.id as string };
}

const ask = (me: Actor, grantId: string, body: object) => call(me, 'POST', `/grants/${grantId}/onward-provision`, body);
const askBody = () => ({ thirdPartyOrg: h.city.agencies.health, purpose: '联合开展医疗用地核查', fields: ['parcel', 'area'] });

async function openTask(requestId: string): Promise<TaskView> {
  return eventually(async () => {
    const tasks = (await call(resources(), 'GET', `/requests/${requestId}`)).json().tasks as TaskView[];
    return tasks.find((t) => t.kind === 'SHARE_ONWARD_PROVISION' && t.status === 'open');
  });
}

test('by default the Measures’ ban stands: the ask is refused naming Art. 15, through the API and past it', async () => {
  const g = await grantOf(banned);
  const view = (await call(g.me, 'GET', `/grants/${g.grantId}`, undefined, banned)).json();
  expect(view.onwardProvision).toBe('forbidden');
  const refused = expectProblem(await ask(g.me, g.grantId, askBody()), 409, undefined, 'Art. 15');
  expect(refused).toMatchObject({ code: 'OnwardProvisionForbidden' });
  expect(refused.errors[0].article).toBe('Art. 15');
  const handle = h.client.workflow.getHandle(workflowIdFor('share', g.requestId));
  await expect(handle.executeUpdate(askOnwardProvisionUpdate, { args: [{ actor: g.me, ...askBody() }] })).rejects.toMatchObject({
    cause: { type: 'OnwardProvisionForbidden' },
  });
  expect((await call(g.me, 'GET', `/grants/${g.grantId}`, undefined, banned)).json().onwardProvisions).toEqual([]);
});

test('with the 条例’s consent route: the grantee asks, the provider refuses with its reason, then consents to a new ask; audited and the grantee told', async () => {
  const g = await grantOf();
  const view = (await call(g.me, 'GET', `/grants/${g.grantId}`)).json();
  expect(view).toMatchObject({ onwardProvision: 'provider_consent', terms: { onwardProvision: 'provider_consent' } });
  // What the ask must say: a third party that is no party, exists, a purpose, the grant's fields only; the grantee's applicant only.
  expectProblem(await ask(g.me, g.grantId, { ...askBody(), thirdPartyOrg: h.city.agencies.market }), 400, 'body.thirdPartyOrg', 'a third party');
  expectProblem(await ask(g.me, g.grantId, { ...askBody(), thirdPartyOrg: h.city.agencies.resources }), 400, 'body.thirdPartyOrg', 'a third party');
  expectProblem(await ask(g.me, g.grantId, { ...askBody(), thirdPartyOrg: 'no-such-org' }), 400, 'body.thirdPartyOrg', 'exists');
  expectProblem(await ask(g.me, g.grantId, { ...askBody(), purpose: '  ' }), 400, 'body.purpose');
  expectProblem(await ask(g.me, g.grantId, { ...askBody(), fields: ['parcel', 'price'] }), 400, 'body.fields', "the grant's fields");
  expectProblem(await ask(resources(), g.grantId, askBody()), 403, undefined, 'grantee applicant');
  expectProblem(await ask({ sub: 'ow-x', org: h.city.agencies.health, roles: ['agency_applicant'] }, g.grantId, askBody()), 404);
  // Past the API, the workflow's validator refuses alike.
  const handle = h.client.workflow.getHandle(workflowIdFor('share', g.requestId));
  await expect(handle.executeUpdate(askOnwardProvisionUpdate, { args: [{ actor: g.me, ...askBody(), fields: ['parcel', 'price'] }] })).rejects.toMatchObject({
    cause: { type: 'InvalidInput' },
  });
  await expect(handle.executeUpdate(askOnwardProvisionUpdate, { args: [{ actor: resources(), ...askBody() }] })).rejects.toMatchObject({
    cause: { type: 'Forbidden' },
  });

  const asked = await ask(g.me, g.grantId, askBody());
  expect(asked.statusCode).toBe(202);
  expect(asked.json().onwardProvisions[0]).toMatchObject({
    status: 'awaiting_consent',
    thirdPartyOrg: h.city.agencies.health,
    purpose: '联合开展医疗用地核查',
    fields: ['parcel', 'area'],
  });
  // One ask at a time, through the API and past it.
  expectProblem(await ask(g.me, g.grantId, askBody()), 409, undefined, 'one ask at a time');
  await expect(handle.executeUpdate(askOnwardProvisionUpdate, { args: [{ actor: g.me, ...askBody() }] })).rejects.toMatchObject({
    cause: { type: 'RequestNotActive' },
  });
  const task = await openTask(g.requestId);
  expect(task.context).toMatchObject({ thirdPartyOrg: h.city.agencies.health, thirdPartyName: expect.any(String), fields: ['parcel', 'area'] });
  // A refusal gives its reason.
  expectProblem(await call(resources(), 'POST', `/tasks/${task.id}/complete`, { decision: 'REFUSE' }), 400);
  expect((await call(resources(), 'POST', `/tasks/${task.id}/complete`, { decision: 'REFUSE', reason: '第三方用途超出共享目的' })).statusCode).toBe(200);
  const refused = await eventually(async () => {
    const p = (await call(g.me, 'GET', `/grants/${g.grantId}`)).json().onwardProvisions[0];
    return p.status === 'refused' && p;
  });
  expect(refused.reason).toBe('第三方用途超出共享目的');
  await eventually(async () =>
    (await h.db.selectFrom('notifications').select('message').where('recipient_user', '=', g.me.sub).execute()).some((n) => n.message.includes('不同意')),
  );

  expect((await ask(g.me, g.grantId, { ...askBody(), purpose: '医疗用地规划' })).statusCode).toBe(202);
  const second = await openTask(g.requestId);
  expect((await call(resources(), 'POST', `/tasks/${second.id}/complete`, { decision: 'CONSENT' })).statusCode).toBe(200);
  await eventually(async () => (await call(g.me, 'GET', `/grants/${g.grantId}`)).json().onwardProvisions[0].status === 'consented');
  const audit = await h.db
    .selectFrom('audit_events')
    .select(['action', 'article', 'reason', 'new_value'])
    .where('request_id', '=', g.requestId)
    .where('action', 'like', 'onward_provision_%')
    .orderBy('id')
    .execute();
  expect(audit.map((a) => [a.action, a.article])).toEqual([
    ['onward_provision_refused', 'Art. 15'],
    ['onward_provision_consented', '《政务数据共享条例》共享使用（经提供单位同意向第三方提供）'],
  ]);
  expect(audit[0]).toMatchObject({ reason: '第三方用途超出共享目的', new_value: { thirdPartyOrg: h.city.agencies.health, fields: ['parcel', 'area'] } });
  const told = await h.db.selectFrom('notifications').select('message').where('recipient_user', '=', g.me.sub).execute();
  expect(told.some((n) => n.message.includes('已同意向'))).toBe(true);
  // The grant runs on as before.
  expect((await call(g.me, 'GET', `/grants/${g.grantId}`)).json().status).toBe('active');
  void completeTaskUpdate;
});

test('the third party is a government department of the directory (the 条例’s consent route): another institution and the leading group are refused naming the field and the rule, through the API and past it', async () => {
  // A 事业单位 holding public data, no government department: the Measures' Art. 15 bars it.
  const centre = `${h.city.agencies.market}-ow-centre`;
  await insertInstitution(h, centre);
  const g = await grantOf();
  // The directory says who is one, as the console picks from it.
  const orgs = (await call(g.me, 'GET', '/organisations')).json().items as { id: string; governmentDepartment: boolean }[];
  expect(orgs.find((o) => o.id === centre)?.governmentDepartment).toBe(false);
  expect(orgs.find((o) => o.id === h.city.leadingGroup)?.governmentDepartment).toBe(false);
  expect(orgs.find((o) => o.id === h.city.agencies.health)?.governmentDepartment).toBe(true);
  for (const thirdPartyOrg of [centre, h.city.leadingGroup]) {
    const refused = expectProblem(await ask(g.me, g.grantId, { ...askBody(), thirdPartyOrg }), 400, 'body.thirdPartyOrg', 'a government department');
    expect(refused.errors[0].article).toContain('Art. 15');
  }
  // Past the API the workflow names no such third party either: nothing opened.
  const handle = h.client.workflow.getHandle(workflowIdFor('share', g.requestId));
  await expect(handle.executeUpdate(askOnwardProvisionUpdate, { args: [{ actor: g.me, ...askBody(), thirdPartyOrg: centre }] })).rejects.toMatchObject({
    cause: { type: 'InvalidInput' },
  });
  expect((await call(g.me, 'GET', `/grants/${g.grantId}`)).json().onwardProvisions).toEqual([]);
  // An authority is a government department too.
  expect((await ask(g.me, g.grantId, { ...askBody(), thirdPartyOrg: h.city.countyAuthority })).statusCode).toBe(202);
});

test('twenty decisions on the provider’s task at once: one stands, one answer recorded', async () => {
  const g = await grantOf();
  expect((await ask(g.me, g.grantId, askBody())).statusCode).toBe(202);
  const task = await openTask(g.requestId);
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      call(resources(`ow-r${i}`), 'POST', `/tasks/${task.id}/complete`, i % 2 ? { decision: 'CONSENT' } : { decision: 'REFUSE', reason: `理由 ${i}` }),
    ),
  );
  expect(answers.filter((a) => a.statusCode === 200)).toHaveLength(1);
  for (const a of answers.filter((x) => x.statusCode !== 200)) expect([403, 409]).toContain(a.statusCode);
  const completed = await h.db
    .selectFrom('audit_events')
    .select(['id', 'actor_sub', 'decision'])
    .where('task_id', '=', task.id)
    .where('action', '=', 'task_completed')
    .execute();
  expect(completed).toHaveLength(1);
  // The one answered 200 is the one recorded: its reviewer and its decision.
  const winner = answers.findIndex((a) => a.statusCode === 200);
  expect(completed[0]).toMatchObject({ actor_sub: `ow-r${winner}`, decision: winner % 2 ? 'CONSENT' : 'REFUSE' });
  await eventually(
    async () =>
      (await h.db.selectFrom('audit_events').select('id').where('task_id', '=', task.id).where('action', 'like', 'onward_provision_%').execute()).length === 1,
  );
});

test('twenty asks at once: one stands, the others refused naming the rule', async () => {
  const g = await grantOf();
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => ask({ ...g.me, sub: `ow-at-once-${i}` }, g.grantId, askBody())));
  expect(answers.filter((a) => a.statusCode === 202)).toHaveLength(1);
  for (const a of answers.filter((x) => x.statusCode !== 202))
    expect(a.json().errors?.[0]?.rule ?? a.json().code).toMatch(/one ask at a time|RequestNotActive/);
  await openTask(g.requestId);
  const tasks = await h.db.selectFrom('tasks').select('id').where('request_id', '=', g.requestId).where('kind', '=', 'SHARE_ONWARD_PROVISION').execute();
  expect(tasks).toHaveLength(1);
});
