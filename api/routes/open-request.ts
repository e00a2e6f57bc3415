// Conditional open applications (Art. 17, 20) and the agreements they end in: applying, reading the agreement
// and its printable document, terminating it. Deciding and signing are tasks (routes/tasks.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { getCatalogEntry, openEntryOf } from '../../db/repositories/catalog';
import { getRequest } from '../../db/repositories/requests';
import type { Executor } from '../../db';
import { agreementScopeOf, agreementsPage, agreementVisible, getAgreement, type AgreementRow } from '../../db/repositories/agreements';
import { getPrincipal } from '../../db/repositories/principals';
import {
  DEFAULT_OPEN_PLATFORM_URL,
  opennessRefusal,
  openRequestRefusal,
  openRequestViolations,
  terminationRefusal,
  terminationViolation,
  type OpenRequestForm,
} from '../../domain/open-request';
import { IDENTITY_DOCUMENT_LABELS, type IdentityDocumentType } from '../../domain/ids';
import type { Actor } from '../../domain/types';
import { revokeGrantUpdate, type OpenRequestInput } from '../../workflows/definitions';
import { requireRole } from '../auth';
import { actingAs } from './legal-agents';
import { agreementHtml, agreementPdf, DEFAULT_AGREEMENT_FONT, pdfFontAvailable } from '../agreement-document';
import { invalid, problem } from '../problem';
import { DerivedIdParams, Page } from '../schemas/common';
import { AgreementSchema, ApproveForm, OpenRequestBody, SignForm, TerminateBody } from '../schemas/open-request';
import { StartedResponses, StartHeaders } from '../schemas/requests';
import { startAndAnswer } from '../start-request';
import { updateRequest } from '../engine';
import type { DecisionApi, ProcedureApi } from '../procedure';
import type { ApiDeps } from '../types';
import { agreementView, decodeCursor, encodeCursor } from '../views';
import { STARTED_BY } from '../../domain/requests';

/** A SIGN of an agreement takes effect only while its entry's data is open (Art. 17, 21): refused before the workflow checks it again as it writes. */
async function checkSigning(db: Executor, requestId: string): Promise<void> {
  const request = await getRequest(db, requestId);
  const row = request?.catalog_entry_id ? await getCatalogEntry(db, request.catalog_entry_id) : undefined;
  const refused = row
    ? opennessRefusal(openEntryOf(row))
    : { code: 'RequestNotActive' as const, detail: "The agreement's catalog entry no longer exists", article: 'Art. 17' };
  if (refused) throw problem(refused.code, refused.detail, refused.article);
}

export const openRequestRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const { db } = deps;
  const platformUrl = deps.openPlatformUrl ?? DEFAULT_OPEN_PLATFORM_URL;
  const font = deps.agreementFont ?? DEFAULT_AGREEMENT_FONT;

  async function visibleAgreement(actor: Actor, id: string): Promise<AgreementRow> {
    const a = await getAgreement(db, id);
    if (!a || !agreementVisible(await agreementScopeOf(db, actor, deps.platformOperators), a))
      throw problem('RequestNotFound', `No agreement ${id} you may see`);
    return a;
  }

  app.post(
    '/open-requests',
    {
      schema: {
        tags: ['open data'],
        summary: 'Apply to use conditionally open data (Art. 17, 20); the providing agency decides, approval yields the agreement to sign',
        headers: StartHeaders,
        body: OpenRequestBody,
        response: StartedResponses,
      },
      config: { articles: { purpose: 'Art. 20', scenario: 'Art. 20', securityMeasures: 'Art. 20', accessMethod: 'Art. 16', fields: 'Art. 20' } },
    },
    async (request, reply) => {
      requireRole(request, ...STARTED_BY.open_request);
      const { actor } = request;
      const { onBehalfOf, ...body } = request.body;
      const form = body as OpenRequestForm;
      const violations = openRequestViolations(form);
      if (violations.length) throw invalid(violations);
      // The agreement names its licensee: who they said they are, their number masked (Art. 29).
      const principal = await getPrincipal(db, actor.sub);
      if (!principal) throw problem('PrincipalRequired', 'An agreement names its licensee: say who you are first (PUT /principals/me)', 'Art. 20');
      // Applying as a legal person's agent (or as its own account): the legal person is the licensee, the agent named.
      const legal = await actingAs(db, actor, onBehalfOf);
      const row = await getCatalogEntry(db, form.catalogEntryId);
      if (!row) throw invalid([{ code: 'InvalidInput', field: 'catalogEntryId', rule: 'exists', detail: `No catalog entry ${form.catalogEntryId}` }]);
      const entry = openEntryOf(row);
      const refused = openRequestRefusal(entry, form, platformUrl);
      if (refused) throw refused.field ? invalid([refused]) : problem(refused.code, refused.detail, refused.article);
      return startAndAnswer(deps, request, reply, {
        type: 'open_request',
        body: legal ? { ...form, onBehalfOf: legal.uscc } : form,
        input: (s): OpenRequestInput => ({
          ...s,
          applicant: actor,
          form,
          entry,
          licensee: legal
            ? { name: legal.name, identity: `统一社会信用代码 ${legal.uscc}`, ...(legal.agent ? { agent: legal.agent } : {}) }
            : {
                name: principal.name,
                identity: principal.id_masked
                  ? `${IDENTITY_DOCUMENT_LABELS[(principal.id_document_type ?? 'resident') as IdentityDocumentType]} ${principal.id_masked}`
                  : `统一社会信用代码 ${principal.uscc}`,
              },
          ...(legal ? { onBehalfOf: legal.uscc } : {}),
          platformUrl,
          policy: deps.policies.open_request,
        }),
      });
    },
  );

  app.get(
    '/agreements',
    {
      schema: {
        tags: ['open data'],
        summary: "Agreements the caller may see (own as licensee, their agency's, their division's), by id",
        querystring: Type.Object({
          status: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
          catalogEntryId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          requestId: Type.Optional(Type.String({ minLength: 1, maxLength: 300, description: 'The open application the agreement was drafted for' })),
          cursor: Type.Optional(Type.String({ maxLength: 500 })),
          limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
        }),
        response: { 200: Page(AgreementSchema) },
      },
    },
    async (request) => {
      const { status, catalogEntryId, requestId, cursor, limit } = request.query;
      const after = decodeCursor(cursor, ['id']);
      const scope = await agreementScopeOf(db, request.actor, deps.platformOperators);
      const rows = await agreementsPage(db, scope, {
        status: status as AgreementRow['status'] | undefined,
        catalogEntryId,
        requestId,
        after: after?.[0],
        limit,
      });
      const page = rows.slice(0, limit);
      return { items: page.map(agreementView), nextCursor: rows.length > limit ? encodeCursor([page[page.length - 1].id]) : null };
    },
  );

  app.get(
    '/agreements/:id',
    {
      schema: {
        tags: ['open data'],
        summary: 'One agreement: its terms, its text as signed, its hash and signatures',
        params: DerivedIdParams,
        response: { 200: AgreementSchema },
      },
    },
    async (request) => agreementView(await visibleAgreement(request.actor, request.params.id)),
  );

  app.get(
    '/agreements/:id/document',
    {
      schema: {
        tags: ['open data'],
        summary: 'The agreement as a printable Chinese document (HTML)',
        params: DerivedIdParams,
        produces: ['text/html'],
        response: { 200: Type.String() },
      },
    },
    async (request, reply) => {
      const a = await visibleAgreement(request.actor, request.params.id);
      return reply.type('text/html; charset=utf-8').header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'").send(agreementHtml(a));
    },
  );

  app.get(
    '/agreements/:id/document.pdf',
    {
      schema: {
        tags: ['open data'],
        summary: 'The agreement as a PDF (its CJK font embedded; 503 where none is installed: AGREEMENT_FONT)',
        params: DerivedIdParams,
        produces: ['application/pdf'],
      },
    },
    async (request, reply) => {
      const a = await visibleAgreement(request.actor, request.params.id);
      if (!pdfFontAvailable(font))
        throw problem('PdfUnavailable', `No CJK font at ${font}: install fonts-wqy-microhei or set AGREEMENT_FONT; the HTML document prints as well`);
      return reply
        .type('application/pdf')
        .header('content-disposition', `inline; filename="${encodeURIComponent(a.id)}.pdf"`)
        .send(await agreementPdf(a, font));
    },
  );

  app.post(
    '/agreements/:id/terminate',
    {
      schema: {
        tags: ['open data'],
        summary: 'End an agreement in force: the providing agency for a breach (reason required), or the licensee',
        params: DerivedIdParams,
        body: TerminateBody,
        response: { 200: AgreementSchema },
      },
      config: { articles: { reason: 'Art. 20' } },
    },
    async (request) => {
      const { actor } = request;
      const a = await visibleAgreement(actor, request.params.id);
      // The same rule the workflow's validator applies (who, when, with what reason), checked before it is asked.
      const violation = terminationViolation(
        actor,
        {
          providerOrg: a.provider_org,
          licensee: { sub: a.licensee_sub, org: null, roles: ['public_applicant'] },
          legalPerson: a.licensee_legal_person,
          inForce: a.status === 'in_force',
        },
        request.body.reason,
      );
      if (violation) throw problem(violation, terminationRefusal(violation), 'Art. 20');
      await updateRequest(deps, a.workflow_id, revokeGrantUpdate, [{ actor, reason: request.body.reason }]);
      return agreementView((await getAgreement(db, a.id))!);
    },
  );
};

/** A signature names the SHA-256 of the text it signs, and takes effect only while the data is open. */
const signing: DecisionApi = {
  form: SignForm,
  preflight: ({ deps, row }) => checkSigning(deps.db, row.request_id),
};

export const OPEN_REQUEST_API: ProcedureApi = {
  routes: openRequestRoutes,
  decisions: {
    OPEN_REQUEST_REVIEW: {
      APPROVE: { form: ApproveForm },
    },
    AGREEMENT_SIGNATURE: { SIGN: signing },
    AGREEMENT_COUNTERSIGNATURE: { SIGN: signing },
  },
};
