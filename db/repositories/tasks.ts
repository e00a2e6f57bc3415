// The task inbox and the overdue list: the two queries that must stay index range scans as tasks grow.
import type { Executor } from '../index';

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

/** Tasks whose candidate organisation and role the caller holds (and, for personal tasks, addressed to them). */
export function inboxQuery(db: Executor, who: { sub: string; org: string; roles: string[] }, f: InboxFilter) {
  let q = db
    .selectFrom('tasks')
    .selectAll()
    .where('candidate_org', '=', who.org)
    .where('candidate_role', 'in', who.roles)
    .where('status', '=', f.status)
    .where((eb) => eb.or([eb('candidate_user', 'is', null), eb('candidate_user', '=', who.sub)]));
  if (f.kind) q = q.where('kind', '=', f.kind);
  if (f.dueBefore) q = q.where('due_at', '<', f.dueBefore);
  if (f.dueAfter) q = q.where('due_at', '>', f.dueAfter);
  if (f.overdue !== undefined) q = q.where('overdue_at', f.overdue ? 'is not' : 'is', null);
  const after = f.after;
  // A row comparison, so the keyset continues inside the index range instead of OR-ing two ranges.
  if (after) q = q.where((eb) => eb(eb.refTuple('due_at', 'id'), '>', eb.tuple(after[0], after[1])));
  return q.orderBy('due_at').orderBy('id').limit(f.limit);
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
  let q = db.selectFrom('tasks').selectAll().where('status', '=', 'open').where('due_at', '<', f.now);
  if (f.candidateOrgs) q = q.where('candidate_org', 'in', f.candidateOrgs.length ? f.candidateOrgs : ['']);
  if (f.kind) q = q.where('kind', '=', f.kind);
  const after = f.after;
  // A row comparison, so the keyset continues inside the index range instead of OR-ing two ranges.
  if (after) q = q.where((eb) => eb(eb.refTuple('due_at', 'id'), '>', eb.tuple(after[0], after[1])));
  return q.orderBy('due_at').orderBy('id').limit(f.limit);
}
