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
import type { DecisionInput, RecordRequestInput } from '../activities';
import type { RequestSnapshot } from '../domain/requests';
import {
  DEFAULT_SHARE_POLICY,
  GRANTEE_END_ARTICLE,
  grantTerms,
  noneRefusesAtOnce,
  onwardProvisionViolation,
  providerExtensionLength,
  providerExtensionViolation,
  refusalBasisLevels,
  regulationApplies,
  renewalViolation,
  REVOCATION_GROUNDS,
  revokerOf,
  revokersOf,
  revokeViolation,
  sharePath,
  shareRefusal,
  type ExtensionContext,
  type RefusalContext,
  type RegulationContext,
  type RevocationGround,
  type Revokers,
  type ShareParties,
  type UsagePeriod,
  type UsageReportForm,
  usagePeriodFrom,
} from '../domain/share';
import { actViolation, candidateOf } from '../domain/tasks';
import { unstorable } from '../domain/text';
import { SYSTEM, type ActorRef } from '../domain/types';
import {
  endRequestSignal,
  askOnwardProvisionUpdate,
  requestExtensionUpdate,
  revokeGrantSignal,
  revokeGrantUpdate,
  type OnwardProvisionInput,
  type RequestExtensionInput,
  type RevokeGrantInput,
  type RevokeGrantRequest,
  type ShareRequestInput,
} from './definitions';
import { lastOpinion, newReview, review, type ReviewSpec } from './review';
import type { GrantStop, ReviewState, ShareCarried, UsageSchedule } from './carried';
import { acts as io, businessError, grantEnding } from './acts';
import { TaskBoard } from './board';
import { endFailed, requestHandlers, statusChanger, statusSetter } from './procedure';
import { actorRef, addressedTo, type WfTask } from './task';

/** What a run hands to the next when the workflow continues as new (its history grown long, e.g. a year-long grant). */

/** The providing agency's request to end a grant, before it is put to the city authority. */
interface RevocationAsked {
  actor: ActorRef;
  ground: RevocationGround;
  reason: string;
}

/** The provider's ask to extend its answer (条例), until the head's task is open (`opened`) or the opinion closed first. */
type ExtensionAsked = RequestExtensionInput & { opened?: boolean };

/** The patch under which the provider may ask once to extend its answer, approved by its head of sharing work (ARCHITECTURE.md). */
const PROVIDER_EXTENSION = 'provider-extension';

/** The patch under which a refusal (DISAGREE, REJECT) cites its legal basis, of the levels the review tasks' context lists (ARCHITECTURE.md). */
const REFUSAL_BASIS = 'refusal-basis';

/** The patch under which the grantee ends its own grant as its purpose is achieved, confirming the data deleted (条例). */
const GRANTEE_ENDS_GRANT = 'grantee-ends-grant';

/** The patch under which a consented stop takes effect `revocationNotice` later, the grantee told first (条例). */
const REVOCATION_NOTICE = 'revocation-notice';

/** The patch under which the grantee files its usage records each period while the grant is active (条例, 使用记录). */
const USAGE_REPORTS = 'usage-reports';

/** The patch under which a request naming the grant it renews (`renews`) is checked, reviewed jointly and takes over at that grant's expiry (issue 24 §6). */
const GRANT_RENEWAL = 'grant-renewal';

/** The patch under which the grantee asks to provide the data to a third party and the provider consents or refuses (issue 24 §6). */
const ONWARD_PROVISION = 'onward-provision';

/** The grantee's ask to provide the data onward, until the provider's task is open (`opened`) or the grant ended first. */
type OnwardAsked = OnwardProvisionInput & { opened?: boolean; refused?: ApplicationFailure };

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
      request: () => ({ ...form }),
    },
    view,
  );
  let revoke: RevokeGrantInput | null = null;
  // The entry was removed or its sharing made NONE (a catalog adjustment): a request still being decided
  // ends with that reason; one granted meanwhile has its grant revoked at once.
  let ending: RevokeGrantInput | null = null;
  /** Who may revoke, once the parties are known. */
  let revokers: Revokers | null = carried ? revokersOf(carried.parties, applicant.org) : null;
  /** The providing agency asks to end the grant: put to the city authority as a consent task (Art. 14). */
  let asking: RevocationAsked | null = null;
  /** The city authority's consent task while it is open (carried across runs). */
  let consent: WfTask | null = carried && 'granted' in carried.at && carried.at.granted.consent ? board.get(carried.at.granted.consent) : null;
  /** The city authority consented and the grantee was told: the grant ends at `at` (only past patched('revocation-notice')). */
  let stopping: GrantStop | null = (carried && 'granted' in carried.at && carried.at.granted.stopping) || null;
  /** The period the grantee's next usage report covers, due at its end (only past patched('usage-reports')). */
  let usage: UsageSchedule | null = (carried && 'granted' in carried.at && carried.at.granted.usage) || null;

  /** A grant's revocation: asked by the provider (put to the city authority) or decided by the city authority. */
  const revokeGrant = async ({ actor, ground, reason, deletion }: RevokeGrantRequest) => {
    // The validator checked the ground (and the grantee's deletion).
    const named = ground!;
    const by = revokerOf(actor, revokers!);
    if (by === 'provider') {
      const asked = (asking = { actor: actorRef(actor, 'provider_reviewer'), ground: named, reason: reason.trim() });
      // Answers once the authority's task is open (or the grant ended first).
      await condition(() => asking !== asked || state.status !== 'granted');
      return view();
    }
    // The grantee ends its own use at once (no consent: the data is its to stop using), its deletion confirmed.
    revoke ??=
      by === 'grantee' && patched(GRANTEE_ENDS_GRANT)
        ? { actor: actorRef(actor, 'agency_applicant'), reason: reason.trim(), article: GRANTEE_END_ARTICLE, ground: named, deletion: deletion! }
        : { actor: actorRef(actor, 'authority_reviewer'), reason: reason.trim(), article: REVOCATION_GROUNDS[named].article, ground: named };
    await condition(() => state.status !== 'granted');
    return view();
  };
  const checkRevocation = ({ actor, ground, reason, deletion }: RevokeGrantRequest) => {
    if (!revokers) throw businessError('RequestNotActive', 'There is no grant to revoke');
    const violation = revokeViolation(
      actor,
      { ...revokers, active: state.grant?.status === 'active' && revoke === null, consentAwaited: asking !== null || consent !== null || stopping !== null },
      ground,
      reason,
      deletion,
      Date.now(),
    );
    if (violation) throw businessError(violation.code, violation.detail);
    const bad = unstorable(reason, 'reason') ?? unstorable(deletion, 'deletion');
    if (bad) throw businessError('InvalidInput', bad.detail);
  };

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

  /** Issue 24 §6: the grantee's ask to provide the data to a third party, from its Update until the provider's task is open. */
  let onwardAsk: OnwardAsked | null = null;
  const askOnward = async (ask: OnwardProvisionInput) => {
    // The validator's check again, in the step that records the ask: of asks delivered together, one stands.
    checkOnward(ask);
    const asked: OnwardAsked = (onwardAsk = { ...ask, purpose: ask.purpose.trim(), fields: [...ask.fields] });
    await condition(() => asked.opened !== undefined || state.grant?.status !== 'active');
    if (!asked.opened) throw asked.refused ?? businessError('RequestNotActive', 'The grant ended before the ask was put to the providing agency');
    return view();
  };
  const checkOnward = (ask: OnwardProvisionInput) => {
    const violation = onwardProvisionViolation(
      ask.actor,
      {
        granteeOrg: applicant.org,
        providerOrg: revokers?.providerOrg ?? '',
        fields: state.grant && revokers ? grantedFields() : [],
        active: state.grant?.status === 'active' && revoke === null && ending === null,
        // The policy snapshotted at the start (absent before this change: the Measures' ban).
        policy: policy.onwardProvision,
        pending: onwardAsk !== null || board.all().some((t) => t.kind === 'SHARE_ONWARD_PROVISION' && t.status === 'open'),
      },
      ask,
    );
    if (violation) throw businessError(violation.code, violation.detail);
    const bad = unstorable(ask.purpose, 'purpose') ?? unstorable(ask.fields, 'fields');
    if (bad) throw businessError('InvalidInput', bad.detail);
  };
  /** The grant's fields (the parties are known once there is a grant). */
  let grantedFields = (): string[] => [];

  // The request's handlers, besides its board's (board.ts) and every request's (requestHandlers).
  const cancelling = requestHandlers(board, applicant, state, view);
  // Kept even before the grant exists: a grant revoked during review (e.g. the entry was withdrawn)
  // ends as soon as it is created rather than living on.
  setHandler(revokeGrantSignal, (r) => {
    revoke ??= r;
  });
  setHandler(endRequestSignal, (e) => {
    ending ??= e;
  });
  setHandler(revokeGrantUpdate, revokeGrant, { validator: checkRevocation });
  setHandler(requestExtensionUpdate, askExtension, { validator: checkExtensionAsk });
  setHandler(askOnwardProvisionUpdate, askOnward, { validator: checkOnward });

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
  /** The provider's reviewer whose request to end the grant the city authority consented to: told when it ends. */
  let consentedFor: string | undefined;
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
    /** Parties, checks and the request's record in one step; a refusal ends the workflow, recording nothing. */
    const submit = async () => {
      const submitted = await io.submitShare({
        catalogEntryId: form.catalogEntryId,
        applicantOrg: applicant.org,
        roles: applicant.roles,
        form,
        record: requestRecord,
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
    grantedFields = () => grantOf(input, parties).fields;
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
    const handOverTo = async (at: ShareCarried['at']): Promise<never> => {
      await condition(allHandlersFinished);
      const next: ShareCarried = { parties, step: steps.n, state: { ...state }, board: board.state(), at };
      return continueAsNew<typeof shareRequestWorkflow>({ ...input, carried: next });
    };
    const waiting = () => cancelling.cancel !== null || ending !== null || handOver();

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
        // 一次性告知: the applicant reads every missing item in their task.
        ...(underRegulation() && asked.form?.missing ? { context: { missing: asked.form.missing } } : {}),
      });
      return replyTask;
    }

    /**
     * The review tasks' context under the 条例: that it binds them, and, once the applicant was told what is missing,
     * that a second request in this review is refused (oneTimeNoticeViolation). The share reply carries words, not
     * a changed request, so a notice given stands for the rest of the review.
     */
    const regulationContext = (): RegulationContext => ({
      regulation: true,
      ...(board.all().some((t) => (t.kind === 'SHARE_JOINT_REVIEW' || t.kind === 'SHARE_PROVIDER_OPINION') && t.decision === 'REQUEST_INFO')
        ? { noticeGiven: true }
        : {}),
    });

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
    const reviewContext = (): Record<string, unknown> | undefined => {
      const regulation = underRegulation() ? regulationContext() : null;
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
        context: reviewContext,
      };
      let end;
      for (;;) {
        end = await review(board, spec, r, {
          inReview: (round) => ({ ...statusChange('in_review', round === 1 ? 'review_started' : 'review_resumed', 'Art. 14'), record: takeRecord() }),
          askApplicant,
          stop: () => waiting() || extending(),
        });
        // The provider's ask, or the head's answer: dealt with, the review waits on where it stood.
        if ('stopped' in end && !waiting() && extending()) await extensionStep(r);
        else break;
      }
      if ('stopped' in end) return cancelling.cancel ? cancelled() : ending ? endedByCatalog(ending) : handOverTo({ review: r });
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

    /**
     * Art. 15: use is bound to the purpose and the term; the grant ends at expiry, or early on a ground of the
     * list: the city authority ends it, or consents to the providing agency's request (Art. 14).
     */
    async function grantTerm(expiresAt: string, fresh = false): Promise<RequestSnapshot> {
      // 条例 (使用记录): a new grant's usage reports fall due at the end of each period (a quarter by default).
      if (fresh && patched(USAGE_REPORTS)) {
        const period = usagePeriodFrom(new Date(), policy.usageReport);
        if (period) usage = { period, n: 0 };
      }
      for (;;) {
        // A consented stop, its notice given, ends the grant at its time unless the term ends first.
        const stopFirst = stopping !== null && Date.parse(stopping.at) < Date.parse(expiresAt);
        const until = Math.min(stopFirst ? Date.parse(stopping!.at) : Date.parse(expiresAt), usage ? Date.parse(usage.period.to) : Infinity);
        let woke = await board.waitFor(
          () =>
            revoke !== null ||
            ending !== null ||
            asking !== null ||
            consent?.status === 'completed' ||
            deliveryDecided() !== undefined ||
            usageFiled() !== undefined ||
            onwardAsk !== null ||
            onwardDecided() !== undefined ||
            handOver(),
          Math.max(1, until - Date.now()),
        );
        // A period ended within the term: the grantee's report falls due.
        if (!woke && usage && Date.now() >= Date.parse(usage.period.to) && Date.parse(usage.period.to) < Date.parse(expiresAt)) {
          await openUsageReport(usage);
          continue;
        }
        if (!woke && stopFirst) {
          revoke = stopping!.end;
          consentedFor = stopping!.requester;
          woke = true;
        }
        revoke ??= ending;
        const delivered = deliveryDecided();
        const filed = usageFiled();
        const onward = onwardDecided();
        if (woke && revoke === null) {
          if (asking) await putToAuthority(asking);
          else if (onwardAsk) await putToProvider(onwardAsk);
          else if (onward) await onwardAnswered(onward);
          else if (consent?.status === 'completed') await answered(consent);
          else if (delivered) await deliveryStep(delivered);
          else if (filed) await usageStep(filed);
          else return handOverTo({ granted: { expiresAt, consent: consent?.id ?? null, ...(stopping ? { stopping } : {}), ...(usage ? { usage } : {}) } });
          if (revoke === null) continue;
        }
        const end = woke ? revoke! : { actor: SYSTEM, reason: 'the grant term ended', article: 'Art. 15' };
        const status = woke ? 'revoked' : 'expired';
        // A provider's request still awaiting the authority closes first: the grant's end answers it.
        await board.closeRest('the grant ended', end.article);
        // A consent is written with the end it causes.
        approval = board.takeUnwritten();
        await io.endGrant({
          ...grantEnding(requestId, status, end, { provider: parties.entry.providerOrgId, authority: parties.cityAuthorityOrgId }),
          ...(approval ? { decision: approval } : {}),
          ...(consentedFor ? { requester: consentedFor } : {}),
        });
        approval = undefined;
        state.status = status;
        state.grant = { ...state.grant!, status };
        return view();
      }
    }

    /**
     * 条例 (数据交付): the delivery or confirmation task decided and not yet taken. Such tasks exist only in runs that
     * opened delivery past patched('share-delivery'), so a run from before never finds one.
     */
    const deliveryDecided = () =>
      board.all().find((t) => (t.kind === 'SHARE_DELIVERY' || t.kind === 'SHARE_DELIVERY_CONFIRMATION') && t.status === 'completed' && !t.consumed);

    /** The provider's delivery task (the n-th), with the grant's fields to deliver from and, reopened, the grantee's problem. */
    async function openDelivery(problem?: string): Promise<void> {
      const n = board.all().filter((t) => t.kind === 'SHARE_DELIVERY').length + 1;
      await board.open({
        key: `delivery-${n}`,
        kind: 'SHARE_DELIVERY',
        candidateRole: 'provider_reviewer',
        candidateOrg: parties.entry.providerOrgId,
        // Opened only where the policy names the delivery's time (see below).
        length: policy.delivery!,
        reminderBefore: policy.reminderBefore,
        context: { grantId: `${requestId}.grant`, fields: grantOf(input, parties).fields, ...(problem ? { problem } : {}) },
        ...escalation,
      });
    }

    /**
     * A delivery step decided: delivered, the grantee confirms receipt; confirmed, the grant reads delivered; a problem
     * reported reopens delivery with its reason. The grant's term runs on throughout.
     */
    async function deliveryStep(task: WfTask): Promise<void> {
      await board.next(() => true, [task]);
      if (task.kind === 'SHARE_DELIVERY') {
        const n = board.all().filter((t) => t.kind === 'SHARE_DELIVERY_CONFIRMATION').length + 1;
        await board.open({
          key: `delivery-confirmation-${n}`,
          kind: 'SHARE_DELIVERY_CONFIRMATION',
          ...addressedTo(applicant, 'agency_applicant'),
          length: policy.applicantReply,
          reminderBefore: policy.reminderBefore,
          context: { grantId: `${requestId}.grant`, ...(task.form ?? {}) },
          ...escalation,
        });
      } else if (task.decision === 'CONFIRM') state.grant = { ...state.grant!, delivery: 'delivered' };
      else await openDelivery(task.reason ?? '');
    }

    /** 条例 (使用记录): the grantee's report decided and not yet taken (such tasks exist only in runs past patched('usage-reports')). */
    const usageFiled = () => board.all().find((t) => t.kind === 'SHARE_USAGE_REPORT' && t.status === 'completed' && !t.consumed);

    /** The grantee's report for the period just ended, due in `usageReportWindow`; the next period starts where it ended. */
    async function openUsageReport(u: UsageSchedule): Promise<void> {
      const n = u.n + 1;
      await board.open({
        key: `usage-report-${n}`,
        kind: 'SHARE_USAGE_REPORT',
        ...addressedTo(applicant, 'agency_applicant'),
        length: policy.usageReportWindow ?? DEFAULT_SHARE_POLICY.usageReportWindow!,
        reminderBefore: policy.reminderBefore,
        context: { grantId: `${requestId}.grant`, period: { ...u.period } },
        ...escalation,
      });
      const next = usagePeriodFrom(new Date(u.period.to), policy.usageReport);
      usage = next ? { period: next, n } : null;
    }

    /** The grantee filed: its records (or that it used none) kept with the decision, for the provider and the authority to read. */
    async function usageStep(task: WfTask): Promise<void> {
      await board.next(() => true, [task], { writeWithNextStep: () => true });
      const form = (task.form ?? {}) as UsageReportForm;
      approval = board.takeUnwritten();
      await io.fileUsageRecords({
        requestId,
        grantId: `${requestId}.grant`,
        taskId: task.id,
        ...(approval ? { decision: approval } : {}),
        actor: task.decidedBy!,
        period: (task.context as { period: UsagePeriod }).period,
        records: form.records ?? [],
        noUse: form.noUse === true,
      });
      approval = undefined;
    }

    /** Issue 24 §6: the provider's answer to the grantee's onward ask, decided and not yet taken (such tasks exist only past patched('onward-provision')). */
    const onwardDecided = () => board.all().find((t) => t.kind === 'SHARE_ONWARD_PROVISION' && t.status === 'completed' && !t.consumed);

    /**
     * The grantee's ask goes to the providing agency as SHARE_ONWARD_PROVISION (the third party named from the directory,
     * the purpose, the fields); a third party the directory does not know is refused to the asker, nothing opened.
     */
    async function putToProvider(ask: OnwardAsked): Promise<void> {
      // The ask stays pending (refusing another) until its task is open or it is refused.
      try {
        await openOnward(ask);
      } finally {
        onwardAsk = null;
      }
    }
    async function openOnward(ask: OnwardAsked): Promise<void> {
      if (!patched(ONWARD_PROVISION)) {
        ask.opened = false;
        return;
      }
      const thirdParty = await io.organisationName({ org: ask.thirdPartyOrg });
      if (thirdParty === null) {
        ask.refused = businessError('InvalidInput', `No organisation ${ask.thirdPartyOrg} in the directory: pick the third party from it`);
        ask.opened = false;
        return;
      }
      const n = board.all().filter((t) => t.kind === 'SHARE_ONWARD_PROVISION').length + 1;
      await board.open({
        key: `onward-provision-${n}`,
        kind: 'SHARE_ONWARD_PROVISION',
        candidateRole: 'provider_reviewer',
        candidateOrg: parties.entry.providerOrgId,
        length: policy.onwardProvisionConsent ?? DEFAULT_SHARE_POLICY.onwardProvisionConsent!,
        reminderBefore: policy.reminderBefore,
        // Nobody decides their own ask.
        excluded: [applicant.sub, ask.actor.sub],
        openedBy: actorRef(ask.actor, 'agency_applicant'),
        context: {
          grantId: `${requestId}.grant`,
          thirdPartyOrg: ask.thirdPartyOrg,
          thirdPartyName: thirdParty,
          purpose: ask.purpose,
          fields: [...ask.fields],
          requestedBy: applicant.org,
        },
        ...escalation,
      });
      ask.opened = true;
    }

    /** The provider answered: its consent or refusal (with its reason) recorded with the decision, audited, and the grantee's applicant told. */
    async function onwardAnswered(task: WfTask): Promise<void> {
      await board.next(() => true, [task], { writeWithNextStep: () => true });
      const ask = task.context as { thirdPartyOrg: string; thirdPartyName: string; purpose: string; fields: string[] };
      approval = board.takeUnwritten();
      await io.recordOnwardProvision({
        requestId,
        taskId: task.id,
        ...(approval ? { decision: approval } : {}),
        actor: task.decidedBy!,
        consented: task.decision === 'CONSENT',
        reason: task.reason ?? null,
        thirdPartyOrg: ask.thirdPartyOrg,
        thirdParty: ask.thirdPartyName,
        purpose: ask.purpose,
        fields: ask.fields,
        grantee: task.openedBy!.sub,
      });
      approval = undefined;
    }

    /** The provider's request goes to the city authority, whose consent ends the grant (Art. 14). */
    async function putToAuthority(ask: RevocationAsked): Promise<void> {
      const n = board.all().filter((t) => t.kind === 'GRANT_REVOCATION_CONSENT').length + 1;
      consent = await board.open({
        key: `revocation-consent-${n}`,
        kind: 'GRANT_REVOCATION_CONSENT',
        candidateRole: 'authority_reviewer',
        candidateOrg: parties.cityAuthorityOrgId,
        length: policy.jointReview,
        reminderBefore: policy.reminderBefore,
        openedBy: ask.actor,
        context: { grantId: `${requestId}.grant`, revocationGround: ask.ground, revocationReason: ask.reason, requestedBy: ask.actor.org },
        ...escalation,
      });
      asking = null;
    }

    /** The city authority answered: its consent ends the grant on the provider's ground; a refusal keeps it, the provider told why. */
    async function answered(task: WfTask): Promise<void> {
      await board.next(() => true, [task], { writeWithNextStep: () => true });
      consent = null;
      const ask = task.context as { revocationGround: RevocationGround; revocationReason: string };
      const requester = task.openedBy!.sub;
      if (task.decision === 'CONSENT') {
        const end: RevokeGrantInput = {
          actor: task.decidedBy!,
          reason: ask.revocationReason,
          article: REVOCATION_GROUNDS[ask.revocationGround].article,
          ground: ask.revocationGround,
        };
        if (patched(REVOCATION_NOTICE)) {
          // 条例: the provider does not stop sharing on its own; the grantee is told when, and the grant runs until then.
          approval = board.takeUnwritten();
          const { effectiveAt } = await io.scheduleGrantStop({
            requestId,
            taskId: task.id,
            ...(approval ? { decision: approval } : {}),
            actor: task.decidedBy!,
            ground: ask.revocationGround,
            reason: ask.revocationReason,
            length: policy.revocationNotice ?? DEFAULT_SHARE_POLICY.revocationNotice!,
            from: new Date().toISOString(),
            grantee: applicant.sub,
          });
          approval = undefined;
          stopping = { at: effectiveAt, end, requester };
          state.grant = { ...state.grant!, stopsAt: effectiveAt };
          return;
        }
        consentedFor = requester;
        revoke = end;
        return;
      }
      approval = board.takeUnwritten();
      await io.refuseRevocation({ requestId, taskId: task.id, requester, reason: task.reason ?? '', ...(approval ? { decision: approval } : {}) });
      approval = undefined;
    }

    if (carried) {
      // A run continued from the one before: it picks up where that one waited.
      if ('granted' in carried.at) return grantTerm(carried.at.granted.expiresAt);
      const ended = await art14Review(carried.at.review);
      if (ended) return ended;
    } else {
      revokers = revokersOf(parties, applicant.org);
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
    const grant = grantOf(input, parties, policy.onwardProvision === 'provider_consent' && patched(ONWARD_PROVISION) ? 'provider_consent' : undefined);
    // The term is counted inside the write that creates the grant, which records the approval too.
    approval = board.takeUnwritten();
    const renewed = renewing();
    const { expiresAt } = await io.createGrant({ ...grant, term: policy.grantTerm, decision: approval, ...(renewed !== undefined ? { renews: renewed } : {}) });
    approval = undefined;
    state.status = 'granted';
    state.grant = { id: grant.grantId, status: 'active', expiresAt };
    state.outcome = { article: 'Art. 14' };
    // 条例 (数据交付): where it binds the request and the policy asks for delivery, the provider delivers the data and the
    // grantee confirms; the grant reads 已批准待交付 until then. The Measures alone ask no delivery step: in force at once.
    if (regulationApplies(parties, policy) && policy.delivery && patched('share-delivery')) {
      state.grant = { ...state.grant, delivery: 'awaiting_delivery' };
      await openDelivery();
    }
    return grantTerm(expiresAt, true);
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
    await endFailed(board, err, requestRecord, state, approval);
    return view();
  }
}
