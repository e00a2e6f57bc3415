// Bearer JWT identities (sub, org, roles). Every route but /health and /docs requires one.
import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ROLES, type Actor, type Role } from '../domain/types';
import { problem } from './problem';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor;
  }
  interface FastifyContextConfig {
    /** Article each body field rests on, named in validation problems. */
    articles?: Record<string, string>;
  }
}

export async function registerJwt(app: FastifyInstance, secret: string): Promise<void> {
  await app.register(fastifyJwt, { secret });
  app.decorateRequest('actor', null as unknown as Actor);
}

/** onRequest hook for the scope of protected routes. */
export function authenticate(scope: FastifyInstance): void {
  scope.addHook('onRequest', async (request) => {
    let claims: { sub?: unknown; org?: unknown; roles?: unknown };
    try {
      claims = await request.jwtVerify();
    } catch (err) {
      throw problem('Unauthorized', (err as Error).message);
    }
    const roles = Array.isArray(claims.roles) ? claims.roles : [];
    if (typeof claims.sub !== 'string' || !claims.sub || typeof claims.org !== 'string' || !claims.org || !roles.length || !roles.every((r) => ROLES.includes(r)))
      throw problem('Unauthorized', 'The token must carry sub, org and at least one role drawn from the known roles');
    request.actor = { sub: claims.sub, org: claims.org, roles: roles as Role[] };
  });
}

export function requireRole(request: FastifyRequest, ...roles: Role[]): void {
  if (!roles.some((r) => request.actor.roles.includes(r))) throw problem('Forbidden', `This needs one of the roles: ${roles.join(', ')}`);
}

export function signToken(app: FastifyInstance, actor: Actor, expiresIn = '12h'): string {
  return app.jwt.sign({ sub: actor.sub, org: actor.org, roles: actor.roles }, { expiresIn });
}
