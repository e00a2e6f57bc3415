// 结束共享 in a real browser (《政务数据共享条例》, 共享目的已实现): the grantee's applicant ends its grant from its request's
// page, saying how the purpose was achieved and confirming the data deleted by pick lists and a date-time picker; the grant
// then reads who ended it and the deletion. Against the real API, worker, Temporal and PostgreSQL.
import type { Actor } from '../domain/types';
import { startApi, TEST_POLICIES, validShareBody, type Api } from './api-helpers';
import { type ConsoleRun, expectAccessible, open, openFromInbox, startConsole } from './console-harness';
import { eventually, type Harness } from './helpers';

jest.setTimeout(180_000);

let run: ConsoleRun;
let h: Harness;
let api: Api;

beforeAll(async () => {
  run = await startConsole('consolegrantend');
  ({ h, api } = run);
});
afterAll(async () => {
  await run?.close();
});

test('the grantee ends its grant from the request page, confirming the deletion; the grant shows it', async () => {
  const call = (actor: Actor, method: 'GET' | 'POST', url: string, payload?: object) => api.app.inject({ method, url, payload, headers: api.as(actor) });
  const applicant: Actor = { sub: 'li.applicant', org: h.city.agencies.market, roles: ['agency_applicant'] };
  const req = (await call(applicant, 'POST', '/share-requests', validShareBody(h.city.entries.conditional))).json();
  const task = (kind: string) => req.tasks.find((t: { kind: string }) => t.kind === kind).id as string;
  await call({ sub: 'cge-provider', org: h.city.agencies.health, roles: ['provider_reviewer'] }, 'POST', `/tasks/${task('SHARE_PROVIDER_OPINION')}/complete`, {
    decision: 'AGREE',
  });
  const done = await call(
    { sub: 'cge-authority', org: h.city.cityAuthority, roles: ['authority_reviewer'] },
    'POST',
    `/tasks/${task('SHARE_JOINT_REVIEW')}/complete`,
    {
      decision: 'APPROVE',
    },
  );
  expect(done.json().status).toBe('granted');

  const li = await run.signedIn('li.applicant');
  await open(li, `#/requests/${req.id}`);
  const form = li.locator('form.end-grant');
  await form.waitFor();
  expect(await form.locator('h3').textContent()).toBe('结束共享');
  expect(await form.locator('#deletion-method option').allTextContents()).toEqual(['逻辑删除', '物理删除', '介质销毁']);
  await li.fill('#end-reason', '专项检查已完成');
  await li.fill('#deleted-by', '张三');
  await li.selectOption('#deletion-method', 'physical');
  // Not ticked: all the data received is not confirmed deleted, a refusal at the box in Chinese.
  await form.locator('button[type=submit]').click();
  await form.getByText('请确认已删除通过本次共享接收的全部数据').waitFor();
  await form.locator('input[type=checkbox]').check();
  await form.locator('button[type=submit]').click();
  await li.locator('.notice[role=status][aria-live=polite]').filter({ hasText: '已结束共享' }).waitFor();
  const grant = li.locator('section.grant');
  await grant.getByText('物理删除').waitFor();
  expect(await grant.textContent()).toContain('张三');
  expect(await li.locator('form.end-grant').count()).toBe(0);
  await expectAccessible(li);
  const view = (await call(applicant, 'GET', `/grants/${done.json().grant.id}`)).json();
  expect(view).toMatchObject({ status: 'revoked', endedBy: { role: 'agency_applicant' }, deletion: { deletedBy: '张三', method: 'physical', scope: true } });
});

test('the provider’s stop, consented by the city authority, is shown to the grantee before it takes effect: when sharing ends, and a notice', async () => {
  const call = (actor: Actor, method: 'GET' | 'POST', url: string, payload?: object) => api.app.inject({ method, url, payload, headers: api.as(actor) });
  const applicant: Actor = { sub: 'li.applicant', org: h.city.agencies.market, roles: ['agency_applicant'] };
  const req = (await call(applicant, 'POST', '/share-requests', validShareBody(h.city.entries.conditionalOpen))).json();
  expect(req.status).toBe('granted');
  const asked = await call({ sub: 'cge-resources', org: h.city.agencies.resources, roles: ['provider_reviewer'] }, 'POST', `/grants/${req.grant.id}/revoke`, {
    ground: 'attribute_changed',
    reason: '目录拟调整为有条件共享',
  });
  expect(asked.statusCode).toBe(202);
  const consented = await call(
    { sub: 'cge-authority', org: h.city.cityAuthority, roles: ['authority_reviewer'] },
    'POST',
    `/tasks/${asked.json().revocation.taskId}/complete`,
    {
      decision: 'CONSENT',
    },
  );
  expect(consented.json()).toMatchObject({ status: 'granted', grant: { status: 'active' } });

  const li = await run.signedIn('li.applicant');
  await open(li, `#/requests/${req.id}`);
  const stop = li.locator('section.grant .stop-scheduled');
  await stop.waitFor();
  expect(await stop.locator('dt').textContent()).toBe('主管部门已同意终止共享，终止时间');
  expect(await stop.locator('dd').textContent()).toContain('目录拟调整为有条件共享');
  await open(li, '#/notifications');
  await li
    .getByText(/共享将于 .* 终止/)
    .first()
    .waitFor();
  await expectAccessible(li);
});

test('使用记录: the grantee files its period’s usage records from its inbox, a date-time picked; the provider reads them on the request’s page', async () => {
  // Reports every 30 seconds: the first falls due half a minute after the grant.
  const reporting = await startApi(h, { policies: { share: { ...TEST_POLICIES.share, usageReport: { seconds: 30 } } } });
  try {
    const applicant: Actor = { sub: 'li.applicant', org: h.city.agencies.market, roles: ['agency_applicant'] };
    const as = (actor: Actor, url: string, payload?: object) =>
      reporting.app.inject({ method: payload ? 'POST' : 'GET', url, payload, headers: reporting.as(actor) }).then((r) => r.json());
    // A conditional request, reviewed by the provider and the city authority, granted.
    const req = await as(applicant, '/share-requests', validShareBody(h.city.entries.conditional));
    const open1 = (kind: string) => req.tasks.find((t: { kind: string }) => t.kind === kind).id as string;
    await as({ sub: 'zhao.provider', org: h.city.agencies.health, roles: ['provider_reviewer'] }, `/tasks/${open1('SHARE_PROVIDER_OPINION')}/complete`, {
      decision: 'AGREE',
    });
    const done = await as(
      { sub: 'wang.authority', org: h.city.cityAuthority, roles: ['authority_reviewer'] },
      `/tasks/${open1('SHARE_JOINT_REVIEW')}/complete`,
      {
        decision: 'APPROVE',
      },
    );
    expect(done.status).toBe('granted');
    const task = await eventually(async () => {
      const tasks = (await api.app.inject({ method: 'GET', url: `/requests/${req.id}`, headers: api.as(applicant) })).json().tasks as {
        kind: string;
        status: string;
        context: { period: { from: string } };
      }[];
      return tasks.find((t) => t.kind === 'SHARE_USAGE_REPORT' && t.status === 'open');
    }, 60_000);
    const li = await run.signedIn('li.applicant');
    await openFromInbox(li, req.id, 'SHARE_USAGE_REPORT');
    expect(await li.textContent('h1')).toContain('报送使用记录');
    await li.getByRole('button', { name: /添加一项.*使用记录/ }).click();
    await li.getByLabel('使用人').fill('张三');
    // A moment within the report's period, as the browser's own clock reads it.
    const local = await li.evaluate(
      (iso) => {
        const d = new Date(iso);
        return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
      },
      new Date(Date.parse(task.context.period.from) + 5000).toISOString(),
    );
    await li.getByLabel('使用时间').fill(local);
    await li.getByLabel('用途').fill('核查企业登记信息');
    await expectAccessible(li);
    await li.check('#d-FILE');
    await li.click('form.decide button[type=submit]');
    await li.waitForSelector('.notice:has-text("已作出决定")');

    // The providing agency's reviewer reads them on the request's page.
    const zhao = await run.signedIn('zhao.provider');
    await open(zhao, `#/requests/${req.id}`);
    const usage = zhao.locator('section.usage-records');
    await usage.locator('td:has-text("张三")').waitFor();
    expect(await usage.textContent()).toContain('核查企业登记信息');
    expect(await usage.locator('h3').textContent()).toBe('使用记录');
    await expectAccessible(zhao);
  } finally {
    await reporting.app.close();
  }
});
