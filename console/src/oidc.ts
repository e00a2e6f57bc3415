// Staff sign-in through the city's identity provider (统一身份认证): the authorization code flow with PKCE (S256),
// a state and a nonce, for a public client (the console has no secret). The flow leaves the page for the
// provider's login and comes back to the console with a code, exchanged at the provider's token endpoint for an
// ID token: the token the console then signs in to the API with (which verifies it against the provider's JWKS).
import type { SignInOptions } from './http';

type StaffProvider = NonNullable<SignInOptions['staff']>;

/** What one flow keeps while the person is at the provider: in this tab only, gone once the flow ends. */
interface Flow {
  verifier: string;
  state: string;
  nonce: string;
  issuer: string;
  clientId: string;
  tokenEndpoint: string;
  /** The page the person was on: where they land once signed in. */
  back: string;
}
const FLOW_KEY = 'pdw.signin';

/** Why a flow did not sign in: the provider refused or failed, or its answer was not the one this tab asked for. */
export class SignInFailed extends Error {}

const base64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const randomToken = (): string => base64url(crypto.getRandomValues(new Uint8Array(32)));

/** Where the provider sends the person back: the console's own page, as registered with the provider. */
const redirectUri = (): string => `${location.origin}${location.pathname}`;

async function json(res: Response, what: string): Promise<Record<string, unknown>> {
  if (!res.ok) throw new SignInFailed(`${what} answered ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

/** Leaves for the provider's login page, with a fresh verifier, state and nonce kept for the way back. */
export async function beginSignIn(staff: StaffProvider): Promise<void> {
  const discovery = await json(await fetch(staff.discoveryUrl), 'discovery');
  if (discovery.issuer !== staff.issuer) throw new SignInFailed('the discovery document names another issuer');
  const flow: Flow = {
    verifier: randomToken(),
    state: randomToken(),
    nonce: randomToken(),
    issuer: staff.issuer,
    clientId: staff.clientId,
    tokenEndpoint: String(discovery.token_endpoint),
    back: location.hash,
  };
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(flow.verifier))));
  sessionStorage.setItem(FLOW_KEY, JSON.stringify(flow));
  const url = new URL(String(discovery.authorization_endpoint));
  for (const [k, v] of Object.entries({
    response_type: 'code',
    client_id: staff.clientId,
    redirect_uri: redirectUri(),
    scope: staff.scope,
    state: flow.state,
    nonce: flow.nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }))
    url.searchParams.set(k, v);
  location.assign(url.toString());
}

/**
 * The provider's answer, when this page is it (a `state` in the query): the ID token, once the state is this
 * tab's, the code exchanged with the verifier, and the token's nonce the one sent. null: the page is no answer.
 * The query is taken off the address whatever happens, so that a reload does not replay it.
 */
export async function finishSignIn(): Promise<string | null> {
  const answer = new URLSearchParams(location.search);
  if (!answer.has('state')) return null;
  const kept = sessionStorage.getItem(FLOW_KEY);
  sessionStorage.removeItem(FLOW_KEY);
  const flow = kept ? (JSON.parse(kept) as Flow) : null;
  history.replaceState(null, '', `${location.pathname}${flow?.back ?? ''}`);
  if (!flow || answer.get('state') !== flow.state) throw new SignInFailed('the answer is not to a sign-in this tab began (state)');
  if (answer.has('error')) throw new SignInFailed(`the provider answered ${answer.get('error')}`);
  if (answer.has('iss') && answer.get('iss') !== flow.issuer) throw new SignInFailed('the answer comes from another issuer');
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code: answer.get('code') ?? '',
    redirect_uri: redirectUri(),
    client_id: flow.clientId,
    code_verifier: flow.verifier,
  });
  const tokens = await json(
    await fetch(flow.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }),
    'the token endpoint',
  );
  const idToken = tokens.id_token;
  if (typeof idToken !== 'string') throw new SignInFailed('the provider gave no ID token');
  // The signature, issuer, audience and expiry are the API's to verify; the nonce is this tab's to check.
  let claims: Record<string, unknown>;
  try {
    claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(idToken.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))));
  } catch {
    throw new SignInFailed('the ID token cannot be read');
  }
  if (claims.nonce !== flow.nonce) throw new SignInFailed('the ID token is not for this sign-in (nonce)');
  return idToken;
}
