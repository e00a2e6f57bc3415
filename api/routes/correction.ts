// Error correction (Art. 11): someone using shared or opened data reports an error in an entry's data, and an
// entry's reports are read together. Reading one report, withdrawing it and the agency's verification are
// generic (routes/requests.ts, routes/tasks.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { getCatalogEntry } from '../../db/repositories/catalog';
import { correctionParties, correctionReports } from '../../db/repositories/correction';
import { overseenOrgIds } from '../../db/repositories/organisations';
import { correctionViolations, type CorrectionForm, type Evidence } from '../../domain/correction';
import { STARTED_BY } from '../../domain/requests';
import type { Actor } from '../../domain/types';
import { type CorrectionInput } from '../../workflows/definitions';
import { requireRole } from '../auth';
import { invalid, problem } from '../problem';
import type { ProcedureApi } from '../procedure';
import { IdParams, Page } from '../schemas/common';
import { CorrectedForm, CorrectionBody, CorrectionReportSchema, CorrectionsQuery } from '../schemas/correction';
import { StartedResponses, StartHeaders } from '../schemas/requests';
import { RequestInfoForm } from '../schemas/share';
import { startAndAnswer } from '../start-request';
import type { ApiDeps } from '../types';
import { decodeCursor, encodeCursor, overseenBy } from '../views';

/**
 * Whether `actor` reads every report of an entry `providerOrg` provides: its own agency, the authorities over
 * it (an authority's reviewers, supervisors and admins of the organisations they oversee). Others read their own.
 */
async function readsAllReports(deps: ApiDeps, actor: Actor, providerOrg: string): Promise<boolean> {
  if (actor.org === null) return false;
  if (actor.org === providerOrg) return true;
  const overseen = await overseenBy(deps, actor);
  if (!overseen || overseen.includes(providerOrg)) return true;
  return actor.roles.includes('authority_reviewer') && (await overseenOrgIds(deps.db, actor.org)).includes(providerOrg);
}

export const correctionRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const { db } = deps;
  app.post(
    '/corrections',
    {
      schema: {
        tags: ['catalog'],
        summary:
          'Report an error in an entry’s data, as an agency holding a grant of it or a member of the public using it (Art. 11); the providing agency verifies it',
        headers: StartHeaders,
        body: CorrectionBody,
        response: StartedResponses,
      },
      config: { articles: { problem: 'Art. 11', items: 'Art. 11', evidence: 'Art. 11' } },
    },
    async (request, reply) => {
      requireRole(request, ...STARTED_BY.correction);
      const { actor } = request;
      const form = request.body as CorrectionForm;
      const entry = await getCatalogEntry(db, form.catalogEntryId);
      if (!entry) throw invalid([{ code: 'InvalidInput', field: 'catalogEntryId', rule: 'exists', detail: `No catalog entry ${form.catalogEntryId}` }]);
      const violations = correctionViolations(
        form,
        entry.fields.map((f) => f.name),
      );
      if (violations.length) throw invalid(violations);
      const taking = await correctionParties(db, entry, actor);
      if ('refusal' in taking) throw invalid([taking.refusal]);
      return startAndAnswer(deps, request, reply, {
        type: 'correction',
        body: form,
        input: (s): CorrectionInput => ({ ...s, applicant: actor, form, ...taking.parties, policy: deps.policies.correction }),
      });
    },
  );

  app.get(
    '/catalog/:id/corrections',
    {
      schema: {
        tags: ['catalog'],
        summary:
          'The error reports of an entry and their outcomes, newest first (Art. 11): all of them for its agency and the authorities over it, one’s own for anyone else',
        params: IdParams,
        querystring: CorrectionsQuery,
        response: { 200: Page(CorrectionReportSchema) },
      },
    },
    async (request) => {
      const { actor } = request;
      const { cursor, limit } = request.query;
      const entry = await getCatalogEntry(db, request.params.id);
      if (!entry) throw problem('EntryNotFound');
      const before = decodeCursor(cursor, ['instant', 'id']);
      const all = await readsAllReports(deps, actor, entry.provider_org_id);
      const rows = await correctionReports(db, entry.id, {
        ...(all ? {} : { reporter: { sub: actor.sub, org: actor.org } }),
        before: before && [before[0], before[1]],
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        items: page.map((r) => {
          const form = r.payload as Partial<CorrectionForm>;
          return {
            requestId: r.id,
            status: r.status,
            own: r.applicant_sub === actor.sub && r.applicant_org === actor.org,
            items: form.items ?? [],
            records: form.records ?? null,
            problem: form.problem ?? '',
            evidence: (form.evidence ?? []) as Evidence[],
            outcome: r.outcome,
            createdAt: r.created_at.toISOString(),
            updatedAt: r.updated_at.toISOString(),
          };
        }),
        nextCursor: rows.length > limit ? encodeCursor([last.created_at_exact, last.id]) : null,
      };
    },
  );
};

export const CORRECTION_API: ProcedureApi = {
  routes: correctionRoutes,
  decisions: {
    CORRECTION_VERIFICATION: {
      CORRECTED: { form: CorrectedForm },
      // Asked once, every missing item listed at once with why (一次性告知), as a share review asks.
      REQUEST_INFO: { form: RequestInfoForm },
    },
  },
};
