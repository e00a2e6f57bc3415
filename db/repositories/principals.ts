// Who members of the public said they are (Art. 29): a natural person by identity document (the number sealed by
// the API, looked up by its keyed hash), a legal person by its credit code; one registration per number. Each
// registration and each conflict is written with its audit event in one transaction.
import type { Insertable, Selectable } from 'kysely';
import type { Db, Executor } from '../index';
import type { PrincipalsTable } from '../schema';
import { appendAudit, type AuditInput } from './audit';
import { notify, type NotificationInput } from './notifications';

export type PrincipalRow = Selectable<PrincipalsTable>;

export function getPrincipal(db: Executor, sub: string): Promise<PrincipalRow | undefined> {
  return db.selectFrom('principals').selectAll().where('sub', '=', sub).executeTakeFirst();
}

/** The sign-in other than `sub` that holds the number (by its look-up hash) or the credit code, if any. */
export async function principalHolder(db: Executor, sub: string, number: { lookup: string } | { uscc: string }): Promise<string | undefined> {
  const q = db.selectFrom('principals').select('sub').where('sub', '<>', sub);
  const row = await ('lookup' in number ? q.where('id_lookup', '=', number.lookup) : q.where('uscc', '=', number.uscc)).executeTakeFirst();
  return row?.sub;
}

/** The sign-in that registered the number with this look-up hash, if any. */
export async function holderOfNumber(db: Executor, lookup: string): Promise<string | undefined> {
  return (await db.selectFrom('principals').select('sub').where('id_lookup', '=', lookup).executeTakeFirst())?.sub;
}

/**
 * Registers (or re-registers) `row` for its sign-in, with its audit event: false, writing nothing, when another
 * sign-in holds the number or credit code (two claiming it at once: the unique index lets one through).
 */
export async function savePrincipal(db: Db, row: Insertable<PrincipalsTable> & { sub: string }, audit: AuditInput): Promise<boolean> {
  const taken = new Error('held by another sign-in');
  return db
    .transaction()
    .execute(async (tx) => {
      if (await principalHolder(tx, row.sub, row.id_lookup ? { lookup: row.id_lookup } : { uscc: row.uscc! })) throw taken;
      await tx
        .insertInto('principals')
        .values(row)
        .onConflict((oc) => oc.column('sub').doUpdateSet({ ...row, updated_at: new Date() }))
        .execute()
        .catch((err: { code?: string }) => {
          throw err.code === '23505' ? taken : err;
        });
      await appendAudit(tx, audit);
      return true;
    })
    .catch((err) => {
      if (err === taken) return false;
      throw err;
    });
}

/** An audit event and, when there is a holder to tell, their notice, in one transaction. */
export async function recordWithNotice(db: Db, audit: AuditInput, notice: NotificationInput | null): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await appendAudit(tx, audit);
    if (notice) await notify(tx, notice);
  });
}

/**
 * Key rotation: every sealed number not sealed under `current` is sealed again by `reseal`, in batches (the
 * look-up hash does not change). `subs`: only these people's. Answers how many were re-sealed.
 */
export async function resealNumbers(
  db: Db,
  current: string,
  reseal: (sealed: string) => string,
  options: { batch?: number; subs?: string[] } = {},
): Promise<number> {
  let done = 0;
  for (;;) {
    let q = db.selectFrom('principals').select(['sub', 'id_sealed']).where('id_sealed', 'is not', null).where('id_sealed', 'not like', `${current}:%`);
    if (options.subs) q = q.where('sub', 'in', options.subs);
    const rows = await q
      .orderBy('sub')
      .limit(options.batch ?? 500)
      .execute();
    if (!rows.length) return done;
    await db.transaction().execute(async (tx) => {
      for (const r of rows)
        await tx
          .updateTable('principals')
          .set({ id_sealed: reseal(r.id_sealed!), updated_at: new Date() })
          .where('sub', '=', r.sub)
          .where('id_sealed', '=', r.id_sealed)
          .execute();
    });
    done += rows.length;
  }
}
