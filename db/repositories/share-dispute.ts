// Who takes part in a share-attribute dispute (Art. 13 ¶3): one read, used alike by the API as the city
// authority raises one and by a catalog adjustment, whose objection starts one (catalog-adjustment.ts).
import { disputePartiesOf, type DisputeParties } from '../../domain/share-dispute';
import type { RuleViolation } from '../../domain/errors';
import type { Executor } from '../index';
import { getOrganisation, leadingGroupOf } from './organisations';

/**
 * The parties of a dispute `authorityOrg` raises on a share attribute `agencyOrg` set, or why there are none
 * (domain/share-dispute.ts disputePartiesOf); with them, whether the agency is a government department (政务部门), which
 * says which levels a NONE position may cite (issue 24 §3).
 */
export async function disputeParties(
  db: Executor,
  authorityOrg: string,
  agencyOrg: string,
): Promise<{ parties: DisputeParties; governmentDepartment: boolean } | { refusal: RuleViolation }> {
  const [authority, agency] = await Promise.all([getOrganisation(db, authorityOrg), getOrganisation(db, agencyOrg)]);
  const found = disputePartiesOf(authority, agency, authority && (await leadingGroupOf(db, authority.region)));
  return 'parties' in found ? { ...found, governmentDepartment: agency!.government_department } : found;
}
