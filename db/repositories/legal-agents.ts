// A legal person's authorised agents (经办人, Art. 29): who acts for which legal person now. The authorisation
// names the agent's number only by its keyed hash (principals.id_lookup's), with their name and document type; a
// person acts for the legal person while a registration with that number, name and document type is theirs.
import type { Insertable } from 'kysely';
import type { Db, Executor } from '../index';
import type { LegalPersonAgentsTable } from '../schema';
import { appendAudit, type AuditInput } from './audit';
import { notify, type NotificationInput } from './notifications';
import { holderOfNumber } from './principals';

/** A legal person someone may act for now: its USCC and registered name. */
export interface ActingFor {
  uscc: string;
  name: string;
}

/**
 * The legal persons `sub` acts for now: itself, when it is a legal person's own account; those whose authorisation
 * in force names its registered number, name and document type, when it is a natural person. One statement, read on
 * every request a member of the public makes, so a revocation takes effect with their next one.
 */
export async function actingFor(db: Executor, sub: string): Promise<ActingFor[]> {
  const own = db.selectFrom('principals').select(['uscc', 'name']).where('sub', '=', sub).where('kind', '=', 'legal');
  const authorised = db
    .selectFrom('principals as me')
    .innerJoin('legal_person_agents as a', (j) =>
      j
        .onRef('a.agent_lookup', '=', 'me.id_lookup')
        .onRef('a.agent_name', '=', 'me.name')
        // Registered before documents were told apart: a resident ID card.
        .on((eb) => eb('a.agent_document_type', '=', eb.fn.coalesce('me.id_document_type', eb.val('resident'))))
        .on('a.revoked_at', 'is', null),
    )
    .innerJoin('principals as lp', (j) => j.onRef('lp.uscc', '=', 'a.uscc').on('lp.kind', '=', 'legal'))
    .select(['lp.uscc', 'lp.name'])
    .where('me.sub', '=', sub)
    .where('me.kind', '=', 'natural');
  const rows = await own.unionAll(authorised).execute();
  return rows.filter((r): r is ActingFor => r.uscc !== null).sort((a, b) => a.uscc.localeCompare(b.uscc));
}

/** A legal person's authorisations, those in force first, newest first. */
export function listAgents(db: Executor, uscc: string) {
  return db
    .selectFrom('legal_person_agents')
    .select(['id', 'agent_name', 'agent_masked', 'agent_document_type', 'authorised_by', 'authorised_at', 'revoked_by', 'revoked_at'])
    .where('uscc', '=', uscc)
    .orderBy((eb) => eb('revoked_at', 'is not', null))
    .orderBy('authorised_at', 'desc')
    .orderBy('id')
    .execute();
}

/** How many authorisations of `uscc` are in force. */
export async function activeAgentCount(db: Executor, uscc: string): Promise<number> {
  const r = await db
    .selectFrom('legal_person_agents')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('uscc', '=', uscc)
    .where('revoked_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

const AGENT_VIEW = ['id', 'agent_name', 'agent_document_type', 'agent_masked', 'authorised_at', 'revoked_at'] as const;

/**
 * Authorises an agent of `row.uscc`, with its audit event and a notice to the sign-in holding the number when there is
 * one, in one transaction serialised per legal person (its account's row, `accountSub`): 'full' when `max` are in
 * force already, 'conflict' when this number is an agent in force already.
 */
export async function authoriseAgent(
  db: Db,
  accountSub: string,
  row: Insertable<LegalPersonAgentsTable> & { id: string; uscc: string; agent_lookup: string },
  p: { max: number; audit: AuditInput; notice: (holder: string) => NotificationInput },
) {
  const conflict = new Error('already authorised');
  return db
    .transaction()
    .execute(async (tx) => {
      await tx.selectFrom('principals').select('sub').where('sub', '=', accountSub).forUpdate().execute();
      if ((await activeAgentCount(tx, row.uscc)) >= p.max) return 'full' as const;
      const inserted = await tx
        .insertInto('legal_person_agents')
        .values(row)
        .returning(AGENT_VIEW)
        .executeTakeFirstOrThrow()
        .catch((err: { code?: string }) => {
          throw err.code === '23505' ? conflict : err;
        });
      await appendAudit(tx, p.audit);
      const holder = await holderOfNumber(tx, row.agent_lookup);
      if (holder) await notify(tx, p.notice(holder));
      return inserted;
    })
    .catch((err) => {
      if (err === conflict) return 'conflict' as const;
      throw err;
    });
}

/** Revokes authorisation `id` of `uscc` if in force, with its audit event and a notice to the agent's sign-in, in one transaction; undefined when none is in force. */
export function revokeAgent(
  db: Db,
  p: {
    id: string;
    uscc: string;
    by: string;
    audit: (r: { agent_name: string; agent_document_type: string; agent_masked: string }) => AuditInput;
    notice: (holder: string, r: { agent_name: string; agent_masked: string }) => NotificationInput;
  },
) {
  return db.transaction().execute(async (tx) => {
    const done = await tx
      .updateTable('legal_person_agents')
      .set({ revoked_at: new Date(), revoked_by: p.by })
      .where('id', '=', p.id)
      .where('uscc', '=', p.uscc)
      .where('revoked_at', 'is', null)
      .returning([...AGENT_VIEW, 'agent_lookup'])
      .executeTakeFirst();
    if (!done) return undefined;
    await appendAudit(tx, p.audit(done));
    const holder = await holderOfNumber(tx, done.agent_lookup);
    if (holder) await notify(tx, p.notice(holder, done));
    return done;
  });
}
