// The console on a phone (390×844) as on a desk (1280×900): on a phone the menu waits behind its 菜单 button and
// closes once a page is picked, tables read as cards (each value under its column's name) with nothing wider
// than the screen; axe-core (WCAG 2.1 AA) passes on the key screens at both widths.
import type { Page } from 'playwright-core';
import { validShareBody, type Api } from './api-helpers';
import { accessibilityViolations, screenshot } from './browser';
import { type ConsoleRun, startConsole } from './console-harness';
import { type Harness } from './helpers';

jest.setTimeout(120_000);

let run: ConsoleRun;
let h: Harness;
let api: Api;

const PHONE = { width: 390, height: 844 };

beforeAll(async () => {
  run = await startConsole('layout');
  ({ h, api } = run);
  // Something in the city authority's inbox, so the inbox has a table to read.
  const res = await api.app.inject({
    method: 'POST',
    url: '/share-requests',
    payload: validShareBody(h.city.entries.conditional),
    headers: api.as({ sub: 'li.applicant', org: h.city.agencies.market, roles: ['agency_applicant'] }),
  });
  expect(res.statusCode).toBe(201);
});
afterAll(async () => {
  await run?.close();
});

const signedIn = (sub: string, viewport?: { width: number; height: number }) => run.signedIn(sub, viewport);

type Styled = { getComputedStyle(e: unknown, pseudo?: string): { display: string; content: string } };
/** The computed style of the first element `locator` finds (of its ::before with `pseudo`). */
const styleOf = (locator: ReturnType<Page['locator']>, pseudo?: string) =>
  locator.evaluate((e, p) => {
    const s = (globalThis as unknown as Styled).getComputedStyle(e, p ?? undefined);
    return { display: s.display, content: s.content };
  }, pseudo ?? null);

/** How much wider than the window the page is (0: nothing to scroll sideways). */
const overflow = (page: Page) =>
  page.evaluate(() => {
    const d = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document;
    return d.documentElement.scrollWidth - d.documentElement.clientWidth;
  });

test('on a phone the menu waits behind 菜单 and closes once a page is picked; tables read as cards; nothing scrolls sideways; axe passes', async () => {
  const page = await signedIn('wang.authority', PHONE);
  await page.waitForSelector('main table tbody tr');
  // The menu is closed: its button shows, its links do not.
  expect(await page.isVisible('button.menu-toggle')).toBe(true);
  expect(await page.getAttribute('button.menu-toggle', 'aria-expanded')).toBe('false');
  expect(await page.isVisible('nav.side a:has-text("目录")')).toBe(false);
  // A table row is a card: each cell a block under its column's name.
  const cell = page.locator('main table tbody tr td[data-label]').first();
  expect(await cell.getAttribute('data-label')).toMatch(/\p{Script=Han}/u);
  expect((await styleOf(cell)).display).toBe('block');
  expect((await styleOf(cell, '::before')).content).toContain(await cell.getAttribute('data-label'));
  expect(await overflow(page)).toBeLessThanOrEqual(0);
  expect(await accessibilityViolations(page)).toEqual([]);
  await screenshot(page, 'phone-inbox');
  // Opened, picked, closed again.
  await page.click('button.menu-toggle');
  expect(await page.getAttribute('button.menu-toggle', 'aria-expanded')).toBe('true');
  expect(await accessibilityViolations(page)).toEqual([]);
  await page.click('nav.side a:has-text("目录")');
  await page.waitForSelector('main table tbody tr');
  expect(await page.isVisible('nav.side a:has-text("待办")')).toBe(false);
  expect(await overflow(page)).toBeLessThanOrEqual(0);
  expect(await accessibilityViolations(page)).toEqual([]);
  await screenshot(page, 'phone-catalog');
  for (const hash of ['#/requests', '#/notifications', '#/agreements']) {
    await page.evaluate((to) => ((globalThis as unknown as { location: { hash: string } }).location.hash = to), hash);
    await page.waitForSelector('main h1');
    await page.waitForTimeout(300);
    expect([hash, (await overflow(page)) <= 0]).toEqual([hash, true]);
    expect([hash, await accessibilityViolations(page)]).toEqual([hash, []]);
  }
});

test('on a desk the menu stands beside the page, with no 菜单 button, and tables stay tables', async () => {
  const page = await signedIn('wang.authority');
  await page.waitForSelector('main table tbody tr');
  expect(await page.isVisible('button.menu-toggle')).toBe(false);
  expect(await page.isVisible('nav.side a:has-text("目录")')).toBe(true);
  expect((await styleOf(page.locator('main table tbody tr td').first())).display).toBe('table-cell');
  expect(await accessibilityViolations(page)).toEqual([]);
});
