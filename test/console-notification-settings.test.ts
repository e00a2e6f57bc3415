// 通知设置 in a real browser (issue 26 §2): a provider reviewer picks e-mail and the kinds of notice from lists, is told
// in Chinese that e-mail needs an address, types the address (the one thing typed), saves; a new task then reaches them
// by e-mail through the workers' delivery activities and a real SMTP server started here, with its case number and a link to the
// console. Against the real API, worker, Temporal and PostgreSQL.
import { validShareBody, type Api } from './api-helpers';
import { type ConsoleRun, expectAccessible, open, startConsole } from './console-harness';
import { eventually, type Harness } from './helpers';
import { startDelivery } from './support/delivery';
import { startMailServer, type MailServer } from './support/mail-server';

jest.setTimeout(120_000);

let run: ConsoleRun;
let h: Harness;
let api: Api;
let mailServer: MailServer;

beforeAll(async () => {
  run = await startConsole('consolenotify');
  ({ h, api } = run);
  mailServer = await startMailServer();
});
afterAll(async () => {
  await mailServer?.close();
  await run?.close();
});

test('a reviewer picks e-mail and kinds of notice from lists, gives an address, and a new task reaches them by e-mail', async () => {
  const page = await run.signedIn('zhao.provider');
  await open(page, '#/notification-settings');
  await page.waitForSelector('#notify-email');
  expect(await page.locator('h1').textContent()).toBe('通知设置');
  // The kinds of notice by their Chinese names, all wanted until someone says otherwise; the console always.
  await page.getByLabel('新任务', { exact: true }).waitFor();
  expect(await page.getByLabel('新任务', { exact: true }).isChecked()).toBe(true);
  expect(await page.getByLabel('工作台（始终）').isDisabled()).toBe(true);
  await page.getByLabel('任务逾期', { exact: true }).uncheck();
  await page.getByLabel('电子邮件', { exact: true }).check();
  await page.click('form.principal button[type=submit]');
  // E-mail without an address: told at the field, in Chinese.
  await page.locator('text=选择电子邮件或每日摘要时，请填写电子邮件地址').first().waitFor();
  await page.fill('#notify-email', 'zhao.provider@health.example.gov.cn');
  await page.click('form.principal button[type=submit]');
  await page.locator('text=通知设置已保存').first().waitFor();
  await expectAccessible(page);
  const stored = (
    await api.app.inject({
      method: 'GET',
      url: '/me/notification-preferences',
      headers: api.as({ sub: 'zhao.provider', org: h.city.agencies.health, roles: ['provider_reviewer'] }),
    })
  ).json();
  expect(stored).toMatchObject({ email: 'zhao.provider@health.example.gov.cn', channels: ['email'] });
  expect(stored.events).toContain('task_assigned');
  expect(stored.events).not.toContain('task_overdue');

  const created = await api.app.inject({
    method: 'POST',
    url: '/share-requests',
    payload: validShareBody(h.city.entries.conditional),
    headers: api.as({ sub: 'li.applicant', org: h.city.agencies.market, roles: ['agency_applicant'] }),
  });
  expect(created.statusCode).toBe(201);
  const caseNumber: string = created.json().caseNumber;
  const deliverer = await startDelivery(h.client, {
    db: h.db,
    consoleUrl: 'http://127.0.0.1:3000/console/',
    smtp: { url: mailServer.url, from: '公共数据工作流 <noreply@pdw.example.gov.cn>' },
    pollMs: 50,
  });
  try {
    const mail = await eventually(async () => mailServer.mails.find((m) => m.to === 'zhao.provider@health.example.gov.cn'));
    expect(mail.raw).toContain('Message-ID: <');
    // The body (base64 or quoted-printable as nodemailer chose) carries the case number and the link.
    const text = decode(mail.raw);
    expect(text).toContain(caseNumber);
    expect(text).toContain('http://127.0.0.1:3000/console/#/tasks/');
  } finally {
    await deliverer.stop();
  }
});

function decode(raw: string): string {
  const [head, ...rest] = raw.split(/\r?\n\r?\n/);
  const body = rest.join('\n\n');
  if (/Content-Transfer-Encoding: base64/i.test(head)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (/Content-Transfer-Encoding: quoted-printable/i.test(head))
    return Buffer.from(
      body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
      'latin1',
    ).toString('utf8');
  return body;
}
