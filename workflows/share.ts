// Share request and conditional share review (Art. 12–15).
import {
  ActivityFailure,
  allHandlersFinished,
  type ApplicationFailure,
  condition,
  continueAsNew,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { DecisionInput, OpenTaskInput, RecordRequestInput } from '../activities';
import type { RequestSnapshot } from '../domain/requests';
import {
  DEFAULT_SHARE_POLICY,
  grantTerms,
  noneRefusesAtOnce,
  providerExtensionLength,
  providerExtensionViolation,
  refusalBasisLevels,
  regulationApplies,
  renewalViolation,
  revokersOf,
  shareAmendment,
  sharePath,
  shareRefusal,
  type ExtensionContext,
  type RefusalContext,
  type RegulationContext,
  type ReplyContext,
  type ShareParties,
  type ShareRequestForm,
} from '../domain/share';
import { actViolation, candidateOf } from '../domain/tasks';
import { unstorable } from '../domain/text';
import { reasonInChinese, RENEWED_GRANT_ENDED } from '../domain/reasons';
import { SYSTEM } from '../domain/types';
import {
  endRequestSignal,
  renewedGrantEndedSignal,
  askOnwardProvisionUpdate,
  requestExtensionUpdate,
  revokeGrantSignal,
  revokeGrantUpdate,
  type RequestExtensionInput,
  type RevokeGrantInput,
  type ShareRequestInput,
} from './definitions';
import { grantLife, ONWARD_PROVISION, RENEWAL_ENDS_WITH_GRANT, type GrantCarried } from './grant-life';
import { lastOpinion, newReview, review, type ReviewSpec } from './review';
import type { ReviewState, ShareCarried } from './carried';
import { acts as io, businessError } from './acts';
import { TaskBoard } from './board';
import { endFailed, requestHandlers, statusChanger, statusSetter } from './procedure';
import { actorRef, addressedTo, type WfTask } from './task';

/** The provider's ask to extend its answer (条例), until the head's task is open (`opened`) or the opinion closed first. */
type ExtensionAsked = RequestExtensionInput & { opened?: boolean };

/** The patch under which the provider may ask once to extend its answer, approved by its head of sharing work (ARCHITECTURE.md). */
const PROVIDER_EXTENSION = 'provider-extension';

/** The patch under which a refusal (DISAGREE, REJECT) cites its legal basis, of the levels the review tasks' context lists (ARCHITECTURE.md). */
const REFUSAL_BASIS = 'refusal-basis';

/** The patch under which a request naming the grant it renews (`renews`) is checked, reviewed jointly and takes over at that grant's expiry (issue 24 §6). */
const GRANT_RENEWAL = 'grant-renewal';

/** The patch under which a renewal is recorded only as its grant's one renewal being decided, under the grant's lock (issue 24 §6). */
const RENEWAL_CLAIM = 'renewal-claim';

/** The patch under which the applicant's reply may amend the request, and a changed request gets one more notice (issue 24 §1). */
const SHARE_REPLY_AMENDS = 'share-reply-amends';

/** The patch under which the 条例's delivery task opens in the grant's own write, not in one after it (issue 27 §4). */
const GRANT_OPENS_DELIVERY = 'grant-opens-delivery';

/** The grant an approved request creates: the fields asked for (or all the entry's), for the stated purpose, on the entry's conditions. */
function grantOf({ requestId, applicant, form }: ShareRequestInput, parties: ShareParties, onward?: 'provider_consent') {
  const fields = form.fields?.length ? form.fields : parties.entry.fields;
  return {
    requestId,
    grantId: `${requestId}.grant`,
    catalogEntryId: parties.entry.id,
    granteeOrg: applicant.org,
    fields,
    purpose: form.scenario,
    terms: grantTerms(form, fields, parties.entry.shareConditions, onward),
    actor: SYSTEM,
    article: 'Art. 14',
  };
}

export async function shareRequestWorkflow(input: ShareRequestInput): Promise<RequestSnapshot> {
  const { requestId, applicant, form, policy, carried } = input;
  /** The request as it stands: as submitted, or as the applicant's reply amended it (carried on as the next run's form). */
  let current: ShareRequestForm = form;
  const applicantRef = actorRef(applicant, 'agency_applicant');
  const state: Pick<RequestSnapshot, 'status' | 'outcome' | 'grant'> = carried ? { ...carried.state } : { status: 'submitted', outcome: null, grant: null };
  const view = (): RequestSnapshot => ({ requestId, ...state, tasks: board.snapshots() });
  const board = new TaskBoard(
    {
      requestId,
      workflowId: workflowInfo().workflowId,
      applicantSub: applicant.sub,
      // A rejection, a request for information or a new consultation ends the round for both at once.
      closesSiblings: (t) => t.decision === 'REJECT' || t.decision === 'REQUEST_INFO' || t.decision === 'CONSULT',
      carried: carried?.board,
      request: () => ({ ...current }),
    },
    view,
  );
  // The entry was removed or its sharing made NONE (a catalog adjustment): a request still being decided
  // ends with that reason; one granted meanwhile has its grant revoked at once.
  let ending: RevokeGrantInput | null = null;
  // The grant's life once approved (workflows/grant-life.ts): its state and handlers, set before the grant exists.
  const life = grantLife({
    requestId,
    applicant,
    policy,
    board,
    state,
    view,
    ...(carried && 'granted' in carried.at ? { carried: carried.at.granted } : {}),
    revokers: carried ? revokersOf(carried.parties, applicant.org) : null,
    ended: () => ending,
    handOver: () => handOver(),
    handOverTo: (granted: GrantCarried) => handOverTo!({ granted }),
  });
  /** Continues as new with everything this run knows, once its parties are known (run). */
  let handOverTo: ((at: ShareCarried['at']) => Promise<never>) | undefined;

  /** 条例 (延长答复期限): the provider's ask, from its Update until the review puts it to the head of its sharing work. */
  let extensionAsk: ExtensionAsked | null = null;
  const askExtension = async (input: RequestExtensionInput) => {
    // The validator's check again, in the step that records the ask: of asks delivered together, one stands.
    checkExtensionAsk(input);
    const asked: ExtensionAsked = (extensionAsk = { ...input, reason: input.reason.trim() });
    // Answers once the head's task is open, or the review ended first.
    await condition(() => asked.opened !== undefined || !['submitted', 'in_review', 'awaiting_applicant'].includes(state.status));
    if (!asked.opened) throw businessError('TaskNotOpen', 'The opinion was closed before the extension was put to the head of sharing work');
    return view();
  };
  const checkExtensionAsk = ({ taskId, actor, workingDays, reason }: RequestExtensionInput) => {
    const task = board.all().find((t) => t.id === taskId);
    if (!task) throw businessError('TaskNotFound');
    const violation = providerExtensionViolation({
      task,
      access: actViolation(task, actor, applicant.sub),
      asHead: candidateOf(task, actor)?.escalation === true,
      // Once per request: asked and not yet put to the head, or put to the head (whatever the answer).
      asked: extensionAsk !== null || board.all().some((t) => t.kind === 'SHARE_EXTENSION_APPROVAL'),
      workingDays,
      reason,
    });
    if (violation) throw businessError(violation.code, violation.detail);
    const bad = unstorable(reason, 'reason');
    if (bad) throw businessError('InvalidInput', bad.detail);
  };

  // The request's handlers, besides its board's (board.ts) and every request's (requestHandlers).
  const cancelling = requestHandlers(board, applicant, state, view);
  // Kept even before the grant exists: a grant revoked during review (e.g. the entry was withdrawn)
  // ends as soon as it is created rather than living on.
  setHandler(revokeGrantSignal, (r) => life.signalRevoke(r));
  setHandler(endRequestSignal, (e) => {
    ending ??= e;
  });
  // Issue 24 §6: the grant this renewal renews was revoked, stopped or ended by its grantee (its run signals once it ended).
  let renewedEnded: RevokeGrantInput | null = null;
  setHandler(renewedGrantEndedSignal, (e) => {
    if (input.renews !== undefined && !['granted', 'rejected', 'cancelled'].includes(state.status) && patched(RENEWAL_ENDS_WITH_GRANT)) renewedEnded ??= e;
  });
  setHandler(revokeGrantUpdate, life.revokeGrant, { validator: life.checkRevocation });
  setHandler(requestExtensionUpdate, askExtension, { validator: checkExtensionAsk });
  setHandler(askOnwardProvisionUpdate, life.askOnward, { validator: life.checkOnward });

  const steps = { n: carried?.step ?? 0 };
  /**
   * Time to hand over to a new run: the server suggests it (or the history passed the input's limit),
   * and nothing is in flight (no Update being handled, no decision waiting, no notice being written).
   */
  const handOver = () =>
    (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > (input.continueAsNewAfter ?? Infinity)) &&
    progressed() &&
    board.quiet() &&
    allHandlersFinished();
  // A run hands over only after it moved the request on, so runs never hand over to each other in a loop.
  const startedAs = { step: steps.n, status: state.status };
  const progressed = () => board.taken > 0 || steps.n !== startedAs.step || state.status !== startedAs.status;
  const statusChange = statusChanger(requestId, state, steps);
  const setStatus = statusSetter(statusChange);

  const cancelled = async () => {
    await board.cancelOpen(actorRef(cancelling.cancel!.actor, 'agency_applicant'), cancelling.cancel!.reason ?? 'cancelled by the applicant', 'Art. 14');
    await setStatus('cancelled', 'cancelled', 'Art. 14', {
      actor: actorRef(cancelling.cancel!.actor, 'agency_applicant'),
      reason: cancelling.cancel!.reason ?? null,
    });
    return view();
  };

  /** The catalog no longer shares the entry: the request ends, its open tasks with it. */
  const endedByCatalog = async (e: RevokeGrantInput) => {
    await board.cancelOpen(e.actor, e.reason, e.article);
    await setStatus('cancelled', 'ended_by_catalog', e.article, { actor: e.actor, reason: e.reason });
    return view();
  };

  /** Issue 24 §6: the renewal ends with the grant it renews, its open tasks with it, citing what that grant's end rests on. */
  const endedWithGrant = async (e: RevokeGrantInput) => {
    await board.cancelOpen(e.actor, RENEWED_GRANT_ENDED, e.article);
    await setStatus('cancelled', 'ended_with_renewed_grant', e.article, {
      actor: e.actor,
      reason: RENEWED_GRANT_ENDED,
      outcome: { article: e.article, reason: reasonInChinese(RENEWED_GRANT_ENDED), ...(e.ground ? { ground: e.ground } : {}) },
    });
    return view();
  };

  /** The grant this request renews (issue 24 §6), read from the input only past patched('grant-renewal'). */
  const renewing = (): string | undefined => (input.renews !== undefined && patched(GRANT_RENEWAL) ? input.renews : undefined);
  /** The request as the read model records it, on submission or, when even that failed, on failure. */
  const requestRecord: RecordRequestInput = {
    requestId,
    workflowId: workflowInfo().workflowId,
    type: 'share',
    applicant: applicantRef,
    catalogEntryId: form.catalogEntryId,
    payload: { ...form },
    payloadHash: input.payloadHash,
    submissionId: input.submissionId,
    article: 'Art. 15',
  };

  /** The request's record when it goes with the request's first write (the parties came from the API), until that write is made. */
  let unrecorded: RecordRequestInput | undefined;
  const takeRecord = () => {
    const record = unrecorded;
    unrecorded = undefined;
    return record;
  };
  /** The refusal the request ended with (a business error, not a failed write). */
  let refusal: ApplicationFailure | undefined;
  /** The decision being written with the step it leads to (an approval with the grant, a consent with its end), until that write succeeds. */
  let approval: DecisionInput | undefined;
  /** Everything the request does after its handlers are set, from resolving its parties to the end of the grant. */
  const run = async (): Promise<RequestSnapshot> => {
    // The API refuses such text; a start that bypasses it must not reach PostgreSQL with it either.
    const unstorableForm = unstorable(form, 'form');
    if (unstorableForm) throw businessError('InvalidInput', unstorableForm.detail);
    // A renewal (issue 24 §6): checked as the API checks it before anything is recorded, its request naming the grant.
    const renews = carried ? undefined : renewing();
    if (renews !== undefined) {
      const facts = await io.renewalFacts({ grantId: renews, requestId });
      const violation = facts ? renewalViolation(applicant, facts, Date.now()) : { code: 'GrantNotFound' as const, detail: `No grant ${renews}` };
      if (violation) throw (refusal = businessError(violation.code, violation.detail));
      requestRecord.payload = { ...form, renews };
    }
    // Two renewals started at once both pass that check: the one recorded first (under the grant's lock) stands.
    const claiming = renews !== undefined && patched(RENEWAL_CLAIM) ? renews : undefined;
    /** Parties, checks and the request's record in one step; a refusal ends the workflow, recording nothing. */
    const submit = async () => {
      const submitted = await io.submitShare({
        catalogEntryId: form.catalogEntryId,
        applicantOrg: applicant.org,
        roles: applicant.roles,
        form,
        record: requestRecord,
        ...(claiming !== undefined ? { renews: claiming } : {}),
      });
      if ('refusal' in submitted) throw (refusal = businessError(submitted.refusal.code, submitted.refusal.detail));
      return submitted.parties;
    };
    /** The parties the API resolved at submission, checked as submitShare would; the record waits for the first write. */
    const checkedFromApi = (p: ShareParties) => {
      const refused = shareRefusal({ mayRequest: p.applicantMayRequest, roles: applicant.roles }, form, p.entry);
      if (refused) throw (refusal = businessError(refused.code, refused.detail));
      unrecorded = requestRecord;
      return p;
    };
    const parties = carried?.parties ?? (input.parties ? checkedFromApi(input.parties) : await submit());
    // A renewal whose parties came from the API is recorded now, as its grant's one renewal being decided, or refused.
    if (claiming !== undefined && unrecorded) {
      const taken = await io.claimRenewal({ grantId: claiming, record: takeRecord()! });
      if (taken) throw (refusal = businessError(taken.code, taken.detail));
    }
    // Who may end the grant (a carried run knew it from its start) and the grant's fields.
    life.bind(revokersOf(parties, applicant.org), () => grantOf({ ...input, form: current }, parties).fields);
    /** The record, written on its own when the request's first write is not a review round. */
    const recordNow = async () => {
      const record = takeRecord();
      if (record) await io.recordRequest(record);
    };
    // A review task long overdue is escalated to the authority supervising its candidate (督办, Art. 32).
    // It stays the competent body's to decide: the review is the city authority's 会同 the provider
    // (Art. 14); the leading group decides only a share-attribute dispute (Art. 13 ¶3), never a request.
    const escalation = policy.escalateAfter ? { escalation: { after: policy.escalateAfter, article: 'Art. 32' } } : {};

    /** Continues as new with everything this run knows; the next run picks up where this one waits. */
    handOverTo = async (at: ShareCarried['at']): Promise<never> => {
      await condition(allHandlersFinished);
      const next: ShareCarried = { parties, step: steps.n, state: { ...state }, board: board.state(), at };
      return continueAsNew<typeof shareRequestWorkflow>({ ...input, form: current, carried: next });
    };
    const waiting = () => cancelling.cancel !== null || ending !== null || renewedEnded !== null || handOver();

    /**
     * Whether the 《政务数据共享条例》 binds this run's review on top of the Measures (both parties government
     * departments, or the policy widens it): its answer clocks and its one-time notice. Asked once per run; a run
     * whose history passed this point before the change stays on the Measures alone.
     */
    let regulated: boolean | undefined;
    const underRegulation = () => (regulated ??= regulationApplies(parties, policy) && patched('share-regulation-clocks'));

    /** A reviewer asked the applicant for information: the round's tasks close and the applicant gets a reply task. */
    async function askApplicant(asked: WfTask, round: number): Promise<WfTask> {
      await board.cancelOpen(SYSTEM, 'paused: information requested from the applicant', 'Art. 14');
      await setStatus('awaiting_applicant', 'information_requested', 'Art. 15', { actor: asked.decidedBy!, decision: 'REQUEST_INFO', reason: asked.reason });
      const replyTask = await board.open({
        key: `applicant-reply-${round}`,
        kind: 'SHARE_APPLICANT_REPLY',
        ...addressedTo(applicant, 'agency_applicant'),
        length: policy.applicantReply,
        reminderBefore: policy.reminderBefore,
        context: replyContext(asked),
      });
      return replyTask;
    }

    /**
     * What the reply task opens with: 一次性告知, every missing item for the applicant to read; past
     * patched('share-reply-amends'), the entry's data items an amended request may name (the reply may amend the request).
     */
    const replyContext = (asked: WfTask): Record<string, unknown> | undefined => {
      const missing = underRegulation() && asked.form?.missing ? { missing: asked.form.missing } : {};
      const amendable: ReplyContext = patched(SHARE_REPLY_AMENDS) ? { amendable: [...parties.entry.fields] } : {};
      const context = { ...missing, ...amendable };
      return Object.keys(context).length ? context : undefined;
    };

    /** What the applicant's reply changes of the request (its form, where its task offered to amend), or null. */
    const amendmentOf = (reply: WfTask) => {
      const amendable = (reply.context as ReplyContext | undefined)?.amendable;
      return Array.isArray(amendable) ? shareAmendment(current, reply.form, amendable) : null;
    };

    /**
     * The reply amended the request: its decision, the request as amended and the trail's event in one write keyed by
     * the step; the next round's tasks read the request as amended and, under the 条例, may ask once more (regulationContext).
     */
    async function amend(reply: WfTask, r: ReviewState): Promise<void> {
      const change = amendmentOf(reply)!;
      approval = board.takeUnwritten();
      await io.amendShareRequest({
        requestId,
        step: `${++steps.n}-amended`,
        taskId: reply.id,
        ...(approval ? { decision: approval } : {}),
        actor: reply.decidedBy!,
        payload: { ...change.form },
        before: change.before,
        after: change.after,
        article: 'Art. 15',
      });
      approval = undefined;
      current = change.form;
      r.amendedBy = reply.id;
    }

    /**
     * The review tasks' context under the 条例: that it binds them, and, once the applicant was told what is missing,
     * that a second request in this review is refused (oneTimeNoticeViolation). A reply that changed the request
     * (`r.amendedBy`, past patched('share-reply-amends')) starts the count again: only asks after it count.
     */
    const regulationContext = (r: ReviewState): RegulationContext => {
      const tasks = board.all();
      const since = r.amendedBy ? tasks.findIndex((t) => t.id === r.amendedBy) + 1 : 0;
      const asked = tasks.slice(since).some((t) => (t.kind === 'SHARE_JOINT_REVIEW' || t.kind === 'SHARE_PROVIDER_OPINION') && t.decision === 'REQUEST_INFO');
      return { regulation: true, ...(asked ? { noticeGiven: true } : {}) };
    };

    /**
     * 不予共享 cites its basis (Art. 13 ¶2; 条例 rules 4 and 6): the review tasks list the levels a refusal may cite, the
     * 条例's where it binds the review. Asked once per run, as its first review task opens; a run whose tasks opened
     * before this change asks no basis of them (refusalViolation).
     */
    let refusalLevels: RefusalContext | null | undefined;
    const refusalContext = (): RefusalContext | null =>
      refusalLevels === undefined
        ? (refusalLevels = patched(REFUSAL_BASIS) ? { refusalBasis: refusalBasisLevels(policy, underRegulation()) } : null)
        : refusalLevels;
    /** What every review task opens with: the 条例's marks where it binds the review, the levels a refusal may cite. */
    const reviewContext = (r: ReviewState): Record<string, unknown> | undefined => {
      const regulation = underRegulation() ? regulationContext(r) : null;
      const refusal = refusalContext();
      return regulation || refusal ? { ...regulation, ...(refusal ? { refusalBasis: [...refusal.refusalBasis!] } : {}) } : undefined;
    };

    /** The head's answer to the provider's ask, decided and not yet taken (only in runs past patched('provider-extension')). */
    const extensionDecided = () => board.all().find((t) => t.kind === 'SHARE_EXTENSION_APPROVAL' && t.status === 'completed' && !t.consumed);
    /** The review stops its wait for the provider's ask, or for the head's answer to it. */
    const extending = () => extensionAsk !== null || extensionDecided() !== undefined;

    /**
     * 条例 (延长答复期限): the provider's ask goes to the head of its 政务数据共享工作机构 as a task, while the opinion is
     * still open; the head's answer, once decided, is applied (extensionAnswered).
     */
    async function extensionStep(r: ReviewState): Promise<void> {
      const decided = extensionDecided();
      if (decided) return extensionAnswered(decided, r);
      const ask = extensionAsk!;
      const opinion = board.all().find((t) => t.id === ask.taskId);
      if (opinion?.status === 'open' && patched(PROVIDER_EXTENSION)) {
        const context: ExtensionContext = {
          workingDays: ask.workingDays,
          reason: ask.reason,
          requestedBy: parties.entry.providerOrgId,
        };
        await board.open({
          key: 'extension-approval',
          kind: 'SHARE_EXTENSION_APPROVAL',
          candidateRole: 'sharing_head',
          candidateOrg: parties.entry.providerOrgId,
          length: policy.extensionApproval ?? DEFAULT_SHARE_POLICY.extensionApproval!,
          // Nobody approves their own ask, nor decides on their own request.
          excluded: [applicant.sub, ask.actor.sub],
          openedBy: actorRef(ask.actor, 'provider_reviewer'),
          context: { ...context },
          ...escalation,
        });
        ask.opened = true;
      } else ask.opened = false;
      extensionAsk = null;
    }

    /**
     * The head answered: approved, the opinion (and the authority's conclusion, whose window holds it) due later by what
     * was asked, at most the policy's cap, counted on from each due time; refused, nothing moves. The applicant and the
     * provider's reviewer are told either way, in the write that records the answer.
     */
    async function extensionAnswered(task: WfTask, r: ReviewState): Promise<void> {
      await board.next(() => true, [task], { writeWithNextStep: () => true });
      const ask = task.context as unknown as ExtensionContext;
      const approved = task.decision === 'APPROVE';
      const length = providerExtensionLength(ask.workingDays, policy.providerExtensionCap);
      // The round's tasks, if still open: a round that ended (the applicant asked, the provider consulted again) closed the
      // head's task with it, so the opinion open now is the one the ask was for.
      const round = r.at && 'lead' in r.at ? r.at : undefined;
      const opinion = board.all().find((t) => t.id === round?.opinion && t.status === 'open');
      const lead = board.all().find((t) => t.id === round?.lead && t.status === 'open');
      const targets = approved && opinion ? [opinion, ...(lead ? [lead] : [])] : [];
      approval = board.takeUnwritten();
      const moved = await board.inTurn(() =>
        io.answerExtension({
          requestId,
          taskId: task.id,
          ...(approval ? { decision: approval } : {}),
          approved,
          actor: task.decidedBy!,
          reason: ask.reason,
          ...(approved ? {} : { refusal: task.reason ?? '' }),
          granted: approved && 'workingDays' in length ? length.workingDays : null,
          moves: targets.map((t) => ({
            taskId: t.id,
            extension: { length, reminderBefore: t.reminderBefore, from: t.dueAt, ...(t.escalation ? { escalateAfter: t.escalation.after } : {}) },
          })),
          applicant: applicant.sub,
          requester: task.openedBy!.sub,
        }),
      );
      approval = undefined;
      for (const t of targets) if (moved[t.id]) board.moved(t, moved[t.id]!);
      // An applicant's pause later counts on from the moved due times.
      if (lead && moved[lead.id]) r.due = moved[lead.id]!.dueAt;
      if (opinion && r.opinionDue && moved[opinion.id]) r.opinionDue = moved[opinion.id]!.dueAt;
    }

    /**
     * Art. 14 as it reads: the city authority leads and concludes, the providing agency gives its
     * opinion. The authority approves only once the provider agreed (jointReviewViolation); it may
     * reject, ask the applicant for information, or consult the provider again with its position.
     * Resolves undefined when approved, or with the request's final state.
     */
    async function art14Review(r: ReviewState): Promise<RequestSnapshot | undefined> {
      const spec: ReviewSpec = {
        article: 'Art. 14',
        lead: {
          key: 'joint-review',
          kind: 'SHARE_JOINT_REVIEW',
          role: 'authority_reviewer',
          org: parties.cityAuthorityOrgId,
          name: 'the city big data authority',
        },
        opinion: { key: 'provider-opinion', kind: 'SHARE_PROVIDER_OPINION', role: 'provider_reviewer', org: parties.entry.providerOrgId, name: 'the provider' },
        length: policy.jointReview,
        reminderBefore: policy.reminderBefore,
        ...escalation,
        // The 条例: answered within one window in all, the provider's opinion due within it (7 + 3), never 10 + 10.
        ...(underRegulation()
          ? {
              length: policy.regulationReview ?? policy.jointReview,
              opinionLength: policy.regulationOpinion ?? policy.jointReview,
            }
          : {}),
        context: () => reviewContext(r),
      };
      let end;
      for (;;) {
        end = await review(board, spec, r, {
          inReview: (round) => ({ ...statusChange('in_review', round === 1 ? 'review_started' : 'review_resumed', 'Art. 14'), record: takeRecord() }),
          askApplicant,
          stop: () => waiting() || extending(),
          // Only a reply task that offered it (opened past patched('share-reply-amends')) amends the request.
          amends: (reply) => amendmentOf(reply) !== null && patched(SHARE_REPLY_AMENDS),
          amend,
        });
        // The provider's ask, or the head's answer: dealt with, the review waits on where it stood.
        if ('stopped' in end && !waiting() && extending()) await extensionStep(r);
        else break;
      }
      if ('stopped' in end)
        return cancelling.cancel ? cancelled() : ending ? endedByCatalog(ending) : renewedEnded ? endedWithGrant(renewedEnded) : handOverTo!({ review: r });
      if ('approved' in end) return undefined;
      // The refusal is the authority's, recording both opinions.
      const provider = lastOpinion(board, spec.opinion!);
      // The basis the refusal cites (its task asked it past patched('refusal-basis')), for the applicant to read.
      const basis = end.rejected.form?.basis;
      await setStatus('rejected', 'rejected', 'Art. 14', {
        actor: end.rejected.decidedBy!,
        decision: 'REJECT',
        reason: end.rejected.reason,
        outcome: {
          article: 'Art. 14',
          reason: end.rejected.reason ?? '',
          ...(Array.isArray(basis) ? { legalBasis: basis } : {}),
          ...(provider ? { provider } : {}),
        },
      });
      return view();
    }

    if (carried) {
      // A run continued from the one before: it picks up where that one waited.
      if ('granted' in carried.at) return life.term(carried.at.granted.expiresAt);
      const ended = await art14Review(carried.at.review);
      if (ended) return ended;
    } else {
      let path = sharePath(parties.entry.shareAttribute);
      // A renewal is reviewed as a new conditional request, whatever the entry's attribute (a NONE entry still refuses).
      if (path === 'grant' && renews !== undefined) path = 'joint_review';
      // 条例 (不予共享, rule 4): between government departments an entry refuses at once only on a basis of the levels the
      // policy accepts; on a lesser one (a 规章 alone) the request is reviewed jointly, its refusal citing its own basis.
      if (
        path === 'refuse' &&
        regulationApplies(parties, policy) &&
        !noneRefusesAtOnce(parties.entry, refusalBasisLevels(policy, true)) &&
        patched(REFUSAL_BASIS)
      )
        path = 'joint_review';
      if (path !== 'joint_review') await recordNow();
      if (path === 'refuse') {
        const basis = parties.entry.shareBasis ?? '';
        const cited = parties.entry.shareLegalBasis;
        await setStatus('refused', 'refused', 'Art. 13', {
          reason: `The entry is not shared (不予共享); legal basis: ${basis}`,
          outcome: { article: 'Art. 13', basis, reason: 'The entry is not shared (不予共享)', ...(cited ? { legalBasis: cited } : {}) },
        });
        return view();
      }

      if (path === 'joint_review') {
        const ended = await art14Review(newReview());
        if (ended) return ended;
      }
    }

    // Art. 14: 应当予以共享 — unconditional at once, conditional after both approvals.
    // The terms say so where the run's policy allows the 条例's consent route (the API reads it there).
    const grant = grantOf(
      { ...input, form: current },
      parties,
      policy.onwardProvision === 'provider_consent' && patched(ONWARD_PROVISION) ? 'provider_consent' : undefined,
    );
    // The term is counted inside the write that creates the grant, which records the approval too.
    approval = board.takeUnwritten();
    const renewed = renewing();
    // An approval racing the renewed grant's end: past the patch, no grant is made for a renewal of a grant revoked meanwhile.
    const endsWithGrant = renewed !== undefined && patched(RENEWAL_ENDS_WITH_GRANT);
    // 条例 (数据交付): where it binds the request and the policy asks for delivery, the provider delivers the data and the
    // grantee confirms; the grant reads 已批准待交付 until then. The Measures alone ask no delivery step: in force at once.
    // Past the patch the delivery task opens in the grant's write (one activity and one workflow task fewer): asked
    // first, so a run recorded before it (no marker here) asks 'share-delivery' after the grant, as it did.
    const opensDelivery = regulationApplies(parties, policy) && !!policy.delivery && patched(GRANT_OPENS_DELIVERY) && patched('share-delivery');
    const create = (open?: OpenTaskInput) =>
      io.createGrant({
        ...grant,
        term: policy.grantTerm,
        decision: approval,
        ...(renewed !== undefined ? { renews: renewed } : {}),
        ...(endsWithGrant ? { renewedEnded: true } : {}),
        ...(open ? { open } : {}),
      });
    const { expiresAt, startsAt, renewedEnded: refused } = opensDelivery ? await life.createDelivering(create) : await create();
    approval = undefined;
    if (refused) return endedWithGrant(renewedEnded ?? { actor: SYSTEM, reason: RENEWED_GRANT_ENDED, article: 'Art. 14' });
    state.status = 'granted';
    state.grant = { id: grant.grantId, status: 'active', expiresAt };
    state.outcome = { article: 'Art. 14' };
    if (opensDelivery) life.awaitDelivery();
    else if (regulationApplies(parties, policy) && policy.delivery && patched('share-delivery')) await life.deliver();
    return life.term(expiresAt, true, startsAt);
  };

  try {
    const result = await run();
    await board.closeRest('the request ended', 'Art. 14');
    // The procedure has reacted to every decision it took: they answer with its final state.
    board.settleTaken();
    // A claim, reassignment or extension still writing when the request ends (e.g. a REJECT at the
    // same moment) must answer its caller, not be cut off by the workflow's completion.
    board.finish();
    await condition(allHandlersFinished);
    return result;
  } catch (err) {
    // Only a write's failure ends the request visibly failed; the refusal (or a form no store takes) ends the workflow as it is.
    if (err === refusal || !(err instanceof ActivityFailure)) throw err;
    // A write that no retry can make (or that kept failing past the retry policy): end visibly
    // failed with the reason, rather than retrying for ever or vanishing.
    // An approval left for the grant's write is in the trail even when that write failed.
    await endFailed(board, err, requestRecord, state, approval ?? life.unwritten());
    return view();
  }
}
