// Withdrawal of opened data (Art. 21 ¶2): anyone asks the providing agency to withdraw opened data. The
// agency may SUSPEND the entry's openness at once and go on reviewing; it UPHOLDs (the entry's openness
// withdrawn as a new version of the catalog, or only the records named) or DISMISSes (a suspension it made
// lifted), or asks the requester for information (the clock paused). Sharing between agencies is not touched.
import type { ApplicationFailure } from '@temporalio/workflow';
import type { DecisionInput } from '../activities';
import { ADJUSTMENT_GROUNDS, type SideStatus } from '../domain/catalog';
import type { RequestSnapshot } from '../domain/requests';
import { unstorable } from '../domain/text';
import { withdrawalViolations, type UpholdScope } from '../domain/withdrawal';
import { withdrawOpenWork } from './catalog-effects';
import type { WithdrawalInput } from './definitions';
import { businessError, acts as io } from './acts';
import { awaitReply, newProcedure, runToEnd } from './procedure';
import { actorRef, addressedTo, applyingRole, escalationOf, type WfTask } from './task';
import { starterViolation } from '../domain/requests';

export async function withdrawalWorkflow(input: WithdrawalInput): Promise<RequestSnapshot> {
  const { requestId, applicant, form, policy } = input;
  const entryId = form.catalogEntryId;
  const role = applyingRole(applicant);
  const { view, board, cancelling, statusChange, setStatus, record, state } = newProcedure({
    requestId,
    applicant,
    role,
    type: 'withdrawal',
    catalogEntryId: entryId,
    payload: { ...form },
    payloadHash: input.payloadHash,
    submissionId: input.submissionId,
    article: 'Art. 21',
  });
  let refusal: ApplicationFailure | undefined;
  /** The decision written with the openness it changes, until that write succeeds. */
  let deciding: DecisionInput | undefined;
  /** This request suspended the entry's openness: a dismissal or a withdrawal of the request lifts it. */
  let suspended = false;

  /** Changes the entry's openness (when it is one of `onlyIf`) with the request's change of status and the decision, in one write. */
  const changeOpenness = async (openStatus: SideStatus, onlyIf: SideStatus[], reason: string, change: ReturnType<typeof statusChange>) => {
    deciding = board.takeUnwritten();
    const { changed } = await io.changeOpenness({ requestId, entryId, openStatus, onlyIf, reason, decision: deciding, transition: change.write });
    deciding = undefined;
    change.apply();
    return changed;
  };

  const run = async (): Promise<RequestSnapshot> => {
    // What the API checked, again for a start that bypasses it.
    const starter = starterViolation('withdrawal', applicant);
    if (starter) throw (refusal = businessError(starter.code, starter.detail));
    const bad = unstorable(form, 'form') ?? withdrawalViolations(form)[0];
    if (bad) throw (refusal = businessError('InvalidInput', bad.detail));
    let resume: { dueAt: string; pausedAt: string } | undefined;
    for (let round = 1; ; round++) {
      const [task] = await board.openRound(
        [
          {
            key: `review-${round}`,
            kind: 'WITHDRAWAL_REVIEW',
            candidateRole: 'provider_reviewer',
            candidateOrg: input.providerOrg,
            length: policy.review,
            reminderBefore: policy.reminderBefore,
            resume,
            ...escalationOf(policy.escalateAfter),
          },
        ],
        { ...statusChange('in_review', round === 1 ? 'withdrawal_received' : 'review_resumed', 'Art. 21'), ...(round === 1 ? { record } : {}) },
      );
      const decided = await board.next(() => cancelling.cancel !== null, [task], { writeWithNextStep: (t) => t.decision !== 'REQUEST_INFO' });
      if (!decided) return withdrawn();
      const by = { actor: decided.decidedBy!, decision: decided.decision, reason: decided.reason };
      // The review's due time does not move for a suspension or the requester's reply.
      resume = { dueAt: task.dueAt, pausedAt: new Date().toISOString() };
      if (decided.decision === 'SUSPEND') {
        suspended =
          (await changeOpenness(
            'suspended',
            ['published'],
            `撤回审查期间暂停开放: ${decided.reason}`,
            statusChange('in_review', 'openness_suspended', 'Art. 21', by),
          )) || suspended;
        continue;
      }
      if (decided.decision === 'REQUEST_INFO') {
        // The clock stopped when the agency asked: the fresh review task gets the time that was left.
        if (!(await askRequester(decided, round))) return withdrawn();
        continue;
      }
      if (decided.decision === 'UPHOLD') {
        const scope = (decided.form as { scope: UpholdScope }).scope;
        const outcome = { article: 'Art. 21', scope, reason: decided.reason ?? '' };
        // The whole entry: its openness withdrawn as a catalog change (the ground: a withdrawal's outcome).
        if (scope === 'entry')
          await changeOpenness(
            'withdrawn',
            ['published', 'suspended'],
            `${ADJUSTMENT_GROUNDS.withdrawal_outcome.name}: ${decided.reason}`,
            statusChange('upheld', 'withdrawal_upheld', 'Art. 21', { ...by, outcome }),
          );
        else
          await changeOpenness(
            'published',
            suspended ? ['suspended'] : [],
            `撤回指定记录后恢复开放: ${decided.reason}`,
            statusChange('upheld', 'withdrawal_upheld', 'Art. 21', { ...by, outcome }),
          );
        // The open applications and agreements of the entry follow, each through its own workflow, once
        // the agency has its answer (a thousand agreements take a while).
        const work = await io.openWorkOn({ entryId });
        await board.waitOn(() => withdrawOpenWork(requestId, scope, by.actor, decided.reason ?? '', form.records ?? '', work));
        return view();
      }
      // DISMISS: the reasons stated; a suspension this request made is lifted.
      await changeOpenness(
        'published',
        suspended ? ['suspended'] : [],
        `撤回要求未予支持,恢复开放: ${decided.reason}`,
        statusChange('dismissed', 'withdrawal_dismissed', 'Art. 21', { ...by, outcome: { article: 'Art. 21', reason: decided.reason ?? '' } }),
      );
      return view();
    }
  };

  /** The agency asked for information: the requester's reply task; resolves false when the request is withdrawn meanwhile. */
  async function askRequester(asked: WfTask, round: number): Promise<boolean> {
    const reply = {
      key: `requester-reply-${round}`,
      kind: 'WITHDRAWAL_APPLICANT_REPLY' as const,
      ...addressedTo(applicant, role),
      length: policy.applicantReply,
      reminderBefore: policy.reminderBefore,
    };
    return awaitReply({ board, setStatus, asked, article: 'Art. 21', reply, stop: () => cancelling.cancel !== null });
  }

  /** The requester withdrew the request: open tasks close, and a suspension it brought about is lifted. */
  async function withdrawn(): Promise<RequestSnapshot> {
    const c = cancelling.cancel!;
    await board.cancelOpen(actorRef(c.actor, role), c.reason ?? 'withdrawn by the requester', 'Art. 21');
    await changeOpenness(
      'published',
      suspended ? ['suspended'] : [],
      '撤回要求已撤销,恢复开放',
      statusChange('cancelled', 'cancelled', 'Art. 21', { actor: actorRef(c.actor, role), reason: c.reason ?? null }),
    );
    return view();
  }

  return runToEnd(board, record, state, { run, failed: view, refused: (err) => err === refusal, unwritten: () => deciding });
}
