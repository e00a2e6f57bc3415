// The shape of every read-model write (DESIGN §3): the effect, at most once, and what it leaves in the
// trail (audit events, notices), in one transaction. An effect that finds its work done (an earlier
// attempt made it, or the state moved on) answers undefined and records nothing.
import type { Db, Executor } from '../db';
import { appendAudits, type AuditInput } from '../db/repositories/audit';
import { notifyAll, type NotificationInput } from '../db/repositories/notifications';

export interface Trail {
  audit?: AuditInput[];
  notices?: NotificationInput[];
}

/** Runs in its own transaction, or, given one, inside it (several writes of one step commit together). */
export async function writeOnce<R>(db: Db | Executor, effect: (tx: Executor) => Promise<R | undefined>, trail: (row: R, tx: Executor) => Trail | Promise<Trail>): Promise<R | undefined> {
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
