// What the API says of its procedures (GET /task-kinds, GET /request-types) agrees with what it enforces: the
// decisions and reasons of every task kind, the forms the domain's rules accept, the bodies the routes take.
// And who the caller is (GET /me), and the development sign-in that exists only on the development secret.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import { measuresArticle } from '../domain/measures';
import { REQUEST_TYPES } from '../domain/requests';
import { procedureViolation, TASK_KINDS, type TaskKindRule } from '../domain/tasks';
import type { Actor } from '../domain/types';
import { buildApp } from '../api/app';
import { DEV_JWT_SECRET } from '../config';
import { DEMO_PREFIX, DEMO_REGION, seedCity } from '../db/seed';
import { expectProblem, registerPrincipal, startApi, TEST_JWT_SECRET, validShareBody, type Api } from './api-helpers';
import { DEFAULT_POLICIES } from '../domain/policies';
import { startHarness, TEST_POLICY, type Harness } from './helpers';

let h: Harness;
let api: Api;
beforeAll(async () => {
  h = await startHarness('describe');
  api = await startApi(h);
});
afterAll(async () => {
  await api.app.close();
  await h.close();
});

const reviewer = (): Actor => ({ sub: 'describe-reviewer', org: h.city.agencies.health, roles: ['provider_reviewer'] });
const get = async (url: string) => {
  const res = await api.app.inject({ method: 'GET', url, headers: api.as(reviewer()) });
  expect(res.statusCode).toBe(200);
  return res.json();
};
const ajv = new Ajv({ strict: false });

type Described = { kind: string; article: string; decisions: { decision: string; reasonRequired: boolean; form: object | null }[] };

test('every task kind is described with its decisions, the reasons they need and its article', async () => {
  const { items } = (await get('/task-kinds')) as { items: Described[] };
  expect(items.map((k) => k.kind).sort()).toEqual(Object.keys(TASK_KINDS).sort());
  for (const k of items) {
    const rule = (TASK_KINDS as Record<string, TaskKindRule>)[k.kind];
    expect(k.article).toBe(rule.article);
    expect(Object.fromEntries(k.decisions.map((d) => [d.decision, d.reasonRequired]))).toEqual(
      Object.fromEntries(Object.entries(rule.decisions).map(([d, r]) => [d, r.reasonRequired])),
    );
  }
});

test('a form a task kind offers is one its rule accepts, and one it refuses fails the offered schema too', async () => {
  const { items } = (await get('/task-kinds')) as { items: Described[] };
  const form = (kind: string, decision: string) => items.find((k) => k.kind === kind)!.decisions.find((d) => d.decision === decision)!.form!;
  const cases: [kind: string, decision: string, good: Record<string, unknown>, bad: Record<string, unknown>, context?: Record<string, unknown>][] = [
    ['WITHDRAWAL_REVIEW', 'UPHOLD', { scope: 'records' }, { scope: 'everything' }],
    ['AGREEMENT_SIGNATURE', 'SIGN', { sha256: 'a'.repeat(64) }, { sha256: 'not a hash' }, { sha256: 'a'.repeat(64) }],
    ['OPEN_REQUEST_REVIEW', 'APPROVE', { conditions: '仅限科研' }, { conditions: 42 }],
  ];
  for (const [kind, decision, good, bad, context] of cases) {
    const validate = ajv.compile(form(kind, decision));
    expect(validate(good)).toBe(true);
    expect(procedureViolation(kind, { decision, tasks: [], form: good, context, request: {} })).toBeNull();
    expect(validate(bad)).toBe(false);
    expect(procedureViolation(kind, { decision, tasks: [], form: bad, context, request: {} })).not.toBeNull();
  }
  // Decisions that take no form say so.
  expect(form('OPEN_REQUEST_REVIEW', 'APPROVE')).not.toBeNull();
  expect(items.find((k) => k.kind === 'OPEN_REQUEST_REVIEW')!.decisions.find((d) => d.decision === 'REJECT')!.form).toBeNull();
});

test('every request type names the route that starts it, the body it takes and the articles of its fields', async () => {
  const { items } = (await get('/request-types')) as { items: { type: string; start: { path: string }; body: object; articles: Record<string, string> }[] };
  expect(items.map((t) => t.type)).toEqual([...REQUEST_TYPES]);
  const open = items.find((t) => t.type === 'open_request')!;
  expect(open.start.path).toBe('/open-requests');
  expect(open.articles).toMatchObject({ purpose: 'Art. 20', accessMethod: 'Art. 16' });
  const validate = ajv.compile(open.body);
  const body = { catalogEntryId: h.city.entries.conditionalOpen, purpose: 'p', scenario: 's', accessMethod: 'api', securityMeasures: 'm', termMonths: 6 };
  expect(validate(body)).toBe(true);
  expect(validate({ ...body, termMonths: 99 })).toBe(false);
  // The body described is the one the route takes: what it refuses, the description refuses too.
  for (const t of items) {
    expect(t.body).toMatchObject({ type: 'object' });
    const res = await api.app.inject({ method: 'POST', url: t.start.path, payload: {}, headers: api.as(reviewer()) });
    expect(ajv.compile(t.body)({})).toBe(false);
    expect([400, 403]).toContain(res.statusCode);
  }
  // Who may start each: a role not listed is refused by the route with 403.
  const byType = Object.fromEntries(items.map((t) => [t.type, t as unknown as { startedBy: string[] }]));
  expect(byType.open_request.startedBy).toEqual(['public_applicant']);
  expect(byType.share.startedBy).toEqual(['agency_applicant']);
  expect(byType.withdrawal.startedBy).toEqual(['public_applicant', 'agency_applicant']);
  const res = await api.app.inject({
    method: 'POST',
    url: '/share-requests',
    payload: validShareBody(h.city.entries.conditional),
    headers: api.as(reviewer()),
  });
  expectProblem(res, 403);
});

test("each request type and each decision's form publish the Chinese labels of their fields and codes, the registry's", async () => {
  type Words = { fields: Record<string, { label: string; help?: string }>; values: Record<string, Record<string, string>> };
  const types = (await get('/request-types')) as { items: ({ type: string } & Words)[] };
  const open = types.items.find((t) => t.type === 'open_request')!;
  expect(open.fields.accessMethod.label).toBe('获取方式');
  expect(open.values.accessMethod).toEqual({ download: '数据下载', api: '接口调用', sandbox: '数据沙箱(可用不可见)' });
  const adjustment = types.items.find((t) => t.type === 'catalog_adjustment')!;
  expect(adjustment.values['changes.entry.open.attribute'].CONDITIONAL).toBe('有条件开放');
  expect(adjustment.values['changes.entry.share.attribute'].CONDITIONAL).toBe('有条件共享');
  const kinds = (await get('/task-kinds')) as { items: { kind: string; decisions: ({ decision: string } & Words)[] }[] };
  const uphold = kinds.items.find((k) => k.kind === 'WITHDRAWAL_REVIEW')!.decisions.find((d) => d.decision === 'UPHOLD')!;
  expect(uphold.fields).toEqual({ scope: { label: '撤回范围' } });
  expect(Object.keys(uphold.values.scope)).toEqual(['entry', 'records']);
  // A decision's words are its own form's: a decision without one has none.
  const dismiss = kinds.items.find((k) => k.kind === 'WITHDRAWAL_REVIEW')!.decisions.find((d) => d.decision === 'DISMISS')!;
  expect([dismiss.fields, dismiss.values]).toEqual([{}, {}]);
});

test('each task kind names the request type whose procedure it belongs to', async () => {
  const { items } = (await get('/task-kinds')) as { items: (Described & { requestType: string })[] };
  const of = Object.fromEntries(items.map((k) => [k.kind, k.requestType]));
  expect(of).toMatchObject({
    SHARE_JOINT_REVIEW: 'share',
    CATALOG_ADJUSTMENT_REVISION: 'catalog_adjustment',
    DISPUTE_DECISION: 'share_dispute',
    OPEN_DEMAND_ANSWER: 'open_demand',
    WITHDRAWAL_REVIEW: 'withdrawal',
    AGREEMENT_SIGNATURE: 'open_request',
  });
  for (const k of items) expect(REQUEST_TYPES).toContain(k.requestType);
});

test('the working days of the statutory calendar, overrides included, for counting due times in a client', async () => {
  const golden = (await get('/calendar?from=2026-09-28&to=2026-10-12')) as { workdays: string[]; known: boolean };
  // National Day 2026: 1–7 October off, Saturday 10 October a made-up working day, Sunday 11 October not.
  expect(golden.workdays.filter((d) => d >= '2026-10-01' && d <= '2026-10-07')).toEqual([]);
  expect(golden.workdays).toEqual(['2026-09-28', '2026-09-29', '2026-09-30', '2026-10-08', '2026-10-09', '2026-10-10', '2026-10-12']);
  expect(golden.known).toBe(true);
  // A day the override table makes a holiday is one; a year the calendar does not know says so.
  await h.db
    .insertInto('calendar_overrides')
    .values({ day: '2099-06-01', is_workday: false, note: 'describe test' })
    .onConflict((oc) => oc.column('day').doNothing())
    .execute();
  const far = (await get('/calendar?from=2099-06-01&to=2099-06-03')) as { workdays: string[]; known: boolean };
  expect(far).toMatchObject({ workdays: ['2099-06-02', '2099-06-03'], known: false });
  for (const [q, field] of [
    ['from=2026-02-30&to=2026-03-01', 'querystring.from'],
    ['from=2026-13-01&to=2026-12-01', 'querystring.from'],
    ['from=2026-01-01&to=2027-03-01', 'querystring.to'],
    ['from=2026-03-01&to=2026-01-01', 'querystring.to'],
    ['from=20260101&to=2026-01-02', 'querystring.from'],
  ])
    expectProblem(await api.app.inject({ method: 'GET', url: `/calendar?${q}`, headers: api.as(reviewer()) }), 400, field);
});

test('organisations are listed by id with their names, for clients that show names where views carry ids', async () => {
  const { items } = (await get('/organisations')) as { items: { id: string; name: string; kind: string; division: string }[] };
  expect(items.find((o) => o.id === h.city.agencies.health)).toEqual({
    id: h.city.agencies.health,
    name: '日照市卫生健康委员会',
    kind: 'agency',
    level: 'city',
    division: '371100',
    governmentDepartment: true,
  });
  // A government department (政务部门) or not: who may receive a grant's data onward under the 条例's consent route.
  expect(items.find((o) => o.id === h.city.leadingGroup)).toMatchObject({ kind: 'leading_group', governmentDepartment: false });
});

test('who one is: staff see their organisation, a member of the public who they said they are (masked)', async () => {
  const me = (actor: Actor) => api.app.inject({ method: 'GET', url: '/me', headers: api.as(actor) });
  expect((await me(reviewer())).json()).toEqual({
    sub: 'describe-reviewer',
    roles: ['provider_reviewer'],
    organisation: {
      id: h.city.agencies.health,
      name: '日照市卫生健康委员会',
      kind: 'agency',
      division: '371100',
      region: h.city.region,
      // A government department: an entry of its catalog marked 不予共享 cites the 条例's levels (issue 24 §3).
      governmentDepartment: true,
      noneShareBasisLevels: ['law', 'administrative_regulation', 'state_council_decision'],
    },
    principal: null,
  });
  const citizen: Actor = { sub: 'describe-citizen', org: 'public', roles: ['public_applicant'] };
  expect((await me(citizen)).json()).toMatchObject({ organisation: null, principal: null });
  const number = await registerPrincipal(api, citizen, '周某');
  const body = (await me(citizen)).json();
  expect(body).toMatchObject({
    organisation: null,
    principal: { kind: 'natural', name: '周某', identity: `${number.slice(0, 3)}***********${number.slice(-4)}` },
  });
});

test('in development one signs in as a demo person without a token; unless asked for, those routes do not exist, whatever the secret', async () => {
  expect((await api.app.inject({ method: 'POST', url: '/dev/token', payload: { sub: 'li.applicant' } })).statusCode).toBe(404);
  expect((await api.app.inject({ method: 'GET', url: '/dev/users' })).statusCode).toBe(404);
  // Not inferred from the secret: the development secret alone opens nothing.
  const onDevSecret = await buildApp({
    db: h.db,
    temporal: h.client,
    taskQueue: h.taskQueue,
    jwtSecret: DEV_JWT_SECRET,
    policies: { ...DEFAULT_POLICIES, share: TEST_POLICY },
  });
  try {
    expect((await onDevSecret.inject({ method: 'POST', url: '/dev/token', payload: { sub: 'li.applicant' } })).statusCode).toBe(404);
    expect((await onDevSecret.inject({ method: 'GET', url: '/dev/users' })).statusCode).toBe(404);
  } finally {
    await onDevSecret.close();
  }
  await seedCity(h.db, DEMO_PREFIX, DEMO_REGION);
  const dev = await buildApp({
    db: h.db,
    temporal: h.client,
    taskQueue: h.taskQueue,
    jwtSecret: TEST_JWT_SECRET,
    devSignIn: true,
    policies: { ...DEFAULT_POLICIES, share: TEST_POLICY },
  });
  try {
    const users = (await dev.inject({ method: 'GET', url: '/dev/users' })).json().items as { sub: string; org: string | null; label: string }[];
    expect(users.find((u) => u.sub === 'chen.citizen')).toMatchObject({ org: null });
    expectProblem(await dev.inject({ method: 'POST', url: '/dev/token', payload: { sub: 'nobody' } }), 400, 'body.sub');
    const { token } = (await dev.inject({ method: 'POST', url: '/dev/token', payload: { sub: 'li.applicant' } })).json();
    const me = (await dev.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${token}` } })).json();
    expect(me).toMatchObject({ sub: 'li.applicant', roles: ['agency_applicant'], organisation: { name: '日照市市场监督管理局' } });
  } finally {
    await dev.close();
  }
});

test('the articles of the Measures are served, and every article a task kind rests on is among them', async () => {
  const { title, items } = (await get('/articles')) as { title: string; items: { article: string; number: number; chapter: string; text: string }[] };
  expect(title).toBe('日照市公共数据管理办法');
  expect(items.map((a) => a.number)).toEqual(Array.from({ length: items.length }, (_, i) => i + 1));
  for (const rule of Object.values(TASK_KINDS as Record<string, TaskKindRule>)) expect(measuresArticle(rule.article)?.text).toMatch(/^第.+条/);
  const art20 = await get('/articles/20');
  expect(art20).toMatchObject({ article: 'Art. 20', chapter: '第四章 公共数据开放' });
  expect(art20.text).toContain('公民、法人和其他组织');
  expectProblem(await api.app.inject({ method: 'GET', url: '/articles/99', headers: api.as(reviewer()) }), 404);
  expectProblem(await api.app.inject({ method: 'GET', url: '/articles/twenty', headers: api.as(reviewer()) }), 400, 'params.number');
});

test('polling: a GET answered before is 304 while nothing changed, and 200 with a new validator once something did', async () => {
  const citizen: Actor = { sub: 'describe-poller', org: 'public', roles: ['public_applicant'] };
  const poll = (etag?: string) =>
    api.app.inject({ method: 'GET', url: '/notifications?limit=20', headers: { ...api.as(citizen), ...(etag ? { 'if-none-match': etag } : {}) } });
  const first = await poll();
  const etag = first.headers.etag as string;
  expect(etag).toMatch(/^W\/"/);
  expect(first.headers['cache-control']).toBe('private, no-cache');
  const same = await poll(etag);
  expect(same.statusCode).toBe(304);
  expect(same.body).toBe('');
  // Something happens to them: a request of theirs (its status change notifies them).
  await registerPrincipal(api, citizen);
  const res = await api.app.inject({
    method: 'POST',
    url: '/open-demands',
    payload: { catalogEntryId: h.city.entries.none, description: '希望开放', purpose: '研究' },
    headers: api.as(citizen),
  });
  expect(res.statusCode).toBe(201);
  const changed = await poll(etag);
  expect(changed.statusCode).toBe(200);
  expect(changed.headers.etag).not.toBe(etag);
  expect(changed.json().items.length).toBeGreaterThan(0);
});

test('the console is served at /console: the page revalidated, hashed assets cached for good, nothing outside its folder, a 404 saying how to build it before it is built', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdw-console-'));
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>控制台</title>');
  fs.writeFileSync(path.join(dir, 'assets', 'index-abc.js'), 'export {};');
  fs.writeFileSync(path.join(path.dirname(dir), 'secret.txt'), 'no');
  const app = await buildApp({
    db: h.db,
    temporal: h.client,
    taskQueue: h.taskQueue,
    jwtSecret: 'console-test-secret-0123456789-0123456789',
    policies: { ...DEFAULT_POLICIES, share: TEST_POLICY },
    consoleDir: dir,
  });
  const missing = await buildApp({
    db: h.db,
    temporal: h.client,
    taskQueue: h.taskQueue,
    jwtSecret: 'console-test-secret-0123456789-0123456789',
    policies: { ...DEFAULT_POLICIES, share: TEST_POLICY },
    consoleDir: path.join(dir, 'nope'),
  });
  try {
    const redirect = await app.inject({ method: 'GET', url: '/console' });
    expect(redirect.statusCode).toBe(302);
    expect(redirect.headers.location).toBe('/console/');
    const page = await app.inject({ method: 'GET', url: '/console/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['cache-control']).toBe('private, no-cache');
    expect(page.body).toContain('控制台');
    expect((await app.inject({ method: 'GET', url: '/console/', headers: { 'if-none-match': String(page.headers.etag) } })).statusCode).toBe(304);
    const asset = await app.inject({ method: 'GET', url: '/console/assets/index-abc.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    for (const url of ['/console/../secret.txt', '/console/%2e%2e/secret.txt', '/console/..%2fsecret.txt', '/console/assets/none.js', '/console/index.php'])
      expectProblem(await app.inject({ method: 'GET', url }), 404);
    const notBuilt = expectProblem(await missing.inject({ method: 'GET', url: '/console/' }), 404);
    expect(notBuilt.detail).toContain('npm run console:build');
  } finally {
    await app.close();
    await missing.close();
  }
});
