// The authorization matrix: every route of the API × every kind of caller, from one table. A route
// the API serves that the table lacks fails the first test, so a new route cannot be forgotten.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSigner } from 'fast-jwt';
import { sampleEntryContent, seedCity, type SeededCity } from '../db/seed';
import type { Actor } from '../domain/types';
import { refusedShare, registerPrincipal, startApi, TEST_JWT_SECRET, TEST_POLICIES, validShareBody, type Api } from './api-helpers';
import { sampleResidentId } from '../db/seed';
import { insertPeople } from '../db/repositories/people';
import { usccWithCheck } from '../domain/ids';
import { eventually, startHarness, type Harness } from './helpers';

let h: Harness;
let api: Api;
/** Reviews due in 2 s that escalate 1 s later: the authority's task gains its own head as candidate. */
let escalating: Api;
let other: SeededCity;
let shared: Req;
/** An adjustment whose public consultation is open (Art. 18 ¶2). */
let consultation: string;
/** A member of the public's agreement on the health agency's entry, drafted and awaiting their signature (Art. 20). */
let agreement: string;
/** An authorisation of the legal person's, in force, for its own account to revoke. */
let authorisation: string;
/** A delegation (代理) of the applicant's to a colleague, in force, for the applicant to end. */
let delegation: string;
/** A webhook subscription of the city authority's, made by its admin, for them to end. */
let webhook: string;

interface Req {
  id: string;
  authorityTask: string;
  providerTask: string;
  /** A grant of the applicant's organisation on another agency's entry. */
  grant: string;
  /** A share request of the applicant's, refused (the provider disagreed, the authority rejected): disputable. */
  refused: string;
}

beforeAll(async () => {
  h = await startHarness('matrix');
  // A console build of two files, so that its routes answer the same whether or not console/dist was built.
  const consoleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdw-console-'));
  fs.mkdirSync(path.join(consoleDir, 'assets'));
  fs.writeFileSync(path.join(consoleDir, 'index.html'), '<!doctype html><title>console</title>');
  fs.writeFileSync(path.join(consoleDir, 'assets', 'app.js'), 'export {};');
  // One admin of the other city is named a platform operator; the other admin there is not.
  api = await startApi(h, { consoleDir, platformOperators: ['matrix-operator'], metricsToken: `matrix-metrics-${randomUUID()}` });
  const seconds = (n: number) => ({ seconds: n });
  escalating = await startApi(h, {
    policies: {
      share: {
        ...TEST_POLICIES.share,
        jointReview: seconds(2),
        regulationReview: seconds(2),
        regulationOpinion: seconds(2),
        reminderBefore: seconds(1),
        escalateAfter: seconds(1),
      },
    },
  });
  const prefix = `matrix-other-${randomUUID().slice(0, 6)}`;
  other = await seedCity(h.db, prefix, prefix);
  // A task goes only to someone the directory of people knows: the authority's reviewer has used the API.
  expect((await api.app.inject({ method: 'GET', url: '/me', headers: api.as(PRINCIPALS.authority()) })).statusCode).toBe(200);
  shared = await newRequest();
  const priority = { ...sampleEntryContent('矩阵重点开放目录'), priorityOpen: true };
  const res = await api.app.inject({
    method: 'POST',
    url: '/catalog/adjustments',
    payload: { ground: 'correction', justification: 'matrix', changes: [{ op: 'add', entry: priority }] },
    headers: api.as(applicant()),
  });
  expect(res.json().outcome).toMatchObject({ article: 'Art. 18' });
  consultation = res.json().id;
  await registerPrincipal(api, PRINCIPALS.publicApplicant());
  const applied = await api.app.inject({ method: 'POST', url: '/open-requests', payload: openRequestBody(), headers: api.as(PRINCIPALS.publicApplicant()) });
  expect(applied.statusCode).toBe(201);
  const review = applied.json().tasks.find((t: { kind: string }) => t.kind === 'OPEN_REQUEST_REVIEW').id;
  const approved = await api.app.inject({
    method: 'POST',
    url: `/tasks/${review}/complete`,
    payload: { decision: 'APPROVE' },
    headers: api.as(PRINCIPALS.provider()),
  });
  agreement = approved.json().outcome.agreementId;
  // A legal person, and an agent it authorised (经办人, Art. 29).
  const legal = await api.app.inject({
    method: 'PUT',
    url: '/principals/me',
    payload: { kind: 'legal', name: '矩阵科技有限公司', uscc: MATRIX_USCC },
    headers: api.as(PRINCIPALS.legalPerson()),
  });
  expect(legal.statusCode).toBe(200);
  await registerPrincipal(api, PRINCIPALS.agent(), '矩阵经办人');
  const authorise = (name: string, seed: string) =>
    api.app.inject({
      method: 'POST',
      url: '/principals/me/agents',
      payload: { name, residentId: sampleResidentId(seed) },
      headers: api.as(PRINCIPALS.legalPerson()),
    });
  expect((await authorise('矩阵经办人', 'matrix-agent')).statusCode).toBe(201);
  authorisation = (await authorise('矩阵撤销', 'matrix-revoked')).json().id;
  // A webhook of the city authority's (issue 26 §2), made by its admin, for them to end.
  const hooked = await api.app.inject({
    method: 'POST',
    url: '/webhooks',
    payload: { url: 'https://hooks.example.org/matrix', events: ['catalog_published'] },
    headers: api.as(PRINCIPALS.admin() as Actor),
  });
  expect(hooked.statusCode).toBe(201);
  webhook = hooked.json().id;
  // A colleague of the applicant's the directory knows (a delegate to name, 代理), and a delegation of the applicant's to end.
  await insertPeople(h.db, [{ sub: 'matrix-stand-in', org: h.city.agencies.market, roles: ['agency_applicant'], name: '矩阵代理人' }]);
  const made = await api.app.inject({
    method: 'POST',
    url: '/delegations',
    headers: api.as(applicant()),
    payload: { delegate: 'matrix-stand-in', endsAt: new Date(Date.now() + 86_400_000).toISOString(), kinds: ['WITHDRAWAL_REVIEW'], reason: '矩阵' },
  });
  expect(made.statusCode).toBe(201);
  delegation = made.json().id;
});
afterAll(async () => {
  await escalating?.app.close();
  await api.app.close();
  await h.close();
});

/** The matrix's legal person's credit code (its own account registers it). */
const MATRIX_USCC = usccWithCheck('91371102MAT8RX001');
const openRequestBody = () => ({
  catalogEntryId: h.city.entries.conditional,
  purpose: 'matrix',
  scenario: 'matrix',
  accessMethod: 'api',
  securityMeasures: 'matrix',
  termMonths: 6,
});
const SCENARIO = `matrix scenario ${randomUUID()}`;
const applicant = (): Actor => ({ sub: 'matrix-alice', org: h.city.agencies.market, roles: ['agency_applicant'] });

async function newRequest(): Promise<Req> {
  const res = await api.app.inject({
    method: 'POST',
    url: '/share-requests',
    payload: { ...validShareBody(h.city.entries.conditional), scenario: SCENARIO },
    headers: api.as(applicant()),
  });
  expect(res.statusCode).toBe(201);
  const body = res.json();
  const task = (kind: string) => body.tasks.find((t: { kind: string }) => t.kind === kind).id as string;
  const granted = await api.app.inject({
    method: 'POST',
    url: '/share-requests',
    payload: validShareBody(h.city.entries.conditionalOpen),
    headers: api.as(applicant()),
  });
  expect(granted.json().status).toBe('granted');
  return {
    id: body.id,
    authorityTask: task('SHARE_JOINT_REVIEW'),
    providerTask: task('SHARE_PROVIDER_OPINION'),
    grant: granted.json().grant.id,
    refused: await refusedShare(api, h.city, applicant()),
  };
}

/** Callers: tokens that are no identity, and people of every role, here, in the same city, and elsewhere. */
const PRINCIPALS = {
  anonymous: () => null,
  expired: () =>
    createSigner({ key: TEST_JWT_SECRET, expiresIn: 1 })({ sub: 'x', org: h.city.cityAuthority, roles: ['admin'], iat: 1_000_000, exp: 1_000_001 }),
  wrongSecret: () =>
    createSigner({ key: 'another-secret-0123456789-0123456789', expiresIn: 60_000 })({ sub: 'x', org: h.city.cityAuthority, roles: ['admin'] }),
  algNone: () =>
    `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', org: h.city.cityAuthority, roles: ['admin'], exp: Math.floor(Date.now() / 1000) + 60 })).toString('base64url')}.`,
  unknownOrg: (): Actor => ({ sub: 'ghost', org: 'no-such-organisation', roles: ['authority_reviewer'] }),
  applicant,
  colleague: (): Actor => ({ sub: 'matrix-colleague', org: h.city.agencies.market, roles: ['agency_applicant'] }),
  authority: (): Actor => ({ sub: 'matrix-bob', org: h.city.cityAuthority, roles: ['authority_reviewer'] }),
  provider: (): Actor => ({ sub: 'matrix-carol', org: h.city.agencies.health, roles: ['provider_reviewer'] }),
  providerAlsoApplicant: (): Actor => ({ sub: 'matrix-dan', org: h.city.agencies.health, roles: ['provider_reviewer', 'agency_applicant'] }),
  // The head of the provider's 政务数据共享工作机构: approves its extensions of an answer, gives no opinion itself.
  sharingHead: (): Actor => ({ sub: 'matrix-xu', org: h.city.agencies.health, roles: ['sharing_head'] }),
  // The head of the city authority's own data work: a candidate of the authority's task only once it escalated (督办升级, Art. 32).
  authorityHead: (): Actor => ({ sub: 'matrix-lin', org: h.city.cityAuthority, roles: ['sharing_head'] }),
  countyAuthority: (): Actor => ({ sub: 'matrix-county', org: h.city.countyAuthority, roles: ['authority_reviewer'] }),
  leadingGroup: (): Actor => ({ sub: 'matrix-lg', org: h.city.leadingGroup, roles: ['leading_group'] }),
  citySupervisor: (): Actor => ({ sub: 'matrix-sup', org: h.city.cityAuthority, roles: ['supervisor'] }),
  countySupervisor: (): Actor => ({ sub: 'matrix-csup', org: h.city.countyAuthority, roles: ['supervisor'] }),
  admin: (): Actor => ({ sub: 'matrix-admin', org: h.city.cityAuthority, roles: ['admin'] }),
  publicApplicant: (): Actor => ({ sub: 'matrix-citizen', org: 'public', roles: ['public_applicant'] }),
  // A legal person's own account, and a natural person it authorised as its agent (经办人).
  legalPerson: (): Actor => ({ sub: 'matrix-corp', org: null, roles: ['public_applicant'] }),
  agent: (): Actor => ({ sub: 'matrix-agent', org: null, roles: ['public_applicant'] }),
  otherCityAuthority: (): Actor => ({ sub: 'matrix-far', org: other.cityAuthority, roles: ['authority_reviewer'] }),
  otherCitySupervisor: (): Actor => ({ sub: 'matrix-farsup', org: other.cityAuthority, roles: ['supervisor'] }),
  otherCityApplicant: (): Actor => ({ sub: 'matrix-alice', org: other.agencies.market, roles: ['agency_applicant'] }),
  // An admin administers their own city only; the operator the deployment names (PLATFORM_OPERATORS) every city.
  crossCityAdmin: (): Actor => ({ sub: 'matrix-faradmin', org: other.cityAuthority, roles: ['admin'] }),
  platformOperator: (): Actor => ({ sub: 'matrix-operator', org: other.cityAuthority, roles: ['admin'] }),
} satisfies Record<string, () => Actor | string | null>;
type Principal = keyof typeof PRINCIPALS;
const NOT_IDENTITIES: Principal[] = ['anonymous', 'expired', 'wrongSecret', 'algNone', 'unknownOrg'];

interface Route {
  call: (r: Req) => { method: 'GET' | 'POST' | 'PUT' | 'DELETE'; url: string; payload?: object };
  /** Answers that change state run on a request of their own, so each cell starts from the same state. */
  mutates?: boolean;
  /** Expected status by caller; `rest` for every valid identity not named. Non-identities always get 401. */
  expect: Partial<Record<Principal, number>> & { rest: number };
  /** A bulk route's one row, as its `status`: 200 done, else its problem's status (those of the single route). */
  rows?: Partial<Record<Principal, number>> & { rest: number };
  public?: boolean;
}

const seeRequest = {
  applicant: 200,
  authority: 200,
  provider: 200,
  providerAlsoApplicant: 200,
  citySupervisor: 200,
  admin: 200,
  platformOperator: 200,
} as const;
const seeAgreement = {
  publicApplicant: 200,
  provider: 200,
  providerAlsoApplicant: 200,
  // The providing agency's own staff read its agreements, its head of sharing work among them.
  sharingHead: 200,
  authority: 200,
  citySupervisor: 200,
  admin: 200,
  platformOperator: 200,
} as const;
const seeAuthorityTask = { authority: 200, citySupervisor: 200, admin: 200, platformOperator: 200 } as const;

/** One row per route the API serves, keyed as the OpenAPI document names it. */
const MATRIX: Record<string, Route> = {
  'POST /share-requests': {
    call: () => ({ method: 'POST', url: '/share-requests', payload: validShareBody(h.city.entries.unconditional) }),
    expect: { rest: 403, applicant: 201, colleague: 201, providerAlsoApplicant: 201, otherCityApplicant: 201 },
  },
  'POST /catalog/adjustments': {
    // A new entry of the caller's own catalog: an applicant of any agency may apply (to its own level's authority).
    call: () => ({
      method: 'POST',
      url: '/catalog/adjustments',
      payload: { ground: 'new_system', justification: 'matrix', changes: [{ op: 'add', entry: sampleEntryContent('矩阵测试目录') }] },
    }),
    expect: { rest: 403, applicant: 201, colleague: 201, providerAlsoApplicant: 201, otherCityApplicant: 201 },
  },
  'POST /disputes': {
    // Only the city authority, on a city-level agency's entry of its own city (Art. 13 ¶3).
    call: () => ({
      method: 'POST',
      url: '/disputes',
      payload: {
        catalogEntryId: h.city.entries.unconditional,
        proposal: { attribute: 'CONDITIONAL', reasons: 'matrix', conditions: 'matrix', basis: [] },
        objection: 'matrix',
      },
    }),
    expect: { rest: 403, authority: 201, otherCityAuthority: 400 },
  },
  'POST /refusal-disputes': {
    // The refused request's applicant organisation (《政务数据共享条例》); another organisation's applicant does not see it.
    call: (r) => ({ method: 'POST', url: '/refusal-disputes', payload: { shareRequestId: r.refused, reason: 'matrix' } }),
    mutates: true,
    expect: { rest: 403, applicant: 201, colleague: 201, providerAlsoApplicant: 404, otherCityApplicant: 404 },
  },
  'GET /catalog/export': { call: () => ({ method: 'GET', url: '/catalog/export?format=csv' }), expect: { rest: 200 } },
  'POST /catalog/adjustments/import': {
    // A dry run: the rows are read and checked, nothing starts.
    call: () => ({
      method: 'POST',
      url: '/catalog/adjustments/import',
      payload: {
        ground: 'correction',
        justification: 'matrix',
        format: 'csv',
        dryRun: true,
        file: Buffer.from(
          'title,fields,field_labels,form,update_frequency,share_attribute,open_attribute,open_basis\n矩阵,a | string |  | ,甲,table,每月,UNCONDITIONAL,NONE,law | 某法 | 第一条\n',
        ).toString('base64'),
      },
    }),
    expect: { rest: 403, applicant: 200, colleague: 200, providerAlsoApplicant: 200, otherCityApplicant: 200 },
  },
  // A public consultation: anyone signed in reads it and comments (Art. 18 ¶2).
  'POST /catalog/adjustments/{id}/comments': {
    call: () => ({ method: 'POST', url: `/catalog/adjustments/${consultation}/comments`, payload: { kind: 'public', text: 'matrix comment' } }),
    expect: { rest: 201 },
  },
  'GET /catalog/adjustments/{id}/consultation': {
    call: () => ({ method: 'GET', url: `/catalog/adjustments/${consultation}/consultation` }),
    expect: { rest: 200 },
  },
  'POST /open-demands': {
    // Anyone applying (the public, an agency's applicant) may ask for data to be opened (Art. 21 ¶1).
    call: () => ({ method: 'POST', url: '/open-demands', payload: { catalogEntryId: h.city.entries.none, description: 'matrix', purpose: 'matrix' } }),
    expect: {
      rest: 403,
      applicant: 201,
      colleague: 201,
      providerAlsoApplicant: 201,
      otherCityApplicant: 201,
      publicApplicant: 201,
      legalPerson: 201,
      agent: 201,
    },
  },
  'POST /withdrawals': {
    call: () => ({ method: 'POST', url: '/withdrawals', payload: { catalogEntryId: h.city.entries.conditional, right: 'matrix', reasons: 'matrix' } }),
    expect: {
      rest: 403,
      applicant: 201,
      colleague: 201,
      providerAlsoApplicant: 201,
      otherCityApplicant: 201,
      publicApplicant: 201,
      legalPerson: 201,
      agent: 201,
    },
  },
  'POST /corrections': {
    // Those using the entry's data (Art. 11): the applicant's agency holds a grant of it; nobody else here uses it
    // (data open on conditions, the citizen's agreement not yet signed).
    call: () => ({ method: 'POST', url: '/corrections', payload: { catalogEntryId: h.city.entries.conditionalOpen, problem: 'matrix' } }),
    expect: { rest: 403, applicant: 201, colleague: 201 },
  },
  'POST /open-requests': {
    // Only a member of the public applies to use conditionally open data (Art. 20).
    call: () => ({ method: 'POST', url: '/open-requests', payload: openRequestBody() }),
    expect: { rest: 403, publicApplicant: 201, legalPerson: 201, agent: 201 },
  },
  // A member of the public says who they are, and reads it back; nobody else has a principal.
  'GET /principals/me': { call: () => ({ method: 'GET', url: '/principals/me' }), expect: { rest: 403, publicApplicant: 200, legalPerson: 200, agent: 200 } },
  'PUT /principals/me': {
    // The citizen's own number: another sign-in claiming it is an operator's case (409), never told whose it is.
    call: () => ({ method: 'PUT', url: '/principals/me', payload: { kind: 'natural', name: 'matrix', residentId: sampleResidentId('matrix-citizen') } }),
    expect: { rest: 403, publicApplicant: 200, legalPerson: 409, agent: 409 },
  },
  // A legal person's own account administers its agents (经办人, Art. 29); nobody else, its agents included.
  'GET /principals/me/agents': { call: () => ({ method: 'GET', url: '/principals/me/agents' }), expect: { rest: 403, legalPerson: 200 } },
  'POST /principals/me/agents': {
    call: () => ({ method: 'POST', url: '/principals/me/agents', payload: { name: '矩阵新经办人', residentId: sampleResidentId('matrix-new-agent') } }),
    expect: { rest: 403, legalPerson: 201 },
  },
  'DELETE /principals/me/agents/{id}': {
    call: () => ({ method: 'DELETE', url: `/principals/me/agents/${authorisation}` }),
    expect: { rest: 403, legalPerson: 200 },
  },
  'GET /agreements': { call: () => ({ method: 'GET', url: '/agreements' }), expect: { rest: 200 } },
  // The licensee, the providing agency, and the authorities and supervisors over it (not a county's).
  'GET /agreements/{id}': { call: () => ({ method: 'GET', url: `/agreements/${agreement}` }), expect: { rest: 404, ...seeAgreement } },
  'GET /agreements/{id}/document.pdf': {
    call: () => ({ method: 'GET', url: `/agreements/${agreement}/document.pdf` }),
    expect: { rest: 404, ...seeAgreement },
  },
  'GET /agreements/{id}/document': { call: () => ({ method: 'GET', url: `/agreements/${agreement}/document` }), expect: { rest: 404, ...seeAgreement } },
  'POST /agreements/{id}/terminate': {
    // Those who may terminate pass the checks and meet the state (not yet in force: 409); the authority may not.
    call: () => ({ method: 'POST', url: `/agreements/${agreement}/terminate`, payload: { reason: 'matrix breach' } }),
    expect: {
      rest: 404,
      authority: 403,
      citySupervisor: 403,
      admin: 403,
      platformOperator: 403,
      provider: 409,
      providerAlsoApplicant: 409,
      publicApplicant: 409,
      sharingHead: 403,
    },
  },
  // What the API says of its procedures: anyone signed in reads it.
  'GET /articles': { call: () => ({ method: 'GET', url: '/articles' }), expect: { rest: 200 } },
  'GET /articles/{number}': { call: () => ({ method: 'GET', url: '/articles/20' }), expect: { rest: 200 } },
  'GET /me': { call: () => ({ method: 'GET', url: '/me' }), expect: { rest: 200 } },
  'GET /organisations': { call: () => ({ method: 'GET', url: '/organisations' }), expect: { rest: 200 } },
  'GET /task-kinds': { call: () => ({ method: 'GET', url: '/task-kinds' }), expect: { rest: 200 } },
  'GET /request-types': { call: () => ({ method: 'GET', url: '/request-types' }), expect: { rest: 200 } },
  'GET /requests': { call: () => ({ method: 'GET', url: '/requests' }), expect: { rest: 200 } },
  'GET /requests/{id}': { call: (r) => ({ method: 'GET', url: `/requests/${r.id}` }), expect: { rest: 404, ...seeRequest } },
  'GET /requests/{id}/history': { call: (r) => ({ method: 'GET', url: `/requests/${r.id}/history` }), expect: { rest: 404, ...seeRequest } },
  'POST /requests/{id}/cancel': {
    call: (r) => ({ method: 'POST', url: `/requests/${r.id}/cancel`, payload: {} }),
    mutates: true,
    expect: {
      rest: 404,
      ...seeRequest,
      applicant: 200,
      authority: 403,
      provider: 403,
      providerAlsoApplicant: 403,
      citySupervisor: 403,
      admin: 403,
      platformOperator: 403,
    },
  },
  'GET /tasks': { call: () => ({ method: 'GET', url: '/tasks' }), expect: { rest: 200 } },
  'GET /tasks/{id}': { call: (r) => ({ method: 'GET', url: `/tasks/${r.authorityTask}` }), expect: { rest: 404, ...seeAuthorityTask } },
  'POST /tasks/{id}/claim': {
    call: (r) => ({ method: 'POST', url: `/tasks/${r.authorityTask}/claim` }),
    mutates: true,
    expect: { rest: 404, ...seeAuthorityTask, citySupervisor: 403, admin: 403, platformOperator: 403 },
  },
  'POST /tasks/{id}/unclaim': {
    // Nobody holds it: the candidate and the supervisors pass the checks and meet the state (403 NotAssignee).
    call: (r) => ({ method: 'POST', url: `/tasks/${r.authorityTask}/unclaim` }),
    expect: { rest: 404, authority: 403, citySupervisor: 403, admin: 403, platformOperator: 403 },
  },
  'POST /tasks/{id}/complete': {
    call: (r) => ({ method: 'POST', url: `/tasks/${r.authorityTask}/complete`, payload: { decision: 'CONSULT', reason: 'please look again' } }),
    mutates: true,
    expect: { rest: 404, ...seeAuthorityTask, citySupervisor: 403, admin: 403, platformOperator: 403 },
  },
  // Each caller's row answers as the single route would (the HTTP answer is 200 for everyone who is somebody).
  'POST /tasks/bulk-complete': {
    call: (r) => ({
      method: 'POST',
      url: '/tasks/bulk-complete',
      payload: { kind: 'SHARE_JOINT_REVIEW', taskIds: [r.authorityTask], decision: 'CONSULT', reason: 'please look again' },
    }),
    mutates: true,
    expect: { rest: 200 },
    rows: { rest: 404, ...seeAuthorityTask, citySupervisor: 403, admin: 403, platformOperator: 403 },
  },
  // 《政务数据共享条例》: the provider's reviewers ask once to extend their answer; a supervisor sees the task but asks nothing.
  'POST /tasks/{id}/extension-request': {
    call: (r) => ({ method: 'POST', url: `/tasks/${r.providerTask}/extension-request`, payload: { workingDays: 2, reason: '需协调核实' } }),
    mutates: true,
    expect: { rest: 404, provider: 200, providerAlsoApplicant: 200, citySupervisor: 403, admin: 403, platformOperator: 403 },
  },
  'POST /tasks/{id}/extend': {
    call: (r) => ({ method: 'POST', url: `/tasks/${r.authorityTask}/extend`, payload: { workingDays: 1, reason: 'awaiting a ruling' } }),
    mutates: true,
    expect: { rest: 404, authority: 403, citySupervisor: 200, admin: 200, platformOperator: 200 },
  },
  'POST /tasks/{id}/reassign': {
    call: (r) => ({ method: 'POST', url: `/tasks/${r.authorityTask}/reassign`, payload: { user: 'matrix-bob', reason: 'knows the file' } }),
    mutates: true,
    expect: { rest: 404, authority: 403, citySupervisor: 200, admin: 200, platformOperator: 200 },
  },
  // A supervisor of the task passes the checks and meets its state: due in an hour, it is not nearly due yet (409, the rule named).
  'POST /tasks/{id}/urge': {
    call: (r) => ({ method: 'POST', url: `/tasks/${r.authorityTask}/urge`, payload: { message: '请尽快办理' } }),
    expect: { rest: 404, authority: 403, citySupervisor: 409, admin: 409, platformOperator: 409 },
  },
  // Whom a supervisor may hand the task to: those who may reassign it (a candidate may not: 403).
  'GET /tasks/{id}/assignable': {
    call: (r) => ({ method: 'GET', url: `/tasks/${r.authorityTask}/assignable` }),
    expect: { rest: 404, authority: 403, citySupervisor: 200, admin: 200, platformOperator: 200 },
  },
  // One organisation's open work: its supervisors (and the admins reaching it); another's supervisor finds no such organisation.
  'GET /organisations/{id}/tasks': {
    call: () => ({ method: 'GET', url: `/organisations/${h.city.agencies.health}/tasks` }),
    expect: { rest: 403, citySupervisor: 200, countySupervisor: 404, admin: 200, otherCitySupervisor: 404, crossCityAdmin: 404, platformOperator: 200 },
  },
  'GET /overdue-tasks': {
    call: () => ({ method: 'GET', url: '/overdue-tasks' }),
    expect: { rest: 403, citySupervisor: 200, countySupervisor: 200, admin: 200, otherCitySupervisor: 200, crossCityAdmin: 200, platformOperator: 200 },
  },
  // The trail of what one oversees: an authority its division's, a supervisor and an admin theirs, an operator every city's.
  'GET /audit': {
    call: () => ({ method: 'GET', url: '/audit?format=jsonl' }),
    expect: {
      rest: 403,
      authority: 200,
      countyAuthority: 200,
      otherCityAuthority: 200,
      citySupervisor: 200,
      countySupervisor: 200,
      otherCitySupervisor: 200,
      admin: 200,
      crossCityAdmin: 200,
      platformOperator: 200,
    },
  },
  // An organisation's evaluation (Art. 32): its own staff, and the supervisors (and the admin) over its division; nobody else.
  'GET /evaluations': {
    call: () => ({ method: 'GET', url: `/evaluations?period=2026-Q4&organisation=${h.city.agencies.health}` }),
    expect: { rest: 403, provider: 200, providerAlsoApplicant: 200, sharingHead: 200, citySupervisor: 200, admin: 200 },
  },
  // A division's figure drilled down: the supervisors of that division or one above it (a county's does not reach the city's).
  // A division code is read in the caller's own region: the other city's supervisor and admins are answered their own city's.
  'GET /evaluations/requests': {
    call: () => ({ method: 'GET', url: '/evaluations/requests?period=2026-Q4&division=371100&figure=received' }),
    expect: { rest: 403, citySupervisor: 200, admin: 200, otherCitySupervisor: 200, crossCityAdmin: 200, platformOperator: 200 },
  },
  'GET /catalog': { call: () => ({ method: 'GET', url: '/catalog' }), expect: { rest: 200 } },
  'GET /catalog/{id}': { call: () => ({ method: 'GET', url: `/catalog/${h.city.entries.conditional}?version=1` }), expect: { rest: 200 } },
  'GET /catalog/similar': {
    call: () => ({ method: 'GET', url: `/catalog/similar?title=${encodeURIComponent('企业登记')}&fields=uscc` }),
    expect: { rest: 200 },
  },
  'GET /catalog/{id}/versions': { call: () => ({ method: 'GET', url: `/catalog/${h.city.entries.conditional}/versions` }), expect: { rest: 200 } },
  // Everyone reads an entry's error reports they may see: all for its agency and the authorities over it, their own for others.
  'GET /catalog/{id}/corrections': { call: () => ({ method: 'GET', url: `/catalog/${h.city.entries.conditionalOpen}/corrections` }), expect: { rest: 200 } },
  // An entry's data refreshes (Art. 10): recorded by its providing agency's staff only (the health commission's entry,
  // published today, so today is the one day to record: the first of its staff records it, the others find it
  // recorded); read by anyone who reads the catalog.
  'POST /catalog/{id}/refreshes': {
    call: () => ({
      method: 'POST',
      url: `/catalog/${h.city.entries.conditional}/refreshes`,
      payload: { dataUpdatedOn: new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10), note: 'matrix' },
    }),
    expect: { rest: 403, provider: 201, providerAlsoApplicant: 200, sharingHead: 200 },
  },
  'GET /catalog/{id}/refreshes': { call: () => ({ method: 'GET', url: `/catalog/${h.city.entries.conditional}/refreshes` }), expect: { rest: 200 } },
  'GET /notifications': { call: () => ({ method: 'GET', url: '/notifications' }), expect: { rest: 200 } },
  // The caller's changes as server-sent events (issue 26 §2), for every signed-in person: a stream of one second here.
  'GET /events': { call: () => ({ method: 'GET', url: '/events?seconds=1' }), expect: { rest: 200 } },
  // Notification settings (issue 26 §2): staff's own; webhooks and their dead letters an organisation's admin's.
  'GET /me/notification-preferences': {
    call: () => ({ method: 'GET', url: '/me/notification-preferences' }),
    expect: { rest: 200, publicApplicant: 403, legalPerson: 403, agent: 403 },
  },
  'PUT /me/notification-preferences': {
    call: () => ({
      method: 'PUT',
      url: '/me/notification-preferences',
      payload: { email: 'matrix@example.gov.cn', events: ['task_assigned'], channels: ['email'], digest: true },
    }),
    expect: { rest: 200, publicApplicant: 403, legalPerson: 403, agent: 403 },
  },
  'GET /webhooks': {
    call: () => ({ method: 'GET', url: '/webhooks' }),
    expect: { rest: 403, admin: 200, crossCityAdmin: 200, platformOperator: 200 },
  },
  'POST /webhooks': {
    call: () => ({ method: 'POST', url: '/webhooks', payload: { url: 'https://hooks.example.org/matrix', events: ['task_assigned'] } }),
    expect: { rest: 403, admin: 201, crossCityAdmin: 201, platformOperator: 201 },
  },
  // Another organisation's subscription does not exist for its admin.
  'DELETE /webhooks/{id}': {
    call: () => ({ method: 'DELETE', url: `/webhooks/${webhook}` }),
    expect: { rest: 403, admin: 204, crossCityAdmin: 404, platformOperator: 404 },
  },
  'GET /webhooks/dead-letters': {
    call: () => ({ method: 'GET', url: '/webhooks/dead-letters' }),
    expect: { rest: 403, admin: 200, crossCityAdmin: 200, platformOperator: 200 },
  },
  'POST /webhooks/dead-letters/{id}/redeliver': {
    call: () => ({ method: 'POST', url: '/webhooks/dead-letters/999999999999/redeliver' }),
    expect: { rest: 403, admin: 404, crossCityAdmin: 404, platformOperator: 404 },
  },
  // Delegation (代理): staff name a colleague the directory knows in their own organisation; a member of the public has none.
  'POST /delegations': {
    call: () => ({
      method: 'POST',
      url: '/delegations',
      payload: { delegate: 'matrix-stand-in', endsAt: new Date(Date.now() + 3_600_000).toISOString(), kinds: ['SHARE_PROVIDER_OPINION'], reason: '休假' },
    }),
    expect: { rest: 400, applicant: 201, colleague: 201, publicApplicant: 403, legalPerson: 403, agent: 403 },
  },
  'GET /delegations': { call: () => ({ method: 'GET', url: '/delegations' }), expect: { rest: 200 } },
  'GET /delegations/colleagues': {
    call: () => ({ method: 'GET', url: '/delegations/colleagues' }),
    expect: { rest: 200, publicApplicant: 403, legalPerson: 403, agent: 403 },
  },
  // Ended by its delegator alone; to anyone else it does not exist.
  'DELETE /delegations/{id}': {
    call: () => ({ method: 'DELETE', url: `/delegations/${delegation}` }),
    expect: { rest: 404, applicant: 200, publicApplicant: 403, legalPerson: 403, agent: 403 },
  },
  'GET /grants': { call: () => ({ method: 'GET', url: '/grants' }), expect: { rest: 200 } },
  'GET /grants/{id}': {
    call: (r) => ({ method: 'GET', url: `/grants/${r.grant}` }),
    expect: { rest: 404, applicant: 200, colleague: 200, authority: 200, admin: 200, platformOperator: 200 },
  },
  // The grantee's usage records (《政务数据共享条例》使用记录): whoever sees the grant reads them (grantee, provider, authority).
  'GET /grants/{id}/usage-records': {
    call: (r) => ({ method: 'GET', url: `/grants/${r.grant}/usage-records` }),
    expect: { rest: 404, applicant: 200, colleague: 200, authority: 200, admin: 200, platformOperator: 200 },
  },
  'POST /grants/{id}/revoke': {
    // The grantee's end (《政务数据共享条例》共享目的已实现): its deletion confirmed. The city authority, which may end a grant on
    // its own (Art. 14, 15), confirms no deletion (400); the grant's provider only asks (their own tests: grants).
    call: (r) => ({
      method: 'POST',
      url: `/grants/${r.grant}/revoke`,
      payload: {
        ground: 'purpose_achieved',
        reason: '共享目的已实现',
        deletion: { deletedBy: '张三', deletedAt: new Date().toISOString(), method: 'physical', scope: true },
      },
    }),
    mutates: true,
    expect: { rest: 404, applicant: 200, colleague: 200, authority: 400, admin: 403, platformOperator: 403 },
  },
  // A renewal (issue 24 §6): the grantee's applicants ask it; whoever else sees the grant may not (403); others see none (404).
  'POST /grants/{id}/renewal': {
    call: (r) => ({ method: 'POST', url: `/grants/${r.grant}/renewal`, payload: { commitment: { authenticity: true, compliance: true, security: true } } }),
    mutates: true,
    expect: { rest: 404, applicant: 201, colleague: 201, authority: 403, admin: 403, platformOperator: 403 },
  },
  // Onward provision to a third party (issue 24 §6): the matrix runs the default policy, the Measures' ban (Art. 15), so the
  // grantee's applicants are refused 409 naming it; whoever else sees the grant 403; others see none (404).
  'POST /grants/{id}/onward-provision': {
    call: (r) => ({
      method: 'POST',
      url: `/grants/${r.grant}/onward-provision`,
      payload: { thirdPartyOrg: h.city.agencies.health, purpose: '联合核查', fields: ['parcel'] },
    }),
    expect: { rest: 404, applicant: 409, colleague: 409, authority: 403, admin: 403, platformOperator: 403 },
  },
  'GET /health': { call: () => ({ method: 'GET', url: '/health' }), expect: { rest: 200 }, public: true },
  // How one signs in (the staff identity provider, the development sign-in offered or not): before anyone has.
  'GET /sign-in': { call: () => ({ method: 'GET', url: '/sign-in' }), expect: { rest: 200 }, public: true },
  // Prometheus' own token (METRICS_TOKEN), not a person's: no caller of the table has it (test/metrics.test.ts reads it).
  'GET /metrics': { call: () => ({ method: 'GET', url: '/metrics' }), expect: { rest: 401 } },
  'GET /calendar': { call: () => ({ method: 'GET', url: '/calendar?from=2026-09-25&to=2026-10-10' }), expect: { rest: 200 } },
  // The console's files are public (what they show comes from the API, token and all).
  'GET /console': { call: () => ({ method: 'GET', url: '/console' }), expect: { rest: 302 }, public: true },
  'GET /console/': { call: () => ({ method: 'GET', url: '/console/' }), expect: { rest: 200 }, public: true },
  'GET /console/{*}': { call: () => ({ method: 'GET', url: '/console/assets/app.js' }), expect: { rest: 200 }, public: true },
};

function headersOf(p: Principal): Record<string, string> {
  const who = PRINCIPALS[p]();
  if (who === null) return {};
  return { authorization: `Bearer ${typeof who === 'string' ? who : api.token(who.sub, who.org, ...who.roles)}` };
}

test('the table covers every route the API serves', async () => {
  const doc = (await api.app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, unknown>> };
  const served = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
  expect(served.sort()).toEqual(Object.keys(MATRIX).sort());
});

test('every route × every caller answers as the table says, and a refusal reveals nothing of the request', async () => {
  const mismatches: string[] = [];
  let cells = 0;
  for (const [name, route] of Object.entries(MATRIX)) {
    for (const p of Object.keys(PRINCIPALS) as Principal[]) {
      const expected = NOT_IDENTITIES.includes(p) && !route.public ? 401 : (route.expect[p] ?? route.expect.rest);
      const row = route.rows && expected === 200 ? (route.rows[p] ?? route.rows.rest) : undefined;
      const target = route.mutates && (row ?? expected) < 300 ? await newRequest() : shared;
      const { method, url, payload } = route.call(target);
      const res = await api.app.inject({ method, url, payload, headers: headersOf(p) });
      cells++;
      if (res.statusCode !== expected) mismatches.push(`${name} as ${p}: ${res.statusCode} (expected ${expected}) ${res.body.slice(0, 200)}`);
      if (row !== undefined && res.statusCode === 200) {
        const [got] = res.json().results as { status: string; problem?: { status: number } }[];
        const status = got.status === 'decided' ? 200 : got.problem?.status;
        if (status !== row) mismatches.push(`${name} as ${p}: row ${status} (expected ${row}) ${res.body.slice(0, 200)}`);
        if (status !== 200 && (res.body.includes(SCENARIO) || res.body.includes('matrix-bob') || res.body.includes('matrix-carol')))
          mismatches.push(`${name} as ${p}: a refused row reveals the request`);
      }
      if (res.statusCode >= 400) {
        if (!String(res.headers['content-type']).includes('application/problem+json'))
          mismatches.push(`${name} as ${p}: ${res.statusCode} is not problem+json`);
        if (res.body.includes(SCENARIO) || res.body.includes('matrix-bob') || res.body.includes('matrix-carol'))
          mismatches.push(`${name} as ${p}: refusal reveals the request`);
      }
      if (res.statusCode === 401 && !res.headers['www-authenticate']) mismatches.push(`${name} as ${p}: 401 without WWW-Authenticate`);
    }
  }
  expect(mismatches).toEqual([]);
  expect(cells).toBe(Object.keys(MATRIX).length * Object.keys(PRINCIPALS).length);
  // Every cell is a real HTTP round trip (those that change state on a request of their own): about 50 s alone, more beside other files.
}, 180_000);

test('lists show each caller only their own: requests, inbox, overdue tasks', async () => {
  const listed = async (p: Principal, url: string) => JSON.stringify((await api.app.inject({ method: 'GET', url, headers: headersOf(p) })).json().items);
  expect(await listed('applicant', '/requests?limit=100')).toContain(shared.id);
  // The same person in another city's agency is another applicant.
  for (const p of ['colleague', 'otherCityApplicant'] as Principal[]) expect(await listed(p, '/requests?limit=100')).not.toContain(shared.id);
  expect(await listed('authority', '/tasks?limit=100')).toContain(shared.authorityTask);
  for (const p of ['provider', 'countyAuthority', 'otherCityAuthority', 'admin', 'citySupervisor'] as Principal[])
    expect(await listed(p, '/tasks?limit=100')).not.toContain(shared.authorityTask);
  // Grants and agreements: the city's admin and the platform operator list them, another city's admin does not.
  for (const p of ['admin', 'platformOperator'] as Principal[]) {
    expect(await listed(p, '/grants?limit=100')).toContain(shared.grant);
    expect(await listed(p, '/agreements?limit=100')).toContain(agreement);
  }
  expect(await listed('crossCityAdmin', '/grants?limit=100')).not.toContain(shared.grant);
  expect(await listed('crossCityAdmin', '/agreements?limit=100')).not.toContain(agreement);
});

test('a share-attribute dispute is its authority’s: every reviewer of it reads and lists it; the agency in its turn and those over them read it; nobody else', async () => {
  // Raised by a reviewer of the city authority who is none of the callers: `authority` is a colleague of theirs.
  const raiser: Actor = { sub: 'matrix-bea', org: h.city.cityAuthority, roles: ['authority_reviewer'] };
  const raised = await api.app.inject({
    method: 'POST',
    url: '/disputes',
    payload: {
      catalogEntryId: h.city.entries.conditional,
      proposal: { attribute: 'CONDITIONAL', reasons: 'matrix', conditions: 'matrix dispute', basis: [] },
      objection: 'matrix',
    },
    headers: api.as(raiser),
  });
  expect(raised.statusCode).toBe(201);
  const id = raised.json().id as string;
  // The health agency (the entry's provider) holds the first turn of the consultation.
  const readers: Partial<Record<Principal, number>> = {
    authority: 200,
    provider: 200,
    providerAlsoApplicant: 200,
    citySupervisor: 200,
    admin: 200,
    platformOperator: 200,
  };
  const mismatches: string[] = [];
  for (const p of (Object.keys(PRINCIPALS) as Principal[]).filter((q) => !NOT_IDENTITIES.includes(q))) {
    for (const url of [`/requests/${id}`, `/requests/${id}/history`]) {
      const res = await api.app.inject({ method: 'GET', url, headers: headersOf(p) });
      if (res.statusCode !== (readers[p] ?? 404)) mismatches.push(`GET ${url} as ${p}: ${res.statusCode}`);
    }
    const listed = JSON.stringify(
      (await api.app.inject({ method: 'GET', url: '/requests?type=share_dispute&limit=100', headers: headersOf(p) })).json().items,
    ).includes(id);
    if (listed !== (p === 'authority')) mismatches.push(`GET /requests as ${p}: ${listed ? 'lists' : 'does not list'} it`);
  }
  expect(mismatches).toEqual([]);
});

test('an escalated task is also its own body’s head’s: they read, claim and decide it; another body’s head and everyone else as before', async () => {
  // The directory knows both heads (the matrix's cells ran as them): escalation adds the city authority's to its task.
  for (const p of ['authorityHead', 'sharingHead'] as Principal[])
    expect((await api.app.inject({ method: 'GET', url: '/me', headers: headersOf(p) })).statusCode).toBe(200);
  const res = await escalating.app.inject({
    method: 'POST',
    url: '/share-requests',
    payload: { ...validShareBody(h.city.entries.conditional), scenario: SCENARIO },
    headers: escalating.as(applicant()),
  });
  expect(res.statusCode).toBe(201);
  const task = (res.json().tasks as { id: string; kind: string }[]).find((t) => t.kind === 'SHARE_JOINT_REVIEW')!.id;
  const added = await eventually(
    () =>
      h.db
        .selectFrom('tasks')
        .select('candidates')
        .where('id', '=', task)
        .where('escalated_at', 'is not', null)
        .executeTakeFirst()
        .then((r) => r?.candidates.find((c) => c.escalation)),
    30_000,
  );
  expect(added).toEqual({ org: h.city.cityAuthority, role: 'sharing_head', user: null, escalation: true });
  const cells: [string, { method: 'GET' | 'POST'; url: string; payload?: object }, Partial<Record<Principal, number>> & { rest: number }][] = [
    ['GET /tasks/{id}', { method: 'GET', url: `/tasks/${task}` }, { rest: 404, ...seeAuthorityTask, authorityHead: 200 }],
    // Refused first by everyone else (nothing changes), then decided by the head.
    [
      'POST /tasks/{id}/complete',
      { method: 'POST', url: `/tasks/${task}/complete`, payload: { decision: 'CONSULT', reason: 'please look again' } },
      { rest: 404, authority: 0, authorityHead: 0, citySupervisor: 403, admin: 403, platformOperator: 403 },
    ],
  ];
  const mismatches: string[] = [];
  for (const [name, call, expect] of cells)
    for (const p of (Object.keys(PRINCIPALS) as Principal[]).filter((q) => !NOT_IDENTITIES.includes(q))) {
      const expected = expect[p] ?? expect.rest;
      if (expected === 0) continue;
      const got = await api.app.inject({ ...call, headers: headersOf(p) });
      if (got.statusCode !== expected) mismatches.push(`${name} as ${p}: ${got.statusCode} (expected ${expected}) ${got.body.slice(0, 200)}`);
    }
  expect(mismatches).toEqual([]);
  expect((await api.app.inject({ method: 'POST', url: `/tasks/${task}/claim`, headers: headersOf('authorityHead') })).statusCode).toBe(200);
  const decided = await api.app.inject({
    method: 'POST',
    url: `/tasks/${task}/complete`,
    payload: { decision: 'CONSULT', reason: 'please look again' },
    headers: headersOf('authorityHead'),
  });
  expect(decided.statusCode).toBe(200);
}, 60_000);
