// Problems in the caller's language: each carries its stable `code`; `Accept-Language: zh-CN` (zh, zh-Hans…)
// answers with the code's Chinese title, and with Chinese details where the detail is the title or a known
// rule's message; English stays the default. Every code has its Chinese words (the console shows them).
import { ERROR_MESSAGES_ZH, ERRORS, type ErrorCode } from '../domain/errors';
import type { InjectOptions } from 'fastify';
import { signToken } from '../api/auth';
import { prefersChinese } from '../api/problem';
import { startApi, validShareBody, type Api } from './api-helpers';
import { startHarness, type Harness } from './helpers';

const CJK = /[\u4e00-\u9fff]/;

test('every problem code has a Chinese message, each its own', () => {
  const codes = Object.keys(ERRORS) as ErrorCode[];
  for (const code of codes) expect(`${code}: ${ERROR_MESSAGES_ZH[code] ?? ''}`).toMatch(new RegExp(`^${code}: .*${CJK.source}`));
  // No message names a code, a route or an English word the person could not read (PDF is a PDF).
  for (const code of codes) expect(ERROR_MESSAGES_ZH[code].replace(/\bPDF\b/g, '')).not.toMatch(/[A-Za-z]{3,}/);
  expect(Object.keys(ERROR_MESSAGES_ZH).sort()).toEqual([...codes].sort());
  expect(new Set(Object.values(ERROR_MESSAGES_ZH)).size).toBe(codes.length);
});

test('Accept-Language is read by its q-values: Chinese only where Chinese comes before English', () => {
  for (const h of ['zh-CN', 'zh', 'zh-Hans', 'zh-Hans-CN', 'ZH-cn', 'zh-TW,en;q=0.5', 'en;q=0.8, zh;q=0.9', 'fr, zh-CN;q=0.7, en;q=0.5'])
    expect(`${h} → ${prefersChinese(h)}`).toBe(`${h} → true`);
  for (const h of [undefined, '', '*', 'en', 'en-GB,zh;q=0.9', 'zh;q=0.5, en;q=0.6', 'zh;q=0, en;q=0.1', 'fr', 'zhx', 'zh;q=abc'])
    expect(`${h} → ${prefersChinese(h)}`).toBe(`${h} → false`);
});

describe('the API', () => {
  let h: Harness;
  let api: Api;
  beforeAll(async () => {
    h = await startHarness('problem-language');
    api = await startApi(h);
  });
  afterAll(async () => {
    await api?.app.close();
    await h?.close();
  });
  const applicant = () => ({ sub: 'li.applicant', org: h.city.agencies.market, roles: ['agency_applicant' as const] });

  test('a problem carries its code beside its type, its title in English by default and in Chinese when asked', async () => {
    const url = '/tasks/00000000-0000-4000-8000-000000000000';
    const english = await api.app.inject({ method: 'GET', url, headers: api.as(applicant()) });
    expect(english.statusCode).toBe(404);
    expect(english.json()).toMatchObject({
      type: 'urn:public-data-workflows:problem:TaskNotFound',
      code: 'TaskNotFound',
      title: 'Task not found',
      detail: 'Task not found',
    });
    for (const language of ['zh-CN', 'zh', 'zh-Hans', 'en;q=0.5, zh-CN']) {
      const chinese = await api.app.inject({ method: 'GET', url, headers: { ...api.as(applicant()), 'accept-language': language } });
      expect(chinese.statusCode).toBe(404);
      expect(chinese.json()).toMatchObject({
        type: 'urn:public-data-workflows:problem:TaskNotFound',
        code: 'TaskNotFound',
        title: '未找到该任务',
        detail: '未找到该任务',
      });
    }
    // Without a token, too.
    const unauthorised = await api.app.inject({ method: 'GET', url: '/tasks', headers: { 'accept-language': 'zh-CN' } });
    expect(unauthorised.json()).toMatchObject({ status: 401, code: 'Unauthorized', title: '登录已失效，请重新登录' });
  });

  test("a refused body names each field and rule; in Chinese each field's message and the detail are Chinese, the paths and rules as they are", async () => {
    const body: Partial<ReturnType<typeof validShareBody>> = validShareBody(h.city.entries.conditional);
    delete body.scenario;
    const post = (language?: string) =>
      api.app.inject({
        method: 'POST',
        url: '/share-requests',
        payload: { ...body, commitment: { ...body.commitment!, security: 'yes' } },
        headers: { ...api.as(applicant()), ...(language ? { 'accept-language': language } : {}) },
      });
    const english = (await post()).json();
    expect(english).toMatchObject({ status: 400, code: 'InvalidInput', title: 'Invalid input' });
    expect(english.detail).toMatch(/[A-Za-z]/);
    const chinese = await post('zh-CN,zh;q=0.9,en;q=0.8');
    expect(chinese.statusCode).toBe(400);
    const problem = chinese.json();
    expect(problem).toMatchObject({ code: 'InvalidInput', title: '填写的内容不符合要求，请按提示修改' });
    const fields = problem.errors.map((e: { field: string }) => e.field).sort();
    expect(fields).toEqual(english.errors.map((e: { field: string }) => e.field).sort());
    expect(fields).toEqual(expect.arrayContaining(['body.scenario', 'body.commitment.security']));
    for (const e of problem.errors) expect(e.message).toMatch(CJK);
    expect(problem.errors.find((e: { field: string }) => e.field === 'body.scenario')).toMatchObject({ rule: 'required', message: '此项必填' });
    expect(problem.detail).toContain('body.scenario：此项必填');
  });

  test("a domain rule's refusal is in Chinese where its rule is known; an unknown rule keeps the API's own words", async () => {
    const bad = { ...validShareBody(h.city.entries.conditional), fields: ['no_such_field'] };
    const res = await api.app.inject({
      method: 'POST',
      url: '/share-requests',
      payload: bad,
      headers: { ...api.as(applicant()), 'accept-language': 'zh-CN' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'InvalidInput', field: 'body.fields', rule: 'fields of the entry', title: '填写的内容不符合要求，请按提示修改' });
    expect(res.json().errors[0].message).toBe('请从该目录条目的数据项中选择');
  });

  test('the refusals the framework itself raises carry their code too, and answer in Chinese when asked', async () => {
    const zh = { 'accept-language': 'zh-CN' };
    const signedIn = { ...api.as(applicant()), ...zh };
    const json = { ...signedIn, 'content-type': 'application/json' };
    const cases: [string, InjectOptions & { headers: Record<string, string> }, number, ErrorCode][] = [
      ['no such route', { method: 'GET', url: '/no/such/route', headers: zh }, 404, 'RouteNotFound'],
      ['a method the route does not take', { method: 'DELETE', url: '/share-requests', headers: signedIn }, 405, 'MethodNotAllowed'],
      ['a malformed percent-encoding', { method: 'GET', url: '/requests/%ZZ', headers: signedIn }, 400, 'MalformedUrl'],
      ['a path parameter longer than any id', { method: 'GET', url: `/requests/${'a'.repeat(600)}`, headers: signedIn }, 414, 'UrlTooLong'],
      [
        'a Content-Type no route takes',
        { method: 'POST', url: '/share-requests', payload: 'a,b', headers: { ...signedIn, 'content-type': 'text/csv' } },
        415,
        'UnsupportedMediaType',
      ],
      ['JSON that does not parse', { method: 'POST', url: '/share-requests', payload: '{"scenario": ', headers: json }, 400, 'MalformedBody'],
      ['an empty JSON body', { method: 'POST', url: '/share-requests', payload: '', headers: json }, 400, 'MalformedBody'],
      [
        'a body too large',
        { method: 'POST', url: '/share-requests', payload: JSON.stringify({ scenario: 'x'.repeat(2_000_000) }), headers: json },
        413,
        'BodyTooLarge',
      ],
    ];
    for (const [what, request, status, code] of cases) {
      const res = await api.app.inject(request);
      expect(`${what}: ${res.statusCode} ${res.headers['content-type']}`).toBe(`${what}: ${status} application/problem+json; charset=utf-8`);
      expect(res.json()).toMatchObject({
        type: `urn:public-data-workflows:problem:${code}`,
        code,
        status,
        title: ERROR_MESSAGES_ZH[code],
        detail: ERROR_MESSAGES_ZH[code],
      });
      // In English by default, with the framework's own words as detail.
      const english = await api.app.inject({ ...request, headers: { ...request.headers, 'accept-language': 'en' } });
      expect(english.json()).toMatchObject({ code, title: ERRORS[code].title });
    }
    expect((await api.app.inject({ method: 'DELETE', url: '/share-requests', headers: signedIn })).headers.allow).toBe('POST');
    // Rate limited (a person registering who they are too often): TooManyRequests, in Chinese.
    const as = { authorization: `Bearer ${signToken(api.app, { sub: 'hasty-person', org: null, roles: ['public_applicant'] })}`, ...zh };
    const register = () =>
      api.app.inject({ method: 'PUT', url: '/principals/me', payload: { kind: 'natural', name: '试', residentId: '110101199003071234' }, headers: as });
    for (let i = 0; i < 10; i++) await register();
    const limited = await register();
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['content-type']).toContain('application/problem+json');
    expect(limited.json()).toMatchObject({ code: 'TooManyRequests', title: ERROR_MESSAGES_ZH.TooManyRequests });
  });
});
