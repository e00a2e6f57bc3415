// Messages a request workflow accepts, shared by workflows and the API (which imports nothing else from here).
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RequestSnapshot, RequestType } from '../domain/requests';
import { PROCEDURES } from '../domain/procedures';
import type { DeletionConfirmation, RevocationGround, ShareParties, ShareRequestForm, SharePolicy } from '../domain/share';
import type { AdjustmentForm, BasisLevel } from '../domain/catalog';
import type { AdjustmentPolicy, AdjustmentReview, CommenterKind, NoneBasisPolicy } from '../domain/catalog-adjustment';
import type { DisputeParties, DisputePolicy, SharePosition } from '../domain/share-dispute';
import type { RefusalDisputePolicy, RefusalPosition } from '../domain/refusal-dispute';
import type { OpenDemandForm, OpenDemandPolicy } from '../domain/open-demand';
import type { WithdrawalForm, WithdrawalPolicy } from '../domain/withdrawal';
import type { CorrectionForm, CorrectionPolicy } from '../domain/correction';
import type { DelegationProof } from '../domain/delegations';
import type { OpenEntry, OpenRequestForm, OpenRequestPolicy } from '../domain/open-request';
import type { DeletionInput, OpenRequestCarried, ShareCarried } from './carried';

export type { DeletionInput };
import type { Actor, ActorRef, OrgActor } from '../domain/types';

export interface CompleteTaskInput {
  taskId: string;
  actor: Actor;
  decision: string;
  reason?: string;
  form?: Record<string, unknown>;
  /**
   * A delegate deciding in the delegator's stead (代理): the delegation the API found in force and the delegator as the
   * directory knows them (domain/delegations.ts DelegationProof). Read under the `task-delegation` patch.
   */
  onBehalfOf?: DelegationProof;
}

export interface ClaimTaskInput {
  taskId: string;
  actor: Actor;
  /** true to claim, false to give the task back to its candidates. */
  claim: boolean;
  /** A supervisor releasing someone else's claim (claim false); the API checked the jurisdiction. */
  release?: boolean;
}

export interface ExtendTaskInput {
  taskId: string;
  actor: Actor;
  workingDays: number;
  reason: string;
}

export interface ReassignTaskInput {
  taskId: string;
  actor: Actor;
  /**
   * The person who now holds the task, as the directory of people knows them (the API resolves the `user`
   * it was given): the validator checks that they may act on it (domain/tasks.ts assigneeViolation).
   */
  assignee: OrgActor;
  reason: string;
}

export interface CancelRequestInput {
  actor: Actor;
  reason?: string;
}

export interface RevokeGrantInput {
  actor: ActorRef;
  reason: string;
  article: string;
  /** The ground a person's revocation names (domain/share.ts REVOCATION_GROUNDS). */
  ground?: RevocationGround;
  /** The grantee ended its own grant (共享目的已实现), confirming the data deleted (only past patched('grantee-ends-grant')). */
  deletion?: DeletionConfirmation;
}

export interface ShareRequestInput {
  requestId: string;
  /** Which POST started the workflow (several may race with one Idempotency-Key); absent for a start outside the API. */
  submissionId?: string;
  applicant: OrgActor;
  form: ShareRequestForm;
  payloadHash: string;
  /** Snapshotted at start, so later configuration changes never alter a running request. */
  policy: SharePolicy;
  /** Continue as new once the history is this long, besides when the server suggests it (tests force hand-overs with it). */
  continueAsNewAfter?: number;
  /** What the run before handed over, when this run continues it. */
  carried?: ShareCarried;
  /**
   * The parties as the API resolved them when the applicant submitted (domain/share.ts sharePartiesOf,
   * the same read the workflow makes): the request's record then goes with its first write. Absent (a
   * start that bypasses the API): the workflow resolves them itself. Facts of the submission, like
   * `policy`; never a choice of code path (ARCHITECTURE.md, "Versioning workflows").
   */
  parties?: ShareParties;
  /**
   * The grant this request renews (issue 24 §6): a fact of the submission (the API pre-filled the form from that grant),
   * read behind patched('grant-renewal'). The request is checked (domain/share.ts renewalViolation), reviewed jointly, and its
   * grant's term starts at the renewed one's expiry when approved before it.
   */
  renews?: string;
}

export interface CatalogAdjustmentInput {
  requestId: string;
  submissionId?: string;
  applicant: OrgActor;
  form: AdjustmentForm;
  payloadHash: string;
  policy: AdjustmentPolicy;
  /** The big data authority of the applicant's own division (本级, Art. 9 ¶2), as the API resolved it. */
  reviewerOrg: string;
  /** A city-level agency's adjustment, which the city authority reviews and may OBJECT to (Art. 13 ¶3). */
  cityLevel?: boolean;
  /** Who decides a dispute an objection starts, and its deadlines. */
  leadingGroupOrg?: string | null;
  disputePolicy?: DisputePolicy;
  /** The applicant is a government department (政务部门), as the API read it. */
  governmentDepartment?: boolean;
  /**
   * When the authority reviews it (domain/catalog-adjustment.ts adjustmentReview), as the API decided:
   * absent or 'before' as ever; 'after' published at once (read behind patched('catalog-review-after')).
   */
  review?: AdjustmentReview;
  /**
   * The share policy's levels of legal basis (`refusalBasisLevels`, `regulationScope`), which a NONE share attribute's
   * basis must cite (domain/catalog-adjustment.ts noneShareBasisLevels with `governmentDepartment`); absent: the
   * default policy. Read behind patched('none-basis-level').
   */
  basisPolicy?: NoneBasisPolicy;
}

export interface ShareDisputeInput {
  requestId: string;
  submissionId?: string;
  /** The city authority's reviewer who raised the dispute. */
  applicant: OrgActor;
  /** The entry disputed; null for one the parent adjustment adds (`added` names it), which has no id until applied. */
  entryId: string | null;
  added?: { index: number; title: string };
  /** The share side the agency set (published, or in the adjustment objected to): its position to start with. */
  published: SharePosition;
  /** The authority's position: the attribute it proposes with its reasons, conditions or basis. */
  proposal: SharePosition;
  /** Why the authority objects. */
  objection: string;
  payloadHash: string;
  policy: DisputePolicy;
  /** As the API resolved them (db/repositories/share-dispute.ts disputeParties), or the parent adjustment's. */
  parties: DisputeParties;
  /** The adjustment whose review objected, when it started the dispute. */
  parent?: string;
  /**
   * The levels of legal basis a NONE position may cite (issue 24 §3): those accepted for the agency's catalog
   * (domain/catalog-adjustment.ts noneShareBasisLevels), as the API or the parent adjustment resolved them; absent with
   * a parent: none asked; absent without one (a start past the API): the 条例's, the strictest. Read behind
   * patched('dispute-none-basis-level'): the proposal is checked, and every turn and the leading group's decision carry
   * them (`context.noneBasis`).
   */
  noneBasis?: BasisLevel[];
}

export interface RefusalDisputeInput {
  requestId: string;
  submissionId?: string;
  /** The refused request's applicant (agency_applicant of the requesting organisation) who disputes. */
  applicant: OrgActor;
  /** The share request refused. */
  shareRequestId: string;
  /** Why the applicant disputes the refusal. */
  reason: string;
  /** The applicant's position: the fields it asks for, on the conditions it accepts (grant true). */
  position: RefusalPosition;
  payloadHash: string;
  /** Snapshotted at start: the window, the turns, the coordination, the decision, the grant's term. */
  policy: RefusalDisputePolicy;
  /**
   * The share policy snapshotted at start, for the grant an outcome in the applicant's favour makes (its delivery, usage
   * reports, stop notice, onward provision: workflows/grant-life.ts). Absent in a run started before: the default's.
   */
  grantPolicy?: SharePolicy;
}

export interface OpenDemandInput {
  requestId: string;
  submissionId?: string;
  applicant: Actor;
  form: OpenDemandForm;
  /** The legal person (USCC) the applicant asks for as its authorised agent (Art. 29): the request is its. */
  onBehalfOf?: string;
  /** The agency that answers, as the API resolved it (the entry's provider, or the agency named). */
  providerOrg: string;
  payloadHash: string;
  policy: OpenDemandPolicy;
}

export interface WithdrawalInput {
  requestId: string;
  submissionId?: string;
  applicant: Actor;
  form: WithdrawalForm;
  /** The agency providing the entry, as the API resolved it. */
  providerOrg: string;
  payloadHash: string;
  policy: WithdrawalPolicy;
}

export interface CorrectionInput {
  requestId: string;
  submissionId?: string;
  applicant: Actor;
  form: CorrectionForm;
  /** The agency providing the entry, as the API resolved it: it verifies the report. */
  providerOrg: string;
  payloadHash: string;
  policy: CorrectionPolicy;
}

export interface OpenRequestInput {
  requestId: string;
  submissionId?: string;
  applicant: Actor;
  form: OpenRequestForm;
  /** The entry as the API found it when the application was made (checked again when the agreement is drafted). */
  entry: OpenEntry;
  /** The licensee as the agreement names them; a legal person's names the agent who applied (经办人). */
  licensee: { name: string; identity: string | null; agent?: { name: string; identity: string } };
  /** The legal person (USCC) the applicant applies for as its authorised agent (Art. 29): the request and agreement are its. */
  onBehalfOf?: string;
  /** The unified open platform (Art. 16), through which the data is reached. */
  platformUrl: string;
  payloadHash: string;
  policy: OpenRequestPolicy;
  /** Continue as new once the history is this long, besides when the server suggests it (tests force hand-overs with it). */
  continueAsNewAfter?: number;
  carried?: OpenRequestCarried;
}

export const deleteRecordsSignal = defineSignal<[DeletionInput]>('deleteRecords');

export const completeTaskUpdate = defineUpdate<RequestSnapshot, [CompleteTaskInput]>('completeTask');
export const claimTaskUpdate = defineUpdate<RequestSnapshot, [ClaimTaskInput]>('claimTask');
/** A supervisor moves an open task's due time on (its running timers follow), with a reason. */
export const extendTaskUpdate = defineUpdate<RequestSnapshot, [ExtendTaskInput]>('extendTask');
/** A supervisor hands an open task to a named person, with a reason. */
export const reassignTaskUpdate = defineUpdate<RequestSnapshot, [ReassignTaskInput]>('reassignTask');
export const cancelRequestUpdate = defineUpdate<RequestSnapshot, [CancelRequestInput]>('cancelRequest');
/** Returns once the request's first step is done: granted, refused, or waiting for its reviewers. */
export const awaitSubmittedUpdate = defineUpdate<RequestSnapshot>('awaitSubmitted');
export interface CommentInput {
  actor: Actor;
  kind: CommenterKind;
  text: string;
}
/** A comment in an adjustment's priority-opening consultation (Art. 18 ¶2), while it is open; answers with the comment's id. */
export const commentUpdate = defineUpdate<{ id: string }, [CommentInput]>('comment');
export const revokeGrantSignal = defineSignal<[RevokeGrantInput]>('revokeGrant');
/** A request still being decided ends: the data it asks for is no longer shared (the entry removed or made NONE). */
export const endRequestSignal = defineSignal<[RevokeGrantInput]>('endRequest');
/** Issue 24 §6: the grant a pending renewal renews was revoked, stopped or ended by its grantee; the renewal ends (`renewal-ends-with-grant`). */
export const renewedGrantEndedSignal = defineSignal<[RevokeGrantInput]>('renewedGrantEnded');
export interface RevokeGrantRequest {
  actor: Actor;
  reason: string;
  /** A share grant's: the ground from the closed list (an agreement's termination names none). */
  ground?: RevocationGround;
  /** The grantee's, as it ends its own grant: the data received deleted (domain/share.ts deletionViolation). */
  deletion?: DeletionConfirmation;
}
/**
 * A person ends a grant early: the city authority ends it; the provider's request goes to the authority, whose
 * consent ends it (both name a ground and a reason); the grantee ends it as its purpose is achieved, confirming the data
 * deleted. An agreement's party terminates it. Answers with the request state.
 */
export const revokeGrantUpdate = defineUpdate<RequestSnapshot, [RevokeGrantRequest]>('revokeGrantByPerson');
/** The provider's reviewer asks once to extend its opinion's answer (《政务数据共享条例》, domain/share.ts providerExtensionViolation). */
export interface RequestExtensionInput {
  taskId: string;
  actor: Actor;
  workingDays: number;
  reason: string;
}
/**
 * Where the 条例 binds a share request, the provider asks once to extend its answer: the head of its 政务数据共享工作机构
 * gets a task to approve or refuse. Answers with the request state once that task is open.
 */
export const requestExtensionUpdate = defineUpdate<RequestSnapshot, [RequestExtensionInput]>('requestExtension');
/** The grantee's ask to provide a grant's data to a third party (issue 24 §6), where the run's policy allows the 条例's consent route. */
export interface OnwardProvisionInput {
  actor: Actor;
  thirdPartyOrg: string;
  purpose: string;
  fields: string[];
}
/**
 * The grantee asks to provide its grant's data onward: the validator applies domain/share.ts onwardProvisionViolation (as
 * the API does); the handler answers once the provider's SHARE_ONWARD_PROVISION task is open.
 */
export const askOnwardProvisionUpdate = defineUpdate<RequestSnapshot, [OnwardProvisionInput]>('askOnwardProvision');
export const stateQuery = defineQuery<RequestSnapshot>('state');

/** The workflow type that runs each request type (the registry's). */
export const WORKFLOW_TYPES = Object.fromEntries(PROCEDURES.map((p) => [p.type, p.workflowType])) as Record<RequestType, string>;

export function workflowIdFor(type: RequestType, requestId: string): string {
  return `${type}-request/${requestId}`;
}
