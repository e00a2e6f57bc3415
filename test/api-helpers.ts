// An API on the test harness, and tokens for the seeded city's people.
import { buildApp } from '../api/app';
import { signToken } from '../api/auth';
import type { App } from '../api/types';
import type { SharePolicy } from '../domain/share';
import type { Actor, Role } from '../domain/types';
import { TEST_POLICY, type Harness } from './helpers';

export const TEST_JWT_SECRET = 'test-secret-0123456789-0123456789-abc';

export interface Api {
  app: App;
  token(sub: string, org: string, ...roles: Role[]): string;
  as(actor: Actor): { authorization: string };
}

export async function startApi(h: Harness, sharePolicy: SharePolicy = TEST_POLICY, engineTimeoutMs?: number): Promise<Api> {
  const app = await buildApp({ db: h.db, temporal: h.client, taskQueue: h.taskQueue, jwtSecret: TEST_JWT_SECRET, sharePolicy, engineTimeoutMs });
  await app.ready();
  const token = (sub: string, org: string, ...roles: Role[]) => signToken(app, { sub, org, roles });
  return { app, token, as: (a) => ({ authorization: `Bearer ${token(a.sub, a.org, ...a.roles)}` }) };
}

export const validShareBody = (catalogEntryId: string) => ({
  catalogEntryId,
  scenario: 'Licensing inspections of private clinics',
  statutoryDuty: 'Market supervision of medical advertising (广告法)',
  commitment: { authenticity: true, compliance: true, security: true },
});
