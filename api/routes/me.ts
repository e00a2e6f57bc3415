// Who the caller is (GET /me), and, in development only, signing in as one of the demo city's people without
// pasting a token (GET /dev/users, POST /dev/token): those routes exist only when buildApp is given devSignIn.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { actingFor } from '../../db/repositories/legal-agents';
import { getOrganisation, listOrganisations } from '../../db/repositories/organisations';
import { getPrincipal } from '../../db/repositories/principals';
import type { DemoUser } from '../../db/seed';
import { signToken } from '../auth';
import { invalid } from '../problem';
import { DemoUserSchema, DevTokenBody, MeSchema, OrganisationSchema, SignInOptionsSchema } from '../schemas/me';
import type { ApiDeps } from '../types';
import { noneShareBasisLevels } from '../../domain/catalog-adjustment';
import { basisPolicyOf } from './catalog-adjustment';

export const meRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const { db } = deps;
  // Public bodies by name, so that clients show names where views carry ids (tasks, entries, grants).
  app.get(
    '/organisations',
    {
      schema: {
        tags: ['describe'],
        summary: 'The organisations: agencies, authorities, the leading group, by id with their names and divisions',
        response: { 200: Type.Object({ items: Type.Array(OrganisationSchema) }) },
      },
    },
    async () => ({
      items: await listOrganisations(db),
    }),
  );
  app.get(
    '/me',
    {
      schema: {
        tags: ['describe'],
        summary: 'Who the caller is: roles, organisation, or who a member of the public said they are',
        response: { 200: MeSchema },
      },
    },
    async (request) => {
      const { sub, org, roles } = request.actor;
      const organisation = org === null ? null : await getOrganisation(db, org);
      const principal = org === null ? await getPrincipal(db, sub) : undefined;
      return {
        sub,
        roles,
        organisation: organisation
          ? {
              id: organisation.id,
              name: organisation.name,
              kind: organisation.kind,
              division: organisation.division,
              region: organisation.region,
              governmentDepartment: organisation.government_department,
              noneShareBasisLevels: noneShareBasisLevels(basisPolicyOf(deps), organisation.government_department),
            }
          : null,
        principal: principal
          ? {
              kind: principal.kind,
              name: principal.name,
              identity: principal.id_masked ?? principal.uscc,
              actsFor: principal.kind === 'natural' ? await actingFor(db, sub) : [],
            }
          : null,
      };
    },
  );
};

/** Development sign-in: the demo city's people, and a token for one of them. Registered only with devSignIn. */
export const devSignInRoutes: FastifyPluginAsyncTypebox<{ users: DemoUser[] }> = async (app, { users }) => {
  app.get(
    '/dev/users',
    {
      schema: {
        tags: ['development'],
        summary: "The demo city's people one may sign in as (development only)",
        security: [],
        response: { 200: Type.Object({ items: Type.Array(DemoUserSchema) }) },
      },
    },
    async () => ({
      items: users.map((u) => ({ label: u.label, sub: u.sub, name: u.name ?? null, org: u.org, roles: u.roles })),
    }),
  );
  app.post(
    '/dev/token',
    {
      schema: {
        tags: ['development'],
        summary: 'A 12-hour token for one of the demo people (development only)',
        security: [],
        body: DevTokenBody,
        response: { 200: Type.Object({ token: Type.String() }) },
      },
    },
    async (request) => {
      const user = users.find((u) => u.sub === request.body.sub);
      if (!user)
        throw invalid([{ code: 'InvalidInput', field: 'sub', rule: 'a demo user', detail: `No demo user ${request.body.sub}; GET /dev/users lists them` }]);
      return { token: signToken(request.server, user) };
    },
  );
};

/**
 * How one signs in, for the console before anyone has: the staff provider it runs the authorization code flow
 * with (PKCE), and whether the development sign-in is offered (only where its routes exist: development mode).
 */
export const signInRoutes: FastifyPluginAsyncTypebox<Pick<ApiDeps, 'staffOidc' | 'devSignIn'>> = async (app, { staffOidc, devSignIn }) => {
  const staff = staffOidc ? { issuer: staffOidc.issuer, discoveryUrl: staffOidc.discoveryUrl, clientId: staffOidc.clientId, scope: staffOidc.scope } : null;
  app.get(
    '/sign-in',
    {
      schema: {
        tags: ['describe'],
        summary: "How to sign in: the staff identity provider (discovery, the console's client id, scopes) and whether the development sign-in is offered",
        security: [],
        response: { 200: SignInOptionsSchema },
      },
    },
    async () => ({ staff, development: devSignIn === true }),
  );
};
