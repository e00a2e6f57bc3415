// Grants carry Art. 15's terms; the grantee, the provider and the city authority find them; the
// provider or the city authority ends one early with a reason, through the workflow, audited.
import { randomUUID } from 'node:crypto';
import type { Actor } from '../domain/types';
import { startApi, validShareBody, type Api } from './api-helpers';
import { startHarness, type Harness } from './helpers';

let h: Harness;
let api: Api;
beforeAll(async () => {
  h = await startHarness('grants');
  api = await startApi(h);
});
afterAll(async () => {
  await api.app.close();
  await h.close();
});

const applicant = (): Actor => ({ sub: `gr-${randomUUID().slice(0, 6)}`, org: h.city.agencies.market, roles: ['agency_applicant'] });
const provider = (): Actor => ({ sub: 'gr-provider', org: h.city.agencies.health, roles: ['provider_reviewer'] });
const authority = (): Actor => ({ sub: 'gr-authority', org: h.city.cityAuthority, roles: ['authority_reviewer'] });
const call = (actor: Actor, method: 'GET' | 'POST', url: string, payload?: object) => api.app.inject({ method, url, payload, headers: api.as(actor) });

/** A conditional request through the Art. 14 review to its grant. */
async function granted(me = applicant()) {
  const req = (await call(me, 'POST', '/share-requests', { ...validShareBody(h.city.entries.conditional), fields: ['institution', 'beds'] })).json();
  const task = (kind: string) => req.tasks.find((t: { kind: string }) => t.kind === kind).id;
  await call(provider(), 'POST', `/tasks/${task('SHARE_PROVIDER_OPINION')}/complete`, { decision: 'AGREE' });
  const done = (await call(authority(), 'POST', `/tasks/${task('SHARE_JOINT_REVIEW')}/complete`, { decision: 'APPROVE' })).json();
  expect(done.status).toBe('granted');
  return { me, requestId: req.id as string, grantId: done.grant.id as string };
}

test('a grant carries the Art. 15 terms as the article reads them (the rule on third parties with its exception) and is listed for grantee, provider and city authority, not for others', async () => {
  const g = await granted();
  const view = (await call(g.me, 'GET', `/grants/${g.grantId}`)).json();
  expect(view).toMatchObject({
    status: 'active',
    granteeOrg: h.city.agencies.market,
    providerOrg: h.city.agencies.health,
    fields: ['institution', 'beds'],
    terms: {
      purpose: validShareBody('').scenario,
      statutoryDuty: validShareBody('').statutoryDuty,
      fields: ['institution', 'beds'],
      conditions: '仅用于履行卫生监管或公共服务职责',
      // Art. 15: 除法律、法规另有规定的外，不得以任何形式提供给第三方，不得用于其他任何目的.
      restrictions: [expect.stringContaining('除法律、法规另有规定的外，不得以任何形式提供给第三方'), expect.stringContaining('不得用于其他任何目的')],
    },
  });
  for (const who of [g.me, provider(), authority()]) expect(((await call(who, 'GET', '/grants?limit=100')).json().items as { id: string }[]).map((x) => x.id)).toContain(g.grantId);
  const stranger: Actor = { sub: 'gr-x', org: h.city.agencies.resources, roles: ['provider_reviewer', 'agency_applicant'] };
  expect(((await call(stranger, 'GET', '/grants?limit=100')).json().items as { id: string }[]).map((x) => x.id)).not.toContain(g.grantId);
  expect((await call(stranger, 'GET', `/grants/${g.grantId}`)).statusCode).toBe(404);
  expect((await call(g.me, 'GET', '/grants?status=revoked&limit=100')).json().items.map((x: { id: string }) => x.id)).not.toContain(g.grantId);
});

test('the provider revokes with a reason; the grantee may not; no reason is a 400; a second revoke a 409', async () => {
  const g = await granted();
  expect((await call(g.me, 'POST', `/grants/${g.grantId}/revoke`, { reason: 'not needed' })).statusCode).toBe(403);
  const noReason = await call(provider(), 'POST', `/grants/${g.grantId}/revoke`, { reason: '  ' });
  expect(noReason.statusCode).toBe(400);
  expect(noReason.json()).toMatchObject({ article: 'Art. 15' });
  const revoked = await call(provider(), 'POST', `/grants/${g.grantId}/revoke`, { reason: 'data used for advertising (misuse)' });
  expect(revoked.statusCode).toBe(200);
  expect(revoked.json()).toMatchObject({ status: 'revoked', endReason: 'data used for advertising (misuse)' });
  expect((await call(g.me, 'GET', `/requests/${g.requestId}`)).json().status).toBe('revoked');
  const history = (await call(authority(), 'GET', `/requests/${g.requestId}/history`)).json().items as { action: string; reason: string; actor: { role: string }; article: string }[];
  expect(history.find((e) => e.action === 'grant_revoked')).toMatchObject({ reason: 'data used for advertising (misuse)', actor: { role: 'provider_reviewer' }, article: 'Art. 15' });
  expect((await call(authority(), 'POST', `/grants/${g.grantId}/revoke`, { reason: 'again' })).statusCode).toBe(409);
});

test('the city authority revokes too', async () => {
  const g = await granted();
  const revoked = await call(authority(), 'POST', `/grants/${g.grantId}/revoke`, { reason: 'purpose achieved (共享目的已实现)' });
  expect(revoked.json()).toMatchObject({ status: 'revoked' });
});

test('the provider and the city authority revoke at the same moment: one revocation, the other refused', async () => {
  const g = await granted();
  const answers = await Promise.all([
    call(provider(), 'POST', `/grants/${g.grantId}/revoke`, { reason: 'misuse found by the provider' }),
    call(authority(), 'POST', `/grants/${g.grantId}/revoke`, { reason: 'misuse found by the authority' }),
  ]);
  expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 409]);
  const history = (await call(authority(), 'GET', `/requests/${g.requestId}/history`)).json().items as { action: string }[];
  expect(history.filter((e) => e.action === 'grant_revoked')).toHaveLength(1);
  // Odd but storable text is kept as written; text PostgreSQL refuses is a 400 naming the field.
  const other = await granted();
  expect((await call(provider(), 'POST', `/grants/${other.grantId}/revoke`, { reason: 'x\u0000' })).json()).toMatchObject({ status: 400, field: 'body.reason', rule: 'text' });
  const odd = '滥用🙂 \u202eRTL\u202c';
  expect((await call(provider(), 'POST', `/grants/${other.grantId}/revoke`, { reason: odd })).json()).toMatchObject({ status: 'revoked', endReason: odd });
});
