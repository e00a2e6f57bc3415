// npm run bench -- console: the console's bundle size (raw and gzip), and the time until the inbox is
// interactive in headless Chromium with BENCH_OPEN_TASKS open tasks (default 1,000) in the reviewer's inbox:
// from navigation start until its first page of rows is on screen with its handlers attached, cold (a new
// browser context each time, nothing cached), BENCH_CONSOLE_LOADS times (default 15); then the next page.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { sql } from 'kysely';
import { signToken } from '../api/auth';
import { launchChromium } from './chromium';
import { buildConsole } from './console-build';
import { httpApi, pct } from './bench-support';

const TASKS = Number(process.env.BENCH_OPEN_TASKS ?? 1000);
const LOADS = Number(process.env.BENCH_CONSOLE_LOADS ?? 15);

function bundleSize(dir: string): { raw: number; gzip: number; files: number } {
  const files = fs.readdirSync(path.join(dir, 'assets')).map((f) => path.join(dir, 'assets', f));
  files.push(path.join(dir, 'index.html'));
  let raw = 0;
  let gzip = 0;
  for (const f of files) {
    const body = fs.readFileSync(f);
    raw += body.length;
    gzip += zlib.gzipSync(body, { level: 9 }).length;
  }
  return { raw, gzip, files: files.length };
}

export async function benchConsole(): Promise<void> {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pdw-console-bench-')), 'dist');
  buildConsole(dir);
  const size = bundleSize(dir);
  const api = await httpApi({ consoleDir: dir });
  const { db, app, base } = api;
  await sql`insert into organisations (id, name, kind, level, region, division) values ('bench-health', '卫生健康委员会', 'agency', 'city', 'bench', '371100')`.execute(
    db,
  );
  await sql`insert into requests (id, type, workflow_id, applicant_sub, applicant_org, status, payload, payload_hash)
            values ('bench', 'share', 'bench', 'a', 'a', 'in_review', '{}', 'x')`.execute(db);
  await sql`insert into tasks (id, request_id, workflow_id, kind, candidate_role, candidate_org, status, article, due_at, candidates)
            select 'task-' || lpad(g::text, 6, '0'), 'bench', 'bench', 'SHARE_PROVIDER_OPINION', 'provider_reviewer', 'bench-health', 'open', 'Art. 14',
                   now() + (g - ${TASKS / 10}) * interval '1 hour',
                   jsonb_build_array(jsonb_build_object('org', 'bench-health', 'role', 'provider_reviewer', 'user', null))
            from generate_series(1, ${TASKS}::int) g`.execute(db);
  await sql`analyze tasks`.execute(db);
  const token = signToken(app, { sub: 'bench-reviewer', org: 'bench-health', roles: ['provider_reviewer'] });

  const browser = await launchChromium();
  const interactive: number[] = [];
  const nextPage: number[] = [];
  try {
    for (let i = 0; i < LOADS + 2; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await context.addInitScript(
        (t) => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('pdw.token', t),
        token,
      );
      const page = await context.newPage();
      await page.goto(`${base}/console/#/inbox`);
      await page.locator('table.tasks tbody tr').nth(19).waitFor();
      // The page's own mark, set once the first page of rows is rendered (its handlers attached with it).
      const ms = await page.evaluate(
        () =>
          (globalThis as unknown as { performance: { getEntriesByName(n: string): { startTime: number }[] } }).performance.getEntriesByName(
            'pdw:inbox-rendered',
          )[0].startTime,
      );
      // Then a person's click on the next page, until its first row differs (Playwright's click and polling included).
      const t0 = Date.now();
      const firstId = await page.locator('table.tasks tbody tr').first().getAttribute('data-task');
      await page.click('nav.pager a:has-text("下一页")');
      await page.waitForFunction(
        (id) =>
          ((globalThis as unknown as { document: { querySelector(s: string): { getAttribute(a: string): string | null } | null } }).document
            .querySelector('table.tasks tbody tr')
            ?.getAttribute('data-task') ?? id) !== id,
        firstId,
      );
      const next = Date.now() - t0;
      if (i >= 2) {
        interactive.push(ms);
        nextPage.push(next);
      }
      await context.close();
    }
  } finally {
    await browser.close();
    await api.close();
  }
  interactive.sort((a, b) => a - b);
  nextPage.sort((a, b) => a - b);
  console.log(`console bundle: ${size.files} files, ${(size.raw / 1024).toFixed(1)} KiB raw, ${(size.gzip / 1024).toFixed(1)} KiB gzip`);
  console.log(`inbox with ${TASKS} open tasks, ${LOADS} cold loads in headless Chromium (after 2 warm-up loads):`);
  console.log(
    `  interactive (first 20 rows rendered, from navigation start): p50 ${pct(interactive, 50).toFixed(0)} ms, p95 ${pct(interactive, 95).toFixed(0)} ms, max ${interactive[interactive.length - 1].toFixed(0)} ms`,
  );
  console.log(`  next page (click to the next 20 rows): p50 ${pct(nextPage, 50).toFixed(0)} ms, p95 ${pct(nextPage, 95).toFixed(0)} ms`);
}
