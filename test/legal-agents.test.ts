// A legal person acts through authorised agents (经办人, Art. 10 ¶2, Art. 29), each a natural person of their own,
// over HTTP against real Temporal and PostgreSQL: its own account authorises and revokes them; an agent applies in
// its name; another agent signs; the legal person's account sees it all; others see nothing; a revocation bites at
// the agent's next request; an authorisation made before the agent registers takes effect when they do.
import { randomUUID } from 'node:crypto';
import { sampleResidentId } from '../db/seed';
import { maskIdentityDocument, usccWithCheck } from '../domain/ids';
import type { Actor } from '../domain/types';
import { expectProblem, startApi, type Api } from './api-helpers';
import { eventually, startHarness, TEST_OPEN_REQUEST_POLICY, type Harness } from './helpers';

let h: Harness;
let api: Api;
beforeAll(async () => {
  h = await startHarness('legalagents');
  api = await startApi(h, { policies: { open_request: TEST_OPEN_REQUEST_POLICY } });
});
afterAll(async () => {
  await api.app.close();
  await h.close();
});

// Principals are unique across the database: every sign-in, number and code of this run is its own.
const run = randomUUID().slice(0, 8);
const person = (name: string): Actor => ({ sub: `${name}.${run}`, org: null, roles: ['public_applicant'] });
const numberOf = (a: Actor) => sampleResidentId(a.sub);
const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
/** A valid credit code of this run (a company, 91, registered in Rizhao). */
const usccOf = (seed: string) =>
  usccWithCheck(
    `91371102${[...`${seed}${run}`.padEnd(9, '0')]
      .slice(0, 9)
      .map((c) => USCC_ALPHABET[c.charCodeAt(0) % 31])
      .join('')}`,
  );

const send = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', actor: Actor, url: string, payload?: object) =>
  api.app.inject({ method, url, payload, headers: api.as(actor) });
const get = (actor: Actor, url: string) => send('GET', actor, url);
const post = (actor: Actor, url: string, payload?: object) => send('POST', actor, url, payload);

async function registerNatural(actor: Actor, name: string, residentId = numberOf(actor)) {
  const res = await send('PUT', actor, '/principals/me', { kind: 'natural', name, residentId });
  expect(`${res.statusCode} ${res.body.slice(0, 200)}`).toMatch(/^200 /);
  return res.json();
}
async function registerLegal(actor: Actor, name: string, uscc: string) {
  const res = await send('PUT', actor, '/principals/me', { kind: 'legal', name, uscc });
  expect(`${res.statusCode} ${res.body.slice(0, 200)}`).toMatch(/^200 /);
}
async function authorise(legal: Actor, name: string, residentId: string) {
  const res = await post(legal, '/principals/me/agents', { name, residentId });
  expect(`${res.statusCode} ${res.body.slice(0, 200)}`).toMatch(/^201 /);
  return res.json() as { id: string; status: string; residentIdMasked: string; name: string };
}

const form = (onBehalfOf?: string) => ({
  catalogEntryId: h.city.entries.conditionalOpen,
  purpose: '研究城市土地供应与企业选址的关系',
  scenario: '企业选址分析',
  fields: ['parcel', 'area', 'price'],
  accessMethod: 'sandbox',
  securityMeasures: '数据仅存放于数据沙箱,经办人员签署保密承诺',
  termMonths: 12,
  ...(onBehalfOf ? { onBehalfOf } : {}),
});
type TaskItem = { id: string; requestId: string; kind: string };
const inbox = async (actor: Actor, kind: string) => (await get(actor, `/tasks?kind=${kind}`)).json().items as TaskItem[];
const taskOf = (actor: Actor, requestId: string, kind: string) => eventually(async () => (await inbox(actor, kind)).find((t) => t.requestId === requestId));
const requestIds = async (actor: Actor) => ((await get(actor, '/requests?limit=100')).json().items as { id: string }[]).map((r) => r.id);
const agreementIds = async (actor: Actor) => ((await get(actor, '/agreements?limit=100')).json().items as { id: string }[]).map((a) => a.id);

const corp = person('corp');
const corpName = '日照海岸数据科技有限公司';
const uscc = usccOf('corp');
const agent1 = person('zhang');
const agent2 = person('li');
const outsider = person('wang');
const otherCorp = person('othercorp');
const otherUscc = usccOf('other');
const otherAgent = person('zhao');
const agency: Actor = { sub: `review.${run}`, org: '', roles: ['provider_reviewer'] };

beforeAll(async () => {
  agency.org = h.city.agencies.resources;
  await registerLegal(corp, corpName, uscc);
  await registerLegal(otherCorp, '日照另一家有限公司', otherUscc);
  await registerNatural(agent1, '张三');
  await registerNatural(agent2, '李四');
  await registerNatural(outsider, '王五');
  await registerNatural(otherAgent, '赵六');
  await authorise(corp, '张三', numberOf(agent1));
  await authorise(corp, '李四', numberOf(agent2));
  await authorise(otherCorp, '赵六', numberOf(otherAgent));
});

test('two agents of one legal person: one applies in its name, the other signs; the legal person is the licensee, the agreement names the agent; nobody else sees or acts', async () => {
  // Each agent sees whom they may act for; the legal person's account lists its agents, numbers masked.
  expect((await get(agent1, '/principals/me')).json().actsFor).toEqual([{ uscc, name: corpName }]);
  expect((await get(agent1, '/me')).json().principal.actsFor).toEqual([{ uscc, name: corpName }]);
  expect((await get(outsider, '/principals/me')).json().actsFor).toEqual([]);
  const agents = (await get(corp, '/principals/me/agents')).json().items as { name: string; residentIdMasked: string; status: string }[];
  expect(agents.map((a) => [a.name, a.residentIdMasked, a.status]).sort()).toEqual([
    ['张三', maskIdentityDocument(numberOf(agent1)), 'active'],
    ['李四', maskIdentityDocument(numberOf(agent2)), 'active'],
  ]);
  expect(JSON.stringify(agents)).not.toContain(numberOf(agent1));
  // The agent registered before the authorisation is told of it, in Chinese.
  const told = (await get(agent1, '/notifications')).json().items as { kind: string; message: string }[];
  expect(told.find((n) => n.kind === 'agent_authorised')?.message).toContain(corpName);

  // Agent 1 applies in the legal person's name.
  const res = await post(agent1, '/open-requests', form(uscc));
  expect(`${res.statusCode} ${res.body.slice(0, 300)}`).toMatch(/^201 /);
  const req = res.json() as { id: string; applicant: { sub: string; legalPerson: string } };
  expect(req.applicant).toMatchObject({ sub: agent1.sub, legalPerson: uscc });

  const review = await taskOf(agency, req.id, 'OPEN_REQUEST_REVIEW');
  expect((await post(agency, `/tasks/${review.id}/complete`, { decision: 'APPROVE' })).json().status).toBe('awaiting_signature');
  const agreementId = `${req.id}.agreement`;

  // The licensee is the legal person; the agreement names agent 1 as 经办人, their number masked.
  const agreement = (await get(agent2, `/agreements/${agreementId}`)).json();
  expect(agreement.licensee).toMatchObject({
    name: corpName,
    identity: `统一社会信用代码 ${uscc}`,
    legalPerson: uscc,
    agent: { name: '张三', identity: `居民身份证 ${maskIdentityDocument(numberOf(agent1))}` },
  });
  expect(agreement.text).toContain(`乙方(数据利用主体):${corpName}(统一社会信用代码 ${uscc})`);
  expect(agreement.text).toContain(`乙方经办人:张三(居民身份证 ${maskIdentityDocument(numberOf(agent1))})`);
  expect(agreement.text).not.toContain(numberOf(agent1));
  expect((await get(agent2, `/agreements/${agreementId}/document`)).body).toContain('乙方经办人');

  // The signature task is the legal person's: in both agents' inboxes and its own account's; nobody else's.
  const signature = await taskOf(agent2, req.id, 'AGREEMENT_SIGNATURE');
  expect((await inbox(agent1, 'AGREEMENT_SIGNATURE')).map((t) => t.id)).toContain(signature.id);
  expect((await inbox(corp, 'AGREEMENT_SIGNATURE')).map((t) => t.id)).toContain(signature.id);
  for (const stranger of [outsider, otherAgent, otherCorp]) {
    expect((await inbox(stranger, 'AGREEMENT_SIGNATURE')).map((t) => t.id)).not.toContain(signature.id);
    expect([403, 404]).toContain(
      (await post(stranger, `/tasks/${signature.id}/complete`, { decision: 'SIGN', form: { sha256: agreement.sha256 } })).statusCode,
    );
    expectProblem(await get(stranger, `/requests/${req.id}`), 404);
    expectProblem(await get(stranger, `/agreements/${agreementId}`), 404);
    expect(await requestIds(stranger)).not.toContain(req.id);
    expect(await agreementIds(stranger)).not.toContain(agreementId);
  }
  // The legal person is told of the task: its agents read the notice.
  expect(((await get(agent2, '/notifications')).json().items as { taskId: string | null }[]).some((n) => n.taskId === signature.id)).toBe(true);

  // Agent 1 claims the signature: agent 2 may not claim it over them, but gives it back (the task is the legal person's).
  expect((await post(agent1, `/tasks/${signature.id}/claim`)).statusCode).toBe(200);
  expectProblem(await post(agent2, `/tasks/${signature.id}/claim`), 409);
  expect((await post(agent2, `/tasks/${signature.id}/unclaim`)).statusCode).toBe(200);
  expect((await get(agent2, `/tasks/${signature.id}`)).json().assignee).toBeNull();

  // Agent 2 signs; the agency countersigns.
  const signed = await post(agent2, `/tasks/${signature.id}/complete`, { decision: 'SIGN', form: { sha256: agreement.sha256 } });
  expect(`${signed.statusCode} ${signed.body.slice(0, 300)}`).toMatch(/^200 /);
  const counter = await taskOf(agency, req.id, 'AGREEMENT_COUNTERSIGNATURE');
  expect((await post(agency, `/tasks/${counter.id}/complete`, { decision: 'SIGN', form: { sha256: agreement.sha256 } })).json().status).toBe('granted');

  // The legal person's account and both agents see the request and the agreement; the trail names the agent who signed.
  for (const insider of [corp, agent1, agent2]) {
    expect(await requestIds(insider)).toContain(req.id);
    expect(await agreementIds(insider)).toContain(agreementId);
  }
  const inForce = (await get(corp, `/agreements/${agreementId}`)).json();
  expect(inForce).toMatchObject({
    status: 'in_force',
    signatures: [
      { party: 'licensee', sub: agent2.sub },
      { party: 'provider', sub: agency.sub },
    ],
  });
  const trail = (await get(corp, `/requests/${req.id}/history`)).json().items as { action: string; actor: { sub: string | null } }[];
  expect(trail.find((e) => e.action === 'submitted')?.actor.sub).toBe(agent1.sub);
  expect(trail.find((e) => e.action === 'agreement_signed')?.actor.sub).toBe(agent2.sub);

  // Any current agent may terminate as licensee; an agent of another legal person may not.
  expectProblem(await post(otherAgent, `/agreements/${agreementId}/terminate`, { reason: '越权' }), 404);
  const ended = await post(agent1, `/agreements/${agreementId}/terminate`, { reason: '项目结束' });
  expect(`${ended.statusCode} ${ended.body.slice(0, 300)}`).toMatch(/^200 /);
  expect(ended.json().status).toBe('terminated');
});

test('revoking an agent: their next request acts for the legal person no more, and its requests vanish from their inbox and list', async () => {
  const third = person('sun');
  await registerNatural(third, '孙七');
  const grant = await authorise(corp, '孙七', numberOf(third));
  const res = await post(agent1, '/open-requests', form(uscc));
  expect(res.statusCode).toBe(201);
  const req = res.json() as { id: string };
  const review = await taskOf(agency, req.id, 'OPEN_REQUEST_REVIEW');
  expect((await post(agency, `/tasks/${review.id}/complete`, { decision: 'REQUEST_INFO', reason: '请说明项目立项情况' })).json().status).toBe(
    'awaiting_applicant',
  );
  const reply = await taskOf(third, req.id, 'OPEN_REQUEST_APPLICANT_REPLY');
  expect(await requestIds(third)).toContain(req.id);

  const revoked = await send('DELETE', corp, `/principals/me/agents/${grant.id}`);
  expect(revoked.json()).toMatchObject({ id: grant.id, status: 'revoked', revokedAt: expect.any(String) });
  expectProblem(await send('DELETE', corp, `/principals/me/agents/${grant.id}`), 404);
  // At once: their next request.
  expect((await get(third, '/principals/me')).json().actsFor).toEqual([]);
  expect((await inbox(third, 'OPEN_REQUEST_APPLICANT_REPLY')).map((t) => t.id)).not.toContain(reply.id);
  expect(await requestIds(third)).not.toContain(req.id);
  expectProblem(await get(third, `/requests/${req.id}`), 404);
  expect([403, 404]).toContain((await post(third, `/tasks/${reply.id}/complete`, { decision: 'REPLY', reason: '已立项' })).statusCode);
  expectProblem(await post(third, '/open-requests', form(uscc)), 403, 'body.onBehalfOf');
  expect(((await get(third, '/notifications')).json().items as { kind: string }[]).some((n) => n.kind === 'agent_revoked')).toBe(true);
  // Its other agents act on as before; the legal person's own account may withdraw the request.
  expect((await post(agent2, `/tasks/${reply.id}/complete`, { decision: 'REPLY', reason: '已立项' })).json().status).toBe('in_review');
  expect((await post(corp, `/requests/${req.id}/cancel`, { reason: '不再需要' })).json().status).toBe('cancelled');
});

test('an authorisation made before the agent registers takes effect when they do; a different name grants nothing', async () => {
  const later = person('qian');
  await authorise(corp, '钱八', numberOf(later));
  expect((await get(later, '/me')).json().principal).toBeNull();
  expect((await registerNatural(later, '钱八')).actsFor).toEqual([{ uscc, name: corpName }]);
  const demand = await post(later, '/open-demands', {
    catalogEntryId: h.city.entries.conditionalOpen,
    description: '请开放地块数据的更多字段',
    purpose: '企业选址',
    onBehalfOf: uscc,
  });
  expect(`${demand.statusCode} ${demand.body.slice(0, 300)}`).toMatch(/^201 /);
  expect(demand.json().applicant.legalPerson).toBe(uscc);
  expect(await requestIds(corp)).toContain(demand.json().id);
  expect(await requestIds(agent1)).toContain(demand.json().id);

  const misnamed = person('zhou');
  await authorise(corp, '周九', numberOf(misnamed));
  expect((await registerNatural(misnamed, '周久')).actsFor).toEqual([]);
  expectProblem(await post(misnamed, '/open-requests', form(uscc)), 403, 'body.onBehalfOf', 'an authorised agent');
  expectProblem(
    await post(otherAgent, '/open-demands', { catalogEntryId: h.city.entries.conditionalOpen, description: '开放', purpose: '选址', onBehalfOf: uscc }),
    403,
    'body.onBehalfOf',
  );
  // The administrator learns nothing of who is registered: the answer is the same either way.
  const unknown = await authorise(corp, '吴十', sampleResidentId(`nobody.${run}`));
  expect(Object.keys(unknown).sort()).toEqual(Object.keys(await authorise(corp, '郑十一', sampleResidentId(`nobody2.${run}`))).sort());
});

test('only a legal person’s own account administers agents; hostile input is refused naming the field', async () => {
  expectProblem(await get(agent1, '/principals/me/agents'), 403);
  expectProblem(await post(agent1, '/principals/me/agents', { name: '张三', residentId: numberOf(outsider) }), 403);
  expectProblem(await get(person('unregistered'), '/principals/me/agents'), 409);
  expectProblem(await api.app.inject({ method: 'GET', url: '/principals/me/agents', headers: api.as(agency) }), 403);
  expectProblem(await send('DELETE', otherCorp, `/principals/me/agents/${(await authorise(corp, '冯十二', sampleResidentId(`feng.${run}`))).id}`), 404);

  const good = sampleResidentId(`hostile.${run}`);
  const wrongCheck = good.slice(0, 17) + (good[17] === '0' ? '1' : '0');
  const cases: [object, string][] = [
    [{ name: '张三', residentId: wrongCheck }, 'body.residentId'],
    [{ name: '张三', residentId: '1'.repeat(19) }, 'body.residentId'],
    [{ name: '张三', residentId: '\u0000abc' }, 'body.residentId'],
    [{ name: ' ', residentId: good }, 'body.name'],
    [{ name: 'x'.repeat(201), residentId: good }, 'body.name'],
    [{ name: '张三', residentId: good, documentType: 'passport' }, 'body.documentType'],
    [{ name: '张三' }, 'body.residentId'],
  ];
  for (const [payload, field] of cases) expectProblem(await post(corp, '/principals/me/agents', payload), 400, field);
  expectProblem(await post(corp, '/principals/me/agents', { name: '张三', residentId: good, extra: 1 }), 400);
  // The same number twice while in force.
  await authorise(corp, '褚十三', good);
  expectProblem(await post(corp, '/principals/me/agents', { name: '褚十三', residentId: good }), 409);
  // onBehalfOf: a malformed code, a wrong check character, one never registered.
  expectProblem(await post(agent1, '/open-requests', form('not-a-code')), 400, 'body.onBehalfOf');
  expectProblem(await post(agent1, '/open-requests', form(uscc.slice(0, 17) + (uscc[17] === '0' ? '1' : '0'))), 400, 'body.onBehalfOf');
  expectProblem(await post(agent1, '/open-requests', form(usccOf('never'))), 403, 'body.onBehalfOf');
  expectProblem(await post(agent1, '/open-requests', form('\u0000'.repeat(18))), 400, 'body.onBehalfOf');
});
