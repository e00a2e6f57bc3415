// When no worker answers, the API says so (503) instead of hanging; the request is not lost, and a
// retry with the same Idempotency-Key picks it up once a worker is back. A decision sent meanwhile takes effect
// then, once: the answer says to read the request again, not to send it again.
import { randomUUID } from 'node:crypto';
import { NativeConnection } from '@temporalio/worker';
import { buildApp } from '../api/app';
import { signToken } from '../api/auth';
import { createWorker } from '../worker';
import { TEST_JWT_SECRET, validShareBody } from './api-helpers';
import { DEFAULT_POLICIES } from '../domain/policies';
import type { Role } from '../domain/types';
import { eventually, startHarness, TEST_POLICY, type Harness } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('timeout');
});
afterAll(() => h.close());

test('503 problem after the engine timeout, then the retried POST finds the same request', async () => {
  const idleQueue = `idle-${randomUUID().slice(0, 8)}`;
  const app = await buildApp({
    db: h.db,
    temporal: h.client,
    taskQueue: idleQueue,
    jwtSecret: TEST_JWT_SECRET,
    policies: { ...DEFAULT_POLICIES, share: TEST_POLICY },
    engineTimeoutMs: 1000,
  });
  const headers = {
    authorization: `Bearer ${signToken(app, { sub: 'patient', org: h.city.agencies.market, roles: ['agency_applicant'] })}`,
    'idempotency-key': 'k1',
  };
  try {
    const started = Date.now();
    const first = await app.inject({ method: 'POST', url: '/share-requests', payload: validShareBody(h.city.entries.conditional), headers });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(first.statusCode).toBe(503);
    expect(first.headers['content-type']).toContain('application/problem+json');
    expect(first.json().detail).toContain('Idempotency-Key');

    // A worker for that queue comes up; the workflow started by the first POST goes on.
    const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
    const worker = await createWorker({ connection, taskQueue: idleQueue, db: h.db, workflowBundle: { codePath: process.env.PDW_WORKFLOW_BUNDLE! } });
    const running = worker.run();
    try {
      // The client retries, as the problem says, until the engine answers within the timeout.
      let retry = await app.inject({ method: 'POST', url: '/share-requests', payload: validShareBody(h.city.entries.conditional), headers });
      for (let i = 0; retry.statusCode === 503 && i < 30; i++)
        retry = await app.inject({ method: 'POST', url: '/share-requests', payload: validShareBody(h.city.entries.conditional), headers });
      expect([200, 201]).toContain(retry.statusCode);
      expect(retry.json().status).toBe('in_review');
      const rows = await h.db.selectFrom('requests').select('id').where('applicant_sub', '=', 'patient').execute();
      expect(rows.map((r) => r.id)).toEqual([retry.json().id]);
    } finally {
      worker.shutdown();
      await running;
      await connection.close();
    }
  } finally {
    await app.close();
  }
});

test('a decision without an answer in time: 503 saying to read the request again; it takes effect once when a worker is back', async () => {
  const queue = `slow-${randomUUID().slice(0, 8)}`;
  const app = await buildApp({
    db: h.db,
    temporal: h.client,
    taskQueue: queue,
    jwtSecret: TEST_JWT_SECRET,
    policies: { ...DEFAULT_POLICIES, share: TEST_POLICY },
    engineTimeoutMs: 1000,
  });
  const as = (sub: string, org: string, role: Role) => ({ authorization: `Bearer ${signToken(app, { sub, org, roles: [role] })}` });
  const applicant = as(`applicant-${randomUUID().slice(0, 6)}`, h.city.agencies.market, 'agency_applicant');
  const provider = as(`provider-${randomUUID().slice(0, 6)}`, h.city.agencies.health, 'provider_reviewer');
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const workerOn = () => createWorker({ connection, taskQueue: queue, db: h.db, workflowBundle: { codePath: process.env.PDW_WORKFLOW_BUNDLE! } });
  try {
    let worker = await workerOn();
    let running = worker.run();
    const created = await app.inject({ method: 'POST', url: '/share-requests', payload: validShareBody(h.city.entries.conditional), headers: applicant });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    const opinion = await eventually(async () =>
      ((await app.inject({ method: 'GET', url: `/requests/${id}`, headers: applicant })).json().tasks as { id: string; kind: string; status: string }[]).find(
        (t) => t.kind === 'SHARE_PROVIDER_OPINION' && t.status === 'open',
      ),
    );
    worker.shutdown();
    await running;

    const decide = () => app.inject({ method: 'POST', url: `/tasks/${opinion.id}/complete`, payload: { decision: 'AGREE' }, headers: provider });
    const first = await decide();
    expect(first.statusCode).toBe(503);
    expect(first.json().detail).toContain('read the request again before acting again');
    expect(first.json().detail).not.toContain('Idempotency-Key');

    worker = await workerOn();
    running = worker.run();
    try {
      // The decision sent before goes through without being sent again, and once.
      await eventually(async () => (await h.db.selectFrom('tasks').select('status').where('id', '=', opinion.id).executeTakeFirst())?.status === 'completed');
      const again = await decide();
      expect(again.statusCode).toBe(409);
      expect(again.json().code).toBe('TaskNotOpen');
      const completions = await h.db
        .selectFrom('audit_events')
        .select('id')
        .where('request_id', '=', id)
        .where('task_id', '=', opinion.id)
        .where('action', '=', 'task_completed')
        .execute();
      expect(completions).toHaveLength(1);
    } finally {
      worker.shutdown();
      await running;
    }
  } finally {
    await connection.close();
    await app.close();
  }
});
