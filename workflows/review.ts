// The review step every procedure shares: one party leads and concludes, another may give its opinion
// (会同, Art. 14), the applicant may be asked for information. Procedures call it with their own
// parties, task kinds and policy; what it waits for is data, so a run can hand it to the next.
import { patched } from '@temporalio/workflow';
import type { TaskKind } from '../domain/tasks';
import { SYSTEM, type Duration, type Role } from '../domain/types';
import type { TaskBoard } from './board';
import type { ReviewState, StatusChange } from './carried';
import type { TaskSpec, WfTask } from './task';

/** Where a review stands (carried into the next run when the workflow continues as new). */

export const newReview = (): ReviewState => ({ round: 1, counters: { lead: 0, opinion: 0 }, due: '', providerAgreed: false, at: null });

interface Party {
  /** Task key prefix, e.g. 'joint-review'. */
  key: string;
  kind: TaskKind;
  role: Role;
  org: string;
  /** How the trail names the party, e.g. 'the city big data authority'. */
  name: string;
}

export interface ReviewSpec {
  article: string;
  /** Concludes: APPROVE, REJECT, REQUEST_INFO, or CONSULT (a fresh opinion carrying its position). */
  lead: Party;
  /** Gives its opinion: AGREE, DISAGREE or REQUEST_INFO; the lead approves only after an AGREE (its kind's rule). */
  opinion?: Party;
  length: Duration;
  /** The opinion's own due time within the lead's window (the 条例's 7 of 10); absent: the lead's length. */
  opinionLength?: Duration;
  /** What every review task is opened with besides its own (e.g. that the 条例 binds the request). */
  context?: () => Record<string, unknown> | undefined;
  reminderBefore?: Duration;
  escalation?: TaskSpec['escalation'];
}

export interface ReviewHooks {
  /** The change of status that goes with a round's tasks: in review (round 1: started, later: resumed). */
  inReview(round: number): StatusChange;
  /** A reviewer asked the applicant for information: the request waits for them; answers with the reply task. */
  askApplicant(asked: WfTask, round: number): Promise<WfTask>;
  /** Stop waiting (the request is being cancelled, or the run hands over). */
  stop(): boolean;
  /** Whether the applicant's reply changes the request: its decision is then written with the change (amend). */
  amends?(reply: WfTask): boolean;
  /** Writes the change the reply makes, before the next round opens (its tasks read the request as amended). */
  amend?(reply: WfTask, r: ReviewState): Promise<void>;
}

/** How a review ended; an approval may still be unwritten (board.takeUnwritten): the procedure's next write records it. */
export type ReviewEnd = { approved: WfTask } | { rejected: WfTask } | { stopped: true };

/** Runs the review from where `r` stands (mutating it) until the lead concludes, or `stop()` holds while it waits. */
export async function review(board: TaskBoard, review: ReviewSpec, r: ReviewState, hooks: ReviewHooks): Promise<ReviewEnd> {
  const { lead: leader, opinion: giver } = review;
  const spec = (
    p: Party,
    n: number,
    own?: Record<string, unknown>,
    timing: Pick<TaskSpec, 'length' | 'resume'> = { length: review.length, resume: r.resume },
  ): TaskSpec => {
    const context = review.context ? { ...review.context(), ...own } : own;
    return {
      key: `${p.key}-${n}`,
      kind: p.kind,
      candidateRole: p.role,
      candidateOrg: p.org,
      length: timing.length,
      reminderBefore: review.reminderBefore,
      resume: timing.resume,
      ...(context ? { context } : {}),
      ...(review.escalation ? { escalation: review.escalation } : {}),
    };
  };
  /** A round's opinion: due at its own point of the window when the spec says so, moved on by the applicant's pause alike. */
  const opinionTiming = (): Pick<TaskSpec, 'length' | 'resume'> =>
    review.opinionLength
      ? { length: review.opinionLength, resume: r.resume && r.opinionDue ? { ...r.resume, dueAt: r.opinionDue } : r.resume }
      : { length: review.length, resume: r.resume };
  /**
   * Where the applicant's pause starts from: the round's due times as they stand now. A supervisor's extension
   * (Art. 32) moved the open tasks' due times but not the review's, so a pause before
   * patched('review-due-as-moved') resumed from the time before the extension.
   */
  const pauseAt = (at: { lead: string; opinion: string | null }) => {
    if (patched('review-due-as-moved')) {
      r.due = board.get(at.lead).dueAt;
      if (at.opinion && r.opinionDue) r.opinionDue = board.get(at.opinion).dueAt;
    }
    return { dueAt: r.due, pausedAt: new Date().toISOString() };
  };
  const openLead = () => board.open(spec(leader, ++r.counters.lead));
  const openOpinion = (context?: Record<string, unknown>) => board.open(spec(giver!, ++r.counters.opinion, context));
  for (;;) {
    if (!r.at) {
      // Both tasks open together; an AGREE given before a request for information stands.
      const specs = [spec(leader, ++r.counters.lead), ...(giver && !r.providerAgreed ? [spec(giver, ++r.counters.opinion, undefined, opinionTiming())] : [])];
      const [lead, opinion] = await board.openRound(specs, hooks.inReview(r.round));
      r.due = lead.dueAt;
      if (opinion && review.opinionLength) r.opinionDue = opinion.dueAt;
      r.resume = undefined;
      r.at = { lead: lead.id, opinion: opinion?.id ?? null };
    }
    if ('reply' in r.at) {
      let amending = false;
      const reply = await board.next(hooks.stop, [board.get(r.at.reply)], { writeWithNextStep: (t) => (amending = hooks.amends?.(t) === true) });
      if (!reply) return { stopped: true };
      if (amending) await hooks.amend!(reply, r);
      // The reply answers once the reviewers' fresh tasks are open (top of the next round).
      r.round++;
      r.at = null;
      continue;
    }
    const { lead, opinion } = r.at;
    // The lead's approval is written with the step it leads to (the grant), in one write.
    const decided = await board.next(hooks.stop, [board.get(lead), ...(opinion ? [board.get(opinion)] : [])], {
      writeWithNextStep: (t) => t.id === lead && t.decision === 'APPROVE',
    });
    if (!decided) return { stopped: true };
    if (decided.id === opinion) {
      if (decided.decision === 'AGREE') r.providerAgreed = true;
      if (decided.decision !== 'REQUEST_INFO') continue;
    } else if (decided.decision === 'APPROVE') return { approved: decided };
    else if (decided.decision === 'REJECT') {
      await board.cancelOpen(SYSTEM, `${leader.name} rejected the request`, review.article);
      return { rejected: decided };
    } else if (decided.decision === 'CONSULT' && giver) {
      // A fresh opinion carrying the lead's position, and a fresh task to conclude; the due time does not move.
      await board.cancelOpen(SYSTEM, `${leader.name} consults ${giver.name} again`, review.article);
      r.resume = pauseAt(r.at);
      r.providerAgreed = false;
      const [newOpinion, newLead] = await Promise.all([openOpinion({ authorityPosition: decided.reason }), openLead()]);
      r.resume = undefined;
      r.at = { lead: newLead.id, opinion: newOpinion.id };
      continue;
    }
    // REQUEST_INFO, from either: the clock stops while the applicant holds the request.
    r.resume = pauseAt(r.at);
    r.at = { reply: (await hooks.askApplicant(decided, r.round)).id };
  }
}

/** The last opinion given in a review, for the outcome the lead's conclusion records. */
export function lastOpinion(board: TaskBoard, giver: { kind: TaskKind; org: string }) {
  const last = board
    .all()
    .filter((t) => t.kind === giver.kind && t.status === 'completed')
    .at(-1);
  // A refusal's legal basis, where its task asked one (domain/share.ts refusalViolation).
  const basis = last?.form?.basis;
  return last ? { decision: last.decision, reason: last.reason, org: giver.org, ...(Array.isArray(basis) ? { legalBasis: basis } : {}) } : null;
}
