// Grants (Art. 14–15): the grantee's, the provider's and the city authority's view, and their ending early.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { getGrant, grantOrgsOf, listGrants, listUsageFilings } from '../../db/repositories/grants';
import { grantRevokers } from '../../db/repositories/share';
import { revokeViolation } from '../../domain/share';
import type { Actor } from '../../domain/types';
import { revokeGrantUpdate } from '../../workflows/definitions';
import { problem, refusal } from '../problem';
import { DerivedIdParams, Page } from '../schemas/common';
import { GrantSchema, RevokeBody, UsageFilingSchema } from '../schemas/grants';
import { updateRequest } from '../engine';
import type { ApiDeps } from '../types';
import { decodeCursor, encodeCursor, grantView } from '../views';

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
