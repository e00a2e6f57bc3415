// The state a request's workflow carries: across continue-as-new (each procedure's `carried` input) and between
// the engine's parts. Types only, importing nothing of the workflows but the task's, so every workflow module
// and the messages (definitions.ts) can use them without an import circle.
import type { RecordRequestInput, TransitionInput } from '../activities';
import type { RequestSnapshot } from '../domain/requests';
import type { RevocationGround, ShareParties, UsagePeriod } from '../domain/share';
import type { ActorRef } from '../domain/types';
import type { WfTask } from './task';

export interface BoardState {
  tasks: WfTask[];
  assigneeStep: number;
  dueStep: number;
}

export interface StatusChange {
  write: TransitionInput;
  apply(): void;
  /** The request's record, when this change goes with the request's first write (it is recorded in the same step). */
  record?: RecordRequestInput;
}

export interface ProcedureCarried {
  step: number;
  state: Pick<RequestSnapshot, 'status' | 'outcome' | 'grant'>;
  board: BoardState;
}

/** A stop the city authority consented to, the grantee told: the grant ends at `at` (the provider's reviewer `requester` told then). */
export interface GrantStop {
  at: string;
  end: { actor: ActorRef; reason: string; article: string; ground?: RevocationGround };
  requester: string;
}

/** The grantee's usage reports (条例, 使用记录): the period the next covers, due at its end, and how many were opened. */
export interface UsageSchedule {
  period: UsagePeriod;
  n: number;
}

export interface ReviewState {
  round: number;
  /** Task keys already used, so a later run's tasks (and their audit keys) never repeat one. */
  counters: { lead: number; opinion: number };
  /** The review's due time: a consultation or the applicant's reply does not move it on. */
  due: string;
  /** The opinion's own due time, where it has one within the review's (the 条例's 7 of 10). */
  opinionDue?: string;
  /** The opinion giver agreed, and its agreement stands across rounds until a new consultation. */
  providerAgreed: boolean;
  resume?: { dueAt: string; pausedAt: string };
  /** The applicant's last reply that changed the request (its task's id): a one-time notice counts from after it. */
  amendedBy?: string;
  /** What it waits for: the reviewers' tasks, the applicant's reply, or (null) a new round to open. */
  at: { lead: string; opinion: string | null } | { reply: string } | null;
}

/** Records of opened data withdrawn (Art. 21 ¶2): each licensee confirms it deleted them. */
export interface DeletionInput {
  actor: ActorRef;
  records: string;
  reason: string;
  /** The withdrawal request that upheld it. */
  cause: string;
}

/** An agreement in force, as the open application carries it. */
export interface AgreementLife {
  sha256: string;
  endsAt: string;
  nextReportAt: string;
  reports: number;
  /** Report tasks whose lateness the agency was told of. */
  missed: string[];
  deletions: DeletionInput[];
}

export interface OpenRequestCarried extends ProcedureCarried {
  agreement: AgreementLife;
}

export interface ShareCarried {
  parties: ShareParties;
  step: number;
  state: Pick<RequestSnapshot, 'status' | 'outcome' | 'grant'>;
  board: BoardState;
  /** In review (where it stands), or granted and waiting for expiry or revocation (a consent task open, its id). */
  at: { review: ReviewState } | { granted: { expiresAt: string; consent?: string | null; stopping?: GrantStop; usage?: UsageSchedule } };
}
