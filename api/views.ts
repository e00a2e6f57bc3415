// Read-model rows as the API shows them, visibility rules, and opaque cursors.
import type { Db } from '../db';
import type { RequestRow, TaskRow } from '../db/schema';
import { allowedDecisions, isCandidate, isTaskKind, type TaskAccessView } from '../domain/tasks';
import type { Actor, Role } from '../domain/types';
import { problem, ProblemError } from './problem';

export function taskAccess(row: TaskRow): TaskAccessView {
  if (!isTaskKind(row.kind)) throw new Error(`unknown task kind ${row.kind}`);
  return {
    kind: row.kind,
    status: row.status,
    candidateRole: row.candidate_role as Role,
    candidateOrg: row.candidate_org,
    candidateUser: row.candidate_user,
    assignee: row.assignee,
  };
}

export function taskView(row: TaskRow) {
  return {
    id: row.id,
    requestId: row.request_id,
    kind: row.kind,
    status: row.status,
    candidateRole: row.candidate_role,
    candidateOrg: row.candidate_org,
    assignee: row.assignee,
    article: row.article,
    dueAt: row.due_at.toISOString(),
    remindAt: row.remind_at?.toISOString() ?? null,
    dueCalendarKnown: row.due_calendar_known,
    overdue: row.overdue_at !== null,
    allowedDecisions: row.status === 'open' && isTaskKind(row.kind) ? allowedDecisions(row.kind) : [],
    decision: row.decision,
    reason: row.reason,
    form: row.form,
    decidedBy: row.decided_by,
    createdAt: row.created_at.toISOString(),
    completedAt: row.completed_at?.toISOString() ?? null,
  };
}

export async function requestView(db: Db, row: RequestRow) {
  const [tasks, grant] = await Promise.all([
    db.selectFrom('tasks').selectAll().where('request_id', '=', row.id).orderBy('created_at').orderBy('id').execute(),
    db.selectFrom('grants').selectAll().where('request_id', '=', row.id).executeTakeFirst(),
  ]);
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    applicant: { sub: row.applicant_sub, org: row.applicant_org },
    catalogEntryId: row.catalog_entry_id,
    payload: row.payload,
    outcome: row.outcome,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    tasks: tasks.map(taskView),
    grant: grant
      ? {
          id: grant.id,
          status: grant.status,
          catalogEntryId: grant.catalog_entry_id,
          granteeOrg: grant.grantee_org,
          scope: grant.scope,
          purpose: grant.purpose,
          grantedAt: grant.granted_at.toISOString(),
          expiresAt: grant.expires_at.toISOString(),
          endedAt: grant.ended_at?.toISOString() ?? null,
          endReason: grant.end_reason,
        }
      : null,
  };
}

/** A request the caller may see: their own, one they hold or held a task on, or any for supervisors and admins. */
export async function visibleRequest(db: Db, actor: Actor, id: string): Promise<RequestRow> {
  const row = await db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw problem('RequestNotFound');
  if (row.applicant_sub === actor.sub || actor.roles.includes('supervisor') || actor.roles.includes('admin')) return row;
  const tasks = await db.selectFrom('tasks').selectAll().where('request_id', '=', id).execute();
  if (tasks.some((t) => isCandidate(taskAccess(t), actor))) return row;
  throw problem('RequestNotFound');
}

export function encodeCursor(values: (string | number)[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined, arity: number): string[] | null {
  if (!cursor) return null;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === arity && v.every((x) => typeof x === 'string')) return v;
  } catch {
    // fall through to the problem below
  }
  throw new ProblemError('InvalidInput', 'cursor is not one this API issued', [
    { field: 'querystring.cursor', rule: 'cursor', message: 'cursor is not one this API issued' },
  ]);
}
