// Grants (Art. 14–15): the grantee's, the provider's and the city authority's view, and their ending early.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { getGrant, grantOrgsOf, listGrants, listUsageFilings, pendingRenewal, renewalsAsked } from '../../db/repositories/grants';
import { getRequest } from '../../db/repositories/requests';
import { grantRevokers, shareParties } from '../../db/repositories/share';
import { STARTED_BY } from '../../domain/requests';
import {
  onwardProvisionViolation,
  onwardThirdPartyViolation,
  type OnwardProvision,
  RENEWAL_ARTICLE,
  renewalForm,
  renewalViolation,
  revokeViolation,
  shareRequestViolations,
  type RenewalEdit,
  type ShareRequestForm,
} from '../../domain/share';
import type { Actor } from '../../domain/types';
import { askOnwardProvisionUpdate, revokeGrantUpdate, type ShareRequestInput } from '../../workflows/definitions';
import { getOrganisation } from '../../db/repositories/organisations';
import { unstorable } from '../../domain/text';
import { requireMember } from '../auth';
import { logCase } from '../logging';
import { invalid, problem, ProblemError, refusal } from '../problem';
import { DerivedIdParams, Page } from '../schemas/common';
import { GrantSchema, OnwardProvisionBody, RenewalBody, RevokeBody, UsageFilingSchema } from '../schemas/grants';
import { StartedResponses } from '../schemas/requests';
import { requestIdFor, startRequest } from '../start-request';
import { updateRequest } from '../engine';
import type { ApiDeps } from '../types';
import { decodeCursor, encodeCursor, grantView, requestView } from '../views';

export const grantRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const { db } = deps;
  const grantOrgs = (actor: Actor) => grantOrgsOf(db, actor, deps.platformOperators);

  async function visibleGrant(actor: Actor, id: string) {
    const grant = await getGrant(db, id);
    const orgs = grant && (await grantOrgs(actor));
    if (!grant || (orgs && !orgs.includes(grant.grantee_org) && !orgs.includes(grant.provider_org))) throw problem('GrantNotFound');
    return grant;
  }

  app.get(
    '/grants',
    {
      schema: {
        tags: ['grants'],
        summary: "Grants of the caller's organisation as grantee or provider (a city authority: its city's), by id",
        querystring: Type.Object({
          status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('revoked')])),
          catalogEntryId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          cursor: Type.Optional(Type.String({ maxLength: 500 })),
          limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
        }),
        response: { 200: Page(GrantSchema) },
      },
    },
    async (request) => {
      const { status, catalogEntryId, cursor, limit } = request.query;
      const after = decodeCursor(cursor, ['id']);
      const rows = await listGrants(db, { orgs: await grantOrgs(request.actor), status, catalogEntryId, afterId: after?.[0], limit: limit + 1 });
      const page = rows.slice(0, limit);
      return { items: page.map(grantView), nextCursor: rows.length > limit ? encodeCursor([page[page.length - 1].id]) : null };
    },
  );

  app.get(
    '/grants/:id',
    {
      schema: {
        tags: ['grants'],
        summary: 'One grant with its Art. 15 terms',
        params: DerivedIdParams,
        response: { 200: GrantSchema },
      },
    },
    async (request) => grantView(await visibleGrant(request.actor, request.params.id)),
  );

  app.get(
    '/grants/:id/usage-records',
    {
      schema: {
        tags: ['grants'],
        summary:
          "The grantee's usage records of a grant, each period's filing (who used the data, when, for which purpose, or none used), the latest first: the grantee, the providing agency and the city authority read them (《政务数据共享条例》使用记录)",
        params: DerivedIdParams,
        response: { 200: Type.Object({ items: Type.Array(UsageFilingSchema) }) },
      },
    },
    async (request) => {
      const grant = await visibleGrant(request.actor, request.params.id);
      const rows = await listUsageFilings(db, grant.id);
      return {
        items: rows.map((r) => ({
          taskId: r.task_id,
          period: { from: r.period_from.toISOString(), to: r.period_to.toISOString(), label: r.period_label },
          noUse: r.no_use,
          records: r.records,
          filedBy: { sub: r.filed_by_sub, org: r.filed_by_org },
          filedAt: r.filed_at.toISOString(),
        })),
      };
    },
  );

  /**
   * 续期 (issue 24 §6): the grantee's applicant asks, before the grant expires, to renew it. The renewal is a new share
   * request, pre-filled from the grant (its entry and fields, its purpose and the duty served unless edited, the entry's
   * conditions applied again) and naming the grant (`renews`): reviewed jointly as a conditional request, and, approved
   * before the grant expires, its grant's term starts at that expiry. One renewal at a time (RenewalPending).
   */
  app.post(
    '/grants/:id/renewal',
    {
      schema: {
        tags: ['grants'],
        summary:
          "The grantee's applicant asks to renew its active grant before it expires: a new conditional share request pre-filled from the grant and linked to it (`renews`), reviewed jointly; approved before expiry, the new grant's term starts at the old one's expiry (no gap, no overlap); one renewal at a time (409 RenewalPending)",
        params: DerivedIdParams,
        body: RenewalBody,
        response: StartedResponses,
      },
      config: { articles: { scenario: 'Art. 15', statutoryDuty: 'Art. 15', commitment: 'Art. 15' } },
    },
    async (request, reply) => {
      // Whoever does not see the grant is told there is none, before whether they may renew it.
      const grant = await visibleGrant(request.actor, request.params.id);
      const actor = requireMember(request, ...STARTED_BY.share);
      const pending = (await pendingRenewal(db, grant.id)) ?? null;
      // The rule the workflow applies again as it starts (domain/share.ts renewalViolation).
      const violation = renewalViolation(actor, {
        granteeOrg: grant.grantee_org,
        status: grant.status,
        expiresAt: grant.expires_at.toISOString(),
        stopping: grant.revocation?.decision === 'CONSENT',
        pending,
      });
      if (violation) throw violation.rule && !violation.field ? invalid([violation]) : refusal(violation);
      // The form the grant was asked with: a refusal dispute's grant was asked by the refused request it disputed.
      const made = await getRequest(db, grant.request_id);
      const askedBy = made?.type === 'refusal_dispute' ? await getRequest(db, (made.payload as { shareRequestId: string }).shareRequestId) : made;
      const original = askedBy?.payload as Partial<ShareRequestForm> | undefined;
      const form = renewalForm(
        { catalogEntryId: grant.catalog_entry_id, fields: grant.scope.fields, purpose: grant.purpose },
        original ?? {},
        request.body as RenewalEdit,
      );
      const { context, parties } = await shareParties(db, form.catalogEntryId, actor.org);
      const violations = shareRequestViolations(form, context);
      if (violations.length) throw invalid(violations);
      const taken = () =>
        invalid([
          { code: 'RenewalPending', rule: 'one renewal at a time', article: RENEWAL_ARTICLE, detail: 'A renewal of this grant is already being decided' },
        ]);
      // The n-th renewal of a grant is one request (its id drawn from the grant and n), so renewals asked at once start
      // one. One the workflow refused as it started left no request to count: its id is spent, and the next is taken.
      const asked = await renewalsAsked(db, grant.id);
      const renew = (n: number): ReturnType<typeof startRequest> =>
        startRequest(deps, {
          type: 'share',
          actor,
          idempotencyKey: undefined,
          requestId: requestIdFor(grant.id, `renewal\n${n}`),
          body: { ...form, renews: grant.id },
          input: (s): ShareRequestInput => ({ ...s, applicant: actor, form, policy: deps.policies.share, renews: grant.id, ...(parties ? { parties } : {}) }),
        }).catch((err: unknown) => {
          // Another renewal asked at the same moment with another purpose: it is the one being decided.
          if (err instanceof ProblemError && err.code === 'IdempotencyKeyReused') throw taken();
          if (err instanceof ProblemError && err.code === 'RequestNotActive' && n < asked + 3) return renew(n + 1);
          throw err;
        });
      const { whole, created } = await renew(asked);
      // Of renewals asked at once, the one whose submission started the request stands.
      if (!created) throw taken();
      logCase(request, whole.row);
      return reply.code(201).header('location', `/requests/${whole.row.id}`).send(requestView(whole, actor));
    },
  );

  /**
   * 向第三方提供 (issue 24 §6): the grantee's applicant asks to provide its grant's data to a third party. The Measures forbid
   * it (Art. 15: 409 OnwardProvisionForbidden) unless the run's policy follows the 条例 (`onwardProvision: provider_consent`,
   * shown in the grant's terms); then the providing agency gets SHARE_ONWARD_PROVISION (CONSENT, or REFUSE with a reason),
   * decided through POST /tasks/{id}/complete. One ask at a time; the same rule in the workflow's validator.
   */
  app.post(
    '/grants/:id/onward-provision',
    {
      schema: {
        tags: ['grants'],
        summary:
          "The grantee's applicant asks to provide its grant's data to a third party (a government department of the directory, else 400 naming thirdPartyOrg; a purpose, fields among the grant's): forbidden by Art. 15 unless the policy follows the 《政务数据共享条例》 (409 OnwardProvisionForbidden); allowed, the providing agency consents or refuses on its SHARE_ONWARD_PROVISION task (202, the ask in `onwardProvisions`)",
        params: DerivedIdParams,
        body: OnwardProvisionBody,
        response: { 202: GrantSchema },
      },
      config: { articles: { thirdPartyOrg: 'Art. 15', purpose: 'Art. 15', fields: 'Art. 15' } },
    },
    async (request, reply) => {
      const { actor } = request;
      const grant = await visibleGrant(actor, request.params.id);
      const { thirdPartyOrg, purpose, fields } = request.body;
      // The rule the workflow's validator applies too; the policy as the grant's terms recorded it from the run's.
      const violation = onwardProvisionViolation(
        actor,
        {
          granteeOrg: grant.grantee_org,
          providerOrg: grant.provider_org,
          fields: grant.scope.fields,
          active: grant.status === 'active',
          policy: (grant.terms as { onwardProvision?: OnwardProvision } | null)?.onwardProvision,
          pending: (grant.onward ?? []).some((t) => t.status === 'open'),
        },
        request.body,
      );
      if (violation) throw violation.rule && !violation.field ? invalid([violation]) : refusal(violation);
      // A government department of the directory (the 条例's consent route reaches no one else).
      const thirdParty = onwardThirdPartyViolation(thirdPartyOrg, await getOrganisation(db, thirdPartyOrg));
      if (thirdParty) throw invalid([thirdParty]);
      const bad = unstorable(purpose, 'purpose');
      if (bad) throw invalid([bad]);
      await updateRequest(deps, grant.workflow_id, askOnwardProvisionUpdate, [{ actor, thirdPartyOrg, purpose, fields }]);
      reply.code(202);
      return grantView((await getGrant(db, grant.id))!);
    },
  );

  app.post(
    '/grants/:id/revoke',
    {
      schema: {
        tags: ['grants'],
        summary:
          'End a grant early, naming a ground from the list and a reason: the city authority ends it (200); the providing agency asks, and the grant ends once the city authority consents to it (202, the request in `revocation`) (Art. 14, 15); the grantee ends its own grant as its purpose is achieved (ground purpose_achieved), confirming in `deletion` the data received deleted (200; 《政务数据共享条例》)',
        params: DerivedIdParams,
        body: RevokeBody,
        response: { 200: GrantSchema, 202: GrantSchema },
      },
      config: { articles: { ground: 'Art. 14', reason: 'Art. 15' } },
    },
    async (request, reply) => {
      const { actor } = request;
      const { ground, reason, deletion } = request.body;
      const grant = await visibleGrant(actor, request.params.id);
      // The rule the workflow's validator applies too (who, when, on what ground, the grantee's deletion), checked before it is asked.
      const violation = revokeViolation(
        actor,
        {
          ...(await grantRevokers(db, grant)),
          active: grant.status === 'active',
          // Awaiting the authority, or consented and ending after the grantee's notice (条例).
          consentAwaited: grant.revocation?.status === 'open' || grant.revocation?.decision === 'CONSENT',
          grantedAt: grant.granted_at.toISOString(),
        },
        ground,
        reason,
        deletion,
      );
      if (violation) throw refusal(violation);
      await updateRequest(deps, grant.workflow_id, revokeGrantUpdate, [{ actor, ground, reason, ...(deletion ? { deletion } : {}) }]);
      const after = (await getGrant(db, grant.id))!;
      // Still active: the provider's request awaits the city authority's consent.
      if (after.status === 'active') reply.code(202);
      return grantView(after);
    },
  );
};
