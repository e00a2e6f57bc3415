// The console in a real browser (Debian's chromium) against the real API, worker, Temporal and PostgreSQL, used
// as people use it: signing in as the demo people, filling the generated forms, deciding from the inbox, two
// windows deciding one task, a supervisor's overdue list; axe-core checks each key screen.
import type { Browser, Page } from 'playwright-core';
import { sampleResidentId } from '../db/seed';
import { usccWithCheck } from '../domain/ids';
import { startApi, validShareBody, type Api } from './api-helpers';
import { accessibilityViolations, screenshot, window } from './browser';
import { type ConsoleRun, expectAccessible, open, openFromInbox, OVERDUE_AT_ONCE, startConsole } from './console-harness';
import { eventually, type Harness } from './helpers';

jest.setTimeout(120_000);

let run: ConsoleRun;
let h: Harness;
let api: Api;
let slow: Api;
let base: string;
let browser: Browser;

beforeAll(async () => {
  run = await startConsole('console');
  ({ h, api, base, browser } = run);
  // The same city's requests, started with a review due two seconds after they begin: overdue at once.
  slow = await startApi(h, { policies: { share: OVERDUE_AT_ONCE } });
});
afterAll(async () => {
  await slow?.app.close();
  await run?.close();
});

/** The harness city's member of the public (test/api-helpers.ts names them after the city). */
const citizenSub = () => `chen.citizen.${h.city.region}`;

const signedIn = (sub: string) => run.signedIn(sub);

/** A conditional share request of the market regulator's applicant, started over the API. */
async function shareRequest(through: Api = api): Promise<string> {
  const res = await through.app.inject({
    method: 'POST',
    url: '/share-requests',
    payload: validShareBody(h.city.entries.conditional),
    headers: through.as({ sub: 'li.applicant', org: h.city.agencies.market, roles: ['agency_applicant'] }),
  });
  expect(res.statusCode).toBe(201);
  return res.json().id;
}

async function decide(page: Page, decision: string, reason?: string) {
  // The choices read in Chinese, no decision's code beside them.
  expect(await page.textContent(`label[for="d-${decision}"]`)).not.toContain(decision);
  await page.check(`#d-${decision}`);
  if (reason !== undefined) await page.fill('#reason', reason);
  await page.click('form.decide button[type=submit]');
}

test('an applicant applies in the form, the provider agrees and the authority approves from their inboxes, and the applicant sees the grant and its timeline', async () => {
  // The provider's inbox is open before the request exists: the new task appears without reloading.
  const provider = await signedIn('zhao.provider');
  await open(provider, '#/inbox');
  await provider.waitForSelector('h1');

  const applicant = await signedIn('li.applicant');
  expect(await applicant.textContent('[data-testid=who]')).toContain('日照市市场监督管理局');
  await open(applicant, '#/apply/share');
  await applicant.waitForSelector('form.apply');
  // The entry is found by part of its Chinese title and picked from the list, by keyboard; its items by their
  // 信息项名称: no id or code typed.
  const combo = applicant.getByRole('combobox', { name: '目录条目' });
  await combo.fill('医疗机构');
  const option = applicant.getByRole('option', { name: /医疗机构执业信息.*日照市卫生健康委员会/ });
  await option.waitFor();
  expect(await combo.getAttribute('aria-activedescendant')).toBe(await option.getAttribute('id'));
  await combo.press('Enter');
  expect(await combo.inputValue()).toBe('医疗机构执业信息');
  await applicant.getByRole('checkbox', { name: '机构名称', exact: true }).check();
  await applicant.getByRole('checkbox', { name: '执业许可证号' }).check();
  await applicant.fill('#f-body-scenario', '民营医疗机构联合检查（含“引号”与 <b>尖括号</b>）');
  await applicant.fill('#f-body-statutoryDuty', '医疗广告监督管理');
  for (const c of ['authenticity', 'compliance', 'security']) await applicant.check(`#f-body-commitment-${c}`);
  await expectAccessible(applicant);
  await screenshot(applicant, 'apply-share-form');
  await applicant.click('form.apply button[type=submit]');
  await applicant.waitForURL(/#\/requests\/[^/]+$/);
  const requestId = decodeURIComponent(applicant.url().split('#/requests/')[1]);
  await applicant.waitForSelector('text=审核中');
  const asked = await api.app.inject({
    method: 'GET',
    url: `/requests/${requestId}`,
    headers: api.as({ sub: 'li.applicant', org: h.city.agencies.market, roles: ['agency_applicant'] }),
  });
  expect(asked.json().payload).toMatchObject({ catalogEntryId: h.city.entries.conditional, fields: ['institution', 'licence_no'] });

  const row = provider.locator(`tr[data-request="${requestId}"]`);
  await row.waitFor({ timeout: 15_000 });
  expect(await row.textContent()).toMatch(/剩 \d+ 个工作日|今日到期/);
  await screenshot(provider, 'inbox-provider');
  await expectAccessible(provider);
  await row.locator('a').first().click();
  await provider.waitForSelector('form.decide');
  // The article's text, from the Measures, beside the decision.
  expect(await provider.textContent('blockquote.article-text')).toContain('第十四条');
  await provider.click('button:has-text("认领")');
  await provider.waitForSelector('text=退回认领');
  await screenshot(provider, 'task-provider-opinion');
  await expectAccessible(provider);
  await decide(provider, 'AGREE');
  await provider.waitForSelector('.notice:has-text("已作出决定")');

  const authority = await signedIn('wang.authority');
  await openFromInbox(authority, requestId, 'SHARE_JOINT_REVIEW');
  // The provider's opinion is among the earlier decisions.
  await authority.waitForSelector('section:has(h2:has-text("此前的决定")) >> text=同意');
  await decide(authority, 'APPROVE');
  await authority.waitForSelector('.notice:has-text("已作出决定")');

  // The applicant's page follows by itself: the grant, and the timeline with the article of each step.
  await applicant.waitForSelector('section.grant', { timeout: 15_000 });
  expect(await applicant.textContent('h1')).toContain('已同意共享');
  const timeline = await applicant.locator('ol.timeline li').allTextContents();
  expect(timeline.length).toBeGreaterThanOrEqual(3);
  // Articles as the Measures cite them, their text on hover; times as 2026年12月5日 11:49 (Asia/Shanghai).
  expect(timeline.join('\n')).toContain('第十四条');
  expect(timeline.join('\n')).not.toContain('Art.');
  expect(timeline.join('\n')).toMatch(/\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}/);
  expect(await applicant.getAttribute('ol.timeline li a[href="#/articles/14"] >> nth=0', 'title')).toMatch(/[\u4e00-\u9fff]{10}/);
  await screenshot(applicant, 'request-granted');
  await expectAccessible(applicant);
  await open(applicant, '#/grants');
  // The grant's entry by its title, its id on hover.
  await applicant.waitForSelector(`tr:has([title="${h.city.entries.conditional}"]):has-text("医疗机构执业信息")`);

  // English on request, kept across reloads.
  await applicant.selectOption('header select', 'en');
  await applicant.waitForSelector('nav.side >> text=Inbox');
  await applicant.reload();
  await applicant.waitForSelector('nav.side >> text=Inbox');
  expect(await applicant.getAttribute('html', 'lang')).toBe('en');
});

test('a decision that needs a reason, sent without one, shows the rule next to the reason field', async () => {
  const requestId = await shareRequest();
  const authority = await signedIn('wang.authority');
  await openFromInbox(authority, requestId, 'SHARE_JOINT_REVIEW');
  await decide(authority, 'REJECT', '');
  const error = authority.locator('#reason-err');
  await error.waitFor();
  // In Chinese, the article once; the API's English stays on hover.
  expect(await error.textContent()).toContain('此决定须说明理由');
  expect(await error.textContent()).not.toMatch(/[A-Za-z]{3}/);
  expect((await error.textContent())?.match(/第[一二三四五六七八九十]+条/g)).toHaveLength(1);
  expect(await authority.getAttribute('#reason', 'aria-invalid')).toBe('true');
  expect(await authority.getAttribute('#reason', 'aria-describedby')).toBe('reason-err');
  await screenshot(authority, 'task-reason-required');
  await expectAccessible(authority);
  // With the reason given and the law it rests on cited (不予共享的依据), the same form goes through.
  await authority.fill('#reason', '不符合共享条件');
  await authority.fill('#f-body-form-basis-0-title', '中华人民共和国个人信息保护法');
  await authority.fill('#f-body-form-basis-0-article', '第十三条');
  await authority.click('form.decide button[type=submit]');
  await authority.waitForSelector('.notice:has-text("已作出决定")');
});

test('two windows decide the same task at once: one decision stands, the other window is told who decided and refreshed', async () => {
  const requestId = await shareRequest();
  const [a, b] = [await signedIn('zhao.provider'), await signedIn('zhao.provider')];
  for (const page of [a, b]) {
    await openFromInbox(page, requestId, 'SHARE_PROVIDER_OPINION');
    await page.check('#d-AGREE');
  }
  await Promise.all([a.click('form.decide button[type=submit]'), b.click('form.decide button[type=submit]')]);
  const notices = await Promise.all([a, b].map(async (p) => (await p.locator('.notice').first().waitFor(), p.locator('.notice').first().textContent())));
  expect(notices.filter((n) => n?.includes('已作出决定'))).toHaveLength(1);
  expect(notices.filter((n) => n?.includes('已由 zhao.provider 处理'))).toHaveLength(1);
  const loser = notices[0]?.includes('已由') ? a : b;
  await screenshot(loser, 'task-lost-race');
  // Refreshed: no decision form is offered any more in either window.
  for (const page of [a, b]) await page.waitForSelector('form.decide', { state: 'detached' });
  const decided = (
    await api.app.inject({
      method: 'GET',
      url: `/requests/${requestId}/history`,
      headers: api.as({ sub: 'li.applicant', org: h.city.agencies.market, roles: ['agency_applicant'] }),
    })
  ).json().items;
  expect(decided.filter((e: { decision: string | null }) => e.decision === 'AGREE')).toHaveLength(1);
});

test("a supervisor sees the division's overdue tasks by agency, kind and working days overdue, and opens one", async () => {
  const requestId = await shareRequest(slow);
  await eventually(
    async () => (await h.db.selectFrom('tasks').select('id').where('request_id', '=', requestId).where('due_at', '<', new Date()).execute()).length === 2,
  );
  const supervisor = await signedIn('wu.supervisor');
  await open(supervisor, '#/overdue');
  const row = supervisor.locator(`tr[data-request="${requestId}"]`).first();
  await row.waitFor();
  expect(await row.textContent()).toMatch(/逾期|今日已逾期/);
  await screenshot(supervisor, 'overdue-supervisor');
  await expectAccessible(supervisor);
  await supervisor.selectOption('#o-kind', 'SHARE_PROVIDER_OPINION');
  await supervisor.waitForSelector(`tr[data-request="${requestId}"] >> text=提供单位审核意见`);
  // The filter applied: the list held the provider's row before it too, so wait for the joint review's to go.
  await supervisor.waitForSelector('table.overdue tbody tr:has-text("会同审核")', { state: 'detached' });
  // The agency by its name, not its id.
  expect(await supervisor.locator(`tr[data-request="${requestId}"]`).first().textContent()).toContain('日照市卫生健康委员会');
  expect(await supervisor.locator('table.overdue tbody tr:has-text("会同审核")').count()).toBe(0);
  // One agency chosen: its open work counted by procedure, and its oldest open tasks.
  await supervisor.selectOption('#o-agency', h.city.agencies.health);
  await supervisor.waitForSelector('section.organisation-work tr[data-type="share"]');
  expect(await supervisor.locator(`section.organisation-work tr[data-task]`).count()).toBeGreaterThan(0);
  await expectAccessible(supervisor);
  await supervisor.locator(`tr[data-request="${requestId}"] a`).first().click();
  await supervisor.waitForSelector('h1:has-text("提供单位审核意见")');
  // A supervisor reads the task, and is offered no decision: only the supervision of Art. 32.
  expect(await supervisor.locator('form.decide').count()).toBe(0);
  // 督办 in the supervisor's own words: the task shows how often it was urged.
  await supervisor.fill('#u-message', '请于今日内办结');
  await supervisor.click('form.urge button[type="submit"]');
  await supervisor.waitForSelector('dd[data-urge-count="1"]');
  await supervisor.click('button:has-text("延长期限")');
  await supervisor.waitForSelector('section.supervise .field-errors');
  expect(await supervisor.getAttribute('#s-reason', 'aria-invalid')).toBe('true');
  await supervisor.fill('#s-reason', '涉及多部门会商');
  await supervisor.fill('#s-days', '5');
  await supervisor.click('button:has-text("延长期限")');
  await supervisor.waitForSelector('.notice:has-text("已保存")');
  await supervisor.waitForSelector('.due:has-text("剩 5 个工作日")');
  await expectAccessible(supervisor);
  // Handed to a reviewer picked from those it may go to (no typed name): the task shows her by name.
  await supervisor.waitForSelector('#s-user option[value="zhao.provider"]', { state: 'attached' });
  expect(await supervisor.locator('#s-user option[value="li.applicant"]').count()).toBe(0);
  await supervisor.selectOption('#s-user', 'zhao.provider');
  await supervisor.click('button:has-text("改派")');
  await supervisor.waitForSelector('dd:has-text("赵敏 (zhao.provider)")');
  await expectAccessible(supervisor);
  await open(supervisor, '#/overdue');
  await supervisor.waitForSelector(`tr[data-request="${requestId}"]:has-text("会同审核")`);
  expect(await supervisor.locator(`tr[data-request="${requestId}"]:has-text("提供单位审核意见")`).count()).toBe(0);
});

test('the sign-in, catalog and article pages pass axe-core, and a bad token is refused with a message', async () => {
  const { page } = await window(browser);
  await page.goto(`${base}/console/`);
  await page.waitForSelector('button[data-sub]');
  await expectAccessible(page);
  await page.fill('#token', 'not-a-token');
  await page.click('form >> button[type=submit]');
  await page.waitForSelector('.problem');
  // The problem in Chinese by its code (Unauthorized); the API's English detail only on expansion.
  expect(await page.textContent('.problem strong')).toBe('登录已失效，请重新登录');
  expect(await page.locator('.problem').innerText()).not.toMatch(/[A-Za-z]{4}/);
  const citizen = await signedIn(citizenSub());
  expect(await citizen.textContent('[data-testid=who]')).toContain('公民、法人和其他组织');
  await open(citizen, `#/catalog/${h.city.entries.conditionalOpen}`);
  await citizen.waitForSelector('h2:has-text("版本记录")');
  await citizen.waitForSelector('a.button:has-text("有条件开放申请")');
  await screenshot(citizen, 'catalog-entry');
  await expectAccessible(citizen);
  await citizen.click('a.button:has-text("有条件开放申请")');
  await citizen.waitForSelector('form.apply');
  // The entry the page came from, shown by its title.
  await eventually(async () => (await citizen.inputValue('#f-body-catalogEntryId')) === '国有建设用地供应信息');
  await expectAccessible(citizen);
  await open(citizen, '#/articles/20');
  await citizen.waitForSelector('h1:has-text("第二十条")');
  await expectAccessible(citizen);
  // The checker bites: a control without a label is reported.
  await citizen.evaluate(() => {
    const d = (globalThis as unknown as { document: { body: { insertAdjacentHTML(w: string, h: string): void } } }).document;
    d.body.insertAdjacentHTML('beforeend', '<input type="text" id="unlabelled">');
  });
  expect(await accessibilityViolations(citizen)).toEqual(expect.arrayContaining([expect.stringMatching(/^label: #unlabelled/)]));
});

test('a member of the public says who they are, applies for conditionally open data, and signs the agreement the agency approved; the agency countersigns', async () => {
  const citizen = await signedIn(citizenSub());
  await open(citizen, `#/apply/open_request?catalogEntryId=${h.city.entries.conditionalOpen}`);
  await citizen.waitForSelector('form.principal');
  // A number that fails its check digit is refused at the field (GB 11643), then a real one is taken.
  await citizen.fill('#p-name', '陈某');
  const number = sampleResidentId(citizenSub());
  await citizen.fill('#p-number', `${number.slice(0, 17)}${number[17] === '0' ? '1' : '0'}`);
  await citizen.click('form.principal button[type=submit]');
  await citizen.waitForSelector('form.principal .field-errors');
  expect(await citizen.getAttribute('#p-number', 'aria-invalid')).toBe('true');
  await citizen.fill('#p-number', number);
  await citizen.click('form.principal button[type=submit]');
  await citizen.waitForSelector('form.principal', { state: 'detached' });
  expect(await citizen.textContent('[data-testid=who]')).toContain('陈某');

  await citizen.fill('#f-body-purpose', '城市规划研究 — 含 emoji 🙂 与 “全角引号”');
  await citizen.fill('#f-body-scenario', '学术研究');
  await citizen.selectOption('#f-body-accessMethod', 'sandbox');
  await citizen.fill('#f-body-securityMeasures', '仅在沙箱内分析，不下载原始数据');
  // Too long a term: the server's rule is shown at the field.
  await citizen.fill('#f-body-termMonths', '99');
  await citizen.click('form.apply button[type=submit]');
  await citizen.waitForSelector('#f-body-termMonths-err');
  await citizen.fill('#f-body-termMonths', '12');
  await citizen.click('form.apply button[type=submit]');
  await citizen.waitForURL(/#\/requests\/[^/]+$/);
  const requestId = decodeURIComponent(citizen.url().split('#/requests/')[1]);

  const agency = await signedIn('gao.resources');
  await openFromInbox(agency, requestId, 'OPEN_REQUEST_REVIEW');
  await agency.check('#d-APPROVE');
  await agency.fill('#f-body-form-conditions', '成果发表前报送备案');
  await agency.click('form.decide button[type=submit]');
  await agency.waitForSelector('.notice:has-text("已作出决定")');

  // While the citizen's signature is awaited, the request reads 待签署.
  await open(citizen, `#/requests/${requestId}`);
  await citizen.waitForSelector('h1 .status:has-text("待签署")', { timeout: 15_000 });

  // The licensee reads the text first, ticks 我已阅读并同意, and signs: the page hashes the text it shows, the server checks that hash.
  await openFromInbox(citizen, requestId, 'AGREEMENT_SIGNATURE');
  await citizen.waitForSelector('pre.agreement:has-text("成果发表前报送备案")');
  // Text first, then the form; no hash to type, nothing to claim on one's own task.
  expect(
    await citizen.evaluate(() => {
      const d = (globalThis as unknown as { document: { querySelector(s: string): { compareDocumentPosition(o: unknown): number } | null } }).document;
      return (d.querySelector('pre.agreement')!.compareDocumentPosition(d.querySelector('form.decide')) & 4) !== 0;
    }),
  ).toBe(true);
  expect(await citizen.locator('#f-body-form-sha256').count()).toBe(0);
  expect(await citizen.locator('button:has-text("认领")').count()).toBe(0);
  await citizen.check('#d-SIGN');
  const sign = citizen.locator('form.decide button[type=submit]');
  expect(await sign.textContent()).toBe('签署');
  expect(await sign.isDisabled()).toBe(true);
  await citizen.check('label:has-text("我已阅读并同意")');
  await citizen.waitForFunction(
    () =>
      !(globalThis as unknown as { document: { querySelector(s: string): { disabled: boolean } } }).document.querySelector('form.decide button[type=submit]')
        .disabled,
  );
  await screenshot(citizen, 'agreement-signature');
  await expectAccessible(citizen);
  await sign.click();
  await citizen.waitForSelector('.notice:has-text("已作出决定")');
  // Signed: the request now awaits the agency's countersignature.
  await citizen.waitForSelector('dd .status:has-text("待提供单位签署")', { timeout: 15_000 });

  await openFromInbox(agency, requestId, 'AGREEMENT_COUNTERSIGNATURE');
  await agency.waitForSelector('pre.agreement');
  await agency.check('label:has-text("我已阅读并同意")');
  await agency.click('form.decide button:has-text("签署")');
  await agency.waitForSelector('.notice:has-text("已作出决定")');

  await open(citizen, '#/agreements');
  const row = citizen.locator('tbody tr').first();
  await row.waitFor();
  await citizen.waitForSelector('tbody tr >> text=生效中', { timeout: 15_000 });
  await row.locator('a').click();
  await citizen.waitForSelector('h2:has-text("签署") + ul li >> nth=1');
  expect(await citizen.locator('h2:has-text("签署") + ul li').allTextContents()).toEqual([
    expect.stringContaining('被许可方'),
    expect.stringContaining('提供单位'),
  ]);
  await screenshot(citizen, 'agreement-in-force');
});

test('a new task appears in the open inbox without a reload and without the polling timer (server-sent events)', async () => {
  const provider = await signedIn('zhao.provider');
  // Polling every ten minutes: only the event stream can bring the task within the test.
  await provider.evaluate(() =>
    (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('pdw.pollMs', '600000'),
  );
  await provider.reload();
  await provider.waitForSelector('nav.side');
  const streamed = provider.waitForResponse((r) => new URL(r.url()).pathname === '/events' && r.status() === 200);
  await open(provider, '#/inbox?kind=SHARE_PROVIDER_OPINION');
  await streamed;
  await provider.waitForSelector('table.tasks, p.empty');
  const requestId = await shareRequest();
  const task = await eventually(() =>
    h.db.selectFrom('tasks').select('id').where('request_id', '=', requestId).where('kind', '=', 'SHARE_PROVIDER_OPINION').executeTakeFirst(),
  );
  await provider.waitForSelector(`table.tasks tbody tr[data-task="${task.id}"]`, { timeout: 10_000 });
  await provider.evaluate(() => (globalThis as unknown as { localStorage: { removeItem(k: string): void } }).localStorage.removeItem('pdw.pollMs'));
  await provider.close();
});

test('paging through a long inbox: twenty a page, the next page holds the rest, the back link returns to the same first page', async () => {
  await Promise.all(Array.from({ length: 21 }, () => shareRequest()));
  const provider = await signedIn('zhao.provider');
  await open(provider, '#/inbox?kind=SHARE_PROVIDER_OPINION');
  const rows = provider.locator('table.tasks tbody tr');
  await rows.nth(19).waitFor();
  const ids = () => rows.evaluateAll((trs) => trs.map((tr) => (tr as unknown as { getAttribute(a: string): string }).getAttribute('data-task')));
  /** Waits until the page's first row is there and is (or is not) `id`. */
  const firstRowBecomes = (id: string, same: boolean) =>
    eventually(async () => {
      const first = await rows
        .first()
        .getAttribute('data-task', { timeout: 500 })
        .catch(() => null);
      return first !== null && (first === id) === same;
    });
  const first = await ids();
  expect(first).toHaveLength(20);
  await provider.click('nav.pager a:has-text("下一页")');
  await firstRowBecomes(first[0], false);
  const second = await ids();
  expect(second.length).toBeGreaterThanOrEqual(1);
  expect(second.filter((id) => first.includes(id))).toEqual([]);
  await provider.click('nav.pager a:has-text("上一页")');
  await firstRowBecomes(first[0], true);
  expect(await ids()).toEqual(first);
  // The browser's back button walks the same way.
  await provider.goBack();
  await firstRowBecomes(first[0], false);
  expect(await ids()).toEqual(second);
});

test("the leading group opens a referred dispute's dossier and decides it in the generated form, a legal basis added as a list item", async () => {
  const authority = { sub: 'wang.authority', org: h.city.cityAuthority, roles: ['authority_reviewer' as const] };
  const agency = { sub: 'market.reviewer', org: h.city.agencies.market, roles: ['provider_reviewer' as const] };
  const raised = await api.app.inject({
    method: 'POST',
    url: '/disputes',
    headers: api.as(authority),
    payload: {
      catalogEntryId: h.city.entries.unconditional,
      proposal: { attribute: 'CONDITIONAL', reasons: '含法定代表人个人信息', conditions: '仅用于市场监管', basis: [] },
      objection: '涉及个人信息，不宜无条件共享',
    },
  });
  expect(raised.statusCode).toBe(201);
  const disputeId = raised.json().id as string;
  const turn = await eventually(async () =>
    (
      (await api.app.inject({ method: 'GET', url: '/tasks?kind=DISPUTE_CONSULTATION', headers: api.as(agency) })).json().items as {
        id: string;
        requestId: string;
      }[]
    ).find((t) => t.requestId === disputeId),
  );
  expect(
    (
      await api.app.inject({
        method: 'POST',
        url: `/tasks/${turn.id}/complete`,
        headers: api.as(agency),
        payload: { decision: 'NO_AGREEMENT', reason: '企业登记信息应当无条件共享' },
      })
    ).statusCode,
  ).toBe(200);

  const leading = await signedIn('zhou.leading');
  await leading.click('nav.side >> text=争议卷宗');
  const row = leading.locator(`tr[data-request="${disputeId}"]`);
  await row.waitFor();
  await row.locator('a').first().click();
  await leading.waitForSelector('form.decide');
  // The dossier: the objection's turn and the referral, as the task's context.
  expect(await leading.textContent('section:has(h2:has-text("办理材料"))')).toContain('企业登记信息应当无条件共享');
  await leading.fill('#reason', '依法不予共享');
  await leading.selectOption('#f-body-form-attribute', 'NONE');
  await leading.click('button:has-text("添加一项")');
  // Issue 24 §3: a NONE's basis is picked among the levels accepted for the agency's catalog alone (a government
  // department's: the 条例's), as the task names them; a 规章 is not offered.
  expect((await leading.locator('#f-body-form-basis-0-level option').allTextContents()).slice(1)).toEqual(['法律', '行政法规', '国务院决定']);
  await leading.selectOption('#f-body-form-basis-0-level', 'law');
  await leading.fill('#f-body-form-basis-0-title', '中华人民共和国个人信息保护法');
  await leading.fill('#f-body-form-basis-0-article', '第十三条');
  await expectAccessible(leading);
  await screenshot(leading, 'dispute-decision');
  await leading.click('form.decide button[type=submit]');
  await leading.waitForSelector('.notice:has-text("已作出决定")');
  const entry = (await api.app.inject({ method: 'GET', url: `/catalog/${h.city.entries.unconditional}`, headers: api.as(authority) })).json();
  expect(entry.share).toMatchObject({ attribute: 'NONE', basis: [{ level: 'law', title: '中华人民共和国个人信息保护法', article: '第十三条' }] });
});

test('asked for information, the applicant answers from their inbox and the request goes back to review; the notifications say so; then the applicant withdraws it', async () => {
  const requestId = await shareRequest();
  const authority = await signedIn('wang.authority');
  await openFromInbox(authority, requestId, 'SHARE_JOINT_REVIEW');
  // 一次性告知: every missing item listed at once, each with why, in a form labelled in Chinese (no code typed).
  await authority.check('#d-REQUEST_INFO');
  await authority.fill('#reason', '请说明检查范围');
  await authority.click('button:has-text("添加一项")');
  expect(await authority.textContent('label[for="f-body-form-missing-0-item"]')).toContain('缺少的材料');
  expect(await authority.textContent('label[for="f-body-form-missing-0-reason"]')).toContain('需要的理由');
  await authority.fill('#f-body-form-missing-0-item', '检查范围');
  await authority.fill('#f-body-form-missing-0-reason', '确定共享的字段与期限');
  await authority.click('form.decide button[type=submit]');
  await authority.waitForSelector('.notice:has-text("已作出决定")');

  const applicant = await signedIn('li.applicant');
  await open(applicant, `#/requests/${requestId}`);
  await applicant.waitForSelector('h1:has-text("待补充材料")');
  await openFromInbox(applicant, requestId, 'SHARE_APPLICANT_REPLY');
  // The applicant's task lists what is missing and why, labelled in Chinese.
  const told = await applicant.textContent('section[aria-labelledby="ctx-h"]');
  expect(told).toContain('需补充的材料');
  expect(told).toContain('缺少的材料');
  expect(told).toContain('检查范围');
  expect(told).toContain('确定共享的字段与期限');
  expect(told).not.toContain('missing');
  await decide(applicant, 'REPLY', '检查范围为全市民营医疗机构');
  await applicant.waitForSelector('.notice:has-text("已作出决定")');
  await open(applicant, `#/requests/${requestId}`);
  await applicant.waitForSelector('h1:has-text("审核中")');
  await open(applicant, '#/notifications');
  await applicant.waitForSelector(`ol.notifications li:has(a[href="#/requests/${requestId}"])`);
  // As the worker wrote them, in Chinese: the request by its case number, its status in words, the article as 第N条.
  const noticeTexts = await applicant.locator(`ol.notifications li:has(a[href="#/requests/${requestId}"]) .text`).allTextContents();
  expect(noticeTexts.join('\n')).toMatch(/您的申请（受理编号 [A-Z]{2}-GX-\d{8}-\d{4,}「.+」）现为“待补充材料”：.+（第.+条）/);
  await expectAccessible(applicant);
  // Withdrawn with a reason: the request reads so, and its open tasks are gone from the authority's inbox.
  await open(applicant, `#/requests/${requestId}`);
  await applicant.fill('#cancel-reason', '已通过其他渠道取得');
  await applicant.click('form.cancel button[type=submit]');
  await applicant.waitForSelector('h1:has-text("已撤回")');
  expect(await applicant.locator('form.cancel').count()).toBe(0);
  await open(authority, '#/inbox?kind=SHARE_JOINT_REVIEW');
  await authority.waitForSelector('h1');
  await eventually(async () => (await authority.locator(`tr[data-request="${requestId}"]`).count()) === 0);
});

test('sibling tasks decided at once from two windows: the authority rejects while the provider agrees; the request ends rejected and neither window is left wrong', async () => {
  const requestId = await shareRequest();
  const provider = await signedIn('zhao.provider');
  const authority = await signedIn('wang.authority');
  await openFromInbox(provider, requestId, 'SHARE_PROVIDER_OPINION');
  await openFromInbox(authority, requestId, 'SHARE_JOINT_REVIEW');
  await provider.check('#d-AGREE');
  await authority.check('#d-REJECT');
  await authority.fill('#reason', '申请事项超出法定职责');
  // 不予共享 cites its basis: the first row's level is the first the task accepts (法律).
  await authority.fill('#f-body-form-basis-0-title', '中华人民共和国个人信息保护法');
  await authority.fill('#f-body-form-basis-0-article', '第十三条');
  await Promise.all([provider.click('form.decide button[type=submit]'), authority.click('form.decide button[type=submit]')]);
  await authority.waitForSelector('.notice:has-text("已作出决定")');
  const said = await provider.locator('.notice').first().textContent({ timeout: 15_000 });
  // The provider's opinion went first and stands, or the rejection closed its task and the window says so.
  expect(said).toMatch(/已作出决定|该任务已关闭（已关闭）/);
  await provider.waitForSelector('form.decide', { state: 'detached' });
  const applicant = { sub: 'li.applicant', org: h.city.agencies.market, roles: ['agency_applicant' as const] };
  const request = await eventually(async () => {
    const r = (await api.app.inject({ method: 'GET', url: `/requests/${requestId}`, headers: api.as(applicant) })).json();
    return r.status === 'rejected' && r;
  });
  const events = (await api.app.inject({ method: 'GET', url: `/requests/${requestId}/history`, headers: api.as(applicant) })).json().items as {
    action: string;
    decision: string | null;
  }[];
  const decided = events.filter((e) => e.action === 'task_completed').map((e) => e.decision);
  expect(decided).toEqual(said?.includes('已作出决定') ? expect.arrayContaining(['AGREE', 'REJECT']) : ['REJECT']);
  expect(decided).toHaveLength(said?.includes('已作出决定') ? 2 : 1);
  expect(request.tasks.filter((t: { status: string }) => t.status === 'open')).toEqual([]);
});

/** A browser window signed in with a token of the API's own (people who are no demo user: a legal person, its agent). */
async function signedInWith(actor: { sub: string; org: string | null; roles: 'public_applicant'[] }): Promise<Page> {
  const { page } = await window(browser);
  await page.goto(`${base}/console/`);
  await page.evaluate(
    (token) => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('pdw.token', token),
    api.token(actor.sub, actor.org, ...actor.roles),
  );
  await page.reload();
  await page.waitForSelector('nav.side');
  return page;
}

test('a legal person authorises an agent on its 经办人管理 page; the agent applies in its name, picking it as the applicant', async () => {
  const corp = { sub: `corp.console.${h.city.region}`, org: null, roles: ['public_applicant' as const] };
  const agent = { sub: `agent.console.${h.city.region}`, org: null, roles: ['public_applicant' as const] };
  const uscc = usccWithCheck(
    `91371102${h.city.region
      .replace(/[^0-9]/g, '')
      .padEnd(6, '0')
      .slice(0, 6)}CN1`,
  );
  const put = (who: typeof corp, payload: object) => api.app.inject({ method: 'PUT', url: '/principals/me', payload, headers: api.as(who) });
  expect((await put(corp, { kind: 'legal', name: '日照控制台科技有限公司', uscc })).statusCode).toBe(200);
  const number = sampleResidentId(agent.sub);
  expect((await put(agent, { kind: 'natural', name: '刘经办', residentId: number })).statusCode).toBe(200);

  const admin = await signedInWith(corp);
  await admin.click('nav.side a:has-text("经办人管理")');
  await admin.waitForSelector('form.principal');
  // A number failing its check digit is refused at its field; then the employee's real one is taken.
  await admin.fill('#agent-name', '刘经办');
  await admin.selectOption('#agent-document', 'resident');
  await admin.fill('#agent-number', `${number.slice(0, 17)}${number[17] === '0' ? '1' : '0'}`);
  await admin.click('form.principal button[type=submit]');
  await admin.waitForSelector('form.principal .field-errors');
  expect(await admin.getAttribute('#agent-number', 'aria-invalid')).toBe('true');
  await admin.fill('#agent-number', number);
  await admin.click('form.principal button[type=submit]');
  const row = admin.locator('tr[data-testid=agent]:has-text("刘经办")');
  await row.waitFor();
  expect(await row.textContent()).toContain('有效');
  expect(await row.textContent()).not.toContain(number);
  await screenshot(admin, 'legal-person-agents');
  await expectAccessible(admin);

  const clerk = await signedInWith(agent);
  await open(clerk, `#/apply/open_request?catalogEntryId=${h.city.entries.conditionalOpen}`);
  await clerk.waitForSelector('#f-applicant');
  expect(await clerk.locator('#f-applicant option').allTextContents()).toEqual(['本人', '日照控制台科技有限公司']);
  // The applicant is picked, never typed: no field for the code itself.
  expect(await clerk.locator('#f-body-onBehalfOf').count()).toBe(0);
  await clerk.selectOption('#f-applicant', uscc);
  await clerk.fill('#f-body-purpose', '企业选址分析');
  await clerk.fill('#f-body-scenario', '商业研究');
  await clerk.selectOption('#f-body-accessMethod', 'sandbox');
  await clerk.fill('#f-body-securityMeasures', '仅在沙箱内分析');
  await clerk.fill('#f-body-termMonths', '6');
  await screenshot(clerk, 'apply-as-agent');
  await clerk.click('form.apply button[type=submit]');
  await clerk.waitForURL(/#\/requests\/[^/]+$/);
  const requestId = decodeURIComponent(clerk.url().split('#/requests/')[1]);
  // The request is the legal person's: its own account sees it, made by the agent in its name.
  const seen = await api.app.inject({ method: 'GET', url: `/requests/${requestId}`, headers: api.as(corp) });
  expect(seen.json().applicant).toEqual({ sub: agent.sub, org: null, legalPerson: uscc });
});
