// Delegations (代理, migration 033): who stands in for whom, for which task kinds, when. Read when the inbox is listed and
// a task is decided (domain/delegations.ts holds the rules); written with their audit events in one transaction.
import { sql } from 'kysely';
import type { Db, Executor } from '../index';
import { overlaps } from '../../domain/delegations';
import { delegationEndedNotice, delegationMadeNotice } from '../../domain/notices';
import type { Candidate } from '../../domain/tasks';
import type { ActorRef, OrgActor, Role } from '../../domain/types';
import { appendAudit } from './audit';
import { notify } from './notifications';

export interface DelegationRow {
  id: string;
  org: string;
  delegator: string;
  delegator_name: string | null;
  delegate: string;
  delegate_name: string | null;
  starts_at: Date;
  ends_at: Date;
  kinds: string[];
  reason: string;
  created_by: string;
  created_at: Date;
  revoked_at: Date | null;
  revoked_by: string | null;
}

/** A delegation in force with the delegator as the directory knows them in its organisation now (their roles). */
export type DelegationInForce = DelegationRow & { delegator_roles: Role[] };

const nameIn = (who: 'd.delegator' | 'd.delegate') => sql<string | null>`(select p.display_name from people p where p.sub = ${sql.ref(who)} and p.org = d.org)`;

function selectDelegations(db: Executor) {
  return db.selectFrom('delegations as d').selectAll('d').select(nameIn('d.delegator').as('delegator_name')).select(nameIn('d.delegate').as('delegate_name'));
}

/** A delegation is in force at `now`: begun, not over, not ended early. */
const inForceAt = (now: Date) => sql<boolean>`d.starts_at <= ${now} and d.ends_at > ${now} and (d.revoked_at is null or d.revoked_at > ${now})`;

export type NewDelegationOutcome = { created: DelegationRow } | { conflict: DelegationRow };

/**
 * Records a delegation and its audit event in one transaction, refused (conflict) when one of the delegator's own not
 * ended overlaps it in time for a common kind: a task reaches at most one delegate of each person. Two at once are
 * taken one after the other (an advisory lock on the delegator), so the second sees the first.
 */
export async function createDelegation(
  db: Db,
  d: { id: string; org: string; delegator: string; delegate: string; startsAt: Date; endsAt: Date; kinds: string[]; reason: string; by: ActorRef },
): Promise<NewDelegationOutcome> {
  return db.transaction().execute(async (tx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`delegation:${d.org}:${d.delegator}`}))`.execute(tx);
    const mine = await selectDelegations(tx)
      .where('d.delegator', '=', d.delegator)
      .where('d.org', '=', d.org)
      .where('d.ends_at', '>', d.startsAt)
      .where('d.revoked_at', 'is', null)
      .execute();
    const clash = mine.find((m) => overlaps({ startsAt: m.starts_at, endsAt: m.ends_at, kinds: m.kinds }, d));
    if (clash) return { conflict: clash };
    await tx
      .insertInto('delegations')
      .values({
        id: d.id,
        org: d.org,
        delegator: d.delegator,
        delegate: d.delegate,
        starts_at: d.startsAt,
        ends_at: d.endsAt,
        kinds: d.kinds,
        reason: d.reason,
        created_by: d.by.sub,
      })
      .execute();
    await appendAudit(tx, {
      eventKey: `delegation:${d.id}:created`,
      requestId: null,
      actor: d.by,
      action: 'delegation_created',
      article: '',
      reason: d.reason,
      newValue: { delegation: d.id, delegator: d.delegator, delegate: d.delegate, startsAt: d.startsAt, endsAt: d.endsAt, kinds: d.kinds },
    });
    const created = (await selectDelegations(tx).where('d.id', '=', d.id).executeTakeFirstOrThrow()) as DelegationRow;
    // The delegate is told, in the same transaction as the event (issue 26 §3).
    await notify(tx, {
      key: `delegation:${d.id}:created`,
      to: { org: d.org, user: d.delegate },
      kind: 'delegation_created',
      message: delegationMadeNotice({
        delegator: created.delegator_name ?? d.delegator,
        kinds: d.kinds,
        startsAt: d.startsAt,
        endsAt: d.endsAt,
        reason: d.reason,
      }),
    });
    return { created };
  });
}

export type EndDelegationOutcome = { ended: DelegationRow } | { notFound: true } | { alreadyEnded: DelegationRow };

/**
 * Ends the delegator's delegation `id` at `now` (early, or before it began), with its audit event: from then on its
 * tasks reach the delegator alone. Someone else's, or none, is not found.
 */
export async function endDelegation(db: Db, id: string, by: ActorRef & { org: string }, now = new Date()): Promise<EndDelegationOutcome> {
  return db.transaction().execute(async (tx) => {
    const row = await tx.selectFrom('delegations').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!row || row.delegator !== by.sub || row.org !== by.org) return { notFound: true };
    const view = async () => (await selectDelegations(tx).where('d.id', '=', id).executeTakeFirstOrThrow()) as DelegationRow;
    if (row.revoked_at || row.ends_at <= now) return { alreadyEnded: await view() };
    await tx.updateTable('delegations').set({ revoked_at: now, revoked_by: by.sub }).where('id', '=', id).execute();
    await appendAudit(tx, {
      eventKey: `delegation:${id}:ended`,
      requestId: null,
      actor: by,
      action: 'delegation_ended',
      article: '',
      oldValue: { endsAt: row.ends_at },
      newValue: { delegation: id, delegator: row.delegator, delegate: row.delegate, endedAt: now },
    });
    const ended = await view();
    // The delegate is told it ended early, in the same transaction as the event (issue 26 §3).
    await notify(tx, {
      key: `delegation:${id}:ended`,
      to: { org: row.org, user: row.delegate },
      kind: 'delegation_ended',
      message: delegationEndedNotice({ delegator: ended.delegator_name ?? row.delegator, endsAt: row.ends_at, endedAt: now }),
    });
    return { ended };
  });
}

/** The delegations `who` gave or was given in their organisation, newest first (those ended too: the record of who stood in). */
export async function myDelegations(db: Executor, who: { sub: string; org: string }, limit = 100): Promise<DelegationRow[]> {
  return (await selectDelegations(db)
    .where('d.org', '=', who.org)
    .where((eb) => eb.or([eb('d.delegator', '=', who.sub), eb('d.delegate', '=', who.sub)]))
    .orderBy('d.created_at', 'desc')
    .orderBy('d.id')
    .limit(limit)
    .execute()) as DelegationRow[];
}

/** The delegations in force at `now` in the organisations `orgs` (undefined: all), for a supervisor, soonest ending first. */
export async function delegationsInForce(db: Executor, orgs: string[] | undefined, now: Date, limit = 200): Promise<DelegationRow[]> {
  let q = selectDelegations(db).where(inForceAt(now));
  if (orgs) q = q.where('d.org', 'in', orgs.length ? orgs : ['']);
  return (await q.orderBy('d.ends_at').orderBy('d.id').limit(limit).execute()) as DelegationRow[];
}

/**
 * The delegations in force at `now` naming `delegate` (in the organisation they act for), with each delegator's roles as
 * the directory knows them there: whose tasks reach the delegate too. A delegator the directory does not know has none.
 */
export function delegationsTo(db: Executor, delegate: { sub: string; org: string | null }, now: Date): Promise<DelegationInForce[]> {
  return delegationsToAny(db, [delegate], now);
}

/** The delegations in force at `now` naming any of `delegates` (in their organisation), in one statement: `delegationsTo` for many. */
export async function delegationsToAny(db: Executor, delegates: { sub: string; org: string | null }[], now: Date): Promise<DelegationInForce[]> {
  const staff = delegates.filter((d): d is { sub: string; org: string } => d.org !== null);
  if (!staff.length) return [];
  return (await selectDelegations(db)
    .innerJoin('people as p', (j) => j.onRef('p.sub', '=', 'd.delegator').onRef('p.org', '=', 'd.org'))
    .select('p.roles as delegator_roles')
    .where((eb) => eb.or(staff.map((d) => eb.and([eb('d.delegate', '=', d.sub), eb('d.org', '=', d.org)]))))
    .where(inForceAt(now))
    .orderBy('d.id')
    .limit(50 * staff.length)
    .execute()) as DelegationInForce[];
}

/** The delegator of `d` as an actor: their organisation and roles as the directory knows them now. */
export function delegatorOf(d: DelegationInForce): OrgActor {
  return { sub: d.delegator, org: d.org, roles: d.delegator_roles };
}

/** A task about to open as the delegates' query reads it: its place in the batch, its kind, its candidates and who is excluded. */
export interface OpeningTask {
  kind: string;
  candidates: Candidate[];
  excluded: string[];
}

/** A delegate in force, at the time a task opens, of one of its candidates for its kind: whom to tell beside the candidates. */
export interface TaskDelegate {
  /** The task's place in the batch asked about. */
  i: number;
  delegation: string;
  org: string;
  delegate: string;
  delegatorName: string;
}

/**
 * The delegates in force at `now` of the candidates of `tasks` for each task's kind (issue 26 §3), in one query for the
 * whole batch: a named candidate's own delegate, or the delegate of anyone the directory knows holding a candidate's role
 * in its organisation. Nobody excluded from the task (the delegator or the delegate: a party to the matter) and nobody
 * who already holds the candidate role there (told as a candidate) is among them; each delegate once per task.
 */
export async function delegatesOfCandidates(db: Executor, tasks: OpeningTask[], now: Date): Promise<TaskDelegate[]> {
  const rows = tasks.flatMap((t, i) =>
    t.candidates
      .filter((c) => c.org !== null && c.role !== 'public_applicant' && !c.legalPerson)
      .map((c) => ({ i, org: c.org, role: c.role, usr: c.user, kind: t.kind, excluded: t.excluded })),
  );
  if (!rows.length) return [];
  const { rows: found } = await sql<TaskDelegate>`
    select distinct on (v.i, d.delegate) v.i, d.id as delegation, d.org, d.delegate, coalesce(p.display_name, d.delegator) as "delegatorName"
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(i int, org text, role text, usr text, kind text, excluded jsonb)
    join delegations d on d.org = v.org and v.kind = any(d.kinds)
      and d.starts_at <= ${now} and d.ends_at > ${now} and (d.revoked_at is null or d.revoked_at > ${now})
    join people p on p.sub = d.delegator and p.org = d.org
    where (case when v.usr is not null then d.delegator = v.usr else v.role = any(p.roles) end)
      and not (v.excluded ? d.delegator) and not (v.excluded ? d.delegate)
      and not exists (select 1 from people q where v.usr is null and q.sub = d.delegate and q.org = v.org and v.role = any(q.roles))
    order by v.i, d.delegate, d.id`.execute(db);
  return found;
}
