// Error correction (Art. 11): someone using shared or opened data reports an error in an entry's data; the
// providing agency verifies it in time (the entry's other reports listed beside it) and answers: CORRECTED
// (what changed, and when it is published), NOT_AN_ERROR (its reasons), or, once, REQUEST_INFO (the clock
// paused while the reporter answers). Each change of status tells the reporter.
import { patched, type ApplicationFailure } from '@temporalio/workflow';
import { correctionViolations } from '../domain/correction';
import type { RequestSnapshot } from '../domain/requests';
import { starterViolation } from '../domain/requests';
import { unstorable } from '../domain/text';
import type { CorrectionInput } from './definitions';
import { businessError, acts as io } from './acts';
import { awaitReply, newProcedure, runToEnd } from './procedure';
import { actorRef, addressedTo, applyingRole, escalationOf } from './task';

export async function correctionWorkflow(input: CorrectionInput): Promise<RequestSnapshot> {
  const { requestId, applicant, form, policy } = input;
  const entryId = form.catalogEntryId;
  const role = applyingRole(applicant);
  const { view, board, cancelling, statusChange, setStatus, record, state } = newProcedure({
    requestId,
    applicant,
    role,
    type: 'correction',
    catalogEntryId: entryId,
    payload: { ...form },
    payloadHash: input.payloadHash,
    submissionId: input.submissionId,
    article: 'Art. 11',
  });
  let refusal: ApplicationFailure | undefined;
  const stop = () => cancelling.cancel !== null;

  const run = async (): Promise<RequestSnapshot> => {
    // What the API checked, again for a start that bypasses it (the items against the entry: the API's).
    const starter = starterViolation('correction', applicant);
    if (starter) throw (refusal = businessError(starter.code, starter.detail));
    const bad = unstorable(form, 'form') ?? correctionViolations(form)[0];
    if (bad) throw (refusal = businessError('InvalidInput', bad.detail));
    let resume: { dueAt: string; pausedAt: string } | undefined;
    for (let round = 1; ; round++) {
      // Repeated reports of the entry are read together: the verifier sees the others, open or decided.
      const others = await io.otherCorrectionReports({ entryId, requestId });
      const [task] = await board.openRound(
        [
          {
            key: `verification-${round}`,
            kind: 'CORRECTION_VERIFICATION',
            candidateRole: 'provider_reviewer',
            candidateOrg: input.providerOrg,
            length: policy.verification,
            reminderBefore: policy.reminderBefore,
            resume,
            ...escalationOf(policy.escalateAfter),
            context: { otherReports: others },
          },
        ],
        { ...statusChange('in_review', round === 1 ? 'correction_received' : 'verification_resumed', 'Art. 11'), ...(round === 1 ? { record } : {}) },
      );
      const decided = await board.next(stop, [task]);
      if (!decided) return withdrawn();
      const by = { actor: decided.decidedBy!, decision: decided.decision };
      if (decided.decision === 'REQUEST_INFO') {
        // The clock stops while the reporter holds the report: the fresh task gets the time that was left.
        resume = { dueAt: task.dueAt, pausedAt: new Date().toISOString() };
        const reply = {
          key: `reporter-reply-${round}`,
          kind: 'CORRECTION_REPORTER_REPLY' as const,
          ...addressedTo(applicant, role),
          length: policy.reporterReply,
          reminderBefore: policy.reminderBefore,
          // 一次性告知: the reporter reads every missing item in their task (asked only of an ask that lists them).
          ...(decided.form?.missing && patched('correction-missing-items') ? { context: { missing: decided.form.missing } } : {}),
        };
        if (!(await awaitReply({ board, setStatus, asked: decided, article: 'Art. 11', reply, stop }))) return withdrawn();
        continue;
      }
      if (decided.decision === 'CORRECTED') {
        const { corrected, publishedAt } = decided.form as { corrected: string; publishedAt?: string };
        const outcome = { article: 'Art. 11', decision: 'CORRECTED', corrected, ...(publishedAt ? { publishedAt } : {}) };
        // The reporter is told what changed (the notice carries the reason).
        await setStatus('upheld', 'error_corrected', 'Art. 11', { ...by, reason: corrected, outcome });
        return view();
      }
      // NOT_AN_ERROR, with its reasons.
      const reason = decided.reason ?? '';
      await setStatus('dismissed', 'not_an_error', 'Art. 11', { ...by, reason, outcome: { article: 'Art. 11', decision: 'NOT_AN_ERROR', reason } });
      return view();
    }
  };

  /** The reporter withdrew the report: its open tasks close. */
  async function withdrawn(): Promise<RequestSnapshot> {
    const c = cancelling.cancel!;
    await board.cancelOpen(actorRef(c.actor, role), c.reason ?? 'withdrawn by the reporter', 'Art. 11');
    await setStatus('cancelled', 'cancelled', 'Art. 11', { actor: actorRef(c.actor, role), reason: c.reason ?? null });
    return view();
  }

  return runToEnd(board, record, state, { run, failed: view, refused: (err) => err === refusal });
}
