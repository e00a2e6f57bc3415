// Members of the public sign in through the city's identity provider: its RS256/ES256 tokens are verified
// against the JWKS it serves (here a real HTTP endpoint in the test run, with discovery), issuer and
// audience checked, keys rotated; the API's own HS256 tokens keep working beside them.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { createSigner } from 'fast-jwt';
import { buildApp } from '../api/app';
import { signToken } from '../api/auth';
import type { App } from '../api/types';
import { loadConfig } from '../config';
import { apiDepsFrom } from '../api/deps';
import { DEV_PRINCIPAL_KEYS, DEV_PRINCIPAL_LOOKUP_KEY, parsePrincipalKeys } from '../config/principal-keys';
import { TEST_JWT_SECRET } from './api-helpers';
import { DEFAULT_POLICIES } from '../domain/policies';
import { startHarness, TEST_POLICY, type Harness } from './helpers';
import { sampleResidentId } from '../db/seed';

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
    // A second issuer at the same server, for staff (its keys the same set).
    if (req.url === '/staff/.well-known/openid-configuration') return json({ issuer: `${issuer}/staff`, jwks_uri: `${issuer}/jwks` });
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
  app = await buildApp({
    db: h.db,
    temporal: h.client,
    taskQueue: h.taskQueue,
    jwtSecret: TEST_JWT_SECRET,
    policies: { ...DEFAULT_POLICIES, share: TEST_POLICY },
    oidc: oidc!,
  });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  provider.close();
  await h.close();
});

const sign = (key: KeyObject, kid: string, claims: Record<string, unknown> = {}, algorithm: 'RS256' | 'ES256' = 'RS256') =>
  createSigner({ key: key.export({ format: 'pem', type: 'pkcs8' }).toString(), algorithm, kid, ...('exp' in claims ? {} : { expiresIn: 600_000 }) })({
    sub: 'citizen-42',
    iss: issuer,
    aud: 'public-data-workflows',
    ...claims,
  });
const call = (token: string) => app.inject({ method: 'GET', url: '/requests', headers: { authorization: `Bearer ${token}` } });

test("the provider's RS256 and ES256 tokens sign in a member of the public; the API's own tokens still work", async () => {
  expect((await call(sign(rsa.privateKey, 'rsa-1'))).statusCode).toBe(200);
  expect((await call(sign(ec.privateKey, 'ec-1', {}, 'ES256'))).statusCode).toBe(200);
  expect((await call(signToken(app, { sub: 'li.applicant', org: h.city.agencies.market, roles: ['agency_applicant'] }))).statusCode).toBe(200);
  // The provider signs in the public only: a roles claim in its token grants nothing more.
  const claimed = await app.inject({
    method: 'GET',
    url: '/overdue-tasks',
    headers: { authorization: `Bearer ${sign(rsa.privateKey, 'rsa-1', { roles: ['admin'], org: h.city.cityAuthority })}` },
  });
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
  expect(loadConfig({ OIDC_ISSUER: 'https://id.example.gov.cn/', OIDC_AUDIENCE: 'pdw' }).oidc).toEqual({
    issuer: 'https://id.example.gov.cn/',
    audience: 'pdw',
    discoveryUrl: 'https://id.example.gov.cn/.well-known/openid-configuration',
    claims: { name: 'name', residentId: 'id_number', uscc: 'uscc' },
  });
  // The platform's own names for what its real-name verification states.
  expect(
    loadConfig({ OIDC_ISSUER: 'https://id.example.gov.cn/', OIDC_AUDIENCE: 'pdw', OIDC_ID_NUMBER_CLAIM: 'certNo', OIDC_NAME_CLAIM: 'realName' }).oidc?.claims,
  ).toEqual({ name: 'realName', residentId: 'certNo', uscc: 'uscc' });
  expect(loadConfig({ OIDC_ISSUER: 'https://id.example.gov.cn', OIDC_AUDIENCE: 'pdw', OIDC_JWKS_URL: 'https://id.example.gov.cn/keys' }).oidc).toMatchObject({
    jwksUrl: 'https://id.example.gov.cn/keys',
  });
  expect(() => loadConfig({ OIDC_ISSUER: 'https://id.example.gov.cn' })).toThrow(/OIDC_AUDIENCE/);
  expect(() => loadConfig({ OIDC_ISSUER: 'ftp://id', OIDC_AUDIENCE: 'pdw' })).toThrow(/OIDC_ISSUER must be an http/);
});

describe('who a person is comes from the identity provider’s real-name verification (Art. 29)', () => {
  const put = (token: string, payload: object) => app.inject({ method: 'PUT', url: '/principals/me', payload, headers: { authorization: `Bearer ${token}` } });
  const claims = (sub: string, residentId: string) => ({ sub, name: '王某', id_number: residentId });

  test('the verified number and name are taken from the token; a typed one is refused, naming the field', async () => {
    const number = sampleResidentId('verified-wang');
    const token = sign(rsa.privateKey, 'rsa-1', claims('verified-wang', number));
    const typed = await put(token, { kind: 'natural', name: '王某', residentId: sampleResidentId('someone-else') });
    expect(typed.statusCode).toBe(400);
    expect(typed.json()).toMatchObject({ field: 'body.residentId', rule: 'verified by the identity provider', article: 'Art. 29' });
    const taken = await put(token, {});
    expect(taken.statusCode).toBe(200);
    expect(taken.json()).toMatchObject({ kind: 'natural', name: '王某', residentId: number });
  });

  test('a sign-in whose provider verified nothing is told to complete real-name verification there', async () => {
    const res = await put(sign(rsa.privateKey, 'rsa-1', { sub: 'unverified-zhao' }), {});
    expect(res.statusCode).toBe(409);
    expect(res.json().type).toContain('IdentityUnverified');
  });

  test('a number another sign-in holds is an operator’s case: the caller learns only whom to contact, the holder is told, the trail records it', async () => {
    const number = sampleResidentId('holder-sun');
    expect((await put(sign(rsa.privateKey, 'rsa-1', claims('holder-sun', number)), {})).statusCode).toBe(200);
    const second = await put(sign(rsa.privateKey, 'rsa-1', claims('second-sun', number)), {});
    expect(second.statusCode).toBe(409);
    const body = second.json();
    expect(body.type).toContain('RegistrationIncomplete');
    expect(body.detail).toContain('公共数据平台服务台');
    // Nothing says the number is registered, to whom, or masked.
    expect(JSON.stringify(body)).not.toMatch(/regist(ered|ration) to|another sign-in|\*{3}/i);
    const trail = await h.db.selectFrom('audit_events').selectAll().where('action', '=', 'principal_conflict').where('actor_sub', '=', 'second-sun').execute();
    expect(trail).toHaveLength(1);
    expect(JSON.stringify(trail[0].new_value)).not.toContain(number);
    const told = await app.inject({
      method: 'GET',
      url: '/notifications',
      headers: { authorization: `Bearer ${sign(rsa.privateKey, 'rsa-1', { sub: 'holder-sun' })}` },
    });
    expect((told.json().items as { kind: string }[]).some((n) => n.kind === 'identity_conflict')).toBe(true);
  });
});

test('registering who one is is limited per person: the eleventh attempt in an hour is 429 with Retry-After, another person is unaffected', async () => {
  const as = (sub: string) => ({ authorization: `Bearer ${signToken(app, { sub, org: null, roles: ['public_applicant'] })}` });
  const attempt = (sub: string) =>
    app.inject({ method: 'PUT', url: '/principals/me', payload: { kind: 'natural', name: '试', residentId: '110101199003071234' }, headers: as(sub) });
  for (let i = 0; i < 10; i++) expect((await attempt('limited-person')).statusCode).toBe(400);
  const limited = await attempt('limited-person');
  expect(limited.statusCode).toBe(429);
  expect(limited.headers['content-type']).toContain('application/problem+json');
  expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  expect((await attempt('other-person')).statusCode).toBe(400);
});

describe("staff sign in through the city's identity provider: organisation and roles from its claims, checked against the directory", () => {
  let staffApp: App;
  let development: App;
  const staffIssuer = () => `${issuer}/staff`;
  /** As a deployment configures it: the console's client id (the tokens' audience), the provider's own claim names. */
  const staffEnv = () => ({
    OIDC_ISSUER: issuer,
    OIDC_AUDIENCE: 'public-data-workflows',
    STAFF_OIDC_ISSUER: staffIssuer(),
    STAFF_OIDC_CLIENT_ID: 'pdw-console',
    STAFF_OIDC_ORG_CLAIM: 'pdw_org',
    STAFF_OIDC_ROLES_CLAIM: 'pdw_roles',
  });
  const deps = (mode: 'production' | 'development') =>
    apiDepsFrom(loadConfig({ ...staffEnv(), PDW_MODE: mode }), {
      db: h.db,
      temporal: h.client,
      secrets: { jwtSecret: TEST_JWT_SECRET, principalKeys: parsePrincipalKeys(DEV_PRINCIPAL_KEYS, DEV_PRINCIPAL_LOOKUP_KEY) },
    });
  beforeAll(async () => {
    const production = { ...deps('production'), logger: false };
    const consoleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdw-oidc-console-'));
    fs.writeFileSync(path.join(consoleDir, 'index.html'), '<!doctype html><title>console</title>');
    staffApp = await buildApp({ ...production, consoleDir, taskQueue: h.taskQueue, policies: { ...DEFAULT_POLICIES, share: TEST_POLICY } });
    const dev = { ...deps('development'), logger: false };
    development = await buildApp({ ...dev, taskQueue: h.taskQueue, policies: { ...DEFAULT_POLICIES, share: TEST_POLICY } });
  });
  afterAll(async () => {
    await staffApp?.close();
    await development?.close();
  });
  const staff = (claims: Record<string, unknown> = {}, key = rsa.privateKey, kid = 'rsa-1', algorithm: 'RS256' | 'ES256' = 'RS256') =>
    sign(
      key,
      kid,
      {
        sub: 'wang.reviewer',
        iss: staffIssuer(),
        aud: 'pdw-console',
        name: '王审核',
        pdw_org: h.city.agencies.health,
        pdw_roles: ['provider_reviewer'],
        ...claims,
      },
      algorithm,
    );
  const me = (token: string, on: App = staffApp) =>
    on.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${token}`, 'accept-language': 'zh-CN' } });

  test('a valid staff token signs in with the organisation and roles its claims state (RS256 and ES256; roles as a list or as names)', async () => {
    for (const token of [staff(), staff({}, ec.privateKey, 'ec-1', 'ES256'), staff({ pdw_roles: 'provider_reviewer agency_applicant' })]) {
      const res = await me(token);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ sub: 'wang.reviewer', organisation: { id: h.city.agencies.health } });
      expect(res.json().roles).toContain('provider_reviewer');
    }
    // Into the directory of people, by the name the provider gives.
    // A person is their subject within an organisation: console-oidc's run signs in a wang.reviewer of its own city.
    const person = await h.db.selectFrom('people').selectAll().where('sub', '=', 'wang.reviewer').where('org', '=', h.city.agencies.health).executeTakeFirst();
    expect(person).toMatchObject({ org: h.city.agencies.health, display_name: '王审核' });
    // Members of the public still sign in through their provider beside staff.
    expect((await call(sign(rsa.privateKey, 'rsa-1'))).statusCode).toBe(200);
    expect((await staffApp.inject({ method: 'GET', url: '/requests', headers: { authorization: `Bearer ${sign(rsa.privateKey, 'rsa-1')}` } })).statusCode).toBe(
      200,
    );
  });

  test('an organisation the directory does not hold, or a role the API does not know, is refused naming the claim, in Chinese', async () => {
    const cases: [Record<string, unknown>, string, string, string][] = [
      [{ pdw_org: 'no-such-organisation' }, 'token.pdw_org', 'organisation in the directory', '令牌所声明的单位不在单位目录中'],
      [{ pdw_org: undefined }, 'token.pdw_org', 'organisation in the directory', '令牌所声明的单位不在单位目录中'],
      [{ pdw_roles: ['provider_reviewer', 'superuser'] }, 'token.pdw_roles', 'known staff roles', '不是本系统的工作人员角色'],
      [{ pdw_roles: [] }, 'token.pdw_roles', 'known staff roles', '不是本系统的工作人员角色'],
      // A member of the public's role is not one a staff provider gives.
      [{ pdw_roles: ['public_applicant'] }, 'token.pdw_roles', 'known staff roles', '不是本系统的工作人员角色'],
      // The API's own claim names mean nothing at this provider.
      [
        { pdw_org: undefined, pdw_roles: undefined, org: h.city.agencies.health, roles: ['admin'] },
        'token.pdw_org',
        'organisation in the directory',
        '单位目录',
      ],
    ];
    for (const [claims, field, rule, words] of cases) {
      const res = await me(staff(claims));
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ field, rule });
      expect(res.json().detail).toContain(words);
      expect(res.json().detail).toContain(field);
    }
  });

  test("a wrong issuer or audience, an expired token, a forged signature, alg none, or the API's own HS256 token in a deployment is refused", async () => {
    const unsigned = (claims: object) =>
      `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(
        JSON.stringify({
          sub: 'wang.reviewer',
          iss: staffIssuer(),
          aud: 'pdw-console',
          exp: Math.floor(Date.now() / 1000) + 600,
          org: h.city.agencies.health,
          roles: ['admin'],
          ...claims,
        }),
      ).toString('base64url')}.`;
    const own = signToken(staffApp, { sub: 'li.applicant', org: h.city.agencies.market, roles: ['agency_applicant'] });
    for (const token of [
      staff({ iss: 'https://elsewhere.example' }),
      staff({ aud: 'public-data-workflows' }),
      staff({ aud: 'another-client' }),
      staff({ exp: Math.floor(Date.now() / 1000) - 60 }),
      staff({}, rotated.privateKey, 'rsa-1'),
      unsigned({}),
      own,
    ]) {
      const res = await me(token);
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    // Hostile tokens that claim the provider's algorithm: refused, never a 500.
    const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
    for (const payload of ['not json', [1, 2], { iss: 5, aud: {} }, { iss: staffIssuer(), aud: ['pdw-console', 7] }, null])
      expect((await me(`${b64({ alg: 'RS256', kid: 'rsa-1' })}.${b64(payload)}.c2ln`)).statusCode).toBe(401);
    for (const claims of [{ pdw_org: 42 }, { pdw_org: 'x'.repeat(5000) }, { pdw_roles: [{ role: 'admin' }] }, { pdw_roles: 7 }])
      expect((await me(staff(claims))).statusCode).toBe(401);
    // A role named many times is the role once.
    expect((await me(staff({ pdw_roles: 'provider_reviewer,'.repeat(2000) }))).json().roles).toEqual(['provider_reviewer']);
    const refusedOwn = (await me(own)).json();
    expect(refusedOwn).toMatchObject({ field: 'token.alg', rule: 'tokens of the staff identity provider' });
    expect(refusedOwn.detail).toContain('仅供开发使用');
    // In development mode the API's own tokens still sign in (the demo people, the tests); alg none never.
    expect((await me(signToken(development, { sub: 'li.applicant', org: h.city.agencies.market, roles: ['agency_applicant'] }), development)).statusCode).toBe(
      200,
    );
    expect((await me(unsigned({}), development)).statusCode).toBe(401);
    expect((await me(staff(), development)).statusCode).toBe(200);
  });

  test('the console learns how to sign in from GET /sign-in: the provider and client id; the development sign-in only in development mode', async () => {
    const production = await staffApp.inject({ method: 'GET', url: '/sign-in' });
    expect(production.statusCode).toBe(200);
    expect(production.json()).toEqual({
      staff: { issuer: staffIssuer(), discoveryUrl: `${staffIssuer()}/.well-known/openid-configuration`, clientId: 'pdw-console', scope: 'openid profile' },
      development: false,
    });
    expect((await staffApp.inject({ method: 'GET', url: '/dev/users' })).statusCode).toBe(404);
    expect((await development.inject({ method: 'GET', url: '/sign-in' })).json().development).toBe(true);
    expect((await app.inject({ method: 'GET', url: '/sign-in' })).json()).toEqual({ staff: null, development: false });
    // The console's page may talk to the provider (discovery, token endpoint), and to nothing else beside the API.
    const page = await staffApp.inject({ method: 'GET', url: '/console/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain(`connect-src 'self' ${issuer};`);
  });

  test('staff sign-in is configured by issuer and client id; the claims and scopes have defaults; the own tokens are refused outside development', () => {
    expect(loadConfig({}).staffOidc).toBeNull();
    expect(() => loadConfig({ STAFF_OIDC_ISSUER: 'https://id.example.gov.cn' })).toThrow(/STAFF_OIDC_CLIENT_ID/);
    expect(() => loadConfig({ STAFF_OIDC_ISSUER: 'id.example.gov.cn', STAFF_OIDC_CLIENT_ID: 'c' })).toThrow(/STAFF_OIDC_ISSUER must be an http/);
    expect(loadConfig({ STAFF_OIDC_ISSUER: 'https://id.example.gov.cn/', STAFF_OIDC_CLIENT_ID: 'pdw-console' }).staffOidc).toEqual({
      issuer: 'https://id.example.gov.cn/',
      audience: 'pdw-console',
      clientId: 'pdw-console',
      discoveryUrl: 'https://id.example.gov.cn/.well-known/openid-configuration',
      orgClaim: 'org',
      rolesClaim: 'roles',
      scope: 'openid profile',
    });
    expect(deps('production')).toMatchObject({ refuseOwnTokens: true, devSignIn: false });
    expect(deps('development')).toMatchObject({ refuseOwnTokens: false, devSignIn: true });
  });
});
