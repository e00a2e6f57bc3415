// The refusal dispute (《政务数据共享条例》, issue 24 §3): the applicant whose share request was refused disputes it
// within the window. Reading it is generic (routes/requests.ts); the turns, the authority's coordination and the
// leading group's decision are tasks (routes/tasks.ts), whose forms are published here (REFUSAL_DISPUTE_API).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { disputeWindowEnds, refusalOf } from '../../db/repositories/refusal-dispute';
import { STARTED_BY } from '../../domain/requests';
import { REFUSAL_DISPUTE_ARTICLE, refusalDisputeViolation, refusalPositionViolation, type RefusalPosition } from '../../domain/refusal-dispute';
import { type RefusalDisputeInput } from '../../workflows/definitions';
import { requireMember } from '../auth';
import { invalid, problem, refusal } from '../problem';
import type { ProcedureApi } from '../procedure';
import { RefusalDisputeBody, RefusalPositionSchema, RefusalTermsSchema } from '../schemas/refusal-dispute';
import { StartedResponses, StartHeaders } from '../schemas/requests';
import { requestIdFor, startAndAnswer } from '../start-request';
import type { ApiDeps } from '../types';

export const refusalDisputeRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const { db } = deps;
  app.post(
    '/refusal-disputes',
    {
      schema: {
        tags: ['requests'],
        summary:
          'The applicant disputes the refusal of its share request within the window (《政务数据共享条例》): the parties consult in turns, the authority coordinates, the leading group decides',
        headers: StartHeaders,
        body: RefusalDisputeBody,
        response: StartedResponses,
      },
      config: { articles: { shareRequestId: REFUSAL_DISPUTE_ARTICLE, reason: REFUSAL_DISPUTE_ARTICLE, fields: 'Art. 14', conditions: 'Art. 15' } },
    },
    async (request, reply) => {
      const actor = requireMember(request, ...STARTED_BY.refusal_dispute);
      const body = request.body as { shareRequestId: string; reason: string; fields?: string[]; conditions?: string | null };
      const policy = deps.policies.refusal_dispute;
      const refused = await refusalOf(db, body.shareRequestId);
      const windowEnds = refused?.refusedAt ? await disputeWindowEnds(db, refused.refusedAt, policy.refusalDisputeWindow) : null;
      // A retry with the same key finds its own dispute; two raised at once, the workflow lets one take the refusal.
      const key = request.headers['idempotency-key'] as string | undefined;
      const violation = refusalDisputeViolation(refused, actor, windowEnds, Date.now(), key ? requestIdFor(actor.sub, key) : undefined);
      if (violation) throw refusal(violation);
      if (!refused!.entry || !refused!.parties)
        throw problem('InvalidInput', 'The refusal has no reviewer, entry or leading group to take the dispute', REFUSAL_DISPUTE_ARTICLE);
      if (!body.reason.trim())
        throw invalid([
          { code: 'InvalidInput', field: 'reason', rule: 'required', article: REFUSAL_DISPUTE_ARTICLE, detail: 'A dispute states why the refusal is wrong' },
        ]);
      // What the applicant asks for: the fields it named (or those it asked for, or all the entry's), on the conditions it accepts.
      const position: RefusalPosition = {
        grant: true,
        fields: body.fields ?? (refused!.form.fields?.length ? refused!.form.fields : refused!.entry.fields),
        conditions: body.conditions ?? null,
      };
      const bad = refusalPositionViolation(position, '', refused!.entry.fields);
      if (bad) throw invalid([{ ...bad, field: bad.field?.replace(/^\./, '') }]);
      return startAndAnswer(deps, request, reply, {
        type: 'refusal_dispute',
        body: request.body,
        input: (s): RefusalDisputeInput => ({
          ...s,
          applicant: actor,
          shareRequestId: body.shareRequestId,
          reason: body.reason,
          position,
          policy,
          grantPolicy: deps.policies.share,
        }),
      });
    },
  );
};

/** A COUNTER's and a SETTLE's form is a position; a GRANT's, the terms decided (their rules are the task kinds'). */
export const REFUSAL_DISPUTE_API: ProcedureApi = {
  routes: refusalDisputeRoutes,
  decisions: {
    REFUSAL_DISPUTE_CONSULTATION: { COUNTER: { form: RefusalPositionSchema } },
    REFUSAL_DISPUTE_COORDINATION: { SETTLE: { form: RefusalPositionSchema } },
    REFUSAL_DISPUTE_DECISION: { GRANT: { form: RefusalTermsSchema } },
  },
};
