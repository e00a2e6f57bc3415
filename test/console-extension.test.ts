// 申请延期 in a real browser (《政务数据共享条例》): the provider's reviewer asks for more time on its opinion task, in
// working days and words; the head of its 政务数据共享工作机构 finds the approval in the inbox and approves it (同意延期);
// the opinion is due later. Against the real API, worker, Temporal and PostgreSQL.
import { validShareBody, type Api } from './api-helpers';
import { type ConsoleRun, expectAccessible, open, openFromInbox, startConsole } from './console-harness';
import { type Harness } from './helpers';

jest.setTimeout(120_000);

let run: ConsoleRun;
let h: Harness;
let api: Api;

beforeAll(async () => {
  run = await startConsole('consoleext');
  ({ h, api } = run);
});
afterAll(async () => {
  await run?.close();
});

test('the provider asks for more time from its task page; the head approves from the inbox; the opinion is due later', async () => {
  const res = await api.app.inject({
    method: 'POST',
    url: '/share-requests',
    payload: validShareBody(h.city.entries.conditional),
    headers: api.as({ sub: 'li.applicant', org: h.city.agencies.market, roles: ['agency_applicant'] }),
  });
  expect(res.statusCode).toBe(201);
  const request = res.json() as { id: string; tasks: { id: string; kind: string; dueAt: string }[] };
  const opinion = request.tasks.find((t) => t.kind === 'SHARE_PROVIDER_OPINION')!;

  const provider = await run.signedIn('zhao.provider');
  await openFromInbox(provider, request.id, 'SHARE_PROVIDER_OPINION');
  const form = provider.locator('form.extension-request');
  await form.waitFor();
  expect(await form.locator('h2').textContent()).toBe('申请延期');
  await provider.fill('#ext-days', '3');
  await provider.fill('#ext-reason', '需协调多个业务系统核实');
  await form.locator('button[type=submit]').click();
  const notice = provider.locator('.notice[role=status][aria-live=polite]');
  await notice.filter({ hasText: '已提交延期申请' }).waitFor();
  await expectAccessible(provider);

  const head = await run.signedIn('xu.head');
  await openFromInbox(head, request.id, 'SHARE_EXTENSION_APPROVAL');
  // The registry's words: the kind and both decisions in Chinese.
  expect(await head.locator('main h1').textContent()).toContain('延长答复期限审批');
  expect(await head.locator('form.decide label[for="d-APPROVE"]').textContent()).toContain('同意延期');
  expect(await head.locator('form.decide label[for="d-REFUSE"]').textContent()).toContain('不同意延期');
  await head.check('#d-APPROVE');
  await head.locator('form.decide button[type=submit]').click();
  await head.locator('.notice[role=status][aria-live=polite]').filter({ hasText: '已作出决定' }).waitFor();
  await expectAccessible(head);

  const moved = await h.db.selectFrom('tasks').select('due_at').where('id', '=', opinion.id).executeTakeFirstOrThrow();
  expect(moved.due_at.getTime()).toBeGreaterThan(Date.parse(opinion.dueAt));
  await open(provider, `#/requests/${request.id}`);
  await provider.getByText('经共享工作机构负责人同意延长答复期限').first().waitFor();
});
