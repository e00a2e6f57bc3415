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

/** What is found wrong with an event of the trail's hash chains (migration 022). */
export type ChainBreak = 'altered' | 'predecessor missing' | 'predecessor altered';

/**
 * The events whose chain is broken, oldest first: an event whose hash is not that of what it holds (changed
 * after it was written), one whose predecessor in its request's chain is gone (taken out), or one whose
 * predecessor's hash is not the one it carries (the predecessor changed and its hash written again).
 */
export async function chainBreaks(db: Executor, limit = 100) {
  const { rows } = await sql<{ id: string; request_id: string | null; chain_seq: number; problem: ChainBreak }>`
    select id, request_id, chain_seq, problem from (
      select e.id, e.request_id, e.chain_seq,
        case when e.hash is distinct from audit_event_hash(e) then 'altered'
             when e.chain_seq > 1 and p.id is null then 'predecessor missing'
             when e.prev_hash is distinct from p.hash then 'predecessor altered' end as problem
      from audit_events e
      left join audit_events p on coalesce(p.request_id, '') = coalesce(e.request_id, '') and p.chain_seq = e.chain_seq - 1
    ) checked
    where problem is not null
    order by id
    limit ${limit}`.execute(db);
  return rows;
}

/** How many events and chains the trail holds. */
export async function chainCounts(db: Executor) {
  const { rows } = await sql<{ events: string; chains: string }>`
    select count(*) as events, count(distinct coalesce(request_id, '')) as chains from audit_events`.execute(db);
  return { events: Number(rows[0].events), chains: Number(rows[0].chains) };
}

export interface AuditExportFilter {
  from?: Date;
  to?: Date;
  /** Events by, or of requests of, these organisations; undefined for every one. */
  orgs?: string[];
  procedure?: string;
}

/** One page of the trail for an export, by id after `after`: each event with its request's type and case number. */
export function auditExportPage(db: Executor, f: AuditExportFilter, after: string, limit: number) {
  return db
    .selectFrom('audit_events as e')
    .leftJoin('requests as r', 'r.id', 'e.request_id')
    .selectAll('e')
    .select(['r.type as procedure', 'r.case_number'])
    .where('e.id', '>', after)
    .$if(f.from !== undefined, (q) => q.where('e.at', '>=', f.from!))
    .$if(f.to !== undefined, (q) => q.where('e.at', '<', f.to!))
    .$if(f.procedure !== undefined, (q) => q.where('r.type', '=', f.procedure!))
    .$if(f.orgs !== undefined, (q) =>
      f.orgs!.length ? q.where((w) => w.or([w('e.actor_org', 'in', f.orgs!), w('r.applicant_org', 'in', f.orgs!)])) : q.where(sql<boolean>`false`),
    )
    .orderBy('e.id')
    .limit(limit)
    .execute();
}
