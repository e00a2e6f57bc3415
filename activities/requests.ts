// Read-model side of every request's life: submission, status transitions, failure. Effect and audit share a transaction.
import { ApplicationFailure } from '@temporalio/activity';
import { sql } from 'kysely';
import type { Db, Executor } from '../db';
import { appendAudit, auditRow, auditSelect, type AuditInput } from '../db/repositories/audit';
import { getCatalogEntry } from '../db/repositories/catalog';
import { noticeRow, noticeSelect, notify, requestRef, withRequestRef, type NotificationInput } from '../db/repositories/notifications';
import { authorityOf, getOrganisation } from '../db/repositories/organisations';
import { requestFailedNotice, requestFailedSupervisorNotice, requestStatusNotice } from '../domain/notices';
import { PROCEDURES } from '../domain/procedures';
import { caseCodeOf, type RequestStatus } from '../domain/requests';
import { storable } from '../domain/text';
import { SYSTEM, type ActorRef } from '../domain/types';
import { columnsOf, writeAsOne, type OrderedTrail } from './write';

export interface RecordRequestInput {
  requestId: string;
  workflowId: string;
  type: string;
  applicant: ActorRef;
  catalogEntryId: string | null;
  payload: Record<string, unknown>;
  payloadHash: string;
  submissionId?: string;
  article: string;
  /** The legal person (USCC) in whose name an authorised agent applied. */
  legalPerson?: string;
}

export interface TransitionInput {
  requestId: string;
  /** Unique per workflow step, so a retried activity records the transition once. */
  step: string;
  actor: ActorRef;
  status: RequestStatus;
  action: string;
  article: string;
  reason?: string | null;
  decision?: string | null;
  outcome?: Record<string, unknown> | null;
  /** What the request now asks, when this step changes it (a resubmitted adjustment). */
  payload?: Record<string, unknown>;
}

export interface FailRequestInput extends RecordRequestInput {
  reason: string;
}

/**
 * A status change's audit event and the applicant's notice, as every way of writing one records them;
 * `from`, `applicantSub` and `type` are what the request's row says (transition reads them in its statement); a request
 * made in a legal person's name (`legalPerson`) tells the legal person.
 */
export function transitionTrail(
  t: TransitionInput,
  from: RequestStatus | null,
  applicantSub: string | null,
  legalPerson?: string,
  type?: string,
): { audit: AuditInput; notice: NotificationInput } {
  const key = `request:${t.requestId}:${t.step}`;
  return {
    audit: {
      eventKey: key,
      requestId: t.requestId,
      actor: t.actor,
      action: t.action,
      article: t.article,
      decision: t.decision,
      reason: t.reason,
      oldValue: { status: from },
      newValue: { status: t.status, ...(t.outcome ? { outcome: t.outcome } : {}) },
    },
    notice: {
      key,
      to: legalPerson ? { legalPerson } : { user: applicantSub },
      kind: 'request_status',
      requestId: t.requestId,
      message: requestStatusNotice({ ...t, type }),
    },
  };
}

/**
 * A request's status changes once per workflow step: the change, its audit event (with the status it
 * replaces, read under lock), the applicant told. One statement, so one round trip; a retried step
 * finds its event written and changes nothing.
 */
export async function transition(tx: Executor, t: TransitionInput): Promise<void> {
  const trail = transitionTrail(t, null, null);
  const e = auditRow(trail.audit);
  const n = noticeRow(trail.notice);
  // The status in the words of the request's procedure, where it has its own (read in the statement, as the type is).
  const own = PROCEDURES.flatMap((p) => {
    const m = requestStatusNotice({ ...t, type: p.type });
    return m === n.message ? [] : [sql`when ${p.type} then ${m}`];
  });
  const message = own.length ? sql<string>`case ${sql.ref('changed.type')} ${sql.join(own, sql` `)} else ${n.message} end` : sql.val(n.message);
  const found = await tx
    .with('before', (q) => q.selectFrom('requests').select(['id', 'status', 'applicant_sub']).where('id', '=', t.requestId).forUpdate())
    .with('logged', (q) =>
      q
        .insertInto('audit_events')
        .columns(columnsOf(e))
        // The status it replaces, as read under lock.
        .expression((eb) =>
          eb
            .selectFrom('before')
            .select(auditSelect(e, { request_id: sql.ref('before.id'), old_value: sql`jsonb_build_object('status', ${sql.ref('before.status')})` })),
        )
        .onConflict((oc) => oc.column('event_key').doNothing())
        .returning('request_id'),
    )
    .with('changed', (q) =>
      q
        .updateTable('requests')
        .set({
          status: t.status,
          updated_at: new Date(),
          ...(t.outcome !== undefined ? { outcome: JSON.stringify(t.outcome) } : {}),
          ...(t.payload ? { payload: JSON.stringify(t.payload) } : {}),
        })
        .where('id', 'in', (eb) => eb.selectFrom('logged').select('logged.request_id'))
        .returning(['id', 'type', 'applicant_sub', 'applicant_legal_person']),
    )
    .with('told', (q) =>
      q
        .insertInto('notifications')
        .columns(columnsOf(n))
        // The applicant is told: the legal person, when the request is made in its name (its agents read it).
        .expression((eb) =>
          eb.selectFrom('changed').select(
            noticeSelect(n, {
              recipient_user: sql`case when ${sql.ref('changed.applicant_legal_person')} is null then ${sql.ref('changed.applicant_sub')} end`,
              recipient_legal_person: sql.ref('changed.applicant_legal_person'),
              message: withRequestRef(message, requestRef(sql.ref('changed.id'))),
            }),
          ),
        )
        .onConflict((oc) => oc.column('notification_key').doNothing()),
    )
    .selectFrom('before')
    .select('before.id')
    .executeTakeFirst();
  if (!found) throw ApplicationFailure.nonRetryable(`request ${t.requestId} has no read model`, 'RequestNotFound');
}

/**
 * The case number a request's first write draws (migration 018's next_case_number): `caseRegion`'s, the procedure's
 * and the day's next. Drawn in the insert itself, so the number is the row's from its first moment; a retried insert
 * that finds the row keeps the row's number (the one it drew is a gap).
 */
const nextCaseNumber = (caseRegion: string, type: string) => sql<string>`next_case_number(${caseRegion}, ${caseCodeOf(type)})`;

/**
 * A request's row (once, by id) with `status` and its case number (in `caseRegion`), and its `submitted` event: the
 * parts of the statement that records it (recordRequestIn, or openRound with its first round).
 */
export function requestParts(
  db: Db | Executor,
  r: RecordRequestInput,
  caseRegion: string,
  status: RequestStatus = 'submitted',
  outcome?: Record<string, unknown> | null,
) {
  const effect = db
    .insertInto('requests')
    .values({
      id: r.requestId,
      type: r.type,
      workflow_id: r.workflowId,
      applicant_sub: r.applicant.sub,
      applicant_org: r.applicant.org,
      catalog_entry_id: r.catalogEntryId,
      status,
      payload: JSON.stringify(r.payload),
      payload_hash: r.payloadHash,
      submission_id: r.submissionId ?? null,
      case_number: nextCaseNumber(caseRegion, r.type),
      ...(r.legalPerson ? { applicant_legal_person: r.legalPerson } : {}),
      ...(outcome ? { outcome: JSON.stringify(outcome) } : {}),
    })
    .onConflict((oc) => oc.column('id').doNothing())
    // The key, and what a notice names the request by (writeAsOne's `recorded`).
    .returning(['id as key', 'id', 'case_number', 'catalog_entry_id']);
  const trail: OrderedTrail = [
    [
      r.requestId,
      {
        audit: [
          {
            eventKey: `request:${r.requestId}:submitted`,
            requestId: r.requestId,
            actor: r.applicant,
            action: 'submitted',
            article: r.article,
            newValue: { status: 'submitted', payload: r.payload },
          },
        ],
      },
    ],
  ];
  return { effect, trail };
}

/** Records a request as submitted (once, by id) with its case number and audit event, in one statement. */
export async function recordRequestIn(db: Db | Executor, r: RecordRequestInput, caseRegion: string): Promise<void> {
  const { effect, trail } = requestParts(db, r, caseRegion);
  await writeAsOne(db, [effect], trail, 0);
}

export function requestActivities(db: Db, caseRegion: string) {
  return {
    async recordRequest(r: RecordRequestInput): Promise<void> {
      await recordRequestIn(db, r, caseRegion);
    },

    /**
     * A request whose effect cannot be written ends here, visibly: the row (created from a sanitised copy
     * when even that was refused), status failed with the reason, open tasks cancelled, the applicant
     * and the supervisor of the applicant's level told.
     */
    async failRequest(f: FailRequestInput): Promise<void> {
      const reason = storable(f.reason).slice(0, 2000);
      await db.transaction().execute(async (tx) => {
        const entry = f.catalogEntryId ? await getCatalogEntry(tx, f.catalogEntryId) : undefined;
        await tx
          .insertInto('requests')
          .values({
            id: f.requestId,
            type: f.type,
            workflow_id: f.workflowId,
            applicant_sub: storable(f.applicant.sub),
            applicant_org: f.applicant.org === null ? null : storable(f.applicant.org),
            catalog_entry_id: entry?.id ?? null,
            status: 'submitted',
            payload: JSON.stringify(storable(f.payload)),
            payload_hash: f.payloadHash,
            submission_id: f.submissionId ?? null,
            case_number: nextCaseNumber(caseRegion, f.type),
          })
          .onConflict((oc) => oc.column('id').doNothing())
          .execute();
        const before = await tx
          .selectFrom('requests')
          .select(['status', 'applicant_sub', 'applicant_org'])
          .where('id', '=', f.requestId)
          .forUpdate()
          .executeTakeFirstOrThrow();
        const fresh = await appendAudit(tx, {
          eventKey: `request:${f.requestId}:failed`,
          requestId: f.requestId,
          actor: SYSTEM,
          action: 'request_failed',
          article: 'Art. 29',
          reason,
          oldValue: { status: before.status },
          newValue: { status: 'failed' },
        });
        if (!fresh) return;
        await tx
          .updateTable('requests')
          .set({ status: 'failed', updated_at: new Date(), outcome: JSON.stringify({ article: 'Art. 29', reason }) })
          .where('id', '=', f.requestId)
          .execute();
        await tx
          .updateTable('tasks')
          .set({ status: 'cancelled', reason: 'the request failed', completed_at: new Date() })
          .where('request_id', '=', f.requestId)
          .where('status', '=', 'open')
          .execute();
        await notify(tx, {
          key: `request:${f.requestId}:failed:applicant`,
          to: { user: before.applicant_sub },
          kind: 'request_status',
          requestId: f.requestId,
          message: requestFailedNotice(reason),
        });
        const org = before.applicant_org ? await getOrganisation(tx, before.applicant_org) : undefined;
        const supervision = org && (await authorityOf(tx, org.region, org.division));
        if (supervision)
          await notify(tx, {
            key: `request:${f.requestId}:failed:supervisor`,
            to: { org: supervision.id, role: 'supervisor' },
            kind: 'request_failed',
            requestId: f.requestId,
            message: requestFailedSupervisorNotice(org.name, reason),
          });
      });
    },

    async transitionRequest(t: TransitionInput): Promise<void> {
      // One statement: atomic on its own, no transaction around it.
      await transition(db, t);
    },
  };
}
