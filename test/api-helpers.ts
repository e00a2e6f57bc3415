// An API on the test harness, and tokens for the seeded city's people.
import { randomUUID } from 'node:crypto';
import { buildApp } from '../api/app';
import { signToken } from '../api/auth';
import type { ApiDeps, ApiMetrics, App } from '../api/types';
import { DEFAULT_OPEN_REQUEST_POLICY } from '../domain/open-request';
import type { Policies } from '../domain/policies';
import type { Actor, Role } from '../domain/types';
import { eventually, refusalForm, TEST_ADJUSTMENT_POLICY, TEST_DISPUTE_POLICY, TEST_POLICY, TEST_REFUSAL_DISPUTE_POLICY, type Harness } from './helpers';
import type { SeededCity } from '../db/seed';
import { demoUsers, sampleEntryContent, sampleResidentId, validOpenRequestBody, validShareBody } from '../db/seed';
import type { RequestType } from '../domain/procedures';

export const TEST_JWT_SECRET = 'test-secret-0123456789-0123456789-abc';

export interface Api {
  app: App;
  token(sub: string, org: string | null, ...roles: Role[]): string;
  /** Headers with a token for `actor`, carrying their name when given (as a real token's `name` does). */
  as(actor: Actor & { name?: string }): { authorization: string };
}

/** The deadlines startApi gives each procedure unless a test gives its own (the open application's tests give TEST_OPEN_REQUEST_POLICY). */
export const TEST_POLICIES: Policies = {
  share: TEST_POLICY,
  catalog_adjustment: TEST_ADJUSTMENT_POLICY,
  share_dispute: TEST_DISPUTE_POLICY,
  refusal_dispute: TEST_REFUSAL_DISPUTE_POLICY,
  open_demand: { answer: { seconds: 3600 }, reminderBefore: { seconds: 60 }, escalateAfter: { seconds: 3600 }, urgeInterval: { seconds: 3600 } },
  withdrawal: {
    review: { seconds: 3600 },
    applicantReply: { seconds: 3600 },
    reminderBefore: { seconds: 60 },
    escalateAfter: { seconds: 3600 },
    urgeInterval: { seconds: 3600 },
  },
  open_request: DEFAULT_OPEN_REQUEST_POLICY,
  correction: {
    verification: { seconds: 3600 },
    reporterReply: { seconds: 3600 },
    reminderBefore: { seconds: 60 },
    escalateAfter: { seconds: 3600 },
    urgeInterval: { seconds: 3600 },
  },
};

/** An API on the harness, each procedure's deadlines TEST_POLICIES' unless given by its request type. */
export async function startApi(
  h: Harness,
  o: {
    policies?: Partial<Policies>;
    agreementFont?: string;
    engineTimeoutMs?: number;
    consoleDir?: string;
    devSignIn?: boolean;
    platformOperators?: string[];
    metricsToken?: string;
    metrics?: ApiMetrics;
    logger?: ApiDeps['logger'];
    webhooksHttpsOnly?: boolean;
    eventStreams?: ApiDeps['eventStreams'];
    staffOidc?: ApiDeps['staffOidc'];
    refuseOwnTokens?: boolean;
  } = {},
): Promise<Api> {
  const app = await buildApp({
    db: h.db,
    eventsDatabaseUrl: process.env.TEST_DATABASE_URL,
    temporal: h.client,
    taskQueue: h.taskQueue,
    jwtSecret: TEST_JWT_SECRET,
    // The development sign-in offers the harness city's demo people (its member of the public named after the
    // city: principals are by person, and other files sign in chen.citizen).
    ...(o.devSignIn ? { devSignIn: true, devUsers: demoUsers(h.city).map((u) => (u.org === null ? { ...u, sub: `${u.sub}.${h.city.region}` } : u)) } : {}),
    policies: { ...TEST_POLICIES, ...o.policies },
    ...(o.agreementFont || process.env.AGREEMENT_FONT ? { agreementFont: o.agreementFont ?? process.env.AGREEMENT_FONT } : {}),
    ...(o.consoleDir ? { consoleDir: o.consoleDir } : {}),
    ...(o.platformOperators ? { platformOperators: o.platformOperators } : {}),
    ...(o.metricsToken ? { metricsToken: o.metricsToken } : {}),
    ...(o.metrics ? { metrics: o.metrics } : {}),
    ...(o.logger ? { logger: o.logger } : {}),
    ...(o.eventStreams ? { eventStreams: o.eventStreams } : {}),
    ...(o.webhooksHttpsOnly === undefined ? {} : { webhooksHttpsOnly: o.webhooksHttpsOnly }),
    ...(o.staffOidc ? { staffOidc: o.staffOidc } : {}),
    ...(o.refuseOwnTokens ? { refuseOwnTokens: true } : {}),
    engineTimeoutMs: o.engineTimeoutMs,
  });
  await app.ready();
  const token = (sub: string, org: string | null, ...roles: Role[]) => signToken(app, { sub, org, roles });
  return { app, token, as: (a) => ({ authorization: `Bearer ${signToken(app, a)}` }) };
}

/** A member of the public says who they are (PUT /principals/me), with a valid number of their own. */
export async function registerPrincipal(api: Api, actor: Actor, name = actor.sub): Promise<string> {
  const residentId = sampleResidentId(actor.sub);
  const res = await api.app.inject({ method: 'PUT', url: '/principals/me', payload: { kind: 'natural', name, residentId }, headers: api.as(actor) });
  if (res.statusCode !== 200) throw new Error(`PUT /principals/me answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
  return residentId;
}

export { refusalForm } from './helpers';

export { validOpenRequestBody, validShareBody };

export type Res = Awaited<ReturnType<Api['app']['inject']>>;

/** The body of an answer that must be `status`; otherwise an error saying what came instead. */
export function ok(res: Res, status = 200) {
  if (res.statusCode !== status) throw new Error(`${res.raw.req.method} ${res.raw.req.url} answered ${res.statusCode}: ${res.body.slice(0, 400)}`);
  return res.json();
}

/** Asserts an RFC 9457 problem with `status`, naming `field` and `rule` when given; returns its body. */
export function expectProblem(res: Awaited<ReturnType<Api['app']['inject']>>, status: number, field?: string, rule?: string) {
  expect(`${res.statusCode} ${res.raw.req.url} ${res.body.slice(0, 300)}`).toMatch(new RegExp(`^${status} `));
  expect(res.headers['content-type']).toContain('application/problem+json');
  const body = res.json();
  expect(body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
  if (field) expect(body.field ?? body.errors?.[0]?.field).toBe(field);
  if (rule) expect(body.rule ?? body.errors?.[0]?.rule).toBe(rule);
  return body;
}

/**
 * A share request of `applicant` for `city`'s conditional entry, refused: the provider disagrees and the city authority
 * rejects (Art. 14). Answers its id: what a refusal dispute starts from.
 */
export async function refusedShare(api: Api, city: SeededCity, applicant: Actor): Promise<string> {
  const call = (actor: Actor, url: string, payload?: object) =>
    api.app.inject({ method: payload ? 'POST' : 'GET', url, ...(payload ? { payload } : {}), headers: api.as(actor) });
  const created = await call(applicant, '/share-requests', validShareBody(city.entries.conditional));
  if (created.statusCode !== 201) throw new Error(`POST /share-requests answered ${created.statusCode}: ${created.body.slice(0, 300)}`);
  const id = created.json().id as string;
  const provider: Actor = { sub: `refuser.${city.region}`, org: city.agencies.health, roles: ['provider_reviewer'] };
  const authority: Actor = { sub: `rejecter.${city.region}`, org: city.cityAuthority, roles: ['authority_reviewer'] };
  const taskOf = (kind: string) =>
    eventually(async () =>
      ((await call(applicant, `/requests/${id}`)).json().tasks as { id: string; kind: string; status: string }[]).find(
        (t) => t.kind === kind && t.status === 'open',
      ),
    );
  const opinion = await taskOf('SHARE_PROVIDER_OPINION');
  const disagreed = await call(provider, `/tasks/${opinion.id}/complete`, { decision: 'DISAGREE', reason: '含患者信息,不予共享', form: refusalForm });
  if (disagreed.statusCode !== 200) throw new Error(`DISAGREE answered ${disagreed.statusCode}: ${disagreed.body.slice(0, 300)}`);
  const lead = await taskOf('SHARE_JOINT_REVIEW');
  const rejected = await call(authority, `/tasks/${lead.id}/complete`, { decision: 'REJECT', reason: '提供单位不同意共享', form: refusalForm });
  if (rejected.statusCode !== 200 || rejected.json().status !== 'rejected')
    throw new Error(`REJECT answered ${rejected.statusCode}: ${rejected.body.slice(0, 300)}`);
  return id;
}

/** A procedure whose competent body's task escalates: how to start one request of it, its task's kind, a decision that task takes. */
export interface EscalatingProcedure {
  route: string;
  kind: string;
  start: (api: Api) => Promise<{ starter: Actor; body: object }>;
  decide: { decision: string; reason?: string; form?: object };
}

/**
 * One request of each procedure whose competent body's task escalates, for `city` (read when a request starts, so a
 * test file names the table before its harness exists); people's subs begin with `prefix`.
 */
export function escalatingProcedures(
  city: () => SeededCity,
  prefix: string,
): Record<Exclude<RequestType, 'share_dispute' | 'refusal_dispute'>, EscalatingProcedure> {
  const citizen = (): Actor => ({ sub: `${prefix}-citizen-${randomUUID().slice(0, 6)}`, org: 'public', roles: ['public_applicant'] });
  const applicant = (org: string): Actor => ({ sub: `${prefix}-applicant-${randomUUID().slice(0, 6)}`, org, roles: ['agency_applicant'] });
  return {
    share: {
      route: '/share-requests',
      kind: 'SHARE_PROVIDER_OPINION',
      start: async () => ({ starter: applicant(city().agencies.market), body: validShareBody(city().entries.conditional) }),
      decide: { decision: 'AGREE' },
    },
    // The authority's own review (a county agency's change goes to the county authority).
    catalog_adjustment: {
      route: '/catalog/adjustments',
      kind: 'CATALOG_ADJUSTMENT_REVIEW',
      start: async () => ({
        starter: applicant(city().agencies.donggangMarket),
        body: {
          ground: 'new_system',
          justification: '新建系统编目',
          changes: [{ op: 'add', entry: sampleEntryContent(`督办目录 ${randomUUID().slice(0, 6)}`) }],
        },
      }),
      decide: { decision: 'REJECT', reason: '重复编目' },
    },
    open_request: {
      route: '/open-requests',
      kind: 'OPEN_REQUEST_REVIEW',
      start: async (api) => {
        const starter = citizen();
        await registerPrincipal(api, starter);
        return {
          starter,
          body: validOpenRequestBody(city().entries.conditionalOpen),
        };
      },
      decide: { decision: 'REJECT', reason: '用途不明确' },
    },
    withdrawal: {
      route: '/withdrawals',
      kind: 'WITHDRAWAL_REVIEW',
      start: async () => ({
        starter: citizen(),
        body: { catalogEntryId: city().entries.conditionalOpen, records: '地块 RZ-2026-017', right: '个人信息权益', reasons: '成交价格可识别到本人' },
      }),
      decide: { decision: 'DISMISS', reason: '不涉及个人信息' },
    },
    open_demand: {
      route: '/open-demands',
      kind: 'OPEN_DEMAND_ANSWER',
      start: async () => ({ starter: citizen(), body: { catalogEntryId: city().entries.none, description: '处罚结果', purpose: '研究' } }),
      decide: { decision: 'PLAN', reason: '年内开放' },
    },
    correction: {
      route: '/corrections',
      kind: 'CORRECTION_VERIFICATION',
      start: async () => ({
        starter: citizen(),
        body: { catalogEntryId: city().entries.unconditional, items: ['legal_representative'], problem: '法定代表人与营业执照不一致' },
      }),
      decide: { decision: 'NOT_AN_ERROR', reason: '与登记一致' },
    },
  };
}
