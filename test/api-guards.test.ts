// Every route: 401 without a valid token, 400 problem+json naming field and rule for bad input,
// 404 / 403 for another organisation's people.
import { randomUUID } from 'node:crypto';
import type { Actor } from '../domain/types';
import { signToken } from '../api/auth';
import { startApi, validShareBody, type Api } from './api-helpers';
import { startHarness, type Harness } from './helpers';

let h: Harness;
let api: Api;
let requestId: string;
let taskId: string;
const alice = (): Actor => ({ sub: 'alice-guards', org: h.city.agencies.market, roles: ['agency_applicant'] });
const bob = (): Actor => ({ sub: 'bob', org: h.city.cityAuthority, roles: ['authority_reviewer'] });
const outsider = (): Actor => ({ sub: 'mallory', org: h.city.agencies.resources, roles: ['provider_reviewer', 'authority_reviewer', 'agency_applicant'] });

beforeAll(async () => {
  h = await startHarness('guards');
  api = await startApi(h);
  const res = await api.app.inject({ method: 'POST', url: '/share-requests', payload: validShareBody(h.city.entries.conditional), headers: api.as(alice()) });
  requestId = res.json().id;
  taskId = res.json().tasks.find((t: { kind: string }) => t.kind === 'SHARE_JOINT_REVIEW').id;
});
afterAll(async () => {
  await api.app.close();
  await h.close();
});

const routes = () =>
  [
    ['POST', '/share-requests', validShareBody(h.city.entries.conditional)],
    ['GET', '/requests'],
    ['GET', `/requests/${requestId}`],
    ['GET', `/requests/${requestId}/history`],
    ['POST', `/requests/${requestId}/cancel`, {}],
    ['GET', '/tasks'],
    ['GET', `/tasks/${taskId}`],
    ['POST', `/tasks/${taskId}/claim`],
    ['POST', `/tasks/${taskId}/unclaim`],
    ['POST', `/tasks/${taskId}/complete`, { decision: 'APPROVE' }],
    ['GET', '/catalog'],
    ['GET', `/catalog/${h.city.entries.conditional}`],
    ['GET', '/notifications'],
  ] as const;

function call(method: string, url: string, payload?: object, headers: Record<string, string> = {}) {
  return api.app.inject({ method: method as 'GET', url, payload, headers });
}

function expectProblem(res: Awaited<ReturnType<typeof call>>, status: number) {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toContain('application/problem+json');
  const body = res.json();
  expect(body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
  return body;
}

test('every route rejects a missing, forged or malformed token with 401', async () => {
  const forged = `Bearer ${api.token('x', 'y', 'admin').slice(0, -3)}abc`;
  const badRoles = `Bearer ${signToken(api.app, { sub: 'x', org: 'y', roles: ['emperor' as 'admin'] })}`;
  const noRoles = `Bearer ${signToken(api.app, { sub: 'x', org: h.city.cityAuthority, roles: [] })}`;
  for (const [method, url, payload] of routes()) {
    for (const authorization of [undefined, forged, badRoles, noRoles, 'Basic abc']) {
      const res = await call(method, url, payload, authorization ? { authorization } : {});
      expectProblem(res, 401);
    }
  }
});

test("another organisation's people get 404 for a request and its tasks, and see nothing in their inbox", async () => {
  for (const [method, url, payload] of routes()) {
    if (!url.includes(requestId) && !url.includes(taskId)) continue;
    const res = await call(method, url, payload, api.as(outsider()));
    expectProblem(res, 404);
  }
  const inbox = await call('GET', '/tasks', undefined, api.as(outsider()));
  expect(inbox.json().items.some((t: { requestId: string }) => t.requestId === requestId)).toBe(false);
});

test('the right organisation with the wrong role may not act (403); only the applicant cancels', async () => {
  const wrongRole: Actor = { sub: 'clerk', org: h.city.cityAuthority, roles: ['supervisor'] };
  expectProblem(await call('POST', `/tasks/${taskId}/complete`, { decision: 'APPROVE' }, api.as(wrongRole)), 403);
  expectProblem(await call('POST', `/tasks/${taskId}/claim`, undefined, api.as(wrongRole)), 403);
  // A supervisor may read the request but not cancel it.
  expect((await call('GET', `/requests/${requestId}`, undefined, api.as(wrongRole))).statusCode).toBe(200);
  expectProblem(await call('POST', `/requests/${requestId}/cancel`, {}, api.as(wrongRole)), 403);
  // Only public management and service institutions apply for shared data, in an applicant role (Art. 3, 14).
  expectProblem(await call('POST', '/share-requests', validShareBody(h.city.entries.conditional), api.as(bob())), 403);
  expectProblem(
    await call(
      'POST',
      '/share-requests',
      validShareBody(h.city.entries.conditional),
      api.as({ sub: 'lg', org: h.city.leadingGroup, roles: ['agency_applicant'] }),
    ),
    403,
  );
});

test('a big data authority is a state organ (Art. 3) and may request another agency’s data', async () => {
  const authorityApplicant: Actor = { sub: 'bda-analyst', org: h.city.countyAuthority, roles: ['agency_applicant'] };
  const res = await call('POST', '/share-requests', validShareBody(h.city.entries.unconditional), api.as(authorityApplicant));
  expect(res.statusCode).toBe(201);
  expect(res.json()).toMatchObject({ status: 'granted', grant: { granteeOrg: h.city.countyAuthority } });
});

test('bad share requests get 400 naming the field, the rule and Art. 15', async () => {
  const body = validShareBody(h.city.entries.conditional);
  const cases: [object, string, string, string | undefined][] = [
    [{ ...body, scenario: undefined }, 'body.scenario', 'required', 'Art. 15'],
    [{ ...body, scenario: '   ' }, 'body.scenario', 'required', 'Art. 15'],
    [{ ...body, statutoryDuty: '' }, 'body.statutoryDuty', 'minLength', 'Art. 15'],
    [{ ...body, commitment: { ...body.commitment, security: false } }, 'body.commitment.security', 'must be true', 'Art. 15'],
    [{ ...body, commitment: undefined }, 'body.commitment', 'required', 'Art. 15'],
    [{ ...body, catalogEntryId: 'no-such-entry' }, 'body.catalogEntryId', 'exists', undefined],
    [{ ...body, fields: ['beds', 'salary'] }, 'body.fields', 'fields of the entry', undefined],
    [{ ...body, surprise: 1 }, 'body', 'additionalProperties', undefined],
  ];
  for (const [payload, field, rule, article] of cases) {
    const problem = expectProblem(await call('POST', '/share-requests', payload, api.as(alice())), 400);
    expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field, rule })]));
    if (article) expect(problem.article).toBe(article);
  }
  const notJson = await call('POST', '/share-requests', undefined, { ...api.as(alice()), 'content-type': 'application/json' });
  expectProblem(notJson, 400);
  const broken = await api.app.inject({
    method: 'POST',
    url: '/share-requests',
    body: '{"catalogEntryId":',
    headers: { ...api.as(alice()), 'content-type': 'application/json' },
  });
  expectProblem(broken, 400);
  // Nothing was half-applied: the only request of alice is the one from beforeAll.
  expect(await h.db.selectFrom('requests').select('id').where('applicant_sub', '=', 'alice-guards').execute()).toHaveLength(1);
});

test('bad queries, cursors and decisions get 400 problem+json', async () => {
  const bad: [string, string, object | undefined, Actor, string][] = [
    ['GET', '/requests?status=bogus', undefined, alice(), 'querystring.status'],
    ['GET', '/requests?limit=0', undefined, alice(), 'querystring.limit'],
    ['GET', '/requests?cursor=not-a-cursor', undefined, alice(), 'querystring.cursor'],
    ['GET', '/tasks?status=done', undefined, bob(), 'querystring.status'],
    ['GET', '/tasks?dueBefore=yesterday', undefined, bob(), 'querystring.dueBefore'],
    ['GET', '/tasks?limit=1000', undefined, bob(), 'querystring.limit'],
    ['GET', '/catalog?shareAttribute=MAYBE', undefined, bob(), 'querystring.shareAttribute'],
    ['GET', '/notifications?cursor=abc', undefined, bob(), 'querystring.cursor'],
    ['POST', `/tasks/${taskId}/complete`, {}, bob(), 'body.decision'],
    ['POST', `/tasks/${taskId}/complete`, { decision: 'APPROVE', extra: true }, bob(), 'body'],
    ['POST', `/requests/${requestId}/cancel`, { why: 'x' }, alice(), 'body'],
  ];
  for (const [method, url, payload, actor, field] of bad) {
    const problem = expectProblem(await call(method, url, payload, api.as(actor)), 400);
    expect(problem.errors?.[0]?.field ?? problem.field).toBe(field);
  }
  const maybe = expectProblem(await call('POST', `/tasks/${taskId}/complete`, { decision: 'MAYBE' }, api.as(bob())), 400);
  expect(maybe.detail).toContain('APPROVE');
  const noReason = expectProblem(await call('POST', `/tasks/${taskId}/complete`, { decision: 'REJECT', reason: ' ' }, api.as(bob())), 400);
  expect(noReason.article).toBe('Art. 14');
  // Still open: nothing was decided by the bad calls.
  const task = await call('GET', `/tasks/${taskId}`, undefined, api.as(bob()));
  expect(task.json().status).toBe('open');
});

test('unknown ids are 404 problems, and unknown routes too', async () => {
  expectProblem(await call('GET', `/requests/${randomUUID()}`, undefined, api.as(alice())), 404);
  expectProblem(await call('POST', `/tasks/nope/complete`, { decision: 'APPROVE' }, api.as(bob())), 404);
  expectProblem(await call('GET', '/nowhere', undefined, api.as(bob())), 404);
});

test('health answers without a token; docs serve the OpenAPI document', async () => {
  const health = await call('GET', '/health');
  expect(health.statusCode).toBe(200);
  expect(health.json()).toEqual({ status: 'ok', database: 'ok', temporal: 'ok' });
  const doc = await call('GET', '/docs/json');
  expect(doc.statusCode).toBe(200);
  expect(Object.keys(doc.json().paths)).toEqual(expect.arrayContaining(['/share-requests', '/tasks', '/tasks/{id}/complete', '/requests/{id}/history']));
});
