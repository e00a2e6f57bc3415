import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../index';

export interface AuditInput {
  eventKey: string;
  requestId: string | null;
  taskId?: string | null;
  actor: { sub: string; org: string | null; role: string };
  action: string;
  article: string;
  decision?: string | null;
  reason?: string | null;
  oldValue?: unknown;
  newValue?: unknown;
}

/** An audit event as its row is written. */
export function auditRow(e: AuditInput) {
  return {
    event_key: e.eventKey,
    request_id: e.requestId,
    task_id: e.taskId ?? null,
    actor_sub: e.actor.sub,
    actor_org: e.actor.org,
    actor_role: e.actor.role,
    action: e.action,
    article: e.article,
    decision: e.decision ?? null,
    reason: e.reason ?? null,
    old_value: JSON.stringify(e.oldValue ?? null),
    new_value: JSON.stringify(e.newValue ?? null),
  };
}

/**
 * The audit event `e` as the select list of an INSERT … SELECT from another part of the same statement
 * (a CTE): the columns named in `from` come from that part's row, the rest are `e`'s.
 */
export function auditSelect(e: ReturnType<typeof auditRow>, from: Partial<Record<keyof ReturnType<typeof auditRow>, RawBuilder<unknown>>>) {
  return (Object.keys(e) as (keyof typeof e)[]).map((c) => (from[c] ?? sql.val(e[c])).as(c));
}

/** Appends audit events in one statement; a replayed activity with the same keys adds nothing. Returns how many were new. */
export async function appendAudits(db: Executor, events: AuditInput[]): Promise<number> {
  if (!events.length) return 0;
  const res = await db
    .insertInto('audit_events')
    .values(events.map(auditRow))
    .onConflict((oc) => oc.column('event_key').doNothing())
    .executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0);
}

/** Appends one audit event; returns whether it was new. */
export async function appendAudit(db: Executor, e: AuditInput): Promise<boolean> {
  return (await appendAudits(db, [e])) > 0;
}

export function listAudit(db: Executor, requestId: string) {
  return db.selectFrom('audit_events').selectAll().where('request_id', '=', requestId).orderBy('id').execute();
}
