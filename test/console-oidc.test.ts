// Staff sign in to the console through the city's identity provider (统一身份认证), a real OpenID Connect
// provider run for the test (oidc-provider: discovery, JWKS, the authorization code flow with PKCE), the API set
// up as a deployment is (its own tokens refused, no development sign-in): the person's organisation and roles come
// from the provider's claims; one the organisation directory does not hold is refused, naming the claim.
import type { Page } from 'playwright-core';
import { startApi, validShareBody, type Api } from './api-helpers';
import { window } from './browser';
import { type ConsoleRun, expectAccessible, startConsole } from './console-harness';

jest.setTimeout(120_000);

let run: ConsoleRun;
let plain: Api;

beforeAll(async () => {
  run = await startConsole('console-oidc', {
    devSignIn: false,
    staff: (h) => ({
      // The provider's own claim names for the organisation and the roles, as a deployment configures them.
      env: { STAFF_OIDC_ORG_CLAIM: 'pdw_org', STAFF_OIDC_ROLES_CLAIM: 'pdw_roles', STAFF_OIDC_SCOPE: 'openid profile pdw' },
      scopeClaims: { pdw: ['pdw_org', 'pdw_roles'] },
      accounts: {
        'wang.reviewer': { name: '王审核', pdw_org: h.city.agencies.health, pdw_roles: ['provider_reviewer'] },
        'stranger.reviewer': { name: '外单位', pdw_org: 'no-such-organisation', pdw_roles: ['provider_reviewer'] },
      },
    }),
  });
  // A request for the health commission to review, started through an API of the same city that takes its own tokens.
  plain = await startApi(run.h);
});
afterAll(async () => {
  await plain?.app.close();
  await run?.close();
});

/** The token the console keeps (its local storage). */
const storedToken = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage.getItem('pdw.token'));

/** Signs in at the provider's login page (its development login: any password) as `login`, from the console's button. */
async function signInAtProvider(page: Page, login: string) {
  await page.goto(`${run.base}/console/`);
  await page.getByRole('button', { name: '统一身份认证登录' }).click();
  await page.waitForURL((url) => url.origin === run.provider!.issuer);
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', 'any');
  await page.click('button[type=submit]');
  await page.waitForURL((url) => url.origin === run.base && !url.search);
}

test('a reviewer signs in through the identity provider with the code flow and PKCE and reaches their inbox in Chinese, then signs out', async () => {
  const created = await plain.app.inject({
    method: 'POST',
    url: '/share-requests',
    payload: validShareBody(run.h.city.entries.conditional),
    headers: plain.as({ sub: 'li.applicant', org: run.h.city.agencies.market, roles: ['agency_applicant'] }),
  });
  expect(created.statusCode).toBe(201);
  const { page } = await window(run.browser);
  // Not development: no demo people, no pasted token; the provider's button only.
  await page.goto(`${run.base}/console/`);
  await page.getByRole('button', { name: '统一身份认证登录' }).waitFor();
  expect(await page.locator('button[data-sub]').count()).toBe(0);
  expect(await page.locator('#token').count()).toBe(0);
  await expectAccessible(page);

  // What the console sends the provider: a code flow with an S256 challenge, a state and a nonce.
  const asked = page.waitForRequest((r) => r.url().startsWith(`${run.provider!.issuer}/auth`));
  const exchanged = page.waitForRequest((r) => r.url().startsWith(`${run.provider!.issuer}/token`));
  await signInAtProvider(page, 'wang.reviewer');
  const auth = new URL((await asked).url()).searchParams;
  expect(auth.get('response_type')).toBe('code');
  expect(auth.get('code_challenge_method')).toBe('S256');
  for (const p of ['code_challenge', 'state', 'nonce']) expect(auth.get(p)?.length).toBeGreaterThanOrEqual(43);
  expect(new URLSearchParams((await exchanged).postData() ?? '').get('code_verifier')?.length).toBeGreaterThanOrEqual(43);

  // Signed in as the provider says: the health commission's reviewer, in Chinese.
  await page.waitForSelector('nav.side');
  const who = await page.textContent('[data-testid=who]');
  expect(who).toContain('wang.reviewer');
  expect(who).toContain('日照市卫生健康委员会');
  expect(who).toContain('提供单位审核人');
  await page.waitForSelector(`tr[data-request="${created.json().id}"]`);
  expect(await page.textContent('h1')).toBe('待办');
  // The token is kept as the console keeps tokens (this tab's storage), and the address carries no code.
  expect(await storedToken(page).then((t) => t?.split('.').length)).toBe(3);
  expect(page.url()).not.toMatch(/code=|state=/);

  await page.getByRole('button', { name: '退出' }).click();
  await page.getByRole('button', { name: '统一身份认证登录' }).waitFor();
  expect(await storedToken(page)).toBeNull();
});

test('an organisation the directory does not hold is refused at sign-in, naming the claim, in Chinese', async () => {
  const { page } = await window(run.browser);
  await signInAtProvider(page, 'stranger.reviewer');
  const problems = page.getByTestId('claim-problems');
  await problems.waitFor();
  expect(await problems.textContent()).toContain('令牌所声明的单位不在单位目录中');
  expect(await problems.textContent()).toContain('pdw_org');
  expect(await page.locator('nav.side').count()).toBe(0);
  expect(await storedToken(page)).toBeNull();
});

test('an answer this tab did not ask for (another state) signs no one in', async () => {
  const { page } = await window(run.browser);
  // Whatever token the tab held before, the answer is a new sign-in's: it is not taken as signed in.
  await page.goto(`${run.base}/console/`);
  await page.evaluate(() =>
    (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('pdw.token', 'held.before.x'),
  );
  await page.goto(`${run.base}/console/?code=forged&state=not-this-tabs`);
  await page.getByText('统一身份认证登录未完成，请重新登录').waitFor();
  expect(page.url()).not.toContain('forged');
  expect(await storedToken(page)).toBeNull();
});
