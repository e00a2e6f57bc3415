// The share procedure (Art. 12–15): submit a share request. Reading, cancelling and deciding are generic
// (routes/requests.ts, routes/tasks.ts); grants are in routes/grants.ts.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { shareParties } from '../../db/repositories/share';
import { getOrganisation } from '../../db/repositories/organisations';
import { mayRequestShare, shareRequestViolations, type ShareRequestForm } from '../../domain/share';
import type { ShareRequestInput } from '../../workflows/definitions';
import { requireMember } from '../auth';
import { invalid, problem } from '../problem';
import { startAndAnswer } from '../start-request';
import { StartedResponses, StartHeaders } from '../schemas/requests';
import { RequestInfoForm, ShareRequestBody } from '../schemas/share';
import { DeliveryFormSchema } from '../schemas/grants';
import type { ProcedureApi } from '../procedure';
import type { ApiDeps } from '../types';
import { STARTED_BY } from '../../domain/requests';

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
};

export const SHARE_API: ProcedureApi = {
  routes: shareRoutes,
  // 一次性告知: the reviewers list what is missing (domain/share.ts oneTimeNoticeViolation says when it must).
  decisions: {
    SHARE_JOINT_REVIEW: { REQUEST_INFO: { form: RequestInfoForm } },
    SHARE_PROVIDER_OPINION: { REQUEST_INFO: { form: RequestInfoForm } },
    // 数据交付: how, where and which of the grant's fields (domain/share.ts deliveryViolation checks them against the grant).
    SHARE_DELIVERY: { DELIVER: { form: DeliveryFormSchema } },
  },
};
