// What every browser test of the console starts from: a harness city with its demo people in the directory (as
// `npm start` seeds them), the console built and served by a real API with the development sign-in, and a
// Chromium; a window signed in as one of the demo people; the moves every such test makes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { seedDemoPeople } from '../db/seed';
import type { SharePolicy } from '../domain/share';
import { buildConsole } from '../scripts/console-build';
import { startApi, type Api } from './api-helpers';
import { accessibilityViolations, launchBrowser, window } from './browser';
import { eventually, startHarness, type Harness } from './helpers';

export interface ConsoleRun {
  h: Harness;
  api: Api;
  /** Where the API listens; the console is at `${base}/console/`. */
  base: string;
  browser: Browser;
  /** A browser window signed in as one of the demo people, by picking them on the sign-in page. */
  signedIn(sub: string, viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

export async function startConsole(name: string, options: Pick<Parameters<typeof startApi>[1] & object, 'policies'> = {}): Promise<ConsoleRun> {
  const h = await startHarness(name);
  await seedDemoPeople(h.db, h.city);
  const consoleDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pdw-console-')), 'dist');
  buildConsole(consoleDir);
  const api = await startApi(h, { devSignIn: true, consoleDir, ...options });
  const base = await api.app.listen({ host: '127.0.0.1', port: 0 });
  const browser = await launchBrowser();
  return {
    h,
    api,
    base,
    browser,
    async signedIn(sub, viewport) {
      const { page } = await window(browser, viewport);
      await page.goto(`${base}/console/`);
      await page.click(`button[data-sub="${sub}"]`);
      await page.waitForSelector('nav.side');
      return page;
    },
    async close() {
      await browser.close();
      await api.app.close();
      await h.close();
    },
  };
}

/** A share review due two seconds after it begins: overdue at once, for a supervisor's list. */
export const OVERDUE_AT_ONCE: SharePolicy = {
  jointReview: { seconds: 2 },
  applicantReply: { seconds: 3600 },
  reminderBefore: { seconds: 1 },
  grantTerm: { seconds: 3600 },
  escalateAfter: { seconds: 3600 },
  // The demo city's parties are government departments: the 条例's window is the one that runs.
  regulationReview: { seconds: 2 },
  regulationOpinion: { seconds: 2 },
  regulationScope: 'government_departments',
};

/** Goes to a page of the console by its hash, as a link would. */
export const open = (page: Page, hash: string) => page.evaluate((x) => ((globalThis as unknown as { location: { hash: string } }).location.hash = x), hash);

export async function expectAccessible(page: Page) {
  expect(await accessibilityViolations(page)).toEqual([]);
}

/** Opens the task of `kind` of request `requestId` from the inbox, as a reviewer would: paging on until it is there. */
export async function openFromInbox(page: Page, requestId: string, kind: string) {
  await open(page, `#/inbox?kind=${kind}`);
  await page.waitForSelector('nav.pager', { state: 'attached' });
  const link = page.locator(`tr[data-request="${requestId}"] a`).first();
  await eventually(async () => {
    if (await link.count()) return true;
    const next = page.locator('nav.pager a:has-text("下一页")');
    // The last page and not there yet: back to the first, which the page keeps polling.
    if (await next.count()) await next.click();
    else await open(page, `#/inbox?kind=${kind}`);
    await page.waitForTimeout(500);
    return false;
  }, 30_000);
  await link.click();
  await page.waitForSelector('form.decide');
}
