// Who takes part in a catalog adjustment (Art. 9 ¶2): read here for the API, which resolves them as the
// applicant submits and hands them to the workflow; and its public consultation as the read model holds it.
import { cityDivisionOf } from '../../domain/divisions';
import type { RuleViolation } from '../../domain/errors';
import type { Executor } from '../index';
import { authorityOf, getOrganisation } from './organisations';
import { disputeParties } from './share-dispute';

/** Who reviews an adjustment of an organisation's catalog, as the workflow takes them. */
export type AdjustmentParties = {
  reviewerOrg: string;
  cityLevel: boolean;
  leadingGroupOrg: string | null;
  /** The applicant is a government department (政务部门, migration 020): the 条例 has its every change reviewed before publication. */
  governmentDepartment: boolean;
};

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
  // Its review may OBJECT, which starts a dispute between the two: who decides one is the dispute's to say.
  const dispute = cityLevel ? await disputeParties(db, reviewer.id, org.id) : undefined;
  return {
    parties: {
      reviewerOrg: reviewer.id,
      cityLevel,
      leadingGroupOrg: dispute && 'parties' in dispute ? dispute.parties.leadingGroupOrg : null,
      governmentDepartment: org.government_department,
    },
  };
}

/**
 * An adjustment's public consultation (Art. 18 ¶2) as the read model holds it: when it opened (its audit
 * event: until when, on which entries), its comments after number `after`, and the agency's response.
 */
export async function consultationOf(db: Executor, requestId: string, after: number, limit: number) {
  const [opened, comments, response] = await Promise.all([
    db
      .selectFrom('audit_events')
      .select('new_value')
      .where('request_id', '=', requestId)
      .where('action', '=', 'consultation_opened')
      .orderBy('id', 'desc')
      .executeTakeFirst(),
    db.selectFrom('consultation_comments').selectAll().where('request_id', '=', requestId).where('n', '>', after).orderBy('n').limit(limit).execute(),
    db
      .selectFrom('tasks')
      .select('reason')
      .where('request_id', '=', requestId)
      .where('kind', '=', 'CATALOG_CONSULTATION_RESPONSE')
      .where('status', '=', 'completed')
      .orderBy('created_at', 'desc')
      .executeTakeFirst(),
  ]);
  const consultation = (
    opened?.new_value as { outcome?: { consultation?: { endsAt: string; entries: { index: number; entryId: string | null; title: string }[] } } } | undefined
  )?.outcome?.consultation;
  return { opened: consultation, comments, response: response?.reason ?? null };
}
