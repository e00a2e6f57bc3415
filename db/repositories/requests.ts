// Requests of every procedure as the API reads them; the activities write them (activities/requests.ts).
import type { Executor } from '../index';
import type { RequestStatus } from '../../domain/requests';

export function getRequest(db: Executor, id: string) {
  return db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A person's own requests, newest first, continuing below `beforeSeq`. */
export function listOwnRequests(db: Executor, who: { sub: string; org: string }, f: { type?: string; status?: RequestStatus; beforeSeq?: string; limit: number }) {
  let q = db.selectFrom('requests').selectAll().where('applicant_sub', '=', who.sub).where('applicant_org', '=', who.org);
  if (f.type) q = q.where('type', '=', f.type);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.beforeSeq) q = q.where('seq', '<', f.beforeSeq);
  return q.orderBy('seq', 'desc').limit(f.limit).execute();
}

/** A request's tasks in the order they were opened. */
export function tasksOfRequest(db: Executor, requestId: string) {
  return db.selectFrom('tasks').selectAll().where('request_id', '=', requestId).orderBy('created_at').orderBy('id').execute();
}

/** A task with the applicant of its request (whom the exclusion rules need). */
export function getTaskWithApplicant(db: Executor, id: string) {
  return db.selectFrom('tasks').innerJoin('requests', 'requests.id', 'tasks.request_id').selectAll('tasks').select('requests.applicant_sub').where('tasks.id', '=', id).executeTakeFirst();
}
