// Requests: submit a share request, list and read one's requests, their history, cancel.
import { createHash, randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { listAudit } from '../../db/repositories/audit';
import { getCatalogEntry } from '../../db/repositories/catalog';
import { getOrganisation } from '../../db/repositories/organisations';
import { CANCELLABLE, REQUEST_STATUSES, REQUEST_TYPES } from '../../domain/requests';
import { mayRequestShare, shareRequestViolations, type ShareRequestForm } from '../../domain/share';
import { awaitSubmittedUpdate, cancelRequestUpdate, workflowIdFor, WORKFLOW_TYPES, type ShareRequestInput } from '../../workflows/definitions';
import { requireRole } from '../auth';
import { invalid, problem, withinDeadline } from '../problem';
import type { ApiDeps, App } from '../types';
import { decodeCursor, encodeCursor, eventViewer, requestView, visibleRequest } from '../views';
import type { RequestRow } from '../../db/schema';
import { taskDisclosure } from '../../domain/tasks';
import type { Actor } from '../../domain/types';

const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });

const ShareRequestBody = Type.Object(
  {
    catalogEntryId: Type.String({ minLength: 1, maxLength: 200, description: 'The catalog entry whose data is requested' }),
    scenario: Type.String({ minLength: 1, maxLength: 4000, description: 'Application scenario (应用场景, Art. 15)' }),
    statutoryDuty: Type.String({ minLength: 1, maxLength: 4000, description: 'The statutory duty or public service it serves (Art. 15)' }),
    fields: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 200, uniqueItems: true })),
    commitment: Type.Object(
      { authenticity: Type.Boolean(), compliance: Type.Boolean(), security: Type.Boolean() },
      { additionalProperties: false, description: 'Commitment to authenticity, compliance and security (Art. 15); each must be true' },
    ),
  },
  { additionalProperties: false },
);

const SHARE_ARTICLES = { scenario: 'Art. 15', statutoryDuty: 'Art. 15', commitment: 'Art. 15' };

/** Stable JSON: the same body always hashes the same, whatever its key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** A retried POST with the same Idempotency-Key names the same request (and so the same workflow). */
function requestIdFor(sub: string, key: string | undefined): string {
  if (!key) return randomUUID();
  const h = createHash('sha256').update(`${sub}\n${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The applicant of a request acts as that applicant: the same person, of the same organisation, in an applicant role. */
function isApplicant(row: RequestRow, actor: Actor): boolean {
  return row.applicant_sub === actor.sub && row.applicant_org === actor.org && actor.roles.some((r) => r === 'agency_applicant' || r === 'public_applicant');
}

/** An audit value without the names of persons (assignees) and working forms. */
function withoutPersonal(v: unknown): unknown {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
  return Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'assignee' && k !== 'form'));
}

export function requestRoutes(app: App, deps: ApiDeps): void {
  const { db, temporal } = deps;

  app.post(
    '/share-requests',
    {
      schema: {
        tags: ['requests'],
        summary: 'Request shared data of a catalog entry (Art. 14–15)',
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }),
        body: ShareRequestBody,
      },
      config: { articles: SHARE_ARTICLES },
    },
    async (request, reply) => {
      requireRole(request, 'agency_applicant');
      const actor = request.actor;
      const org = await getOrganisation(db, actor.org);
      if (!mayRequestShare(org?.kind)) throw problem('Forbidden', 'Only a public management and service institution may request shared data (Art. 3, 14)', 'Art. 14');
      const form = request.body as ShareRequestForm;
      const violations = shareRequestViolations(form, await getCatalogEntry(db, form.catalogEntryId));
      if (violations.length) throw invalid(violations);

      const key = request.headers['idempotency-key'] as string | undefined;
      const requestId = requestIdFor(actor.sub, key);
      const payloadHash = createHash('sha256').update(canonical(form)).digest('hex');
      const reused = () => problem('IdempotencyKeyReused', 'This Idempotency-Key was already used for a different request body');
      const existing = await db.selectFrom('requests').selectAll().where('id', '=', requestId).executeTakeFirst();
      if (existing && existing.payload_hash !== payloadHash) throw reused();
      // Of several POSTs racing with one key, the one whose submission id the workflow kept created it.
      const submissionId = randomUUID();
      // A request still in its first step (e.g. the first POST timed out) is waited for like a new one.
      if (!existing || existing.status === 'submitted') {
        const input: ShareRequestInput = { requestId, submissionId, applicant: actor, form, payloadHash, policy: deps.sharePolicy };
        // Start and first Update in one call: the answer waits for the first step (granted, refused or
        // in review) even when that step ends the workflow at once. A retry joins the running
        // workflow; a finished one is never started again.
        try {
          await withinDeadline(
            deps,
            temporal.workflow.executeUpdateWithStart(awaitSubmittedUpdate, {
              startWorkflowOperation: new WithStartWorkflowOperation(WORKFLOW_TYPES.share, {
                workflowId: workflowIdFor('share', requestId),
                taskQueue: deps.taskQueue,
                args: [input],
                workflowIdConflictPolicy: 'USE_EXISTING',
                workflowIdReusePolicy: 'REJECT_DUPLICATE',
              }),
            }),
          );
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        }
      }
      const row = await db.selectFrom('requests').selectAll().where('id', '=', requestId).executeTakeFirst();
      if (!row) throw problem('RequestNotActive', 'The request under this Idempotency-Key could not be submitted; use a new key');
      if (row.payload_hash !== payloadHash) throw reused();
      return reply
        .code(row.submission_id === submissionId ? 201 : 200)
        .header('location', `/requests/${requestId}`)
        .send(await requestView(db, row, actor));
    },
  );

  app.get(
    '/requests',
    {
      schema: {
        tags: ['requests'],
        summary: "The caller's own requests, newest first",
        querystring: Type.Object({
          type: Type.Optional(Type.Union(REQUEST_TYPES.map((t) => Type.Literal(t)))),
          status: Type.Optional(Type.Union(REQUEST_STATUSES.map((s) => Type.Literal(s)))),
          cursor: Type.Optional(Type.String({ maxLength: 500 })),
          limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
        }),
      },
    },
    async (request) => {
      const { type, status, cursor, limit } = request.query;
      const after = decodeCursor(cursor, ['seq']);
      let q = db.selectFrom('requests').selectAll().where('applicant_sub', '=', request.actor.sub).where('applicant_org', '=', request.actor.org);
      if (type) q = q.where('type', '=', type);
      if (status) q = q.where('status', '=', status);
      if (after) q = q.where('seq', '<', after[0]);
      const rows = await q.orderBy('seq', 'desc').limit(limit + 1).execute();
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        items: page.map((r) => ({ id: r.id, type: r.type, status: r.status, catalogEntryId: r.catalog_entry_id, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString() })),
        nextCursor: rows.length > limit ? encodeCursor([last.seq]) : null,
      };
    },
  );

  app.get('/requests/:id', { schema: { tags: ['requests'], summary: 'A request: state, tasks, grant', params: Id } }, async (request) =>
    requestView(db, await visibleRequest(db, request.actor, request.params.id), request.actor),
  );

  app.get('/requests/:id/history', { schema: { tags: ['requests'], summary: 'The audit trail of a request (Art. 29)', params: Id } }, async (request) => {
    const { actor } = request;
    const row = await visibleRequest(db, actor, request.params.id);
    const [events, tasks] = await Promise.all([listAudit(db, row.id), db.selectFrom('tasks').selectAll().where('request_id', '=', row.id).execute()]);
    const own = (e: (typeof events)[number]) => e.actor_sub === actor.sub || e.actor_role === 'system';
    return {
      items: events.map((e) => ({ e, show: taskDisclosure(eventViewer(actor, tasks, e.task_id)) })).map(({ e, show }) => ({
        at: e.at.toISOString(),
        action: e.action,
        actor: { sub: show.decidedBy || own(e) ? e.actor_sub : null, org: e.actor_org, role: e.actor_role },
        taskId: e.task_id,
        decision: e.decision,
        reason: e.reason,
        article: e.article,
        oldValue: show.assignee ? e.old_value : withoutPersonal(e.old_value),
        newValue: show.form ? e.new_value : withoutPersonal(e.new_value),
      })),
    };
  });

  app.post(
    '/requests/:id/cancel',
    {
      schema: {
        tags: ['requests'],
        summary: 'Withdraw one’s own request; its open tasks are cancelled',
        params: Id,
        body: Type.Object({ reason: Type.Optional(Type.String({ maxLength: 4000 })) }, { additionalProperties: false }),
      },
      // `curl -X POST` sends no body at all: that is a cancel without a reason.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) => {
      const { actor } = request;
      const row = await visibleRequest(db, actor, request.params.id);
      if (!isApplicant(row, actor)) throw problem('Forbidden', 'Only the applicant may cancel the request');
      if (!(CANCELLABLE as readonly string[]).includes(row.status)) throw problem('RequestNotActive', `The request is ${row.status}`);
      await withinDeadline(deps, temporal.workflow.getHandle(row.workflow_id).executeUpdate(cancelRequestUpdate, { args: [{ actor, reason: request.body.reason }] }));
      return requestView(db, await visibleRequest(db, actor, row.id), actor);
    },
  );
}
