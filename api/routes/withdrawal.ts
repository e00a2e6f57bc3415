// Withdrawal of opened data (Art. 21 ¶2): anyone who believes opened data infringes their lawful rights asks
// the providing agency to withdraw it. Reading, withdrawing the request and the agency's decisions are
// generic (routes/requests.ts, routes/tasks.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { getCatalogEntry } from '../../db/repositories/catalog';
import { isOpened, withdrawalViolations, type WithdrawalForm } from '../../domain/withdrawal';
import { type WithdrawalInput } from '../../workflows/definitions';
import { requireRole } from '../auth';
import { invalid, problem } from '../problem';
import { StartedResponses, StartHeaders } from '../schemas/requests';
import { UpholdForm, WithdrawalBody } from '../schemas/withdrawal';
import { startAndAnswer } from '../start-request';
import type { ProcedureApi } from '../procedure';
import type { ApiDeps } from '../types';
import { STARTED_BY } from '../../domain/requests';

export const withdrawalRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const { db } = deps;
  app.post(
    '/withdrawals',
    {
      schema: {
        tags: ['open data'],
        summary: 'Ask the providing agency to withdraw opened data that infringes one’s lawful rights (Art. 21 ¶2)',
        headers: StartHeaders,
        body: WithdrawalBody,
        response: StartedResponses,
      },
      config: { articles: { right: 'Art. 21', reasons: 'Art. 21' } },
    },
    async (request, reply) => {
      requireRole(request, ...STARTED_BY.withdrawal);
      const { actor } = request;
      const form = request.body as WithdrawalForm;
      const violations = withdrawalViolations(form);
      if (violations.length) throw invalid(violations);
      const entry = await getCatalogEntry(db, form.catalogEntryId);
      if (!entry) throw invalid([{ code: 'InvalidInput', field: 'catalogEntryId', rule: 'exists', detail: `No catalog entry ${form.catalogEntryId}` }]);
      // Art. 21 concerns opened data; sharing between agencies is not withdrawn this way.
      if (!isOpened(entry))
        throw problem(
          'RequestNotActive',
          `Entry ${entry.id} is not opened data (its openness is ${entry.open_attribute === 'NONE' ? 'NONE' : entry.open_status})`,
          'Art. 21',
        );
      return startAndAnswer(deps, request, reply, {
        type: 'withdrawal',
        body: form,
        input: (s): WithdrawalInput => ({ ...s, applicant: actor, form, providerOrg: entry.provider_org_id, policy: deps.policies.withdrawal }),
      });
    },
  );
};

export const WITHDRAWAL_API: ProcedureApi = {
  routes: withdrawalRoutes,
  decisions: {
    WITHDRAWAL_REVIEW: {
      UPHOLD: { form: UpholdForm },
    },
  },
};
