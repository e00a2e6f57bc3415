// 校核纠错 in a real browser (Art. 11, issue 24 §5): a member of the public reports an error in open data from the
// entry's page, ticking the data item by its name and choosing the evidence as files whose SHA-256 the browser
// computes (nothing typed but words); the agency, from its inbox, sees the entry's other report beside the task and
// asks once for more, listing what is missing; the reporter reads the ask and replies on the report's page; asking
// again is refused in Chinese; the agency corrects it (a day picked) and the reporter reads what changed; another
// report is found no error. The entry's page shows its reports together: all of them to the agency and the city
// authority, one's own to the reporter. axe-core on the report form and the verification at 1280 and 390 px.
import { createHash } from 'node:crypto';
import type { Page } from 'playwright-core';
import type { Actor } from '../domain/types';
import { screenshot } from './browser';
import { type ConsoleRun, expectAccessible, open, openFromInbox, startConsole } from './console-harness';
import { eventually, type Harness } from './helpers';

jest.setTimeout(300_000);

let run: ConsoleRun;
let h: Harness;

beforeAll(async () => {
  run = await startConsole('console-correction');
  h = run.h;
});
afterAll(async () => {
  await run?.close();
});

const citizenSub = () => `chen.citizen.${h.city.region}`;
const market = (): Actor => ({ sub: 'he.market', org: h.city.agencies.market, roles: ['provider_reviewer'] });
const another = (): Actor => ({ sub: 'zhou.citizen', org: 'public', roles: ['public_applicant'] });
const call = (actor: Actor, method: 'GET' | 'POST', url: string, payload?: object) => run.api.app.inject({ method, url, payload, headers: run.api.as(actor) });
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function decide(page: Page, decision: string, reason?: string) {
  expect(await page.textContent(`label[for="d-${decision}"]`)).not.toContain(decision);
  await page.check(`#d-${decision}`);
  if (reason !== undefined) await page.fill('#reason', reason);
  await page.click('form.decide button[type=submit]');
  await page.waitForSelector('.notice:has-text("已作出决定")');
}

/** The same page at a phone's width, checked by axe-core. */
async function narrowAccessible(sub: string, page: Page, ready: string) {
  const narrow = await run.signedIn(sub, { width: 390, height: 844 });
  await open(narrow, page.url().slice(page.url().indexOf('#')));
  await narrow.waitForSelector(ready);
  await expectAccessible(narrow);
  await narrow.close();
}

const records = (page: Page) => page.locator('section.corrections');

test('校核纠错: reported from the entry’s page with hashed files, asked once for more and answered, corrected, the reporter told; an entry’s reports read together', async () => {
  const entryId = h.city.entries.unconditional;
  const licence = Buffer.from('营业执照（副本）扫描件：法定代表人 王五');
  const notice = Buffer.from('%PDF-1.4 变更登记通知书');

  // The reporter starts from the entry's page: the entry given, its data items by their names, the files chosen.
  const reporter = await run.signedIn(citizenSub());
  await open(reporter, `#/catalog/${entryId}`);
  await reporter.click('a.button:has-text("报告数据错误")');
  await reporter.waitForSelector('form.correction');
  expect(await reporter.textContent('main h1')).toBe('报告数据错误');
  await eventually(async () => (await reporter.inputValue('#c-entry')) === '企业登记信息');
  await reporter.getByRole('checkbox', { name: '法定代表人', exact: true }).check();
  await reporter.fill('#c-records', '统一社会信用代码 91371100MA000000X1 的企业');
  await reporter.fill('#c-problem', '法定代表人与营业执照不一致，应为王五');
  await reporter.setInputFiles('#c-evidence', [
    { name: '营业执照.jpg', mimeType: 'image/jpeg', buffer: licence },
    { name: '变更登记通知书.pdf', mimeType: 'application/pdf', buffer: notice },
  ]);
  await reporter.locator('ul.evidence li').nth(1).waitFor();
  expect(await reporter.locator('ul.evidence li').evaluateAll((ls) => ls.map((l) => l.getAttribute('data-sha256')))).toEqual([sha256(licence), sha256(notice)]);
  // No field asks for an id, a code or JSON: the entry is picked, the items ticked, the files chosen.
  expect(await reporter.locator('form.correction input[type=text]:not([role=combobox])').count()).toBe(0);
  await expectAccessible(reporter);
  await screenshot(reporter, 'correction-report');
  await narrowAccessible(citizenSub(), reporter, 'form.correction');
  await reporter.click('form.correction button[type=submit]');
  await reporter.waitForURL(/#\/requests\/[^/]+$/);
  const requestId = decodeURIComponent(reporter.url().split('#/requests/')[1]);
  await reporter.locator('section.correction-course:has-text("提供单位正在核实")').waitFor({ timeout: 15_000 });
  // What the API holds: the item by its name, the files by their names and digests.
  expect((await call(market(), 'GET', `/requests/${requestId}`)).json().payload).toEqual({
    catalogEntryId: entryId,
    items: ['legal_representative'],
    records: '统一社会信用代码 91371100MA000000X1 的企业',
    problem: '法定代表人与营业执照不一致，应为王五',
    evidence: [
      { name: '营业执照.jpg', sha256: sha256(licence) },
      { name: '变更登记通知书.pdf', sha256: sha256(notice) },
    ],
  });

  // Another member of the public reports the same entry (over the API).
  const other = await call(another(), 'POST', '/corrections', { catalogEntryId: entryId, items: ['name'], problem: '企业名称有错别字' });
  expect(other.statusCode).toBe(201);
  const otherId: string = other.json().id;

  // The agency verifies from its inbox: the decisions in Chinese, the entry's other report beside the task.
  const agency = await run.signedIn('he.market');
  await openFromInbox(agency, requestId, 'CORRECTION_VERIFICATION');
  expect(await agency.textContent('h1')).toContain('纠错核实');
  await records(agency).locator(`tr[data-report="${otherId}"]`).waitFor({ timeout: 15_000 });
  expect(await records(agency).locator(`tr[data-report="${requestId}"]`).count()).toBe(0);
  expect(await records(agency).textContent()).toContain('企业名称有错别字');
  expect(await agency.locator('form.decide fieldset label').allTextContents()).toEqual(
    expect.arrayContaining([expect.stringContaining('已更正'), expect.stringContaining('不属于错误'), expect.stringContaining('要求补充材料')]),
  );
  await expectAccessible(agency);
  await narrowAccessible('he.market', agency, 'form.decide');

  // 要求补充材料, once, every missing item listed with why.
  await agency.check('#d-REQUEST_INFO');
  await agency.click('form.decide button:has-text("需补充的材料")');
  await agency.fill('#f-body-form-missing-0-item', '变更后的营业执照照片');
  await agency.fill('#f-body-form-missing-0-reason', '核对变更登记日期');
  await decide(agency, 'REQUEST_INFO', '请补充变更后的营业执照');
  await expectAccessible(agency);

  // The reporter reads the ask, every item, and replies on the report's page.
  const course = reporter.locator('section.correction-course');
  await course.locator('.asked li:has-text("变更后的营业执照照片")').waitFor({ timeout: 15_000 });
  expect(await course.textContent()).toContain('核对变更登记日期');
  expect(await reporter.textContent('main h1')).toContain('待补充材料');
  await reporter.waitForSelector('form.reply');
  await expectAccessible(reporter);
  await reporter.fill('#reply-text', '变更后的营业执照已于2026年11月1日换发，照片即原报告所附营业执照.jpg');
  await reporter.click('form.reply button[type=submit]');
  await reporter.waitForSelector('.notice:has-text("已提交补充材料")');
  await course.locator('.replied:has-text("2026年11月1日换发")').waitFor({ timeout: 15_000 });

  // Verification resumes: asking a second time is refused in Chinese; the agency corrects, the day picked.
  await openFromInbox(agency, requestId, 'CORRECTION_VERIFICATION');
  await agency.check('#d-REQUEST_INFO');
  await agency.fill('#reason', '再补充');
  await agency.click('form.decide button[type=submit]');
  await agency.locator('form.decide .field-errors:has-text("已要求报告人补充过一次材料")').waitFor();
  expect(await agency.getByLabel('更正发布日期').count()).toBe(0);
  await agency.check('#d-CORRECTED');
  await agency.fill('#reason', '');
  expect(await agency.getAttribute('#f-body-form-publishedAt', 'type')).toBe('date');
  await agency.fill('#f-body-form-corrected', '法定代表人已更正为王五');
  await agency.fill('#f-body-form-publishedAt', '2026-12-10');
  await decide(agency, 'CORRECTED');

  // The reporter reads what changed and when it is published.
  await course.locator('dl.outcome[data-decision="CORRECTED"]').waitFor({ timeout: 15_000 });
  const outcome = await course.locator('dl.outcome').textContent();
  expect(outcome).toContain('已更正');
  expect(outcome).toContain('法定代表人已更正为王五');
  expect(outcome).toContain('2026-12-10');
  expect(await reporter.textContent('main h1')).toContain('已更正');
  await screenshot(reporter, 'correction-corrected');

  // The other report: no error, with its reason.
  await openFromInbox(agency, otherId, 'CORRECTION_VERIFICATION');
  await decide(agency, 'NOT_AN_ERROR', '企业名称与登记档案一致');
  expect((await call(another(), 'GET', `/requests/${otherId}`)).json()).toMatchObject({ status: 'dismissed' });

  // The entry's page: both reports together, with their outcomes, for the agency and the city authority.
  for (const page of [agency, await run.signedIn('wang.authority')]) {
    await open(page, `#/catalog/${entryId}`);
    await records(page).locator(`tr[data-report="${otherId}"]:has-text("企业名称与登记档案一致")`).waitFor({ timeout: 15_000 });
    await records(page).locator(`tr[data-report="${requestId}"]:has-text("法定代表人已更正为王五")`).waitFor();
    expect(await records(page).locator('.corrections-summary').textContent()).toContain('共 2 次报告：已更正 1 次，不属于错误 1 次');
  }
  await expectAccessible(agency);
  // The reporter reads their own alone.
  await open(reporter, `#/catalog/${entryId}`);
  await records(reporter).locator(`tr[data-report="${requestId}"]:has-text("本人报告")`).waitFor({ timeout: 15_000 });
  expect(await records(reporter).locator('tbody tr').count()).toBe(1);
});
