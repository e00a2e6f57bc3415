// 代理设置 in a real browser: a provider reviewer names a colleague (picked from the list of colleagues), the dates and
// the task kinds (picked from lists) and a reason; the colleague's inbox shows the reviewer's task marked 代理 with the
// reviewer's name, the decision reads "X 代 Y" in the request's timeline, and the reviewer ends the delegation early.
// Against the real API, worker, Temporal and PostgreSQL.
import { validShareBody, type Api } from './api-helpers';
import { type ConsoleRun, expectAccessible, open, startConsole } from './console-harness';
import type { Harness } from './helpers';

jest.setTimeout(120_000);

let run: ConsoleRun;
let h: Harness;
let api: Api;

beforeAll(async () => {
  run = await startConsole('consoledelegation');
  ({ h, api } = run);
});
afterAll(async () => {
  await run?.close();
});

test('a reviewer names a delegate from lists; the task reaches them marked 代理, and the decision reads X 代 Y', async () => {
  const page = await run.signedIn('zhao.provider');
  await open(page, '#/delegations');
  await page.waitForSelector('#delegation-delegate');
  // The colleague from the list of the health commission's people, by name.
  const options = await page.locator('#delegation-delegate option').allTextContents();
  expect(options.some((o) => o.startsWith('许诺'))).toBe(true);
  await page.selectOption('#delegation-delegate', 'xu.head');
  await page.locator('input[type=checkbox][value="SHARE_PROVIDER_OPINION"]').check();
  await page.fill('#delegation-reason', '年休假');
  await page.click('form.principal button[type=submit]');
  const row = page.locator('tr[data-testid=delegation]');
  await row.waitFor();
  expect(await row.textContent()).toContain('代理中');
  expect(await row.textContent()).toContain('许诺');
  await expectAccessible(page);

  const created = await api.app.inject({
    method: 'POST',
    url: '/share-requests',
    payload: validShareBody(h.city.entries.conditional),
    headers: api.as({ sub: 'li.applicant', org: h.city.agencies.market, roles: ['agency_applicant'] }),
  });
  expect(created.statusCode).toBe(201);
  const request = created.json();
  const task = request.tasks.find((t: { kind: string }) => t.kind === 'SHARE_PROVIDER_OPINION').id;

  // The delegate's inbox: the reviewer's task, marked as theirs.
  const delegate = await run.signedIn('xu.head');
  await open(delegate, '#/inbox');
  const badge = delegate.locator(`tr:has(a[href$="${task}"]) [data-delegated]`);
  await badge.waitFor();
  expect(await badge.textContent()).toBe('代理 · 赵敏');
  await expectAccessible(delegate);

  // The task's page: marked as the reviewer's, decided in the form, no claim offered (claiming stays the reviewer's).
  await open(delegate, `#/tasks/${task}`);
  await delegate.locator('dd [data-delegated]').waitFor();
  expect(await delegate.locator('dd [data-delegated]').textContent()).toBe('代理 · 赵敏');
  expect(await delegate.locator('button:has-text("认领")').count()).toBe(0);
  await delegate.getByLabel('同意', { exact: true }).check();
  await delegate.fill('#reason', '同意共享');
  await delegate.click('form.decide button[type=submit]');
  await delegate.waitForSelector('.notice:has-text("已作出决定")');
  const stored = await h.db.selectFrom('tasks').select(['decided_by', 'decided_on_behalf_of']).where('id', '=', task).executeTakeFirstOrThrow();
  expect(stored).toEqual({ decided_by: 'xu.head', decided_on_behalf_of: 'zhao.provider' });
  await open(page, `#/requests/${request.id}`);
  await page.waitForSelector('ol.timeline');
  await page.locator('ol.timeline li', { hasText: 'xu.head 代 zhao.provider' }).waitFor();

  // Ended early: the row reads 已结束.
  await open(page, '#/delegations');
  page.once('dialog', (d) => void d.accept());
  await page.locator('tr[data-testid=delegation] button').click();
  await page.locator('tr[data-testid=delegation]', { hasText: '已结束' }).waitFor();
});
