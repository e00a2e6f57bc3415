// Read-model rows as the API shows them, visibility rules, and opaque cursors.
import type { AgreementRow } from '../db/repositories/agreements';
import type { RequestRow, TaskReadRow, TaskRow } from '../db/schema';
import { supervisedOrgIds } from '../db/repositories/organisations';
import { delegationsTo, delegatorOf, type DelegationInForce } from '../db/repositories/delegations';
import type { Db } from '../db';
import { onBehalfViolation, type DelegationProof } from '../domain/delegations';
import type { GrantRow, RevocationTask } from '../db/repositories/grants';
import { getRequestWhole, type RefusalDisputeRow } from '../db/repositories/requests';
import { typesReadAsParty } from '../domain/requests';
import { allowedDecisions, isCandidate, isTaskKind, supervisesTasks, taskDisclosure, type TaskAccessView, type TaskViewer } from '../domain/tasks';
import { taskKindRule } from '../domain/procedures';
import { isStorableText } from '../domain/text';
import type { Actor } from '../domain/types';
import { problem, ProblemError } from './problem';
import type { GrantView } from './schemas/grants';
import type { AgreementView } from './schemas/open-request';
import type { RequestView } from './schemas/requests';
import type { TaskView } from './schemas/tasks';
import type { ApiDeps } from './types';
import { isRealInstant } from './validation';

export function taskAccess(row: TaskRow): TaskAccessView {
  if (!isTaskKind(row.kind)) throw new Error(`unknown task kind ${row.kind}`);
  return {
    kind: row.kind,
    status: row.status,
    candidateRole: row.candidate_role,
    candidateOrg: row.candidate_org,
    candidateUser: row.candidate_user,
    assignee: row.assignee,
    excluded: row.excluded,
    candidates: row.candidates,
  };
}

/** A task as `viewer` may see it (domain/tasks.ts taskDisclosure decides what each party sees). */
export function taskView(row: TaskReadRow, viewer: TaskViewer = 'candidate'): TaskView {
  const show = taskDisclosure(viewer);
  return {
    id: row.id,
    requestId: row.request_id,
    caseNumber: row.case_number,
    applicantName: row.applicant_name,
    entryTitle: row.entry_title,
    kind: row.kind,
    status: row.status,
    candidateRole: row.candidate_role,
    candidateOrg: row.candidate_org,
    candidates: row.candidates,
    assignee: show.assignee ? row.assignee : null,
    assigneeName: show.assignee ? row.assignee_name : null,
    article: row.article,
    context: row.context,
    dueAt: row.due_at.toISOString(),
    remindAt: row.remind_at?.toISOString() ?? null,
    dueCalendarKnown: row.due_calendar_known,
    overdue: row.overdue_at !== null,
    escalateAt: row.escalated_at ? null : (row.escalate_at?.toISOString() ?? null),
    escalatedAt: row.escalated_at?.toISOString() ?? null,
    urgeCount: row.urge_count,
    urgedAt: row.urged_at?.toISOString() ?? null,
    // What the viewer may decide now: a supervisor, co-reviewer or applicant looking on decides nothing here.
    allowedDecisions: viewer === 'candidate' && row.status === 'open' && isTaskKind(row.kind) ? allowedDecisions(row.kind) : [],
    extensionOffered:
      viewer === 'candidate' && row.status === 'open' && isTaskKind(row.kind) && (taskKindRule(row.kind).extensionOffered?.(row.context) ?? false),
    decision: show.decision ? row.decision : null,
    reason: show.reason ? row.reason : null,
    form: show.form ? row.form : null,
    decidedBy: show.decidedBy ? row.decided_by : null,
    decidedOnBehalfOf: show.decidedBy ? row.decided_on_behalf_of : null,
    createdAt: row.created_at.toISOString(),
    completedAt: row.completed_at?.toISOString() ?? null,
  };
}

/** How `actor` stands to one task of a request they may see. */
export function viewerOf(actor: Actor, task: TaskRow, siblings: TaskRow[]): TaskViewer {
  if (isCandidate(taskAccess(task), actor)) return 'candidate';
  if (supervisesTasks(actor)) return 'supervisor';
  if (siblings.some((t) => isCandidate(taskAccess(t), actor))) return 'co_reviewer';
  return 'applicant';
}

/** How `actor` stands to an audit event of a request: as to its task, or, for request-level events, as to the request. */
export function eventViewer(actor: Actor, tasks: TaskRow[], taskId: string | null): TaskViewer {
  const task = taskId ? tasks.find((t) => t.id === taskId) : undefined;
  if (task) return viewerOf(actor, task, tasks);
  if (tasks.some((t) => isCandidate(taskAccess(t), actor))) return 'candidate';
  if (supervisesTasks(actor)) return 'supervisor';
  return 'applicant';
}

/** A grant as every route shows it: on its own, in lists, and in its request. */
export function grantView(g: GrantRow): GrantView {
  return {
    id: g.id,
    requestId: g.request_id,
    catalogEntryId: g.catalog_entry_id,
    granteeOrg: g.grantee_org,
    providerOrg: g.provider_org,
    fields: g.scope.fields,
    purpose: g.purpose,
    terms: g.terms,
    status: g.status,
    grantedAt: g.granted_at.toISOString(),
    expiresAt: g.expires_at.toISOString(),
    endedAt: g.ended_at?.toISOString() ?? null,
    endReason: g.end_reason,
    endGround: g.end_ground,
    endedBy: g.ended_by ?? null,
    deletion: g.deletion ?? null,
    revocation: revocationView(g.revocation),
    delivery: g.delivery
      ? {
          status: g.delivery.status,
          taskId: g.delivery.taskId,
          method: g.delivery.form?.method ?? null,
          location: g.delivery.form?.location ?? null,
          deliveredFields: g.delivery.form?.deliveredFields ?? [],
          problem: g.delivery.problem,
        }
      : null,
    startsAt: g.starts_at?.toISOString() ?? null,
    renews: g.renews,
    renewal: g.renewal ? { ...g.renewal, expiresAt: g.renewal.expiresAt ? new Date(g.renewal.expiresAt).toISOString() : null } : null,
    onwardProvision: (g.terms as { onwardProvision?: string } | null)?.onwardProvision === 'provider_consent' ? 'provider_consent' : 'forbidden',
    onwardProvisions: (g.onward ?? []).map((t) => ({
      taskId: t.id,
      status: t.status === 'open' ? 'awaiting_consent' : t.status === 'cancelled' ? 'closed' : t.decision === 'CONSENT' ? 'consented' : 'refused',
      thirdPartyOrg: t.context?.thirdPartyOrg ?? '',
      thirdPartyName: t.context?.thirdPartyName ?? null,
      purpose: t.context?.purpose ?? '',
      fields: t.context?.fields ?? [],
      reason: t.reason,
      askedAt: new Date(t.createdAt).toISOString(),
    })),
  };
}

/** Where the provider's request to end a grant stands: awaiting the city authority, or its answer (Art. 14). */
function revocationView(t: RevocationTask | null): GrantView['revocation'] {
  if (!t) return null;
  const status = t.status === 'open' ? 'awaiting_consent' : t.status === 'cancelled' ? 'closed' : t.decision === 'CONSENT' ? 'consented' : 'refused';
  return {
    taskId: t.id,
    status,
    ground: t.context?.revocationGround ?? '',
    reason: t.context?.revocationReason ?? '',
    requestedBy: t.context?.requestedBy ?? null,
    answer: t.reason,
    effectiveAt: t.effectiveAt ? new Date(t.effectiveAt).toISOString() : null,
  };
}

export function agreementView(a: AgreementRow): AgreementView {
  const t = a.terms;
  return {
    id: a.id,
    requestId: a.request_id,
    caseNumber: a.case_number,
    version: a.version,
    template: t.template,
    status: a.status,
    catalogEntryId: a.catalog_entry_id,
    entryTitle: t.entry.title,
    providerOrg: a.provider_org,
    providerName: t.provider.name,
    licensee: t.licensee,
    fields: t.fields,
    purpose: t.purpose,
    scenario: t.scenario,
    accessMethod: t.accessMethod,
    platformUrl: t.platformUrl,
    securityMeasures: t.securityMeasures,
    conditions: t.conditions,
    termMonths: t.termMonths,
    reportEveryDays: t.reportEveryDays,
    text: a.text,
    sha256: a.sha256,
    signatures: a.signatures,
    createdAt: a.created_at.toISOString(),
    inForceAt: a.in_force_at?.toISOString() ?? null,
    endsAt: a.ends_at?.toISOString() ?? null,
    endedAt: a.ended_at?.toISOString() ?? null,
    endReason: a.end_reason,
  };
}

/** A request as one read gives it: its row, its tasks in the order opened, its grant. */
export type RequestWhole = { row: RequestRow; tasks: TaskReadRow[]; grant: GrantRow | undefined; dispute?: RefusalDisputeRow };

/** One view of a request everywhere (GET, the answer to a POST, a decision, a cancel). */
export function requestView({ row, tasks, grant, dispute }: RequestWhole, actor: Actor): RequestView {
  return {
    id: row.id,
    caseNumber: row.case_number,
    type: row.type,
    status: row.status,
    applicant: { sub: row.applicant_sub, org: row.applicant_org, ...(row.applicant_legal_person ? { legalPerson: row.applicant_legal_person } : {}) },
    catalogEntryId: row.catalog_entry_id,
    payload: row.payload,
    outcome: row.outcome,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    tasks: tasks.map((t) => taskView(t, viewerOf(actor, t, tasks))),
    grant: grant ? grantView(grant) : null,
    ...(dispute ? { refusalDispute: { id: dispute.id, status: dispute.status, caseNumber: dispute.case_number } } : {}),
  };
}

/**
 * The organisations `actor` oversees as a supervisor or an admin (db/repositories/organisations.ts
 * supervisedOrgIds): undefined, every one, only for a platform operator the deployment names.
 */
export function overseenBy({ db, platformOperators }: Pick<ApiDeps, 'db' | 'platformOperators'>, actor: Actor): Promise<string[] | undefined> {
  return supervisedOrgIds(db, actor, platformOperators);
}

/**
 * Whether `actor` is the applicant of the request `row`: its person of its organisation; for one made in a legal
 * person's name, whoever acts for the legal person now (its own account, its current agents), not the sign-in that made it.
 */
export function isApplicantOf(row: RequestRow, actor: Actor): boolean {
  if (row.applicant_legal_person) return actor.org === null && (actor.actsFor ?? []).includes(row.applicant_legal_person);
  return row.applicant_sub === actor.sub && row.applicant_org === actor.org;
}

/**
 * A request the caller may see: their own, one their organisation is party to (typesReadAsParty), one
 * they hold or held a task on, or, for supervisors and admins, one whose applicant or reviewers are
 * organisations they oversee (overseenBy).
 */
export async function visibleRequest(deps: Pick<ApiDeps, 'db' | 'platformOperators'>, actor: Actor, id: string): Promise<RequestWhole> {
  const { db } = deps;
  // Read together: whoever may see the request is shown its tasks and grant too.
  const whole = await getRequestWhole(db, id);
  if (!whole) throw problem('RequestNotFound');
  const { row, tasks } = whole;
  if (isApplicantOf(row, actor)) return whole;
  if (row.applicant_org === actor.org && typesReadAsParty(actor).some((t) => t === row.type)) return whole;
  if (tasks.some((t) => isCandidate(taskAccess(t), actor))) return whole;
  // A delegate (代理): one who decided a task of it in another's stead, or whom a task of it reaches now by a delegation.
  if (tasks.some((t) => t.decided_on_behalf_of !== null && t.decided_by === actor.sub)) return whole;
  if (actor.org !== null) {
    const delegations = await delegationsTo(db, actor, new Date());
    if (tasks.some((t) => delegations.some((d) => d.kinds.includes(t.kind) && isCandidate(taskAccess(t), delegatorOf(d))))) return whole;
  }
  const overseen = await overseenBy(deps, actor);
  if (!overseen || [row.applicant_org, ...tasks.map((t) => t.candidate_org)].some((o) => o !== null && overseen.includes(o))) return whole;
  throw problem('RequestNotFound');
}

export function encodeCursor(values: (string | number)[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

type CursorPart = 'instant' | 'id';
const cursorPartOk: Record<CursorPart, (v: unknown) => boolean> = {
  instant: (v) => typeof v === 'string' && isRealInstant(v),
  id: (v) => typeof v === 'string' && v.length > 0 && v.length <= 500 && isStorableText(v),
};

/** The values of a cursor this API issued, each checked against its part; anything else is a 400. */
export function decodeCursor(cursor: string | undefined, parts: CursorPart[]): string[] | null {
  if (!cursor) return null;
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === parts.length && v.every((x, i) => cursorPartOk[parts[i]](x))) return v as string[];
  } catch {
    // fall through to the problem below
  }
  throw new ProblemError('InvalidInput', 'cursor is not one this API issued', [
    { field: 'querystring.cursor', rule: 'cursor', message: 'cursor is not one this API issued' },
  ]);
}

/**
 * What the workflow is given with a delegate's decision (代理): the delegation as in force now (ended early: its end is
 * then) and the delegator as the directory knows them.
 */
export function proofOf(d: DelegationInForce): DelegationProof {
  const end = d.revoked_at && d.revoked_at < d.ends_at ? d.revoked_at : d.ends_at;
  return { id: d.id, delegator: delegatorOf(d), startsAt: d.starts_at.toISOString(), endsAt: end.toISOString(), kinds: d.kinds };
}

/**
 * The delegation in force now by which `row`'s task reaches `actor` (代理): its kind covered, its delegator a candidate
 * of it, and the task open or decided by `actor`: a delegate stands in for deciding, not for reading the delegator's
 * closed work. A delegate who is a party to the matter still sees the task (deciding it is refused, naming why).
 * `deciding`: a decision on the task reaches it closed too, so that a delegate who decides as another decision lands
 * (twenty browsers at once) is told it is no longer open (TaskNotOpen), as its delegator would be, not that it is unknown.
 */
export async function delegationReaching(
  db: Db,
  actor: Actor,
  row: TaskRow & { decided_by: string | null },
  applicantSub: string,
  deciding = false,
): Promise<DelegationInForce | undefined> {
  if (!deciding && row.status !== 'open' && row.decided_by !== actor.sub) return undefined;
  const now = new Date();
  return delegationAmong(await delegationsTo(db, actor, now), actor, row, applicantSub, now, deciding);
}

/** `delegationReaching` among delegations already read (`delegationsToAny`: one statement for many people). */
export function delegationAmong(
  delegations: DelegationInForce[],
  actor: Actor,
  row: TaskRow & { decided_by: string | null },
  applicantSub: string,
  now: Date,
  deciding = false,
): DelegationInForce | undefined {
  if (!deciding && row.status !== 'open' && row.decided_by !== actor.sub) return undefined;
  return delegations.find(
    (d) => d.delegate === actor.sub && d.org === actor.org && onBehalfViolation(taskAccess(row), actor, proofOf(d), applicantSub, now) !== 'NotCandidate',
  );
}
