// Who takes part in a share request (Art. 14): one read, used alike by the API as the applicant submits and by
// the workflow's first step when a start came without them; and, as the same parties, who may end its grant early.
import { revokersOf, sharePartiesOf, type Revokers, type ShareParties } from '../../domain/share';
import type { Executor } from '../index';
import { shareContext } from './catalog';

/**
 * The entry and the applicant's kind as read (undefined: no such entry), and the parties made from them (null: no
 * city big data authority reviews for the provider's city, Art. 14).
 */
export async function shareParties(db: Executor, entryId: string, applicantOrg: string) {
  const context = await shareContext(db, entryId, applicantOrg);
  return { context, parties: (context && sharePartiesOf(context)) ?? null } as { context: typeof context; parties: ShareParties | null };
}

/**
 * Who may end `grant` early now (domain/share.ts revokersOf): its request's parties read again. Where the
 * provider's city has no big data authority, the provider alone, whose request nobody could consent to.
 */
export async function grantRevokers(db: Executor, grant: { catalog_entry_id: string; grantee_org: string; provider_org: string }): Promise<Revokers> {
  const { parties } = await shareParties(db, grant.catalog_entry_id, grant.grantee_org);
  return parties ? revokersOf(parties, grant.grantee_org) : { providerOrg: grant.provider_org, cityAuthorityOrg: '', granteeOrg: grant.grantee_org };
}
