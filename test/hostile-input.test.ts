// Hostile input and odd clients, as the reproducers of the hardening issue send them: NUL and lone
// surrogates, absurd numbers and dates, deep nesting, wrong JSON types, broken HTTP, a database that
// is down. Every answer is problem+json with the field and rule; nothing reaches PostgreSQL as
// something it refuses, and nothing is left half-done.
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { createSigner } from 'fast-jwt';
import { buildApp } from '../api/app';
import { createDb } from '../db';
import type { Actor } from '../domain/types';
import { expectProblem, startApi, TEST_JWT_SECRET, validShareBody, type Api } from './api-helpers';
import { DEFAULT_POLICIES } from '../domain/policies';
import { eventually, startHarness, TEST_POLICY, type Harness } from './helpers';

let h: Harness;
let api: Api;
let port: number;
beforeAll(async () => {
  h = await startHarness('hostile');
  api = await startApi(h);
  await api.app.listen({ host: '127.0.0.1', port: 0 });
  port = (api.app.server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  await api.app.close();
  await h.close();
});

const alice = (): Actor => ({ sub: `alice-${randomUUID().slice(0, 6)}`, org: h.city.agencies.market, roles: ['agency_applicant'] });
const bob = (): Actor => ({ sub: 'bob', org: h.city.cityAuthority, roles: ['authority_reviewer'] });
const carol = (): Actor => ({ sub: 'carol', org: h.city.agencies.health, roles: ['provider_reviewer'] });
const supervisor = (): Actor => ({ sub: 'sue', org: h.city.cityAuthority, roles: ['supervisor'] });

type Res = Awaited<ReturnType<Api['app']['inject']>>;

function call(actor: Actor | null, method: string, url: string, payload?: unknown, headers: Record<string, string> = {}): Promise<Res> {
  const body = payload === undefined ? undefined : typeof payload === 'string' ? payload : JSON.stringify(payload);
  return api.app.inject({
    method: method as 'GET',
    url,
    body,
    headers: { ...(actor ? api.as(actor) : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
  });
}

async function conditionalRequest(me = alice()) {
  const res = await call(me, 'POST', '/share-requests', validShareBody(h.city.entries.conditional));
  expect(res.statusCode).toBe(201);
  const req = res.json();
  const task = (kind: string) => req.tasks.find((t: { kind: string }) => t.kind === kind).id as string;
  return { me, id: req.id as string, authorityTask: task('SHARE_JOINT_REVIEW'), providerTask: task('SHARE_PROVIDER_OPINION') };
}

/** Raw bytes to the listening API; the whole answer back. */
function raw(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    let out = '';
    socket.on('data', (d) => (out += d));
    socket.on('end', () => resolve(out));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
    setTimeout(() => socket.destroy(), 5000);
  });
}

test('NUL and lone surrogates in a share request are refused naming the field; no request is recorded', async () => {
  const me = alice();
  const body = validShareBody(h.city.entries.conditional);
  const cases: [string, string][] = [
    [JSON.stringify({ ...body, scenario: 'a\u0000b' }), 'body.scenario'],
    [JSON.stringify({ ...body, statutoryDuty: 'x' }).replace('"x"', '"x\\ud800"'), 'body.statutoryDuty'],
    [JSON.stringify({ ...body, scenario: 'x' }).replace('"x"', '"\\udc00 trailing half"'), 'body.scenario'],
    [JSON.stringify({ ...body, catalogEntryId: 'rz\u0000medical' }), 'body.catalogEntryId'],
    [JSON.stringify({ ...body, fields: ['beds', 'a\u0000'] }), 'body.fields.1'],
  ];
  for (const [payload, field] of cases) expectProblem(await call(me, 'POST', '/share-requests', payload, { 'idempotency-key': 'nul-1' }), 400, field, 'text');
  expect(await h.db.selectFrom('requests').select('id').where('applicant_sub', '=', me.sub).execute()).toHaveLength(0);
  // Odd but storable text (emoji, CJK, combining marks, RTL) is fine and stored as sent.
  const odd = '体检🙂 é\u0301 \u202eRTL\u202c ﷽ "q" \\ \\u0000 \'); drop table requests; --';
  const ok = await call(me, 'POST', '/share-requests', { ...body, scenario: odd });
  expect(ok.statusCode).toBe(201);
  expect(ok.json().payload.scenario).toBe(odd);
  // The trail's copy too (written in the same statement as the request, through JSON).
  const submitted = await h.db
    .selectFrom('audit_events')
    .select('new_value')
    .where('event_key', '=', `request:${ok.json().id}:submitted`)
    .executeTakeFirstOrThrow();
  expect(submitted.new_value).toMatchObject({ payload: { scenario: odd } });
});

test('NUL in decisions, forms, replies and cancels is refused; the task stays open and the request goes on', async () => {
  const r = await conditionalRequest();
  expectProblem(await call(bob(), 'POST', `/tasks/${r.authorityTask}/complete`, { decision: 'REJECT', reason: 'no\u0000' }), 400, 'body.reason', 'text');
  expectProblem(
    await call(bob(), 'POST', `/tasks/${r.authorityTask}/complete`, { decision: 'APPROVE', form: { note: 'x\u0000' } }),
    400,
    'body.form.note',
    'text',
  );
  expectProblem(await call(bob(), 'POST', `/tasks/${r.authorityTask}/complete`, { decision: 'APPROVE', form: { 'k\u0000': 1 } }), 400, 'body.form', 'text');
  expectProblem(await call(r.me, 'POST', `/requests/${r.id}/cancel`, { reason: '\u0000' }), 400, 'body.reason', 'text');
  // A form nested 10,000 levels deep: a 400, not a crash of the Temporal client.
  const deep = `{"decision":"APPROVE","form":${'{"d":'.repeat(10_000)}"leaf"${'}'.repeat(10_000)}}`;
  expectProblem(await call(bob(), 'POST', `/tasks/${r.authorityTask}/complete`, deep), 400, undefined, 'maxDepth');
  // Both reviewers can still decide, and do.
  expect((await call(carol(), 'POST', `/tasks/${r.providerTask}/complete`, { decision: 'AGREE' })).statusCode).toBe(200);
  const last = await call(bob(), 'POST', `/tasks/${r.authorityTask}/complete`, { decision: 'APPROVE' });
  expect(last.json().status).toBe('granted');
});

test('NUL in a path id, a query value or a token is a 400 or 401, never a 500', async () => {
  expectProblem(await call(alice(), 'GET', '/requests/a%00b'), 400, 'params.id', 'text');
  expectProblem(await call(bob(), 'GET', '/tasks/a%00b'), 400, 'params.id', 'text');
  expectProblem(await call(bob(), 'POST', '/tasks/a%00b/complete', { decision: 'APPROVE' }), 400, 'params.id', 'text');
  expectProblem(await call(bob(), 'GET', '/tasks?kind=a%00b'), 400, 'querystring.kind', 'text');
  expectProblem(await call(bob(), 'GET', '/catalog/a%00b'), 400, 'params.id', 'text');
  expectProblem(await call(bob(), 'GET', '/catalog?provider=%00'), 400, 'querystring.provider', 'text');
  expectProblem(await call(bob(), 'GET', '/requests/%ED%A0%80'), 400);
  for (const actor of [
    { sub: 'a\u0000b', org: h.city.agencies.market, roles: ['agency_applicant'] },
    { sub: 'ok', org: `${h.city.agencies.market}\u0000`, roles: ['agency_applicant'] },
  ] as Actor[])
    expectProblem(await call(actor, 'GET', '/requests'), 401);
});

test('absurd limits, cursors and dates are 400s', async () => {
  for (const route of ['/requests', '/tasks', '/overdue-tasks', '/catalog', '/notifications'])
    for (const limit of ['Infinity', '1e309', '-Infinity', 'NaN', '1.5', '-1', '101'])
      expectProblem(await call(supervisor(), 'GET', `${route}?limit=${limit}`), 400, 'querystring.limit');
  const cursor = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  for (const bad of [
    ['2024-13-45', 'z'],
    ['', ''],
    ['-271821-04-20T00:00:00Z', 'a'],
    ['2026-02-30T00:00:00.000Z', 'a'],
    [1, 2],
    ['2026-01-01T00:00:00.000Z', 'a\u0000'],
    ['0'],
    [12],
  ]) {
    expectProblem(await call(bob(), 'GET', `/tasks?cursor=${cursor(bad)}`), 400, 'querystring.cursor');
    expectProblem(await call(supervisor(), 'GET', `/overdue-tasks?cursor=${cursor(bad)}`), 400, 'querystring.cursor');
    expectProblem(await call(alice(), 'GET', `/requests?cursor=${cursor(bad)}`), 400, 'querystring.cursor');
  }
  for (const date of ['2016-12-31T23:59:60Z', '2024-13-45T00:00:00Z', '+275760-09-13T00:00:00.001Z', '2026-02-29T00:00:00Z'])
    expectProblem(await call(bob(), 'GET', `/tasks?dueAfter=${encodeURIComponent(date)}`), 400, 'querystring.dueAfter');
  expect((await call(bob(), 'GET', `/tasks?dueAfter=${encodeURIComponent('2028-02-29T00:00:00+08:00')}`)).statusCode).toBe(200);
});

test('bodies are taken as typed: no true from 1 or "true", no text from a number, no unknown keys', async () => {
  const me = alice();
  const body = validShareBody(h.city.entries.conditional);
  expectProblem(
    await call(me, 'POST', '/share-requests', { ...body, commitment: { ...body.commitment, authenticity: 1 } }),
    400,
    'body.commitment.authenticity',
    'type',
  );
  expectProblem(
    await call(me, 'POST', '/share-requests', { ...body, commitment: { ...body.commitment, security: 'true' } }),
    400,
    'body.commitment.security',
    'type',
  );
  expectProblem(
    await call(me, 'POST', '/share-requests', { ...body, commitment: { ...body.commitment, extra: true } }),
    400,
    'body.commitment',
    'additionalProperties',
  );
  expectProblem(await call(me, 'POST', '/share-requests', { ...body, scenario: 12345 }), 400, 'body.scenario', 'type');
  const r = await conditionalRequest();
  expectProblem(await call(bob(), 'POST', `/tasks/${r.authorityTask}/complete`, { decision: 'REJECT', reason: 12345 }), 400, 'body.reason', 'type');
  expect((await call(bob(), 'GET', `/tasks/${r.authorityTask}`)).json().status).toBe('open');
});

test("the framework's own answers are problem+json: bad URLs, long ids, huge headers, broken requests, CONNECT, empty JSON", async () => {
  expect(expectProblem(await call(alice(), 'GET', '/requests/%ZZ'), 400).code).toBe('MalformedUrl');
  expectProblem(await call(alice(), 'GET', `/requests/${'x'.repeat(150)}`), 404);
  expectProblem(await call(alice(), 'GET', `/requests/${'x'.repeat(600)}`), 414);
  const empty = expectProblem(await call(alice(), 'POST', '/share-requests', '', { 'content-type': 'application/json' }), 400);
  expect(empty).toMatchObject({ code: 'MalformedBody', title: 'The body could not be read as its Content-Type says' });

  const big = await raw(`GET /requests HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
  expect(big).toMatch(/^HTTP\/1\.1 431/);
  expect(big).toContain('application/problem+json');
  const broken = await raw('GET /requests HTTP/1.1\r\nHost: x\r\nthis is no header\r\n\r\n');
  expect(broken).toMatch(/^HTTP\/1\.1 400/);
  expect(broken).toContain('application/problem+json');
  const connect = await raw('CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n');
  expect(connect).toMatch(/^HTTP\/1\.1 405/);
  expect(connect).toContain('application/problem+json');
});

test('tokens: one algorithm, an expiry required and bounded, WWW-Authenticate on 401', async () => {
  const claims = { sub: 'x', org: h.city.agencies.market, roles: ['agency_applicant'] };
  const sign = (opts: object) => createSigner({ key: TEST_JWT_SECRET, ...opts })(claims);
  const cases = [
    sign({}),
    sign({ algorithm: 'HS512', expiresIn: 60_000 }),
    sign({ algorithm: 'HS384', expiresIn: 60_000 }),
    sign({ expiresIn: 90 * 86_400_000 }),
  ];
  for (const token of cases) {
    const res = await call(null, 'GET', '/requests', undefined, { authorization: `Bearer ${token}` });
    expectProblem(res, 401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  }
  const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ ...claims, exp: Date.now() / 1000 + 60 })).toString('base64url')}.`;
  expectProblem(await call(null, 'GET', '/requests', undefined, { authorization: `Bearer ${none}` }), 401);
  const good = await call(null, 'GET', '/requests', undefined, { authorization: `Bearer ${sign({ expiresIn: 60_000 })}` });
  expect(good.statusCode).toBe(200);
  // A verified token is remembered, but only until it expires (1.5–2.5 s from now): the same token is refused after.
  const brief = { authorization: `Bearer ${sign({ expiresIn: 2_500 })}` };
  expect((await call(null, 'GET', '/requests', undefined, brief)).statusCode).toBe(200);
  expect((await call(null, 'GET', '/requests', undefined, brief)).statusCode).toBe(200);
  await new Promise((r) => setTimeout(r, 2_600));
  expectProblem(await call(null, 'GET', '/requests', undefined, brief), 401);
});

test('PostgreSQL down is a 503 with Retry-After, not a 500', async () => {
  const downDb = createDb('postgres://postgres@127.0.0.1:1/nowhere', 1);
  const app = await buildApp({
    db: downDb,
    temporal: h.client,
    taskQueue: h.taskQueue,
    jwtSecret: TEST_JWT_SECRET,
    policies: { ...DEFAULT_POLICIES, share: TEST_POLICY },
  });
  try {
    const res = await app.inject({ method: 'GET', url: '/requests', headers: api.as(alice()) });
    expectProblem(res, 503);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(503);
  } finally {
    await app.close();
    await downDb.destroy();
  }
});

test('five POSTs with one Idempotency-Key at once: one 201, four 200, one request', async () => {
  const me = alice();
  const key = `race-${randomUUID()}`;
  const answers = await Promise.all(
    Array.from({ length: 5 }, () => call(me, 'POST', '/share-requests', validShareBody(h.city.entries.conditional), { 'idempotency-key': key })),
  );
  expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 200, 200, 200, 201]);
  expect(new Set(answers.map((a) => a.json().id)).size).toBe(1);
  expect(await h.db.selectFrom('requests').select('id').where('applicant_sub', '=', me.sub).execute()).toHaveLength(1);
  // The first write made once: one submission, the round's two tasks, one status change in the trail.
  const trail = await h.db.selectFrom('audit_events').select('action').where('request_id', '=', answers[0].json().id).orderBy('id').execute();
  expect(trail.map((e) => e.action)).toEqual(['submitted', 'task_opened', 'task_opened', 'review_started']);
});

test('one request view everywhere; cancel with no body at all; cancel and reply need the applicant, not just their sub', async () => {
  const r = await conditionalRequest();
  const decided = await call(bob(), 'POST', `/tasks/${r.authorityTask}/complete`, {
    decision: 'REQUEST_INFO',
    reason: 'which clinics?',
    form: { missing: [{ item: '诊所名单', reason: '确定共享范围' }] },
  });
  const read = await call(bob(), 'GET', `/requests/${r.id}`);
  expect(Object.keys(decided.json()).sort()).toEqual(Object.keys(read.json()).sort());
  expect(decided.json()).toEqual(read.json());

  const impostor: Actor = { sub: r.me.sub, org: h.city.agencies.resources, roles: ['agency_applicant'] };
  const replyTask = (decided.json().tasks as { id: string; kind: string; status: string }[]).find(
    (t) => t.kind === 'SHARE_APPLICANT_REPLY' && t.status === 'open',
  )!.id;
  expectProblem(await call(impostor, 'POST', `/tasks/${replyTask}/complete`, { decision: 'REPLY', reason: 'the list' }), 404);
  expectProblem(await call(impostor, 'POST', `/requests/${r.id}/cancel`), 404);
  const replied = await call(r.me, 'POST', `/tasks/${replyTask}/complete`, { decision: 'REPLY', reason: 'the list' });
  expect(replied.statusCode).toBe(200);
  expect(Object.keys(replied.json()).sort()).toEqual(Object.keys(read.json()).sort());

  // What `curl -X POST` sends: no content type, no body.
  const cancelled = await api.app.inject({ method: 'POST', url: `/requests/${r.id}/cancel`, headers: api.as(r.me) });
  expect(cancelled.statusCode).toBe(200);
  expect(cancelled.json()).toMatchObject({ status: 'cancelled' });
  expect(Object.keys(cancelled.json()).sort()).toEqual(Object.keys(read.json()).sort());
});

test('same-organisation non-candidates get 404 for a task, not 403', async () => {
  const r = await conditionalRequest();
  const colleague: Actor = { sub: 'clerk', org: h.city.cityAuthority, roles: ['agency_applicant'] };
  expectProblem(await call(colleague, 'GET', `/tasks/${r.authorityTask}`), 404);
  expectProblem(await call(colleague, 'POST', `/tasks/${r.authorityTask}/claim`), 404);
  expectProblem(await call(colleague, 'POST', `/tasks/${r.authorityTask}/complete`, { decision: 'APPROVE' }), 404);
});

test("supervisors read only their own city's requests; an unknown organisation's token is refused", async () => {
  const other = await startHarness('hostile-other');
  try {
    const r = await conditionalRequest();
    const foreign: Actor = { sub: 'far', org: other.city.cityAuthority, roles: ['supervisor'] };
    expectProblem(await call(foreign, 'GET', `/requests/${r.id}`), 404);
    expectProblem(await call(foreign, 'GET', `/requests/${r.id}/history`), 404);
    expectProblem(await call(foreign, 'GET', `/tasks/${r.authorityTask}`), 404);
    expect((await call(supervisor(), 'GET', `/requests/${r.id}`)).statusCode).toBe(200);
    expect((await call(supervisor(), 'GET', `/requests/${r.id}/history`)).statusCode).toBe(200);
    expectProblem(await call({ sub: 'ghost', org: 'no-such-org', roles: ['supervisor'] }, 'GET', `/requests/${r.id}`), 401);
  } finally {
    await other.close();
  }
});

test('an applicant who also reviews cannot claim their own request; a supervisor releases any claim', async () => {
  // Health commission staff who apply for their own agency's data and also review for it.
  const dual: Actor = { sub: `dual-${randomUUID().slice(0, 6)}`, org: h.city.agencies.health, roles: ['agency_applicant', 'provider_reviewer'] };
  const r = await conditionalRequest(dual);
  expectProblem(await call(dual, 'POST', `/tasks/${r.providerTask}/claim`), 403);
  expect((await call(dual, 'GET', `/tasks/${r.providerTask}`)).json().assignee).toBeNull();

  // A real reviewer claims and goes on leave; the supervisor releases it; a colleague takes over.
  const zhao: Actor = { sub: 'zhao', org: h.city.agencies.health, roles: ['provider_reviewer'] };
  expect((await call(zhao, 'POST', `/tasks/${r.providerTask}/claim`)).statusCode).toBe(200);
  expectProblem(await call(carol(), 'POST', `/tasks/${r.providerTask}/complete`, { decision: 'AGREE' }), 403);
  const released = await call(supervisor(), 'POST', `/tasks/${r.providerTask}/unclaim`);
  expect(released.statusCode).toBe(200);
  expect((await call(carol(), 'GET', `/tasks/${r.providerTask}`)).json().assignee).toBeNull();
  expect((await call(carol(), 'POST', `/tasks/${r.providerTask}/complete`, { decision: 'AGREE' })).statusCode).toBe(200);
  const history = (await call(supervisor(), 'GET', `/requests/${r.id}/history`)).json().items as { action: string; actor: { role: string } }[];
  expect(history.filter((e) => e.action === 'task_unclaimed').map((e) => e.actor.role)).toEqual(['supervisor']);
});

test('the provider agrees and the authority approves at the same moment: the approval is refused until the agreement is in, or carries the grant; nothing is left open', async () => {
  for (let trial = 0; trial < 5; trial++) {
    const r = await conditionalRequest();
    const [approve, agree] = await Promise.all([
      call(bob(), 'POST', `/tasks/${r.authorityTask}/complete`, { decision: 'APPROVE' }),
      call(carol(), 'POST', `/tasks/${r.providerTask}/complete`, { decision: 'AGREE' }),
    ]);
    expect(agree.statusCode).toBe(200);
    if (approve.statusCode === 200) expect(approve.json().status).toBe('granted');
    else {
      expect(approve.json()).toMatchObject({ status: 409, title: 'The providing agency has not agreed' });
      expect((await call(bob(), 'POST', `/tasks/${r.authorityTask}/complete`, { decision: 'APPROVE' })).json().status).toBe('granted');
    }
    const view = (await call(bob(), 'GET', `/requests/${r.id}`)).json();
    expect(view.status).toBe('granted');
    expect(view.tasks.map((t: { status: string }) => t.status)).toEqual(['completed', 'completed']);
  }
});

test('paging through a burst of requests (the same instant, the same millisecond, written out of order) gives every one once, newest first', async () => {
  const me = alice();
  // Written in this order: the newest first and the oldest last, as overlapping writes may land.
  const burst = [
    ...Array.from({ length: 2 }, () => '2026-03-02T08:00:00.124000Z'),
    ...Array.from({ length: 5 }, () => '2026-03-02T08:00:00.123456Z'),
    '2026-03-02T08:00:00.123999Z',
    '2026-03-02T08:00:00.123001Z',
    ...Array.from({ length: 2 }, () => '2026-03-02T08:00:00.122000Z'),
  ].map((at) => ({ id: randomUUID(), at }));
  for (const r of burst)
    await h.db
      .insertInto('requests')
      .values({
        id: r.id,
        type: 'share',
        workflow_id: `wf-${r.id}`,
        applicant_sub: me.sub,
        applicant_org: me.org,
        catalog_entry_id: null,
        status: 'submitted',
        payload: '{}',
        payload_hash: 'x',
        created_at: r.at,
        updated_at: r.at,
      })
      .execute();
  const newestFirst = [...burst].sort((x, y) => (x.at === y.at ? (x.id < y.id ? 1 : -1) : x.at < y.at ? 1 : -1)).map((r) => r.id);
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const res = await call(me, 'GET', `/requests?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.statusCode).toBe(200);
    seen.push(...res.json().items.map((i: { id: string }) => i.id));
    cursor = res.json().nextCursor;
  } while (cursor);
  expect(seen).toEqual(newestFirst);
});

test('a write PostgreSQL refuses for good ends the request visibly failed, tells the supervisor, and retries nothing', async () => {
  // A constraint only this test's purpose breaks: the grant cannot be written, whatever the retries.
  const purpose = `poison-${randomUUID()}`;
  await h.db.schema
    .alterTable('grants')
    .addCheckConstraint(`no_${purpose.replace(/-/g, '_')}`, (await import('kysely')).sql.raw(`purpose <> '${purpose}'`))
    .execute();
  const me = alice();
  const res = await call(me, 'POST', '/share-requests', { ...validShareBody(h.city.entries.unconditional), scenario: purpose });
  expect(res.statusCode).toBe(201);
  expect(res.json()).toMatchObject({ status: 'failed', outcome: { article: 'Art. 29', reason: expect.stringContaining('23514') } });
  const history = (await call(me, 'GET', `/requests/${res.json().id}/history`)).json().items as { action: string }[];
  expect(history.map((e) => e.action)).toEqual(['submitted', 'request_failed']);
  const notes = (await call(supervisor(), 'GET', '/notifications')).json().items as { kind: string; requestId: string }[];
  expect(notes.some((n) => n.kind === 'request_failed' && n.requestId === res.json().id)).toBe(true);
  const handle = h.client.workflow.getHandle(`share-request/${res.json().id}`);
  await eventually(async () => (await handle.describe()).status.name === 'COMPLETED');
});

test('an approval whose grant PostgreSQL refuses is still in the trail; the request ends failed and the approver is told so', async () => {
  const purpose = `poison-${randomUUID()}`;
  await h.db.schema
    .alterTable('grants')
    .addCheckConstraint(`no_${purpose.replace(/-/g, '_')}`, (await import('kysely')).sql.raw(`purpose <> '${purpose}'`))
    .execute();
  const me = alice();
  const req = (await call(me, 'POST', '/share-requests', { ...validShareBody(h.city.entries.conditional), scenario: purpose })).json();
  const task = (kind: string) => req.tasks.find((t: { kind: string }) => t.kind === kind).id as string;
  expect((await call(carol(), 'POST', `/tasks/${task('SHARE_PROVIDER_OPINION')}/complete`, { decision: 'AGREE' })).json().status).toBe('in_review');
  const approved = await call(bob(), 'POST', `/tasks/${task('SHARE_JOINT_REVIEW')}/complete`, { decision: 'APPROVE' });
  expect(approved.statusCode).toBe(200);
  expect(approved.json()).toMatchObject({ status: 'failed', outcome: { article: 'Art. 29' } });
  const history = (await call(me, 'GET', `/requests/${req.id}/history`)).json().items as { action: string; decision: string | null }[];
  expect(history.filter((e) => e.action === 'task_completed').map((e) => e.decision)).toEqual(['AGREE', 'APPROVE']);
  expect(history.at(-1)?.action).toBe('request_failed');
});

test('a workflow started around the API refuses NUL itself and records nothing', async () => {
  const requestId = randomUUID();
  const handle = await h.client.workflow.start('shareRequestWorkflow', {
    taskQueue: h.taskQueue,
    workflowId: `share-request/${requestId}`,
    args: [
      { requestId, applicant: alice(), form: { ...validShareBody(h.city.entries.conditional), scenario: 'a\u0000b' }, payloadHash: 'x', policy: TEST_POLICY },
    ],
  });
  await expect(handle.result()).rejects.toThrow();
  expect(await h.db.selectFrom('requests').select('id').where('id', '=', requestId).executeTakeFirst()).toBeUndefined();
});
