// Read-model side of the withdrawal of open data (Art. 21 ¶2): the entry's openness changed, with the
// request's change of status and the decision behind it, in one transaction, once.
import type { Db } from '../db';
import { currentEntries, ENTRY_COLUMNS, recordVersions } from '../db/repositories/catalog';
import type { SideStatus } from '../domain/catalog';
import type { TransitionInput } from './requests';
import { transition } from './requests';
import { recordDecisionIn, type DecisionInput } from './tasks';

/**
 * A withdrawal's effect on an entry's openness (Art. 21 ¶2), with the request's change of status and the
 * decision behind it, in one transaction, once: the open side becomes `openStatus` as a new version when it
 * is one of `onlyIf` (none: the entry stays as it is).
 */
export interface OpennessChange {
  requestId: string;
  entryId: string;
  openStatus: SideStatus;
  onlyIf: SideStatus[];
  reason: string;
  decision?: DecisionInput;
  transition: TransitionInput;
}

export function withdrawalActivities(db: Db) {
  return {
    async changeOpenness(input: OpennessChange): Promise<{ changed: boolean }> {
      return db.transaction().execute(async (tx) => {
        await tx.selectFrom('requests').select('id').where('id', '=', input.requestId).forUpdate().execute();
        const done = await tx
          .selectFrom('audit_events')
          .select('new_value')
          .where('event_key', '=', `request:${input.requestId}:${input.transition.step}`)
          .executeTakeFirst();
        if (done) return { changed: (done.new_value as { outcome?: { opennessChanged?: boolean } }).outcome?.opennessChanged ?? false };
        if (input.decision) await recordDecisionIn(tx, input.decision);
        const before = (await currentEntries(tx, [input.entryId], true)).get(input.entryId);
        const changed = !!before && input.onlyIf.includes(before.open_status);
        if (changed && before) {
          const row = await tx
            .updateTable('catalog_entries')
            .set({ open_status: input.openStatus, version: before.version + 1, updated_at: new Date() })
            .where('id', '=', input.entryId)
            .returning(ENTRY_COLUMNS)
            .executeTakeFirstOrThrow();
          await recordVersions(tx, [{ before, row }], {
            requestId: input.requestId,
            actor: input.decision?.actor ?? input.transition.actor,
            reason: input.reason,
            article: 'Art. 21',
          });
        }
        // The outcome says whether the entry changed: a retry answers the same.
        await transition(tx, { ...input.transition, outcome: { article: 'Art. 21', ...input.transition.outcome, opennessChanged: changed } });
        return { changed };
      });
    },
  };
}
