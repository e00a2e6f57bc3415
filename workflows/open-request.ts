// Conditional open application (Art. 17, 20): the providing agency decides (once extendable, the clock paused
// while the applicant answers a question); approval drafts the 公共数据开放利用协议, which the applicant signs
// (unsigned in time, it lapses) and the agency countersigns; the authority of the agency's level is told. The
// agreement then lives here until its term ends or it is terminated (for breach, by the licensee, or by a
// withdrawal of the data, Art. 21), with usage reports falling due as tasks for the licensee.
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  patched,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { DecisionInput } from '../activities';
import { openRequestRefusal, openRequestViolations, terminationRefusal, terminationViolation } from '../domain/open-request';
import type { RequestSnapshot } from '../domain/requests';
import { unstorable } from '../domain/text';
import { SYSTEM } from '../domain/types';
import { deleteRecordsSignal, endRequestSignal, revokeGrantUpdate, type DeletionInput, type OpenRequestInput, type RevokeGrantInput } from './definitions';
import { businessError, acts as io } from './acts';
import { awaitReply, newProcedure, runToEnd } from './procedure';
import type { AgreementLife, OpenRequestCarried, StatusChange } from './carried';
import { actorRef, addressedTo, applyingRole, escalationOf, untilMs, type TaskSpec, type WfTask } from './task';
import { starterViolation } from '../domain/requests';

/**
 * The patch that ends an agreement whose data is no longer open in one activity with the deletion task it asks
 * (issue 27 §2: a withdrawal of an entry with 10,000 agreements); runs that ended theirs before replay the three writes.
 */
export const AGREEMENT_END_WITH_DELETION = 'agreement-end-with-deletion';

/** A timer whose passing the procedure reads as a flag; cancelled once it no longer matters. */
function timerAt(iso: string): { passed: boolean; cancel: () => void } {
  const scope = new CancellationScope();
  const t = { passed: false, cancel: () => scope.cancel() };
  scope
    .run(() => sleep(untilMs(iso)))
    .then(
      () => (t.passed = true),
      () => undefined,
    );
  return t;
}

export async function openRequestWorkflow(input: OpenRequestInput): Promise<RequestSnapshot> {
  const { requestId, applicant, form, policy, entry, carried, onBehalfOf } = input;
  const role = applyingRole(applicant);
  const agreementId = `${requestId}.agreement`;
  const providerOrg = entry.providerOrgId;
  /** The text's hash, once drafted: a signature names it (the signature tasks carry it in their context). */
  let sha256: string | null = carried?.agreement.sha256 ?? null;
  const { view, board, cancelling, statusChange, setStatus, record, state, steps } = newProcedure({
    requestId,
    applicant,
    role,
    type: 'open_request',
    catalogEntryId: entry.id,
    payload: { ...form },
    payloadHash: input.payloadHash,
    submissionId: input.submissionId,
    article: 'Art. 20',
    carried,
    ...(onBehalfOf ? { legalPerson: onBehalfOf } : {}),
  });
  let refusal: ApplicationFailure | undefined;
  let deciding: DecisionInput | undefined;

  // The data withdrawn (Art. 21): the application ends, or the agreement is terminated.
  let ending: RevokeGrantInput | null = null;
  setHandler(endRequestSignal, (e) => {
    ending ??= e;
  });
  // Records withdrawn: each becomes a task for the licensee to confirm their deletion, once in force.
  const deletions: DeletionInput[] = carried?.agreement.deletions ?? [];
  setHandler(deleteRecordsSignal, (d) => {
    deletions.push(d);
  });
  // A person ends the agreement in force: the agency (for breach, reason required) or the licensee.
  let terminating: RevokeGrantInput | null = null;
  setHandler(
    revokeGrantUpdate,
    async ({ actor, reason }) => {
      const agency = actor.org === providerOrg && actor.roles.includes('provider_reviewer');
      terminating ??= { actor: actorRef(actor, agency ? 'provider_reviewer' : role), reason: reason.trim() || '乙方终止协议', article: 'Art. 20' };
      await condition(() => state.status !== 'granted');
      return view();
    },
    {
      validator: ({ actor, reason }) => {
        const violation = terminationViolation(
          actor,
          { providerOrg, licensee: { ...applicant, roles: [role] }, legalPerson: onBehalfOf, inForce: state.status === 'granted' && !terminating && !ending },
          reason,
        );
        if (violation) throw businessError(violation, terminationRefusal(violation));
        const bad = unstorable(reason, 'reason');
        if (bad) throw businessError('InvalidInput', bad.detail);
      },
    },
  );

  const stopped = () => cancelling.cancel !== null || ending !== null;

  /** Closes the tasks still open, if any (an agreement in force often has none: no write then). */
  const closeOpen = async (by: { actor: RevokeGrantInput['actor']; reason: string; article: string }) => {
    if (board.unfinished()) await board.cancelOpen(by.actor, by.reason, by.article);
  };

  /**
   * The application ends before any agreement is in force: withdrawn by the applicant, or its data withdrawn
   * on a withdrawal request (Art. 21) or closed by the catalog (removed or made NONE, Art. 17).
   */
  async function endEarly(agreement: 'cancelled' | null): Promise<RequestSnapshot> {
    const by = cancelling.cancel
      ? { actor: actorRef(cancelling.cancel.actor, role), reason: cancelling.cancel.reason ?? 'withdrawn by the applicant', article: 'Art. 20' }
      : ending!;
    await board.cancelOpen(by.actor, by.reason, by.article);
    const action = cancelling.cancel ? 'cancelled' : by.article === 'Art. 21' ? 'ended_by_withdrawal' : 'ended_by_catalog';
    const change = statusChange('cancelled', action, by.article, { actor: by.actor, reason: by.reason });
    if (agreement) await endAgreement(agreement, by.reason, change);
    else {
      await io.transitionRequest(change.write);
      change.apply();
    }
    return view();
  }

  async function endAgreement(
    status: 'lapsed' | 'declined' | 'cancelled' | 'expired' | 'terminated',
    reason: string | null,
    change: StatusChange,
    decision?: DecisionInput,
  ): Promise<void> {
    await io.endAgreement({ agreementId, status, reason, transition: change.write, ...(decision ? { decision } : {}) });
    change.apply();
    state.outcome = { article: change.write.article, agreementId, agreement: status, ...(reason ? { reason } : {}) };
  }

  /** The agency's review; resolves with the approval (its decision not yet written), or the request's end. */
  async function review(): Promise<WfTask | RequestSnapshot> {
    let resume: { dueAt: string; pausedAt: string } | undefined;
    let extended: WfTask | undefined;
    for (let round = 1; ; round++) {
      const change = extended
        ? statusChange('in_review', 'review_extended', 'Art. 20', { actor: extended.decidedBy!, decision: 'EXTEND', reason: extended.reason })
        : statusChange('in_review', round === 1 ? 'application_received' : 'review_resumed', 'Art. 20');
      const [task] = await board.openRound(
        [
          {
            key: `review-${round}`,
            kind: 'OPEN_REQUEST_REVIEW',
            candidateRole: 'provider_reviewer',
            candidateOrg: providerOrg,
            // An extension moves the running due time on; a reply resumes the paused clock.
            ...(extended ? { length: policy.extension, from: extended.dueAt } : { length: policy.review, resume }),
            reminderBefore: policy.reminderBefore,
            ...escalationOf(policy.escalateAfter),
          },
        ],
        { ...change, ...(round === 1 ? { record } : {}) },
      );
      extended = undefined;
      const decided = await board.next(stopped, [task], { writeWithNextStep: (t) => t.decision === 'APPROVE' });
      if (!decided) return endEarly(null);
      if (decided.decision === 'APPROVE') return decided;
      if (decided.decision === 'EXTEND') {
        extended = decided;
        continue;
      }
      if (decided.decision === 'REJECT') {
        // 未同意的,应当说明理由: the reason is the outcome.
        await setStatus('rejected', 'rejected', 'Art. 20', {
          actor: decided.decidedBy!,
          decision: 'REJECT',
          reason: decided.reason,
          outcome: { article: 'Art. 20', reason: decided.reason ?? '' },
        });
        return view();
      }
      // REQUEST_INFO: the clock stops while the applicant holds the request.
      resume = { dueAt: task.dueAt, pausedAt: new Date().toISOString() };
      const reply = {
        key: `applicant-reply-${round}`,
        kind: 'OPEN_REQUEST_APPLICANT_REPLY' as const,
        ...addressedTo(applicant, role, onBehalfOf),
        length: policy.applicantReply,
        reminderBefore: policy.reminderBefore,
      };
      if (!(await awaitReply({ board, setStatus, asked: decided, article: 'Art. 20', reply, stop: stopped }))) return endEarly(null);
    }
  }

  /** The applicant signs (or declines, or lets it lapse), then the agency countersigns; resolves with the end of the term, or the request's end. */
  async function signatures(approval: WfTask): Promise<string | RequestSnapshot> {
    deciding = board.takeUnwritten();
    // While a signature is awaited the request reads so (待签署); runs that drafted before this release read awaiting_applicant.
    const signing = patched('signature-status');
    const drafted = statusChange(signing ? 'awaiting_signature' : 'awaiting_applicant', 'agreement_drafted', 'Art. 20', {
      actor: approval.decidedBy!,
      decision: 'APPROVE',
      reason: approval.reason,
    });
    const conditions = typeof approval.form?.conditions === 'string' ? approval.form.conditions : null;
    const draft = await io.draftAgreement({
      requestId,
      workflowId: workflowInfo().workflowId,
      agreementId,
      form,
      licensee: { sub: applicant.sub, ...input.licensee, ...(onBehalfOf ? { legalPerson: onBehalfOf } : {}) },
      conditions,
      platformUrl: input.platformUrl,
      reportEveryDays: 'days' in policy.reportEvery ? policy.reportEvery.days : null,
      decision: deciding,
      transition: drafted.write,
    });
    if ('refusal' in draft) {
      // The entry's openness changed since the application (e.g. withdrawn): no agreement is drafted.
      if (deciding) await io.recordDecision(deciding);
      deciding = undefined;
      await setStatus('cancelled', 'ended_by_catalog', 'Art. 21', { reason: draft.refusal, outcome: { article: 'Art. 21', reason: draft.refusal } });
      return view();
    }
    deciding = undefined;
    drafted.apply();
    sha256 = draft.sha256;
    state.outcome = { article: 'Art. 20', agreementId, sha256 };
    const context = { agreementId, sha256 };
    const signed = await signature('licensee', context, signing);
    if ('requestId' in signed) return signed;
    const countersigned = await signature('provider', context, signing);
    if ('requestId' in countersigned) return countersigned;
    state.outcome = { article: 'Art. 20', agreementId, sha256, endsAt: countersigned.endsAt };
    return countersigned.endsAt!;
  }

  /**
   * One party's signature: the applicant's (SIGN, or DECLINE; unsigned by its due time the agreement lapses)
   * or the agency's countersignature. A SIGN takes effect only while the entry's data is still open, which its
   * write checks again (Art. 17, 21; the API refuses it before): closed since, the application ends;
   * suspended, the SIGN is recorded without effect and a fresh task asks again, due when the first was.
   * Resolves with the end of the term (null until the agreement is in force), or the request's end. `signing`:
   * the run took patch 'signature-status' (the licensee's signature moves the request to awaiting_countersignature).
   */
  async function signature(
    party: 'licensee' | 'provider',
    context: Record<string, unknown>,
    signing: boolean,
  ): Promise<{ endsAt: string | null } | RequestSnapshot> {
    const licensee = party === 'licensee';
    const spec = (round: number, first?: WfTask): TaskSpec => ({
      key: `${licensee ? 'signature' : 'countersignature'}${round === 1 ? '' : `-${round}`}`,
      kind: licensee ? 'AGREEMENT_SIGNATURE' : 'AGREEMENT_COUNTERSIGNATURE',
      ...(licensee ? addressedTo(applicant, role, onBehalfOf) : { candidateRole: 'provider_reviewer' as const, candidateOrg: providerOrg }),
      length: licensee ? policy.signature : policy.countersignature,
      ...(first ? { resume: { dueAt: first.dueAt, pausedAt: new Date().toISOString() } } : {}),
      reminderBefore: policy.reminderBefore,
      context,
    });
    const first = await board.open(spec(1));
    const lapse = licensee ? timerAt(first.dueAt) : { passed: false, cancel: () => undefined };
    try {
      for (let round = 1, task = first; ; task = await board.open(spec(++round, first))) {
        const signed = await board.next(() => stopped() || lapse.passed, [task], { writeWithNextStep: () => true });
        if (!signed) {
          if (stopped()) return endEarly('cancelled');
          await board.cancelOpen(SYSTEM, 'unsigned within the time allowed: the agreement lapsed', 'Art. 20');
          await endAgreement(
            'lapsed',
            '协议未在期限内签署,已失效',
            statusChange('expired', 'agreement_lapsed', 'Art. 20', { reason: '协议未在期限内签署,已失效' }),
          );
          return view();
        }
        const by = { actor: signed.decidedBy!, decision: signed.decision, reason: signed.reason };
        if (signed.decision === 'DECLINE') {
          await endAgreement('declined', signed.reason, statusChange('cancelled', 'agreement_declined', 'Art. 20', by), board.takeUnwritten());
          return view();
        }
        const change = licensee
          ? statusChange(signing ? 'awaiting_countersignature' : 'in_review', 'agreement_signed', 'Art. 20', by)
          : statusChange('granted', 'agreement_in_force', 'Art. 20', { actor: signed.decidedBy!, decision: 'SIGN' });
        const decision = board.takeUnwritten();
        const written = await io.signAgreement({
          agreementId,
          party,
          signer: signed.decidedBy!,
          sha256: sha256!,
          ...(!licensee && policy.termMonth ? { termMonth: policy.termMonth } : {}),
          decision,
          transition: change.write,
        });
        if (!('refused' in written)) {
          change.apply();
          return written;
        }
        // The data closed or suspended since the task opened: the signature takes no effect, the decision stays in the trail.
        if (decision) await io.recordDecision(decision);
        const { detail, article, paused } = written.refused;
        if (!paused) {
          await endAgreement('cancelled', detail, statusChange('cancelled', 'ended_by_catalog', article, { reason: detail }));
          return view();
        }
        await setStatus(state.status, 'signing_paused', article, { actor: signed.decidedBy!, reason: detail });
      }
    } finally {
      lapse.cancel();
    }
  }

  // Continue as new: the server suggests it (or the history passed the input's limit), this run has moved
  // the agreement on (so runs never hand over in a loop), and nothing is in flight.
  const startedAt = { step: steps.n, taken: board.taken };
  const handOver = () =>
    (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > (input.continueAsNewAfter ?? Infinity)) &&
    (steps.n !== startedAt.step || board.taken !== startedAt.taken) &&
    board.quiet() &&
    allHandlersFinished();

  /** The licensee's task to confirm deleting all the data, once the agreement ended because it is no longer open. */
  const deletionAll = (end: RevokeGrantInput): TaskSpec => ({
    key: 'deletion-all',
    kind: 'DELETION_CONFIRMATION',
    ...addressedTo(applicant, role, onBehalfOf),
    length: policy.reportWindow,
    reminderBefore: policy.reminderBefore,
    context: { agreementId, records: '依协议获取的全部数据及其副本', reason: end.reason },
  });

  /** The agreement ended because its data is no longer open: the licensee's task to confirm deleting all of it, until confirmed. */
  async function confirmDeletion(end: RevokeGrantInput): Promise<void> {
    const task = await board.open(deletionAll(end));
    await board.next(() => false, [task]);
  }

  /**
   * Past patch AGREEMENT_END_WITH_DELETION: the agreement terminated because its data is no longer open (`ending`,
   * Art. 21 or 17), its open tasks closed and the deletion task opened, in one activity (endAgreementWithDeletion):
   * one transaction and two workflow tasks where there were up to three writes and four tasks. The same rows,
   * audit events and notices; then the licensee's confirmation is awaited as before.
   */
  async function terminateWithDeletion(end: RevokeGrantInput, ending: RevokeGrantInput): Promise<void> {
    const change = statusChange('revoked', 'agreement_terminated', end.article, { actor: end.actor, reason: end.reason });
    const close = board.unfinished() ? board.closing(end.actor, end.reason, end.article) : undefined;
    const { task } = await board.openWith(deletionAll(ending), async (deletion) => ({
      opened: await io.endAgreementWithDeletion({
        agreementId,
        status: 'terminated',
        reason: end.reason,
        transition: change.write,
        ...(close ? { close } : {}),
        deletion,
      }),
    }));
    change.apply();
    state.outcome = { article: change.write.article, agreementId, agreement: 'terminated', ...(end.reason ? { reason: end.reason } : {}) };
    await board.next(() => false, [task!]);
  }

  /** The agreement in force: usage reports as they fall due, deletions to confirm, until its term ends or it is terminated. */
  async function inForce(life: AgreementLife): Promise<RequestSnapshot> {
    for (;;) {
      const openReports = board.all().filter((t) => t.status === 'open' && t.kind === 'USAGE_REPORT');
      const lateUnnoticed = openReports.filter((t) => !life.missed.includes(t.id));
      const wakeAt = [life.endsAt, life.nextReportAt, ...lateUnnoticed.map((t) => t.dueAt)].reduce((a, b) => (Date.parse(a) <= Date.parse(b) ? a : b));
      const timer = timerAt(wakeAt);
      // Any of the phase's tasks (reports, deletions): one decided while this loop was writing is taken too.
      const done = await board.next(() => terminating !== null || ending !== null || deletions.length > 0 || timer.passed || handOver());
      timer.cancel();
      if (done) continue;
      const end = terminating ?? ending;
      if (end) {
        if (ending && patched(AGREEMENT_END_WITH_DELETION)) {
          await terminateWithDeletion(end, ending);
          return view();
        }
        await closeOpen(end);
        await endAgreement('terminated', end.reason, statusChange('revoked', 'agreement_terminated', end.article, { actor: end.actor, reason: end.reason }));
        // The data withdrawn or closed to the public: the licensee confirms deleting all it obtained (第十二条 of the agreement, Art. 21).
        if (ending) await confirmDeletion(ending);
        return view();
      }
      if (deletions.length) {
        const d = deletions.shift()!;
        // One task per withdrawal, however often its signal came.
        if (board.all().some((t) => t.id === `${requestId}.deletion-${d.cause}`)) continue;
        await board.open({
          key: `deletion-${d.cause}`,
          kind: 'DELETION_CONFIRMATION',
          ...addressedTo(applicant, role, onBehalfOf),
          length: policy.reportWindow,
          reminderBefore: policy.reminderBefore,
          context: { records: d.records, reason: d.reason, withdrawal: d.cause },
        });
        continue;
      }
      if (Date.now() >= Date.parse(life.endsAt)) {
        await closeOpen({ actor: SYSTEM, reason: 'the agreement term ended', article: 'Art. 20' });
        await endAgreement('expired', '协议期满', statusChange('expired', 'agreement_expired', 'Art. 20', { reason: '协议期满,乙方应删除所获数据' }));
        return view();
      }
      if (Date.now() >= Date.parse(life.nextReportAt)) {
        life.reports++;
        await board.open({
          key: `usage-report-${life.reports}`,
          kind: 'USAGE_REPORT',
          ...addressedTo(applicant, role, onBehalfOf),
          length: policy.reportWindow,
          reminderBefore: policy.reminderBefore,
          context: { agreementId },
        });
        life.nextReportAt = (await io.computeDeadlines({ length: policy.reportEvery, from: life.nextReportAt })).dueAt;
        continue;
      }
      const late = lateUnnoticed.find((t) => Date.now() >= Date.parse(t.dueAt));
      if (late) {
        // A report not made in time: the agency is told (the task stays open for the licensee).
        await io.noticeMissedReport({ requestId, taskId: late.id, providerOrg, agreementId });
        life.missed.push(late.id);
        continue;
      }
      if (handOver()) {
        await condition(allHandlersFinished);
        const next: OpenRequestCarried = { step: steps.n, state: { ...state }, board: board.state(), agreement: { ...life, deletions } };
        return continueAsNew<typeof openRequestWorkflow>({ ...input, carried: next });
      }
    }
  }

  const run = async (): Promise<RequestSnapshot> => {
    if (carried) return inForce(carried.agreement);
    // What the API checked, again for a start that bypasses it.
    const starter = starterViolation('open_request', applicant);
    if (starter) throw (refusal = businessError(starter.code, starter.detail));
    const bad = unstorable({ form, licensee: input.licensee }, 'form') ?? openRequestViolations(form)[0] ?? openRequestRefusal(entry, form, input.platformUrl);
    if (bad) throw (refusal = businessError(bad.code, bad.detail));
    const approval = await review();
    if (!('id' in approval)) return approval;
    const endsAt = await signatures(approval);
    if (typeof endsAt !== 'string') return endsAt;
    const firstReport = (await io.computeDeadlines({ length: policy.reportEvery })).dueAt;
    return inForce({ sha256: sha256!, endsAt, nextReportAt: firstReport, reports: 0, missed: [], deletions });
  };

  return runToEnd(board, record, state, { run, failed: view, refused: (err) => err === refusal, unwritten: () => deciding ?? board.takeUnwritten() });
}
