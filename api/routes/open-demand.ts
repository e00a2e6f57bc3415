// Open demands (Art. 21 ¶1): anyone asks for data to be opened; the providing agency answers in time.
// Reading, cancelling and the agency's answer are generic (routes/requests.ts, routes/tasks.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { getCatalogEntry } from '../../db/repositories/catalog';
import { getOrganisation } from '../../db/repositories/organisations';
import { openDemandViolations, type OpenDemandForm } from '../../domain/open-demand';
import { type OpenDemandInput } from '../../workflows/definitions';
import { requireRole } from '../auth';
import { actingAs } from './legal-agents';
import { invalid, problem } from '../problem';
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
      let providerOrg: string;
      if (form.catalogEntryId) {
        const entry = await getCatalogEntry(db, form.catalogEntryId);
        if (!entry) throw invalid([{ code: 'InvalidInput', field: 'catalogEntryId', rule: 'exists', detail: `No catalog entry ${form.catalogEntryId}` }]);
        if (entry.open_attribute === 'UNCONDITIONAL' && entry.open_status === 'published')
          throw problem(
            'RequestNotActive',
            `Entry ${entry.id} is open without conditions: its data is on the unified open platform already (Art. 16)`,
            'Art. 16',
          );
        providerOrg = entry.provider_org_id;
      } else {
        const org = await getOrganisation(db, form.providerOrgId!);
        if (!org || (org.kind !== 'agency' && org.kind !== 'authority'))
          throw invalid([
            {
              code: 'InvalidInput',
              field: 'providerOrgId',
              rule: 'an agency',
              detail: `${form.providerOrgId} is no public management and service institution`,
            },
          ]);
        providerOrg = org.id;
      }
      return startAndAnswer(deps, request, reply, {
        type: 'open_demand',
        body: legal ? { ...form, onBehalfOf: legal.uscc } : form,
        input: (s): OpenDemandInput => ({
          ...s,
          applicant: actor,
          form,
          providerOrg,
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
