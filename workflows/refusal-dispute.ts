// Refusal dispute (《政务数据共享条例》共享使用, issue 24 §3): the applicant disputes the refusal of its share request
// within the policy's window. The applicant and the provider consult in turns (workflows/consultation.ts, as the
// share-attribute dispute does); failing agreement the same-level big data authority coordinates; failing that the
// leading group (数字强市领导小组) decides, finally. An outcome in the applicant's favour grants the request with the
// fields and conditions decided (Art. 14), through the share procedure's grant write; the grant then lives a share
// grant's life (workflows/grant-life.ts: delivery, usage reports, the provider's stop by the authority's consent, the
// grantee's onward ask, its end), past patched('dispute-grant-life'); before it, it ran its term alone (Art. 15).
import { type ApplicationFailure, condition, patched, setHandler } from '@temporalio/workflow';
import type { DecisionInput, TakenRefusal } from '../activities';
import { REFUSAL_DISPUTE_ARTICLE, refusalPositionViolation, type RefusalPosition, type RefusalTerms } from '../domain/refusal-dispute';
import { starterViolation, type RequestSnapshot } from '../domain/requests';
import { DEFAULT_SHARE_POLICY, GRANTEE_END_ARTICLE, grantTerms, REVOCATION_GROUNDS, revokerOf, revokeViolation, type Revokers } from '../domain/share';
import { unstorable } from '../domain/text';
import { SYSTEM } from '../domain/types';
import { businessError, grantEnding, acts as io } from './acts';
import { consult, referToLeadingGroup, turnsOf } from './consultation';
import {
  askOnwardProvisionUpdate,
  revokeGrantSignal,
  revokeGrantUpdate,
  type OnwardProvisionInput,
  type RefusalDisputeInput,
  type RevokeGrantInput,
  type RevokeGrantRequest,
} from './definitions';
import { grantLife } from './grant-life';
import { newProcedure, runToEnd } from './procedure';
import { actorRef } from './task';

type Party = 'applicant' | 'provider';

/** The patch under which a dispute's grant lives a share grant's life (workflows/grant-life.ts; ARCHITECTURE.md). */
const DISPUTE_GRANT_LIFE = 'dispute-grant-life';

export async function refusalDisputeWorkflow(input: RefusalDisputeInput): Promise<RequestSnapshot> {
  const { requestId, applicant, policy, shareRequestId } = input;
  // The applicant's dispute is its organisation's matter once raised: no cancellation (as the attribute dispute).
  const { view, board, steps, statusChange, record, state } = newProcedure({
    requestId,
    applicant,
    role: 'agency_applicant',
    cancellable: false,
    type: 'refusal_dispute',
    catalogEntryId: null,
    payload: { shareRequestId, reason: input.reason, fields: input.position.fields, conditions: input.position.conditions },
    payloadHash: input.payloadHash,
    submissionId: input.submissionId,
    article: REFUSAL_DISPUTE_ARTICLE,
  });
  let refusal: ApplicationFailure | undefined;
  /** The decision that ends the dispute, written with its outcome, until that write succeeds. */
  let ending: DecisionInput | undefined;
  let taken: TakenRefusal | undefined;
  /** The grant's early end: the catalog no longer sharing the entry (a signal), the city authority, or the grantee (Art. 14, 15; 条例). */
  let revoke: RevokeGrantInput | null = null;
  const revokers = (): Revokers | null =>
    taken ? { providerOrg: taken.parties.providerOrg, cityAuthorityOrg: taken.parties.authorityOrg, granteeOrg: taken.parties.applicantOrg } : null;
  /**
   * The grant's life as a share grant's (delivery, usage reports, the provider's stop by consent, onward provision), for a
   * grant made past patched('dispute-grant-life') (`lifeOn`); on the share policy the API snapshotted at the start (a
   * run started before it had none: the default's).
   */
  const life = grantLife({ requestId, applicant, policy: input.grantPolicy ?? DEFAULT_SHARE_POLICY, board, state, view });
  let lifeOn = false;
  setHandler(revokeGrantSignal, (r) => {
    revoke ??= r;
    life.signalRevoke(r);
  });
  // A grant made before patched('dispute-grant-life'): the same rule as a share grant's (revokeViolation), but the
  // provider's request for the authority's consent was the share workflow's alone, so the provider is told to ask the authority.
  const checkRevocation = (r: RevokeGrantRequest) => (lifeOn ? life.checkRevocation(r) : checkRevocationAlone(r));
  const checkRevocationAlone = ({ actor, ground, reason, deletion }: RevokeGrantRequest) => {
    const who = revokers();
    const violation = who
      ? revokeViolation(
          actor,
          { ...who, active: state.grant?.status === 'active' && revoke === null, consentAwaited: false },
          ground,
          reason,
          deletion,
          Date.now(),
        )
      : { code: 'RequestNotActive' as const, detail: 'There is no grant to end' };
    if (violation) throw businessError(violation.code, violation.detail);
    if (revokerOf(actor, who!) === 'provider')
      throw businessError('Forbidden', 'A grant a refusal dispute made is ended by the city big data authority (ask it) or by the grantee');
    const bad = unstorable(reason, 'reason') ?? unstorable(deletion, 'deletion');
    if (bad) throw businessError('InvalidInput', bad.detail);
  };
  setHandler(
    revokeGrantUpdate,
    async (r: RevokeGrantRequest) => {
      if (lifeOn) return life.revokeGrant(r);
      const { actor, ground, reason, deletion } = r;
      const grantee = revokerOf(actor, revokers()!) === 'grantee';
      revoke ??= grantee
        ? { actor: actorRef(actor, 'agency_applicant'), reason: reason.trim(), article: GRANTEE_END_ARTICLE, ground: ground!, deletion: deletion! }
        : { actor: actorRef(actor, 'authority_reviewer'), reason: reason.trim(), article: REVOCATION_GROUNDS[ground!].article, ground: ground! };
      await condition(() => state.status !== 'granted');
      return view();
    },
    { validator: checkRevocation },
  );
  // Issue 24 §6: the grantee's onward ask, as on a share grant; a grant from before the change has no such step.
  setHandler(askOnwardProvisionUpdate, life.askOnward, {
    validator: (ask: OnwardProvisionInput) => {
      if (!lifeOn) throw businessError('RequestNotActive', 'There is no grant of this dispute to provide onward');
      life.checkOnward(ask);
    },
  });

  const run = async (): Promise<RequestSnapshot> => {
    // What the API checked, again for a start that bypasses it: the starter's role, storable text, a grant asked for.
    const starter = starterViolation('refusal_dispute', applicant);
    if (starter) throw (refusal = businessError(starter.code, starter.detail));
    const bad =
      unstorable({ reason: input.reason, position: input.position }, '') ??
      (input.reason.trim() ? null : { detail: 'A dispute states why the refusal is wrong' }) ??
      (input.position.grant ? refusalPositionViolation(input.position, 'position') : { detail: 'The applicant asks for a grant' });
    if (bad) throw (refusal = businessError('InvalidInput', bad.detail));
    // The refusal taken: the applicant's, refused, in the window, not yet disputed (two at once: one stands, nothing recorded).
    const took = await io.takeRefusal({
      shareRequestId,
      requestId,
      applicantOrg: applicant.org,
      window: policy.refusalDisputeWindow,
      position: input.position,
    });
    if ('refusal' in took) throw (refusal = businessError(took.refusal.code, took.refusal.detail));
    const t = (taken = took.taken);
    const entryFields = t.entry.fields;
    // The dispute reads as of the refused request's entry (its data items named by their labels), recorded with its first write.
    record.catalogEntryId = t.entry.id;

    // The provider answers the applicant's dispute first; its position to start with is its refusal.
    const end = await consult<Party, RefusalPosition>(board, {
      kind: 'REFUSAL_DISPUTE_CONSULTATION',
      article: REFUSAL_DISPUTE_ARTICLE,
      order: ['provider', 'applicant'],
      parties: {
        applicant: { org: t.parties.applicantOrg, role: 'agency_applicant' },
        provider: { org: t.parties.providerOrg, role: 'provider_reviewer' },
      },
      positions: { applicant: input.position, provider: { grant: false, fields: [], conditions: null } },
      policy,
      // A position names the entry's fields (the kind's rule reads them here).
      context: { entryFields },
      started: () => ({ ...statusChange('in_review', 'consultation_started', REFUSAL_DISPUTE_ARTICLE), record }),
    });
    if ('agreed' in end) return conclude(end.agreed, 'agreement');

    // The dossier: the request, the refusal as decided (every decision whole), the reason, both positions, every turn.
    const dossier = {
      shareRequestId,
      entry: { id: t.entry.id, title: t.entry.title },
      entryFields,
      request: t.form,
      refusal: t.decisions,
      objection: input.reason,
      positions: end.positions,
      turns: turnsOf(board, 'REFUSAL_DISPUTE_CONSULTATION'),
      referral: end.referral,
    };
    // The same-level big data authority coordinates: the parties settle under it, or it declares the coordination failed.
    const [coordination] = await board.openRound(
      [
        {
          key: 'coordination',
          kind: 'REFUSAL_DISPUTE_COORDINATION',
          candidateRole: 'authority_reviewer',
          candidateOrg: t.parties.authorityOrg,
          length: policy.coordination,
          reminderBefore: policy.reminderBefore,
          excluded: [],
          context: dossier,
        },
      ],
      statusChange('in_review', 'referred_to_authority', REFUSAL_DISPUTE_ARTICLE, { reason: end.referral }),
    );
    const coordinated = (await board.next(() => false, [coordination], { writeWithNextStep: (c) => c.decision === 'SETTLE' }))!;
    if (coordinated.decision === 'SETTLE') return conclude(coordinated.form as unknown as RefusalPosition, 'coordination');

    // 报数字强市领导小组决定: final.
    const decided = await referToLeadingGroup(board, {
      kind: 'REFUSAL_DISPUTE_DECISION',
      org: t.parties.leadingGroupOrg,
      length: policy.decision,
      reminderBefore: policy.reminderBefore,
      dossier: { ...dossier, coordination: { org: coordination.candidateOrg, reason: coordinated.reason } },
      change: statusChange('in_review', 'referred_to_leading_group', REFUSAL_DISPUTE_ARTICLE, { reason: coordinated.reason }),
    });
    const terms = decided.form as unknown as RefusalTerms;
    return conclude(decided.decision === 'GRANT' ? { grant: true, fields: terms.fields, conditions: terms.conditions ?? null } : NO_GRANT, 'leading_group');
  };

  /** The outcome: a grant on the terms agreed or decided (the share procedure's grant, its term run here), or the refusal upheld. */
  async function conclude(position: RefusalPosition, by: 'agreement' | 'coordination' | 'leading_group'): Promise<RequestSnapshot> {
    ending = board.takeUnwritten();
    const t = taken!;
    if (!position.grant) {
      await io.concludeRefusalDispute({ requestId, by, decision: ending!, step: `${++steps.n}-upheld` });
      ending = undefined;
      state.status = 'rejected';
      state.outcome = { article: REFUSAL_DISPUTE_ARTICLE, reason: by };
      return view();
    }
    const grantId = `${requestId}.grant`;
    lifeOn = patched(DISPUTE_GRANT_LIFE);
    const grantPolicy = input.grantPolicy ?? DEFAULT_SHARE_POLICY;
    // The terms say the 条例's consent route where the share policy allows it (the API reads it there), as a share grant's.
    const onward = lifeOn && grantPolicy.onwardProvision === 'provider_consent' ? 'provider_consent' : undefined;
    const { expiresAt } = await io.createGrant({
      requestId,
      grantId,
      catalogEntryId: t.entry.id,
      granteeOrg: t.parties.applicantOrg,
      fields: position.fields,
      purpose: t.form.scenario,
      // The conditions decided; none named: the entry's own, as a share grant carries.
      terms: grantTerms(t.form, position.fields, position.conditions ?? t.entry.shareConditions, onward),
      term: policy.grantTerm,
      actor: SYSTEM,
      article: 'Art. 14',
      decision: ending,
    });
    ending = undefined;
    state.status = 'granted';
    state.grant = { id: grantId, status: 'active', expiresAt };
    state.outcome = { article: 'Art. 14' };
    if (lifeOn) {
      life.bind({ providerOrg: t.parties.providerOrg, cityAuthorityOrg: t.parties.authorityOrg, granteeOrg: t.parties.applicantOrg }, () => position.fields);
      // 条例 (数据交付): the dispute is the 条例's own, so its grant is delivered where the policy names the delivery's time.
      if (grantPolicy.delivery) await life.deliver();
      return life.term(expiresAt, true);
    }
    // Art. 15: the grant ends at its term, or early (the wait answers the decision that made it).
    const early = await board.waitFor(() => revoke !== null, Math.max(1, Date.parse(expiresAt) - Date.now()));
    const end = early ? revoke! : { actor: SYSTEM, reason: 'the grant term ended', article: 'Art. 15' };
    const status = early ? 'revoked' : 'expired';
    await io.endGrant(grantEnding(requestId, status, end, { provider: t.parties.providerOrg, authority: t.parties.authorityOrg }));
    state.status = status;
    state.grant = { ...state.grant, status };
    return view();
  }

  return runToEnd(board, record, state, {
    run,
    failed: view,
    refused: (err) => err === refusal,
    unwritten: () => ending ?? life.unwritten(),
    // A dispute that ended without a conclusion no longer holds the refusal.
    afterFailure: async () => io.releaseRefusal({ shareRequestId, requestId }),
  });
}

const NO_GRANT: RefusalPosition = { grant: false, fields: [], conditions: null };
