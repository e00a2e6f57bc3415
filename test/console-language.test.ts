// The console reads Chinese throughout, and says what each action did where the person is looking. A real
// browser walks the key screens of every demo role (sign-in, inbox, a task, a request, the catalog and an
// entry, the apply forms, an error report and its verification, overdue tasks, notifications, agreements,
// grants) and fails on any visible word of
// three or more ASCII letters that is no name on a short list (SHA-256, PDF, case numbers, account names…):
// an untranslated code or an English sentence. Then the feedback of actions: focus on the result, in a live
// region; empty lists that say what to do next.
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { demoUsers, sampleEntryContent, sampleResidentId, seedCity, type SeededCity } from '../db/seed';
import { shanghaiDay } from '../domain/calendar';
import type { Actor } from '../domain/types';
import { startApi, validShareBody, type Api } from './api-helpers';
import { screenshot, window } from './browser';
import { type ConsoleRun, open, OVERDUE_AT_ONCE, startConsole } from './console-harness';
import { eventually, insertInstitution, type Harness } from './helpers';

jest.setTimeout(600_000);

let run: ConsoleRun;
let h: Harness;
let api: Api;
let slow: Api;
let base: string;
let browser: Browser;
let requestId: string;
let grantedId: string;
/** A request whose provider's opinion escalated: the health commission's head of sharing work (xu.head) joined its candidates. */
let escalatedId: string;
let escalating: Api;
/** An institution's first compilation, published at once: the city authority reviews it afterwards (事后审查). */
let compiledId: string;
/** The institution's officer who compiled it: an account name, shown as the others are. */
const CENTRE_OFFICER = 'zhou.centre';
/** Another city, whose agencies are in no directory this city's people read: its entry names its agency all the same. */
let other: SeededCity;

/** One demo person of each role. */
const ROLES = ['li.applicant', 'zhao.provider', 'xu.head', 'wang.authority', 'zhou.leading', 'wu.supervisor', 'admin'] as const;
const citizenSub = () => `chen.citizen.${h.city.region}`;
const liApplicant = () => ({ sub: 'li.applicant', org: h.city.agencies.market, roles: ['agency_applicant' as const] });

beforeAll(async () => {
  run = await startConsole('console-language');
  ({ h, api, base, browser } = run);
  // Requests whose review is due two seconds after they begin: overdue at once, for the supervisor's list.
  slow = await startApi(h, { policies: { share: OVERDUE_AT_ONCE } });
  escalating = await startApi(h, { policies: { share: { ...OVERDUE_AT_ONCE, escalateAfter: { seconds: 1 } } } });
  const prefix = `other${randomUUID().slice(0, 6)}`;
  other = await seedCity(h.db, prefix, prefix);
  // Something in every list: a share request under review (the provider's and the authority's tasks, the
  // applicant's request and notices), and one already overdue.
  for (const through of [api, slow]) {
    const res = await through.app.inject({
      method: 'POST',
      url: '/share-requests',
      // What an applicant writes, in Chinese as the applicant would.
      payload: { ...validShareBody(h.city.entries.conditional), scenario: '民营医疗机构联合检查', statutoryDuty: '医疗广告监督管理' },
      headers: through.as(liApplicant()),
    });
    expect(res.statusCode).toBe(201);
    requestId ??= res.json().id;
    // The overdue one's provider asks for more time (《政务数据共享条例》): its head of sharing work has a task to decide.
    if (through === slow) {
      const opinion = (res.json().tasks as { id: string; kind: string }[]).find((t) => t.kind === 'SHARE_PROVIDER_OPINION')!;
      const zhao = { sub: 'zhao.provider', org: h.city.agencies.health, roles: ['provider_reviewer' as const] };
      const asked = await slow.app.inject({
        method: 'POST',
        url: `/tasks/${opinion.id}/extension-request`,
        payload: { workingDays: 3, reason: '需协调多个业务系统核实' },
        headers: slow.as(zhao),
      });
      expect(asked.statusCode).toBe(200);
    }
  }
  // And one escalated (督办升级, Art. 32): its opinion task now the health commission's head's to decide too.
  const late = await escalating.app.inject({
    method: 'POST',
    url: '/share-requests',
    payload: { ...validShareBody(h.city.entries.conditional), scenario: '医疗机构督办升级核查', statutoryDuty: '医疗机构监督管理' },
    headers: escalating.as(liApplicant()),
  });
  expect(late.statusCode).toBe(201);
  escalatedId = late.json().id;
  const lateOpinion = (late.json().tasks as { id: string; kind: string }[]).find((t) => t.kind === 'SHARE_PROVIDER_OPINION')!.id;
  await eventually(
    () =>
      h.db
        .selectFrom('tasks')
        .select('candidates')
        .where('id', '=', lateOpinion)
        .executeTakeFirst()
        .then((r) => r?.candidates.some((c) => c.escalation && c.role === 'sharing_head')),
    30_000,
  );
  // The city authority's admin has a webhook and a post to it that failed every attempt (消息推送: the walk reads both).
  const admin: Actor = { sub: 'admin', org: h.city.cityAuthority, roles: ['admin'] };
  const hook = await api.app.inject({
    method: 'POST',
    url: '/webhooks',
    payload: { url: 'https://hooks.example.gov.cn/pdw', events: ['catalog_published', 'task_assigned'] },
    headers: api.as(admin),
  });
  expect(hook.statusCode).toBe(201);
  await h.db
    .insertInto('notification_outbox')
    .values({
      idempotency_key: `language-dead-${randomUUID()}`,
      channel: 'webhook',
      recipient_org: h.city.cityAuthority,
      subscription_id: hook.json().id,
      address: 'https://hooks.example.gov.cn/pdw',
      kind: 'catalog_published',
      message: '目录调整已发布',
      status: 'dead',
      attempts: 12,
      last_error: 'the receiver answered 503',
      dead_at: new Date(),
    })
    .execute();
  // 事后审查: an institution (no government department) first compiles its catalog, published at once, the authority to
  // review it afterwards. Before anyone signs in: the console reads the directory's names once, at sign-in.
  const centre = await insertInstitution(h, `${h.city.region}-language-centre`);
  const compiled = await api.app.inject({
    method: 'POST',
    url: '/catalog/adjustments',
    payload: { ground: 'first_compilation', justification: '首次编制', changes: [{ op: 'add', entry: sampleEntryContent('公共资源交易项目') }] },
    headers: api.as({ sub: CENTRE_OFFICER, org: centre, roles: ['agency_applicant'] }),
  });
  expect(compiled.statusCode).toBe(201);
  compiledId = compiled.json().id;
  // And one granted: its grant's conditions and restrictions, its outcome, as the applicant reads them.
  const submitted = await api.app.inject({
    method: 'POST',
    url: '/share-requests',
    payload: { ...validShareBody(h.city.entries.conditional), scenario: '医疗机构执业信息核验', statutoryDuty: '医疗机构监督管理' },
    headers: api.as(liApplicant()),
  });
  expect(submitted.statusCode).toBe(201);
  grantedId = submitted.json().id;
  const zhao: Actor = { sub: 'zhao.provider', org: h.city.agencies.health, roles: ['provider_reviewer'] };
  const wang: Actor = { sub: 'wang.authority', org: h.city.cityAuthority, roles: ['authority_reviewer'] };
  const steps: [string, string, Actor][] = [
    ['SHARE_PROVIDER_OPINION', 'AGREE', zhao],
    ['SHARE_JOINT_REVIEW', 'APPROVE', wang],
  ];
  for (const [kind, decision, who] of steps) {
    const task = (submitted.json().tasks as { id: string; kind: string }[]).find((t) => t.kind === kind)!;
    const done = await api.app.inject({
      method: 'POST',
      url: `/tasks/${task.id}/complete`,
      payload: { decision, reason: '用途与范围相称' },
      headers: api.as(who),
    });
    expect(done.statusCode).toBe(200);
  }
});
afterAll(async () => {
  await escalating?.app.close();
  await slow?.app.close();
  await run?.close();
});

const signedIn = (sub: string) => run.signedIn(sub);

/** The text a person sees: visible text nodes (screen-reader-only text too), the options of every list, placeholders. */
const VISIBLE_TEXT = `(() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    // Identifiers shown as such (a data item's column name, a digest) are code, not words; the agreement's
    // text is the document signed, as the server drew it up (its ids in it), not the console's words; a file's name
    // (an error report's attachment) is the reporter's, marked translate=no.
    if (!el || !n.textContent.trim() || el.closest('script, style, option, select, code, pre.agreement, [translate=no]')) continue;
    if (!el.checkVisibility({ visibilityProperty: true, opacityProperty: true })) continue;
    out.push(n.textContent.trim());
  }
  // The directory's organisations are data (other test files' among them in the shared database): only the prompt is words.
  for (const s of document.querySelectorAll('select')) if (s.checkVisibility()) for (const o of s.options) if (!s.hasAttribute('data-organisations') || !o.value) out.push(o.textContent.trim());
  for (const i of document.querySelectorAll('[placeholder]')) if (i.checkVisibility()) out.push(i.getAttribute('placeholder'));
  return out;
})()`;

/** Names that are not words to translate: units and formats (the webhook signature's algorithm among them), an account's login name, case numbers, dates, digests, the name of English. */
const ALLOWED = new Set(['SHA-256', 'HMAC-SHA256', 'CSV', 'XLSX', 'API', 'ID', 'URL', 'PDF', 'JSON', 'UTC', 'English']);
const ALLOWED_PATTERNS = [
  /^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i, // e-mail addresses
  /^[A-Z0-9]{2,}(?:-[A-Z0-9]+)*-\d{8}-\d{4,}$/, // case numbers: RZ-GX-20261205-0001
  /^\d{4}-\d{2}-\d{2}(?:T[\d:.]+Z?)?$/, // ISO dates
  /^[0-9a-f]{8,}…?$/, // digests (SHA-256), shown whole or cut
];

function untranslatedWords(texts: string[], accounts: Set<string>): string[] {
  const flagged = new Set<string>();
  for (const text of texts)
    for (const raw of text.split(/[^A-Za-z0-9@._+\-…]+/)) {
      const word = raw.replace(/^[.\-_]+|[.\-_]+$/g, '');
      if (!/[A-Za-z]{3,}/.test(word) || ALLOWED.has(word) || accounts.has(word) || ALLOWED_PATTERNS.some((p) => p.test(word))) continue;
      flagged.add(`${word} (in “${text.slice(0, 80)}”)`);
    }
  return [...flagged];
}

/**
 * The untranslated words of the screen at `hash`: once it has loaded, and again until the procedures' words
 * have come (a code may show while they load); what is left after that is reported.
 */
async function screenWords(page: Page, hash: string | null, accounts: Set<string>): Promise<string[]> {
  if (hash !== null) await open(page, hash);
  await page.waitForSelector('main h1');
  await page.waitForFunction(`!document.querySelector('main [aria-busy=true]')`, undefined, { timeout: 15_000 });
  let words: string[] = [];
  try {
    await eventually(async () => {
      words = untranslatedWords(await page.evaluate<string[]>(VISIBLE_TEXT), accounts);
      return words.length === 0;
    }, 6_000);
  } catch {
    // Reported below, with the others.
  }
  return words;
}

/** Where the focus is, and the live region (aria-live, role=status or alert) it is in, if any. */
const FOCUS = `(() => {
  const a = document.activeElement;
  const live = a && a.closest('[aria-live], [role=status], [role=alert]');
  return { text: a ? a.textContent : null, tag: a ? a.tagName : null, live: live ? live.getAttribute('aria-live') || live.getAttribute('role') : null };
})()`;
type Focus = { text: string | null; tag: string | null; live: string | null };
/** Waits until focus is on a live region that says `text` (the page, or the form, holding it is not enough). */
const focusOn = async (page: Page, text: string) => {
  let last: Focus | undefined;
  try {
    return await eventually(async () => {
      last = await page.evaluate<Focus>(FOCUS);
      return last.live !== null && last.text?.includes(text) ? last : false;
    });
  } catch {
    throw new Error(`focus is not on a live region saying ${text}: ${JSON.stringify(last)}`);
  }
};

test('every role reads its key screens in Chinese: no untranslated code or English sentence', async () => {
  const accounts = new Set([...demoUsers(h.city).map((u) => u.sub), citizenSub(), CENTRE_OFFICER]);
  const found: string[] = [];
  const note = (who: string, where: string, words: string[]) => words.forEach((w) => found.push(`${who} ${where}: ${w}`));

  const { page: signIn } = await window(browser);
  await signIn.goto(`${base}/console/`);
  await signIn.waitForSelector('button[data-sub]');
  note('anyone', 'sign-in', await screenWords(signIn, null, accounts));
  // A refused token, in Chinese.
  await signIn.fill('#token', 'not-a-token');
  await signIn.click('form >> button[type=submit]');
  await signIn.waitForSelector('.problem');
  note('anyone', 'sign-in refused', await screenWords(signIn, null, accounts));
  // The checker bites: in English, the same page is full of words it flags.
  await signIn.selectOption('header select', 'en');
  expect(await screenWords(signIn, null, accounts)).toEqual(expect.arrayContaining([expect.stringMatching(/^Sign /)]));
  await signIn.selectOption('header select', 'zh');

  for (const sub of [...ROLES, citizenSub()]) {
    const page = await signedIn(sub);
    const me = await page.evaluate(() => (globalThis as unknown as { localStorage: { getItem(k: string): string } }).localStorage.getItem('pdw.token'));
    const who = (await api.app.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${me}` } })).json() as {
      roles: string[];
      organisation?: unknown;
    };
    const roles = who.roles;
    const can = (...r: string[]) => r.some((x) => roles.includes(x));
    // The catalog of this test's own city: what other test files typed into theirs is data, not the console's words.
    const screens = [
      '#/inbox',
      '#/requests',
      `#/catalog?region=${h.city.region}`,
      `#/catalog/${h.city.entries.conditionalOpen}`,
      `#/catalog/${other.entries.conditionalOpen}`,
      '#/notifications',
      '#/agreements',
    ];
    if (can('supervisor', 'admin')) screens.push('#/overdue');
    // The supervisor's 监督评价, the overdue cases behind its figure, and the entries not updated as often as they declare.
    if (can('supervisor'))
      screens.push(
        '#/evaluation',
        `#/evaluation?drill=overdueAtEnd&dperiod=${shanghaiDay(new Date()).slice(0, 7)}`,
        `#/evaluation?drill=staleEntries&dperiod=${shanghaiDay(new Date()).slice(0, 7)}`,
      );
    if (can('leading_group')) screens.push('#/dossiers?kind=DISPUTE_DECISION');
    if (can('agency_applicant', 'provider_reviewer', 'authority_reviewer', 'admin')) screens.push('#/grants');
    // Staff's own settings: the notices they get (通知设置) and whom they name to stand in for them (代理设置).
    if (who.organisation) screens.push('#/notification-settings', '#/delegations');
    // The organisation's admin: its webhooks and their failed posts (消息推送).
    if (who.organisation && can('admin')) screens.push('#/webhooks');
    for (const hash of screens) note(sub, hash, await screenWords(page, hash, accounts));
    // Every form one may apply with.
    if (can('agency_applicant', 'public_applicant', 'authority_reviewer')) {
      note(sub, '#/apply', await screenWords(page, '#/apply', accounts));
      for (const link of await page.locator('ul.types a').evaluateAll((as) => as.map((a) => (a as unknown as { hash: string }).hash)))
        note(sub, link, await screenWords(page, link, accounts));
    }
    // A task of one's inbox, a request of one's list, an overdue task: as each opens.
    await open(page, '#/inbox');
    const task = page.locator('table.tasks tbody tr a').first();
    if (await task.count().catch(() => 0)) {
      await task.click();
      note(sub, 'a task', await screenWords(page, null, accounts));
    }
    if (can('supervisor')) {
      await open(page, '#/overdue');
      const late = page.locator('table.overdue tbody tr a').first();
      await late.waitFor({ timeout: 15_000 });
      await late.click();
      await page.waitForSelector('section.supervise');
      note(sub, 'an overdue task', await screenWords(page, null, accounts));
    }
    // The head of sharing work's inbox marks the task that escalated to them, in Chinese; its page says who was added.
    if (sub === 'xu.head') {
      await open(page, '#/inbox');
      const badge = page.locator(`tr[data-request="${escalatedId}"] .badge.escalated`);
      await badge.waitFor({ timeout: 15_000 });
      expect((await badge.textContent())?.trim()).toBe('督办升级');
      await page.locator(`tr[data-request="${escalatedId}"] a`).first().click();
      await page.waitForSelector('[data-escalated-at]');
      expect(await page.locator('[data-escalated-at]').textContent()).toContain('增加办理人：共享工作机构负责人');
      note(sub, 'the escalated task', await screenWords(page, null, accounts));
    }
    // 校核纠错: the report form with its entry given; the agency's verification beside the entry's other reports; the
    // reporter's page once asked for the missing items.
    if (sub === citizenSub()) {
      const entryId = h.city.entries.unconditional;
      note(sub, '报告数据错误', await screenWords(page, `#/apply/correction?catalogEntryId=${entryId}`, accounts));
      const reported = await api.app.inject({
        method: 'POST',
        url: '/corrections',
        payload: { catalogEntryId: entryId, items: ['name'], problem: '企业名称有错别字', evidence: [{ name: '营业执照.jpg', sha256: 'ab'.repeat(32) }] },
        headers: { authorization: `Bearer ${me}` },
      });
      expect(reported.statusCode).toBe(201);
      const correctionId: string = reported.json().id;
      const heMarket: Actor = { sub: 'he.market', org: h.city.agencies.market, roles: ['provider_reviewer'] };
      const verification = await eventually(async () =>
        (
          (await api.app.inject({ method: 'GET', url: '/tasks?kind=CORRECTION_VERIFICATION', headers: api.as(heMarket) })).json().items as {
            id: string;
            requestId: string;
          }[]
        ).find((x) => x.requestId === correctionId),
      );
      const agency = await signedIn('he.market');
      await open(agency, `#/tasks/${verification.id}`);
      await agency.waitForSelector('form.decide');
      note('he.market', '纠错核实', await screenWords(agency, null, accounts));
      await agency.context().close();
      const asked = await api.app.inject({
        method: 'POST',
        url: `/tasks/${verification.id}/complete`,
        payload: { decision: 'REQUEST_INFO', reason: '请补充材料', form: { missing: [{ item: '营业执照照片', reason: '核对企业名称' }] } },
        headers: api.as(heMarket),
      });
      expect(asked.statusCode).toBe(200);
      await open(page, `#/requests/${correctionId}`);
      await page.waitForSelector('form.reply', { timeout: 15_000 });
      note(sub, 'the error report asked for more', await screenWords(page, null, accounts));
    }
    if (sub === 'li.applicant') {
      note(sub, 'the request', await screenWords(page, `#/requests/${requestId}`, accounts));
      note(sub, 'the granted request', await screenWords(page, `#/requests/${grantedId}`, accounts));
      // 一次性告知: the provider asks for every missing item at once; the applicant's request page lists them, and
      // the reply task offers to amend the request.
      const asking = await api.app.inject({
        method: 'POST',
        url: '/share-requests',
        payload: { ...validShareBody(h.city.entries.conditional), scenario: '食品经营许可核查', statutoryDuty: '食品安全监督管理' },
        headers: api.as(liApplicant()),
      });
      expect(asking.statusCode).toBe(201);
      const opinion = (asking.json().tasks as { id: string; kind: string }[]).find((t) => t.kind === 'SHARE_PROVIDER_OPINION')!;
      const zhao: Actor = { sub: 'zhao.provider', org: h.city.agencies.health, roles: ['provider_reviewer'] };
      const asked = await api.app.inject({
        method: 'POST',
        url: `/tasks/${opinion.id}/complete`,
        payload: {
          decision: 'REQUEST_INFO',
          reason: '请一次性补充以下材料',
          form: {
            missing: [
              { item: '法定职责依据文件', reason: '核实共享用途' },
              { item: '数据安全保护方案', reason: '评估使用条件' },
            ],
          },
        },
        headers: api.as(zhao),
      });
      expect(asked.statusCode).toBe(200);
      const reply = await eventually(async () =>
        (
          (await api.app.inject({ method: 'GET', url: `/requests/${asking.json().id}`, headers: api.as(liApplicant()) })).json().tasks as {
            id: string;
            kind: string;
            status: string;
          }[]
        ).find((t) => t.kind === 'SHARE_APPLICANT_REPLY' && t.status === 'open'),
      );
      await open(page, `#/requests/${asking.json().id}`);
      await page.getByText('法定职责依据文件').first().waitFor({ timeout: 15_000 });
      note(sub, 'the request asked for more', await screenWords(page, null, accounts));
      await open(page, `#/tasks/${reply.id}`);
      await page.waitForSelector('form.decide');
      note(sub, 'the reply task', await screenWords(page, null, accounts));
    }
    // 事后审查: an institution's first compilation, published at once, reviewed afterwards by the authority.
    if (sub === 'wang.authority') {
      const afterReview = await eventually(async () =>
        (
          (await api.app.inject({ method: 'GET', url: '/tasks?kind=CATALOG_ADJUSTMENT_AFTER_REVIEW', headers: { authorization: `Bearer ${me}` } })).json()
            .items as { id: string; requestId: string }[]
        ).find((t) => t.requestId === compiledId),
      );
      await open(page, `#/tasks/${afterReview.id}`);
      await page.waitForSelector('form.decide');
      note(sub, 'the review after publication', await screenWords(page, null, accounts));
    }
    await page.context().close();
  }
  expect(found).toEqual([]);
});

test('after a claim and a decision, focus is on the result, in a live region; a refused decision puts focus on the refusal, in an alert', async () => {
  const provider = await signedIn('zhao.provider');
  await open(provider, `#/inbox?kind=SHARE_PROVIDER_OPINION`);
  const row = provider.locator(`tr[data-request="${requestId}"] a`).first();
  await row.waitFor({ timeout: 15_000 });
  await row.click();
  await provider.waitForSelector('form.decide');
  await provider.click('button:has-text("认领")');
  const claimed = await focusOn(provider, '已认领');
  expect(claimed.live).toMatch(/polite|status/);
  await provider.check('#d-AGREE');
  await provider.click('form.decide button[type=submit]');
  const decided = await focusOn(provider, '已作出决定');
  expect(decided).toMatchObject({ live: expect.stringMatching(/polite|status/) });
  expect(await provider.locator('.notice[role=status][aria-live=polite]').textContent()).toContain('已作出决定');
  await screenshot(provider, 'language-decided-focus');

  const authority = await signedIn('wang.authority');
  await open(authority, '#/inbox?kind=SHARE_JOINT_REVIEW');
  await authority.locator(`tr[data-request="${requestId}"] a`).first().click();
  await authority.waitForSelector('form.decide');
  await authority.check('#d-REJECT');
  await authority.click('form.decide button[type=submit]');
  const refused = await focusOn(authority, '请按提示修改');
  expect(refused.live).toMatch(/assertive|alert/);
  expect(await authority.textContent('#reason-err')).toContain('此决定须说明理由');
});

test('a member of the public who saves who they are is told so, and after applying is told the case number, each time with focus on the message', async () => {
  const citizen = await signedIn(citizenSub());
  await open(citizen, `#/apply/open_request?catalogEntryId=${h.city.entries.conditionalOpen}`);
  await citizen.waitForSelector('form.principal');
  await citizen.fill('#p-name', '陈某');
  await citizen.fill('#p-number', sampleResidentId(citizenSub()));
  await citizen.click('form.principal button[type=submit]');
  const saved = await focusOn(citizen, '身份已登记');
  expect(saved.text).toContain('陈某');
  expect(saved.live).toMatch(/polite|status/);
  await citizen.waitForSelector('form.principal', { state: 'detached' });

  await citizen.fill('#f-body-purpose', '城市规划研究');
  await citizen.fill('#f-body-scenario', '学术研究');
  await citizen.selectOption('#f-body-accessMethod', 'sandbox');
  await citizen.fill('#f-body-securityMeasures', '仅在沙箱内分析');
  // Too long a term: the refusal is announced, and shown at its field.
  await citizen.fill('#f-body-termMonths', '99');
  await citizen.click('form.apply button[type=submit]');
  const refused = await focusOn(citizen, '请按提示修改');
  expect(refused.live).toMatch(/assertive|alert/);
  await citizen.waitForSelector('#f-body-termMonths-err');
  await citizen.fill('#f-body-termMonths', '12');
  await citizen.click('form.apply button[type=submit]');
  await citizen.waitForURL(/#\/requests\/[^/]+$/);
  const submitted = await focusOn(citizen, '申请已提交');
  expect(submitted.text).toMatch(/受理编号 [A-Z0-9-]+-\d{8}-\d{4,}/);
  expect(submitted.live).toMatch(/polite|status/);
  await screenshot(citizen, 'language-submitted-focus');
  const openRequestId = decodeURIComponent(citizen.url().split('#/requests/')[1]);

  // Approved by the agency, the agreement and its signature task read in Chinese too; signing is announced.
  const agency = await signedIn('gao.resources');
  await open(agency, '#/inbox?kind=OPEN_REQUEST_REVIEW');
  await agency.locator(`tr[data-request="${openRequestId}"] a`).first().click({ timeout: 15_000 });
  await agency.check('#d-APPROVE');
  await agency.fill('#f-body-form-conditions', '成果发表前报送备案');
  await agency.click('form.decide button[type=submit]');
  await focusOn(agency, '已作出决定');
  const accounts = new Set([...demoUsers(h.city).map((u) => u.sub), citizenSub()]);
  await open(citizen, '#/agreements');
  await citizen.locator('tbody tr a').first().click({ timeout: 15_000 });
  await citizen.waitForSelector('pre.agreement');
  expect(await screenWords(citizen, null, accounts)).toEqual([]);
  await open(citizen, '#/inbox?kind=AGREEMENT_SIGNATURE');
  await citizen.locator(`tr[data-request="${openRequestId}"] a`).first().click({ timeout: 15_000 });
  await citizen.waitForSelector('pre.agreement');
  expect(await screenWords(citizen, null, accounts)).toEqual([]);
  await citizen.check('#d-SIGN');
  await citizen.check('label:has-text("我已阅读并同意")');
  await citizen.click('form.decide button[type=submit]:not([disabled])');
  expect((await focusOn(citizen, '已作出决定')).live).toMatch(/polite|status/);
  expect(await screenWords(citizen, `#/requests/${openRequestId}`, accounts)).toEqual([]);
});

test('empty lists say what there is none of and what to do next', async () => {
  // The Lanshan county authority has no task, request, notice, agreement or grant in this city.
  const county = await signedIn('qian.county');
  const empty = async (page: Page, hash: string) => {
    await open(page, hash);
    return (await page.locator('main p.empty').first().textContent({ timeout: 15_000 })) ?? '';
  };
  expect(await empty(county, '#/inbox')).toContain('暂无待办任务。新的任务到达时会显示在这里。');
  const requests = await empty(county, '#/requests');
  expect(requests).toContain('您还没有提出申请');
  expect(await county.locator('main p.empty a[href="#/apply"]').textContent()).toBe('提出申请');
  expect(await empty(county, '#/notifications')).toContain('暂无通知');
  expect(await empty(county, '#/agreements')).toContain('暂无开放利用协议');
  expect(await empty(county, '#/grants')).toContain('暂无共享许可');
  const supervisor = await signedIn('zheng.supervisor');
  expect(await empty(supervisor, '#/overdue')).toContain('没有逾期任务');
  expect(await empty(supervisor, '#/evaluation')).toMatch(/尚无办结的任务。可以选择较早的时期|当前没有超期的任务。可以在/);
});
