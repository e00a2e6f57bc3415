// A real OpenID Connect provider for the tests (oidc-provider, ESM-only: run as a child process). It serves
// discovery, its JWKS (an RS256 key made at start) and the authorization code flow with PKCE for one public
// client (the console), signing in with its development login page: any login, any password; the account is the
// login, its claims those the test gave for it.
//
// Environment: OIDC_CLIENT_ID, OIDC_REDIRECT_URI, OIDC_ACCOUNTS (JSON: account id → claims), OIDC_SCOPE_CLAIMS
// (JSON: scope → claim names). Prints one JSON line {"issuer": …} once it listens on 127.0.0.1 (a free port).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';

const clientId = process.env.OIDC_CLIENT_ID ?? 'console';
const redirectUri = process.env.OIDC_REDIRECT_URI;
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS ?? '{}');
const scopeClaims = JSON.parse(process.env.OIDC_SCOPE_CLAIMS ?? '{}');
if (!redirectUri) throw new Error('OIDC_REDIRECT_URI is required');

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: `test-${randomBytes(4).toString('hex')}`, alg: 'RS256', use: 'sig' };

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      token_endpoint_auth_method: 'none',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      id_token_signed_response_alg: 'RS256',
    },
  ],
  jwks: { keys: [jwk] },
  cookies: { keys: [randomBytes(16).toString('hex')] },
  claims: { openid: ['sub'], profile: ['name'], ...scopeClaims },
  // The claims in the ID token itself (the console signs in to the API with it), not only at userinfo.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
  findAccount: (_ctx, sub) => (accounts[sub] ? { accountId: sub, claims: () => ({ sub, ...accounts[sub] }) } : undefined),
  // The console is the city's own application: no consent page, what it asks for is granted.
  loadExistingGrant: async (ctx) => {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope(['openid', 'profile', ...Object.keys(scopeClaims)].join(' '));
    grant.addOIDCClaims(['sub', 'name', ...Object.values(scopeClaims).flat()]);
    await grant.save();
    return grant;
  },
});
provider.on('server_error', (_ctx, err) => console.error('provider error', err));
server.on('request', provider.callback());
process.stdout.write(`${JSON.stringify({ issuer })}\n`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
