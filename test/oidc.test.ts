// Members of the public sign in through the city's identity provider: its RS256/ES256 tokens are verified
// against the JWKS it serves (here a real HTTP endpoint in the test run, with discovery), issuer and
// audience checked, keys rotated; the API's own HS256 tokens keep working beside them.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSigner } from 'fast-jwt';
import { buildApp } from '../api/app';
import { signToken } from '../api/auth';
import type { App } from '../api/types';
import { loadConfig } from '../config';
import { TEST_JWT_SECRET } from './api-helpers';
import { startHarness, TEST_POLICY, type Harness } from './helpers';

let h: Harness;
let app: App;
let provider: http.Server;
let issuer: string;
/** The keys the provider publishes now, by key id. */
const published = new Map<string, KeyObject>();
let jwksFetches = 0;

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rotated = generateKeyPairSync('rsa', { modulusLength: 2048 });

beforeAll(async () => {
  h = await startHarness('oidc');
  published.set('rsa-1', rsa.publicKey).set('ec-1', ec.publicKey);
  provider = http.createServer((req, res) => {
    const json = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/.well-known/openid-configuration') return json({ issuer, jwks_uri: `${issuer}/jwks` });
    if (req.url === '/jwks') {
      jwksFetches++;
      return json({ keys: [...published].map(([kid, key]) => ({ ...key.export({ format: 'jwk' }), kid, use: 'sig' })) });
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
  // As an operator configures it: the issuer, the audience, keys found by discovery.
  const { oidc } = loadConfig({ OIDC_ISSUER: issuer, OIDC_AUDIENCE: 'public-data-workflows' });
  app = await buildApp({ db: h.db, temporal: h.client, taskQueue: h.taskQueue, jwtSecret: TEST_JWT_SECRET, sharePolicy: TEST_POLICY, oidc: oidc! });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  provider.close();
  await h.close();
});

const sign = (key: KeyObject, kid: string, claims: Record<string, unknown> = {}, algorithm: 'RS256' | 'ES256' = 'RS256') =>
  createSigner({ key: key.export({ format: 'pem', type: 'pkcs8' }).toString(), algorithm, kid, ...('exp' in claims ? {} : { expiresIn: 600_000 }) })({ sub: 'citizen-42', iss: issuer, aud: 'public-data-workflows', ...claims });
const call = (token: string) => app.inject({ method: 'GET', url: '/requests', headers: { authorization: `Bearer ${token}` } });

test("the provider's RS256 and ES256 tokens sign in a member of the public; the API's own tokens still work", async () => {
  expect((await call(sign(rsa.privateKey, 'rsa-1'))).statusCode).toBe(200);
  expect((await call(sign(ec.privateKey, 'ec-1', {}, 'ES256'))).statusCode).toBe(200);
  expect((await call(signToken(app, { sub: 'li.applicant', org: h.city.agencies.market, roles: ['agency_applicant'] }))).statusCode).toBe(200);
  // The provider signs in the public only: a roles claim in its token grants nothing more.
  const claimed = await app.inject({ method: 'GET', url: '/overdue-tasks', headers: { authorization: `Bearer ${sign(rsa.privateKey, 'rsa-1', { roles: ['admin'], org: h.city.cityAuthority })}` } });
  expect(claimed.statusCode).toBe(403);
});

test('a wrong audience, a wrong issuer, an expired token, an unknown key or a forged signature is refused', async () => {
  for (const token of [
    sign(rsa.privateKey, 'rsa-1', { aud: 'another-service' }),
    sign(rsa.privateKey, 'rsa-1', { iss: 'https://elsewhere.example' }),
    sign(rsa.privateKey, 'rsa-1', { exp: Math.floor(Date.now() / 1000) - 60 }),
    sign(rotated.privateKey, 'nobody-published-this'),
    sign(rotated.privateKey, 'rsa-1'),
  ]) {
    const res = await call(token);
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toContain('application/problem+json');
  }
});

test('a rotated key is fetched when a token first names it, and the set is not fetched again for every unknown key', async () => {
  await new Promise((r) => setTimeout(r, 5_100)); // past the least time between two fetches
  published.set('rsa-2', rotated.publicKey);
  const before = jwksFetches;
  expect((await call(sign(rotated.privateKey, 'rsa-2'))).statusCode).toBe(200);
  expect(jwksFetches).toBe(before + 1);
  // A flood of unknown key ids right after: refused, without a fetch each.
  for (let i = 0; i < 5; i++) expect((await call(sign(rotated.privateKey, `unknown-${i}`))).statusCode).toBe(401);
  expect(jwksFetches).toBe(before + 1);
});

test('the identity provider is configured by its issuer and audience', () => {
  expect(loadConfig({}).oidc).toBeNull();
  expect(loadConfig({ OIDC_ISSUER: 'https://id.example.gov.cn/', OIDC_AUDIENCE: 'pdw' }).oidc).toEqual({ issuer: 'https://id.example.gov.cn/', audience: 'pdw', discoveryUrl: 'https://id.example.gov.cn/.well-known/openid-configuration' });
  expect(loadConfig({ OIDC_ISSUER: 'https://id.example.gov.cn', OIDC_AUDIENCE: 'pdw', OIDC_JWKS_URL: 'https://id.example.gov.cn/keys' }).oidc).toMatchObject({ jwksUrl: 'https://id.example.gov.cn/keys' });
  expect(() => loadConfig({ OIDC_ISSUER: 'https://id.example.gov.cn' })).toThrow(/OIDC_AUDIENCE/);
  expect(() => loadConfig({ OIDC_ISSUER: 'ftp://id', OIDC_AUDIENCE: 'pdw' })).toThrow(/OIDC_ISSUER must be an http/);
});
