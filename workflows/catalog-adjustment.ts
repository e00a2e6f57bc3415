// Catalog adjustment (Art. 9 ¶2): an agency changes its own catalog with the consent of the big data
// authority of its own level; approved changes become new versions, all at once, never over a newer one.
import { type ApplicationFailure, executeChild, patched, setHandler } from '@temporalio/workflow';
import type { DecisionInput, RecordRequestInput } from '../activities';
import {
  adjustmentArticle,
  adjustmentReview,
  adjustmentShapeViolation,
  COMMENTER_KINDS,
  DEFAULT_ADJUSTMENT_POLICY,
  MAX_COMMENT_LENGTH,
  noneBasisViolations,
  noneShareBasisLevels,
  objectedChange,
  type ObjectionForm,
  type PriorityMark,
} from '../domain/catalog-adjustment';
import { DEFAULT_DISPUTE_POLICY } from '../domain/share-dispute';
import { fieldLabelViolations, type AdjustmentForm, type BasisLevel } from '../domain/catalog';
import { DEFAULT_SHARE_POLICY } from '../domain/share';
import type { RequestSnapshot } from '../domain/requests';
import { MAX_FORM_NODES, unstorable } from '../domain/text';
import { SYSTEM } from '../domain/types';
import { endOpenWork, endRunningWork } from './catalog-effects';
import { commentUpdate, workflowIdFor, type CatalogAdjustmentInput } from './definitions';
import { DISPUTE_NONE_BASIS_LEVEL, shareDisputeWorkflow } from './share-dispute';
import { businessError, acts as io } from './acts';
import { newProcedure, runToEnd } from './procedure';
import { actorRef, addressedTo, escalationOf, type WfTask } from './task';
import { starterViolation } from '../domain/requests';

/** Issue 24 §3: a NONE share attribute's basis checked by level (ARCHITECTURE.md, "Patches in force"). */
const NONE_BASIS_LEVEL = 'none-basis-level';

export async function catalogAdjustmentWorkflow(input: CatalogAdjustmentInput): Promise<RequestSnapshot> {
  const { requestId, applicant, policy } = input;
  const { view, board, cancelling, steps, statusChange, setStatus, record, state } = newProcedure({
    requestId,
    applicant,
    role: 'agency_applicant',
    type: 'catalog_adjustment',
    catalogEntryId: null,
    payload: { ...input.form },
    payloadHash: input.payloadHash,
    submissionId: input.submissionId,
    article: 'Art. 9',
  });
  const applicantRef = record.applicant;
  let unrecorded: RecordRequestInput | undefined = record;
  const takeRecord = () => {
    const r = unrecorded;
    unrecorded = undefined;
    return r;
  };
  const stop = () => cancelling.cancel !== null;
  /** The adjustment as it stands: as submitted, resubmitted, or with a dispute's outcome. */
  let form = input.form;
  /** The approval being written with the changes, until that write succeeds. */
  let approval: DecisionInput | undefined;
  /** The refusal a run ends with before it writes anything (a business error, not a failed write). */
  let refusal: ApplicationFailure | undefined;
  /**
   * Issue 24 §3: the levels a NONE share attribute's basis may cite, in runs started past patched('none-basis-level');
   * null in runs started before, which ask none (of the start, nor of a resubmission: the revision task says which).
   */
  let noneLevels: BasisLevel[] | null = null;
  /**
   * Issue 24 §3 in the city authority's objection: the levels a NONE it proposes may cite (its review task's
   * `context.noneBasis`, passed on to the dispute it starts), in city-level runs started past
   * patched('dispute-none-basis-level'); null otherwise, where the review and the dispute ask none.
   */
  let disputeLevels: BasisLevel[] | null = null;

  /** The applicant's revision: RESUBMIT with the revised adjustment, or ABANDON. Resolves with the revised form, or null when ended. */
  const revision = async (round: number, context: Record<string, unknown>, by: WfTask | null): Promise<AdjustmentForm | null> => {
    const [task] = await board.openRound(
      [
        {
          key: `revision-${round}`,
          kind: 'CATALOG_ADJUSTMENT_REVISION',
          ...addressedTo(applicant, 'agency_applicant'),
          length: policy.revision,
          reminderBefore: policy.reminderBefore,
          context: noneLevels ? { ...context, noneBasis: noneLevels } : context,
        },
      ],
      statusChange(
        'awaiting_applicant',
        by ? 'returned' : 'changes_stale',
        'Art. 9',
        by ? { actor: by.decidedBy!, decision: by.decision, reason: by.reason } : { reason: 'a change starts from a version that is no longer current' },
      ),
    );
    const reply = await board.next(stop, [task]);
    if (!reply) return null;
    if (reply.decision === 'ABANDON') {
      await setStatus('cancelled', 'abandoned', 'Art. 9', { actor: reply.decidedBy!, reason: reply.reason });
      return null;
    }
    return reply.form as unknown as AdjustmentForm;
  };

  const cancelled = async () => {
    const c = cancelling.cancel!;
    await board.cancelOpen(actorRef(c.actor, 'agency_applicant'), c.reason ?? 'cancelled by the applicant', 'Art. 9');
    await setStatus('cancelled', 'cancelled', 'Art. 9', { actor: actorRef(c.actor, 'agency_applicant'), reason: c.reason ?? null });
    return view();
  };

  /**
   * Art. 13 ¶3: the city authority objected to a share attribute the adjustment sets, of an entry it changes
   * or adds. The dispute runs as a child workflow (its own request, the parties' turns, the leading group);
   * the adjustment waits and answers with its form, the disputed change's share side replaced by the
   * position the dispute settled on.
   */
  const objection = async (objected: WfTask, round: number): Promise<AdjustmentForm> => {
    const named = objected.form as unknown as ObjectionForm;
    const change = objectedChange(form, named)!;
    await setStatus('in_review', 'objected', 'Art. 13', { actor: objected.decidedBy!, decision: 'OBJECT', reason: objected.reason });
    const disputeId = `${requestId}.dispute-${round}`;
    // The OBJECT answers once the dispute has started; the adjustment waits for its end.
    const ended = await board.waitOn(() =>
      executeChild(shareDisputeWorkflow, {
        workflowId: workflowIdFor('share_dispute', disputeId),
        args: [
          {
            requestId: disputeId,
            applicant: { sub: objected.decidedBy!.sub, org: input.reviewerOrg, roles: ['authority_reviewer'] },
            // A new entry has no id before it is applied: the dispute names it by its place and title.
            ...(change.op === 'change' ? { entryId: change.entryId } : { entryId: null, added: { index: named.index!, title: change.entry.title } }),
            published: change.entry.share,
            proposal: named.proposal,
            objection: objected.reason ?? '',
            payloadHash: '',
            policy: input.disputePolicy ?? DEFAULT_DISPUTE_POLICY,
            parties: { authorityOrg: input.reviewerOrg, agencyOrg: applicant.org, leadingGroupOrg: input.leadingGroupOrg! },
            parent: requestId,
            ...(disputeLevels ? { noneBasis: disputeLevels } : {}),
          },
        ],
      }),
    );
    if (!ended.settled) throw businessError('RequestNotActive', `the dispute ${disputeId} ended ${ended.status} without a settled attribute`);
    return { ...form, changes: form.changes.map((c) => (c === change ? { ...change, entry: { ...change.entry, share: ended.settled! } } : c)) };
  };

  /** Entries consulted on already (by id, or by title for a new one): a resubmission consults on new marks only. */
  const consulted = new Set<string>();
  const markKey = (m: PriorityMark) => m.entryId ?? `new:${m.title}`;
  const open = { consultation: false, comments: 0 };
  setHandler(
    commentUpdate,
    async ({ actor, kind, text }) => {
      const n = ++open.comments;
      // Beside the procedure, as claims are: a remote activity, its completion a history event.
      const id = await io.recordComment({
        requestId,
        n,
        author: { sub: actor.sub, org: actor.org, role: actor.roles[0] ?? 'public_applicant' },
        kind,
        text: text.trim(),
      });
      return { id };
    },
    {
      validator: ({ kind, text }) => {
        if (!open.consultation) throw businessError('RequestNotActive', 'No public consultation is open on this adjustment (Art. 18 ¶2)');
        if (!COMMENTER_KINDS.includes(kind)) throw businessError('InvalidInput', `kind is one of ${COMMENTER_KINDS.join(', ')}`);
        if (!text?.trim() || text.length > MAX_COMMENT_LENGTH)
          throw businessError('InvalidInput', `A comment has text, at most ${MAX_COMMENT_LENGTH} characters`);
        const bad = unstorable(text, 'text');
        if (bad) throw businessError('InvalidInput', bad.detail);
      },
    },
  );

  /**
   * Art. 18 ¶2 (确定重点和优先开放的数据范围,应当征求社会公众、行业组织、企业、行业主管部门的意见): the consultation is
   * open for the policy's period, anyone comments, then the agency records its response, which the reviewer
   * sees. Resolves with what the review task shows of it, or null when the applicant cancelled meanwhile.
   */
  const consult = async (marks: PriorityMark[], round: number) => {
    const record = takeRecord();
    if (record) await io.recordRequest(record);
    const { dueAt: endsAt } = await io.computeDeadlines({ length: policy.consultation ?? DEFAULT_ADJUSTMENT_POLICY.consultation });
    await setStatus('in_review', 'consultation_opened', 'Art. 18', { outcome: { article: 'Art. 18', consultation: { endsAt, entries: marks } } });
    open.consultation = true;
    const cancelledMeanwhile = await board.waitFor(stop, Math.max(1, Date.parse(endsAt) - Date.now()));
    open.consultation = false;
    if (cancelledMeanwhile) return null;
    const task = await board.open({
      key: `consultation-response-${round}`,
      kind: 'CATALOG_CONSULTATION_RESPONSE',
      ...addressedTo(applicant, 'agency_applicant'),
      length: policy.revision,
      reminderBefore: policy.reminderBefore,
      context: { endsAt, entries: marks, comments: open.comments },
    });
    const response = await board.next(stop, [task]);
    if (!response) return null;
    for (const m of marks) consulted.add(markKey(m));
    return { article: 'Art. 18', endsAt, entries: marks, comments: open.comments, response: response.reason };
  };

  /** What applying the changes leaves to do: the work on data no longer shared or open ends. */
  const applied = async (result: { effects: Parameters<typeof endRunningWork>[1]; closed: { workflows: string[] } }) => {
    await endRunningWork(`catalog adjustment ${requestId}`, result.effects);
    // Data closed to the public (removed, or made NONE): its applications end, its agreements terminate (Art. 17 ¶1, 21).
    await endOpenWork(result.closed.workflows, {
      actor: SYSTEM,
      reason: `公共数据目录调整 ${requestId} 已不再开放该数据(删除目录或列为不予开放)`,
      article: 'Art. 17',
    });
  };

  /**
   * Issue 24 §7: another institution's change on a ground outside Art. 9 ¶2 is published as soon as the
   * catalog's rules pass (applyAdjustment checks them again), the authority told in the same write; then the
   * authority reviews it afterwards (ACCEPT, or RETURN with its reason, which the agency is told). A change
   * gone stale meanwhile goes back to the applicant like any other. Resolves with the request's end, or with
   * the round to go on from when a resubmission names an Art. 9 ¶2 ground (reviewed before, as ever).
   */
  const publishAtOnce = async (): Promise<RequestSnapshot | number> => {
    const rec = takeRecord();
    if (rec) await io.recordRequest(rec);
    for (let round = 1; ; round++) {
      if (stop()) return cancelled();
      const article = adjustmentArticle(form);
      const result = await io.applyAdjustment({
        requestId,
        applicant: { ...applicantRef, org: applicant.org },
        form,
        step: `${++steps.n}-approved`,
        reviewAfter: { reviewerOrg: input.reviewerOrg },
      });
      if ('applied' in result) {
        state.status = 'approved';
        state.outcome = { article, review: 'after' };
        // A withdrawal asked while the changes were being published came too late (it is answered that the
        // request is approved): the review afterwards goes on.
        if (cancelling.cancel) {
          cancelling.cancel = null;
          board.thaw();
        }
        await applied(result);
        const task = await board.open({
          key: `after-review-${round}`,
          kind: 'CATALOG_ADJUSTMENT_AFTER_REVIEW',
          candidateRole: 'authority_reviewer',
          candidateOrg: input.reviewerOrg,
          length: policy.review,
          reminderBefore: policy.reminderBefore,
          context: { published: result.applied, article: 'Art. 9' },
        });
        // Nothing cancels a published change: the review ends the request.
        const decided = (await board.next(() => false, [task]))!;
        const returned = decided.decision === 'RETURN';
        await setStatus('approved', returned ? 'after_review_returned' : 'after_review_accepted', 'Art. 9', {
          actor: decided.decidedBy!,
          decision: decided.decision,
          reason: decided.reason,
          outcome: { article, review: 'after', afterReview: decided.decision, ...(returned ? { reason: decided.reason ?? '' } : {}) },
        });
        return view();
      }
      const revised = await revision(round, { stale: result.returned, violations: result.violations }, null);
      if (!revised) return cancelling.cancel ? cancelled() : view();
      form = revised;
      if (adjustmentReview(form.ground, false) === 'before') return round + 1;
    }
  };

  const run = async (): Promise<RequestSnapshot> => {
    // The API refuses such text; a start that bypasses it must not reach PostgreSQL with it either.
    const starter = starterViolation('catalog_adjustment', applicant);
    if (starter) throw (refusal = businessError(starter.code, starter.detail));
    // Runs started before items had to be named (no 'field-labels' marker) run on; their items take their
    // identifiers as names when applied.
    const bad =
      unstorable(input.form, 'form', MAX_FORM_NODES) ??
      adjustmentShapeViolation(input.form) ??
      (patched('field-labels') ? (fieldLabelViolations(input.form)[0] ?? null) : null);
    if (bad) throw (refusal = businessError('InvalidInput', bad.detail));
    // Issue 24 §3: an entry marked 不予共享 cites a basis of a level the policy accepts for the applicant's catalog,
    // as the API checks it; runs started before (no 'none-basis-level' marker) run on as they began.
    if (patched(NONE_BASIS_LEVEL)) {
      noneLevels = noneShareBasisLevels(input.basisPolicy ?? DEFAULT_SHARE_POLICY, input.governmentDepartment === true);
      const low = noneBasisViolations(input.form, noneLevels)[0];
      if (low) throw (refusal = businessError('InvalidInput', low.detail));
    }
    if (noneLevels && input.cityLevel && patched(DISPUTE_NONE_BASIS_LEVEL)) disputeLevels = noneLevels;
    let first = 1;
    // Issue 24 §7: published at once, reviewed afterwards. Read behind the patch: a run started before it
    // (or on a worker that ignored `review`) is reviewed before, as every adjustment was.
    if (input.review === 'after' && patched('catalog-review-after')) {
      // The API never asks this of a government department, nor on Art. 9 ¶2's grounds; a start past it may not either.
      if (input.governmentDepartment !== false || adjustmentReview(input.form.ground, false) !== 'after')
        throw (refusal = businessError(
          'Forbidden',
          "A government department's changes, and any change on Art. 9 ¶2's grounds, are reviewed before publication (Art. 9 ¶2; the 条例)",
        ));
      const ended = await publishAtOnce();
      if (typeof ended !== 'number') return ended;
      first = ended;
    }
    for (let round = first; ; round++) {
      const article = adjustmentArticle(form);
      // Art. 8: new entries that may duplicate data already in the catalog are flagged in the review task,
      // which the reviewer and the applicant both see. Art. 18 ¶2: entries newly marked for priority
      // opening go to a public consultation first.
      const { duplicates, priority } = await io.prepareReview({ form, org: applicant.org });
      const toConsult = priority.filter((m) => !consulted.has(markKey(m)));
      const consultation = toConsult.length ? await consult(toConsult, round) : undefined;
      if (consultation === null) return cancelled();
      const [task] = await board.openRound(
        [
          {
            key: `review-${round}`,
            kind: input.cityLevel ? 'CATALOG_ADJUSTMENT_CITY_REVIEW' : 'CATALOG_ADJUSTMENT_REVIEW',
            candidateRole: 'authority_reviewer',
            candidateOrg: input.reviewerOrg,
            length: policy.review,
            reminderBefore: policy.reminderBefore,
            ...escalationOf(policy.escalateAfter),
            ...(duplicates.length || consultation || disputeLevels
              ? {
                  context: {
                    ...(duplicates.length ? { duplicates, article: 'Art. 8' } : {}),
                    ...(consultation ? { consultation } : {}),
                    ...(disputeLevels ? { noneBasis: disputeLevels } : {}),
                  },
                }
              : {}),
          },
        ],
        {
          ...statusChange('in_review', round === 1 ? 'review_started' : 'review_resumed', article, round === 1 ? {} : { payload: { ...form } }),
          record: takeRecord(),
        },
      );
      // The approval is written with the changes it consents to, in one transaction.
      const decided = await board.next(stop, [task], { writeWithNextStep: (t) => t.decision === 'APPROVE' });
      if (!decided) return cancelled();
      if (decided.decision === 'REJECT') {
        await setStatus('rejected', 'rejected', article, {
          actor: decided.decidedBy!,
          decision: 'REJECT',
          reason: decided.reason,
          outcome: { article, reason: decided.reason ?? '' },
        });
        return view();
      }
      let revised: AdjustmentForm | null;
      if (decided.decision === 'RETURN') revised = await revision(round, { returned: decided.reason }, decided);
      else {
        // OBJECT: the dispute runs as a child; its outcome replaces the agency's share attribute, then all applies.
        if (decided.decision === 'OBJECT') form = await objection(decided, round);
        approval = board.takeUnwritten();
        const result = await io.applyAdjustment({
          requestId,
          applicant: { ...applicantRef, org: applicant.org },
          form,
          decision: approval,
          step: `${++steps.n}-approved`,
        });
        approval = undefined;
        if ('applied' in result) {
          state.status = 'approved';
          state.outcome = { article };
          await applied(result);
          return view();
        }
        // Another adjustment changed an entry first: those changes go back with what differs, nothing was written.
        revised = await revision(round, { stale: result.returned, violations: result.violations }, null);
      }
      if (!revised) return cancelling.cancel ? cancelled() : view();
      form = revised;
    }
  };

  return runToEnd(board, record, state, { run, failed: view, refused: (err) => err === refusal, unwritten: () => approval });
}
