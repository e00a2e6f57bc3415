import { sql, type Expression, type RawBuilder } from 'kysely';
import type { Executor } from '../index';
import { REQUEST_REF } from '../../domain/notices';
import type { Candidate } from '../../domain/tasks';

export interface NotificationInput {
  key: string;
  /** legalPerson: a legal person (USCC), read by its own account and its current agents. */
  to: { org?: string | null; role?: string | null; user?: string | null; legalPerson?: string | null };
  kind: string;
  requestId?: string | null;
  taskId?: string | null;
  message: string;
}

/** A notice as its row is written. */
export function noticeRow(n: NotificationInput) {
  return {
    notification_key: n.key,
    recipient_org: n.to.org ?? null,
    recipient_role: n.to.role ?? null,
    recipient_user: n.to.user ?? null,
    recipient_legal_person: n.to.legalPerson ?? null,
    kind: n.kind,
    request_id: n.requestId ?? null,
    task_id: n.taskId ?? null,
    message: n.message,
  };
}

/** The notice `n` as the select list of an INSERT … SELECT from a CTE of the same statement (see auditSelect). */
export function noticeSelect(n: ReturnType<typeof noticeRow>, from: Partial<Record<keyof ReturnType<typeof noticeRow>, RawBuilder<unknown>>>) {
  return (Object.keys(n) as (keyof typeof n)[]).map((c) => (from[c] ?? sql.val(n[c])).as(c));
}

/**
 * The words REQUEST_REF stands for (domain/notices.ts): （受理编号 …「the entry's title」）, from the row of
 * `requests` (the table, or a statement's own just-inserted rows with the same columns) whose id is `requestId`.
 */
export function requestRef(requestId: Expression<unknown>, requests: RawBuilder<unknown> = sql`requests`): RawBuilder<string | null> {
  return sql<string | null>`(select coalesce('（' || nullif(concat_ws('', '受理编号 ' || r.case_number, '「' || e.title || '」'), '') || '）', '')
    from ${requests} r left join catalog_entries e on e.id = r.catalog_entry_id where r.id = ${requestId})`;
}

/** `message` with its first REQUEST_REF replaced by `ref` (nothing when null): written once, so a reason quoting the mark stays as typed. */
export function withRequestRef(message: Expression<unknown>, ref: Expression<unknown>): RawBuilder<string> {
  const at = sql`strpos(${message}, ${sql.lit(REQUEST_REF)})`;
  return sql<string>`case when ${at} > 0 then overlay(${message} placing coalesce(${ref}, '') from ${at} for ${sql.lit(REQUEST_REF.length)}) else ${message} end`;
}

/** Writes notices in one statement; one already written under its key is not written again. */
export async function notifyAll(db: Executor, notices: NotificationInput[]): Promise<void> {
  if (!notices.length) return;
  await db
    .insertInto('notifications')
    .values(notices.map((n) => ({ ...noticeRow(n), message: withRequestRef(sql.val(n.message), requestRef(sql.val(n.requestId ?? null))) })))
    .onConflict((oc) => oc.column('notification_key').doNothing())
    .execute();
}

/** A notice to each candidate of a task (a named person, a legal person, or the role in the organisation); the first keeps the plain key. */
export function toCandidates(candidates: Candidate[], n: Omit<NotificationInput, 'to'>): NotificationInput[] {
  return candidates.map((c, i) => ({
    ...n,
    key: i === 0 ? n.key : `${n.key}:${i}`,
    to: c.user ? { user: c.user } : c.legalPerson ? { legalPerson: c.legalPerson } : { org: c.org, role: c.role },
  }));
}

export async function notify(db: Executor, n: NotificationInput): Promise<void> {
  await notifyAll(db, [n]);
}

/** A person's notifications: addressed to them, to a role they hold in their organisation, or to a legal person they act for now. */
type NoticeReader = { sub: string; org: string | null; roles: string[]; actsFor?: string[] };

/**
 * Whether `who`'s notices list holds `n`: the rule of listNotifications' where clause below, for a row already read (the
 * API's change events test each open stream against one notice without a query each). Change both together.
 */
export function noticeAddressedTo(
  n: { recipient_user: string | null; recipient_org: string | null; recipient_role: string | null; recipient_legal_person: string | null },
  who: NoticeReader,
): boolean {
  if (n.recipient_user === who.sub) return true;
  if (who.org !== null) return n.recipient_user === null && n.recipient_org === who.org && n.recipient_role !== null && who.roles.includes(n.recipient_role);
  return n.recipient_legal_person !== null && (who.actsFor ?? []).includes(n.recipient_legal_person);
}

/** A notice's addressees, for noticeAddressedTo. */
export function noticeRecipients(db: Executor, id: string) {
  return db
    .selectFrom('notifications')
    .select(['recipient_user', 'recipient_org', 'recipient_role', 'recipient_legal_person'])
    .where('id', '=', id)
    .executeTakeFirst();
}

export function listNotifications(db: Executor, who: NoticeReader, afterId: string | null, limit: number) {
  const { org } = who;
  let q = db
    .selectFrom('notifications')
    .selectAll()
    // The case number of the request it is about.
    .select(sql<string | null>`(select r.case_number from requests r where r.id = notifications.request_id)`.as('case_number'))
    .where((eb) =>
      eb.or([
        eb('recipient_user', '=', who.sub),
        // A member of the public (no organisation) gets only what is addressed to them.
        ...(org === null ? [] : [eb.and([eb('recipient_user', 'is', null), eb('recipient_org', '=', org), eb('recipient_role', 'in', who.roles)])]),
        ...(org === null && who.actsFor?.length ? [eb('recipient_legal_person', 'in', who.actsFor)] : []),
      ]),
    );
  if (afterId) q = q.where('id', '<', afterId);
  return q.orderBy('id', 'desc').limit(limit).execute();
}
