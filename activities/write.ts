// The shape of every read-model write (ARCHITECTURE.md, "The layers"): the effect, at most once, and what it leaves in the
// trail (audit events, notices), together. An effect that finds its work done (an earlier attempt made
// it, or the state moved on) records nothing. Two forms: writeOnce when the trail is made from the row
// the effect returns (one transaction), writeAsOne when the trail is known before (one statement, so
// one round trip; hot paths: a request recorded, a round's tasks opened).
import { sql, type OperationNodeSource } from 'kysely';
import type { Db, Executor } from '../db';
import { appendAudits, auditRow, type AuditInput } from '../db/repositories/audit';
import { noticeRow, notifyAll, requestRef, withRequestRef, type NotificationInput } from '../db/repositories/notifications';

export interface Trail {
  audit?: AuditInput[];
  notices?: NotificationInput[];
}

/** Runs in its own transaction, or, given one, inside it (several writes of one step commit together). */
export async function writeOnce<R>(
  db: Db | Executor,
  effect: (tx: Executor) => Promise<R | undefined>,
  trail: (row: R, tx: Executor) => Trail | Promise<Trail>,
): Promise<R | undefined> {
  const write = async (tx: Executor) => {
    const row = await effect(tx);
    if (row === undefined) return undefined;
    const { audit = [], notices = [] } = await trail(row, tx);
    await appendAudits(tx, audit);
    await notifyAll(tx, notices);
    return row;
  };
  return db.isTransaction ? write(db) : (db as Db).transaction().execute(write);
}

/** The columns of a row as written (auditRow, noticeRow), in the order auditSelect and noticeSelect list them. */
export const columnsOf = <R extends object>(row: R) => Object.keys(row) as (keyof R & string)[];

/** A data-modifying query whose RETURNING gives `key`: the id of each row it made or changed. */
type Effect = OperationNodeSource;

/** Trail rows in the order they are written, each with the key of the effect row it belongs to. */
export type OrderedTrail = [key: string, trail: Trail][];

/**
 * Effects and their trail in one statement: the effects run (data-modifying CTEs), and each trail row is
 * written, in the order given, only if an effect returned the key it belongs to. Answers with the keys
 * the effects returned. `recorded`: the index of an effect that records a request (its RETURNING gives the row's
 * id, case_number and catalog_entry_id too), so that its notices name the request the statement itself records.
 */
export async function writeAsOne(db: Db | Executor, effects: Effect[], trail: OrderedTrail, recorded?: number): Promise<Set<string>> {
  const rows = trail.map(([k, t]) => ({
    audit: (t.audit ?? []).map((e) => ({ k, ...auditRow(e) })),
    notices: (t.notices ?? []).map((n) => ({ k, ...noticeRow(n) })),
  }));
  // Numbered, so they are written in the order given (an event's id is its place in the trail).
  const audit = JSON.stringify(rows.flatMap((r) => r.audit).map((row, n) => ({ ...row, n })));
  const notices = JSON.stringify(rows.flatMap((r) => r.notices).map((row, n) => ({ ...row, n })));
  const parts = effects.map((e, i) => sql`${sql.raw(`e${i}`)} as (${e})`);
  const keys = sql.join(
    effects.map((_e, i) => sql.raw(`select key from e${i}`)),
    sql` union all `,
  );
  const v = (c: string) => sql.ref(`v.${c}`);
  const ref = requestRef(v('request_id'));
  const message = withRequestRef(v('message'), recorded === undefined ? ref : sql`coalesce(${requestRef(v('request_id'), sql.raw(`e${recorded}`))}, ${ref})`);
  const { rows: made } = await sql<{ key: string }>`
    with ${sql.join(parts)},
    effect as (${keys}),
    audit as (
      insert into audit_events (event_key, request_id, task_id, actor_sub, actor_org, actor_role, action, article, decision, reason, old_value, new_value)
      select v.event_key, v.request_id, v.task_id, v.actor_sub, v.actor_org, v.actor_role, v.action, v.article, v.decision, v.reason, v.old_value::jsonb, v.new_value::jsonb
      from jsonb_to_recordset(${audit}::jsonb) as v(k text, event_key text, request_id text, task_id text, actor_sub text, actor_org text, actor_role text, action text, article text, decision text, reason text, old_value text, new_value text, n int)
      where v.k in (select key from effect)
      order by v.n
      on conflict (event_key) do nothing
    ),
    notices as (
      insert into notifications (notification_key, recipient_org, recipient_role, recipient_user, recipient_legal_person, kind, request_id, task_id, message)
      select v.notification_key, v.recipient_org, v.recipient_role, v.recipient_user, v.recipient_legal_person, v.kind, v.request_id, v.task_id, ${message}
      from jsonb_to_recordset(${notices}::jsonb) as v(k text, notification_key text, recipient_org text, recipient_role text, recipient_user text, recipient_legal_person text, kind text, request_id text, task_id text, message text, n int)
      where v.k in (select key from effect)
      order by v.n
      on conflict (notification_key) do nothing
    )
    select key from effect`.execute(db);
  return new Set(made.map((r) => r.key));
}
