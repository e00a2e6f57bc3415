// The task inbox and the actions on a task. Decisions go to the workflow as the completeTask Update.
import { Type } from '@sinclair/typebox';
import { inboxQuery, overdueQuery } from '../../db/repositories/tasks';
import type { Actor } from '../../domain/types';
import { claimViolation, decideViolation, isCandidate } from '../../domain/tasks';
import { claimTaskUpdate, completeTaskUpdate } from '../../workflows/definitions';
import { getOrganisation } from '../../db/repositories/organisations';
import { requireRole } from '../auth';
import { problem, withinDeadline } from '../problem';
import type { ApiDeps, App } from '../types';
import { decodeCursor, encodeCursor, taskAccess, taskView } from '../views';

const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 300 }) });

export function taskRoutes(app: App, deps: ApiDeps): void {
  const { db, temporal } = deps;

  /** The task as the caller may see it: another organisation's task does not exist for them. */
  async function visibleTask(actor: Actor, id: string) {
    const row = await db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || row.candidate_org !== actor.org || (row.candidate_user !== null && row.candidate_user !== actor.sub)) throw problem('TaskNotFound');
    return row;
  }

  app.get(
    '/tasks',
    {
      schema: {
        tags: ['tasks'],
        summary: "The caller's inbox: tasks for their roles in their organisation, by due time",
        querystring: Type.Object({
          status: Type.Union([Type.Literal('open'), Type.Literal('completed'), Type.Literal('cancelled')], { default: 'open' }),
          kind: Type.Optional(Type.String({ maxLength: 100 })),
          dueBefore: Type.Optional(Type.String({ format: 'date-time' })),
          dueAfter: Type.Optional(Type.String({ format: 'date-time' })),
          overdue: Type.Optional(Type.Boolean()),
          cursor: Type.Optional(Type.String({ maxLength: 500 })),
          limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
        }),
      },
    },
    async (request) => {
      const { actor } = request;
      const { status, kind, dueBefore, dueAfter, overdue, cursor, limit } = request.query;
      const after = decodeCursor(cursor, 2);
      const rows = await inboxQuery(db, actor, {
        status,
        kind,
        dueBefore: dueBefore ? new Date(dueBefore) : undefined,
        dueAfter: dueAfter ? new Date(dueAfter) : undefined,
        overdue,
        after: after && [new Date(after[0]), after[1]],
        limit: limit + 1,
      }).execute();
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return { items: page.map(taskView), nextCursor: rows.length > limit ? encodeCursor([last.due_at.toISOString(), last.id]) : null };
    },
  );

  app.get(
    '/overdue-tasks',
    {
      schema: {
        tags: ['supervision'],
        summary: 'Open tasks past their due time in the supervisor’s region, longest overdue first (Art. 32)',
        querystring: Type.Object({
          candidateOrg: Type.Optional(Type.String({ maxLength: 200 })),
          kind: Type.Optional(Type.String({ maxLength: 100 })),
          cursor: Type.Optional(Type.String({ maxLength: 500 })),
          limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
        }),
      },
    },
    async (request) => {
      requireRole(request, 'supervisor', 'admin');
      const { candidateOrg, kind, cursor, limit } = request.query;
      const after = decodeCursor(cursor, 2);
      const own = await getOrganisation(db, request.actor.org);
      const regionOrgs = request.actor.roles.includes('admin')
        ? undefined
        : (await db.selectFrom('organisations').select('id').where('region', '=', own?.region ?? '').execute()).map((o) => o.id);
      const orgs = candidateOrg ? (regionOrgs && !regionOrgs.includes(candidateOrg) ? [] : [candidateOrg]) : regionOrgs;
      const now = new Date();
      const rows = await overdueQuery(db, { now, candidateOrgs: orgs, kind, after: after && [new Date(after[0]), after[1]], limit: limit + 1 }).execute();
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        items: page.map((r) => ({ ...taskView(r), hoursOverdue: Math.floor((now.getTime() - r.due_at.getTime()) / 3_600_000) })),
        nextCursor: rows.length > limit ? encodeCursor([last.due_at.toISOString(), last.id]) : null,
      };
    },
  );

  app.get('/tasks/:id', { schema: { tags: ['tasks'], summary: 'One task', params: Id } }, async (request) => {
    const row = await visibleTask(request.actor, request.params.id);
    if (!isCandidate(taskAccess(row), request.actor)) throw problem('NotCandidate');
    return taskView(row);
  });

  for (const claim of [true, false]) {
    app.post(
      `/tasks/:id/${claim ? 'claim' : 'unclaim'}`,
      { schema: { tags: ['tasks'], summary: claim ? 'Take a task as its assignee' : 'Give a claimed task back to its candidates', params: Id } },
      async (request) => {
        const row = await visibleTask(request.actor, request.params.id);
        const violation = claimViolation(taskAccess(row), request.actor, claim);
        if (violation) throw problem(violation);
        return withinDeadline(deps, temporal.workflow.getHandle(row.workflow_id).executeUpdate(claimTaskUpdate, { args: [{ taskId: row.id, actor: request.actor, claim }] }));
      },
    );
  }

  app.post(
    '/tasks/:id/complete',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Decide a task; answers with the request state after the decision',
        params: Id,
        body: Type.Object(
          {
            decision: Type.String({ minLength: 1, maxLength: 50 }),
            reason: Type.Optional(Type.String({ maxLength: 8000 })),
            form: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const { actor } = request;
      const row = await visibleTask(actor, request.params.id);
      const req = await db.selectFrom('requests').select('applicant_sub').where('id', '=', row.request_id).executeTakeFirstOrThrow();
      const { decision, reason, form } = request.body;
      const violation = decideViolation(taskAccess(row), actor, req.applicant_sub, decision, reason);
      if (violation === 'DecisionNotAllowed') throw problem(violation, `Allowed decisions: ${taskView(row).allowedDecisions.join(', ')}`);
      if (violation === 'ReasonRequired') throw problem(violation, `A ${decision} decision must state its reason (${row.article})`, row.article);
      if (violation) throw problem(violation);
      return withinDeadline(deps, temporal.workflow.getHandle(row.workflow_id).executeUpdate(completeTaskUpdate, { args: [{ taskId: row.id, actor, decision, reason, form }] }));
    },
  );
}
