// 申请续期 in a real browser (issue 24 §6): the grantee's applicant renews its grant from its request's page, the purpose
// filled from the grant and edited, the commitment ticked; the renewal opens as a request of its own under review, and the
// old grant shows it; approved, the old grant reads the renewed term's new end. Against the real API, worker, Temporal and PostgreSQL.
import type { Actor } from '../domain/types';
import { validShareBody, type Api } from './api-helpers';
import { type ConsoleRun, expectAccessible, open, startConsole } from './console-harness';
import { eventually, type Harness } from './helpers';

jest.setTimeout(180_000);

let run: ConsoleRun;
let h: Harness;
let api: Api;

beforeAll(async () => {
  run = await startConsole('consolerenewal');
  ({ h, api } = run);
});
afterAll(async () => {
  await run?.close();
});

test('the grantee asks for a renewal from its grant; the renewal is reviewed as a request of its own, linked to the grant', async () => {
  const applicant: Actor = { sub: 'li.applicant', org: h.city.agencies.market, roles: ['agency_applicant'] };
  const req = (
    await api.app.inject({ method: 'POST', url: '/share-requests', payload: validShareBody(h.city.entries.conditionalOpen), headers: api.as(applicant) })
  ).json();
  expect(req.status).toBe('granted');

  const li = await run.signedIn('li.applicant');
  await open(li, `#/requests/${req.id}`);
  const form = li.locator('form.renew-grant');
  await form.waitFor();
  expect(await form.locator('h3').textContent()).toBe('申请续期');
  // Pre-filled from the grant: its purpose and the duty the request served.
  expect(await li.inputValue('#renew-scenario')).toBe(validShareBody('').scenario);
  expect(await li.inputValue('#renew-duty')).toBe(validShareBody('').statutoryDuty);
  // The commitment not given again: refused, in Chinese.
  await form.locator('button[type=submit]').click();
  await form.locator('.field-errors, [role=alert]').first().waitFor();
  await li.fill('#renew-scenario', '继续开展宗地核查');
  await form.locator('input[type=checkbox]').check();
  await form.locator('button[type=submit]').click();
  await li.locator('.notice[role=status][aria-live=polite]').filter({ hasText: '已申请续期' }).waitFor();
  // On the renewal's own page: under review, the old grant named.
  await eventually(async () => !li.url().includes(req.id));
  const renewalId = decodeURIComponent(li.url().split('#/requests/')[1]);
  await li.getByText('审核中').first().waitFor();
  await expectAccessible(li);

  await open(li, `#/requests/${req.id}`);
  const grant = li.locator('section.grant');
  await grant.locator('.renewal a').waitFor();
  expect(await grant.locator('.renewal').textContent()).toContain('审核中');
  // A renewal pending: no second one offered.
  expect(await li.locator('form.renew-grant').count()).toBe(0);
  const view = (await api.app.inject({ method: 'GET', url: `/grants/${req.grant.id}`, headers: api.as(applicant) })).json();
  expect(view.renewal).toMatchObject({ requestId: renewalId, status: 'in_review', expiresAt: null });

  // Approved (the provider's AGREE and the authority's APPROVE, walked in the browser elsewhere): the old grant reads the
  // renewed term's new end, the new grant's own, which takes over at the old one's expiry.
  const authority: Actor = { sub: 'wang.authority', org: h.city.cityAuthority, roles: ['authority_reviewer'] };
  const provider: Actor = { sub: 'gao.resources', org: h.city.agencies.resources, roles: ['provider_reviewer'] };
  const tasks = (await api.app.inject({ method: 'GET', url: `/requests/${renewalId}`, headers: api.as(authority) })).json().tasks as {
    id: string;
    kind: string;
  }[];
  const task = (kind: string) => tasks.find((t) => t.kind === kind)!.id;
  const complete = (who: Actor, id: string, decision: string) =>
    api.app.inject({ method: 'POST', url: `/tasks/${id}/complete`, payload: { decision }, headers: api.as(who) });
  expect((await complete(provider, task('SHARE_PROVIDER_OPINION'), 'AGREE')).statusCode).toBe(200);
  const approved = (await complete(authority, task('SHARE_JOINT_REVIEW'), 'APPROVE')).json();
  expect(approved).toMatchObject({ status: 'granted', grant: { renews: req.grant.id, startsAt: req.grant.expiresAt } });
  const newEnd: string = approved.grant.expiresAt;
  expect(Date.parse(newEnd)).toBeGreaterThan(Date.parse(req.grant.expiresAt));
  await open(li, `#/requests/${req.id}?r=${Date.now()}`);
  const until = grant.locator('.renewed-until');
  await until.waitFor({ timeout: 15_000 });
  expect(await until.locator('dt').textContent()).toBe('续期后有效期至');
  const shown = (await until.locator('dd').textContent())!.trim();
  expect(await grant.locator('.renewal').textContent()).toContain('已同意');
  // The same end the renewal's own page gives its grant.
  await open(li, `#/requests/${renewalId}`);
  const own = li.locator('section.grant dl.facts div', { has: li.locator('dt', { hasText: '到期' }) }).locator('dd');
  await own.waitFor();
  expect((await own.textContent())!.trim()).toBe(shown);
  expect((await api.app.inject({ method: 'GET', url: `/grants/${req.grant.id}`, headers: api.as(applicant) })).json().renewal).toMatchObject({
    status: 'granted',
    expiresAt: newEnd,
  });
  await expectAccessible(li);
});
