// Bearer JWT identities (sub, org, roles). Every route but /health and /docs requires one.
import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../db';
import { actingFor } from '../db/repositories/legal-agents';
import { getOrganisation } from '../db/repositories/organisations';
import { recordPerson } from '../db/repositories/people';
import { isStorableText } from '../domain/text';
import { ROLES, type Actor, type OrgActor, type Role } from '../domain/types';
import type { OidcConfig, StaffOidcConfig } from '../config';
import { OIDC_ALGORITHMS, oidcVerifier } from './oidc';
import { problem, ProblemError } from './problem';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor;
    /** What the identity provider verified of the person (real-name verification); null for the API's own tokens. */
    verifiedIdentity: VerifiedIdentity | null;
  }
  interface FastifyContextConfig {
    /** Article each body field rests on, named in validation problems. */
    articles?: Record<string, string>;
    /** How many values a body may hold (default domain/text.ts MAX_NODES): a route taking a catalog adjustment takes more. */
    maxNodes?: number;
  }
}

/** A person as the identity provider verified them: each claim present only when the provider states it. */
export interface VerifiedIdentity {
  name?: string;
  residentId?: string;
  uscc?: string;
}

/** Longest a token may live (exp − iat, and exp − now): a leaked token is not good for ever. */
export const MAX_TOKEN_LIFETIME_S = 30 * 24 * 3600;

export async function registerJwt(app: FastifyInstance, secret: string): Promise<void> {
  // One algorithm (no HS384/HS512, no `none`), and every token must expire. A token verified once is
  // remembered (bounded LRU) until it expires: a client sends the same token with every request.
  await app.register(fastifyJwt, { secret, sign: { algorithm: 'HS256' }, verify: { algorithms: ['HS256'], requiredClaims: ['exp'], cache: true } });
  app.decorateRequest('actor', null as unknown as Actor);
  app.decorateRequest('verifiedIdentity', null);
}

/** Organisations known to exist, remembered briefly: every request checks its token's `org`. */
function organisationCheck(db: Db) {
  const known = new Map<string, number>();
  return async (id: string): Promise<boolean> => {
    if ((known.get(id) ?? 0) > Date.now()) return true;
    if (!(await getOrganisation(db, id))) return false;
    if (known.size > 10_000) known.clear();
    known.set(id, Date.now() + 60_000);
    return true;
  };
}

/** How long a person's entry in the directory of people stands before their next request writes it again. */
export const PERSON_REFRESH_MS = 5 * 60_000;

/**
 * Staff into the directory of people as they use the API (db/repositories/people.ts): at most one write per
 * person per PERSON_REFRESH_MS in this process, or at once when their token says something new of them.
 * A directory that cannot be written leaves the request alone (the next one tries again).
 */
function directoryOfPeople(db: Db) {
  const written = new Map<string, number>();
  return async (request: FastifyRequest, actor: OrgActor, name: string | null): Promise<void> => {
    const key = JSON.stringify([actor.sub, actor.org, actor.roles, name]);
    if ((written.get(key) ?? 0) > Date.now()) return;
    try {
      await recordPerson(db, { ...actor, name });
      if (written.size > 10_000) written.clear();
      written.set(key, Date.now() + PERSON_REFRESH_MS);
    } catch (err) {
      request.log.warn({ err }, 'the directory of people was not updated');
    }
  };
}

/** A bearer token's header `alg` and its payload's `iss` and `aud`, read without verifying anything, to know who is to verify it. */
function tokenParts(authorization: string | undefined): { token: string; alg: string; iss: string; aud: string[] } {
  const token = /^Bearer (\S+)$/i.exec(authorization ?? '')?.[1] ?? '';
  const part = (i: number): Record<string, unknown> => {
    try {
      const v: unknown = JSON.parse(Buffer.from(token.split('.')[i] ?? '', 'base64url').toString('utf8'));
      return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  };
  const { alg } = part(0);
  const { iss, aud } = part(1);
  return {
    token,
    alg: typeof alg === 'string' ? alg : '',
    iss: typeof iss === 'string' ? iss : '',
    aud: (Array.isArray(aud) ? aud : [aud]).filter((a): a is string => typeof a === 'string'),
  };
}

/** Roles as a claim states them: a list, or names separated by spaces or commas; each once. */
function rolesOf(claim: unknown): unknown[] {
  const listed = Array.isArray(claim) ? claim : typeof claim === 'string' ? claim.split(/[\s,]+/).filter(Boolean) : [];
  return [...new Set(listed)];
}

/** Roles a staff provider may give: every role but a member of the public's (who signs in through OIDC_ISSUER). */
const STAFF_ROLES = ROLES.filter((r) => r !== 'public_applicant');

/** A staff token refused for what its claim `claim` says: 401, the claim named as the field, the rule's name. */
const claimRefused = (claim: string, rule: string, detail: string) =>
  new ProblemError('Unauthorized', detail, [{ field: `token.${claim}`, rule, message: detail }]);

export interface Authentication {
  /** The identity provider of members of the public (OIDC_*). */
  oidc?: OidcConfig;
  /** The identity provider of staff (STAFF_OIDC_*): organisation and roles from its claims, checked against the directory. */
  staffOidc?: StaffOidcConfig;
  /** The API's own HS256 tokens refused (a deployment whose staff sign in through their provider): development only. */
  refuseOwnTokens?: boolean;
}

/**
 * onRequest hook for the scope of protected routes. Tokens of the configured identity providers (RS256 or
 * ES256, api/oidc.ts) sign in staff (the staff provider's: organisation and roles from its claims) and members of
 * the public (the public provider's); every other token is the API's own HS256, refused when `refuseOwnTokens`.
 */
export function authenticate(scope: FastifyInstance, db: Db, { oidc, staffOidc, refuseOwnTokens }: Authentication = {}): void {
  const orgExists = organisationCheck(db);
  const seen = directoryOfPeople(db);
  const verifyOidc = oidc ? oidcVerifier(oidc) : null;
  const verifyStaff = staffOidc ? oidcVerifier(staffOidc) : null;
  /** Whose token it is, by the issuer (and, one provider serving both, the audience) it claims; verification decides. */
  const providerOf = (t: { iss: string; aud: string[] }): 'staff' | 'public' | null => {
    if (staffOidc && (!oidc || (t.iss === staffOidc.issuer && (oidc.issuer !== staffOidc.issuer || t.aud.includes(staffOidc.audience))))) return 'staff';
    return oidc ? 'public' : null;
  };
  const text = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 200 && isStorableText(v);
  /** A staff provider's claims as an identity: its organisation and roles from the configured claims, both checked here. */
  const staffClaims = async (verified: Record<string, unknown>) => {
    const { orgClaim, rolesClaim } = staffOidc!;
    const org = verified[orgClaim];
    const roles = rolesOf(verified[rolesClaim]);
    if (!text(org)) throw claimRefused(orgClaim, 'organisation in the directory', `The token's ${orgClaim} claim names no organisation`);
    const unknown = roles.filter((r) => !(STAFF_ROLES as unknown[]).includes(r));
    if (!roles.length || unknown.length)
      throw claimRefused(
        rolesClaim,
        'known staff roles',
        `The token's ${rolesClaim} claim must list staff roles of: ${STAFF_ROLES.join(', ')}${unknown.length ? `; unknown: ${unknown.map(String).join(', ').slice(0, 200)}` : ''}`,
      );
    if (!(await orgExists(org)))
      throw claimRefused(orgClaim, 'organisation in the directory', `The token's ${orgClaim} claim names an organisation the directory does not hold: ${org}`);
    return { ...verified, org, roles };
  };
  scope.addHook('onRequest', async (request) => {
    let claims: { sub?: unknown; org?: unknown; roles?: unknown; exp?: unknown; iat?: unknown; [claim: string]: unknown };
    // Without an identity provider configured, every token is the API's own: no header is read twice.
    const provided = verifyOidc || verifyStaff || refuseOwnTokens ? tokenParts(request.headers.authorization) : null;
    const provider = provided && (OIDC_ALGORITHMS as readonly string[]).includes(provided.alg) ? providerOf(provided) : null;
    const fromProvider = provider === 'public';
    if (provided?.token && !provider && refuseOwnTokens)
      throw claimRefused(
        'alg',
        'tokens of the staff identity provider',
        "The API's own tokens are for development only: staff sign in through the identity provider (STAFF_OIDC_ISSUER)",
      );
    try {
      if (provider === 'staff') claims = await verifyStaff!(provided!.token);
      // The identity provider authenticates citizens, legal persons and other organisations: they act as public applicants.
      else if (fromProvider) claims = { ...(await verifyOidc!(provided!.token)), org: undefined, roles: ['public_applicant'] };
      else claims = await request.jwtVerify();
    } catch (err) {
      throw problem('Unauthorized', (err as Error).message);
    }
    if (provider === 'staff') claims = await staffClaims(claims);
    const roles = Array.isArray(claims.roles) ? claims.roles : [];
    // Members of the public act for no organisation: whatever `org` their token names is not theirs.
    const publicOnly = roles.length > 0 && roles.every((r) => r === 'public_applicant');
    if (!text(claims.sub) || (!publicOnly && !text(claims.org)) || !roles.length || !roles.every((r) => ROLES.includes(r)))
      throw problem(
        'Unauthorized',
        'The token must carry sub (and org, but for members of the public: 1–200 characters of text) and at least one role drawn from the known roles',
      );
    const now = Date.now() / 1000;
    const exp = Number(claims.exp);
    if (exp - now > MAX_TOKEN_LIFETIME_S || (typeof claims.iat === 'number' && exp - claims.iat > MAX_TOKEN_LIFETIME_S))
      throw problem('Unauthorized', `Tokens may live at most ${MAX_TOKEN_LIFETIME_S / 86400} days`);
    // Everyone but members of the public acts for an organisation that must exist.
    if (!publicOnly && !(await orgExists(claims.org as string)))
      throw problem('Unauthorized', `The token names an organisation that does not exist: ${claims.org}`);
    request.actor = { sub: claims.sub, org: publicOnly ? null : (claims.org as string), roles: roles as Role[] };
    // The legal persons a member of the public acts for, read afresh on every request (not cached): an agent whose
    // authorisation is revoked acts for it no more from their next request on (Art. 29).
    if (publicOnly) request.actor.actsFor = (await actingFor(db, claims.sub)).map((l) => l.uscc);
    if (fromProvider) {
      const names = oidc!.claims ?? { name: 'name', residentId: 'id_number', uscc: 'uscc' };
      const verified = (claim: string) => (text(claims[claim]) ? { value: claims[claim] as string } : null);
      request.verifiedIdentity = Object.fromEntries(
        (['name', 'residentId', 'uscc'] as const).flatMap((k) => {
          const v = verified(names[k]);
          return v ? [[k, v.value]] : [];
        }),
      );
    }
    // Staff only: members of the public are no one a task is handed to, and their names are theirs (Art. 29).
    if (!publicOnly) await seen(request, request.actor as OrgActor, text(claims.name) ? claims.name : null);
  });
}

export function requireRole(request: FastifyRequest, ...roles: Role[]): void {
  if (!roles.some((r) => request.actor.roles.includes(r))) throw problem('Forbidden', `This needs one of the roles: ${roles.join(', ')}`);
}

/** The caller, acting for an organisation in one of `roles` (members of the public act for none). */
export function requireMember(request: FastifyRequest, ...roles: Role[]): OrgActor {
  requireRole(request, ...roles);
  const { actor } = request;
  if (actor.org === null) throw problem('Forbidden', 'This is done for an organisation; members of the public act for none');
  return actor as OrgActor;
}

/** A token for `actor`, carrying their name (`name`, as OpenID Connect names it) when given. */
export function signToken(app: FastifyInstance, actor: Actor & { name?: string }, expiresIn = '12h'): string {
  return app.jwt.sign(
    { sub: actor.sub, ...(actor.org === null ? {} : { org: actor.org }), roles: actor.roles, ...(actor.name ? { name: actor.name } : {}) },
    { expiresIn },
  );
}

/** A route's limit per signed-in person (after authentication): `max` an hour, then TooManyRequests naming `what`. */
export function hourlyPerPerson(name: string, max: number, what: string) {
  return {
    max,
    timeWindow: '1 hour',
    hook: 'preHandler' as const,
    keyGenerator: (request: FastifyRequest) => `${name}:${request.actor.sub}`,
    errorResponseBuilder: (_request: FastifyRequest, context: { max: number; after: string }) =>
      problem('TooManyRequests', `At most ${context.max} ${what} an hour; try again in ${context.after}`),
  };
}
