// Requests of every procedure: list and read one's requests, their history, cancel.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { listAudit } from '../../db/repositories/audit';
import { listOwnRequests, requestIdByNumber } from '../../db/repositories/requests';
import { CANCELLABLE, REQUEST_STATUSES, REQUEST_TYPES, typesReadAsParty } from '../../domain/requests';
import { cancelRequestUpdate } from '../../workflows/definitions';
import { problem, ProblemError } from '../problem';
import { IdParams, Page } from '../schemas/common';
import { CancelBody, CaseNumber, HistorySchema, RequestSchema, RequestSummarySchema } from '../schemas/requests';
import { updateRequest } from '../engine';
import type { ApiDeps } from '../types';
import { decodeCursor, encodeCursor, eventViewer, isApplicantOf, requestView, visibleRequest } from '../views';
import { logCase } from '../logging';
import type { RequestRow } from '../../db/schema';
import { procedureView } from '../procedures';
import { taskDisclosure } from '../../domain/tasks';
import type { Actor } from '../../domain/types';

/** The applicant of a request acts as that applicant: the same person, of the same organisation, in an applicant role. */
function isApplicant(row: RequestRow, actor: Actor): boolean {
  return isApplicantOf(row, actor) && actor.roles.some((r) => r === 'agency_applicant' || r === 'public_applicant');
}

/** An audit value without the names of persons (assignees) and working forms. */
function withoutPersonal(v: unknown): unknown {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
  return Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'assignee' && k !== 'form' && k !== 'onBehalfOf'));
}

/** A request as lists show it. */
const summaryOf = (r: RequestRow) => ({
  id: r.id,
  caseNumber: r.case_number,
  type: r.type,
  status: r.status,
  catalogEntryId: r.catalog_entry_id,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

export const requestRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const { db } = deps;

  /** The request numbered `number` if `actor` may read it (visibleRequest), else undefined: one not seen is as absent as none. */
  async function requestNumbered(number: string, actor: Actor): Promise<RequestRow | undefined> {
    const id = await requestIdByNumber(db, number);
    if (!id) return undefined;
    try {
      return (await visibleRequest(deps, actor, id)).row;
    } catch (err) {
      if (err instanceof ProblemError && err.code === 'RequestNotFound') return undefined;
      throw err;
    }
  }

  app.get(
    '/requests',
    {
      schema: {
        tags: ['requests'],
        summary:
          "The caller's own requests, and those their organisation is party to (an authority's disputes), newest first; with `number`, the one request of that case number if the caller may see it",
        querystring: Type.Object({
          number: Type.Optional(CaseNumber),
          type: Type.Optional(Type.Union(REQUEST_TYPES.map((t) => Type.Literal(t)))),
          status: Type.Optional(Type.Union(REQUEST_STATUSES.map((s) => Type.Literal(s)))),
          cursor: Type.Optional(Type.String({ maxLength: 500 })),
          limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
        }),
        response: { 200: Page(RequestSummarySchema) },
      },
    },
    async (request) => {
      const { number, type, status, cursor, limit } = request.query;
      if (number !== undefined) {
        // By case number: whoever may read the request finds it (its reviewers and overseers too), anyone else nothing.
        const found = await requestNumbered(number, request.actor);
        if (found) logCase(request, found);
        const items = found && (!type || found.type === type) && (!status || found.status === status) ? [summaryOf(found)] : [];
        return { items, nextCursor: null };
      }
      const after = decodeCursor(cursor, ['instant', 'id']);
      const rows = await listOwnRequests(db, request.actor, {
        type,
        status,
        partyTypes: typesReadAsParty(request.actor),
        after: after && [after[0], after[1]],
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        items: page.map(summaryOf),
        nextCursor: rows.length > limit ? encodeCursor([last.created_at_exact, last.id]) : null,
      };
    },
  );

  app.get(
    '/requests/:id',
    { schema: { tags: ['requests'], summary: 'A request: state, tasks, grant', params: IdParams, response: { 200: RequestSchema } } },
    async (request) => {
      const whole = await visibleRequest(deps, request.actor, request.params.id);
      logCase(request, whole.row);
      // What the request's own procedure adds that only the database can tell (ProcedureApi.view).
      return { ...requestView(whole, request.actor), ...(await procedureView(deps, whole)) };
    },
  );

  app.get(
    '/requests/:id/history',
    { schema: { tags: ['requests'], summary: 'The audit trail of a request (Art. 29)', params: IdParams, response: { 200: HistorySchema } } },
    async (request) => {
      const { actor } = request;
      const { row, tasks } = await visibleRequest(deps, actor, request.params.id);
      logCase(request, row);
      const events = await listAudit(db, row.id);
      const own = (e: (typeof events)[number]) => e.actor_sub === actor.sub || e.actor_role === 'system';
      // A delegate's act (代理) names whom it was for, to whoever may see who acted: "X 代 Y".
      const onBehalf = (e: (typeof events)[number], shown: boolean) => {
        const of = (e.new_value as { onBehalfOf?: unknown } | null)?.onBehalfOf;
        return shown && typeof of === 'string' ? { onBehalfOf: of } : {};
      };
      return {
        items: events
          .map((e) => ({ e, show: taskDisclosure(eventViewer(actor, tasks, e.task_id)) }))
          .map(({ e, show }) => ({
            at: e.at.toISOString(),
            action: e.action,
            actor: { sub: show.decidedBy || own(e) ? e.actor_sub : null, org: e.actor_org, role: e.actor_role, ...onBehalf(e, show.decidedBy || own(e)) },
            taskId: e.task_id,
            decision: e.decision,
            reason: e.reason,
            article: e.article,
            oldValue: show.assignee ? e.old_value : withoutPersonal(e.old_value),
            newValue: show.form ? e.new_value : withoutPersonal(e.new_value),
          })),
      };
    },
  );

  app.post(
    '/requests/:id/cancel',
    {
      schema: {
        tags: ['requests'],
        summary: 'Withdraw one’s own request; its open tasks are cancelled',
        params: IdParams,
        body: CancelBody,
        response: { 200: RequestSchema },
      },
      // `curl -X POST` sends no body at all: that is a cancel without a reason.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) => {
      const { actor } = request;
      const { row } = await visibleRequest(deps, actor, request.params.id);
      logCase(request, row);
      if (!isApplicant(row, actor)) throw problem('Forbidden', 'Only the applicant may cancel the request');
      if (!(CANCELLABLE as readonly string[]).includes(row.status)) throw problem('RequestNotActive', `The request is ${row.status}`);
      await updateRequest(deps, row.workflow_id, cancelRequestUpdate, [{ actor, reason: request.body.reason }]);
      return requestView(await visibleRequest(deps, actor, row.id), actor);
    },
  );
};
