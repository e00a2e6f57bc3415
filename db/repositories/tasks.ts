// The task inbox and the overdue list: the two queries that must stay index range scans as tasks grow.
import type { Executor } from '../index';
import { nameOf } from './people';
import { requestLabels } from './requests';

export interface InboxFilter {
  status: 'open' | 'completed' | 'cancelled';
  kind?: string;
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
    if (f.kind || f.overdue !== undefined) {
      let j = q.innerJoin('tasks as t', 't.id', 'c.task_id');
      if (f.kind) j = j.where('t.kind', '=', f.kind);
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
