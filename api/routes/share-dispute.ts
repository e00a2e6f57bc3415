// The share-attribute dispute (Art. 13 ¶3): the city authority raises one on a city-level agency's entry.
// Reading it is generic (routes/requests.ts); the turns and the leading group's decision are tasks
// (routes/tasks.ts), whose positions take the form published here (DISPUTE_API).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { currentEntries, entryContentOf } from '../../db/repositories/catalog';
import { disputeParties } from '../../db/repositories/share-dispute';
import { noneShareBasisLevels } from '../../domain/catalog-adjustment';
import { disputeNoneBasisViolation, positionViolations, samePosition, type SharePosition } from '../../domain/share-dispute';
import { type ShareDisputeInput } from '../../workflows/definitions';
import { requireMember } from '../auth';
import { invalid, problem, refusal } from '../problem';
import { SharePositionSchema } from '../schemas/catalog';
import { StartedResponses, StartHeaders } from '../schemas/requests';
import { DisputeBody } from '../schemas/share-dispute';
import { requestIdFor, startAndAnswer } from '../start-request';
import type { ProcedureApi } from '../procedure';
import type { ApiDeps } from '../types';
import { basisPolicyOf } from './catalog-adjustment';
import { STARTED_BY } from '../../domain/requests';

export const disputeRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const { db } = deps;
  app.post(
    '/disputes',
    {
      schema: {
        tags: ['catalog'],
        summary: "The city authority disputes a city-level agency's share attribute (Art. 13 ¶3): consultation in turns, then the leading group",
        headers: StartHeaders,
        body: DisputeBody,
        response: StartedResponses,
      },
      config: { articles: { proposal: 'Art. 13', objection: 'Art. 13' } },
    },
    async (request, reply) => {
      const actor = requireMember(request, ...STARTED_BY.share_dispute);
      const { catalogEntryId, proposal, objection } = request.body as { catalogEntryId: string; proposal: SharePosition; objection: string };
      const entry = (await currentEntries(db, [catalogEntryId])).get(catalogEntryId);
      if (!entry || entry.share_status === 'withdrawn')
        throw invalid([{ code: 'InvalidInput', field: 'catalogEntryId', rule: 'exists', detail: `No catalog entry ${catalogEntryId} is shared` }]);
      // Who takes part: the city authority, the agency of its level whose attribute it is, the leading group.
      const found = await disputeParties(db, actor.org, entry.provider_org_id);
      if ('refusal' in found) throw refusal(found.refusal);
      if (!objection.trim())
        throw invalid([
          { code: 'InvalidInput', field: 'objection', rule: 'required', article: 'Art. 13', detail: 'A dispute states why the authority objects (Art. 13 ¶3)' },
        ]);
      const content = entryContentOf(entry);
      // Issue 24 §3: a NONE proposed cites a level accepted for the agency's catalog (the workflow asks it too, and every
      // COUNTER and DECIDE of the dispute after it).
      const noneBasis = noneShareBasisLevels(basisPolicyOf(deps), found.governmentDepartment);
      const violations = positionViolations(proposal, content, 'proposal');
      const low = violations.length ? null : disputeNoneBasisViolation(proposal, { noneBasis }, 'proposal.basis');
      if (low) violations.push(low);
      if (samePosition(proposal, content.share))
        violations.push({
          code: 'InvalidInput',
          field: 'proposal',
          rule: 'differs from the published',
          article: 'Art. 13',
          detail: 'The proposal is the published share attribute: there is nothing to dispute',
        });
      if (violations.length) throw invalid(violations);
      // One dispute at a time: the entry shows the one running (a retry with the same key finds its own request;
      // two raised at the same moment, the workflow lets one take the entry).
      const key = request.headers['idempotency-key'] as string | undefined;
      if (entry.share_dispute && !(key && entry.share_dispute === requestIdFor(actor.sub, key)))
        throw problem('RequestNotActive', `The share attribute of ${catalogEntryId} is already disputed (request ${entry.share_dispute})`, 'Art. 13');
      return startAndAnswer(deps, request, reply, {
        type: 'share_dispute',
        body: request.body,
        input: (s): ShareDisputeInput => ({
          ...s,
          applicant: actor,
          entryId: catalogEntryId,
          published: content.share,
          proposal,
          objection,
          policy: deps.policies.share_dispute,
          parties: found.parties,
          noneBasis,
        }),
      });
    },
  );
};

/** A COUNTER's or a DECIDE's form is a position (its Art. 13 ¶2 rules are the task kind's). */
export const DISPUTE_API: ProcedureApi = {
  routes: disputeRoutes,
  decisions: { DISPUTE_CONSULTATION: { COUNTER: { form: SharePositionSchema } }, DISPUTE_DECISION: { DECIDE: { form: SharePositionSchema } } },
};
