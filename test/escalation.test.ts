// Escalation that adds the competent body's own head (督办升级, Art. 32; issue 25 §1): in every procedure whose
// competent body's task escalates, the task is reminded, falls due, is marked overdue and escalates; the head of
// sharing work of the same organisation (an agency's, or an authority's for its own review) joins its candidates,
// is told, finds it in the inbox and decides it. A head of another organisation cannot; where the organisation has
// no head, nobody is added and the trail says so. Twenty decisions at once by the candidate and the head: one stands.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { Actor } from '../domain/types';
import { completeTaskUpdate } from '../workflows/definitions';
import { escalatingProcedures, startApi, TEST_POLICIES, type Api, ok } from './api-helpers';
import { eventually, recordHistories, startHarness, type Harness } from './helpers';

let h: Harness;
/** Every procedure's competent task reminded after 2 s, due after 4 s, escalated 3 s later (as test/urging.test.ts's). */
let fast: Api;

const SECONDS = { length: { seconds: 4 }, reminderBefore: { seconds: 2 }, escalateAfter: { seconds: 3 } };

beforeAll(async () => {
  h = await startHarness('escalation');
  const short = { reminderBefore: SECONDS.reminderBefore, escalateAfter: SECONDS.escalateAfter };
  fast = await startApi(h, {
    policies: {
      share: {
        ...TEST_POLICIES.share,
        ...short,
        jointReview: SECONDS.length,
        // The city's parties are government departments: the 条例's window is the one that runs.
        regulationReview: SECONDS.length,
        regulationOpinion: SECONDS.length,
      },
      catalog_adjustment: { ...TEST_POLICIES.catalog_adjustment, ...short, review: SECONDS.length },
      open_request: { ...TEST_POLICIES.open_request, ...short, review: SECONDS.length },
      withdrawal: { ...TEST_POLICIES.withdrawal, ...short, review: SECONDS.length },
      open_demand: { ...TEST_POLICIES.open_demand, ...short, answer: SECONDS.length },
      correction: { ...TEST_POLICIES.correction, ...short, verification: SECONDS.length },
    },
  });
}, 60_000);
/** Runs whose histories RECORD_HISTORIES=<label> keeps (each procedure's task decided by the head it escalated to), by request type. */
const recorded: { type: string; name: string; workflowId: string }[] = [];

afterAll(async () => {
  if (process.env.RECORD_HISTORIES)
    for (const type of new Set(recorded.map((r) => r.type)))
      await recordHistories(
        h.client,
        recorded.filter((r) => r.type === type),
        process.env.RECORD_HISTORIES,
        type,
      );
  await fast?.app.close();
  await h?.close();
});

const call = (actor: Actor, method: 'GET' | 'POST', url: string, payload?: object) => fast.app.inject({ method, url, payload, headers: fast.as(actor) });

interface Candidate {
  org: string | null;
  role: string;
  user: string | null;
  escalation?: boolean;
}
interface TaskView {
  id: string;
  kind: string;
  status: string;
  candidateOrg: string;
  candidateRole: string;
  candidates: Candidate[];
  dueAt: string;
  overdue: boolean;
  escalatedAt: string | null;
  allowedDecisions: string[];
  decision: string | null;
  decidedBy: string | null;
}
interface Event {
  action: string;
  taskId: string | null;
  article: string;
  actor: { sub: string; role: string };
  newValue: { supervisor?: string; addedCandidate?: { org: string; role: string } | null; notAdded?: string };
}

const member = (org: string, role: Actor['roles'][number], sub = `es-${role}-${org}`): Actor => ({ sub, org, roles: [role] });
const headOf = (org: string): Actor => member(org, 'sharing_head', `es-head-${org}`);
const citySupervisor = (): Actor => ({ sub: 'es-sue', org: h.city.cityAuthority, roles: ['supervisor'] });
const notices = async (who: Actor) =>
  ok(await call(who, 'GET', '/notifications?limit=100')).items as { kind: string; taskId: string | null; message: string }[];
const inbox = async (who: Actor) => ok(await call(who, 'GET', '/tasks?limit=100')).items as TaskView[];
const history = async (requestId: string) => ok(await call(citySupervisor(), 'GET', `/requests/${requestId}/history`)).items as Event[];

/** How to start one request of each procedure whose competent body's task escalates, and a decision that task takes. */
const PROCEDURES = escalatingProcedures(() => h.city, 'es');

/** A request of `type` started, and its competent body's task as its candidate sees it. */
async function started(type: keyof typeof PROCEDURES) {
  const p = PROCEDURES[type];
  const { starter, body } = await p.start(fast);
  const req = ok(await call(starter, 'POST', p.route, body), 201);
  const open = await eventually(async () =>
    ((ok(await call(starter, 'GET', `/requests/${req.id}`)).tasks ?? []) as TaskView[]).find((t) => t.kind === p.kind && t.status === 'open'),
  );
  const candidate = member(open.candidateOrg, open.candidateRole as Actor['roles'][number]);
  return { requestId: req.id as string, candidate, task: ok(await call(candidate, 'GET', `/tasks/${open.id}`)) as TaskView };
}

/** The task once escalated, as `who` reads it. */
const escalated = (who: Actor, id: string) =>
  eventually(async () => {
    const t = ok(await call(who, 'GET', `/tasks/${id}`)) as TaskView;
    return t.escalatedAt !== null && t;
  }, 30_000);

const decisionOf = (type: keyof typeof PROCEDURES) => {
  const { decision, reason } = PROCEDURES[type].decide;
  return { decision, ...(reason ? { reason } : {}) };
};

// First, before any head of the open demand's agency is known to the directory of people.
test('where the organisation has no head of sharing work, escalation tells as before, adds nobody, and the trail says so', async () => {
  const { requestId, candidate, task } = await started('open_demand');
  const t = await escalated(candidate, task.id);
  expect(t.candidates).toEqual([{ org: task.candidateOrg, role: task.candidateRole, user: null }]);
  const event = (await history(requestId)).find((e) => e.action === 'task_escalated' && e.taskId === task.id)!;
  expect(event).toMatchObject({ article: 'Art. 32', newValue: { addedCandidate: null, notAdded: expect.stringContaining('sharing_head') } });
  // A head who signs in only now is no candidate of a task that escalated without them.
  const late = headOf(task.candidateOrg);
  expect((await call(late, 'POST', `/tasks/${task.id}/complete`, decisionOf('open_demand'))).statusCode).toBe(404);
  ok(await call(candidate, 'POST', `/tasks/${task.id}/complete`, decisionOf('open_demand')));
}, 60_000);

describe('escalation adds the competent body’s own head in every procedure', () => {
  test.each(Object.keys(PROCEDURES) as (keyof typeof PROCEDURES)[])(
    '%s: reminded, due, overdue, escalated; its own head of sharing work sees it marked in the inbox and decides it; another organisation’s head cannot',
    async (type) => {
      const { requestId, candidate, task } = await started(type);
      const org = task.candidateOrg;
      const head = headOf(org);
      const stranger = headOf(org === h.city.agencies.market ? h.city.agencies.health : h.city.agencies.market);
      // The directory of people knows them once they have used the system.
      for (const who of [head, stranger]) ok(await call(who, 'GET', '/tasks'));
      // Before escalation the head is no candidate: the API does not show the task, and the workflow refuses them too.
      expect((await call(head, 'GET', `/tasks/${task.id}`)).statusCode).toBe(404);
      const row = await h.db.selectFrom('tasks').select(['workflow_id']).where('id', '=', task.id).executeTakeFirstOrThrow();
      await expect(
        h.client.workflow.getHandle(row.workflow_id).executeUpdate(completeTaskUpdate, { args: [{ taskId: task.id, actor: head, ...decisionOf(type) }] }),
      ).rejects.toThrow(WorkflowUpdateFailedError);

      const t = await escalated(candidate, task.id);
      expect(t).toMatchObject({ status: 'open', overdue: true });
      expect(Date.parse(t.escalatedAt!)).toBeGreaterThanOrEqual(Date.parse(task.dueAt) + 3000);
      // The task lists the head it added: the same organisation's, marked as added on escalation.
      expect(t.candidates).toEqual([
        { org, role: task.candidateRole, user: null },
        { org, role: 'sharing_head', user: null, escalation: true },
      ]);
      // Reminded (a notice), then overdue (the supervisor told), then escalated: in that order.
      const reminded = await h.db
        .selectFrom('notifications')
        .select('created_at')
        .where('task_id', '=', task.id)
        .where('kind', '=', 'task_reminder')
        .executeTakeFirstOrThrow();
      const marks = await h.db
        .selectFrom('audit_events')
        .select(['action', 'at'])
        .where('task_id', '=', task.id)
        .where('action', 'in', ['task_overdue', 'task_escalated'])
        .orderBy('id')
        .execute();
      expect(marks.map((m) => m.action)).toEqual(['task_overdue', 'task_escalated']);
      expect(reminded.created_at.getTime()).toBeLessThanOrEqual(marks[0].at.getTime());
      expect((await notices(candidate)).filter((n) => n.taskId === task.id).map((n) => n.kind)).toEqual(
        expect.arrayContaining(['task_reminder', 'task_escalated']),
      );
      const event = (await history(requestId)).find((e) => e.action === 'task_escalated' && e.taskId === task.id)!;
      expect(event.newValue.addedCandidate).toEqual({ org, role: 'sharing_head' });
      expect(event.newValue.supervisor).toBeTruthy();
      // The head is told, in Chinese, and finds it in the inbox with the decisions they may take.
      const told = (await notices(head)).filter((n) => n.taskId === task.id && n.kind === 'task_escalated');
      expect(told.map((n) => n.message)).toEqual(expect.arrayContaining([expect.stringMatching(/^督办升级：.+共享工作机构负责人.+（第三十二条）$/)]));
      const listed = (await inbox(head)).find((x) => x.id === task.id);
      expect(listed).toMatchObject({ status: 'open', allowedDecisions: expect.arrayContaining([PROCEDURES[type].decide.decision]) });
      expect(listed!.escalatedAt).not.toBeNull();
      // Another organisation's head does not see it, nor decide it.
      expect((await inbox(stranger)).some((x) => x.id === task.id)).toBe(false);
      expect((await call(stranger, 'GET', `/tasks/${task.id}`)).statusCode).toBe(404);
      expect((await call(stranger, 'POST', `/tasks/${task.id}/complete`, decisionOf(type))).statusCode).toBe(404);
      recorded.push({ type, name: `escalated to its own head, who decides (${type})`, workflowId: row.workflow_id });
      if (type === 'share') {
        // The head approves an extension of the provider's answer (《政务数据共享条例》): holding the escalated opinion, it does not ask for one.
        const asked = await call(head, 'POST', `/tasks/${task.id}/extension-request`, { workingDays: 3, reason: '需要核对' });
        expect(asked.statusCode).toBe(409);
        expect(asked.json()).toMatchObject({ code: 'ExtensionNotAvailable', errors: [expect.objectContaining({ rule: '负责人审批延期' })] });
      }
      // The head claims and decides it; the trail names them in their role.
      ok(await call(head, 'POST', `/tasks/${task.id}/claim`));
      ok(await call(head, 'POST', `/tasks/${task.id}/complete`, decisionOf(type)));
      expect(ok(await call(head, 'GET', `/tasks/${task.id}`))).toMatchObject({
        status: 'completed',
        decision: PROCEDURES[type].decide.decision,
        decidedBy: head.sub,
      });
      const decided = (await history(requestId)).find((e) => e.action === 'task_completed' && e.taskId === task.id);
      expect(decided?.actor).toMatchObject({ sub: head.sub, role: 'sharing_head' });
    },
    60_000,
  );
});

test('twenty decisions at once on an escalated task, by its candidates and its head: one stands, answered 200, once in the trail', async () => {
  const { requestId, candidate, task } = await started('share');
  const org = task.candidateOrg;
  const heads = Array.from({ length: 10 }, (_, i) => member(org, 'sharing_head', `es-head-${i}-${org}`));
  const reviewers = Array.from({ length: 10 }, (_, i) => member(org, 'provider_reviewer', `es-reviewer-${i}-${org}`));
  for (const who of heads) ok(await call(who, 'GET', '/tasks'));
  await escalated(candidate, task.id);
  const who = Array.from({ length: 20 }, (_, i) => (i % 2 ? heads[i >> 1] : reviewers[i >> 1]));
  const answers = await Promise.all(who.map((a) => call(a, 'POST', `/tasks/${task.id}/complete`, { decision: 'AGREE' })));
  const statuses = answers.map((a) => a.statusCode);
  expect(statuses.filter((c) => c === 200)).toHaveLength(1);
  expect(statuses.filter((c) => c === 409)).toHaveLength(19);
  const winner = who[statuses.indexOf(200)];
  const decided = (await history(requestId)).filter((e) => e.action === 'task_completed' && e.taskId === task.id);
  expect(decided).toHaveLength(1);
  expect(decided[0].actor.sub).toBe(winner.sub);
}, 60_000);
