// The shape of every read-model write (DESIGN §3): the effect, at most once, and what it leaves in the
// trail (audit events, notices), in one transaction. An effect that finds its work done (an earlier
// attempt made it, or the state moved on) answers undefined and records nothing.
import type { Db, Executor } from '../db';
import { appendAudit, type AuditInput } from '../db/repositories/audit';
import { notify, type NotificationInput } from '../db/repositories/notifications';

export interface Trail {
  audit?: AuditInput[];
  notices?: NotificationInput[];
}

export async function writeOnce<R>(db: Db, effect: (tx: Executor) => Promise<R | undefined>, trail: (row: R, tx: Executor) => Trail | Promise<Trail>): Promise<R | undefined> {
  return db.transaction().execute(async (tx) => {
    const row = await effect(tx);
    if (row === undefined) return undefined;
    const { audit = [], notices = [] } = await trail(row, tx);
    for (const e of audit) await appendAudit(tx, e);
    for (const n of notices) await notify(tx, n);
    return row;
  });
}
