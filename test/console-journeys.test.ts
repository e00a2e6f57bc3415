// Procedures end to end in a real browser (Debian's chromium) against the real API, worker, Temporal and
// PostgreSQL, done by the people who do them, every field found by its Chinese label and every entry, item and
// organisation picked from a list: an open demand answered with a plan, a withdrawal upheld for an entry that
// ends a licensee's agreement, and an objection in a catalog adjustment's review taken through the consultation
// to the leading group. The share request, the citizen's signing and the supervisor's extension, reassignment
// and urging are walked in console.test.ts; the catalog adjustment itself in console-adjustment.test.ts.
import type { Page } from 'playwright-core';
import { entryContentOf, getCatalogEntry } from '../db/repositories/catalog';
import type { Actor } from '../domain/types';
import { registerPrincipal, type Api } from './api-helpers';
import { screenshot } from './browser';
import { type ConsoleRun, expectAccessible, open, openFromInbox, startConsole } from './console-harness';
import { eventually, type Harness } from './helpers';

jest.setTimeout(120_000);

let run: ConsoleRun;
let h: Harness;
let api: Api;

beforeAll(async () => {
  run = await startConsole('journeys');
  ({ h, api } = run);
});
afterAll(async () => {
  await run?.close();
});

/** The harness city's member of the public (test/api-helpers.ts names them after the city). */
const citizenSub = () => `chen.citizen.${h.city.region}`;

const signedIn = (sub: string) => run.signedIn(sub);

/**
 * The citizen, their identity on record, applies from the entry's own page (reached from the catalog), by the
 * button that names the procedure: the entry comes with it, shown by its title.
 */
async function citizenApplying(procedure: string, entryId: string): Promise<Page> {
  await registerPrincipal(api, { sub: citizenSub(), org: 'public', roles: ['public_applicant'] }, '陈某');
  const citizen = await signedIn(citizenSub());
  await open(citizen, `#/catalog/${encodeURIComponent(entryId)}`);
  await citizen.click(`p.actions a:has-text("${procedure}")`);
  await citizen.waitForSelector('form.apply');
  // The entry it came with, shown by its title once read.
  const combo = citizen.getByRole('combobox', { name: '目录条目' });
  await eventually(async () => (await combo.inputValue()) === '国有建设用地供应信息');
  return citizen;
}

async function submitted(page: Page): Promise<string> {
  await page.click('form.apply button[type=submit]');
  await page.waitForURL(/#\/requests\/[^/]+$/);
  return decodeURIComponent(page.url().split('#/requests/')[1]);
}

test('a citizen asks for data to be opened, picking the entry by its title; the holding agency answers with a plan; the citizen reads the answer', async () => {
  const citizen = await citizenApplying('开放需求', h.city.entries.conditionalOpen);
  await citizen.getByLabel('需求描述').fill('希望开放历年土地出让成交信息，便于研究（含“全角引号”与 emoji 🙂）');
  await citizen.getByLabel('用途').fill('城市规划学术研究');
  await expectAccessible(citizen);
  await screenshot(citizen, 'apply-open-demand');
  const requestId = await submitted(citizen);
  await citizen.waitForSelector('h1 .status:has-text("审核中")');

  const agency = await signedIn('gao.resources');
  await openFromInbox(agency, requestId, 'OPEN_DEMAND_ANSWER');
  await agency.check('label:has-text("制定开放计划")');
  await agency.fill('#reason', '拟于下季度在开放平台开放历年成交信息（去除个人信息）');
  await expectAccessible(agency);
  await screenshot(agency, 'task-open-demand-answer');
  await agency.click('form.decide button[type=submit]');
  await agency.waitForSelector('.notice:has-text("已作出决定")');

  await open(citizen, `#/requests/${requestId}`);
  await citizen.waitForSelector('h1 .status:has-text("已答复")', { timeout: 15_000 });
  const timeline = (await citizen.locator('ol.timeline li').allTextContents()).join('\n');
  expect(timeline).toContain('制定开放计划');
  expect(timeline).toContain('第二十一条');
  await screenshot(citizen, 'request-open-demand-answered');
});

test("a withdrawal upheld for the whole entry ends the licensee's agreement: the requester asks, the agency upholds, the licensee's agreement reads 已终止", async () => {
  const entryId = h.city.entries.conditionalOpen;
  // A licensee's agreement in force on the entry, made over the API (console.test.ts signs one in the page).
  const licensee: Actor = { sub: `licensee.${h.city.region}`, org: 'public', roles: ['public_applicant'] };
  const agency: Actor = { sub: 'gao.resources', org: h.city.agencies.resources, roles: ['provider_reviewer'] };
  await registerPrincipal(api, licensee, '刘某');
  const call = (actor: Actor, method: 'GET' | 'POST', url: string, payload?: object) => api.app.inject({ method, url, payload, headers: api.as(actor) });
  const applied = await call(licensee, 'POST', '/open-requests', {
    catalogEntryId: entryId,
    purpose: '研究城市土地供应',
    scenario: '高校科研项目',
    fields: ['parcel', 'area', 'price'],
    accessMethod: 'sandbox',
    securityMeasures: '仅在沙箱内分析',
    termMonths: 12,
  });
  expect(applied.statusCode).toBe(201);
  const openId = applied.json().id as string;
  const taskOf = (actor: Actor, kind: string) =>
    eventually(async () =>
      ((await call(actor, 'GET', `/tasks?kind=${kind}`)).json().items as { id: string; requestId: string }[]).find((t) => t.requestId === openId),
    );
  await call(agency, 'POST', `/tasks/${(await taskOf(agency, 'OPEN_REQUEST_REVIEW')).id}/complete`, { decision: 'APPROVE' });
  const agreementId = `${openId}.agreement`;
  const { sha256 } = (await call(licensee, 'GET', `/agreements/${agreementId}`)).json();
  await call(licensee, 'POST', `/tasks/${(await taskOf(licensee, 'AGREEMENT_SIGNATURE')).id}/complete`, { decision: 'SIGN', form: { sha256 } });
  const countersigned = await call(agency, 'POST', `/tasks/${(await taskOf(agency, 'AGREEMENT_COUNTERSIGNATURE')).id}/complete`, {
    decision: 'SIGN',
    form: { sha256 },
  });
  expect(countersigned.json().status).toBe('granted');

  // The requester finds the entry by its title and says which right the opened data infringes.
  const citizen = await citizenApplying('撤回开放数据申请', entryId);
  await citizen.getByLabel('涉及的记录').fill('地块 RZ-2026-017 的成交记录');
  await citizen.getByLabel('受侵害的合法权益').fill('个人信息权益');
  await citizen.getByLabel('理由').fill('公开的成交价格与地块位置可识别到本人');
  await expectAccessible(citizen);
  const requestId = await submitted(citizen);

  const reviewer = await signedIn('gao.resources');
  await openFromInbox(reviewer, requestId, 'WITHDRAWAL_REVIEW');
  await reviewer.check('label:has-text("撤回")');
  await reviewer.fill('#reason', '确有侵权，撤回该条目的开放');
  // The scope is picked by its Chinese name.
  const scope = reviewer.getByLabel('撤回范围');
  expect(await scope.locator('option').allTextContents()).toEqual(['—', '撤回该条目的开放', '撤回所列记录']);
  await scope.selectOption({ label: '撤回该条目的开放' });
  await expectAccessible(reviewer);
  await screenshot(reviewer, 'task-withdrawal-upheld');
  await reviewer.click('form.decide button[type=submit]');
  await reviewer.waitForSelector('.notice:has-text("已作出决定")');

  await open(citizen, `#/requests/${requestId}`);
  await citizen.waitForSelector('h1 .status:has-text("已撤回数据")', { timeout: 15_000 });

  // The licensee's agreement on the entry ended with it (Art. 21 ¶2, Art. 17 ¶1): the agency reads it so among its agreements.
  const { caseNumber } = (await call(licensee, 'GET', `/agreements/${agreementId}`)).json();
  await open(reviewer, '#/agreements');
  await reviewer.waitForSelector(`tbody tr:has-text("${caseNumber}"):has-text("已终止")`, { timeout: 20_000 });
  await screenshot(reviewer, 'agreement-terminated-by-withdrawal');
  await expectAccessible(reviewer);
});

test("the city authority objects to an entry's share attribute in an adjustment, picking the entry by its title; the consultation fails; the leading group decides and the entry takes its decision", async () => {
  const officer: Actor = { sub: 'li.applicant', org: h.city.agencies.market, roles: ['agency_applicant'] };
  const call = (actor: Actor, method: 'GET' | 'POST', url: string, payload?: object) => api.app.inject({ method, url, payload, headers: api.as(actor) });
  const entryId = h.city.entries.unconditional;
  const before = (await call(officer, 'GET', `/catalog/${entryId}`)).json();
  // The officer's adjustment (made in the page in console-adjustment.test.ts): the entry described anew, still shared without conditions.
  const content = entryContentOf((await getCatalogEntry(h.db, entryId))!);
  const applied = await call(officer, 'POST', '/catalog/adjustments', {
    ground: 'duty_change',
    justification: '职能调整：登记信息增列法定代表人',
    changes: [{ op: 'change', entryId, baseVersion: before.version, entry: { ...content, description: '含法定代表人姓名与证件号码' } }],
  });
  expect(`${applied.statusCode} ${applied.body.slice(0, 300)}`).toMatch(/^201 /);
  const adjustmentId = applied.json().id as string;

  const authority = await signedIn('wang.authority');
  await openFromInbox(authority, adjustmentId, 'CATALOG_ADJUSTMENT_CITY_REVIEW');
  await authority.check('#d-OBJECT');
  // The entry objected to is picked by its title; nothing is typed but the position and its reasons.
  const target = authority.getByLabel('所涉条目');
  expect((await target.locator('option').allTextContents()).slice(1)).toEqual([before.title]);
  await target.selectOption({ label: before.title });
  await authority.fill('#reason', '含个人信息，不宜无条件共享');
  await authority.selectOption('#f-body-form-proposal-attribute', 'CONDITIONAL');
  await authority.fill('#f-body-form-proposal-reasons', '含法定代表人个人信息');
  await authority.fill('#f-body-form-proposal-conditions', '仅用于市场监管执法');
  await expectAccessible(authority);
  await screenshot(authority, 'task-adjustment-objection');
  await authority.click('form.decide button[type=submit]');
  await authority.waitForSelector('.notice:has-text("已作出决定")');

  // The agency's turn in the consultation, from its reviewer's inbox: no agreement.
  const disputeId = `${adjustmentId}.dispute-1`;
  const reviewer = await signedIn('he.market');
  await openFromInbox(reviewer, disputeId, 'DISPUTE_CONSULTATION');
  await reviewer.check('#d-NO_AGREEMENT');
  await reviewer.fill('#reason', '登记信息应当无条件共享');
  await expectAccessible(reviewer);
  await reviewer.click('form.decide button[type=submit]');
  await reviewer.waitForSelector('.notice:has-text("已作出决定")');

  const leading = await signedIn('zhou.leading');
  await openFromInbox(leading, disputeId, 'DISPUTE_DECISION');
  expect(await leading.textContent('section:has(h2:has-text("办理材料"))')).toContain('登记信息应当无条件共享');
  await leading.fill('#reason', '有条件共享，仅用于市场监管执法');
  await leading.selectOption('#f-body-form-attribute', 'CONDITIONAL');
  await leading.fill('#f-body-form-reasons', '含法定代表人个人信息');
  await leading.fill('#f-body-form-conditions', '仅用于市场监管执法');
  await leading.click('form.decide button[type=submit]');
  await leading.waitForSelector('.notice:has-text("已作出决定")');

  // The adjustment applies with the leading group's decision: the entry reads 有条件共享 at its new version.
  const officerPage = await signedIn('li.applicant');
  await open(officerPage, `#/catalog/${encodeURIComponent(entryId)}`);
  await eventually(async () => {
    await officerPage.reload();
    await officerPage.waitForSelector('h1');
    return (await officerPage.textContent('dl.facts'))?.includes('有条件共享') ?? false;
  }, 30_000);
  expect((await call(officer, 'GET', `/catalog/${entryId}`)).json()).toMatchObject({ version: before.version + 1, share: { attribute: 'CONDITIONAL' } });
  await screenshot(officerPage, 'entry-after-dispute');
});
