// A share grant's life once approved (Art. 14, 15; 《政务数据共享条例》): the provider's delivery and the grantee's
// confirmation, the grantee's usage reports each period, the provider's stop put to the city authority and taking effect
// after the grantee's notice, the authority's and the grantee's own ends, the grantee's onward ask, the end at expiry.
// The share request (workflows/share.ts) and the refusal dispute whose outcome grants (workflows/refusal-dispute.ts)
// both run it: the same tasks, rules and writes, whichever procedure made the grant. Moved here from share.ts as it
// was, so a share run records the same commands.
import { type ApplicationFailure, condition, getExternalWorkflowHandle, log, patched } from '@temporalio/workflow';
import type { Deadlines, DecisionInput, OpenTaskInput } from '../activities';
import type { RequestSnapshot } from '../domain/requests';
import {
  DEFAULT_SHARE_POLICY,
  GRANTEE_END_ARTICLE,
  onwardProvisionViolation,
  REVOCATION_GROUNDS,
  revokerOf,
  revokeViolation,
  type RevocationGround,
  type Revokers,
  type SharePolicy,
  type UsagePeriod,
  type UsageReportForm,
  usagePeriodFrom,
} from '../domain/share';
import { unstorable } from '../domain/text';
import { SYSTEM, type ActorRef, type OrgActor } from '../domain/types';
import { acts as io, businessError, grantEnding } from './acts';
import type { TaskBoard } from './board';
import type { GrantStop, UsageSchedule } from './carried';
import { renewedGrantEndedSignal, type OnwardProvisionInput, type RevokeGrantInput, type RevokeGrantRequest } from './definitions';
import { actorRef, addressedTo, type TaskSpec, type WfTask } from './task';

/** The patch under which the grantee ends its own grant as its purpose is achieved, confirming the data deleted (条例). */
export const GRANTEE_ENDS_GRANT = 'grantee-ends-grant';

/** The patch under which a consented stop takes effect `revocationNotice` later, the grantee told first (条例). */
export const REVOCATION_NOTICE = 'revocation-notice';

/** The patch under which the grantee files its usage records each period while the grant is active (条例, 使用记录). */
export const USAGE_REPORTS = 'usage-reports';

/** The patch under which a renewed grant taking over later counts its first usage period from its start, not its creation (issue 24 §6). */
export const RENEWAL_USAGE_START = 'renewal-usage-start';

/** The patch under which the grantee asks to provide the data to a third party and the provider consents or refuses (issue 24 §6). */
export const ONWARD_PROVISION = 'onward-provision';

/** The patch under which a grant revoked, stopped or ended by its grantee ends the renewal of it still being decided (issue 24 §6). */
export const RENEWAL_ENDS_WITH_GRANT = 'renewal-ends-with-grant';

/** The providing agency's request to end a grant, before it is put to the city authority. */
interface RevocationAsked {
  actor: ActorRef;
  ground: RevocationGround;
  reason: string;
}

/** The grantee's ask to provide the data onward, until the provider's task is open (`opened`) or the grant ended first. */
type OnwardAsked = OnwardProvisionInput & { opened?: boolean; refused?: ApplicationFailure };

/** What the grant's life reads of the run's policy (the share policy, snapshotted when the run started). */
export type GrantPolicy = Pick<
  SharePolicy,
  | 'jointReview'
  | 'applicantReply'
  | 'reminderBefore'
  | 'escalateAfter'
  | 'delivery'
  | 'revocationNotice'
  | 'usageReport'
  | 'usageReportWindow'
  | 'onwardProvision'
  | 'onwardProvisionConsent'
>;

/** What a run hands to the next of its grant (across continue-as-new): the authority's open consent task, a consented stop, the next usage period. */
export interface GrantCarried {
  expiresAt: string;
  consent?: string | null;
  stopping?: GrantStop;
  usage?: UsageSchedule;
}

export interface GrantLifeSpec {
  requestId: string;
  /** The grantee's applicant: the request's applicant. */
  applicant: OrgActor;
  policy: GrantPolicy;
  board: TaskBoard;
  state: Pick<RequestSnapshot, 'status' | 'outcome' | 'grant'>;
  view: () => RequestSnapshot;
  /** What the run before handed over of the grant, when this run continues it. */
  carried?: GrantCarried;
  /** Who may end the grant, once the parties are known (the grantee's organisation among them). */
  revokers?: Revokers | null;
  /** The request ended from outside (the catalog no longer shares the entry): the grant ends at once. */
  ended?: () => RevokeGrantInput | null;
  /** Time to hand over to a new run (continue-as-new), and how: absent, the run never hands over. */
  handOver?: () => boolean;
  handOverTo?: (granted: GrantCarried) => Promise<never>;
}

export type GrantLife = ReturnType<typeof grantLife>;

/**
 * A grant's life, its state and handlers made when the run starts (a revocation may arrive before the grant is made),
 * its parties bound once known (`bind`), its term run once the grant is written (`term`).
 */
export function grantLife(spec: GrantLifeSpec) {
  const { requestId, applicant, policy, board, state, view, carried } = spec;
  const ended = spec.ended ?? (() => null);
  const handOver = spec.handOver ?? (() => false);
  const grantId = `${requestId}.grant`;
  const escalation = policy.escalateAfter ? { escalation: { after: policy.escalateAfter, article: 'Art. 32' } } : {};

  /** The grant's early end, once decided (the grantee's, the authority's, a consented stop at its time, a signal's). */
  let revoke: RevokeGrantInput | null = null;
  /** Who may revoke, once the parties are known. */
  let revokers: Revokers | null = spec.revokers ?? null;
  /** The grant's fields (the parties are known once there is a grant). */
  let grantedFields = (): string[] => [];
  /** The providing agency asks to end the grant: put to the city authority as a consent task (Art. 14). */
  let asking: RevocationAsked | null = null;
  /** The city authority's consent task while it is open (carried across runs). */
  let consent: WfTask | null = carried?.consent ? board.get(carried.consent) : null;
  /** The city authority consented and the grantee was told: the grant ends at `at` (only past patched('revocation-notice')). */
  let stopping: GrantStop | null = carried?.stopping ?? null;
  /** The period the grantee's next usage report covers, due at its end (only past patched('usage-reports')). */
  let usage: UsageSchedule | null = carried?.usage ?? null;
  /** Issue 24 §6: the grantee's ask to provide the data to a third party, from its Update until the provider's task is open. */
  let onwardAsk: OnwardAsked | null = null;
  /** The decision being written with the step it leads to (a filing, an answer, a consent with its end), until that write succeeds. */
  let approval: DecisionInput | undefined;
  /** The provider's reviewer whose request to end the grant the city authority consented to: told when it ends. */
  let consentedFor: string | undefined;

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
        active: state.grant?.status === 'active' && revoke === null && ended() === null,
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

  /**
   * 条例 (数据交付): the delivery or confirmation task decided and not yet taken. Such tasks exist only in runs that
   * opened delivery past patched('share-delivery'), so a run from before never finds one.
   */
  const deliveryDecided = () =>
    board.all().find((t) => (t.kind === 'SHARE_DELIVERY' || t.kind === 'SHARE_DELIVERY_CONFIRMATION') && t.status === 'completed' && !t.consumed);

  /** The provider's delivery task (the n-th), with the grant's fields to deliver from and, reopened, the grantee's problem. */
  async function openDelivery(problem?: string): Promise<void> {
    await board.open(deliverySpec(problem));
  }
  function deliverySpec(problem?: string): TaskSpec {
    const n = board.all().filter((t) => t.kind === 'SHARE_DELIVERY').length + 1;
    return {
      key: `delivery-${n}`,
      kind: 'SHARE_DELIVERY',
      candidateRole: 'provider_reviewer',
      candidateOrg: revokers!.providerOrg,
      // Opened only where the policy names the delivery's time (see `deliver`).
      length: policy.delivery!,
      reminderBefore: policy.reminderBefore,
      context: { grantId, fields: grantedFields(), ...(problem ? { problem } : {}) },
      ...escalation,
    };
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
        context: { grantId, ...(task.form ?? {}) },
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
      context: { grantId, period: { ...u.period } },
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
      grantId,
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
   * the purpose, the fields); a third party the directory does not know, or knows as no government department, is refused
   * to the asker, nothing opened.
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
      ask.refused = businessError(
        'InvalidInput',
        `No government department ${ask.thirdPartyOrg} in the directory: pick the third party from it (the 条例's consent route; Art. 15)`,
      );
      ask.opened = false;
      return;
    }
    const n = board.all().filter((t) => t.kind === 'SHARE_ONWARD_PROVISION').length + 1;
    await board.open({
      key: `onward-provision-${n}`,
      kind: 'SHARE_ONWARD_PROVISION',
      candidateRole: 'provider_reviewer',
      candidateOrg: revokers!.providerOrg,
      length: policy.onwardProvisionConsent ?? DEFAULT_SHARE_POLICY.onwardProvisionConsent!,
      reminderBefore: policy.reminderBefore,
      // Nobody decides their own ask.
      excluded: [applicant.sub, ask.actor.sub],
      openedBy: actorRef(ask.actor, 'agency_applicant'),
      context: {
        grantId,
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
      candidateOrg: revokers!.cityAuthorityOrg,
      length: policy.jointReview,
      reminderBefore: policy.reminderBefore,
      openedBy: ask.actor,
      context: { grantId, revocationGround: ask.ground, revocationReason: ask.reason, requestedBy: ask.actor.org },
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

  /**
   * Art. 15: use is bound to the purpose and the term; the grant ends at expiry, or early on a ground of the
   * list: the city authority ends it, or consents to the providing agency's request (Art. 14). `fresh`: the grant was just
   * made (its usage schedule starts); `startsAt`: a renewal's term starting later.
   */
  async function term(expiresAt: string, fresh = false, startsAt?: string): Promise<RequestSnapshot> {
    // 条例 (使用记录): a new grant's usage reports fall due at the end of each period (a quarter by default); a renewal
    // taking over at the renewed grant's expiry (`startsAt`) reports from then, not from its creation.
    if (fresh && patched(USAGE_REPORTS)) {
      const later = startsAt !== undefined && Date.parse(startsAt) > Date.now() && patched(RENEWAL_USAGE_START);
      const period = usagePeriodFrom(later ? new Date(startsAt) : new Date(), policy.usageReport);
      if (period) usage = { period, n: 0 };
    }
    for (;;) {
      // A consented stop, its notice given, ends the grant at its time unless the term ends first.
      const stopFirst = stopping !== null && Date.parse(stopping.at) < Date.parse(expiresAt);
      const until = Math.min(stopFirst ? Date.parse(stopping!.at) : Date.parse(expiresAt), usage ? Date.parse(usage.period.to) : Infinity);
      let woke = await board.waitFor(
        () =>
          revoke !== null ||
          ended() !== null ||
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
      revoke ??= ended();
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
        else return spec.handOverTo!({ expiresAt, consent: consent?.id ?? null, ...(stopping ? { stopping } : {}), ...(usage ? { usage } : {}) });
        if (revoke === null) continue;
      }
      const end = woke ? revoke! : { actor: SYSTEM, reason: 'the grant term ended', article: 'Art. 15' };
      const status = woke ? 'revoked' : 'expired';
      // A provider's request still awaiting the authority closes first: the grant's end answers it.
      await board.closeRest('the grant ended', end.article);
      // A consent is written with the end it causes.
      approval = board.takeUnwritten();
      await io.endGrant({
        ...grantEnding(requestId, status, end, { provider: revokers!.providerOrg, authority: revokers!.cityAuthorityOrg }),
        ...(approval ? { decision: approval } : {}),
        ...(consentedFor ? { requester: consentedFor } : {}),
      });
      approval = undefined;
      state.status = status;
      state.grant = { ...state.grant!, status };
      // Issue 24 §6: a renewal still being decided ends with a grant revoked, stopped or ended by its grantee (one that
      // expired goes on: it was asked in time). Signalled again by a retry, the renewal keeps the first.
      if (woke && patched(RENEWAL_ENDS_WITH_GRANT)) await endRenewal(end);
      return view();
    }
  }

  /** The renewal of this grant still being decided, if any, is told the grant ended (a run ended meanwhile has nothing left to end). */
  async function endRenewal(end: RevokeGrantInput): Promise<void> {
    const workflowId = await io.pendingRenewalRun({ grantId });
    if (workflowId === null) return;
    await getExternalWorkflowHandle(workflowId)
      .signal(renewedGrantEndedSignal, end)
      .catch((err) => log.warn('renewal not reached', { workflowId, error: String(err) }));
  }

  return {
    /** The grant's parties (who may end it) and its fields, once known. */
    bind(who: Revokers, fields: () => string[]) {
      revokers = who;
      grantedFields = fields;
    },
    /** The grant's early end decided outside the run (a signal): kept even before the grant exists, it ends the grant once made. */
    signalRevoke(r: RevokeGrantInput) {
      revoke ??= r;
    },
    revokeGrant,
    checkRevocation,
    askOnward,
    checkOnward,
    /** 条例 (数据交付): the grant reads 已批准待交付 and the provider's delivery task opens (the grantee confirms on delivery). */
    async deliver(): Promise<void> {
      state.grant = { ...state.grant!, delivery: 'awaiting_delivery' };
      await openDelivery();
    },
    /** The same, past patched('grant-opens-delivery'): the delivery task opened by the grant's own write (`create`), in one step. */
    async createDelivering<T extends { opened?: Deadlines }>(create: (open: OpenTaskInput) => Promise<T>): Promise<T> {
      return (await board.openWith(deliverySpec(), create)).made;
    },
    /** The grant made with its delivery task open (createDelivering): it reads 已批准待交付. */
    awaitDelivery(): void {
      state.grant = { ...state.grant!, delivery: 'awaiting_delivery' };
    },
    term,
    /** The decision being written with a step of the grant's, if that write failed (recorded all the same). */
    unwritten: () => approval,
  };
}
