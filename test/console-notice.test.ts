// 一次性告知 in a real browser (《政务数据共享条例》, issue 24 §1): the provider's reviewer asks the applicant for more from its
// task, listing several missing items at once, each with what is missing and why, in rows added to a form labelled in
// Chinese; the applicant reads the whole list on the request's page and replies from there; in the same review the
// authority's second ask is refused in Chinese naming the rule, unless the applicant's reply changed the request (the data
// items re-ticked, the scenario edited on the reply task; the request's page shows what changed). Against the real API,
// worker, Temporal and PostgreSQL.
import type { Page } from 'playwright-core';
import { validShareBody, type Api } from './api-helpers';
import { screenshot } from './browser';
import { type ConsoleRun, expectAccessible, open, openFromInbox, startConsole } from './console-harness';
import { type Harness } from './helpers';

jest.setTimeout(180_000);

let run: ConsoleRun;
let h: Harness;
let api: Api;

beforeAll(async () => {
  run = await startConsole('consolenotice');
  ({ h, api } = run);
});
afterAll(async () => {
  await run?.close();
});

/** What the reviewer lists as missing: what, and why. */
const MISSING = [
  ['检查范围说明', '确定共享的数据项与期限'],
  ['数据安全管理制度', '核实接收方的安全保障能力'],
  ['经办人联系方式', '交付时核对接收人员'],
];

/** REQUEST_INFO from an open review task: the reason, then one row per missing item, added by the button. */
async function askForMore(page: Page, items: string[][]) {
  await page.check('#d-REQUEST_INFO');
  await page.fill('#reason', '申请材料不全，请一次性补充');
  for (const [i, [item, reason]] of items.entries()) {
    await page.click('form.decide button:has-text("添加一项")');
    expect(await page.textContent(`label[for="f-body-form-missing-${i}-item"]`)).toContain('缺少的材料');
    expect(await page.textContent(`label[for="f-body-form-missing-${i}-reason"]`)).toContain('需要的理由');
    await page.fill(`#f-body-form-missing-${i}-item`, item);
    await page.fill(`#f-body-form-missing-${i}-reason`, reason);
  }
  await page.click('form.decide button[type=submit]');
}

test('the provider lists every missing item at once; the applicant reads the list on the request and replies; a second ask in the review is refused naming 一次性告知', async () => {
  const res = await api.app.inject({
    method: 'POST',
    url: '/share-requests',
    payload: validShareBody(h.city.entries.conditional),
    headers: api.as({ sub: 'li.applicant', org: h.city.agencies.market, roles: ['agency_applicant'] }),
  });
  expect(res.statusCode).toBe(201);
  const requestId = res.json().id as string;

  const provider = await run.signedIn('zhao.provider');
  await openFromInbox(provider, requestId, 'SHARE_PROVIDER_OPINION');
  expect(await provider.textContent('label[for="d-REQUEST_INFO"]')).toContain('要求补充材料');
  await askForMore(provider, MISSING);
  await provider.locator('.notice[role=status][aria-live=polite]').filter({ hasText: '已作出决定' }).waitFor();
  await expectAccessible(provider);

  // The applicant's request page: 待补充材料, every item with its reason, in one table, and the way to reply.
  const li = await run.signedIn('li.applicant');
  await open(li, `#/requests/${requestId}`);
  await li.waitForSelector('h1:has-text("待补充材料")');
  const list = li.locator('section.missing-items');
  await list.waitFor();
  expect(await list.locator('h2').textContent()).toBe('需补充的材料');
  expect(await list.locator('thead th').allTextContents()).toEqual(['缺少的材料', '需要的理由']);
  const rows = await list
    .locator('tbody tr')
    .evaluateAll((trs) =>
      trs.map((tr) => Array.from((tr as unknown as { children: ArrayLike<{ textContent: string | null }> }).children).map((c) => (c.textContent ?? '').trim())),
    );
  expect(rows).toEqual(MISSING);
  // The review's tasks closed while the applicant holds the clock, in words.
  expect(await li.textContent('main')).toContain('已要求申请人补充材料，审核暂停');
  expect(await li.textContent('main')).not.toContain('paused');
  await expectAccessible(li);
  await screenshot(li, 'request-missing-items');
  await list.getByRole('link', { name: '补充材料并答复' }).click();
  await li.waitForSelector('form.decide');
  expect(await li.textContent('section[aria-labelledby="ctx-h"]')).toContain('数据安全管理制度');
  await li.check('#d-REPLY');
  await li.fill('#reason', '检查范围为全市民营医疗机构；安全管理制度与经办人联系方式已随函提交');
  await li.click('form.decide button[type=submit]');
  await li.locator('.notice[role=status][aria-live=polite]').filter({ hasText: '已作出决定' }).waitFor();
  await open(li, `#/requests/${requestId}`);
  await li.waitForSelector('h1:has-text("审核中")');
  // Answered: the list stays on the request for the record, with no way to answer it again.
  await list.waitFor();
  expect(await list.getByRole('link', { name: '补充材料并答复' }).count()).toBe(0);

  // Back in review: the authority's task says the notice was given; asking again is refused, in Chinese, naming the rule.
  const wang = await run.signedIn('wang.authority');
  await openFromInbox(wang, requestId, 'SHARE_JOINT_REVIEW');
  expect(await wang.textContent('section[aria-labelledby="ctx-h"]')).toContain('已一次性告知需补充的材料');
  await askForMore(wang, [['检查结果报告', '核对检查结论']]);
  const refused = wang.locator('form.decide [role=alert]').first();
  await refused.waitFor();
  const said = (await refused.locator('strong').textContent()) ?? '';
  expect(said).toContain('一次性告知');
  expect(said).toContain('不得再次要求补充');
  expect(said).not.toMatch(/[A-Za-z]{3,}/);
  // The decision form stays for another decision; the request still awaits the review.
  expect(await wang.locator('form.decide').count()).toBe(1);
  await expectAccessible(wang);
  await screenshot(wang, 'notice-already-given');
  const view = (
    await api.app.inject({
      method: 'GET',
      url: `/requests/${requestId}`,
      headers: api.as({ sub: 'li.applicant', org: h.city.agencies.market, roles: ['agency_applicant'] }),
    })
  ).json();
  expect(view.status).toBe('in_review');
});

test('a reply that changes the request: the applicant re-ticks the data items and edits the scenario on the reply task; the request shows what changed; the review may ask once more', async () => {
  const res = await api.app.inject({
    method: 'POST',
    url: '/share-requests',
    payload: validShareBody(h.city.entries.conditional),
    headers: api.as({ sub: 'li.applicant', org: h.city.agencies.market, roles: ['agency_applicant'] }),
  });
  expect(res.statusCode).toBe(201);
  const requestId = res.json().id as string;
  const provider = await run.signedIn('zhao.provider');
  await openFromInbox(provider, requestId, 'SHARE_PROVIDER_OPINION');
  await askForMore(provider, MISSING.slice(0, 1));
  await provider.locator('.notice[role=status][aria-live=polite]').filter({ hasText: '已作出决定' }).waitFor();

  // The reply task: the request's data items ticked among the entry's, by their names, and its scenario, as they stand.
  const li = await run.signedIn('li.applicant');
  await open(li, `#/requests/${requestId}`);
  await li.locator('section.missing-items').getByRole('link', { name: '补充材料并答复' }).click();
  await li.waitForSelector('form.decide');
  await li.check('#d-REPLY');
  expect(await li.textContent('form.decide .amend-hint')).toContain('应用场景');
  const items = li.locator('form.decide .items-picker');
  await items.getByLabel('执业许可证号').waitFor();
  expect(await items.getByLabel('核定床位数').isChecked()).toBe(true);
  // The context lists what is missing, not the data items' codes.
  expect(await li.textContent('section[aria-labelledby="ctx-h"]')).not.toContain('licence_no');
  await expectAccessible(li);
  await items.getByLabel('核定床位数').uncheck();
  await items.getByLabel('诊疗科目').uncheck();
  await li.fill('#f-body-form-scenario', '民营医疗机构执业许可核查');
  await li.fill('#reason', '检查范围说明已补充；只申请执业许可相关数据项');
  await screenshot(li, 'reply-amends-request');
  await li.click('form.decide button[type=submit]');
  await li.locator('.notice[role=status][aria-live=polite]').filter({ hasText: '已作出决定' }).waitFor();

  // The request's page says what the reply changed, before and after, the data items by their names.
  await open(li, `#/requests/${requestId}`);
  await li.waitForSelector('h1:has-text("审核中")');
  const changed = li.locator('section.amendments');
  await changed.waitFor();
  expect(await changed.locator('h2').textContent()).toBe('答复对申请的修改');
  const scenario = changed.locator('tr[data-part=scenario]');
  expect(await scenario.locator('td').last().textContent()).toBe('民营医疗机构执业许可核查');
  const fields = await changed.locator('tr[data-part=fields] td').allTextContents();
  expect(fields[0]).toContain('核定床位数');
  expect(fields[1]).toContain('执业许可证号');
  expect(fields[1]).not.toContain('核定床位数');
  expect(await li.textContent('section[aria-labelledby="timeline-h"]')).toContain('答复时调整申请');
  await expectAccessible(li);
  await screenshot(li, 'request-amended');

  // The request changed: the authority's second ask in this review is accepted.
  const wang = await run.signedIn('wang.authority');
  await openFromInbox(wang, requestId, 'SHARE_JOINT_REVIEW');
  expect(await wang.textContent('section[aria-labelledby="ctx-h"]')).not.toContain('已一次性告知需补充的材料');
  await askForMore(wang, [['执业许可核查方案', '核对调整后的应用场景']]);
  await wang.locator('.notice[role=status][aria-live=polite]').filter({ hasText: '已作出决定' }).waitFor();
  const view = (
    await api.app.inject({
      method: 'GET',
      url: `/requests/${requestId}`,
      headers: api.as({ sub: 'li.applicant', org: h.city.agencies.market, roles: ['agency_applicant'] }),
    })
  ).json();
  expect(view.status).toBe('awaiting_applicant');
  expect(view.payload).toMatchObject({ fields: ['institution', 'institution_uscc', 'licence_no'], scenario: '民营医疗机构执业许可核查' });
});
