// Open-use agreements (Art. 20): read by the API as their parties and overseers may see them. Written only by
// the open application's activities (activities/open-request.ts), with their audit events.
import { sql, type Selectable } from 'kysely';
import type { Actor } from '../../domain/types';
import type { Executor } from '../index';
import type { AgreementsTable } from '../schema';
import { overseenOrgIds, supervisedOrgIds } from './organisations';

/** An agreement with its request's case number. */
export type AgreementRow = Selectable<AgreementsTable> & { case_number: string | null };

const caseNumber = sql<string | null>`(select r.case_number from requests r where r.id = agreements.request_id)`.as('case_number');

/** Whose agreements a caller sees: all, or those they are licensee of (in their own name or a legal person's) and those of the organisations named. */
export type AgreementScope = { all: true } | { sub: string; orgs: string[]; legalPersons: string[] };

/**
 * Whose agreements `actor` sees: their own as licensee (a legal person's: those who act for it now, its own
 * account and its current agents); an agency's members those it provides; an authority's reviewers those of the
 * organisations their division covers; supervisors and admins those of the organisations they oversee (an admin
 * their city's, a platform operator, one of `operators`, all).
 */
export async function agreementScopeOf(db: Executor, actor: Actor, operators?: readonly string[]): Promise<AgreementScope> {
  if (actor.org === null) return { sub: actor.sub, orgs: [], legalPersons: actor.actsFor ?? [] };
  const overseen = await supervisedOrgIds(db, actor, operators);
  if (!overseen) return { all: true };
  const orgs = new Set([actor.org, ...overseen]);
  if (actor.roles.includes('authority_reviewer')) for (const o of await overseenOrgIds(db, actor.org)) orgs.add(o);
  return { sub: actor.sub, orgs: [...orgs], legalPersons: [] };
}

export function getAgreement(db: Executor, id: string): Promise<AgreementRow | undefined> {
  return db.selectFrom('agreements').selectAll().select(caseNumber).where('id', '=', id).executeTakeFirst();
}

/** Whether `scope` sees agreement `a`. */
export const agreementVisible = (scope: AgreementScope, a: AgreementRow) =>
  'all' in scope ||
  (a.licensee_legal_person ? scope.legalPersons.includes(a.licensee_legal_person) : a.licensee_sub === scope.sub) ||
  scope.orgs.includes(a.provider_org);

/** A page of the agreements `scope` sees, by id after `after`, with one more row than `limit` when there are more. */
export function agreementsPage(
  db: Executor,
  scope: AgreementScope,
  f: { status?: AgreementRow['status']; catalogEntryId?: string; requestId?: string; after?: string; limit: number },
) {
  let q = db
    .selectFrom('agreements')
    .selectAll()
    .select(caseNumber)
    .orderBy('id')
    .limit(f.limit + 1);
  if (!('all' in scope))
    q = q.where((eb) =>
      eb.or([
        eb.and([eb('licensee_sub', '=', scope.sub), eb('licensee_legal_person', 'is', null)]),
        ...(scope.legalPersons.length ? [eb('licensee_legal_person', 'in', scope.legalPersons)] : []),
        ...(scope.orgs.length ? [eb('provider_org', 'in', scope.orgs)] : []),
      ]),
    );
  if (f.status) q = q.where('status', '=', f.status);
  if (f.catalogEntryId) q = q.where('catalog_entry_id', '=', f.catalogEntryId);
  if (f.requestId) q = q.where('request_id', '=', f.requestId);
  if (f.after) q = q.where('id', '>', f.after);
  return q.execute();
}
