// Over HTTP with tiny deadlines: rejection, overdue tasks for supervisors, escalation, grant expiry.
import { randomUUID } from 'node:crypto';
import type { Actor } from '../domain/types';
import { completeTaskUpdate, workflowIdFor } from '../workflows/definitions';
import { startApi, validShareBody, type Api } from './api-helpers';
import { eventually, refusalForm, startHarness, TEST_POLICY, type Harness } from './helpers';

let h: Harness;
let api: Api;
beforeAll(async () => {
  h = await startHarness('deadlines');
  api = await startApi(h, {
    policies: {
      share: {
        ...TEST_POLICY,
        jointReview: { seconds: 2 },
        regulationReview: { seconds: 2 },
        regulationOpinion: { seconds: 2 },
        reminderBefore: { seconds: 1 },
        grantTerm: { seconds: 2 },
        escalateAfter: { seconds: 2 },
      },
    },
  });
});
afterAll(async () => {
  await api.app.close();
  await h.close();
});

const alice = (): Actor => ({ sub: `alice-${randomUUID().slice(0, 6)}`, org: h.city.agencies.market, roles: ['agency_applicant'] });
const supervisor = (): Actor => ({ sub: 'sue', org: h.city.cityAuthority, roles: ['supervisor'] });
const call = (actor: Actor, method: 'GET' | 'POST', url: string, payload?: object) => api.app.inject({ method, url, payload, headers: api.as(actor) });

test('the authority’s rejection with its reason ends the request; the provider’s open opinion is cancelled', async () => {
  const req = (await call(alice(), 'POST', '/share-requests', validShareBody(h.city.entries.conditional))).json();
  const authority: Actor = { sub: 'bob', org: h.city.cityAuthority, roles: ['authority_reviewer'] };
  const task = req.tasks.find((t: { kind: string }) => t.kind === 'SHARE_JOINT_REVIEW');
  const res = await call(authority, 'POST', `/tasks/${task.id}/complete`, {
    decision: 'REJECT',
    reason: 'licence numbers are not needed for this scenario',
    form: refusalForm,
  });
  expect(res.statusCode).toBe(200);
  expect(res.json()).toMatchObject({ status: 'rejected', outcome: { article: 'Art. 14', reason: 'licence numbers are not needed for this scenario' } });
  const view = (await call({ sub: req.applicant.sub, org: h.city.agencies.market, roles: ['agency_applicant'] }, 'GET', `/requests/${req.id}`)).json();
  expect(view.tasks.map((t: { kind: string; status: string }) => [t.kind, t.status]).sort()).toEqual([
    ['SHARE_JOINT_REVIEW', 'completed'],
    ['SHARE_PROVIDER_OPINION', 'cancelled'],
  ]);
});

test('past due, tasks show as overdue to their reviewers and in the supervisor’s list, and the supervisor is told', async () => {
  const req = (await call(alice(), 'POST', '/share-requests', validShareBody(h.city.entries.conditional))).json();
  const bob: Actor = { sub: 'bob', org: h.city.cityAuthority, roles: ['authority_reviewer'] };
  const overdueInbox = await eventually(async () => {
    const items = (await call(bob, 'GET', '/tasks?overdue=true&limit=100')).json().items as { requestId: string; overdue: boolean }[];
    return items.some((t) => t.requestId === req.id) && items;
  });
  expect(overdueInbox.every((t) => t.overdue)).toBe(true);
  const list = await eventually(async () => {
    const items = (await call(supervisor(), 'GET', '/overdue-tasks?limit=100')).json().items as { requestId: string; status: string; candidateOrg: string }[];
    return items.filter((t) => t.requestId === req.id).length === 2 && items;
  });
  expect(
    list
      .filter((t) => t.requestId === req.id)
      .map((t) => t.candidateOrg)
      .sort(),
  ).toEqual([h.city.agencies.health, h.city.cityAuthority].sort());
  expect(list.every((t) => t.status === 'open')).toBe(true);
  const onlyHealth = (await call(supervisor(), 'GET', `/overdue-tasks?candidateOrg=${h.city.agencies.health}&limit=100`)).json().items as {
    candidateOrg: string;
  }[];
  expect(onlyHealth.every((t) => t.candidateOrg === h.city.agencies.health)).toBe(true);
  const overdueNotes = async () =>
    ((await call(supervisor(), 'GET', '/notifications?limit=100')).json().items as { kind: string; requestId: string }[]).filter(
      (n) => n.kind === 'task_overdue' && n.requestId === req.id,
    );
  expect(await eventually(async () => (await overdueNotes()).length === 2 && overdueNotes())).toHaveLength(2);
  // Reviewers are reminded before the due time.
  const bobNotes = (await call(bob, 'GET', '/notifications?limit=100')).json().items as { kind: string; requestId: string }[];
  expect(bobNotes.some((n) => n.kind === 'task_reminder' && n.requestId === req.id)).toBe(true);
  // Only supervisors read the overdue list; another region's supervisor sees none of it.
  expect((await call(bob, 'GET', '/overdue-tasks')).statusCode).toBe(403);
  // An organisation that does not exist is none: its token is refused.
  const nowhere: Actor = { sub: 'sam', org: 'nowhere-supervision', roles: ['supervisor'] };
  expect((await call(nowhere, 'GET', '/overdue-tasks?limit=100')).statusCode).toBe(401);
  // Overdue is never decided for anyone: the task is still open and can still be decided.
  const task = overdueInbox.find((t) => t.requestId === req.id) as unknown as { id: string };
  expect((await call(bob, 'POST', `/tasks/${task.id}/complete`, { decision: 'CONSULT', reason: 'please reconsider' })).json().status).toBe('in_review');
});

test('a review still open past its due time by the policy’s threshold is escalated to the supervising authority (Art. 32); the leading group never decides it (Art. 13 ¶3, 14)', async () => {
  const me = alice();
  const req = (await call(me, 'POST', '/share-requests', validShareBody(h.city.entries.conditional))).json();
  const group: Actor = { sub: 'zhou', org: h.city.leadingGroup, roles: ['leading_group'] };
  const bob: Actor = { sub: 'bob', org: h.city.cityAuthority, roles: ['authority_reviewer'] };
  const carol: Actor = { sub: 'carol', org: h.city.agencies.health, roles: ['provider_reviewer'] };
  type InboxTask = { id: string; requestId: string; kind: string; status: string; escalatedAt: string | null; candidates: { org: string; role: string }[] };
  const escalated = async (who: Actor) =>
    ((await call(who, 'GET', '/tasks?limit=100')).json().items as InboxTask[]).filter((t) => t.requestId === req.id && t.escalatedAt !== null);
  const lead = (await eventually(async () => (await escalated(bob)).length === 1 && escalated(bob)))[0];
  const opinion = (await eventually(async () => (await escalated(carol)).length === 1 && escalated(carol)))[0];
  // Each task stays its competent body's alone: the city authority concludes 会同 the provider (Art. 14).
  expect(lead.candidates).toEqual([{ org: h.city.cityAuthority, role: 'authority_reviewer', user: null }]);
  expect(opinion.candidates).toEqual([{ org: h.city.agencies.health, role: 'provider_reviewer', user: null }]);
  // The leading group's one power is a share-attribute dispute (Art. 13 ¶3): it neither sees nor decides these.
  expect((await call(group, 'GET', '/tasks?limit=100')).json().items.filter((t: InboxTask) => t.requestId === req.id)).toEqual([]);
  for (const [t, decision] of [
    [opinion, 'AGREE'],
    [lead, 'APPROVE'],
  ] as const)
    expect((await call(group, 'POST', `/tasks/${t.id}/complete`, { decision })).statusCode).toBe(404);
  // The supervisors of the authority over each task's candidate are told (督办), and the candidates again.
  const notes = async (who: Actor) =>
    ((await call(who, 'GET', '/notifications?limit=100')).json().items as { kind: string; requestId: string }[]).filter(
      (n) => n.kind === 'task_escalated' && n.requestId === req.id,
    );
  expect(await eventually(async () => (await notes(supervisor())).length === 2 && notes(supervisor()))).toHaveLength(2);
  expect(await notes(bob)).toHaveLength(1);
  expect(await notes(carol)).toHaveLength(1);
  expect(await notes(group)).toEqual([]);
  // Nothing was decided for anyone; the grant rests on the provider's own opinion.
  expect((await call(carol, 'POST', `/tasks/${opinion.id}/complete`, { decision: 'AGREE' })).json().status).toBe('in_review');
  expect((await call(bob, 'POST', `/tasks/${lead.id}/complete`, { decision: 'APPROVE' })).json().status).toBe('granted');
  const history = (await call(me, 'GET', `/requests/${req.id}/history`)).json().items as {
    action: string;
    article: string;
    taskId: string;
    actor: { role: string };
  }[];
  expect(history.filter((e) => e.action === 'task_escalated').map((e) => e.article)).toEqual(['Art. 32', 'Art. 32']);
  expect(history.find((e) => e.action === 'task_completed' && e.taskId === opinion.id)?.actor.role).toBe('provider_reviewer');
});

test('after escalation, the leading group’s decision sent straight to the workflow is refused by its validator too: the provider’s opinion stands', async () => {
  const me = alice();
  const req = (await call(me, 'POST', '/share-requests', validShareBody(h.city.entries.conditional))).json();
  const opinion = req.tasks.find((t: { kind: string }) => t.kind === 'SHARE_PROVIDER_OPINION').id as string;
  const group: Actor = { sub: 'zhou', org: h.city.leadingGroup, roles: ['leading_group'] };
  const carol: Actor = { sub: 'carol', org: h.city.agencies.health, roles: ['provider_reviewer'] };
  await eventually(() => h.db.selectFrom('tasks').select('id').where('id', '=', opinion).where('escalated_at', 'is not', null).executeTakeFirst());
  const handle = h.client.workflow.getHandle(workflowIdFor('share', req.id));
  await expect(handle.executeUpdate(completeTaskUpdate, { args: [{ taskId: opinion, actor: group, decision: 'AGREE' }] })).rejects.toMatchObject({
    cause: { type: 'NotCandidate' },
  });
  expect(
    (
      await call(carol, 'POST', `/tasks/${opinion}/complete`, {
        decision: 'DISAGREE',
        reason: 'the condition “licensed use only” (许可使用) is not met',
        form: refusalForm,
      })
    ).statusCode,
  ).toBe(200);
  const decided = (await call(me, 'GET', `/requests/${req.id}/history`))
    .json()
    .items.filter((e: { action: string; taskId: string }) => e.action === 'task_completed' && e.taskId === opinion);
  expect(decided).toMatchObject([{ decision: 'DISAGREE', actor: { role: 'provider_reviewer' } }]);
});

test('a grant expires at the end of its term', async () => {
  const me = alice();
  const req = (await call(me, 'POST', '/share-requests', validShareBody(h.city.entries.unconditional))).json();
  expect(req.grant.status).toBe('active');
  const view = await eventually(async () => {
    const v = (await call(me, 'GET', `/requests/${req.id}`)).json();
    return v.status === 'expired' && v;
  });
  expect(view.grant).toMatchObject({ status: 'expired', endReason: 'the grant term ended' });
  const history = (await call(me, 'GET', `/requests/${req.id}/history`)).json().items as { action: string; article: string }[];
  expect(history[history.length - 1]).toMatchObject({ action: 'grant_expired', article: 'Art. 15' });
});
