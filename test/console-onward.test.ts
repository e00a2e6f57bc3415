// 申请向第三方提供 in a real browser (issue 24 §6), where the policy follows the 《政务数据共享条例》's consent route: the grantee's
// applicant picks the third party from the directory's government departments (the API's rule), says for what and ticks the grant's fields; the providing agency's
// reviewer finds the task in the inbox and consents; the grant shows the answer. Against the real API, worker, Temporal and
// PostgreSQL.
import type { Actor } from '../domain/types';
import { TEST_POLICIES, validShareBody, type Api } from './api-helpers';
import { type ConsoleRun, expectAccessible, open, openFromInbox, startConsole } from './console-harness';
import { eventually, type Harness, insertInstitution } from './helpers';

jest.setTimeout(180_000);

let run: ConsoleRun;
let h: Harness;
let api: Api;

beforeAll(async () => {
  run = await startConsole('consoleonward', { policies: { share: { ...TEST_POLICIES.share, onwardProvision: 'provider_consent' } } });
  ({ h, api } = run);
});
afterAll(async () => {
  await run?.close();
});

test('the grantee asks to provide its data to a third party; the provider consents from the inbox; the grant shows it', async () => {
  const applicant: Actor = { sub: 'li.applicant', org: h.city.agencies.market, roles: ['agency_applicant'] };
  const req = (
    await api.app.inject({ method: 'POST', url: '/share-requests', payload: validShareBody(h.city.entries.conditionalOpen), headers: api.as(applicant) })
  ).json();
  expect(req.status).toBe('granted');
  // A 事业单位 holding public data that is no government department: not offered as a third party.
  await insertInstitution(h, `${h.city.agencies.market}-centre`);

  const li = await run.signedIn('li.applicant');
  await open(li, `#/requests/${req.id}`);
  const form = li.locator('form.onward-provision');
  await form.waitFor();
  expect(await form.locator('h3').textContent()).toBe('申请向第三方提供');
  // Nothing picked: refused at the fields, in Chinese.
  await form.locator('button[type=submit]').click();
  await form.locator('.field-errors, [role=alert]').first().waitFor();
  // The third parties offered are the directory's government departments, as the API accepts (the 条例's consent route):
  // an authority among them; no institution that is none, nor the leading group.
  const offered = await li.locator('#onward-org option').allTextContents();
  expect(offered).toEqual(expect.arrayContaining(['日照市大数据发展局', '日照市卫生健康委员会']));
  expect(offered).not.toContain('日照市公共资源交易中心');
  expect(offered).not.toContain('日照市数字强市领导小组');
  const health = await li.locator('#onward-org option', { hasText: '卫生健康' }).first().getAttribute('value');
  await li.selectOption('#onward-org', health!);
  await li.fill('#onward-purpose', '联合开展医疗用地核查');
  await form.locator('#onward-fields input[type=checkbox]').first().check();
  await form.locator('button[type=submit]').click();
  await li.locator('.notice[role=status][aria-live=polite]').filter({ hasText: '等待数据提供单位同意' }).waitFor();
  await li.locator('.onward-provisions').getByText('待提供单位同意').waitFor();
  expect(await li.locator('form.onward-provision').count()).toBe(0);
  await expectAccessible(li);

  const gao = await run.signedIn('gao.resources');
  await openFromInbox(gao, req.id, 'SHARE_ONWARD_PROVISION');
  expect(await gao.locator('main h1').textContent()).toContain('向第三方提供');
  expect(await gao.locator('form.decide label[for="d-CONSENT"]').textContent()).toContain('同意向第三方提供');
  expect(await gao.locator('form.decide label[for="d-REFUSE"]').textContent()).toContain('不同意向第三方提供');
  await gao.check('#d-CONSENT');
  await gao.locator('form.decide button[type=submit]').click();
  await gao.locator('.notice[role=status][aria-live=polite]').filter({ hasText: '已作出决定' }).waitFor();
  await expectAccessible(gao);

  await eventually(async () => {
    const g = (await api.app.inject({ method: 'GET', url: `/grants/${req.grant.id}`, headers: api.as(applicant) })).json();
    return g.onwardProvisions?.[0]?.status === 'consented';
  });
  await open(li, `#/requests/${req.id}`);
  await li.locator('.onward-provisions').getByText('提供单位已同意').waitFor();
});
