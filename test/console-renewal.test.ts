// 申请续期 in a real browser (issue 24 §6): the grantee's applicant renews its grant from its request's page, the purpose
// filled from the grant and edited, the commitment ticked; the renewal opens as a request of its own under review, and the
// old grant shows it. Against the real API, worker, Temporal and PostgreSQL.
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
  expect(view.renewal).toMatchObject({ requestId: renewalId, status: 'in_review' });
});
