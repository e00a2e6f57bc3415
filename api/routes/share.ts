// The share procedure (Art. 12–15): submit a share request; the provider's ask to extend its answer (《政务数据共享条例》).
// Reading, cancelling and deciding are generic (routes/requests.ts, routes/tasks.ts); grants are in routes/grants.ts.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { shareParties } from '../../db/repositories/share';
import { disputeWindowEnds } from '../../db/repositories/refusal-dispute';
import type { TaskReadRow } from '../../db/schema';
import { getOrganisation } from '../../db/repositories/organisations';
import { mayRequestShare, providerExtensionViolation, shareRequestViolations, type ShareRequestForm } from '../../domain/share';
import { actViolation, candidateOf, isCandidate } from '../../domain/tasks';
import { unstorable } from '../../domain/text';
import { getRequestWhole, getTaskWithApplicant } from '../../db/repositories/requests';
import { requestExtensionUpdate, type ShareRequestInput } from '../../workflows/definitions';
import { updateRequest } from '../engine';
import { DerivedIdParams } from '../schemas/common';
import { RequestSchema } from '../schemas/requests';
import { overseenBy, requestView, taskAccess } from '../views';
import { requireMember } from '../auth';
import { invalid, problem, refusal } from '../problem';
import { startAndAnswer } from '../start-request';
import { StartedResponses, StartHeaders } from '../schemas/requests';
import { ExtensionRequestBody, RefusalForm, ReplyForm, RequestInfoForm, ShareRequestBody } from '../schemas/share';
import { DeliveryFormSchema, UsageReportFormSchema } from '../schemas/grants';
import type { ProcedureApi } from '../procedure';
import type { ApiDeps } from '../types';
import { STARTED_BY } from '../../domain/requests';
import { logCase } from '../logging';

const SHARE_ARTICLES = { scenario: 'Art. 15', statutoryDuty: 'Art. 15', commitment: 'Art. 15' };

export const shareRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const { db } = deps;

  app.post(
    '/share-requests',
    {
      schema: {
        tags: ['requests'],
        summary: 'Request shared data of a catalog entry (Art. 14–15)',
        headers: StartHeaders,
        body: ShareRequestBody,
        response: StartedResponses,
      },
      config: { articles: SHARE_ARTICLES },
    },
    async (request, reply) => {
      const actor = requireMember(request, ...STARTED_BY.share);
      const form = request.body as ShareRequestForm;
      // The entry and the applicant's kind in one read (the workflow checks the parties made of it again as it starts);
      // without an entry, the kind is read on its own: who may not request at all hears that first.
      const { context, parties } = await shareParties(db, form.catalogEntryId, actor.org);
      const kind = context ? context.applicant_kind : (await getOrganisation(db, actor.org))?.kind;
      if (!mayRequestShare(kind ?? undefined))
        throw problem('Forbidden', 'Only a public management and service institution may request shared data (Art. 3, 14)', 'Art. 14');
      const violations = shareRequestViolations(form, context);
      if (violations.length) throw invalid(violations);
      // The parties as of this submission go to the workflow, which then records the request with its first step.
      return startAndAnswer(deps, request, reply, {
        type: 'share',
        body: form,
        input: (s): ShareRequestInput => ({ ...s, applicant: actor, form, policy: deps.policies.share, ...(parties ? { parties } : {}) }),
      });
    },
  );

  /**
   * 延长答复期限 (《政务数据共享条例》): the provider's reviewer who may give the opinion asks, once per request and with a
   * reason, to extend its answer; the head of its 政务数据共享工作机构 gets a SHARE_EXTENSION_APPROVAL task, decided through
   * POST /tasks/{id}/complete like any task. The ask is no decision (the opinion stays open), so it is an Update of its own,
   * checked here and by the workflow's validator with the same rule (providerExtensionViolation).
   */
  app.post(
    '/tasks/:id/extension-request',
    {
      schema: {
        tags: ['tasks'],
        summary:
          "The provider asks once to extend its opinion's answer, with a reason (《政务数据共享条例》); the head of its sharing work approves or refuses; answers with the request once that task is open",
        params: DerivedIdParams,
        body: ExtensionRequestBody,
        response: { 200: RequestSchema },
      },
    },
    async (request) => {
      const { actor } = request;
      const found = await getTaskWithApplicant(db, request.params.id);
      if (!found) throw problem('TaskNotFound');
      // As the task routes see it: a task is there for its candidates and the supervisors overseeing it, for nobody else.
      if (!isCandidate(taskAccess(found), actor)) {
        const overseen = await overseenBy(deps, actor);
        if (overseen && !(found.candidate_org !== null && overseen.includes(found.candidate_org))) throw problem('TaskNotFound');
      }
      logCase(request, found);
      const { workingDays, reason } = request.body;
      const violation = providerExtensionViolation({
        task: { kind: found.kind, context: found.context },
        access: actViolation(taskAccess(found), actor, found.applicant_sub),
        asHead: candidateOf(taskAccess(found), actor)?.escalation === true,
        asked: found.siblings.some((t) => t.kind === 'SHARE_EXTENSION_APPROVAL'),
        workingDays,
        reason,
      });
      // A refusal of the rule names it (a 409 whose one error carries the rule and the article).
      if (violation) throw violation.rule && !violation.field ? invalid([violation]) : refusal(violation);
      const bad = unstorable(reason, 'reason');
      if (bad) throw invalid([bad]);
      await updateRequest(deps, found.workflow_id, requestExtensionUpdate, [{ taskId: found.id, actor, workingDays, reason }], 'TaskNotOpen');
      const whole = await getRequestWhole(db, found.request_id);
      if (!whole) throw problem('RequestNotFound');
      return requestView(whole, actor);
    },
  );
};

/** When a share request was refused: its authority's REJECT. */
const refusalTime = (tasks: TaskReadRow[]) =>
  tasks
    .filter((t) => t.kind === 'SHARE_JOINT_REVIEW' && t.decision === 'REJECT' && t.completed_at)
    .at(-1)
    ?.completed_at?.toISOString();

export const SHARE_API: ProcedureApi = {
  routes: shareRoutes,
  // A refused request not yet disputed: until when its applicant may dispute it (《政务数据共享条例》), on the working-day calendar.
  view: async (deps, whole) => {
    const refusedAt = whole.row.status === 'rejected' && !whole.dispute ? refusalTime(whole.tasks) : undefined;
    return refusedAt ? { disputableUntil: await disputeWindowEnds(deps.db, refusedAt, deps.policies.refusal_dispute.refusalDisputeWindow) } : {};
  },
  // 一次性告知: the reviewers list what is missing (domain/share.ts oneTimeNoticeViolation says when it must).
  decisions: {
    // 不予共享: a refusal cites its legal basis (domain/share.ts refusalViolation says which levels, and when it must).
    SHARE_JOINT_REVIEW: { REQUEST_INFO: { form: RequestInfoForm }, REJECT: { form: RefusalForm } },
    SHARE_PROVIDER_OPINION: { REQUEST_INFO: { form: RequestInfoForm }, DISAGREE: { form: RefusalForm } },
    // The applicant's reply may amend the request (domain/share.ts amendmentViolation: as a new submission is checked).
    SHARE_APPLICANT_REPLY: { REPLY: { form: ReplyForm } },
    // 数据交付: how, where and which of the grant's fields (domain/share.ts deliveryViolation checks them against the grant).
    SHARE_DELIVERY: { DELIVER: { form: DeliveryFormSchema } },
    // 使用记录: who used the data, when and for which purpose, or none used (domain/share.ts usageReportViolation).
    SHARE_USAGE_REPORT: { FILE: { form: UsageReportFormSchema } },
  },
};
