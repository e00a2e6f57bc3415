// The supervisor's 监督评价 page in a real browser: after a few share reviews decided on time, late and left overdue, a
// supervisor of the demo city lands on it, and every figure it shows equals the API's GET /evaluations for the same
// period; a bar opens the cases behind it (GET /evaluations/requests); axe-core at 1280 and 390 px; a division with no
// work says what to do next.
import type { Page } from 'playwright-core';
import { shanghaiDay } from '../domain/calendar';
import type { Actor } from '../domain/types';
import { startApi, validShareBody, type Api } from './api-helpers';
import { screenshot } from './browser';
import { type ConsoleRun, expectAccessible, open, OVERDUE_AT_ONCE, startConsole } from './console-harness';
import { eventually, refusalForm, type Harness } from './helpers';
import { percent, periodBefore, workingDays } from '../console/src/periods';

jest.setTimeout(180_000);

let run: ConsoleRun;
let h: Harness;
let slow: Api;

beforeAll(async () => {
  run = await startConsole('console-dashboard');
  h = run.h;
  // Reviews due two seconds after they begin: a decision at once is on time, one after the mark late.
  slow = await startApi(h, { policies: { share: OVERDUE_AT_ONCE } });
});
afterAll(async () => {
  await slow?.app.close();
  await run?.close();
});

const day = shanghaiDay(new Date());
const quarter = `${day.slice(0, 4)}-Q${Math.ceil(Number(day.slice(5, 7)) / 3)}`;
const month = day.slice(0, 7);

const supervisor = (): Actor => ({ sub: 'wu.supervisor', org: h.city.cityAuthority, roles: ['supervisor'] });
const health = (): Actor => ({ sub: 'zhao.provider', org: h.city.agencies.health, roles: ['provider_reviewer'] });
const authority = (): Actor => ({ sub: 'wang.authority', org: h.city.cityAuthority, roles: ['authority_reviewer'] });
const call = (actor: Actor, method: 'GET' | 'POST', url: string, payload?: object) => slow.app.inject({ method, url, payload, headers: slow.as(actor) });

async function shareRequest() {
  const res = await call(
    { sub: 'li.applicant', org: h.city.agencies.market, roles: ['agency_applicant'] },
    'POST',
    '/share-requests',
    validShareBody(h.city.entries.conditional),
  );
  expect(res.statusCode).toBe(201);
  const r = res.json();
  const task = (kind: string) => r.tasks.find((t: { kind: string }) => t.kind === kind).id as string;
  return { id: r.id as string, opinion: task('SHARE_PROVIDER_OPINION'), review: task('SHARE_JOINT_REVIEW') };
}
const overdue = (taskId: string) =>
  eventually(async () => (await h.db.selectFrom('tasks').select('overdue_at').where('id', '=', taskId).executeTakeFirst())?.overdue_at, 30_000);

interface Figures {
  decided: number;
  decidedOnTime: number;
  onTimeRate: number | null;
  medianWorkingDays: number | null;
  overdueAtEnd: number;
  openAtEnd: number;
  refusals: number;
  delivered: number;
  deliveryMedianWorkingDays: number | null;
  correctionsAnswered: number;
  staleEntries: number;
}
interface Answer {
  total: Figures;
  procedures: ({ procedure: string } & Figures)[];
  organisations: { organisation: string; name: string; total: Figures }[];
}
let division: string;
const evaluation = async (period: string): Promise<Answer> => {
  const res = await call(supervisor(), 'GET', `/evaluations?period=${period}&division=${division}`);
  expect(res.statusCode).toBe(200);
  return res.json();
};
const text = async (page: Page, selector: string) => (await page.locator(selector).first().textContent())?.trim();

test('a supervisor lands on 监督评价, whose every figure is the API’s for the period, and a bar opens the cases behind it', async () => {
  division = (await call(supervisor(), 'GET', '/me')).json().organisation.division;
  // r1 decided at once by both (on time); r2's opinion decided past its due time (late); r3 left overdue with r2's review.
  const r1 = await shareRequest();
  expect((await call(health(), 'POST', `/tasks/${r1.opinion}/complete`, { decision: 'AGREE' })).statusCode).toBe(200);
  expect(
    (await call(authority(), 'POST', `/tasks/${r1.review}/complete`, { decision: 'REJECT', reason: '用途超出法定职责', form: refusalForm })).statusCode,
  ).toBe(200);
  const r2 = await shareRequest();
  const r3 = await shareRequest();
  await overdue(r2.opinion);
  expect((await call(health(), 'POST', `/tasks/${r2.opinion}/complete`, { decision: 'DISAGREE', reason: '含个人信息', form: refusalForm })).statusCode).toBe(
    200,
  );
  await overdue(r2.review);
  await overdue(r3.review);
  await overdue(r3.opinion);
  // The market regulator's daily entry, published ten days ago and never updated since: late now (Art. 10).
  const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000);
  await h.db.updateTable('catalog_entry_versions').set({ created_at: tenDaysAgo }).where('entry_id', '=', h.city.entries.unconditional).execute();

  const page = await run.signedIn('wu.supervisor');
  // The supervisor's first page is the evaluation of their division, this quarter picked in Chinese.
  await page.waitForSelector('h1:has-text("监督评价")');
  expect(await page.locator('nav.side a[aria-current=page]').textContent()).toBe('监督评价');
  expect(await page.locator('#ev-period option:checked').textContent()).toMatch(/^\d{4}年第[一二三四]季度（本季度）$/);
  await page.waitForSelector('[data-testid=evaluation-status]:has-text("已显示")');

  const q = await evaluation(quarter);
  const now = await evaluation(month);
  // 按时办结率 by organisation: each bar's figure, and the table's, are the API's.
  const rated = q.organisations.filter((o) => o.total.decided > 0);
  expect(rated.length).toBeGreaterThan(0);
  expect(await page.locator('ul.bars li[data-org]').count()).toBe(rated.length);
  for (const o of rated) {
    expect(await text(page, `li[data-org="${o.organisation}"] [data-testid=ontime-rate]`)).toBe(percent(o.total.onTimeRate));
    expect(await text(page, `li[data-org="${o.organisation}"] .bar-label`)).toBe(o.name);
  }
  for (const o of q.organisations) {
    const cells = await page.locator(`table.ontime-table tr[data-org="${o.organisation}"] td`).allTextContents();
    expect(cells).toEqual([String(o.total.decided), String(o.total.decidedOnTime), percent(o.total.onTimeRate)]);
  }
  expect(q.organisations.find((o) => o.organisation === h.city.agencies.health)?.total).toMatchObject({ decided: 2, decidedOnTime: 1, onTimeRate: 0.5 });
  // 办理时长 over the last four quarters, each the API's.
  for (const p of [3, 2, 1, 0].map((n) => periodBefore(quarter, n))) {
    const e = p === quarter ? q : await evaluation(p);
    await page.waitForSelector(`ul.columns li[data-period="${p}"] [data-testid=median]:not(:has-text("加载中"))`);
    expect(await text(page, `ul.columns li[data-period="${p}"] [data-testid=median]`)).toBe(
      e.total.decided ? workingDays(e.total.medianWorkingDays) : '无办结',
    );
    expect(await text(page, `table.time-table tr[data-period="${p}"] td:nth-of-type(2)`)).toBe(workingDays(e.total.medianWorkingDays));
  }
  // 当前超期 by procedure, in the registry's words, and the organisations most overdue.
  const overdueProcedures = now.procedures.filter((p) => p.overdueAtEnd > 0);
  expect(overdueProcedures.map((p) => p.procedure)).toContain('share');
  for (const p of overdueProcedures) expect(await text(page, `li[data-procedure="${p.procedure}"] [data-testid=overdue-count]`)).toBe(`${p.overdueAtEnd} 件`);
  expect(await text(page, 'li[data-procedure="share"] .bar-label')).not.toMatch(/[a-z]/);
  const most = now.organisations.filter((o) => o.total.overdueAtEnd > 0);
  for (const o of most) expect(await text(page, `table.most-overdue tr[data-org="${o.organisation}"] td`)).toBe(`${o.total.overdueAtEnd} 件`);
  // 拒绝、数据交付与纠错: each organisation's refusals (by their basis level), deliveries and error reports, the API's.
  for (const o of q.organisations) {
    const cells = await page.locator(`table.refusals-table tr[data-org="${o.organisation}"] td`).allTextContents();
    expect(cells[0]).toBe(`${o.total.refusals} 件`);
    expect(cells[2]).toBe(`${o.total.delivered} 件`);
    expect(cells[3]).toBe(workingDays(o.total.deliveryMedianWorkingDays));
    expect(cells[4]).toBe(`${o.total.correctionsAnswered} 件`);
    // 未按声明频率更新的目录: the catalog's figure, counted apart from the tasks'.
    expect(cells[6]).toBe(`${o.total.staleEntries} 条`);
  }
  // The provider's refusal rests on a law, named as the catalog names the level.
  expect(await text(page, `table.refusals-table tr[data-org="${h.city.agencies.health}"] [data-testid=basis]`)).toBe('法律 1 件');
  await screenshot(page, 'evaluation-supervisor');
  await page.$$eval('details', (all) => all.forEach((d) => d.setAttribute('open', '')));
  await expectAccessible(page);

  // A bar opens the cases it counts: the health commission's decided cases, by case number.
  await page.click(`li[data-org="${h.city.agencies.health}"] button`);
  await page.waitForSelector('section.drill tbody tr');
  const behind = (await call(supervisor(), 'GET', `/evaluations/requests?period=${quarter}&organisation=${h.city.agencies.health}&figure=decided`)).json() as {
    items: { caseNumber: string; taskId: string }[];
  };
  expect(behind.items.map((i) => i.taskId).sort()).toEqual([r1.opinion, r2.opinion].sort());
  expect((await page.locator('section.drill tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-task')))).sort()).toEqual(
    behind.items.map((i) => i.taskId).sort(),
  );
  expect((await page.locator('section.drill .case-number').allTextContents()).sort()).toEqual(behind.items.map((i) => i.caseNumber).sort());
  expect(await page.locator(':focus').getAttribute('id')).toBe('ev-drill-h');
  // 未按声明频率更新的目录 opens the entries it counts, as the API lists them.
  const stale = q.organisations.find((o) => o.organisation === h.city.agencies.market)!.total.staleEntries;
  expect(stale).toBeGreaterThan(0);
  await page.click(`table.refusals-table tr[data-org="${h.city.agencies.market}"] [data-testid=stale] button`);
  await page.waitForSelector('section.drill[data-figure="staleEntries"] tbody tr');
  const entries = (
    await call(supervisor(), 'GET', `/evaluations/requests?period=${quarter}&organisation=${h.city.agencies.market}&figure=staleEntries`)
  ).json() as {
    count: number;
    items: { entryId: string }[];
  };
  expect(entries.count).toBe(stale);
  expect(await page.locator('section.drill tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-entry')))).toEqual(
    entries.items.map((i) => i.entryId),
  );
  expect(entries.items.map((i) => i.entryId)).toContain(h.city.entries.unconditional);
  expect(await text(page, 'section.drill [role=status]')).toBe(`共 ${stale} 条。`);
  await expectAccessible(page);
  // The overdue procedure opens the overdue cases.
  await page.click('li[data-procedure="share"] button');
  await page.waitForSelector('section.drill[data-figure="overdueAtEnd"] tbody tr');
  await eventually(async () => (await page.locator('section.drill tbody tr').count()) === now.procedures.find((p) => p.procedure === 'share')!.overdueAtEnd);
  await expectAccessible(page);

  // Picking the quarter before (named in Chinese, never typed): nothing decided then, and the page says what to do next.
  const before = periodBefore(quarter);
  expect(await page.locator(`#ev-period option[value="${before}"]`).textContent()).toMatch(/^\d{4}年第[一二三四]季度$/);
  await page.selectOption('#ev-period', before);
  await page.waitForSelector('[data-testid=ontime-empty]');
  expect((await evaluation(before)).total.decided).toBe(0);
  expect(await page.locator('section.drill').count()).toBe(0);

  // On a phone, the same page passes axe-core and nothing overflows sideways.
  const phone = await run.signedIn('wu.supervisor', { width: 390, height: 844 });
  await open(phone, `#/evaluation?period=${quarter}`);
  await phone.waitForSelector('[data-testid=evaluation-status]:has-text("已显示")');
  await phone.waitForSelector('ul.columns li [data-testid=median]:not(:has-text("加载中"))');
  expect(await phone.$eval('html', (e) => e.scrollWidth)).toBeLessThanOrEqual(390);
  await screenshot(phone, 'evaluation-supervisor-phone');
  await expectAccessible(phone);
});

test('the providing agency records a data update on its entry’s page (记录数据更新), picking the day; its late entry no longer counts', async () => {
  const before = (await evaluation(month)).organisations.find((o) => o.organisation === h.city.agencies.market)!.total.staleEntries;
  const page = await run.signedIn('li.applicant');
  await open(page, `#/catalog/${encodeURIComponent(h.city.entries.unconditional)}`);
  await page.waitForSelector('#refreshes-h');
  expect(await text(page, '[data-testid=no-refreshes]')).toContain('尚未记录数据更新');
  // The day picked on the calendar (today, the default); a note; no id typed.
  expect(await page.inputValue('#refresh-day')).toBe(day);
  await page.fill('#refresh-note', '每日增量同步');
  await expectAccessible(page);
  await page.click('form.record-refresh button[type=submit]');
  await page.waitForSelector(`table.refresh-list tr[data-day="${day}"]`);
  expect(await page.locator(`table.refresh-list tr[data-day="${day}"] td`).nth(1).textContent()).toBe('每日增量同步');
  await screenshot(page, 'entry-refresh');
  const after = (await evaluation(month)).organisations.find((o) => o.organisation === h.city.agencies.market)!.total.staleEntries;
  expect(after).toBe(before - 1);
  // Someone of another agency reads the updates but records none.
  const other = await run.signedIn('zhao.provider');
  await open(other, `#/catalog/${encodeURIComponent(h.city.entries.unconditional)}`);
  await other.waitForSelector(`table.refresh-list tr[data-day="${day}"]`);
  expect(await other.locator('form.record-refresh').count()).toBe(0);
});

test('a division with no work yet says so, and what to do next', async () => {
  const page = await run.signedIn('zheng.supervisor');
  await open(page, '#/evaluation');
  await page.waitForSelector('[data-testid=evaluation-status]:has-text("已显示")');
  expect(await text(page, '[data-testid=ontime-empty]')).toContain('可以选择较早的时期');
  expect(await text(page, '[data-testid=overdue-empty]')).toContain('当前没有超期的任务');
  await expectAccessible(page);
});
