// What the API says of its procedures (GET /task-kinds, GET /request-types) agrees with what it enforces: the
// decisions and reasons of every task kind, the forms the domain's rules accept, the bodies the routes take.
// And who the caller is (GET /me), and the development sign-in that exists only on the development secret.
import Ajv from 'ajv';
import { measuresArticle } from '../domain/measures';
import { REQUEST_TYPES } from '../domain/requests';
import { procedureViolation, TASK_KINDS, type TaskKindRule } from '../domain/tasks';
import type { Actor } from '../domain/types';
import { buildApp } from '../api/app';
import { DEV_JWT_SECRET } from '../config';
import { DEMO_PREFIX, DEMO_REGION, seedCity } from '../db/seed';
import { expectProblem, registerPrincipal, startApi, type Api } from './api-helpers';
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
    expect(Object.fromEntries(k.decisions.map((d) => [d.decision, d.reasonRequired]))).toEqual(Object.fromEntries(Object.entries(rule.decisions).map(([d, r]) => [d, r.reasonRequired])));
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
    expect(procedureViolation(kind, decision, [], good, context)).toBeNull();
    expect(validate(bad)).toBe(false);
    expect(procedureViolation(kind, decision, [], bad, context)).not.toBeNull();
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
});

test('who one is: staff see their organisation, a member of the public who they said they are (masked)', async () => {
  const me = (actor: Actor) => api.app.inject({ method: 'GET', url: '/me', headers: api.as(actor) });
  expect((await me(reviewer())).json()).toEqual({ sub: 'describe-reviewer', roles: ['provider_reviewer'], organisation: { id: h.city.agencies.health, name: '日照市卫生健康委员会', kind: 'agency', division: '371100' }, principal: null });
  const citizen: Actor = { sub: 'describe-citizen', org: 'public', roles: ['public_applicant'] };
  expect((await me(citizen)).json()).toMatchObject({ organisation: null, principal: null });
  const number = await registerPrincipal(api, citizen, '周某');
  const body = (await me(citizen)).json();
  expect(body).toMatchObject({ organisation: null, principal: { kind: 'natural', name: '周某', identity: `${number.slice(0, 3)}***********${number.slice(-4)}` } });
});

test('in development one signs in as a demo person without a token; with any other secret those routes do not exist', async () => {
  expect((await api.app.inject({ method: 'POST', url: '/dev/token', payload: { sub: 'li.applicant' } })).statusCode).toBe(404);
  expect((await api.app.inject({ method: 'GET', url: '/dev/users' })).statusCode).toBe(404);
  await seedCity(h.db, DEMO_PREFIX, DEMO_REGION);
  const dev = await buildApp({ db: h.db, temporal: h.client, taskQueue: h.taskQueue, jwtSecret: DEV_JWT_SECRET, sharePolicy: TEST_POLICY });
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
  const poll = (etag?: string) => api.app.inject({ method: 'GET', url: '/notifications?limit=20', headers: { ...api.as(citizen), ...(etag ? { 'if-none-match': etag } : {}) } });
  const first = await poll();
  const etag = first.headers.etag as string;
  expect(etag).toMatch(/^W\/"/);
  expect(first.headers['cache-control']).toBe('private, no-cache');
  const same = await poll(etag);
  expect(same.statusCode).toBe(304);
  expect(same.body).toBe('');
  // Something happens to them: a request of theirs (its status change notifies them).
  await registerPrincipal(api, citizen);
  const res = await api.app.inject({ method: 'POST', url: '/open-demands', payload: { catalogEntryId: h.city.entries.none, description: '希望开放', purpose: '研究' }, headers: api.as(citizen) });
  expect(res.statusCode).toBe(201);
  const changed = await poll(etag);
  expect(changed.statusCode).toBe(200);
  expect(changed.headers.etag).not.toBe(etag);
  expect(changed.json().items.length).toBeGreaterThan(0);
});
