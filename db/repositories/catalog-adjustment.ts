// Who takes part in a catalog adjustment (Art. 9 ¶2): read here for the API, which resolves them as the
// applicant submits and hands them to the workflow.
import { cityDivisionOf } from '../../domain/divisions';
import type { RuleViolation } from '../../domain/errors';
import type { Executor } from '../index';
import { authorityOf, getOrganisation, leadingGroupOf } from './organisations';

/** Who reviews an adjustment of an organisation's catalog, as the workflow takes them. */
export type AdjustmentParties = { reviewerOrg: string; cityLevel: boolean; leadingGroupOrg: string | null };

/**
 * Who may adjust `orgId`'s catalog and who reviews it: the applicant's organisation keeps one (a public
 * management and service institution, Art. 9), and its own level has a big data authority to review it
 * (本级, Art. 9 ¶2); a refusal says which fails.
 */
export async function adjustmentParties(db: Executor, orgId: string): Promise<{ parties: AdjustmentParties } | { refusal: RuleViolation }> {
  const org = await getOrganisation(db, orgId);
  if (!org || (org.kind !== 'agency' && org.kind !== 'authority'))
    return { refusal: { code: 'Forbidden', article: 'Art. 9', detail: 'Only a public management and service institution adjusts its own catalog (Art. 9)' } };
  const reviewer = await authorityOf(db, org.region, org.division);
  if (!reviewer)
    return {
      refusal: {
        code: 'InvalidInput',
        article: 'Art. 9',
        detail: `No big data authority is registered for division ${org.division} to review the adjustment (Art. 9 ¶2)`,
      },
    };
  // A city-level agency's adjustment is the city authority's to review, and its share attributes are 同级 to it (Art. 13 ¶3).
  const cityLevel = org.kind === 'agency' && org.division === cityDivisionOf(org.division);
  return { parties: { reviewerOrg: reviewer.id, cityLevel, leadingGroupOrg: cityLevel ? ((await leadingGroupOf(db, org.region))?.id ?? null) : null } };
}
