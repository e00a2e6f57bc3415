// 消息推送 in a real browser (issue 26 §2): the organisation's admin adds a webhook (the URL the one thing typed, the
// kinds of notice picked), is shown its secret once with a copy button, sees a post that failed every attempt listed
// with its case number, kind and reason in Chinese, sends it again to a real HTTP receiver that checks the signature
// with the secret the page showed, and deletes the subscription after confirming. Others are not offered the page.
// Against the real API, the workers' delivery activities, Temporal and PostgreSQL.
import { notifyAll } from '../db/repositories/notifications';
import type { Actor } from '../domain/types';
import { validShareBody } from './api-helpers';
import { screenshot } from './browser';
import { type ConsoleRun, expectAccessible, open, startConsole } from './console-harness';
import { eventually } from './helpers';
import { startDelivery, type Delivery } from './support/delivery';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

jest.setTimeout(180_000);

let run: ConsoleRun;
let hook: WebhookReceiver;
let deliverer: Delivery | undefined;
let secret = '';
let status = 500;

beforeAll(async () => {
  // The receiver is plain http on this machine: allowed as in development.
  run = await startConsole('consolewebhooks', { webhooksHttpsOnly: false });
  hook = await startWebhookReceiver(
    () => secret,
    0,
    () => status,
  );
});
afterAll(async () => {
  await deliverer?.stop();
  await hook?.close();
  await run?.close();
});

test("the organisation's admin adds a webhook, copies its secret once, redelivers a failed post, and deletes the webhook", async () => {
  const { h, api } = run;
  const admin: Actor = { sub: 'admin', org: h.city.cityAuthority, roles: ['admin'] };
  const page = await run.signedIn('admin');
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.click('nav.side a:has-text("消息推送")');
  await page.waitForSelector('#webhook-url');
  expect(await page.locator('main h1').textContent()).toBe('消息推送');
  await page.locator('text=暂无推送地址').first().waitFor();
  await page.locator('text=暂无推送失败').first().waitFor();
  await expectAccessible(page);

  // A URL that is none: refused at the field, in Chinese.
  await page.fill('#webhook-url', 'ftp://127.0.0.1/hook');
  await page.click('form.principal button[type=submit]');
  await page.locator('text=推送地址须为 http 或 https 地址').first().waitFor();
  // Every kind picked until someone says otherwise; here all but one left out (the case's own tasks post nothing).
  const kinds = page.locator('form.principal fieldset input[type=checkbox]');
  expect(await kinds.count()).toBeGreaterThan(5);
  for (const box of await kinds.all()) expect(await box.isChecked()).toBe(true);
  for (const box of await kinds.all()) if ((await box.getAttribute('value')) !== 'catalog_published') await box.uncheck();
  await page.fill('#webhook-url', hook.url);
  await page.click('form.principal button[type=submit]');
  const shown = page.locator('[data-testid=webhook-secret]');
  await shown.waitFor();
  expect(await shown.textContent()).toContain('密钥只显示这一次');
  secret = (await shown.locator('code').textContent())!.trim();
  expect(secret.length).toBeGreaterThanOrEqual(40);
  await screenshot(page, 'webhooks-secret');
  await shown.locator('button:has-text("复制")').click();
  await shown.locator('text=已复制到剪贴板').waitFor();
  expect(
    await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText()),
  ).toBe(secret);
  const row = page.locator('[data-testid=webhook]');
  await row.waitFor();
  expect(await row.locator('code').textContent()).toBe(hook.url);
  expect(await row.textContent()).toContain('目录调整发布');
  expect(await row.textContent()).not.toContain('任务逾期');
  await expectAccessible(page);
  // The secret is never listed again.
  expect((await api.app.inject({ method: 'GET', url: '/webhooks', headers: api.as(admin) })).body).not.toContain(secret);
  await page.reload();
  await page.waitForSelector('[data-testid=webhook]');
  expect(await page.locator('main').textContent()).not.toContain(secret);

  // A notice of a case for the organisation's admins, posted to a receiver failing every attempt: a dead letter.
  const created = await api.app.inject({
    method: 'POST',
    url: '/share-requests',
    payload: validShareBody(h.city.entries.conditional),
    headers: api.as({ sub: 'li.applicant', org: h.city.agencies.market, roles: ['agency_applicant'] }),
  });
  expect(created.statusCode).toBe(201);
  const { id: requestId, caseNumber } = created.json() as { id: string; caseNumber: string };
  await notifyAll(h.db, [
    { key: `webhooks-${requestId}`, to: { org: h.city.cityAuthority, role: 'admin' }, kind: 'catalog_published', message: '目录调整已发布', requestId },
  ]);
  deliverer = await startDelivery(h.client, { db: h.db, consoleUrl: `${run.base}/console/`, policy: { baseMs: 50, maxMs: 100, maxAttempts: 2 }, pollMs: 50 });
  await eventually(
    async () =>
      (await api.app.inject({ method: 'GET', url: '/webhooks/dead-letters', headers: api.as(admin) }))
        .json()
        .items.some((d: { url: string }) => d.url === hook.url),
    30_000,
  );
  await page.reload();
  const dead = page.locator('[data-testid=dead-letter]');
  await dead.waitFor();
  const text = (await dead.textContent())!;
  expect(text).toContain(caseNumber);
  expect(text).toContain('目录调整发布');
  expect(text).toContain('接收方服务出错（返回状态码 500）');
  await expectAccessible(page);
  await screenshot(page, 'webhooks-dead-letter');

  // The receiver mended: sent again by the button, it arrives once, signed with the secret the page showed.
  status = 204;
  await dead.locator('button:has-text("重新推送")').click();
  await page.locator('text=已重新推送').first().waitFor();
  await eventually(async () => hook.got.size === 1, 30_000);
  expect([...hook.got.values()]).toEqual([1]);
  expect(hook.badSignatures).toEqual([]);
  expect(hook.bodies[0]).toMatchObject({ caseNumber });
  await page.locator('text=暂无推送失败').first().waitFor();

  // Deleting asks first: dismissed, nothing happens; confirmed, the subscription ends.
  page.once('dialog', (d) => void d.dismiss());
  await row.locator('button:has-text("删除")').click();
  await page.waitForTimeout(300);
  expect(await page.locator('[data-testid=webhook]').count()).toBe(1);
  let asked = '';
  page.once('dialog', (d) => {
    asked = d.message();
    void d.accept();
  });
  await row.locator('button:has-text("删除")').click();
  await page.locator('text=推送地址已删除').first().waitFor();
  await page.locator('text=暂无推送地址').first().waitFor();
  expect(asked).toContain('确定删除这个推送地址吗');
  expect((await api.app.inject({ method: 'GET', url: '/webhooks', headers: api.as(admin) })).json().items).toEqual([]);
  await expectAccessible(page);
  await page.context().close();

  // On a phone too.
  const phone = await run.signedIn('admin', { width: 390, height: 844 });
  await open(phone, '#/webhooks');
  await phone.waitForSelector('#webhook-url');
  await expectAccessible(phone);
  await phone.context().close();
});

test('staff other than admins are not offered the page (the API allows admins alone)', async () => {
  const page = await run.signedIn('zhao.provider');
  await page.waitForSelector('nav.side a:has-text("通知设置")');
  expect(await page.locator('nav.side a:has-text("消息推送")').count()).toBe(0);
  await page.context().close();
});
