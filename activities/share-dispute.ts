// Read-model side of the share-attribute dispute (Art. 13 ¶3): the entry marked while it runs, and the
// position agreed or decided published, in one transaction with the decision that settled it.
import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../db';
import { currentEntries, ENTRY_COLUMNS, entryContentOf, recordVersions, runningWorkOn, type ShareWorkOn } from '../db/repositories/catalog';
import { samePosition, type SharePosition } from '../domain/share-dispute';
import { transition } from './requests';
import { recordDecisionIn, type DecisionInput } from './tasks';

export interface SettleDisputeInput {
  requestId: string;
  /** Null: a new entry of the adjustment that objected (never published here). */
  entryId: string | null;
  /** The position agreed, or decided by the leading group. */
  position: SharePosition;
  by: 'agreement' | 'leading_group';
  /** Publish the position as a new version; false when the dispute came from an adjustment's review, which applies it with its other changes. */
  publish: boolean;
  /** The decision that settled it (an ACCEPT or the leading group's DECIDE), recorded in the same transaction. */
  decision: DecisionInput;
  step: string;
}

/** Where a settled dispute left the entry: its version (unchanged when the position was the published one; null for a new entry) and the running work it ended. */
export interface DisputeSettlement {
  version: number | null;
  changed: boolean;
  effects: ShareWorkOn;
}

export function disputeActivities(db: Db) {
  return {
    /**
     * The entry shows the dispute running on it (or, `on` false, no longer), its published attribute
     * unchanged. Answers whether the entry now shows this dispute: one dispute runs on an entry at a time.
     */
    async markDispute(input: { entryId: string; requestId: string; on: boolean }): Promise<{ held: boolean }> {
      const q = db.updateTable('catalog_entries').where('id', '=', input.entryId);
      if (!input.on) {
        await q.set({ share_dispute: null }).where('share_dispute', '=', input.requestId).execute();
        return { held: false };
      }
      // Taken now, or by an earlier attempt of this one.
      const row = await q
        .set({ share_dispute: input.requestId })
        .where((eb) => eb.or([eb('share_dispute', 'is', null), eb('share_dispute', '=', input.requestId)]))
        .returning('id')
        .executeTakeFirst();
      return { held: row !== undefined };
    },

    /**
     * Art. 13 ¶3: the position agreed or decided becomes the entry's share side as a new version (unless it
     * is the one published), the dispute mark goes, and the request is settled, in one transaction with
     * the decision that settled it. Sharing made NONE ends the running work resting on the entry.
     */
    async settleDispute(input: SettleDisputeInput): Promise<DisputeSettlement> {
      const article = 'Art. 13';
      return db.transaction().execute(async (tx) => {
        await tx.selectFrom('requests').select('id').where('id', '=', input.requestId).forUpdate().execute();
        const done = await tx
          .selectFrom('audit_events')
          .select('new_value')
          .where('event_key', '=', `request:${input.requestId}:${input.step}`)
          .executeTakeFirst();
        if (done) return (done.new_value as { outcome: { settlement: DisputeSettlement } }).outcome.settlement;
        const before = input.entryId === null ? undefined : (await currentEntries(tx, [input.entryId], true)).get(input.entryId);
        if (input.entryId !== null && !before) throw ApplicationFailure.nonRetryable(`catalog entry ${input.entryId} not found`, 'EntryNotFound');
        // The trail reads in order: the decision that settled it, the version it made, the request settled.
        await recordDecisionIn(tx, input.decision);
        const p = input.position;
        const changed = !!before && input.publish && !samePosition(p, entryContentOf(before).share);
        let version = before?.version ?? null;
        if (changed && before) {
          const row = await tx
            .updateTable('catalog_entries')
            .set({
              share_attribute: p.attribute,
              share_reasons: p.reasons,
              share_conditions: p.conditions,
              share_basis: JSON.stringify(p.basis),
              share_dispute: null,
              version: before.version + 1,
              updated_at: new Date(),
            })
            .where('id', '=', before.id)
            .returning(ENTRY_COLUMNS)
            .executeTakeFirstOrThrow();
          version = row.version;
          const reason = input.by === 'agreement' ? '共享属性异议经协商一致 (Art. 13 ¶3)' : '共享属性异议由数字强市领导小组决定 (Art. 13 ¶3)';
          await recordVersions(tx, [{ before, row }], { requestId: input.requestId, actor: input.decision.actor, reason, article });
        } else if (before)
          await tx
            .updateTable('catalog_entries')
            .set({ share_dispute: null })
            .where('id', '=', before.id)
            .where('share_dispute', '=', input.requestId)
            .execute();
        const effects = await runningWorkOn(tx, changed && before && p.attribute === 'NONE' && before.share_attribute !== 'NONE' ? [before.id] : []);
        const settlement = { version, changed, effects };
        await transition(tx, {
          requestId: input.requestId,
          step: input.step,
          actor: input.decision.actor,
          status: 'settled',
          action: input.by === 'agreement' ? 'dispute_agreed' : 'dispute_decided',
          article,
          decision: input.decision.decision,
          reason: input.decision.reason,
          outcome: { article, by: input.by, position: p, settlement },
        });
        return settlement;
      });
    },
  };
}
