// 对不予共享提出异议 in a real browser (《政务数据共享条例》, issue 24 §3): a share request refused over the API (the
// provider disagreed, the authority rejected; walked in the browser elsewhere), its applicant disputes it from the
// request's page (the working days left shown, the reason typed, the data items ticked by name); the provider
// declares no agreement from its inbox, the city authority's coordination fails, and the leading group grants
// with the data items ticked and its conditions; the applicant's dispute page shows the grant, which it may end,
// renew (done here: the renewal opens) and file usage records for, as a share grant's.
import type { Page } from 'playwright-core';
import type { Actor } from '../domain/types';
import { refusedShare } from './api-helpers';
import { type ConsoleRun, expectAccessible, open, openFromInbox, startConsole } from './console-harness';
import { eventually, type Harness } from './helpers';

jest.setTimeout(180_000);

let run: ConsoleRun;
let h: Harness;

beforeAll(async () => {
  run = await startConsole('console-refusal-dispute');
  h = run.h;
});
afterAll(async () => {
  await run?.close();
});

const applicant = (): Actor => ({ sub: 'li.applicant', org: h.city.agencies.market, roles: ['agency_applicant'] });

async function decide(page: Page, decision: string, reason?: string) {
  expect(await page.textContent(`label[for="d-${decision}"]`)).not.toContain(decision);
  await page.check(`#d-${decision}`);
  if (reason !== undefined) await page.fill('#reason', reason);
  await page.click('form.decide button[type=submit]');
  await page.waitForSelector('.notice:has-text("已作出决定")');
}

test('对不予共享提出异议: raised from the refused request, consulted, coordinated, granted by the leading group, the grant shown', async () => {
  const refused = await refusedShare(run.api, h.city, applicant());
  const entry = (await run.api.app.inject({ method: 'GET', url: `/catalog/${h.city.entries.conditional}`, headers: run.api.as(applicant()) })).json();
  const labelOf = (name: string): string => entry.fields.find((f: { name: string }) => f.name === name).label;

  // The applicant's refused request offers the dispute, with the working days left.
  const me = await run.signedIn('li.applicant');
  await open(me, `#/requests/${refused}`);
  const form = me.locator('form.dispute-refusal');
  await form.waitFor();
  expect(await form.locator('h2').textContent()).toContain('对不予共享提出异议');
  expect(await form.textContent()).toMatch(/可在 1[45] 个工作日内/);
  await expectAccessible(me);
  await me.fill('#dispute-reason', '履行卫生监管职责确需该数据');
  await form.locator('button[type=submit]').click();
  const link = me.locator('p.refusal-dispute a');
  await link.waitFor({ timeout: 15_000 });
  const disputeId = (await link.getAttribute('href'))!.split('/').pop()!;

  // The provider's turn, from its inbox, in Chinese: no agreement.
  const provider = await run.signedIn('zhao.provider');
  await openFromInbox(provider, disputeId, 'REFUSAL_DISPUTE_CONSULTATION');
  expect(await provider.textContent('h1')).toContain('不予共享异议协商');
  await decide(provider, 'NO_AGREEMENT', '涉及患者信息，不能共享');

  // The city authority coordinates; the coordination fails.
  const authority = await run.signedIn('wang.authority');
  await openFromInbox(authority, disputeId, 'REFUSAL_DISPUTE_COORDINATION');
  expect(await authority.textContent('section[aria-labelledby="ctx-h"]')).toContain('涉及患者信息，不能共享');
  await decide(authority, 'FAIL', '双方意见分歧较大');

  // The leading group grants: the data items by their 信息项名称 (the entry's, all ticked to start), conditions typed.
  const group = await run.signedIn('zhou.leading');
  await openFromInbox(group, disputeId, 'REFUSAL_DISPUTE_DECISION');
  expect(await group.textContent('h1')).toContain('不予共享异议决定');
  await group.check('#d-GRANT');
  await group.waitForSelector('form.decide .items-picker input[type=checkbox]');
  for (const name of ['institution_uscc', 'beds', 'departments']) await group.getByRole('checkbox', { name: labelOf(name), exact: true }).uncheck();
  await group.getByLabel('共享条件').fill('仅用于执法检查');
  await expectAccessible(group);
  await decide(group, 'GRANT', '依法履职所需');

  // The applicant's dispute page shows the grant: its data items by name and the conditions decided.
  await open(me, `#/requests/${disputeId}`);
  const grant = me.locator('section.grant');
  await grant.waitFor({ timeout: 15_000 });
  await eventually(async () => ((await grant.textContent()) ?? '').includes(labelOf('licence_no')));
  const shown = (await grant.textContent()) ?? '';
  expect(shown).toContain(labelOf('institution'));
  expect(shown).not.toContain(labelOf('beds'));
  expect(shown).toContain('仅用于执法检查');
  // The grant is a grant like a share grant's: its grantee ends it, renews it and reads its usage records from here.
  await grant.locator('form.end-grant').waitFor();
  await grant.locator('section.usage-records').waitFor();
  const renew = grant.locator('form.renew-grant');
  await renew.getByRole('checkbox', { name: '重新承诺数据真实、合规使用并落实安全保护措施' }).check();
  await expectAccessible(me);
  await renew.locator('button[type=submit]').click();
  // Renewed, the renewal's page opens: a share request under review, pre-filled from the refused one.
  await me.locator('.notice:has-text("已申请续期")').waitFor({ timeout: 15_000 });
  await eventually(async () => !me.url().includes(disputeId) && me.url().includes('#/requests/'));
  // The refused request reads the dispute's outcome.
  await open(me, `#/requests/${refused}`);
  await me.locator('p.refusal-dispute:has-text("异议成立")').waitFor({ timeout: 15_000 });
});
