// Catalog adjustment in the console, in a real browser against the real API, worker, Temporal and PostgreSQL,
// as the people do it: the agency's officer adjusts an entry and adds one in forms (no id, code or JSON typed),
// gathers both in one application and applies; the city authority reads each change as a before/after table
// in Chinese, with the Art. 8 flag beside the new entry, and approves; the entry's new version is in the
// catalog. A spreadsheet import shows a bad row's problem against the row. Who reviews a change and when (issue 24 §7): an
// institution's first compilation and dynamic adjustment published at once and reviewed afterwards (事后审查) from the
// authority's inbox; a government department's reviewed first. axe-core checks each new screen.
import type { Page } from 'playwright-core';
import { SHEET_COLUMNS } from '../domain/catalog-sheet';
import { getCatalogEntry, entryContentOf } from '../db/repositories/catalog';
import { type Api } from './api-helpers';
import { screenshot, window } from './browser';
import { type ConsoleRun, expectAccessible, open, openFromInbox, startConsole } from './console-harness';
import { eventually, type Harness, insertInstitution } from './helpers';

jest.setTimeout(180_000);

let run: ConsoleRun;
let h: Harness;
let api: Api;

beforeAll(async () => {
  run = await startConsole('console-adjust');
  ({ h, api } = run);
});
afterAll(async () => {
  await run?.close();
});

const signedIn = (sub: string) => run.signedIn(sub);

/** The parts a change's before/after table shows, each as [label, before, after]. */
async function diffRows(page: Page, change: number): Promise<string[][]> {
  return page.$$eval(`section[data-change="${change}"] table.diff tbody tr[data-part]`, (rows) =>
    rows.map((r) => Array.from((r as unknown as { children: ArrayLike<{ textContent: string | null }> }).children).map((c) => (c.textContent ?? '').trim())),
  );
}

test('an officer adjusts an entry and adds one in one application; the authority reads each change before and after, with the Art. 8 flag, and approves; the new version is in the catalog', async () => {
  const li = await signedIn('li.applicant');
  // 行政执法案卷: not shared, on 《中华人民共和国个人信息保护法》第十三条. The officer makes it shared on conditions.
  await open(li, `#/catalog/${h.city.entries.none}`);
  await li.getByRole('link', { name: '调整本条目' }).click();
  await li.waitForSelector('form.adjust-entry');
  await li.getByLabel('有条件共享', { exact: true }).check();
  // Art. 13 ¶2: conditional sharing states its reasons and its conditions; the form says so, in the registry's words.
  await li.getByRole('button', { name: '加入调整清单' }).click();
  const alert = li.locator('form.adjust-entry .problem');
  await expect(alert.textContent()).resolves.toContain('有条件共享的，应当说明理由');
  await expect(alert.textContent()).resolves.toContain('有条件共享的，应当明确共享条件');
  await expectAccessible(li);
  await li.getByLabel('共享 · 理由', { exact: true }).fill('案卷含当事人个人信息，须限定用途');
  await li.getByLabel('共享条件', { exact: true }).fill('仅用于行政执法协作');
  await screenshot(li, 'adjust-entry');
  await li.getByRole('button', { name: '加入调整清单' }).click();
  await li.waitForSelector('#basket-h');
  expect(await li.textContent('#basket-h')).toContain('（1）');

  // 新增条目: a register like the market regulator's own 企业登记信息, not open on a law.
  await li.getByRole('link', { name: '新增条目' }).click();
  await li.waitForSelector('form.adjust-entry');
  await li.getByLabel('目录名称', { exact: true }).fill('企业登记信息表');
  await li.getByLabel('更新频率', { exact: true }).fill('每月');
  await li.getByLabel('信息项名称 1', { exact: true }).fill('统一社会信用代码');
  await li.getByLabel('类型 1', { exact: true }).selectOption({ label: '统一社会信用代码' });
  await li.getByLabel('标识对象 1', { exact: true }).selectOption({ label: '法人和其他组织' });
  await li.getByRole('button', { name: '增加数据项' }).click();
  await li.getByLabel('信息项名称 2', { exact: true }).fill('企业名称');
  // Not open (the form's start): Art. 17 ¶1 asks for a law, regulation or national rule.
  await li.getByRole('button', { name: '增加一项依据' }).click();
  await li.getByLabel('层级 1', { exact: true }).selectOption({ label: '法律' });
  await li.getByLabel('名称 1', { exact: true }).fill('中华人民共和国数据安全法');
  await li.getByLabel('条款 1', { exact: true }).fill('第二十一条');
  await expectAccessible(li);
  await li.getByRole('button', { name: '加入调整清单' }).click();
  await li.waitForSelector('#basket-h');
  expect(await li.textContent('#basket-h')).toContain('（2）');
  // A change in the list is edited again in place, from what it states.
  await li.getByRole('link', { name: '修改第 2 项' }).click();
  await li.waitForSelector('form.adjust-entry');
  expect(await li.inputValue('#e-title')).toBe('企业登记信息表');
  await li.getByLabel('更新频率', { exact: true }).fill('每季度');
  await li.getByRole('button', { name: '加入调整清单' }).click();
  await li.waitForSelector('#basket-h');
  expect(await li.textContent('#basket-h')).toContain('（2）');
  // The officer reviews the list: the changed parts of the entry only, and the new entry's similar one.
  await li.waitForSelector('section[data-change="0"] table.diff');
  expect((await diffRows(li, 0)).map((r) => r[0])).toEqual(['共享属性', '共享 · 理由', '共享条件', '共享 · 依据']);
  await li.waitForSelector('section[data-change="1"] .similar');
  expect(await li.textContent('section[data-change="1"] .similar')).toContain('企业登记信息');
  await li.getByLabel('调整事由', { exact: true }).selectOption({ label: '职能职责变更' });
  await li.getByLabel('书面说明', { exact: true }).fill('执法协作需要共享案卷；新建企业登记信息表');
  await expectAccessible(li);
  await screenshot(li, 'adjust-basket');
  await li.getByRole('button', { name: '提交申请' }).click();
  await li.waitForFunction(() => (globalThis as unknown as { location: { hash: string } }).location.hash.startsWith('#/requests/'));
  const requestId = decodeURIComponent(/#\/requests\/([^/?]+)/.exec(li.url())![1]);

  // The city authority reviews it from its inbox.
  const wang = await signedIn('wang.authority');
  await open(wang, `#/inbox?kind=CATALOG_ADJUSTMENT_CITY_REVIEW`);
  const link = wang.locator(`tr[data-request="${requestId}"] a`).first();
  await eventually(async () => {
    if (await link.count()) return true;
    await open(wang, `#/inbox?kind=CATALOG_ADJUSTMENT_CITY_REVIEW&r=${Date.now()}`);
    await wang.waitForTimeout(500);
    return false;
  }, 30_000);
  await link.click();
  await wang.waitForSelector('form.decide');
  await wang.waitForSelector('section[data-change="0"] table.diff');
  // Only the parts that differ, by their Chinese labels, the old and new values in Chinese.
  expect(await diffRows(wang, 0)).toEqual([
    ['共享属性', '不予共享', '有条件共享'],
    ['共享 · 理由', '（无）', '案卷含当事人个人信息，须限定用途'],
    ['共享条件', '（无）', '仅用于行政执法协作'],
    ['共享 · 依据', '法律《中华人民共和国个人信息保护法》第十三条', '（无）'],
  ]);
  expect(await wang.textContent('section[data-change="0"] h3')).toContain('变更条目：行政执法案卷');
  const added = Object.fromEntries((await diffRows(wang, 1)).map(([label, , after]) => [label, after]));
  expect(added).toMatchObject({
    目录名称: '企业登记信息表',
    更新频率: '每季度',
    共享属性: '无条件共享',
    开放属性: '不予开放',
    '开放 · 依据': '法律《中华人民共和国数据安全法》第二十一条',
  });
  expect(added['数据项']).toContain('统一社会信用代码（统一社会信用代码，法人和其他组织）');
  // Art. 8, the review's own flag: beside the new entry, the market regulator's register.
  const flag = wang.locator('section[data-change="1"] .similar');
  expect(await flag.textContent()).toContain('可能重复采集');
  expect(await flag.locator(`a[href="#/catalog/${h.city.entries.unconditional}"]`).textContent()).toBe('企业登记信息');
  // No JSON tree of English keys.
  const text = (await wang.textContent('main')) ?? '';
  for (const key of ['baseVersion', 'priorityOpen', '"op"', 'UNCONDITIONAL']) expect(text).not.toContain(key);
  await expectAccessible(wang);
  await screenshot(wang, 'adjust-review');
  await wang.check('#d-APPROVE');
  await wang.click('form.decide button[type=submit]');
  await wang.waitForSelector('p.notice[role=status]');

  // Applied: the entry's version 2 shares on conditions; the applicant's request page still reads as before/after.
  await eventually(async () => {
    await open(li, `#/catalog/${h.city.entries.none}?r=${Date.now()}`);
    await li.waitForSelector('article h1');
    return ((await li.textContent('article .muted')) ?? '').includes('版本 2');
  }, 30_000);
  expect(await li.textContent('article dl.facts')).toContain('有条件共享');
  expect(await li.textContent('article dl.facts')).toContain('仅用于行政执法协作');
  await open(li, `#/requests/${requestId}`);
  await li.waitForSelector('section[data-change="0"] table.diff');
  expect((await diffRows(li, 0))[0]).toEqual(['共享属性', '不予共享', '有条件共享']);
  await expectAccessible(li);
});

test('a spreadsheet import shows each bad row its problem in Chinese, and the rows that pass go into the list', async () => {
  const li = await signedIn('li.applicant');
  await open(li, '#/adjust');
  await li.waitForSelector('#import-h');
  const row = (cells: Partial<Record<(typeof SHEET_COLUMNS)[number], string>>) =>
    SHEET_COLUMNS.map((c) => {
      const v = cells[c] ?? '';
      return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
    }).join(',');
  const common = {
    action: 'add',
    fields: 'uscc | uscc | organisation | 统一社会信用代码',
    field_labels: '统一社会信用代码',
    form: 'table',
    update_frequency: '每月',
    open_attribute: 'NONE',
    open_basis: 'law | 中华人民共和国数据安全法 | 第二十一条',
    priority_open: 'false',
  };
  const csv = [
    SHEET_COLUMNS.join(','),
    row({ ...common, title: '个体工商户名录', share_attribute: 'UNCONDITIONAL' }),
    // Shared on conditions that it does not state (Art. 13 ¶2).
    row({ ...common, title: '个体工商户年报', share_attribute: 'CONDITIONAL', share_reasons: '含经营信息' }),
    // Not shared on a 规章 alone: a government department's catalog cites the 条例's levels (issue 24 §3).
    row({ ...common, title: '个体工商户处罚记录', share_attribute: 'NONE', share_basis: 'rules | 日照市公共数据管理办法 | 第十三条' }),
  ].join('\r\n');
  await li.getByLabel('表格文件（CSV 或 XLSX）').setInputFiles({ name: 'catalog.csv', mimeType: 'text/csv', buffer: Buffer.from(`\ufeff${csv}`) });
  await li.getByRole('button', { name: '读取并检查' }).click();
  await li.waitForSelector('table.import-rows');
  expect(await li.textContent('tr[data-row="2"]')).toContain('个体工商户名录');
  expect(await li.textContent('tr[data-row="2"]')).toContain('无误');
  expect(await li.textContent('tr[data-row="3"]')).toContain('个体工商户年报');
  // Only the rows' problems: the application's ground and justification are asked once the list is assembled.
  expect(await li.locator('table.import-rows tbody tr').count()).toBe(3);
  const bad = (await li.textContent('tr[data-row="3"] .field-errors')) ?? '';
  expect(bad).toContain('共享条件');
  expect(bad).toContain('有条件共享的，应当明确共享条件');
  expect(bad).not.toMatch(/[A-Za-z]{4,}/);
  const low = (await li.textContent('tr[data-row="4"] .field-errors')) ?? '';
  expect(low).toContain('列为不予共享的');
  expect(low).not.toMatch(/[A-Za-z]{4,}/);
  await expectAccessible(li);
  await screenshot(li, 'adjust-import');
  await li.getByRole('button', { name: '将无误的 1 行加入调整清单' }).click();
  expect(await li.textContent('#basket-h')).toContain('（1）');
  await li.waitForSelector('section[data-change="0"] table.diff');
  expect(await li.textContent('section[data-change="0"] h3')).toContain('新增条目：个体工商户名录');
});

test("不予共享: the entry editor offers a government department's officer only the 条例's levels (法律、行政法规、国务院决定) for its basis", async () => {
  const li = await signedIn('li.applicant');
  const levels = (id: string) => li.$$eval(`#${id} option`, (os) => os.map((o) => (o.textContent ?? '').trim()));
  // A new entry marked 不予共享: its basis is picked among the 条例's levels, the first provision starting at 法律,
  // while not opening it may cite the Measures' wider list (Art. 17).
  await open(li, '#/adjust');
  await li.getByRole('link', { name: '新增条目' }).click();
  await li.waitForSelector('form.adjust-entry');
  await li.getByLabel('不予共享', { exact: true }).check();
  await li.locator('#e-share-basis').getByRole('button', { name: '增加一项依据' }).click();
  expect(await levels('e-share-basis-0-level')).toEqual(['法律', '行政法规', '国务院决定']);
  expect(await li.inputValue('#e-share-basis-0-level')).toBe('law');
  await li.locator('#e-open-basis').getByRole('button', { name: '增加一项依据' }).click();
  expect(await levels('e-open-basis-0-level')).toContain('规章');
  await li.locator('#e-share-basis-0-level').selectOption({ label: '行政法规' });
  await expectAccessible(li);
  await screenshot(li, 'adjust-none-basis');
});

test('returned for revision, the officer takes the adjustment back into the list, adjusts the entry again and resubmits; the request reads the revised change', async () => {
  const officer = { sub: 'li.applicant', org: h.city.agencies.market, roles: ['agency_applicant' as const] };
  const authority = { sub: 'wang.authority', org: h.city.cityAuthority, roles: ['authority_reviewer' as const] };
  const call = (actor: typeof officer | typeof authority, method: 'GET' | 'POST', url: string, payload?: object) =>
    api.app.inject({ method, url, payload, headers: api.as(actor) });
  const row = (await getCatalogEntry(h.db, h.city.entries.unconditional))!;
  const [content, version] = [entryContentOf(row), row.version];
  const started = await call(officer, 'POST', '/catalog/adjustments', {
    ground: 'correction',
    justification: '更正描述',
    changes: [{ op: 'change', entryId: h.city.entries.unconditional, baseVersion: version, entry: { ...content, description: '企业登记事项' } }],
  });
  expect(started.statusCode).toBe(201);
  const requestId = started.json().id as string;
  const review = started.json().tasks[0].id as string;
  expect((await call(authority, 'POST', `/tasks/${review}/complete`, { decision: 'RETURN', reason: '更新频率也应改为每周' })).json().status).toBe(
    'awaiting_applicant',
  );
  const revision = await eventually(async () => {
    const r = (await call(officer, 'GET', `/requests/${requestId}`)).json();
    return r.tasks.find((t: { kind: string; status: string }) => t.kind === 'CATALOG_ADJUSTMENT_REVISION' && t.status === 'open')?.id as string | undefined;
  });

  const li = await signedIn('li.applicant');
  await open(li, `#/tasks/${revision}`);
  await li.getByRole('button', { name: '在调整清单中修改后重新提交' }).click();
  await li.waitForSelector('#basket-h');
  expect(await li.textContent('#basket-h')).toContain('（1）');
  // The same entry adjusted again replaces its change in the list.
  await open(li, `#/catalog/${h.city.entries.unconditional}`);
  await li.getByRole('link', { name: '调整本条目' }).click();
  await li.waitForSelector('form.adjust-entry');
  await li.getByLabel('描述', { exact: true }).fill('企业登记事项');
  await li.getByLabel('更新频率', { exact: true }).fill('每周');
  // Opening suspended on its own, sharing left as it is.
  await li.getByLabel(/^开放状态（当前：发布）$/).selectOption({ label: '暂停' });
  await li.getByRole('button', { name: '加入调整清单' }).click();
  await li.waitForSelector('section[data-change="0"] table.diff');
  expect(await li.textContent('#basket-h')).toContain('（1）');
  expect((await diffRows(li, 0)).map((r) => r[0])).toEqual(['描述', '更新频率']);
  // The ground and justification come back as they were; 重新提交 completes the revision task.
  expect(await li.inputValue('#a-justification')).toBe('更正描述');
  await expectAccessible(li);
  await li.getByRole('button', { name: '重新提交' }).click();
  await li.waitForFunction((id) => (globalThis as unknown as { location: { hash: string } }).location.hash === `#/requests/${id}`, requestId);
  await li.waitForSelector('section[data-change="0"] table.diff');
  expect(await diffRows(li, 0)).toEqual([
    ['描述', '（无）', '企业登记事项'],
    ['更新频率', '每日', '每周'],
  ]);
  expect(await li.textContent('section[data-change="0"] table.diff')).toContain('开放状态—暂停');
  expect(await li.textContent('section[data-change="0"] table.diff')).not.toContain('共享状态');
  expect((await call(officer, 'GET', `/requests/${requestId}`)).json().status).toBe('in_review');
});

test('删除: the removal takes its own reason, which the page asks for (of an imported removal too); the list and the request show it beside the removal, the written justification stays as written', async () => {
  const officer = { sub: 'li.applicant', org: h.city.agencies.market, roles: ['agency_applicant' as const] };
  const li = await signedIn('li.applicant');
  // A removal imported from a spreadsheet has no reason: the list asks for it before applying.
  const { version } = (await getCatalogEntry(h.db, h.city.entries.none))!;
  const cells: Partial<Record<(typeof SHEET_COLUMNS)[number], string>> = { action: 'remove', id: h.city.entries.none, version: String(version) };
  const csv = [SHEET_COLUMNS.join(','), SHEET_COLUMNS.map((c) => cells[c] ?? '').join(',')].join('\r\n');
  await open(li, '#/adjust');
  await li.getByLabel('表格文件（CSV 或 XLSX）').setInputFiles({ name: 'removal.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await li.getByRole('button', { name: '读取并检查' }).click();
  await li.getByRole('button', { name: '将无误的 1 行加入调整清单' }).click();
  expect(await li.textContent('#basket-h')).toContain('（1）');
  await li.getByLabel('调整事由', { exact: true }).selectOption({ label: '职能职责变更' });
  await li.getByLabel('书面说明', { exact: true }).fill('行政执法案卷不再由本局编目');
  await li.getByRole('button', { name: '提交申请' }).click();
  await li.waitForSelector('.basket-item .field-errors');
  expect(await li.textContent('.basket-item .field-errors')).toBe('删除理由：此项必填');
  expect(li.url()).toContain('#/adjust');

  // 删除 from the entry: the reason asked at its field; the removal in the list replaced by this one.
  await open(li, `#/catalog/${h.city.entries.none}`);
  await li.getByRole('link', { name: '删除', exact: true }).click();
  await li.waitForSelector('#remove-reason');
  await li.getByRole('button', { name: '加入调整清单' }).click();
  expect(await li.getAttribute('#remove-reason', 'aria-invalid')).toBe('true');
  await li.getByLabel(/^删除理由/).fill('案卷已移交市档案馆统一管理');
  await li.getByRole('button', { name: '加入调整清单' }).click();
  await li.waitForSelector('#basket-h');
  expect(await li.textContent('#basket-h')).toContain('（1）');
  const removal = li.locator('section.change', { hasText: '删除条目：行政执法案卷' });
  expect(await removal.locator('.removal-reason').textContent()).toBe('删除理由案卷已移交市档案馆统一管理');
  // Edited again from the list, the reason comes back as written.
  await li.getByRole('link', { name: '修改第 1 项' }).click();
  await li.waitForSelector('#remove-reason');
  expect(await li.inputValue('#remove-reason')).toBe('案卷已移交市档案馆统一管理');
  await li.getByRole('button', { name: '加入调整清单' }).click();
  await li.waitForSelector('#basket-h');
  await li.getByLabel('调整事由', { exact: true }).selectOption({ label: '职能职责变更' });
  await li.getByLabel('书面说明', { exact: true }).fill('行政执法案卷不再由本局编目');
  await expectAccessible(li);
  await li.getByRole('button', { name: '提交申请' }).click();
  await li.waitForFunction(() => (globalThis as unknown as { location: { hash: string } }).location.hash.startsWith('#/requests/'));
  const requestId = decodeURIComponent(/#\/requests\/([^/?]+)/.exec(li.url())![1]);
  await li.waitForSelector('section[data-change="0"] .removal-reason');
  expect(await li.textContent('section[data-change="0"] .removal-reason')).toBe('删除理由案卷已移交市档案馆统一管理');
  const payload = (await api.app.inject({ method: 'GET', url: `/requests/${requestId}`, headers: api.as(officer) })).json().payload;
  expect(payload).toMatchObject({
    justification: '行政执法案卷不再由本局编目',
    changes: [{ op: 'remove', entryId: h.city.entries.none, reason: '案卷已移交市档案馆统一管理' }],
  });
  await expectAccessible(li);
});

// Issue 24 §7: who reviews a catalog change, and when, as the officer and the authority see it.
describe('who reviews a catalog change (Art. 9 ¶1, ¶2; the 条例)', () => {
  /** A 事业单位 of the city holding public data, no government department: the Measures alone say who reviews its catalog. */
  const centre = () => `${h.city.agencies.market}-centre`;
  const officer = () => ({ sub: 'zhou.centre', org: centre(), roles: ['agency_applicant' as const] });

  /** A window signed in with a token of the API's own: the institution's officer is no demo person. */
  async function signedInAsOfficer(): Promise<Page> {
    const { page } = await window(run.browser);
    await page.goto(`${run.base}/console/`);
    await page.evaluate(
      (token) => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('pdw.token', token),
      api.token(officer().sub, officer().org, ...officer().roles),
    );
    await page.reload();
    await page.waitForSelector('nav.side');
    return page;
  }

  /** Picks the ground in the basket and reads when the change will be reviewed. */
  async function groundSays(page: Page, ground: string): Promise<{ review: string | null; text: string }> {
    await page.getByLabel('调整事由', { exact: true }).selectOption({ label: ground });
    const when = page.locator('form.apply .review-when');
    await when.waitFor();
    return { review: await when.getAttribute('data-review'), text: (await when.textContent()) ?? '' };
  }

  const requestIdOf = (page: Page) => decodeURIComponent(/#\/requests\/([^/?]+)/.exec(page.url())![1]);

  async function afterReviewFromInbox(wang: Page, requestId: string, decision: 'ACCEPT' | 'RETURN', reason?: string) {
    await openFromInbox(wang, requestId, 'CATALOG_ADJUSTMENT_AFTER_REVIEW');
    expect(await wang.textContent('main h1')).toContain('目录调整事后审查');
    expect(await wang.textContent('label[for="d-ACCEPT"]')).toContain('认可');
    expect(await wang.textContent('label[for="d-RETURN"]')).toContain('退回整改');
    await wang.check(`#d-${decision}`);
    if (reason) await wang.fill('#reason', reason);
    await wang.click('form.decide button[type=submit]');
    await wang.locator('.notice[role=status][aria-live=polite]').filter({ hasText: '已作出决定' }).waitFor();
  }

  test("an institution's first compilation and its dynamic adjustment are published at once; the authority reviews them afterwards from its inbox, accepting one and returning the other", async () => {
    await insertInstitution(h, centre());
    const zhou = await signedInAsOfficer();
    // 首次编制: a new entry, in the form.
    await open(zhou, '#/adjust/new');
    await zhou.waitForSelector('form.adjust-entry');
    await zhou.getByLabel('目录名称', { exact: true }).fill('公共资源交易项目');
    await zhou.getByLabel('更新频率', { exact: true }).fill('每月');
    await zhou.getByLabel('信息项名称 1', { exact: true }).fill('招标人统一社会信用代码');
    await zhou.getByLabel('类型 1', { exact: true }).selectOption({ label: '统一社会信用代码' });
    await zhou.getByLabel('标识对象 1', { exact: true }).selectOption({ label: '法人和其他组织' });
    await zhou.getByRole('button', { name: '增加一项依据' }).click();
    await zhou.getByLabel('层级 1', { exact: true }).selectOption({ label: '法律' });
    await zhou.getByLabel('名称 1', { exact: true }).fill('中华人民共和国数据安全法');
    await zhou.getByLabel('条款 1', { exact: true }).fill('第二十一条');
    await zhou.getByRole('button', { name: '加入调整清单' }).click();
    await zhou.waitForSelector('#basket-h');
    // The page says who reviews it and when, as the ground picked makes it: Art. 9 ¶2's grounds first, the others afterwards.
    const lawChange = await groundSays(zhou, '法律、法规修改');
    expect(lawChange.review).toBe('before');
    expect(lawChange.text).toContain('第九条第二款');
    const first = await groundSays(zhou, '首次编制目录');
    expect(first.review).toBe('after');
    expect(first.text).toContain('事后审查');
    await zhou.getByLabel('书面说明', { exact: true }).fill('首次编制本单位公共数据目录');
    await expectAccessible(zhou);
    await screenshot(zhou, 'adjust-review-after');
    await zhou.getByRole('button', { name: '提交申请' }).click();
    await zhou.waitForFunction(() => (globalThis as unknown as { location: { hash: string } }).location.hash.startsWith('#/requests/'));
    const compiled = requestIdOf(zhou);
    // Published at once: the request says the review comes afterwards, and the entry is in the catalog.
    const awaited = zhou.locator('p.after-review');
    await awaited.waitFor({ timeout: 15_000 });
    expect(await awaited.getAttribute('data-after-review')).toBe('awaited');
    expect(await awaited.textContent()).toContain('待本级大数据主管部门事后审查');
    const entryLink = zhou.locator('#applied-h + ul a', { hasText: '公共资源交易项目' });
    await entryLink.waitFor({ timeout: 15_000 });
    await expectAccessible(zhou);

    // The authority finds it in its inbox: the entry published, by its title, no id; accepts it.
    const wang = await signedIn('wang.authority');
    await openFromInbox(wang, compiled, 'CATALOG_ADJUSTMENT_AFTER_REVIEW');
    await wang.locator('#applied-h + ul a', { hasText: '公共资源交易项目' }).waitFor();
    const entryId = decodeURIComponent((await wang.locator('#applied-h + ul a').first().getAttribute('href'))!.replace('#/catalog/', ''));
    expect(await wang.textContent('main')).not.toContain(entryId);
    // Every step of its trail in words (the entries it wrote too), no code.
    expect(await wang.textContent('main')).not.toMatch(/[a-z]+_[a-z]+/);
    await expectAccessible(wang);
    await screenshot(wang, 'adjust-after-review');
    await afterReviewFromInbox(wang, compiled, 'ACCEPT');
    await open(zhou, `#/requests/${compiled}`);
    await zhou.locator('p.after-review[data-after-review="ACCEPT"]').waitFor({ timeout: 15_000 });
    expect(await zhou.textContent('p.after-review')).toContain('认可');

    // 动态调整: the officer adjusts the entry from its page; published at once as version 2.
    await entryLink.click();
    await zhou.getByRole('link', { name: '调整本条目' }).click();
    await zhou.waitForSelector('form.adjust-entry');
    await zhou.getByLabel('更新频率', { exact: true }).fill('每日');
    await zhou.getByRole('button', { name: '加入调整清单' }).click();
    await zhou.waitForSelector('#basket-h');
    expect((await groundSays(zhou, '目录动态调整')).review).toBe('after');
    await zhou.getByLabel('书面说明', { exact: true }).fill('交易数据改为每日更新');
    await zhou.getByRole('button', { name: '提交申请' }).click();
    await zhou.waitForFunction((was) => {
      const hash = (globalThis as unknown as { location: { hash: string } }).location.hash;
      return hash.startsWith('#/requests/') && !hash.includes(was);
    }, compiled);
    const dynamic = requestIdOf(zhou);
    await zhou.locator('p.after-review[data-after-review="awaited"]').waitFor({ timeout: 15_000 });
    expect((await getCatalogEntry(h.db, entryId))!.version).toBe(2);

    // Returned afterwards with its reason: the officer reads it on the request; the change stays published.
    await afterReviewFromInbox(wang, dynamic, 'RETURN', '更新频率与数据源不符，请整改');
    await open(zhou, `#/requests/${dynamic}`);
    const returned = zhou.locator('p.after-review[data-after-review="RETURN"]');
    await returned.waitFor({ timeout: 15_000 });
    expect(await returned.textContent()).toContain('退回整改：更新频率与数据源不符，请整改');
    expect((await getCatalogEntry(h.db, entryId))!.version).toBe(2);
    await expectAccessible(zhou);
  });

  test("a government department's dynamic adjustment waits for the authority's review before it is published", async () => {
    const li = await signedIn('li.applicant');
    const before = (await getCatalogEntry(h.db, h.city.entries.unconditional))!.version;
    await open(li, `#/catalog/${h.city.entries.unconditional}`);
    await li.getByRole('link', { name: '调整本条目' }).click();
    await li.waitForSelector('form.adjust-entry');
    await li.getByLabel('描述', { exact: true }).fill('企业登记事项（动态调整）');
    await li.getByRole('button', { name: '加入调整清单' }).click();
    await li.waitForSelector('#basket-h');
    const said = await groundSays(li, '目录动态调整');
    expect(said.review).toBe('before');
    expect(said.text).toContain('政务部门');
    await li.getByLabel('书面说明', { exact: true }).fill('描述随业务调整');
    await li.getByRole('button', { name: '提交申请' }).click();
    await li.waitForFunction(() => (globalThis as unknown as { location: { hash: string } }).location.hash.startsWith('#/requests/'));
    const requestId = requestIdOf(li);
    await li.waitForSelector('section[data-change="0"] table.diff');
    expect(await li.locator('p.after-review').count()).toBe(0);
    // The authority's review before publication is in its inbox; nothing is published meanwhile.
    const wang = await signedIn('wang.authority');
    await openFromInbox(wang, requestId, 'CATALOG_ADJUSTMENT_CITY_REVIEW');
    expect(await wang.textContent('main h1')).toContain('目录调整审核');
    expect((await getCatalogEntry(h.db, h.city.entries.unconditional))!.version).toBe(before);
    const officer = { sub: 'li.applicant', org: h.city.agencies.market, roles: ['agency_applicant' as const] };
    expect((await api.app.inject({ method: 'GET', url: `/requests/${requestId}`, headers: api.as(officer) })).json().status).toBe('in_review');
    await api.app.inject({ method: 'POST', url: `/requests/${requestId}/cancel`, payload: { reason: '另行提交' }, headers: api.as(officer) });
  });
});
