// Tokens of the city's identity provider (OpenID Connect): RS256 or ES256, verified against the issuer's
// JWKS, with issuer and audience checked. Keys are cached and fetched again when a token names a key id
// not yet known (the provider rotated its keys), at most every few seconds.
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { createVerifier } from 'fast-jwt';
import type { OidcConfig } from '../config';

export const OIDC_ALGORITHMS = ['RS256', 'ES256'] as const;
/** The least time between two fetches of the key set: a flood of unknown key ids cannot make the API hammer the provider. */
const REFETCH_AFTER_MS = 5_000;
const FETCH_TIMEOUT_MS = 5_000;

async function getJson(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

/** The provider's signing keys by key id, as PEM, fetched again when an unknown id is asked for. */
export function jwksKeys(config: OidcConfig) {
  let keys = new Map<string, string>();
  let fetchedAt = 0;
  let fetching: Promise<void> | null = null;
  const refresh = async () => {
    const jwksUrl = config.jwksUrl ?? ((await getJson(config.discoveryUrl!)).jwks_uri as string);
    if (typeof jwksUrl !== 'string') throw new Error('the discovery document names no jwks_uri');
    const set = (await getJson(jwksUrl)).keys;
    if (!Array.isArray(set)) throw new Error('the JWKS holds no keys');
    const next = new Map<string, string>();
    for (const jwk of set as (JsonWebKey & { kid?: string; use?: string })[]) {
      if (!jwk.kid || (jwk.use && jwk.use !== 'sig') || (jwk.kty !== 'RSA' && jwk.kty !== 'EC')) continue;
      next.set(jwk.kid, createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString());
    }
    keys = next;
    fetchedAt = Date.now();
  };
  return async (kid: string | undefined): Promise<string> => {
    if (!kid) throw new Error('the token names no key id (kid)');
    if (!keys.has(kid) && Date.now() - fetchedAt > REFETCH_AFTER_MS) {
      fetching ??= refresh().finally(() => (fetching = null));
      await fetching;
    }
    const key = keys.get(kid);
    if (!key) throw new Error(`no signing key ${kid} at the identity provider`);
    return key;
  };
}

/** Verifies a provider's token: signature by a key of its JWKS, one of the allowed algorithms, its issuer, audience and expiry. */
export function oidcVerifier(config: OidcConfig) {
  const keyOf = jwksKeys(config);
  return createVerifier({
    key: async ({ header }: { header: { kid?: string } }) => keyOf(header.kid),
    algorithms: [...OIDC_ALGORITHMS],
    allowedIss: config.issuer,
    allowedAud: config.audience,
    requiredClaims: ['exp', 'iss', 'aud'],
    cache: true,
  }) as (token: string) => Promise<Record<string, unknown>>;
}
