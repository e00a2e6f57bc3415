// Debian's chromium (apt-get install chromium; CHROMIUM_PATH names another, as npm test does when it brings
// @sparticuz/chromium's: scripts/ensure-test-deps.js), driven by playwright-core, which
// downloads no browser: for the console's browser tests and its benchmark.
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export function chromiumPath(): string {
  const found = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => p && fs.existsSync(p));
  if (!found) throw new Error('No Chromium found: npm test brings one (scripts/ensure-test-deps.js), or set CHROMIUM_PATH');
  return found;
}

export function launchChromium(): Promise<Browser> {
  // As root (CI here) Chromium's sandbox cannot start; the pages are our own.
  return chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-dev-shm-usage'], headless: true });
}
