// Who answers an open demand (Art. 21 ¶1): read here for the API, which resolves it as the demand is made and
// hands it to the workflow.
import { openDemandPartiesOf, type OpenDemandForm, type OpenDemandParties } from '../../domain/open-demand';
import type { RuleViolation } from '../../domain/errors';
import type { Executor } from '../index';
import { getCatalogEntry } from './catalog';
import { getOrganisation } from './organisations';

/** The agency that answers `form`: its entry's provider, or the organisation it names; or why none does (domain/open-demand.ts openDemandPartiesOf). */
export async function openDemandParties(
  db: Executor,
  form: Pick<OpenDemandForm, 'catalogEntryId' | 'providerOrgId'>,
): Promise<{ parties: OpenDemandParties } | { refusal: RuleViolation }> {
  if (form.catalogEntryId) return openDemandPartiesOf(form, await getCatalogEntry(db, form.catalogEntryId), undefined);
  return openDemandPartiesOf(form, undefined, await getOrganisation(db, form.providerOrgId!));
}
