// The task inbox and the actions on a task. Decisions go to the workflow as the completeTask Update.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { UpdateDefinition } from '@temporalio/common';
import type { RequestSnapshot } from '../../domain/requests';
import { getRequestWhole, getTaskWithApplicant } from '../../db/repositories/requests';
import { inboxQuery, organisationTaskCounts, organisationTasksQuery, overdueQuery, urgeTask } from '../../db/repositories/tasks';
import { getOrganisation } from '../../db/repositories/organisations';
import { delegationsTo, delegatorOf, type DelegationInForce } from '../../db/repositories/delegations';
import { delegatedDecideViolation, type DelegationProof } from '../../domain/delegations';
import { REQUEST_TYPES, type RequestType } from '../../domain/requests';
import { candidatePeople, findPerson } from '../../db/repositories/people';
import { MAX_FORM_BYTES, MAX_FORM_NODES, unstorable } from '../../domain/text';
import type { Actor, OrgActor } from '../../domain/types';
import {
  assigneeViolation,
  claimViolation,
  decideViolation,
  excludedActors,
  extendViolation,
  isCandidate,
  procedureViolation,
  reassignViolation,
  releaseViolation,
  supervisesTasks,
  DEFAULT_URGE_INTERVAL,
  REQUEST_TYPE_OF_KIND,
  urgeViolation,
} from '../../domain/tasks';
import type { ReviewTaskState } from '../../domain/procedure';
import { claimTaskUpdate, completeTaskUpdate, extendTaskUpdate, reassignTaskUpdate } from '../../workflows/definitions';
import type { TaskReadRow } from '../../db/schema';
import { requireRole } from '../auth';
import { decisionApi } from '../procedures';
import { checkJson } from '../validation';
import { engineRetryable, fromTemporal, invalid, problem, problemBody, ProblemError, refusal } from '../problem';
import { DerivedIdParams, IdParams, Page } from '../schemas/common';
import { RequestSchema } from '../schemas/requests';
import { BulkCompleteBody, BulkCompleteResult } from '../schemas/bulk-decisions';
import { CompleteBody, ExtendBody, OrganisationTasksSchema, OverdueTaskSchema, PersonSchema, ReassignBody, TaskSchema, UrgeBody } from '../schemas/tasks';
import { updateRequest } from '../engine';
import type { ApiDeps } from '../types';
import { decodeCursor, delegationReaching, encodeCursor, overseenBy, proofOf, requestView, taskAccess, taskView } from '../views';
import { logCase } from '../logging';

/** A reason the rule asks for is missing: a 400 naming the body's reason, so a form shows it at that field. */
/** How many of a bulk decision's tasks go to their workflows at once. */
const BULK_CONCURRENCY = 5;

/** `f` over `items`, at most `limit` at a time, the results in the items' order. */
async function mapBounded<T, R>(items: readonly T[], limit: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await f(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const reasonRequired = (detail: string, article: string) => invalid([{ code: 'ReasonRequired', field: 'reason', rule: 'reason required', detail, article }]);

export const taskRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const { db } = deps;

  /**
   * The task as the caller may see it: its candidates, and supervisors overseeing its candidate
   * organisation. For everyone else, same organisation or not, it does not exist. With the applicant of
   * its request, whom the exclusion rules need. With `logTo`, that request's log lines name the task's case from here on
   * (a bulk decision, of many cases, passes none). `deciding`: for a decision, which a delegate's delegation reaches
   * closed too (delegationReaching).
   */
  async function visibleTask(
    actor: Actor,
    id: string,
    logTo?: FastifyRequest,
    deciding = false,
  ): Promise<{
    row: TaskReadRow;
    applicantSub: string;
    siblings: ReviewTaskState[];
    requestForm: Record<string, unknown>;
    viewer: 'candidate' | 'supervisor';
    /** The caller reaches the task as a delegate (代理): the delegation in force and the delegator. */
    onBehalfOf?: DelegationProof;
    delegation?: DelegationInForce;
  }> {
    const found = await getTaskWithApplicant(db, id);
    if (!found) throw problem('TaskNotFound');
    const { applicant_sub: applicantSub, siblings, request_form: requestForm, ...row } = found;
    if (logTo) logCase(logTo, row);
    if (isCandidate(taskAccess(row), actor)) return { row, applicantSub, siblings, requestForm, viewer: 'candidate' };
    const delegation = await delegationReaching(db, actor, row, applicantSub, deciding);
    if (delegation) return { row, applicantSub, siblings, requestForm, viewer: 'candidate', onBehalfOf: proofOf(delegation), delegation };
    const overseen = await overseenBy(deps, actor);
    if (!overseen || (row.candidate_org !== null && overseen.includes(row.candidate_org)))
      return { row, applicantSub, siblings, requestForm, viewer: 'supervisor' };
    throw problem('TaskNotFound');
  }

  /**
   * The task `id` for a supervision act (Art. 32: extend, reassign, urge, whom to hand it to): a supervisor or admin
   * reaches it only within what they oversee, even where they also reach it as its candidate or a delegate.
   */
  async function supervisedTask(actor: Actor, id: string, logTo?: FastifyRequest) {
    const found = await visibleTask(actor, id, logTo);
    if (found.viewer !== 'supervisor' && supervisesTasks(actor)) {
      const overseen = await overseenBy(deps, actor);
      if (overseen && (found.row.candidate_org === null || !overseen.includes(found.row.candidate_org))) throw problem('TaskNotFound');
    }
    return found;
  }

  /**
   * `user` as the directory of people knows them within the caller's reach, in an organisation and roles that
   * make them a candidate of the task and no party to it; otherwise a 400 naming body.user and the rule. Someone
   * the caller oversees no organisation of is as unknown as nobody: the answer tells nothing of other cities.
   */
  async function assigneeFor(actor: Actor, row: TaskReadRow, applicantSub: string, user: string): Promise<OrgActor> {
    const known = await findPerson(db, user, await overseenBy(deps, actor));
    if (!known.length)
      throw invalid([
        {
          code: 'InvalidInput',
          field: 'user',
          rule: 'known person',
          detail: `Nobody known as ${user} acts in your jurisdiction: a task goes to a person who has used the system (GET /tasks/${row.id}/assignable lists them)`,
          article: 'Art. 32',
        },
      ]);
    const people = known.map(({ sub, org, roles }): OrgActor => ({ sub, org, roles }));
    const refusals = people.map((p) => assigneeViolation(taskAccess(row), p, applicantSub));
    const fit = refusals.indexOf(null);
    if (fit >= 0) return people[fit];
    // Known in several organisations: a candidate who is a party to the matter says more than an organisation that does not fit.
    throw invalid([refusals.find((v) => v?.rule !== 'candidate of the task') ?? refusals[0]!]);
  }

  /** The request a task belongs to, as the caller sees it, after an action on the task. */
  async function requestAfter(actor: Actor, requestId: string) {
    const whole = await getRequestWhole(db, requestId);
    if (!whole) throw problem('RequestNotFound');
    return requestView(whole, actor);
  }

  const instant = (v: string | undefined) => (v === undefined ? undefined : new Date(v));

  /**
   * Sends an action on `row`'s task to its workflow. When the workflow answers that the task is no longer open
   * (another decision, a sibling's, the request's end), the answer waits briefly until the read model says so
   * too: whoever is told 409 and reads the task again sees it closed, never still open.
   */
  async function actOn<Arg>(row: TaskReadRow, update: UpdateDefinition<RequestSnapshot, [Arg]>, arg: Arg): Promise<void> {
    // An escalation's head is in the row as soon as escalateTask writes it, and in the run once that activity's result
    // reaches it, moments later: the API's own check passed on the row, so the run is given those moments.
    const headJoining = row.candidates.some((c) => c.escalation);
    for (let attempt = 1; ; attempt++) {
      try {
        await updateRequest(deps, row.workflow_id, update, [arg], 'TaskNotOpen');
        return;
      } catch (err) {
        const refused = fromTemporal(err) ?? err;
        if (refused instanceof ProblemError && refused.code === 'NotCandidate' && headJoining && attempt < 30) {
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        if (refused instanceof ProblemError && refused.code === 'TaskNotOpen')
          for (let i = 0; i < 30 && (await getTaskWithApplicant(db, row.id))?.status === 'open'; i++) await new Promise((r) => setTimeout(r, 100));
        throw refused;
      }
    }
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
          // The inbox's one order, named so a client can ask for it explicitly: due time ascending, then task id (stable; the cursor continues it).
          sort: Type.Literal('due', { default: 'due', description: 'due: by due time, soonest first (then by task id)' }),
          cursor: Type.Optional(Type.String({ maxLength: 500 })),
          limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
        }),
        response: { 200: Page(TaskSchema) },
      },
    },
    async (request) => {
      const { actor } = request;
      const { status, kind, dueBefore, dueAfter, overdue, cursor, limit } = request.query;
      const after = decodeCursor(cursor, ['instant', 'id']);
      const filter = {
        status,
        kind,
        dueBefore: instant(dueBefore),
        dueAfter: instant(dueAfter),
        overdue,
        after: after && ([new Date(after[0]), after[1]] as [Date, string]),
        limit: limit + 1,
      };
      const own = await inboxQuery(db, actor, filter).execute();
      // Open tasks reach a delegate too (代理) while a delegation is in force: the delegator's inbox of its kinds, each
      // page continued from the same cursor, merged by (due time, id). A completed or cancelled task is not theirs.
      const delegations = status === 'open' ? await delegationsTo(db, actor, new Date()) : [];
      const delegated = await Promise.all(
        delegations.map(async (d) => {
          const rows = await inboxQuery(db, delegatorOf(d), { ...filter, kinds: d.kinds }).execute();
          return rows.map((r) => ({ ...r, via: d }));
        }),
      );
      const key = (r: TaskReadRow) => [r.due_at.getTime(), r.id] as const;
      const rows = [...own.map((r) => ({ ...r, via: undefined as DelegationInForce | undefined })), ...delegated.flat()]
        .sort((a, b) => key(a)[0] - key(b)[0] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .filter((r, i, all) => i === 0 || r.id !== all[i - 1].id)
        .slice(0, limit + 1);
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      // A task the caller is a candidate of twice (two of their roles, or as themselves and as a delegate) comes once, as theirs.
      const items = page.map(({ via, ...r }) => ({
        ...taskView(r),
        onBehalfOf: via ? { sub: via.delegator, name: via.delegator_name, delegationId: via.id } : null,
      }));
      return { items, nextCursor: rows.length > limit ? encodeCursor([last.due_at.toISOString(), last.id]) : null };
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
        response: { 200: Page(OverdueTaskSchema) },
      },
    },
    async (request) => {
      requireRole(request, 'supervisor', 'admin');
      const { candidateOrg, kind, cursor, limit } = request.query;
      const after = decodeCursor(cursor, ['instant', 'id']);
      const regionOrgs = await overseenBy(deps, request.actor);
      const orgs = candidateOrg ? (regionOrgs && !regionOrgs.includes(candidateOrg) ? [] : [candidateOrg]) : regionOrgs;
      const now = new Date();
      const rows = await overdueQuery(db, { now, candidateOrgs: orgs, kind, after: after && [new Date(after[0]), after[1]], limit: limit + 1 }).execute();
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        items: page.map((r) => ({ ...taskView(r, 'supervisor'), hoursOverdue: Math.floor((now.getTime() - r.due_at.getTime()) / 3_600_000) })),
        nextCursor: rows.length > limit ? encodeCursor([last.due_at.toISOString(), last.id]) : null,
      };
    },
  );

  app.get(
    '/organisations/:id/tasks',
    {
      schema: {
        tags: ['supervision'],
        summary:
          "One organisation's open tasks as its supervisor reads them (Art. 32): counted by procedure (open, due soon, overdue), and listed oldest first",
        params: IdParams,
        querystring: Type.Object({
          requestType: Type.Optional(Type.Union(REQUEST_TYPES.map((t) => Type.Literal(t)))),
          cursor: Type.Optional(Type.String({ maxLength: 500 })),
          limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
        }),
        response: { 200: OrganisationTasksSchema },
      },
    },
    async (request) => {
      requireRole(request, 'supervisor', 'admin');
      const org = request.params.id;
      const overseen = await overseenBy(deps, request.actor);
      // An organisation outside the caller's jurisdiction is as unknown as none.
      if ((overseen && !overseen.includes(org)) || !(await getOrganisation(db, org)))
        throw problem('OrganisationNotFound', `No organisation ${org} in your jurisdiction`);
      const { requestType, cursor, limit } = request.query;
      const typeOf = (kind: string) => REQUEST_TYPE_OF_KIND[kind as keyof typeof REQUEST_TYPE_OF_KIND] as RequestType | undefined;
      const now = new Date();
      const byKind = await organisationTaskCounts(db, org, now);
      const procedures = new Map<string, { requestType: string; open: number; dueSoon: number; overdue: number }>();
      for (const k of byKind) {
        const type = typeOf(k.kind) ?? k.kind;
        const p = procedures.get(type) ?? { requestType: type, open: 0, dueSoon: 0, overdue: 0 };
        procedures.set(type, { ...p, open: p.open + k.open, dueSoon: p.dueSoon + k.dueSoon, overdue: p.overdue + k.overdue });
      }
      const after = decodeCursor(cursor, ['instant', 'id']);
      const kinds = requestType ? Object.keys(REQUEST_TYPE_OF_KIND).filter((k) => typeOf(k) === requestType) : undefined;
      const rows = await organisationTasksQuery(db, { org, kinds, after: after && [new Date(after[0]), after[1]], limit: limit + 1 }).execute();
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        org,
        at: now.toISOString(),
        procedures: [...procedures.values()].sort((a, b) => a.requestType.localeCompare(b.requestType)),
        items: page.map((r) => ({
          ...taskView(r, 'supervisor'),
          requestType: typeOf(r.kind) ?? r.kind,
          standing: r.due_at <= now ? ('overdue' as const) : !r.remind_at || r.remind_at <= now ? ('due_soon' as const) : ('open' as const),
        })),
        nextCursor: rows.length > limit ? encodeCursor([last.created_at.toISOString(), last.id]) : null,
      };
    },
  );

  app.get(
    '/tasks/:id',
    {
      schema: { tags: ['tasks'], summary: 'One task (its candidates, and supervisors overseeing it)', params: DerivedIdParams, response: { 200: TaskSchema } },
    },
    async (request) => {
      const { row, viewer, delegation: d } = await visibleTask(request.actor, request.params.id, request);
      return { ...taskView(row, viewer), onBehalfOf: d ? { sub: d.delegator, name: d.delegator_name, delegationId: d.id } : null };
    },
  );

  for (const claim of [true, false]) {
    app.post(
      `/tasks/:id/${claim ? 'claim' : 'unclaim'}`,
      {
        schema: {
          tags: ['tasks'],
          summary: claim
            ? 'Take a task as its assignee'
            : "Give a claimed task back to its candidates (the assignee, or a supervisor releasing anyone's claim)",
          params: DerivedIdParams,
          response: { 200: RequestSchema },
        },
      },
      async (request) => {
        const { actor } = request;
        const { row, applicantSub, viewer } = await visibleTask(actor, request.params.id, request);
        const release = !claim && viewer === 'supervisor';
        const violation = release ? releaseViolation(taskAccess(row), actor) : claimViolation(taskAccess(row), actor, applicantSub, claim);
        if (violation) throw problem(violation);
        await actOn(row, claimTaskUpdate, { taskId: row.id, actor, claim, release });
        return requestAfter(actor, row.request_id);
      },
    );
  }

  /**
   * Decides the task `id` as the caller, through its workflow's completeTask Update: every check the decision
   * meets, in order, and the request after it. One task's decision, whether alone or among a bulk's; `kind`, in a
   * bulk, refuses a task of another kind before anything is applied.
   */
  async function decideTask(request: FastifyRequest, id: string, body: Static<typeof CompleteBody>, kind?: string) {
    const { actor } = request;
    const { row, applicantSub, siblings, requestForm, onBehalfOf } = await visibleTask(actor, id, kind === undefined ? request : undefined, true);
    if (kind !== undefined && row.kind !== kind) throw problem('TaskKindMismatch', `The task is a ${row.kind} task, not a ${kind} one: it was not decided`);
    const { decision, reason, form } = body;
    // A delegate decides in the delegator's stead (代理): the delegation's terms, then the delegator's own rule.
    const violation = onBehalfOf
      ? delegatedDecideViolation(taskAccess(row), actor, onBehalfOf, applicantSub, decision, reason, new Date())
      : decideViolation(taskAccess(row), actor, applicantSub, decision, reason);
    if (violation === 'DecisionNotAllowed')
      throw problem(
        violation,
        `${JSON.stringify(decision)} is not a decision of a ${row.kind} task. Allowed decisions: ${taskView(row).allowedDecisions.join(', ')}`,
      );
    if (violation === 'ReasonRequired') throw reasonRequired(`A ${decision} decision must state its reason (${row.article})`, row.article);
    if (violation) throw problem(violation);
    // The procedure's own rule on this decision, as its workflow's validator applies it; then the form's shape as
    // the registry publishes it; then what only the database can tell.
    const ruled = procedureViolation(row.kind, { decision, tasks: siblings, form, context: row.context, request: requestForm });
    if (ruled) throw ruled.field ? invalid([ruled]) : problem(ruled.code, ruled.detail, ruled.article);
    const hooks = decisionApi(row.kind, decision);
    // No form is an empty one: a form whose fields are all optional may be left out.
    if (hooks?.form) checkJson(hooks.form, form ?? {}, 'body.form');
    await hooks?.preflight?.({ deps, request, row, form });
    await actOn(row, completeTaskUpdate, { taskId: row.id, actor, decision, reason, form, ...(onBehalfOf ? { onBehalfOf } : {}) });
    // Counted once the workflow took it: the one place decisions pass, alone or in a bulk.
    deps.metrics?.decided(row.kind, decision);
    return requestAfter(actor, row.request_id);
  }

  app.post(
    '/tasks/:id/complete',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Decide a task; answers with the request state after the decision',
        params: DerivedIdParams,
        body: CompleteBody,
        response: { 200: RequestSchema },
      },
      // A RESUBMIT carries a whole catalog adjustment as its form.
      config: { maxNodes: MAX_FORM_NODES },
      bodyLimit: MAX_FORM_BYTES,
    },
    async (request) => decideTask(request, request.params.id, request.body),
  );

  /**
   * One decision on several tasks of one kind (the inbox's 批量办理): each task decided as POST /tasks/{id}/complete
   * decides it, by its own Update, a few at a time. Each task's answer is its own: a refusal (not a candidate, no
   * longer open, another kind…) is that row's problem and leaves the others decided. A retry decides nothing twice:
   * the workflow takes one decision per task and refuses the next as TaskNotOpen.
   */
  app.post(
    '/tasks/bulk-complete',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Decide several tasks of one kind with one decision and reason; answers with a result per task',
        body: BulkCompleteBody,
        response: { 200: BulkCompleteResult },
      },
      config: { maxNodes: MAX_FORM_NODES },
      bodyLimit: MAX_FORM_BYTES,
    },
    async (request) => {
      const { kind, taskIds, ...decision } = request.body;
      // `kind` is one of TASK_KINDS, as the schema's enum checked (the type provider reads its type as unknown).
      const results = await mapBounded(taskIds, BULK_CONCURRENCY, async (taskId) => {
        try {
          return { taskId, status: 'decided' as const, request: await decideTask(request, taskId, decision, kind as string) };
        } catch (err) {
          const refused = err instanceof ProblemError ? err : (fromTemporal(err) ?? (engineRetryable(err) ? problem('EngineUnavailable') : null));
          if (!refused) throw err;
          return { taskId, status: 'refused' as const, problem: problemBody(request, refused) };
        }
      });
      return { results };
    },
  );

  // Supervision (Art. 32): a supervisor overseeing the task's candidate moves its due time or hands it to a person.
  app.post(
    '/tasks/:id/extend',
    {
      schema: {
        tags: ['supervision'],
        summary: "Move an open task's due time on by working days, with a reason (Art. 32); its reminder and overdue marks follow",
        params: DerivedIdParams,
        body: ExtendBody,
        response: { 200: RequestSchema },
      },
    },
    async (request) => {
      const { actor } = request;
      const { row } = await supervisedTask(actor, request.params.id, request);
      const { workingDays, reason } = request.body;
      const violation = extendViolation(taskAccess(row), actor, workingDays, reason);
      if (violation === 'ReasonRequired') throw reasonRequired('An extension states its reason (Art. 32)', 'Art. 32');
      if (violation) throw problem(violation);
      await actOn(row, extendTaskUpdate, { taskId: row.id, actor, workingDays, reason });
      return requestAfter(actor, row.request_id);
    },
  );

  app.post(
    '/tasks/:id/reassign',
    {
      schema: {
        tags: ['supervision'],
        summary: 'Hand an open task to a named person (their token `sub`), with a reason (Art. 32)',
        params: DerivedIdParams,
        body: ReassignBody,
        response: { 200: RequestSchema },
      },
    },
    async (request) => {
      const { actor } = request;
      const { row, applicantSub } = await supervisedTask(actor, request.params.id, request);
      const { user, reason } = request.body;
      const violation = reassignViolation(taskAccess(row), actor, reason);
      if (violation === 'ReasonRequired') throw reasonRequired('A reassignment states its reason (Art. 32)', 'Art. 32');
      if (violation) throw problem(violation);
      const assignee = await assigneeFor(actor, row, applicantSub, user);
      await actOn(row, reassignTaskUpdate, { taskId: row.id, actor, assignee, reason });
      return requestAfter(actor, row.request_id);
    },
  );

  app.post(
    '/tasks/:id/urge',
    {
      schema: {
        tags: ['supervision'],
        summary:
          "Urge (督办) an open task that is overdue or nearly due, in the supervisor's words to its candidates and holder (Art. 32); not again within the procedure's urgeInterval",
        params: DerivedIdParams,
        body: UrgeBody,
        response: { 200: TaskSchema },
      },
    },
    async (request) => {
      const { actor } = request;
      const { row } = await supervisedTask(actor, request.params.id, request);
      const { message } = request.body;
      // Who and what, before the write; the timing rules again inside it, on the locked row.
      const early = urgeViolation({ status: row.status, dueAt: row.due_at, remindAt: null, nextUrgeAt: null }, actor, message, new Date());
      if (early) throw refusal(early);
      const bad = unstorable(message, 'message');
      if (bad) throw invalid([{ ...bad, article: 'Art. 32' }]);
      const type = REQUEST_TYPE_OF_KIND[row.kind as keyof typeof REQUEST_TYPE_OF_KIND];
      const interval = (type && deps.policies[type]?.urgeInterval) || DEFAULT_URGE_INTERVAL;
      const by = { sub: actor.sub, org: actor.org, role: actor.roles.includes('supervisor') ? ('supervisor' as const) : ('admin' as const) };
      const outcome = await urgeTask(db, { taskId: row.id, actor, by, message, interval });
      if ('notFound' in outcome) throw problem('TaskNotFound');
      // The rule named: a 409 whose one error carries the rule and the article.
      if ('refused' in outcome) throw invalid([outcome.refused]);
      const { row: after } = await visibleTask(actor, row.id);
      return taskView(after, 'supervisor');
    },
  );

  app.get(
    '/tasks/:id/assignable',
    {
      schema: {
        tags: ['supervision'],
        summary: 'Whom a supervisor may hand the task to: the people the directory knows who are its candidates and no party to it, by sub (Art. 32)',
        params: DerivedIdParams,
        querystring: Type.Object({ cursor: Type.Optional(Type.String({ maxLength: 500 })), limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }) }),
        response: { 200: Page(PersonSchema) },
      },
    },
    async (request) => {
      const { actor } = request;
      const { row, applicantSub } = await supervisedTask(actor, request.params.id, request);
      if (!supervisesTasks(actor)) throw problem('Forbidden', 'Only a supervisor hands a task to someone (Art. 32)');
      const { cursor, limit } = request.query;
      const after = decodeCursor(cursor, ['id', 'id']);
      const task = taskAccess(row);
      const found = await candidatePeople(db, {
        candidates: task.candidates,
        excluded: excludedActors(task, applicantSub),
        orgs: await overseenBy(deps, actor),
        after: after && [after[0], after[1]],
        limit: limit + 1,
      });
      const page = found.slice(0, limit);
      const last = page[page.length - 1];
      // The query finds the candidates; the rule a reassignment meets has the last word.
      const items = page.filter((p) => !assigneeViolation(task, p, applicantSub)).map((p) => ({ sub: p.sub, org: p.org, roles: p.roles, name: p.name }));
      return { items, nextCursor: found.length > limit ? encodeCursor([last.sub, last.org]) : null };
    },
  );
};
