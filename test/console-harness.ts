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
import { startStaffProvider, type StaffProvider, type StaffProviderOptions } from './staff-provider';
import { loadConfig } from '../config';
import net from 'node:net';

export interface ConsoleRun {
  h: Harness;
  api: Api;
  /** Where the API listens; the console is at `${base}/console/`. */
  base: string;
  browser: Browser;
  /** The staff identity provider, when the console signs in through one. */
  provider?: StaffProvider;
  /** A browser window signed in as one of the demo people, by picking them on the sign-in page. */
  signedIn(sub: string, viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

/** A port no one listens on now. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface ConsoleOptions extends Pick<Parameters<typeof startApi>[1] & object, 'policies' | 'webhooksHttpsOnly'> {
  /** The development sign-in (default on). */
  devSignIn?: boolean;
  /**
   * Staff sign in through a real identity provider run for the test, as a deployment configures it
   * (STAFF_OIDC_*), the API's own tokens refused: its accounts and the claims carrying organisation and roles.
   */
  staff?: (h: Harness) => Pick<StaffProviderOptions, 'accounts' | 'scopeClaims'> & { env: Record<string, string> };
}

export async function startConsole(name: string, options: ConsoleOptions = {}): Promise<ConsoleRun> {
  const { devSignIn = true, staff: staffOf, ...apiOptions } = options;
  const h = await startHarness(name);
  const staff = staffOf?.(h);
  await seedDemoPeople(h.db, h.city);
  const consoleDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pdw-console-')), 'dist');
  buildConsole(consoleDir);
  // The provider sends people back to the console's page: its port is chosen before either starts.
  const port = staff ? await freePort() : 0;
  const clientId = 'pdw-console';
  const provider = staff
    ? await startStaffProvider({ clientId, redirectUri: `http://127.0.0.1:${port}/console/`, accounts: staff.accounts, scopeClaims: staff.scopeClaims })
    : undefined;
  const staffOidc = provider ? loadConfig({ STAFF_OIDC_ISSUER: provider.issuer, STAFF_OIDC_CLIENT_ID: clientId, ...staff!.env }).staffOidc! : undefined;
  const api = await startApi(h, { devSignIn, consoleDir, ...apiOptions, ...(staffOidc ? { staffOidc, refuseOwnTokens: true } : {}) });
  const base = await api.app.listen({ host: '127.0.0.1', port });
  const browser = await launchBrowser();
  return {
    h,
    api,
    base,
    browser,
    provider,
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
      await provider?.close();
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
