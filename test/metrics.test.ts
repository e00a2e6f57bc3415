// GET /metrics after a share request's lifecycle through the API: each series with its labels and values, and
// who may read it (only Prometheus, with METRICS_TOKEN; no route without one).
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { createApiMetrics } from '../api/metrics';
import type { Actor } from '../domain/types';
import { startApi, validShareBody, type Api } from './api-helpers';
import { startHarness, type Harness } from './helpers';

const TOKEN = `metrics-${randomUUID()}-${randomUUID()}`;
let h: Harness;
let api: Api;
let metrics: ReturnType<typeof createApiMetrics>;
beforeAll(async () => {
  h = await startHarness('metrics');
  metrics = createApiMetrics(h.db);
  api = await startApi(h, { metricsToken: TOKEN, metrics });
});
afterAll(async () => {
  await api.app.close();
  await h.close();
});

const alice = (): Actor => ({ sub: `alice-${randomUUID().slice(0, 6)}`, org: h.city.agencies.market, roles: ['agency_applicant'] });
const bob = (): Actor => ({ sub: 'bob', org: h.city.cityAuthority, roles: ['authority_reviewer'] });
const carol = (): Actor => ({ sub: 'carol', org: h.city.agencies.health, roles: ['provider_reviewer'] });

/** The samples of a scrape: `name{labels} value` lines, comments left out. */
async function scrape(): Promise<{ text: string; samples: { name: string; labels: Record<string, string>; value: number }[] }> {
  const res = await api.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  const samples = res.body
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [, name, labels = '', value] = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(l)!;
      return { name, labels: Object.fromEntries([...labels.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]])), value: Number(value) };
    });
  return { text: res.body, samples };
}
const sample = (s: Awaited<ReturnType<typeof scrape>>['samples'], name: string, labels: Record<string, string>) =>
  s.filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));

/** Open SHARE_JOINT_REVIEW tasks of the city's division, as the database has them now. */
async function openJointReviews(): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from tasks t join organisations o on o.id = t.candidate_org
    where t.status = 'open' and t.kind = 'SHARE_JOINT_REVIEW' and o.division = '371100'`.execute(h.db);
  return rows[0].n;
}

test('a lifecycle shows in every series: latency by route pattern, each decision once, open tasks by kind and division', async () => {
  const created = await api.app.inject({
    method: 'POST',
    url: '/share-requests',
    payload: validShareBody(h.city.entries.conditional),
    headers: api.as(alice()),
  });
  expect(created.statusCode).toBe(201);
  const req = created.json();
  const task = (kind: string) => (req.tasks as { id: string; kind: string }[]).find((t) => t.kind === kind)!.id;

  // The gauges are what the last refresh read (the timer's, every 30 s): refreshed here at will. Other files
  // share the database, so the figure is compared with the database's own count, read again if they moved.
  let gauge = -1;
  for (let i = 0; i < 5; i++) {
    await metrics.refresh();
    const [open] = sample((await scrape()).samples, 'pdw_tasks_open', { kind: 'SHARE_JOINT_REVIEW', division: '371100' });
    gauge = open?.value ?? 0;
    if (gauge === (await openJointReviews())) break;
  }
  expect(gauge).toBeGreaterThanOrEqual(1);
  expect(gauge).toBe(await openJointReviews());
  expect(sample((await scrape()).samples, 'pdw_tasks_overdue', { kind: 'SHARE_JOINT_REVIEW', division: '371100' })).toHaveLength(1);
  // The notification outbox: its backlog and dead letters by channel, both channels always shown.
  for (const name of ['pdw_outbox_backlog', 'pdw_outbox_dead_letters'])
    for (const channel of ['email', 'webhook']) expect(sample((await scrape()).samples, name, { channel })).toHaveLength(1);

  // The provider agrees from the bulk route, the authority approves from the single one: both are decisions.
  const agreed = await api.app.inject({
    method: 'POST',
    url: '/tasks/bulk-complete',
    payload: { kind: 'SHARE_PROVIDER_OPINION', taskIds: [task('SHARE_PROVIDER_OPINION')], decision: 'AGREE', reason: 'proportionate' },
    headers: api.as(carol()),
  });
  expect(agreed.json().results[0].status).toBe('decided');
  const approved = await api.app.inject({
    method: 'POST',
    url: `/tasks/${task('SHARE_JOINT_REVIEW')}/complete`,
    payload: { decision: 'APPROVE' },
    headers: api.as(bob()),
  });
  expect(approved.json().status).toBe('granted');
  // A refused decision is no decision.
  const again = await api.app.inject({
    method: 'POST',
    url: `/tasks/${task('SHARE_JOINT_REVIEW')}/complete`,
    payload: { decision: 'APPROVE' },
    headers: api.as(bob()),
  });
  expect(again.statusCode).toBe(409);

  const { text, samples } = await scrape();
  expect(
    sample(samples, 'pdw_task_decisions_total', {})
      .map((s) => [s.labels.kind, s.labels.decision, s.value])
      .sort(),
  ).toEqual([
    ['SHARE_JOINT_REVIEW', 'APPROVE', 1],
    ['SHARE_PROVIDER_OPINION', 'AGREE', 1],
  ]);
  const count = (method: string, route: string, status: string) =>
    sample(samples, 'pdw_http_request_duration_seconds_count', { method, route, status_code: status })[0]?.value;
  expect(count('POST', '/share-requests', '201')).toBe(1);
  expect(count('POST', '/tasks/bulk-complete', '200')).toBe(1);
  expect(count('POST', '/tasks/:id/complete', '200')).toBe(1);
  expect(count('POST', '/tasks/:id/complete', '409')).toBe(1);
  expect(sample(samples, 'pdw_http_request_duration_seconds_bucket', { route: '/tasks/:id/complete', status_code: '200', le: '+Inf' })[0].value).toBe(1);
  // The pattern, never the URL: no id of the request or its tasks is a label.
  for (const id of [req.id, task('SHARE_JOINT_REVIEW'), task('SHARE_PROVIDER_OPINION')]) expect(text).not.toContain(id);
  // The process's own.
  expect(sample(samples, 'process_cpu_user_seconds_total', {})).toHaveLength(1);
  expect(sample(samples, 'nodejs_heap_size_used_bytes', {})).toHaveLength(1);
});

test("only the metrics token reads /metrics: no token, a person's token or another is 401 problem+json", async () => {
  const admin: Actor = { sub: 'metrics-admin', org: h.city.cityAuthority, roles: ['admin'] };
  for (const headers of [{}, api.as(admin), { authorization: `Bearer ${TOKEN}x` }, { authorization: TOKEN }]) {
    const res = await api.app.inject({ method: 'GET', url: '/metrics', headers });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.headers['www-authenticate']).toBeDefined();
    expect(res.body).not.toContain('pdw_');
  }
});

test('without METRICS_TOKEN the API serves no /metrics, and two apps in one process count apart', async () => {
  const bare = await startApi(h);
  try {
    const res = await bare.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
  } finally {
    await bare.app.close();
  }
  const other = await startApi(h, { metricsToken: TOKEN });
  try {
    const res = await other.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toMatch(/^pdw_task_decisions_total\{/m);
  } finally {
    await other.app.close();
  }
});
