// Timers race people the way people race each other: a decision, a cancellation or a supervisor's extension
// sent at the instant a due time, an escalation or an overdue mark fires yields one consistent outcome, in the
// workflow and in the read model alike, and never a 5xx (policies in seconds, as tests set them).
import type { Actor } from '../domain/types';
import type { RequestSnapshot } from '../domain/requests';
import { stateQuery, workflowIdFor } from '../workflows/definitions';
import { startApi, validShareBody, type Api } from './api-helpers';
import { eventually, startHarness, TEST_POLICY, type Harness } from './helpers';

let h: Harness;
let api: Api;
beforeAll(async () => {
  h = await startHarness('timers');
  api = await startApi(h, {
    policies: {
      open_demand: { answer: { seconds: 2 }, reminderBefore: { seconds: 1 } },
      share: {
        ...TEST_POLICY,
        jointReview: { seconds: 2 },
        regulationReview: { seconds: 2 },
        regulationOpinion: { seconds: 2 },
        reminderBefore: { seconds: 1 },
        escalateAfter: { seconds: 1 },
      },
    },
  });
});
afterAll(async () => {
  await api.app.close();
  await h.close();
});

const citizen = (): Actor => ({ sub: 'tr-citizen', org: 'public', roles: ['public_applicant'] });
const agency = (n = 0): Actor => ({ sub: `tr-market-${n}`, org: h.city.agencies.market, roles: ['provider_reviewer'] });
const supervisor = (): Actor => ({ sub: 'tr-sue', org: h.city.cityAuthority, roles: ['supervisor'] });
const call = (actor: Actor, method: 'GET' | 'POST', url: string, payload?: object) => api.app.inject({ method, url, payload, headers: api.as(actor) });
/** Resolves at `iso` plus `offsetMs` (the instant a timer of the workflow fires, give or take). */
const at = (iso: string, offsetMs: number) => new Promise((r) => setTimeout(r, Math.max(0, Date.parse(iso) + offsetMs - Date.now())));
/** Around the instant: a little before, on it, a little after. */
const OFFSETS = [-30, 0, 15, 40];

/** What the workflow says of the request once it ended or stopped moving. */
async function workflowState(workflowId: string): Promise<RequestSnapshot> {
  const handle = h.client.workflow.getHandle(workflowId);
  return handle.query(stateQuery).catch(async () => (await handle.result()) as RequestSnapshot);
}

test('an open demand answered at the instant it falls due: one answer stands, the one answered 200, in the workflow and the read model (Art. 21)', async () => {
  const rounds = await Promise.all(
    OFFSETS.flatMap((offset) =>
      // Alone, and together with a second officer's opposite answer.
      [['PLAN'], ['PLAN', 'DECLINE']].map(async (decisions) => {
        const res = await call(citizen(), 'POST', '/open-demands', {
          catalogEntryId: h.city.entries.none,
          description: `on the instant ${offset}`,
          purpose: 'timer race',
        });
        expect(res.statusCode).toBe(201);
        const { id, tasks } = res.json() as { id: string; tasks: { id: string; dueAt: string }[] };
        await at(tasks[0].dueAt, offset);
        const answers = await Promise.all(
          decisions.map((decision, n) => call(agency(n), 'POST', `/tasks/${tasks[0].id}/complete`, { decision, reason: `${decision} ${offset}` })),
        );
        return { id, taskId: tasks[0].id, decisions, answers };
      }),
    ),
  );
  for (const { id, taskId, decisions, answers } of rounds) {
    const statuses = answers.map((a) => a.statusCode);
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    const won = decisions[statuses.indexOf(200)];
    const state = await eventually(async () => {
      const s = await workflowState(workflowIdFor('open_demand', id));
      return s.status === 'answered' && s;
    });
    expect(state.tasks.find((t) => t.id === taskId)).toMatchObject({ status: 'completed', decision: won });
    const [task, request, trail] = await Promise.all([
      h.db.selectFrom('tasks').selectAll().where('id', '=', taskId).executeTakeFirstOrThrow(),
      h.db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
      h.db.selectFrom('audit_events').selectAll().where('request_id', '=', id).execute(),
    ]);
    expect(task).toMatchObject({ status: 'completed', decision: won, reason: expect.stringMatching(new RegExp(`^${won} `)) });
    expect(request.status).toBe('answered');
    expect(trail.filter((e) => e.action === 'task_completed').map((e) => e.decision)).toEqual([won]);
    expect(trail.filter((e) => e.action === 'opening_planned' || e.action === 'opening_declined')).toHaveLength(1);
    for (const a of answers.filter((x) => x.statusCode === 409)) expect(a.headers['content-type']).toContain('application/problem+json');
  }
}, 60_000);

test('a share request cancelled at the instant its review escalates: cancelled in the workflow and the read model, no task left open (Art. 14)', async () => {
  const applicant: Actor = { sub: 'tr-applicant', org: h.city.agencies.market, roles: ['agency_applicant'] };
  const rounds = await Promise.all(
    OFFSETS.map(async (offset) => {
      const res = await call(applicant, 'POST', '/share-requests', validShareBody(h.city.entries.conditional));
      expect(res.statusCode).toBe(201);
      const id = res.json().id as string;
      const review = await h.db
        .selectFrom('tasks')
        .select(['escalate_at'])
        .where('request_id', '=', id)
        .where('kind', '=', 'SHARE_JOINT_REVIEW')
        .executeTakeFirstOrThrow();
      await at(review.escalate_at!.toISOString(), offset);
      const cancelled = await call(applicant, 'POST', `/requests/${id}/cancel`, { reason: `on the instant ${offset}` });
      return { id, cancelled };
    }),
  );
  for (const { id, cancelled } of rounds) {
    expect(`${cancelled.statusCode} ${cancelled.body.slice(0, 200)}`).toMatch(/^200 /);
    expect(cancelled.json().status).toBe('cancelled');
    // The workflow ended too: it does not go on waiting for a review nobody can give.
    const result = (await h.client.workflow.getHandle(workflowIdFor('share', id)).result()) as RequestSnapshot;
    expect(result.status).toBe('cancelled');
    const tasks = await h.db.selectFrom('tasks').select(['status']).where('request_id', '=', id).execute();
    expect(tasks.filter((t) => t.status === 'open')).toEqual([]);
    expect((await h.db.selectFrom('requests').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status).toBe('cancelled');
  }
}, 60_000);

test("a supervisor's extension at the instant the task falls due: the task reads due later and not overdue, in the workflow and the read model (Art. 32)", async () => {
  const applicant: Actor = { sub: 'tr-applicant-2', org: h.city.agencies.market, roles: ['agency_applicant'] };
  const rounds = await Promise.all(
    OFFSETS.map(async (offset) => {
      const res = await call(applicant, 'POST', '/share-requests', validShareBody(h.city.entries.conditional));
      const { id, tasks } = res.json() as { id: string; tasks: { id: string; kind: string; dueAt: string }[] };
      const review = tasks.find((t) => t.kind === 'SHARE_JOINT_REVIEW')!;
      await at(review.dueAt, offset);
      const extended = await call(supervisor(), 'POST', `/tasks/${review.id}/extend`, { workingDays: 1, reason: `on the instant ${offset}` });
      return { id, review, extended };
    }),
  );
  // Past every timer the old due time set (overdue, then escalation a second later).
  await new Promise((r) => setTimeout(r, 2_000));
  for (const { id, review, extended } of rounds) {
    expect(`${extended.statusCode} ${extended.body.slice(0, 200)}`).toMatch(/^200 /);
    const row = await h.db.selectFrom('tasks').selectAll().where('id', '=', review.id).executeTakeFirstOrThrow();
    expect(row.due_at.getTime()).toBeGreaterThan(Date.now());
    expect(row.overdue_at).toBeNull();
    expect(row.escalated_at).toBeNull();
    const state = await workflowState(workflowIdFor('share', id));
    expect(state.tasks.find((t) => t.id === review.id)?.dueAt).toBe(row.due_at.toISOString());
    // Whatever fired first, the extension is the last word on the due time in the trail.
    const trail = await h.db.selectFrom('audit_events').select(['action']).where('task_id', '=', review.id).orderBy('id').execute();
    const last = trail.map((e) => e.action).filter((a) => a === 'task_overdue' || a === 'task_due_extended' || a === 'task_escalated');
    expect(last.at(-1)).toBe('task_due_extended');
  }
}, 60_000);
