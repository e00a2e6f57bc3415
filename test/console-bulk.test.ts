// 批量办理 in a real browser: a provider reviewer ticks tasks of one kind in the inbox, picks one decision and
// submits; each task's result is read row by row in a live region that takes focus. Against the real API, worker,
// Temporal and PostgreSQL.
import { validShareBody, type Api } from './api-helpers';
import { type ConsoleRun, expectAccessible, open, startConsole } from './console-harness';
import { refusalForm, type Harness } from './helpers';

jest.setTimeout(120_000);

let run: ConsoleRun;
let h: Harness;
let api: Api;

beforeAll(async () => {
  run = await startConsole('consolebulk');
  ({ h, api } = run);
});
afterAll(async () => {
  await run?.close();
});

test('ticked tasks of one kind decided together: each row’s result in Chinese, in a live region that has focus', async () => {
  const requests: { id: string; caseNumber: string; task: string }[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await api.app.inject({
      method: 'POST',
      url: '/share-requests',
      payload: validShareBody(h.city.entries.conditional),
      headers: api.as({ sub: 'li.applicant', org: h.city.agencies.market, roles: ['agency_applicant'] }),
    });
    expect(res.statusCode).toBe(201);
    const r = res.json();
    requests.push({ id: r.id, caseNumber: r.caseNumber, task: r.tasks.find((t: { kind: string }) => t.kind === 'SHARE_PROVIDER_OPINION').id });
  }
  const page = await run.signedIn('zhao.provider');
  await open(page, '#/inbox?kind=SHARE_PROVIDER_OPINION');
  await page.waitForSelector('form.bulk');
  // Each row's checkbox is named by its case number.
  for (const r of requests) await page.getByLabel(`选择 ${r.caseNumber}`).check();
  // Only decisions that take no form are offered: 同意, not 要求补充材料 (its form lists what is missing) nor 不同意 (its
  // form cites the refusal's legal basis, each its own).
  const offered = await page.locator('#bulk-decision option').allTextContents();
  expect(offered).toEqual(expect.arrayContaining(['同意']));
  expect(offered).not.toContain('要求补充材料');
  expect(offered).not.toContain('不同意');
  await page.selectOption('#bulk-decision', 'AGREE');
  await page.fill('#bulk-reason', '共享范围适当');
  // A colleague decides one of them meanwhile.
  const early = await api.app.inject({
    method: 'POST',
    url: `/tasks/${requests[0].task}/complete`,
    payload: { decision: 'DISAGREE', reason: '范围过宽', form: refusalForm },
    headers: api.as({ sub: 'colleague.provider', org: h.city.agencies.health, roles: ['provider_reviewer'] }),
  });
  expect(early.statusCode).toBe(200);
  await page.click('form.bulk button[type=submit]');
  const results = page.locator('.bulk-results[role=status][aria-live=polite]');
  await results.waitFor();
  expect(await results.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
  expect(await results.locator('p').textContent()).toBe('批量办理结果：2 件已办理，1 件未办理。');
  expect(await results.locator(`li[data-task="${requests[0].task}"]`).textContent()).toBe(`${requests[0].caseNumber}：该任务已办结或已关闭`);
  for (const r of requests.slice(1)) expect(await results.locator(`li[data-task="${r.task}"]`).textContent()).toBe(`${r.caseNumber}：已办理`);
  const stored = await h.db
    .selectFrom('tasks')
    .select(['id', 'decision', 'decided_by'])
    .where(
      'id',
      'in',
      requests.map((r) => r.task),
    )
    .execute();
  expect(new Map(stored.map((t) => [t.id, [t.decision, t.decided_by]]))).toEqual(
    new Map([
      [requests[0].task, ['DISAGREE', 'colleague.provider']],
      [requests[1].task, ['AGREE', 'zhao.provider']],
      [requests[2].task, ['AGREE', 'zhao.provider']],
    ]),
  );
  await expectAccessible(page);
});
