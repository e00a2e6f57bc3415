// The read-model writes of a lifecycle, each run twice as a retried activity runs it: the effect, its
// audit events and its notices are there once, and a write that finds its work done records nothing.
import { randomUUID } from 'node:crypto';
import { createActivities } from '../activities';
import { SYSTEM, type ActorRef } from '../domain/types';
import { startHarness, type Harness } from './helpers';

let h: Harness;
let acts: ReturnType<typeof createActivities>;
beforeAll(async () => {
  h = await startHarness('writes');
  acts = createActivities({ db: h.db });
});
afterAll(() => h.close());

const applicant = (): ActorRef => ({ sub: `w-${randomUUID().slice(0, 6)}`, org: h.city.agencies.market, role: 'agency_applicant' });

function round(requestId: string, who: ActorRef) {
  const task = (key: string, kind: string, org: string, role: 'provider_reviewer' | 'authority_reviewer') => ({
    taskId: `${requestId}.${key}`,
    requestId,
    workflowId: `wf-${requestId}`,
    kind,
    candidateRole: role,
    candidateOrg: org,
    candidateUser: null,
    candidates: [{ org, role, user: null }],
    article: 'Art. 14',
    excluded: [who.sub],
    deadlines: { length: { workingDays: 10 }, reminderBefore: { workingDays: 2 } },
  });
  return {
    tasks: [
      task('joint-review-1', 'SHARE_JOINT_REVIEW', h.city.cityAuthority, 'authority_reviewer'),
      task('provider-opinion-1', 'SHARE_PROVIDER_OPINION', h.city.agencies.health, 'provider_reviewer'),
    ],
    transition: { requestId, step: '1-in_review', actor: SYSTEM, status: 'in_review' as const, action: 'review_started', article: 'Art. 14' },
    record: {
      requestId,
      workflowId: `wf-${requestId}`,
      type: 'share',
      applicant: who,
      catalogEntryId: h.city.entries.conditional,
      payload: { scenario: 'writes, 两次' },
      payloadHash: 'x',
      article: 'Art. 15',
    },
  };
}

async function trail(requestId: string) {
  const audit = await h.db
    .selectFrom('audit_events')
    .select(['event_key', 'action', 'old_value', 'new_value'])
    .where('request_id', '=', requestId)
    .orderBy('id')
    .execute();
  const notices = await h.db
    .selectFrom('notifications')
    .select(['notification_key', 'recipient_user', 'recipient_org'])
    .where('request_id', '=', requestId)
    .orderBy('id')
    .execute();
  return { audit, notices };
}

test('a request recorded with its first round, twice: one request, two tasks, each event and notice once, the due times of the first', async () => {
  const requestId = randomUUID();
  const who = applicant();
  const first = await acts.openRound(round(requestId, who));
  const again = await acts.openRound(round(requestId, who));
  expect(again.map((d) => [d.dueAt, d.remindAt])).toEqual(first.map((d) => [d.dueAt, d.remindAt]));
  const { audit, notices } = await trail(requestId);
  expect(audit.map((e) => e.action)).toEqual(['submitted', 'task_opened', 'task_opened', 'review_started']);
  expect(audit[3]).toMatchObject({ old_value: { status: 'submitted' }, new_value: { status: 'in_review' } });
  // The two candidates told of their tasks, the applicant of the status.
  expect(notices.map((n) => n.notification_key).sort()).toEqual(
    [`request:${requestId}:1-in_review`, `task:${requestId}.joint-review-1:opened`, `task:${requestId}.provider-opinion-1:opened`].sort(),
  );
  expect(notices.find((n) => n.notification_key.startsWith('request:'))?.recipient_user).toBe(who.sub);
  const row = await h.db.selectFrom('requests').select(['status', 'payload']).where('id', '=', requestId).executeTakeFirstOrThrow();
  expect(row).toEqual({ status: 'in_review', payload: { scenario: 'writes, 两次' } });
  // The request moves on; a late retry of the first step must not move it back.
  await acts.transitionRequest({ requestId, step: '2-rejected', actor: SYSTEM, status: 'rejected', action: 'rejected', article: 'Art. 14' });
  await acts.openRound(round(requestId, who));
  expect((await h.db.selectFrom('requests').select('status').where('id', '=', requestId).executeTakeFirstOrThrow()).status).toBe('rejected');
  expect((await trail(requestId)).audit.map((e) => e.action)).toEqual(['submitted', 'task_opened', 'task_opened', 'review_started', 'rejected']);
});

test('a decision written twice is one decision and one event; a decision on a closed task records nothing', async () => {
  const requestId = randomUUID();
  const who = applicant();
  await acts.openRound(round(requestId, who));
  const taskId = `${requestId}.provider-opinion-1`;
  const carol: ActorRef = { sub: 'w-carol', org: h.city.agencies.health, role: 'provider_reviewer' };
  await acts.recordDecision({ taskId, actor: carol, decision: 'AGREE', reason: null, form: null });
  await acts.recordDecision({ taskId, actor: carol, decision: 'AGREE', reason: null, form: null });
  // Another decision on the task now closed (e.g. a stale attempt) changes nothing.
  await acts.recordDecision({ taskId, actor: { ...carol, sub: 'w-other' }, decision: 'DISAGREE', reason: 'late', form: null });
  const task = await h.db.selectFrom('tasks').select(['status', 'decision', 'decided_by']).where('id', '=', taskId).executeTakeFirstOrThrow();
  expect(task).toEqual({ status: 'completed', decision: 'AGREE', decided_by: 'w-carol' });
  const completed = (await trail(requestId)).audit.filter((e) => e.action === 'task_completed');
  expect(completed).toEqual([
    {
      event_key: `task:${taskId}:completed`,
      action: 'task_completed',
      old_value: { status: 'open' },
      new_value: { status: 'completed', decision: 'AGREE', form: null },
    },
  ]);
  const event = await h.db
    .selectFrom('audit_events')
    .select(['request_id', 'article', 'actor_sub', 'actor_role'])
    .where('event_key', '=', `task:${taskId}:completed`)
    .executeTakeFirstOrThrow();
  expect(event).toEqual({ request_id: requestId, article: 'Art. 14', actor_sub: 'w-carol', actor_role: 'provider_reviewer' });
});

test('a status change of a request that has no row fails for good (nothing to change), not silently', async () => {
  await expect(
    acts.transitionRequest({ requestId: randomUUID(), step: '1-in_review', actor: SYSTEM, status: 'in_review', action: 'review_started', article: 'Art. 14' }),
  ).rejects.toMatchObject({
    type: 'RequestNotFound',
    nonRetryable: true,
  });
});
