// 不予共享的依据 in a real browser (issue 24 §3): between government departments the provider's 不同意 and the authority's
// 不同意 each cite their legal basis, the level picked from a list of the 《政务数据共享条例》's levels only (法律、行政法规、
// 国务院决定), title and article typed, rows added and removed; a refusal without its title is shown the rule at the
// basis. The applicant's request page then reads each basis in Chinese: 《title》article（level）. axe-core on the form.
import type { Page } from 'playwright-core';
import type { Actor } from '../domain/types';
import { validShareBody } from './api-helpers';
import { screenshot } from './browser';
import { type ConsoleRun, expectAccessible, open, openFromInbox, startConsole } from './console-harness';
import { type Harness } from './helpers';

jest.setTimeout(180_000);

let run: ConsoleRun;
let h: Harness;

beforeAll(async () => {
  run = await startConsole('console-refusal');
  h = run.h;
});
afterAll(async () => {
  await run?.close();
});

const applicant = (): Actor => ({ sub: 'li.applicant', org: h.city.agencies.market, roles: ['agency_applicant'] });

/** Row `i` of the basis editor: its level picked by its Chinese name, its title and article typed. */
async function cite(page: Page, i: number, level: string, title: string, article: string) {
  await page.selectOption(`#f-body-form-basis-${i}-level`, { label: level });
  await page.fill(`#f-body-form-basis-${i}-title`, title);
  await page.fill(`#f-body-form-basis-${i}-article`, article);
}

test('不同意 cites its basis: the level picked among the 条例’s, rows added and removed; the applicant reads 《title》article（level）', async () => {
  const started = await run.api.app.inject({
    method: 'POST',
    url: '/share-requests',
    payload: validShareBody(h.city.entries.conditional),
    headers: run.api.as(applicant()),
  });
  expect(started.statusCode).toBe(201);
  const requestId: string = started.json().id;

  const provider = await run.signedIn('zhao.provider');
  await openFromInbox(provider, requestId, 'SHARE_PROVIDER_OPINION');
  await provider.check('#d-DISAGREE');
  await provider.fill('#reason', '涉及个人信息，不宜共享');
  // Only the levels the 条例 accepts between government departments are offered, by their Chinese names.
  expect(await provider.locator('#f-body-form-basis-0-level option').allTextContents()).toEqual(['法律', '行政法规', '国务院决定']);
  // Without its title and article the refusal is refused, the rule shown at the basis.
  await provider.click('form.decide button[type=submit]');
  await provider.locator('fieldset.basis .field-errors').waitFor();
  expect(await provider.locator('fieldset.basis .field-errors').textContent()).toContain('层级从列表中选择');
  await cite(provider, 0, '行政法规', '政务数据共享条例', '第十五条');
  // A second row, added then removed: one provision is cited.
  await provider.click('fieldset.basis button:has-text("增加一项依据")');
  await cite(provider, 1, '法律', '中华人民共和国数据安全法', '第三十八条');
  await provider.click('fieldset.basis button:has-text("删除第 2 项依据")');
  expect(await provider.locator('fieldset.basis .basis-item').count()).toBe(1);
  await expectAccessible(provider);
  await screenshot(provider, 'refusal-basis');
  await provider.click('form.decide button[type=submit]');
  await provider.waitForSelector('.notice:has-text("已作出决定")');

  const authority = await run.signedIn('wang.authority');
  await openFromInbox(authority, requestId, 'SHARE_JOINT_REVIEW');
  await authority.check('#d-REJECT');
  await authority.fill('#reason', '申请事项超出法定职责');
  await cite(authority, 0, '国务院决定', '国务院关于加强数据资产管理的决定', '第三条');
  await authority.click('form.decide button[type=submit]');
  await authority.waitForSelector('.notice:has-text("已作出决定")');

  const reader = await run.signedIn('li.applicant');
  await open(reader, `#/requests/${requestId}`);
  const basis = reader.locator('ol.legal-basis li');
  await basis.first().waitFor();
  expect(await basis.allTextContents()).toEqual(
    expect.arrayContaining(['《国务院关于加强数据资产管理的决定》第三条（国务院决定）', '《政务数据共享条例》第十五条（行政法规）']),
  );
  await expectAccessible(reader);
});
