// Share-attribute dispute (Art. 13 ¶3): the city authority objects to the share attribute a city-level
// agency set; the two consult in turns; agreement settles it, and without agreement (declared, or the
// consultation's deadline passing) the leading group decides, finally. The published attribute stands meanwhile.
import { patched, type ApplicationFailure } from '@temporalio/workflow';
import type { DecisionInput } from '../activities';
import { noneShareBasisLevels } from '../domain/catalog-adjustment';
import { disputeNoneBasisViolation, positionFormViolation, type DisputeContext, type SharePosition } from '../domain/share-dispute';
import type { RequestSnapshot } from '../domain/requests';
import { DEFAULT_SHARE_POLICY } from '../domain/share';
import { unstorable } from '../domain/text';
import { endRunningWork } from './catalog-effects';
import type { ShareDisputeInput } from './definitions';
import { businessError, acts as io } from './acts';
import { newProcedure, runToEnd } from './procedure';
import { consult, referToLeadingGroup, turnsOf } from './consultation';
import { starterViolation } from '../domain/requests';

type Party = 'authority' | 'agency';

/** Issue 24 §3: a NONE position's basis checked by level in the dispute too (ARCHITECTURE.md, "Patches in force"). */
export const DISPUTE_NONE_BASIS_LEVEL = 'dispute-none-basis-level';

/** The dispute's end: the request, and the position it settled on (what an adjustment that objected applies). */
export type DisputeResult = RequestSnapshot & { settled?: SharePosition };

export async function shareDisputeWorkflow(input: ShareDisputeInput): Promise<DisputeResult> {
  const { requestId, applicant, policy, parties, entryId } = input;
  // The dispute is the authority's own matter, not withdrawn by an applicant: a cancellation is refused.
  const { view, board, steps, statusChange, record, state } = newProcedure({
    requestId,
    applicant,
    role: 'authority_reviewer',
    cancellable: false,
    type: 'share_dispute',
    catalogEntryId: entryId,
    payload: {
      entryId,
      ...(input.added ? { added: input.added } : {}),
      proposal: input.proposal,
      objection: input.objection,
      ...(input.parent ? { parent: input.parent } : {}),
    },
    payloadHash: input.payloadHash,
    submissionId: input.submissionId,
    article: 'Art. 13',
  });
  let refusal: ApplicationFailure | undefined;
  /** The decision that settles the dispute, written with its outcome, until that write succeeds. */
  let settling: DecisionInput | undefined;

  const run = async (): Promise<DisputeResult> => {
    // What the API checked, again for a start that bypasses it: storable text, a proposal Art. 13 ¶2 accepts.
    const starter = starterViolation('share_dispute', applicant);
    if (starter) throw (refusal = businessError(starter.code, starter.detail));
    const bad =
      unstorable({ proposal: input.proposal, objection: input.objection }, '') ??
      positionFormViolation('a dispute', input.proposal as unknown as Record<string, unknown>, 'proposal');
    if (bad) throw (refusal = businessError('InvalidInput', bad.detail));
    // Issue 24 §3: a NONE proposed cites a level accepted for the agency's catalog, and so does every COUNTER and the
    // leading group's DECIDE (their tasks carry the levels). The levels are the API's or the parent adjustment's; a start
    // past both names none and gets the strictest, the 条例's. Runs started before, and a parent's that asked none, ask none.
    const asked = Array.isArray(input.noneBasis) ? input.noneBasis : input.parent ? undefined : noneShareBasisLevels(DEFAULT_SHARE_POLICY, true);
    const levels: DisputeContext = asked && patched(DISPUTE_NONE_BASIS_LEVEL) ? { noneBasis: asked } : {};
    const low = disputeNoneBasisViolation(input.proposal, levels, 'proposal.basis');
    if (low) throw (refusal = businessError('InvalidInput', low.detail));
    const orgOf: Record<Party, { org: string; role: 'authority_reviewer' | 'provider_reviewer' }> = {
      authority: { org: parties.authorityOrg, role: 'authority_reviewer' },
      agency: { org: parties.agencyOrg, role: 'provider_reviewer' },
    };
    // The agency answers the authority's objection first.
    const end = await consult<Party, SharePosition>(board, {
      kind: 'DISPUTE_CONSULTATION',
      article: 'Art. 13',
      order: ['agency', 'authority'],
      parties: orgOf,
      positions: { authority: input.proposal, agency: input.published },
      policy,
      ...(levels.noneBasis ? { context: levels } : {}),
      started: () => ({ ...statusChange('in_review', 'consultation_started', 'Art. 13'), record }),
      // One dispute on an entry at a time: the entry is taken first (two raised at once: the second is refused,
      // nothing recorded). A new entry is its adjustment's alone until applied: there is nothing to take.
      beforeFirstTurn: async () => {
        if (entryId && !(await io.markDispute({ entryId, requestId, on: true })).held)
          throw (refusal = businessError('RequestNotActive', `The share attribute of ${entryId} is already disputed (Art. 13 ¶3)`));
      },
    });
    if ('agreed' in end) return settle(end.agreed, 'agreement');

    // 报数字强市领导小组决定: the leading group gets the dossier, both positions and every turn.
    const dossier = {
      objection: input.objection,
      positions: end.positions,
      turns: turnsOf(board, 'DISPUTE_CONSULTATION'),
      referral: end.referral,
      ...levels,
    };
    const decided = await referToLeadingGroup(board, {
      kind: 'DISPUTE_DECISION',
      org: parties.leadingGroupOrg,
      length: policy.decision,
      reminderBefore: policy.reminderBefore,
      dossier,
      change: statusChange('in_review', 'referred_to_leading_group', 'Art. 13', { reason: end.referral }),
    });
    return settle(decided.form as unknown as SharePosition, 'leading_group');
  };

  /** The position agreed or decided becomes the entry's share side; sharing made NONE ends the work resting on it. */
  async function settle(position: SharePosition, by: 'agreement' | 'leading_group'): Promise<DisputeResult> {
    // Raised from an adjustment's review, the outcome goes back to it, which applies it with its other changes.
    settling = board.takeUnwritten();
    const settlement = await io.settleDispute({ requestId, entryId, position, by, publish: !input.parent, decision: settling!, step: `${++steps.n}-settled` });
    settling = undefined;
    state.status = 'settled';
    state.outcome = { article: 'Art. 13', reason: by === 'agreement' ? 'agreed in consultation' : 'decided by the leading group' };
    await endRunningWork(`share-attribute dispute ${requestId}`, settlement.effects);
    return { ...view(), settled: position };
  }

  return runToEnd(board, record, state, {
    run,
    failed: view,
    refused: (err) => err === refusal,
    unwritten: () => settling,
    // The entry no longer shows a dispute that ended without a settlement.
    afterFailure: async () => entryId && io.markDispute({ entryId, requestId, on: false }),
  });
}
