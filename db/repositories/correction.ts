// Error correction (Art. 11): who may report an error in an entry's data (a grantee, a licensee), and an
// entry's reports with their outcomes, as the agency, the authority over it, its reporters and the
// verification task read them. The reports are requests (requests.ts writes them).
import { sql } from 'kysely';
import { openToAll, reporterViolation } from '../../domain/correction';
import type { RuleViolation } from '../../domain/errors';
import type { Actor } from '../../domain/types';
import type { CatalogEntryRow } from '../schema';
import type { Executor } from '../index';

/**
 * Who takes part in a report on `entry`: the agency providing it verifies; the reporter must be using its data
 * (domain/correction.ts reporterViolation weighs what the database says). The parties, or the refusal.
 */
export async function correctionParties(
  db: Executor,
  entry: Pick<CatalogEntryRow, 'id' | 'provider_org_id' | 'open_attribute' | 'open_status'>,
  actor: Pick<Actor, 'sub' | 'org' | 'roles' | 'actsFor'>,
): Promise<{ parties: { providerOrg: string } } | { refusal: RuleViolation }> {
  const refusal = reporterViolation({
    entryId: entry.id,
    roles: actor.roles,
    grantHeld: actor.org !== null && actor.roles.includes('agency_applicant') && (await holdsActiveGrant(db, entry.id, actor.org)),
    openToAll: openToAll(entry),
    licensee: actor.roles.includes('public_applicant') && (await licenseeInForce(db, entry.id, actor)),
  });
  return refusal ? { refusal } : { parties: { providerOrg: entry.provider_org_id } };
}

/** Whether `org` holds a grant of the entry in force (shared to it, Art. 14). */
export async function holdsActiveGrant(db: Executor, entryId: string, org: string): Promise<boolean> {
  const row = await db
    .selectFrom('grants')
    .select('id')
    .where('catalog_entry_id', '=', entryId)
    .where('grantee_org', '=', org)
    .where('status', '=', 'active')
    .where('expires_at', '>', new Date())
    .executeTakeFirst();
  return !!row;
}

/** Whether the person is licensee of an agreement in force for the entry, in their own name or a legal person's they act for (Art. 20). */
export async function licenseeInForce(db: Executor, entryId: string, who: { sub: string; actsFor?: readonly string[] }): Promise<boolean> {
  const legalPersons = who.actsFor ?? [];
  const row = await db
    .selectFrom('agreements')
    .select('id')
    .where('catalog_entry_id', '=', entryId)
    .where('status', '=', 'in_force')
    .where((eb) =>
      eb.or([
        eb.and([eb('licensee_sub', '=', who.sub), eb('licensee_legal_person', 'is', null)]),
        ...(legalPersons.length ? [eb('licensee_legal_person', 'in', legalPersons)] : []),
      ]),
    )
    .executeTakeFirst();
  return !!row;
}

export interface CorrectionFilter {
  /** Only this reporter's (a person of an organisation, or of none). */
  reporter?: { sub: string; org: string | null };
  /** Leave this report out (the one whose verification asks). */
  except?: string;
  /** Newest first: those made before this (created_at to the microsecond, id). */
  before?: [string, string] | null;
  limit: number;
}

/** An entry's reports of errors, newest first (by created_at, then id: a total order for the cursor). */
export function correctionReports(db: Executor, entryId: string, f: CorrectionFilter) {
  let q = db
    .selectFrom('requests')
    .select(['id', 'applicant_sub', 'applicant_org', 'status', 'payload', 'outcome', 'created_at', 'updated_at'])
    .select(sql<string>`to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('created_at_exact'))
    .where('type', '=', 'correction')
    .where('catalog_entry_id', '=', entryId);
  const reporter = f.reporter;
  if (reporter)
    q = q
      .where('applicant_sub', '=', reporter.sub)
      .where(reporter.org === null ? sql<boolean>`applicant_org is null` : sql<boolean>`applicant_org = ${reporter.org}`);
  if (f.except) q = q.where('id', '!=', f.except);
  if (f.before) q = q.where(sql<boolean>`(created_at, id) < (${f.before[0]}::timestamptz, ${f.before[1]})`);
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
}

export type CorrectionReportRow = Awaited<ReturnType<typeof correctionReports>>[number];
