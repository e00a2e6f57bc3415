// Open demand (Art. 21 ¶1): anyone asks for data to be opened; the providing agency answers in time, with a
// plan for opening it or its reasons. One task, its deadline and reminder; the answer is the outcome.
import type { ApplicationFailure } from '@temporalio/workflow';
import type { RequestSnapshot } from '../domain/requests';
import { openDemandViolations } from '../domain/open-demand';
import { unstorable } from '../domain/text';
import type { OpenDemandInput } from './definitions';
import { businessError } from './acts';
import { newProcedure, runToEnd } from './procedure';
import { actorRef, applyingRole, escalationOf } from './task';
import { starterViolation } from '../domain/requests';

export async function openDemandWorkflow(input: OpenDemandInput): Promise<RequestSnapshot> {
  const { requestId, applicant, form, policy } = input;
  const role = applyingRole(applicant);
  const { view, board, cancelling, statusChange, setStatus, record, state } = newProcedure({
    requestId,
    applicant,
    role,
    type: 'open_demand',
    catalogEntryId: form.catalogEntryId ?? null,
    payload: { ...form, providerOrgId: input.providerOrg },
    payloadHash: input.payloadHash,
    submissionId: input.submissionId,
    article: 'Art. 21',
    ...(input.onBehalfOf ? { legalPerson: input.onBehalfOf } : {}),
  });
  let refusal: ApplicationFailure | undefined;

  const run = async (): Promise<RequestSnapshot> => {
    // What the API checked, again for a start that bypasses it.
    const starter = starterViolation('open_demand', applicant);
    if (starter) throw (refusal = businessError(starter.code, starter.detail));
    const bad = unstorable(form, 'form') ?? openDemandViolations(form)[0];
    if (bad) throw (refusal = businessError('InvalidInput', bad.detail));
    const [task] = await board.openRound(
      [
        {
          key: 'answer',
          kind: 'OPEN_DEMAND_ANSWER',
          candidateRole: 'provider_reviewer',
          candidateOrg: input.providerOrg,
          length: policy.answer,
          reminderBefore: policy.reminderBefore,
          ...escalationOf(policy.escalateAfter),
        },
      ],
      { ...statusChange('in_review', 'demand_received', 'Art. 21'), record },
    );
    const answer = await board.next(() => cancelling.cancel !== null, [task]);
    if (!answer) {
      const c = cancelling.cancel!;
      await board.cancelOpen(actorRef(c.actor, role), c.reason ?? 'withdrawn by the applicant', 'Art. 21');
      await setStatus('cancelled', 'cancelled', 'Art. 21', { actor: actorRef(c.actor, role), reason: c.reason ?? null });
      return view();
    }
    const outcome = { article: 'Art. 21', decision: answer.decision, reason: answer.reason ?? '' };
    await setStatus('answered', answer.decision === 'PLAN' ? 'opening_planned' : 'opening_declined', 'Art. 21', {
      actor: answer.decidedBy!,
      decision: answer.decision,
      reason: answer.reason,
      outcome,
    });
    return view();
  };

  return runToEnd(board, record, state, { run, failed: view, refused: (err) => err === refusal });
}
