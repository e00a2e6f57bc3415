// Read-model side of the refusal dispute (《政务数据共享条例》, issue 24 §3): the refusal taken (one dispute per
// refusal, in its window, checked again whatever started the workflow), and the refusal upheld in one transaction
// with the decision that upheld it. A dispute the applicant wins ends in the share procedure's grant (createGrant).
import type { Db } from '../db';
import { disputeWindowEnds, refusalOf, type RefusingDecision } from '../db/repositories/refusal-dispute';
import type { RuleViolation } from '../domain/errors';
import {
  REFUSAL_DISPUTE_ARTICLE,
  refusalDisputeViolation,
  refusalPositionViolation,
  type RefusalDisputeParties,
  type RefusalPosition,
} from '../domain/refusal-dispute';
import type { ShareRequestForm } from '../domain/share';
import type { Duration } from '../domain/types';
import { transition } from './requests';
import { recordDecisionIn, type DecisionInput } from './tasks';

/** What the dispute knows of the refusal it took. */
export interface TakenRefusal {
  form: ShareRequestForm;
  refusedAt: string;
  windowEnds: string;
  /** The decisions that refused, each whole (decision, reason, form: a structured basis travels with it). */
  decisions: RefusingDecision[];
  entry: { id: string; title: string; fields: string[]; shareConditions: string | null };
  parties: RefusalDisputeParties;
}

export interface ConcludeRefusalDisputeInput {
  requestId: string;
  by: 'agreement' | 'coordination' | 'leading_group';
  /** The decision that ended it (an ACCEPT, a SETTLE or the leading group's UPHOLD), recorded in the same transaction. */
  decision: DecisionInput;
  step: string;
}

export function refusalDisputeActivities(db: Db) {
  return {
    /**
     * The refused request `shareRequestId` names the dispute `requestId` (one per refusal), when `applicantOrg` may dispute
     * it now (refusalDisputeViolation: its applicant, refused, not disputed, within `window` of the refusal); or the refusal.
     */
    async takeRefusal(input: {
      shareRequestId: string;
      requestId: string;
      applicantOrg: string;
      window: Duration;
      /** The applicant's position: its fields must be the entry's. */
      position: RefusalPosition;
    }): Promise<{ taken: TakenRefusal } | { refusal: RuleViolation }> {
      return db.transaction().execute(async (tx) => {
        const r = await refusalOf(tx, input.shareRequestId, true);
        const windowEnds = r?.refusedAt ? await disputeWindowEnds(tx, r.refusedAt, input.window) : null;
        const refusal = refusalDisputeViolation(r, { org: input.applicantOrg }, windowEnds, Date.now(), input.requestId);
        if (refusal) return { refusal };
        const bad = r!.entry && refusalPositionViolation(input.position, 'position', r!.entry.fields);
        if (bad) return { refusal: bad };
        if (!r!.refusedAt || !windowEnds || !r!.entry || !r!.parties)
          return {
            refusal: {
              code: 'InvalidInput',
              field: 'shareRequestId',
              article: REFUSAL_DISPUTE_ARTICLE,
              detail: 'The refusal has no reviewer, entry or leading group to take the dispute',
            },
          };
        await tx.updateTable('requests').set({ refusal_dispute: input.requestId }).where('id', '=', input.shareRequestId).execute();
        return { taken: { form: r!.form, refusedAt: r!.refusedAt, windowEnds, decisions: r!.decisions, entry: r!.entry, parties: r!.parties } };
      });
    },

    /** A dispute that ended without a conclusion (its write failed) no longer holds the refusal. */
    async releaseRefusal(input: { shareRequestId: string; requestId: string }): Promise<void> {
      await db
        .updateTable('requests')
        .set({ refusal_dispute: null })
        .where('id', '=', input.shareRequestId)
        .where('refusal_dispute', '=', input.requestId)
        .execute();
    },

    /** The refusal stands: agreed to by the applicant, settled so under the authority's coordination, or decided by the leading group. */
    async concludeRefusalDispute(input: ConcludeRefusalDisputeInput): Promise<void> {
      await db.transaction().execute(async (tx) => {
        await tx.selectFrom('requests').select('id').where('id', '=', input.requestId).forUpdate().execute();
        const done = await tx.selectFrom('audit_events').select('id').where('event_key', '=', `request:${input.requestId}:${input.step}`).executeTakeFirst();
        if (done) return;
        await recordDecisionIn(tx, input.decision);
        await transition(tx, {
          requestId: input.requestId,
          step: input.step,
          actor: input.decision.actor,
          status: 'rejected',
          action: 'refusal_upheld',
          article: REFUSAL_DISPUTE_ARTICLE,
          decision: input.decision.decision,
          reason: input.decision.reason ?? null,
          outcome: { article: REFUSAL_DISPUTE_ARTICLE, by: input.by, reason: input.decision.reason ?? '' },
        });
      });
    },
  };
}
