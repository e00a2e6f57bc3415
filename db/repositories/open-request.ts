// The conditional open application (Art. 17, 20): who takes part beside its applicant, and the applications
// still living on an entry. Read by its activities (activities/open-request.ts) and the catalog's.
import type { Executor } from '../index';
import { getOrganisation, supervisingAuthorityOf } from './organisations';

/**
 * The providing agency, which decides and countersigns, and the big data authority told of the agreement it
 * signs (告知, Art. 20): its own level's, or where that level has none the next one up (`fallback`).
 * Undefined: no such agency, or no authority at its level or above.
 */
export async function openRequestParties(db: Executor, providerOrg: string) {
  const provider = await getOrganisation(db, providerOrg);
  const told = provider && (await supervisingAuthorityOf(db, provider));
  return provider && told ? { provider, authority: told.authority, fallback: told.fallback } : undefined;
}

/** The open applications of `entries` still living (being decided, signing, or in force): their workflows, oldest first. */
export async function openWorkOn(db: Executor, entries: string[]): Promise<string[]> {
  if (!entries.length) return [];
  const rows = await db
    .selectFrom('requests')
    .select('workflow_id')
    .where('type', '=', 'open_request')
    .where('catalog_entry_id', 'in', entries)
    .where('status', 'in', ['submitted', 'in_review', 'awaiting_applicant', 'awaiting_signature', 'awaiting_countersignature', 'granted'])
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => r.workflow_id);
}
