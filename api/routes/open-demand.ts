// Open demands (Art. 21 ¶1): anyone asks for data to be opened; the providing agency answers in time.
// Reading, cancelling and the agency's answer are generic (routes/requests.ts, routes/tasks.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { openDemandParties } from '../../db/repositories/open-demand';
import { openDemandViolations, type OpenDemandForm } from '../../domain/open-demand';
import { type OpenDemandInput } from '../../workflows/definitions';
import { requireRole } from '../auth';
import { actingAs } from './legal-agents';
import { invalid, refusal } from '../problem';
import { OpenDemandBody } from '../schemas/open-demand';
import { StartedResponses, StartHeaders } from '../schemas/requests';
import { startAndAnswer } from '../start-request';
import type { ProcedureApi } from '../procedure';
import type { ApiDeps } from '../types';
import { STARTED_BY } from '../../domain/requests';

export const openDemandRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const { db } = deps;
  app.post(
    '/open-demands',
    {
      schema: {
        tags: ['open data'],
        summary: 'Ask for data to be opened (Art. 21 ¶1); the providing agency answers with a plan or its reasons',
        headers: StartHeaders,
        body: OpenDemandBody,
        response: StartedResponses,
      },
      config: { articles: { description: 'Art. 21', purpose: 'Art. 21' } },
    },
    async (request, reply) => {
      requireRole(request, ...STARTED_BY.open_demand);
      const { actor } = request;
      const { onBehalfOf, ...body } = request.body;
      const form = body as OpenDemandForm;
      const violations = openDemandViolations(form);
      if (violations.length) throw invalid(violations);
      // Asked as a legal person's agent (or as its own account): the demand is the legal person's.
      const legal = await actingAs(db, actor, onBehalfOf);
      const found = await openDemandParties(db, form);
      if ('refusal' in found) throw refusal(found.refusal);
      return startAndAnswer(deps, request, reply, {
        type: 'open_demand',
        body: legal ? { ...form, onBehalfOf: legal.uscc } : form,
        input: (s): OpenDemandInput => ({
          ...s,
          applicant: actor,
          form,
          providerOrg: found.parties.providerOrg,
          policy: deps.policies.open_demand,
          ...(legal ? { onBehalfOf: legal.uscc } : {}),
        }),
      });
    },
  );
};

export const OPEN_DEMAND_API: ProcedureApi = {
  routes: openDemandRoutes,
};
