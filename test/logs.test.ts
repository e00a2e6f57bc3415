// The logs (issue 26 §5): JSON lines; each of a request's lines with its id (the caller's X-Request-Id when a short
// token, echoed back), a request route's with its case number and workflow id; the worker's lines with the
// workflow's and activity's ids; no person's name or ID number anywhere.
import { randomUUID } from 'node:crypto';
import type { Actor } from '../domain/types';
import { workerLogging } from '../worker/logging';
import { registerPrincipal, startApi, validShareBody, type Api } from './api-helpers';
import { startHarness, type Harness } from './helpers';

const apiLines: string[] = [];
const workerLines: string[] = [];
let h: Harness;
let api: Api;
beforeAll(async () => {
  // At debug, the SDK writes a line as each workflow and activity starts and completes.
  const { logger, logging } = workerLogging('debug', (line) => workerLines.push(line));
  h = await startHarness('logs', { logger, telemetryOptions: { logging } });
  api = await startApi(h, { logger: { level: 'info', stream: { write: (line: string) => void apiLines.push(line) } } });
});
afterAll(async () => {
  await api.app.close();
  await h.close();
});

const parsed = (lines: string[]) => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
const alice = (): Actor => ({ sub: `alice-${randomUUID().slice(0, 6)}`, org: h.city.agencies.market, roles: ['agency_applicant'] });

test("the request id is the caller's short token, echoed; anything else is replaced by a fresh one", async () => {
  const mine = `trace-${randomUUID()}`;
  const given = await api.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': mine } });
  expect(given.headers['x-request-id']).toBe(mine);
  for (const hostile of ['x'.repeat(65), 'a b', '"},{"admin":true', '../../etc', '']) {
    const res = await api.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': hostile } });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  }
  const none = await api.app.inject({ method: 'GET', url: '/health' });
  expect(none.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  const lines = parsed(apiLines);
  expect(lines.filter((l) => l.reqId === mine).map((l) => l.msg)).toEqual(['incoming request', 'request completed']);
  expect(lines.every((l) => typeof l.reqId === 'string' && typeof l.level === 'number' && typeof l.time === 'number')).toBe(true);
});

test("a request route's lines carry the case number and workflow id; no name or ID number is written", async () => {
  const citizen: Actor = { sub: `wang-${randomUUID().slice(0, 6)}`, org: null, roles: ['public_applicant'] };
  const name = `王秀英${randomUUID().slice(0, 4)}`;
  const residentId = await registerPrincipal(api, citizen, name);
  // A hostile body on a request route: refused, and what it held is nowhere in the logs either.
  const phone = '13912345678';
  const refused = await api.app.inject({
    method: 'POST',
    url: '/share-requests',
    payload: { ...validShareBody(h.city.entries.conditional), scenario: 1, contact: { name, residentId, phone } },
    headers: { ...api.as(alice()), cookie: `session=${residentId}` },
  });
  expect(refused.statusCode).toBe(400);

  const applicant = alice();
  const created = await api.app.inject({
    method: 'POST',
    url: '/share-requests',
    payload: validShareBody(h.city.entries.conditional),
    headers: { ...api.as(applicant), 'x-request-id': 'start-1' },
  });
  expect(created.statusCode).toBe(201);
  const { id, caseNumber } = created.json() as { id: string; caseNumber: string };
  const read = await api.app.inject({ method: 'GET', url: `/requests/${id}`, headers: { ...api.as(applicant), 'x-request-id': 'read-1' } });
  expect(read.statusCode).toBe(200);
  // Someone else's read finds nothing, and names no case.
  const other = await api.app.inject({ method: 'GET', url: `/requests/${id}`, headers: { ...api.as(alice()), 'x-request-id': 'read-2' } });
  expect(other.statusCode).toBe(404);

  const lines = parsed(apiLines);
  const completed = lines.find((l) => l.reqId === 'start-1' && l.msg === 'request completed')!;
  expect(completed).toMatchObject({ caseNumber, workflowId: expect.stringContaining(id), res: { statusCode: 201 } });
  expect(lines.find((l) => l.reqId === 'read-1' && l.msg === 'request completed')).toMatchObject({ caseNumber, workflowId: completed.workflowId });
  expect(lines.filter((l) => l.reqId === 'read-2').every((l) => !('caseNumber' in l) && !('workflowId' in l))).toBe(true);

  const all = apiLines.join('\n');
  for (const secret of [name, residentId, phone, 'Bearer ']) expect(all).not.toContain(secret);
  // The worker's lines: JSON, an activity's with its workflow, type and attempt; no person's data either.
  await new Promise((r) => setTimeout(r, 300)); // the SDK forwards its lines in 100 ms batches
  const worker = parsed(workerLines);
  expect(worker.length).toBeGreaterThan(0);
  const activity = worker.find((l) => l.activityType && l.workflowId === completed.workflowId);
  expect(activity).toMatchObject({ attempt: expect.any(Number), level: expect.any(Number), msg: expect.any(String) });
  expect(activity).not.toHaveProperty('taskToken');
  for (const secret of [name, residentId, phone]) expect(workerLines.join('\n')).not.toContain(secret);
});
