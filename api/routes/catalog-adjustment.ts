// The catalog adjustment procedure (Art. 9 ¶2): an agency applies to change its own catalog. Reading,
// cancelling and deciding are generic (routes/requests.ts, routes/tasks.ts); a resubmission's form is
// checked here (ADJUSTMENT_API) as the submission is.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { currentEntries, currentEntryOf, getCatalogEntry } from '../../db/repositories/catalog';
import { adjustmentParties, consultationOf, type AdjustmentParties } from '../../db/repositories/catalog-adjustment';
import { getRequest } from '../../db/repositories/requests';
import { adjustmentReview, noneBasisViolations, noneShareBasisLevels, type NoneBasisPolicy, type ObjectionForm } from '../../domain/catalog-adjustment';
import { adjustmentViolations, fieldLabelViolations, type AdjustmentForm } from '../../domain/catalog';
import { MAX_FORM_BYTES, MAX_FORM_NODES } from '../../domain/text';
import type { OrgActor } from '../../domain/types';
import type { Db } from '../../db';
import { commentUpdate, type CatalogAdjustmentInput } from '../../workflows/definitions';
import { requireMember } from '../auth';
import { invalid, problem, refusal } from '../problem';
import { AdjustmentFormSchema, CommentBody, ConsultationSchema, ObjectionFormSchema } from '../schemas/catalog-adjustment';
import { IdParams } from '../schemas/common';
import { StartedResponses, StartHeaders } from '../schemas/requests';
import { startAndAnswer } from '../start-request';
import { updateRequest } from '../engine';
import type { ProcedureApi } from '../procedure';
import type { ApiDeps } from '../types';
import { STARTED_BY } from '../../domain/requests';
import { logCase } from '../logging';

/** Who applies and reviews (db/repositories/catalog-adjustment.ts), or the refusal as a problem. */
export async function adjustmentPartiesOf(db: Db, actor: OrgActor): Promise<AdjustmentParties> {
  const found = await adjustmentParties(db, actor.org);
  if ('refusal' in found) throw refusal(found.refusal);
  return found.parties;
}

/** The share policy's part that says which levels a NONE share attribute's basis may cite (issue 24 §3), as the run carries it. */
export const basisPolicyOf = (deps: Pick<ApiDeps, 'policies'>): NoneBasisPolicy => ({
  refusalBasisLevels: deps.policies.share.refusalBasisLevels,
  regulationScope: deps.policies.share.regulationScope,
});

/** Issue 24 §3: the entries `form` marks 不予共享 whose basis cites no level accepted for the applicant's catalog. */
export const noneBasisViolationsOf = (deps: Pick<ApiDeps, 'policies'>, form: AdjustmentForm, parties: Pick<AdjustmentParties, 'governmentDepartment'>) =>
  noneBasisViolations(form, noneShareBasisLevels(basisPolicyOf(deps), parties.governmentDepartment));

/** What the API checks of an adjustment before the workflow sees it: who applies and reviews, and every change against the catalog as it stands. */
async function checkAdjustment(
  deps: Pick<ApiDeps, 'db' | 'policies'>,
  form: AdjustmentForm,
  actor: OrgActor,
  part: 'body' | `body.${string}` = 'body',
): Promise<AdjustmentParties> {
  const { db } = deps;
  const parties = await adjustmentPartiesOf(db, actor);
  const rows = await currentEntries(
    db,
    form.changes.flatMap((c) => (c.op === 'add' ? [] : [c.entryId])),
  );
  const violations = [
    ...adjustmentViolations(form, actor.org, (id) => {
      const r = rows.get(id);
      return r && currentEntryOf(r);
    }),
    ...fieldLabelViolations(form),
    ...noneBasisViolationsOf(deps, form, parties),
  ];
  if (violations.length) throw invalid(violations, part);
  return parties;
}

/** The dispute an OBJECT starts takes an existing entry: one already running there is settled first (Art. 13 ¶3). */
async function checkObjection(db: Db, form: unknown): Promise<void> {
  const { entryId } = form as ObjectionForm;
  const entry = entryId === undefined ? undefined : await getCatalogEntry(db, entryId);
  if (entry?.share_dispute)
    throw problem('RequestNotActive', `The share attribute of ${entry.id} is already disputed (request ${entry.share_dispute})`, 'Art. 13');
}

/**
 * Applies for `form` and answers with the request: 201, or 200 for a retry. `checked`: the parties of a form
 * whose rules the caller checked already (the spreadsheet import, by row); otherwise it is checked here.
 */
export async function submitAdjustment(deps: ApiDeps, request: FastifyRequest, reply: FastifyReply, form: AdjustmentForm, checked?: AdjustmentParties) {
  const actor = requireMember(request, ...STARTED_BY.catalog_adjustment);
  const parties = checked ?? (await checkAdjustment(deps, form, actor));
  return startAndAnswer(deps, request, reply, {
    type: 'catalog_adjustment',
    body: form,
    input: (s): CatalogAdjustmentInput => ({
      ...s,
      applicant: actor,
      form,
      policy: deps.policies.catalog_adjustment,
      ...parties,
      disputePolicy: deps.policies.share_dispute,
      // Who reviews, and when, decided here and carried by the run (issue 24 §7).
      review: adjustmentReview(form.ground, parties.governmentDepartment),
      basisPolicy: basisPolicyOf(deps),
    }),
  });
}

export const adjustmentRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const { db } = deps;
  app.post(
    '/catalog/adjustments',
    {
      schema: {
        tags: ['catalog'],
        summary:
          "Add, change or remove entries of one's own catalog (Art. 9): the authority of the same level reviews before publication (a government department's, or on Art. 9 ¶2's grounds) or afterwards",
        headers: StartHeaders,
        body: AdjustmentFormSchema,
        response: StartedResponses,
      },
      config: { articles: { ground: 'Art. 9', justification: 'Art. 9', changes: 'Art. 9' }, maxNodes: MAX_FORM_NODES },
      bodyLimit: MAX_FORM_BYTES,
    },
    async (request, reply) => {
      return submitAdjustment(deps, request, reply, request.body as AdjustmentForm);
    },
  );

  // Art. 18 ¶2: the public consultation before entries are marked for priority opening. Open to anyone
  // signed in (the public, industry organisations, enterprises, departments), not only the parties.
  /** An adjustment's request row, for anyone: what a consultation is about is public. */
  const adjustmentOf = async (request: FastifyRequest, id: string) => {
    const row = await getRequest(db, id);
    if (!row || row.type !== 'catalog_adjustment') throw problem('RequestNotFound');
    logCase(request, row);
    return row;
  };

  app.post(
    '/catalog/adjustments/:id/comments',
    {
      schema: {
        tags: ['catalog'],
        summary: 'Comment in the public consultation on entries an adjustment marks for priority opening (Art. 18 ¶2)',
        params: IdParams,
        body: CommentBody,
        response: { 201: Type.Object({ id: Type.String() }) },
      },
      config: { articles: { text: 'Art. 18', kind: 'Art. 18' } },
    },
    async (request, reply) => {
      const row = await adjustmentOf(request, request.params.id);
      const { kind, text } = request.body;
      if (!text.trim()) throw invalid([{ code: 'InvalidInput', field: 'text', rule: 'required', article: 'Art. 18', detail: 'A comment has text' }]);
      const made = await updateRequest(deps, row.workflow_id, commentUpdate, [{ actor: request.actor, kind, text }]);
      return reply.code(201).send(made);
    },
  );

  app.get(
    '/catalog/adjustments/:id/consultation',
    {
      schema: {
        tags: ['catalog'],
        summary: "An adjustment's public consultation (Art. 18 ¶2): the entries, until when, the comments, and the agency's response",
        params: IdParams,
        querystring: Type.Object({
          cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$' })),
          limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
        }),
        response: { 200: ConsultationSchema },
      },
    },
    async (request) => {
      const row = await adjustmentOf(request, request.params.id);
      const { cursor, limit } = request.query;
      const found = await consultationOf(db, row.id, Number(cursor ?? 0), limit + 1);
      if (!found.opened) throw problem('RequestNotFound', 'This adjustment has no public consultation');
      const page = found.comments.slice(0, limit);
      return {
        requestId: row.id,
        endsAt: found.opened.endsAt,
        open: row.status === 'in_review' && Date.parse(found.opened.endsAt) > Date.now(),
        entries: found.opened.entries,
        response: found.response,
        items: page.map((c) => ({ n: c.n, kind: c.author_kind, org: c.author_org, text: c.text, createdAt: c.created_at.toISOString() })),
        nextCursor: found.comments.length > limit ? String(page[page.length - 1].n) : null,
      };
    },
  );
};

export const ADJUSTMENT_API: ProcedureApi = {
  routes: adjustmentRoutes,
  decisions: {
    CATALOG_ADJUSTMENT_CITY_REVIEW: {
      OBJECT: { form: ObjectionFormSchema, preflight: ({ deps, form }) => checkObjection(deps.db, form) },
    },
    // A RESUBMIT's form is a whole adjustment, fitting the catalog as it stands.
    CATALOG_ADJUSTMENT_REVISION: {
      RESUBMIT: {
        form: AdjustmentFormSchema,
        preflight: ({ deps, request, form }) =>
          checkAdjustment(deps, form as AdjustmentForm, requireMember(request, 'agency_applicant'), 'body.form').then(() => undefined),
      },
    },
  },
};
