// Who takes part in a share request (Art. 14): one read, used alike by the API as the applicant submits and by
// the workflow's first step when a start came without them.
import { sharePartiesOf, type ShareParties } from '../../domain/share';
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
