// Signed development tokens (HS256 with JWT_SECRET), as the API expects them.
import { createSigner } from 'fast-jwt';
import type { Actor } from '../domain/types';

/** A token for `actor`, carrying their name (`name`) when given. */
export function devToken(secret: string, actor: Actor & { name?: string }, expiresIn = '12h'): string {
  return createSigner({ key: secret, expiresIn })({
    sub: actor.sub,
    ...(actor.org === null ? {} : { org: actor.org }),
    roles: actor.roles,
    ...(actor.name ? { name: actor.name } : {}),
  });
}
