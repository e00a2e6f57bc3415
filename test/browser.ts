// A real browser for the console's tests (scripts/chromium.ts), a window per person, screenshots (into
// test-results/console/, or SCREENSHOTS_DIR: the README's come from `SCREENSHOTS_DIR=docs/screenshots` runs)
// and axe-core's accessibility checks.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
export { launchChromium as launchBrowser } from '../scripts/chromium';

export const SCREENSHOTS = process.env.SCREENSHOTS_DIR
  ? path.resolve(__dirname, '..', process.env.SCREENSHOTS_DIR)
  : path.join(__dirname, '..', 'test-results', 'console');

/** A browser window of one person's: its own storage, so its own sign-in. CSP is bypassed only to inject axe-core. */
export async function window(browser: Browser, viewport = { width: 1280, height: 900 }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, bypassCSP: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  return { context, page };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's WCAG 2 A and AA checks on the page as it stands: the violations, by rule and element. */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.addScriptTag({ content: AXE });
  return page.evaluate(async () => {
    const g = globalThis as unknown as {
      document: unknown;
      axe: { run(ctx: unknown, o: object): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> };
    };
    const r = await g.axe.run(g.document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}`));
  });
}
