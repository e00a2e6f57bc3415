// 数据交付 in a real browser (《政务数据共享条例》, issue 24 §4): after a share request between government departments is
// approved (over the API, walked in the browser elsewhere), the provider delivers from its inbox, picking the method
// and the grant's fields by their Chinese names and entering the location alone; the grantee reports a problem,
// which reopens delivery with its reason shown to the provider; delivered again, the grantee confirms, and the
// request page reads 已交付. axe-core on the delivery task at 1280 and 390 px.
import type { Page } from 'playwright-core';
import { DEFAULT_SHARE_POLICY } from '../domain/share';
import type { Actor } from '../domain/types';
import { startApi, TEST_POLICIES, validShareBody, type Api } from './api-helpers';
import { screenshot } from './browser';
import { type ConsoleRun, expectAccessible, open, openFromInbox, startConsole } from './console-harness';
import { eventually, type Harness } from './helpers';

jest.setTimeout(180_000);

let run: ConsoleRun;
let h: Harness;
let delivering: Api;

beforeAll(async () => {
  run = await startConsole('console-delivery');
  h = run.h;
  // The console tests' share policy asks no delivery: requests started here ask it, on the default's clock.
  delivering = await startApi(h, { policies: { share: { ...TEST_POLICIES.share, delivery: DEFAULT_SHARE_POLICY.delivery } } });
});
afterAll(async () => {
  await delivering?.app.close();
  await run?.close();
});

const applicant = (): Actor => ({ sub: 'li.applicant', org: h.city.agencies.market, roles: ['agency_applicant'] });
const health = (): Actor => ({ sub: 'zhao.provider', org: h.city.agencies.health, roles: ['provider_reviewer'] });
const authority = (): Actor => ({ sub: 'wang.authority', org: h.city.cityAuthority, roles: ['authority_reviewer'] });
const call = (actor: Actor, method: 'GET' | 'POST', url: string, payload?: object) =>
  delivering.app.inject({ method, url, payload, headers: delivering.as(actor) });

async function decide(page: Page, decision: string, reason?: string) {
  expect(await page.textContent(`label[for="d-${decision}"]`)).not.toContain(decision);
  await page.check(`#d-${decision}`);
  if (reason !== undefined) await page.fill('#reason', reason);
  await page.click('form.decide button[type=submit]');
  await page.waitForSelector('.notice:has-text("已作出决定")');
}

/** The provider delivers from the open delivery task: method by its Chinese name, the fields by theirs, the location typed. */
async function deliver(page: Page, method: string, location: string, untick: string[] = []) {
  await page.getByLabel('交付方式').selectOption({ label: method });
  await page.getByLabel('接口地址或存放位置').fill(location);
  for (const name of untick) await page.getByRole('checkbox', { name, exact: true }).uncheck();
  await decide(page, 'DELIVER');
}

const grantSection = (page: Page) => page.locator('section.grant');

test('数据交付: the provider delivers from its inbox, the grantee reports a problem that reopens it, delivered again and confirmed, the request reads 已交付', async () => {
  // Submitted, agreed and approved over the API (each step walked in the browser by test/console.test.ts).
  const started = await call(applicant(), 'POST', '/share-requests', validShareBody(h.city.entries.conditional));
  expect(started.statusCode).toBe(201);
  const requestId: string = started.json().id;
  const taskId = async (kind: string) =>
    (await call(authority(), 'GET', `/requests/${requestId}`))
      .json()
      .tasks.find((t: { kind: string; status: string }) => t.kind === kind && t.status === 'open').id as string;
  expect((await call(health(), 'POST', `/tasks/${await taskId('SHARE_PROVIDER_OPINION')}/complete`, { decision: 'AGREE' })).statusCode).toBe(200);
  expect((await call(authority(), 'POST', `/tasks/${await taskId('SHARE_JOINT_REVIEW')}/complete`, { decision: 'APPROVE' })).statusCode).toBe(200);
  // The grant's delivery as the read model has it, once the delivery task is recorded.
  const grant = await eventually(async () => {
    const g = (await call(applicant(), 'GET', `/requests/${requestId}`)).json().grant;
    return g?.delivery ? g : undefined;
  }, 15_000);
  expect(grant.delivery).toMatchObject({ status: 'awaiting_delivery', method: null });
  const entry = (await call(applicant(), 'GET', `/catalog/${h.city.entries.conditional}`)).json();
  const labelOf = (name: string): string => entry.fields.find((f: { name: string }) => f.name === name).label;
  const granted: string[] = grant.fields;
  expect(granted.length).toBeGreaterThan(1);
  const [kept, left] = [granted.slice(0, -1), granted[granted.length - 1]];

  // The grantee's page reads 已批准待交付.
  const grantee = await run.signedIn('li.applicant');
  await open(grantee, `#/requests/${requestId}`);
  await grantSection(grantee).locator('h2:has-text("已批准待交付")').waitFor();

  // The provider opens 数据交付 from its inbox: every field of the grant ticked by its 信息项名称, and only those.
  const provider = await run.signedIn('zhao.provider');
  await openFromInbox(provider, requestId, 'SHARE_DELIVERY');
  expect(await provider.textContent('h1')).toContain('数据交付');
  for (const name of granted) expect(await provider.getByRole('checkbox', { name: labelOf(name), exact: true }).isChecked()).toBe(true);
  expect(await provider.locator('.items-picker input[type=checkbox]').count()).toBe(granted.length);
  // The methods by their Chinese names, no code shown.
  const methods = await provider.getByLabel('交付方式').locator('option').allTextContents();
  expect(methods).toEqual(expect.arrayContaining(['接口', '文件', '数据库视图']));
  expect(methods.join('')).not.toMatch(/interface|file|database/);
  await expectAccessible(provider);
  await screenshot(provider, 'task-delivery');
  const narrow = await run.signedIn('zhao.provider', { width: 390, height: 844 });
  await open(narrow, provider.url().slice(provider.url().indexOf('#')));
  await narrow.waitForSelector('form.decide .items-picker input[type=checkbox]');
  await expectAccessible(narrow);
  await narrow.close();
  await deliver(provider, '文件', '/exchange/health/licences.csv', [labelOf(left)]);

  // The grantee: still 已批准待交付, now with how, where and what (in Chinese); confirms from the inbox.
  await grantSection(grantee).locator('dd:has-text("/exchange/health/licences.csv")').waitFor({ timeout: 15_000 });
  const shown = await grantSection(grantee).textContent();
  expect(shown).toContain('已批准待交付');
  expect(shown).toContain('文件');
  for (const name of kept) expect(shown).toContain(labelOf(name));
  await openFromInbox(grantee, requestId, 'SHARE_DELIVERY_CONFIRMATION');
  // The context's fields by their labels once the entry is read.
  await grantee.locator(`section[aria-labelledby="ctx-h"] :text-is("${labelOf(kept[0])}")`).waitFor();
  const context = await grantee.locator('section[aria-labelledby="ctx-h"]').textContent();
  expect(context).toContain('文件');
  expect(context).toContain(labelOf(kept[0]));
  expect(context).not.toContain('file');
  const problem = `缺少${labelOf(left)}一列`;
  await decide(grantee, 'REPORT_PROBLEM', problem);
  await expectAccessible(grantee);
  await open(grantee, `#/requests/${requestId}`);
  await grantSection(grantee).locator(`dd.delivery-problem:has-text("${problem}")`).waitFor({ timeout: 15_000 });
  expect(await grantSection(grantee).locator('h2').textContent()).toContain('已批准待交付');

  // Delivery reopens: the provider sees the grantee's problem on the task and on the request.
  await openFromInbox(provider, requestId, 'SHARE_DELIVERY');
  expect(await provider.locator('section[aria-labelledby="ctx-h"]').textContent()).toContain(problem);
  // All the grant's fields ticked again, to start with.
  for (const name of granted) expect(await provider.getByRole('checkbox', { name: labelOf(name), exact: true }).isChecked()).toBe(true);
  await deliver(provider, '数据库视图', 'exchange.v_licences');
  await open(provider, `#/requests/${requestId}`);
  await grantSection(provider).locator('dd:has-text("exchange.v_licences")').waitFor({ timeout: 15_000 });

  // The grantee confirms receipt: the grant reads 已交付, as the API says.
  await openFromInbox(grantee, requestId, 'SHARE_DELIVERY_CONFIRMATION');
  await decide(grantee, 'CONFIRM');
  await open(grantee, `#/requests/${requestId}`);
  await grantSection(grantee).locator('h2:has-text("已交付")').waitFor({ timeout: 15_000 });
  // The data items read by their names once the entry's labels have loaded (names until then).
  for (const name of granted)
    await grantSection(grantee)
      .locator(`span[title="${name}"]:has-text("${labelOf(name)}")`)
      .first()
      .waitFor({ timeout: 15_000 });
  const done = await grantSection(grantee).textContent();
  expect(done).toContain('数据库视图');
  expect(done).not.toContain('已批准待交付');
  expect(done).not.toContain(problem);
  for (const name of granted) expect(done).toContain(labelOf(name));
  await screenshot(grantee, 'request-delivered');
  expect((await call(applicant(), 'GET', `/requests/${requestId}`)).json().grant.delivery).toMatchObject({
    status: 'delivered',
    method: 'database_view',
    location: 'exchange.v_licences',
    deliveredFields: granted,
  });
});
