// The task inbox and the overdue list (the two queries that must stay index range scans as tasks grow), and a supervisor's urging.
import { sql } from 'kysely';
import type { Db, Executor } from '../index';
import { deadlineAfter } from '../../domain/calendar';
import type { RuleViolation } from '../../domain/errors';
import { taskUrgedNotice } from '../../domain/notices';
import { urgeViolation } from '../../domain/tasks';
import type { Actor, ActorRef, Duration } from '../../domain/types';
import { appendAudit } from './audit';
import { readCalendarOverrides, statutoryCalendar } from './calendar';
import { notifyAll, toCandidates } from './notifications';
import { nameOf } from './people';
import { requestLabels } from './requests';

export interface InboxFilter {
  status: 'open' | 'completed' | 'cancelled';
  kind?: string;
  /** Only tasks of these kinds (a delegation's, 代理). */
  kinds?: string[];
  dueBefore?: Date;
  dueAfter?: Date;
  overdue?: boolean;
  /** Continue after this (due_at, id). */
  after?: [Date, string] | null;
  limit: number;
}

/**
 * Tasks of which the caller is a candidate (their organisation and a role they hold, and, for personal
 * tasks, addressed to them), by due time. Per role one range of the task_candidates index read up to
 * the page's size, merged, then the page's task rows by primary key: the cost follows the page, not
 * the number of tasks. A caller who is a candidate twice over (two roles) gets the task twice here,
 * adjacent in (due_at, id) order; the route drops the repeat.
 */
export function inboxQuery(db: Executor, who: { sub: string; org: string | null; roles: string[]; actsFor?: string[] }, f: InboxFilter) {
  const { org } = who;
  /** One range: the role's tasks addressed to the caller, or (legalPerson) to a legal person they act for. */
  const byRole = (role: string, legalPerson?: string) => {
    let q = db.selectFrom('task_candidates as c').select(['c.task_id', 'c.due_at']).where('c.role', '=', role).where('c.status', '=', f.status);
    // A member of the public's tasks are addressed to them by name (task_candidates_personal) or to a legal person
    // they act for (task_candidates_legal_person); staff's to their organisation, or to them there (task_candidates_inbox).
    q = legalPerson
      ? q.where('c.legal_person', '=', legalPerson)
      : role === 'public_applicant' || org === null
        ? q.where('c.user_sub', '=', who.sub)
        : q.where('c.org', '=', org).where((eb) => eb.or([eb('c.user_sub', 'is', null), eb('c.user_sub', '=', who.sub)]));
    if (f.kind || f.kinds || f.overdue !== undefined) {
      let j = q.innerJoin('tasks as t', 't.id', 'c.task_id');
      if (f.kind) j = j.where('t.kind', '=', f.kind);
      if (f.kinds) j = j.where('t.kind', 'in', f.kinds.length ? f.kinds : ['']);
      if (f.overdue !== undefined) j = j.where('t.overdue_at', f.overdue ? 'is not' : 'is', null);
      q = j;
    }
    if (f.dueBefore) q = q.where('c.due_at', '<', f.dueBefore);
    if (f.dueAfter) q = q.where('c.due_at', '>', f.dueAfter);
    const after = f.after;
    // A row comparison, so the keyset continues inside the index range instead of OR-ing two ranges.
    if (after) q = q.where((eb) => eb(eb.refTuple('c.due_at', 'c.task_id'), '>', eb.tuple(after[0], after[1])));
    return db.selectFrom(q.orderBy('c.due_at').orderBy('c.task_id').limit(f.limit).as('r')).selectAll();
  };
  const [first, ...rest] = who.roles.length ? who.roles : [''];
  const legal = org === null && who.roles.includes('public_applicant') ? (who.actsFor ?? []) : [];
  const ranges = [...rest.map((role) => byRole(role)), ...legal.map((uscc) => byRole('public_applicant', uscc))].reduce(
    (u, range) => u.unionAll(range),
    byRole(first),
  );
  return db
    .selectFrom(ranges.as('p'))
    .innerJoin('tasks', 'tasks.id', 'p.task_id')
    .selectAll('tasks')
    .select(nameOf('tasks.assignee').as('assignee_name'))
    .select(requestLabels('tasks.request_id'))
    .orderBy('p.due_at')
    .orderBy('p.task_id')
    .limit(f.limit);
}

export interface OverdueFilter {
  now: Date;
  candidateOrgs?: string[];
  kind?: string;
  after?: [Date, string] | null;
  limit: number;
}

/** Open tasks past their due time, longest overdue first. */
export function overdueQuery(db: Executor, f: OverdueFilter) {
  let q = db
    .selectFrom('tasks')
    .selectAll()
    .select(nameOf('tasks.assignee').as('assignee_name'))
    .select(requestLabels('tasks.request_id'))
    .where('status', '=', 'open')
    .where('due_at', '<', f.now);
  if (f.candidateOrgs) q = q.where('candidate_org', 'in', f.candidateOrgs.length ? f.candidateOrgs : ['']);
  if (f.kind) q = q.where('kind', '=', f.kind);
  const after = f.after;
  // A row comparison, so the keyset continues inside the index range instead of OR-ing two ranges.
  if (after) q = q.where((eb) => eb(eb.refTuple('due_at', 'id'), '>', eb.tuple(after[0], after[1])));
  return q.orderBy('due_at').orderBy('id').limit(f.limit);
}

export interface UrgeInput {
  taskId: string;
  /** The supervisor urging, as the trail names them. */
  actor: Actor;
  by: ActorRef;
  message: string;
  /** The procedure's `urgeInterval`: how soon the task may be urged again. */
  interval: Duration;
  now?: Date;
}

/** An urging made (or, for a retry of the last one, as it was made): the task's count and its time. */
export type UrgeOutcome = { urged: { count: number; at: Date } } | { refused: RuleViolation } | { notFound: true };

/**
 * A supervisor urges a task (督办, Art. 32): the count on the task, the audit event and the notices to its
 * candidates and its holder, in one transaction, the task's row locked so two urgings at once are counted one
 * after the other (and the second refused by the interval). Nothing goes to the workflow: an urging decides
 * nothing and moves no deadline. A retry of the last urging (the same supervisor, the same words, within its
 * interval) answers as it was made and writes nothing.
 */
export async function urgeTask(db: Db, input: UrgeInput): Promise<UrgeOutcome> {
  const now = input.now ?? new Date();
  const message = input.message.trim();
  return db.transaction().execute(async (tx) => {
    const t = await tx.selectFrom('tasks').selectAll().where('id', '=', input.taskId).forUpdate().executeTakeFirst();
    if (!t) return { notFound: true };
    const nextUrgeAt = t.urged_at ? deadlineAfter(t.urged_at, input.interval, statutoryCalendar(await readCalendarOverrides(tx))) : null;
    if (t.urged_at && nextUrgeAt && now < nextUrgeAt) {
      const last = await tx
        .selectFrom('audit_events')
        .select(['actor_sub', 'reason'])
        .where('event_key', '=', `task:${t.id}:urged:${t.urge_count}`)
        .executeTakeFirst();
      if (last?.actor_sub === input.by.sub && last.reason === message) return { urged: { count: t.urge_count, at: t.urged_at } };
    }
    const refused = urgeViolation({ status: t.status, dueAt: t.due_at, remindAt: t.remind_at, nextUrgeAt }, input.actor, message, now);
    if (refused) return { refused };
    const count = t.urge_count + 1;
    const key = `task:${t.id}:urged:${count}`;
    await appendAudit(tx, {
      eventKey: key,
      requestId: t.request_id,
      taskId: t.id,
      actor: input.by,
      action: 'task_urged',
      article: 'Art. 32',
      reason: message,
      oldValue: { urgeCount: t.urge_count },
      newValue: { urgeCount: count, dueAt: t.due_at.toISOString(), overdue: now >= t.due_at },
    });
    await tx.updateTable('tasks').set({ urge_count: count, urged_at: now }).where('id', '=', t.id).execute();
    const notice = { kind: 'task_urged', requestId: t.request_id, taskId: t.id, message: taskUrgedNotice(t.kind, count, message) };
    await notifyAll(tx, [
      ...toCandidates(t.candidates, { key, ...notice }),
      // The holder is told by name: whoever claimed it is the one the supervisor is waiting for.
      ...(t.assignee ? [{ key: `${key}:holder`, to: { user: t.assignee }, ...notice }] : []),
    ]);
    return { urged: { count, at: now } };
  });
}

/** Open tasks of one organisation that are due soon (their reminder time reached) or overdue at `now`, and all of them, by kind. */
export function organisationTaskCounts(db: Executor, org: string, now: Date) {
  return db
    .selectFrom('tasks')
    .select([
      'kind',
      sql<number>`count(*)::int`.as('open'),
      sql<number>`(count(*) filter (where due_at <= ${now}))::int`.as('overdue'),
      sql<number>`(count(*) filter (where due_at > ${now} and (remind_at is null or remind_at <= ${now})))::int`.as('dueSoon'),
    ])
    .where('candidate_org', '=', org)
    .where('status', '=', 'open')
    .groupBy('kind')
    .execute();
}

/** Tasks a member of the public holds (no candidate organisation) are counted under this division. */
export const NO_DIVISION = 'none';

/**
 * Open and overdue tasks at `now` by kind and the division of their candidate organisation, for the API's gauges:
 * one grouped scan of the open tasks (the partial index tasks_open_due), as many rows as kinds × divisions.
 */
export function openTaskCountsByDivision(db: Executor, now: Date) {
  return db
    .selectFrom('tasks as t')
    .leftJoin('organisations as o', 'o.id', 't.candidate_org')
    .select([
      't.kind',
      sql<string>`coalesce(o.division, ${NO_DIVISION})`.as('division'),
      sql<number>`count(*)::int`.as('open'),
      sql<number>`(count(*) filter (where t.due_at <= ${now}))::int`.as('overdue'),
    ])
    .where('t.status', '=', 'open')
    .groupBy(['t.kind', 'o.division'])
    .execute();
}

/** One organisation's open tasks (of `kinds`, when given), oldest first, continuing after (created_at, id). */
export function organisationTasksQuery(db: Executor, f: { org: string; kinds?: string[]; after?: [Date, string] | null; limit: number }) {
  let q = db
    .selectFrom('tasks')
    .selectAll()
    .select(nameOf('tasks.assignee').as('assignee_name'))
    .select(requestLabels('tasks.request_id'))
    .where('candidate_org', '=', f.org)
    .where('status', '=', 'open');
  if (f.kinds) q = q.where('kind', 'in', f.kinds.length ? f.kinds : ['']);
  const after = f.after;
  if (after) q = q.where((eb) => eb(eb.refTuple('created_at', 'id'), '>', eb.tuple(after[0], after[1])));
  return q.orderBy('created_at').orderBy('id').limit(f.limit);
}
