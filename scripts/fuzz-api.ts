// Property-based requests against every route of a running API over real HTTP, with real tokens of
// every role and hostile ones. Shared by `npm run fuzz` (scripts/fuzz.ts) and the test suite.
import { NOTICE_EVENTS } from '../domain/notifications';
import http from 'node:http';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Client } from '@temporalio/client';
import fc from 'fast-check';
import { createSigner } from 'fast-jwt';
import type { Db } from '../db';
import { sampleEntryContent, type SeededCity } from '../db/seed';
import { DELETION_METHODS, REVOCATION_GROUND_CODES } from '../domain/share';
import { TASK_KINDS } from '../domain/tasks';
import type { Actor } from '../domain/types';

export interface FuzzTarget {
  baseUrl: string;
  jwtSecret: string;
  db: Db;
  client: Client;
  taskQueue: string;
  city: SeededCity;
  /** Another city, whose admin reaches nothing of `city` (admins act within their own city). */
  farCity: SeededCity;
}

export interface FuzzReport {
  cases: number;
  statuses: Record<string, number>;
  failures: string[];
  maxLatencyMs: number;
  retryingWorkflows: string[];
  heapGrowthMiB: number;
  seconds: number;
}

const HOSTILE_TEXT = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udc00x',
  '%00',
  '%ED%A0%80',
  '%ZZ',
  '../../etc/passwd',
  "'; drop table requests; --",
  '🙂'.repeat(50),
  'x'.repeat(5000),
  '',
  ' ',
  'Infinity',
  '1e309',
  '-1',
  'NaN',
  'null',
  '{}',
  '2016-12-31T23:59:60Z',
  '-271821-04-20T00:00:00Z',
];

/** Text of every kind: hostile classics, random code points including lone surrogates, long runs. */
const text = fc.oneof(fc.constantFrom(...HOSTILE_TEXT), fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ maxLength: 20 }));

/** A path segment: mostly ids the API knows, otherwise text, percent-encoded as a browser would (or raw). */
function segment(known: () => string[]) {
  return fc.oneof(
    { weight: 3, arbitrary: fc.nat().map((n) => known()[n % Math.max(1, known().length)] ?? 'none') },
    { weight: 2, arbitrary: text.map((s) => encodeSegment(s)) },
    { weight: 1, arbitrary: fc.constantFrom('%00', '%ZZ', '%ED%A0%80', '%', 'a'.repeat(700)) },
  );
}

function encodeSegment(s: string): string {
  return [...Buffer.from(s, 'utf8')]
    .map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0').toUpperCase()}`))
    .join('');
}

const jsonish: fc.Arbitrary<unknown> = fc.oneof(fc.jsonValue({ maxDepth: 4 }), text, fc.constantFrom(1, -1, 1.5, 1e308, true, false, null, [], {}));

export async function runFuzz(
  target: FuzzTarget,
  { count, seed, log = console.log }: { count: number; seed: number; log?: (s: string) => void },
): Promise<FuzzReport> {
  const { city } = target;
  const began = Date.now();
  const actors: Actor[] = [
    { sub: 'fz-alice', org: city.agencies.market, roles: ['agency_applicant'] },
    { sub: 'fz-ann', org: city.agencies.health, roles: ['agency_applicant', 'provider_reviewer'] },
    { sub: 'fz-bob', org: city.cityAuthority, roles: ['authority_reviewer'] },
    { sub: 'fz-carol', org: city.agencies.health, roles: ['provider_reviewer'] },
    { sub: 'fz-sue', org: city.cityAuthority, roles: ['supervisor'] },
    { sub: 'fz-county', org: city.countyAuthority, roles: ['authority_reviewer'] },
    { sub: 'fz-admin', org: city.cityAuthority, roles: ['admin'] },
    { sub: 'fz-far-admin', org: target.farCity.cityAuthority, roles: ['admin'] },
    { sub: 'fz-citizen', org: 'public', roles: ['public_applicant'] },
    // A member of the public who may say they are a legal person (PUT /principals/me) and administer agents.
    { sub: 'fz-corp', org: 'public', roles: ['public_applicant'] },
    { sub: 'fz-lg', org: city.leadingGroup, roles: ['leading_group'] },
    // The head of the health commission's sharing work: decides its provider's extensions of an answer.
    { sub: 'fz-xu', org: city.agencies.health, roles: ['sharing_head'] },
  ];
  const sign = (claims: object, opts: object = { expiresIn: 3_600_000 }) => createSigner({ key: target.jwtSecret, ...opts })(claims);
  const tokens: (string | null)[] = [
    ...actors.map((a) => sign({ sub: a.sub, org: a.org, roles: a.roles })),
    null,
    'garbage',
    sign({ sub: 'x', org: city.cityAuthority, roles: ['admin'] }, {}),
    sign({ sub: 'x', org: city.cityAuthority, roles: ['admin'] }, { algorithm: 'HS512', expiresIn: 60_000 }),
    createSigner({ key: 'wrong-secret-0123456789-0123456789-x', expiresIn: 60_000 })({ sub: 'x', org: city.cityAuthority, roles: ['admin'] }),
    sign({ sub: 'x\u0000', org: city.cityAuthority, roles: ['admin'] }),
    sign({ sub: 'x', org: 'nowhere', roles: ['supervisor'] }),
    sign({ sub: 'x', org: city.cityAuthority, roles: ['emperor'] }),
  ];

  // Ids the API knows, refreshed as the fuzz creates requests and tasks: this city's only, whose
  // workflows this run's worker serves (other cities' may have no worker left: that is the engine timeout's case).
  const ownOrgs = [city.cityAuthority, city.countyAuthority, city.secondCountyAuthority, city.leadingGroup, ...Object.values(city.agencies)];
  let requestIds: string[] = [];
  let taskIds: string[] = [];
  let grantIds: string[] = [];
  let agreementIds: string[] = [];
  let agentIds: string[] = [];
  let delegationIds: string[] = [];
  let webhookIds: string[] = [];
  let deadLetterIds: string[] = [];
  const refresh = async () => {
    webhookIds = (
      await target.db.selectFrom('webhook_subscriptions').select('id').where('org', 'in', ownOrgs).orderBy('created_at', 'desc').limit(50).execute()
    ).map((r) => r.id);
    deadLetterIds = (
      await target.db.selectFrom('notification_outbox').select('id').where('recipient_org', 'in', ownOrgs).orderBy('id', 'desc').limit(50).execute()
    ).map((r) => String(r.id));
    delegationIds = (await target.db.selectFrom('delegations').select('id').where('org', 'in', ownOrgs).orderBy('created_at', 'desc').limit(50).execute()).map(
      (r) => r.id,
    );
    agentIds = (await target.db.selectFrom('legal_person_agents').select('id').orderBy('authorised_at', 'desc').limit(50).execute()).map((r) => r.id);
    agreementIds = (
      await target.db.selectFrom('agreements').select('id').where('provider_org', 'in', ownOrgs).orderBy('created_at', 'desc').limit(50).execute()
    ).map((r) => r.id);
    requestIds = (await target.db.selectFrom('requests').select('id').where('applicant_org', 'in', ownOrgs).orderBy('seq', 'desc').limit(50).execute()).map(
      (r) => r.id,
    );
    grantIds = (await target.db.selectFrom('grants').select('id').where('grantee_org', 'in', ownOrgs).orderBy('granted_at', 'desc').limit(50).execute()).map(
      (r) => r.id,
    );
    taskIds = (
      await target.db
        .selectFrom('tasks')
        .where('candidate_org', 'in', ownOrgs)
        .select('id')
        .where('status', '=', 'open')
        .orderBy('created_at', 'desc')
        .limit(50)
        .execute()
    ).map((r) => r.id);
  };
  await refresh();

  const validShare = fc.constantFrom(city.entries.conditional, city.entries.unconditional, city.entries.none).map((catalogEntryId) => ({
    catalogEntryId,
    scenario: 'fuzzed inspection',
    statutoryDuty: 'market supervision',
    commitment: { authenticity: true, compliance: true, security: true },
  }));
  const shareBody = fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .tuple(validShare, fc.constantFrom('catalogEntryId', 'scenario', 'statutoryDuty', 'fields', 'commitment', 'extra'), jsonish)
        .map(([b, k, v]) => ({ ...b, [k]: v })),
    },
    { weight: 2, arbitrary: validShare },
    { weight: 1, arbitrary: jsonish },
  );
  // Adjustments (Art. 9 ¶2): a valid one (a new entry, or removing an entry at a guessed version), one with a part
  // replaced by anything, or anything at all; also as a RESUBMIT's form.
  const validAdjustment = fc
    .tuple(
      text,
      fc.constantFrom<object>(
        { op: 'add', entry: sampleEntryContent('fuzz 目录') },
        { op: 'add', entry: { ...sampleEntryContent('fuzz 重点目录'), priorityOpen: true } },
        { op: 'remove', entryId: city.entries.none, baseVersion: 1 },
      ),
    )
    .map(([justification, change]) => ({
      ground: 'correction',
      justification: `fuzz ${justification}`,
      changes: [change],
    }));
  const adjustmentBody = fc.oneof(
    {
      weight: 2,
      arbitrary: fc.tuple(validAdjustment, fc.constantFrom('ground', 'justification', 'changes', 'extra'), jsonish).map(([b, k, v]) => ({ ...b, [k]: v })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(validAdjustment, fc.constantFrom('title', 'fields', 'share', 'open', 'form', 'priorityOpen'), jsonish)
        .map(([b, k, v]) => ({ ...b, changes: [{ op: 'add', entry: { ...sampleEntryContent('fuzz'), [k]: v } }] })),
    },
    { weight: 1, arbitrary: validAdjustment },
    { weight: 1, arbitrary: jsonish },
  );
  // Disputes (Art. 13 ¶3): a valid one on a city-level entry, one with a part replaced by anything, or anything.
  const validDispute = fc
    .tuple(fc.constantFrom(city.entries.unconditional, city.entries.conditional, city.entries.countyConditional), text)
    .map(([catalogEntryId, objection]) => ({
      catalogEntryId,
      proposal: { attribute: 'CONDITIONAL', reasons: 'fuzz', conditions: 'fuzz', basis: [] },
      objection: `fuzz ${objection}`,
    }));
  const disputeBody = fc.oneof(
    {
      weight: 2,
      arbitrary: fc.tuple(validDispute, fc.constantFrom('catalogEntryId', 'proposal', 'objection', 'extra'), jsonish).map(([b, k, v]) => ({ ...b, [k]: v })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(validDispute, fc.constantFrom('attribute', 'reasons', 'conditions', 'basis'), jsonish)
        .map(([b, k, v]) => ({ ...b, proposal: { ...b.proposal, [k]: v } })),
    },
    { weight: 1, arbitrary: validDispute },
    { weight: 1, arbitrary: jsonish },
  );
  const decisionBody = fc.record(
    {
      decision: fc.oneof(
        fc.constantFrom(
          'APPROVE',
          'REJECT',
          'REQUEST_INFO',
          'CONSULT',
          'AGREE',
          'DISAGREE',
          'REPLY',
          'RETURN',
          'RESUBMIT',
          'ABANDON',
          'ACCEPT',
          'COUNTER',
          'NO_AGREEMENT',
          'DECIDE',
          'PLAN',
          'DECLINE',
          'RESPOND',
          'SUSPEND',
          'UPHOLD',
          'DISMISS',
          'EXTEND',
          'SIGN',
          'REPORT',
          'CONFIRM',
          'CONSENT',
          'REFUSE',
          'CORRECTED',
          'NOT_AN_ERROR',
          'FILE',
          'SETTLE',
          'FAIL',
          'GRANT',
        ),
        text,
      ),
      reason: fc.oneof(text, fc.constant('because')),
      form: fc.oneof(
        jsonish,
        fc.dictionary(text, jsonish, { maxKeys: 3 }),
        adjustmentBody,
        disputeBody.map((d) => (d as { proposal?: unknown } | null)?.proposal ?? d),
        // A refusal dispute's position or grant: the entry's fields or anything, conditions or none.
        fc.record(
          {
            grant: fc.oneof(fc.boolean(), jsonish),
            fields: fc.oneof(fc.array(fc.oneof(fc.constantFrom('institution', 'beds'), text), { maxLength: 3 }), jsonish),
            conditions: fc.oneof(fc.constant(null), text),
          },
          { requiredKeys: [] },
        ),
        fc.record({ corrected: text, publishedAt: fc.oneof(text, fc.constantFrom('2026-12-10', '2026-02-30')) }, { requiredKeys: [] }),
        // A refusal's legal basis (DISAGREE, REJECT): levels of the list and not, blank and odd titles and articles.
        fc.record({
          basis: fc.oneof(
            jsonish,
            fc.array(
              fc.record(
                {
                  level: fc.oneof(fc.constantFrom('law', 'regulation', 'rules', 'administrative_regulation', 'state_council_decision'), text),
                  title: text,
                  article: text,
                },
                { requiredKeys: [] },
              ),
              { maxLength: 3 },
            ),
          ),
        }),
        // A usage report's records (《政务数据共享条例》使用记录): well formed or odd, with or without noUse.
        fc.record(
          {
            records: fc.oneof(
              fc.array(
                fc.record(
                  { user: text, usedAt: fc.oneof(text, fc.constantFrom(new Date().toISOString(), '2026-13-45T99:00:00Z')), purpose: text },
                  { requiredKeys: [] },
                ),
                { maxLength: 3 },
              ),
              jsonish,
            ),
            noUse: fc.oneof(fc.boolean(), jsonish),
          },
          { requiredKeys: [] },
        ),
      ),
    },
    { requiredKeys: ['decision'] },
  );
  const query = (keys: string[]) =>
    fc
      .dictionary(
        fc.constantFrom(...keys, 'limit', 'cursor', 'junk'),
        fc.oneof(text, fc.constantFrom('1', '20', '100', 'open', 'true', '2026-01-01T00:00:00Z', 'due', 'RZ-GX-20261205-0001')),
        { maxKeys: 3 },
      )
      .map((q) =>
        Object.entries(q)
          .map(([k, v]) => `${k}=${encodeSegment(v)}`)
          .join('&'),
      );
  const req = (id: () => string[]) => segment(id);

  type Call = { method: string; path: string; body?: unknown; raw?: string; headers?: Record<string, string> };
  const call: fc.Arbitrary<Call> = fc.oneof(
    shareBody.chain((body) =>
      fc.option(text, { nil: undefined }).map((key) => ({
        method: 'POST',
        path: '/share-requests',
        body,
        headers: (key === undefined ? {} : { 'idempotency-key': encodeSegment(key).slice(0, 300) }) as Record<string, string>,
      })),
    ),
    adjustmentBody.map((body) => ({ method: 'POST', path: '/catalog/adjustments', body })),
    disputeBody.map((body) => ({ method: 'POST', path: '/disputes', body })),
    // A refusal dispute: of a request the API knows (refused or not) or of anything, with a body valid, broken at one key, or anything.
    fc
      .tuple(
        fc.oneof(
          fc.nat().map((n) => requestIds[n % Math.max(1, requestIds.length)] ?? 'none'),
          text,
        ),
        fc.option(fc.constantFrom('shareRequestId', 'reason', 'fields', 'conditions', 'extra'), { nil: undefined }),
        jsonish,
        fc.option(fc.array(fc.oneof(fc.constantFrom('institution', 'licence_no', 'beds'), text), { maxLength: 3 }), { nil: undefined }),
      )
      .map(([shareRequestId, k, v, fields]) => ({
        method: 'POST',
        path: '/refusal-disputes',
        body: { shareRequestId, reason: 'fuzz', ...(fields ? { fields } : {}), ...(k ? { [k]: v } : {}) },
      })),
    fc
      .tuple(
        fc.constantFrom(city.entries.conditional, city.entries.none, 'no-such-entry'),
        text,
        fc.option(fc.constantFrom('catalogEntryId', 'records', 'right', 'reasons', 'extra')),
        jsonish,
      )
      .map(([catalogEntryId, words, k, v]) => ({
        method: 'POST',
        path: '/withdrawals',
        body: { catalogEntryId, right: `fuzz ${words}`, reasons: words, ...(k ? { [k]: v } : {}) },
      })),
    fc
      .tuple(
        fc.constantFrom<object>({ catalogEntryId: city.entries.none }, { providerOrgId: city.agencies.health }, {}),
        text,
        fc.option(fc.constantFrom('description', 'purpose', 'catalogEntryId', 'providerOrgId', 'extra')),
        jsonish,
      )
      .map(([target, words, k, v]) => ({
        method: 'POST',
        path: '/open-demands',
        body: { ...target, description: `fuzz ${words}`, purpose: words, ...(k ? { [k]: v } : {}) },
      })),
    fc
      .tuple(
        fc.constantFrom(city.entries.conditional, city.entries.unconditional, city.entries.none, 'no-such-entry'),
        text,
        fc.option(fc.constantFrom('purpose', 'scenario', 'fields', 'accessMethod', 'securityMeasures', 'termMonths', 'catalogEntryId', 'extra')),
        jsonish,
      )
      .map(([catalogEntryId, words, k, v]) => ({
        method: 'POST',
        path: '/open-requests',
        body: {
          catalogEntryId,
          purpose: `fuzz ${words}`,
          scenario: words,
          accessMethod: 'api',
          securityMeasures: words,
          termMonths: 6,
          ...(k ? { [k]: v } : {}),
        },
      })),
    // Error reports (Art. 11): data open to all (anyone reports), shared on conditions, not open, no entry; items, records, evidence.
    fc
      .tuple(
        fc.constantFrom(city.entries.unconditional, city.entries.conditional, city.entries.none, 'no-such-entry'),
        text,
        fc.option(fc.constantFrom('catalogEntryId', 'items', 'records', 'problem', 'evidence', 'extra')),
        jsonish,
      )
      .map(([catalogEntryId, words, k, v]) => ({
        method: 'POST',
        path: '/corrections',
        body: {
          catalogEntryId,
          items: ['name'],
          problem: `fuzz ${words}`,
          evidence: [{ name: words || 'x', sha256: 'ab'.repeat(32) }],
          ...(k ? { [k]: v } : {}),
        },
      })),
    fc
      .tuple(
        segment(() => [city.entries.unconditional]),
        query([]),
      )
      .map(([id, q]) => ({ method: 'GET', path: `/catalog/${id}/corrections?${q}` })),
    // Data refreshes (Art. 10): the provider's entry (its staff may record) or another's; a day well formed, near today,
    // malformed or anything; a note or odd JSON; under an Idempotency-Key or none.
    fc
      .tuple(
        segment(() => [city.entries.conditional, city.entries.unconditional]),
        fc.oneof(
          fc.integer({ min: -3, max: 3 }).map((d) => new Date(Date.now() + 8 * 3_600_000 + d * 86_400_000).toISOString().slice(0, 10)),
          fc.constantFrom('2026-02-30', '0000-00-00', '2026-1-1', '9999-12-31'),
          text,
        ),
        fc.option(fc.oneof(text, jsonish)),
        fc.option(fc.constantFrom('refresh-a', 'refresh-b')),
      )
      .map(([id, day, note, key]) => ({
        method: 'POST',
        path: `/catalog/${id}/refreshes`,
        body: { dataUpdatedOn: day, ...(note === null ? {} : { note }) },
        headers: (key === null ? {} : { 'idempotency-key': key }) as Record<string, string>,
      })),
    fc
      .tuple(
        segment(() => [city.entries.conditional]),
        query([]),
      )
      .map(([id, q]) => ({ method: 'GET', path: `/catalog/${id}/refreshes?${q}` })),
    query(['status', 'catalogEntryId', 'requestId']).map((q) => ({ method: 'GET', path: `/agreements?${q}` })),
    fc
      .tuple(
        fc.constantFrom('natural', 'legal'),
        text,
        fc.oneof(text, fc.constantFrom('11010519491231002X', '91350100M000100Y43', '110105194912310021')),
        fc.option(jsonish),
      )
      .map(([kind, name, number, extra]) => ({
        method: 'PUT',
        path: '/principals/me',
        body: { kind, name, [kind === 'natural' ? 'residentId' : 'uscc']: number, ...(extra === null ? {} : { extra }) },
      })),
    fc.constant({ method: 'GET', path: '/principals/me' }),
    // A legal person's agents (经办人): listed, authorised by name and number, revoked by id.
    fc.constant({ method: 'GET', path: '/principals/me/agents' }),
    fc
      .tuple(
        fc.oneof(text, fc.constant('张三')),
        fc.option(fc.oneof(fc.constantFrom('resident', 'hmt_residence_permit', 'foreign_permanent_residence'), text)),
        fc.oneof(text, fc.constantFrom('11010519491231002X', '110105194912310021')),
        fc.option(jsonish),
      )
      .map(([name, documentType, residentId, extra]) => ({
        method: 'POST',
        path: '/principals/me/agents',
        body: { name, residentId, ...(documentType === null ? {} : { documentType }), ...(extra === null ? {} : { extra }) },
      })),
    segment(() => agentIds).map((id) => ({ method: 'DELETE', path: `/principals/me/agents/${id}` })),
    // Applying in a legal person's name: a code one acts for, or not, or anything.
    fc
      .tuple(
        fc.constantFrom<object>({ catalogEntryId: city.entries.none, description: 'fuzz', purpose: 'fuzz' }),
        fc.oneof(text, fc.constantFrom('91350100M000100Y43', '91350100M000100Y44')),
      )
      .map(([body, onBehalfOf]) => ({ method: 'POST', path: '/open-demands', body: { ...body, onBehalfOf } })),
    fc
      .tuple(fc.constantFrom(city.entries.conditional, 'no-such-entry'), fc.oneof(text, fc.constantFrom('91350100M000100Y43', '91350100M000100Y44')))
      .map(([catalogEntryId, onBehalfOf]) => ({
        method: 'POST',
        path: '/open-requests',
        body: { catalogEntryId, purpose: 'fuzz', scenario: 'fuzz', accessMethod: 'api', securityMeasures: 'fuzz', termMonths: 6, onBehalfOf },
      })),
    segment(() => ['1', '20', '33', '34', '0', '-1']).map((n) => ({ method: 'GET', path: `/articles/${n}` })),
    fc.constantFrom('/task-kinds', '/request-types', '/me', '/articles', '/organisations').map((path) => ({ method: 'GET', path })),
    // The event stream, bounded by its `seconds` (a stream that may last ten minutes has no place in a fuzz).
    fc.constantFrom('1', '0', '601', '-1', 'x', '1.5', '').map((n) => ({ method: 'GET', path: `/events?seconds=${n}` })),
    fc
      .tuple(
        fc.oneof(fc.constantFrom('2026-10-01', '2026-02-30', '2026-13-01', '0000-00-00', '9999-12-31'), text),
        fc.oneof(fc.constantFrom('2026-10-31', '2028-01-01', '2025-01-01'), text),
      )
      .map(([from, to]) => ({ method: 'GET', path: `/calendar?from=${encodeSegment(from)}&to=${encodeSegment(to)}` })),
    fc
      .oneof(
        fc.constantFrom('', 'index.html', 'assets/none.js', '../package.json', '%2e%2e%2fpackage.json', '..%2f..%2fetc%2fpasswd', 'assets/%00.js'),
        segment(() => ['index.html']),
      )
      .map((tail) => ({ method: 'GET', path: `/console/${tail}` })),
    fc
      .tuple(
        req(() => agreementIds),
        fc.constantFrom('', '/document', '/document.pdf'),
      )
      .map(([id, tail]) => ({ method: 'GET', path: `/agreements/${id}${tail}` })),
    fc
      .tuple(
        req(() => agreementIds),
        fc.oneof(fc.record({ reason: text }), jsonish),
      )
      .map(([id, body]) => ({ method: 'POST', path: `/agreements/${id}/terminate`, body })),
    fc
      .tuple(
        req(() => requestIds),
        fc.oneof(
          fc.record({ kind: fc.oneof(fc.constantFrom('public', 'enterprise', 'industry_org', 'department'), text), text }, { requiredKeys: [] }),
          jsonish,
        ),
      )
      .map(([id, body]) => ({
        method: 'POST',
        path: `/catalog/adjustments/${id}/comments`,
        body,
      })),
    fc
      .tuple(
        req(() => requestIds),
        query([]),
      )
      .map(([id, q]) => ({ method: 'GET', path: `/catalog/adjustments/${id}/consultation?${q}` })),
    query(['format', 'provider', 'shareAttribute', 'q']).map((q) => ({ method: 'GET', path: `/catalog/export?${q}` })),
    // Spreadsheets: a valid CSV with a cell replaced by anything, any bytes as either format, or anything at all.
    fc
      .tuple(
        fc.constantFrom('csv', 'xlsx'),
        fc.oneof(
          text,
          fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('utf8')),
        ),
        fc.boolean(),
        // The console's preview: every row's outcome, nothing started.
        fc.boolean(),
      )
      .map(([format, cell, dryRun, preview]) => ({
        method: 'POST',
        path: '/catalog/adjustments/import',
        body: {
          ground: 'correction',
          justification: 'fuzz',
          format,
          dryRun,
          ...(preview ? { preview } : {}),
          file: Buffer.from(`id,title,fields,field_labels,share_attribute,open_attribute\n,${cell},"a | string |  | ",甲,UNCONDITIONAL,${cell}\n`).toString(
            'base64',
          ),
        },
      })),
    jsonish.map((body) => ({ method: 'POST', path: '/catalog/adjustments/import', body })),
    query(['type', 'status', 'number']).map((q) => ({ method: 'GET', path: `/requests?${q}` })),
    req(() => requestIds).map((id) => ({ method: 'GET', path: `/requests/${id}` })),
    req(() => requestIds).map((id) => ({ method: 'GET', path: `/requests/${id}/history` })),
    fc
      .tuple(
        req(() => requestIds),
        fc.option(fc.record({ reason: text }, { requiredKeys: [] }), { nil: undefined }),
      )
      .map(([id, body]) => ({ method: 'POST', path: `/requests/${id}/cancel`, body })),
    query(['status', 'kind', 'dueBefore', 'dueAfter', 'overdue', 'sort']).map((q) => ({ method: 'GET', path: `/tasks?${q}` })),
    req(() => taskIds).map((id) => ({ method: 'GET', path: `/tasks/${id}` })),
    fc
      .tuple(
        req(() => taskIds),
        fc.constantFrom('claim', 'unclaim'),
      )
      .map(([id, a]) => ({ method: 'POST', path: `/tasks/${id}/${a}` })),
    fc
      .tuple(
        req(() => taskIds),
        decisionBody,
      )
      .map(([id, body]) => ({ method: 'POST', path: `/tasks/${id}/complete`, body })),
    // One decision on several tasks: known and made-up ids, repeated ones, any kind, or no list at all.
    fc
      .tuple(
        fc.oneof(fc.constantFrom(...Object.keys(TASK_KINDS)), text),
        fc.oneof(
          {
            weight: 4,
            arbitrary: fc.array(
              fc.oneof(
                fc.nat().map((n) => taskIds[n % Math.max(1, taskIds.length)] ?? 'none'),
                text,
              ),
              { maxLength: 6 },
            ),
          },
          { weight: 1, arbitrary: jsonish },
        ),
        decisionBody,
      )
      .map(([kind, ids, body]) => ({ method: 'POST', path: '/tasks/bulk-complete', body: { kind, taskIds: ids, ...(body as object) } })),
    fc
      .tuple(
        req(() => taskIds),
        fc.record({ workingDays: fc.oneof(fc.integer({ min: -2, max: 40 }), jsonish), reason: text }, { requiredKeys: [] }),
      )
      .map(([id, body]) => ({ method: 'POST', path: `/tasks/${id}/extend`, body })),
    fc
      .tuple(
        req(() => taskIds),
        fc.record({ message: fc.oneof(text, fc.constant('请于今日内办结')) }, { requiredKeys: [] }),
      )
      .map(([id, body]) => ({ method: 'POST', path: `/tasks/${id}/urge`, body })),
    // The provider's ask to extend its answer (《政务数据共享条例》): any task, any number, any words.
    fc
      .tuple(
        req(() => taskIds),
        fc.record(
          { workingDays: fc.oneof(fc.integer({ min: -2, max: 40 }), fc.double(), jsonish), reason: fc.oneof(text, fc.constant('需协调核实')) },
          { requiredKeys: [] },
        ),
      )
      .map(([id, body]) => ({ method: 'POST', path: `/tasks/${id}/extension-request`, body })),
    // Someone the directory knows (the fuzz's own people, once they have called) or anyone at all.
    fc
      .tuple(
        req(() => taskIds),
        fc.record(
          { user: fc.oneof(fc.constantFrom(...actors.map((a) => a.sub)), text), reason: fc.oneof(text, fc.constant('knows the file')) },
          { requiredKeys: [] },
        ),
      )
      .map(([id, body]) => ({ method: 'POST', path: `/tasks/${id}/reassign`, body })),
    fc
      .tuple(
        req(() => taskIds),
        query([]),
      )
      .map(([id, q]) => ({ method: 'GET', path: `/tasks/${id}/assignable?${q}` })),
    query(['candidateOrg', 'kind']).map((q) => ({ method: 'GET', path: `/overdue-tasks?${q}` })),
    query(['from', 'to', 'organisation', 'procedure', 'format']).map((q) => ({ method: 'GET', path: `/audit?${q}` })),
    query(['period', 'division', 'organisation', 'format']).map((q) => ({ method: 'GET', path: `/evaluations?${q}` })),
    // A valid period and scope half the time, so the figure and procedure are what is malformed.
    query(['division', 'organisation', 'procedure', 'figure']).map((q) => ({ method: 'GET', path: `/evaluations/requests?period=2026-Q4&${q}` })),
    // The catalog's figure drilled to its entries, in the caller's division or one named.
    query(['division', 'organisation', 'procedure']).map((q) => ({ method: 'GET', path: `/evaluations/requests?period=2026-Q4&figure=staleEntries&${q}` })),
    fc
      .tuple(
        segment(() => [...Object.values(city.agencies), city.cityAuthority]),
        query(['requestType']),
      )
      .map(([org, q]) => ({ method: 'GET', path: `/organisations/${org}/tasks?${q}` })),
    query(['provider', 'division', 'region', 'shareAttribute', 'openAttribute', 'shareStatus', 'openStatus', 'q']).map((q) => ({
      method: 'GET',
      path: `/catalog?${q}`,
    })),
    fc
      .tuple(
        segment(() => [city.entries.conditional]),
        query(['version']),
      )
      .map(([id, q]) => ({ method: 'GET', path: `/catalog/${id}?${q}` })),
    fc
      .tuple(
        segment(() => [city.entries.conditional]),
        query([]),
      )
      .map(([id, q]) => ({ method: 'GET', path: `/catalog/${id}/versions?${q}` })),
    query(['title', 'fields']).map((q) => ({ method: 'GET', path: `/catalog/similar?${q}` })),
    query([]).map((q) => ({ method: 'GET', path: `/notifications?${q}` })),
    // Delegation (代理): a colleague the directory knows or anyone, a period near now or malformed, any kinds, any words.
    fc
      .record(
        {
          delegate: fc.oneof(fc.constantFrom(...actors.map((a) => a.sub)), text),
          startsAt: fc.oneof(
            fc.integer({ min: -200, max: 200 }).map((d) => new Date(Date.now() + d * 86_400_000).toISOString()),
            fc.constantFrom('', '2026-13-45T99:00:00Z'),
            text,
          ),
          endsAt: fc.oneof(
            fc.integer({ min: -5, max: 200 }).map((d) => new Date(Date.now() + d * 86_400_000).toISOString()),
            fc.constantFrom('', '9999-12-31T23:59:59Z'),
            text,
          ),
          kinds: fc.oneof(fc.array(fc.oneof(fc.constantFrom(...Object.keys(TASK_KINDS)), text), { maxLength: 4 }), jsonish),
          reason: fc.oneof(text, fc.constant('休假')),
        },
        { requiredKeys: [] },
      )
      .map((body) => ({ method: 'POST', path: '/delegations', body })),
    query(['scope']).map((q) => ({ method: 'GET', path: `/delegations?${q}` })),
    fc.constant({ method: 'GET', path: '/delegations/colleagues' }),
    req(() => delegationIds).map((id) => ({ method: 'DELETE', path: `/delegations/${id}` })),
    // Notification settings and webhooks (issue 26 §2).
    fc.constant({ method: 'GET', path: '/me/notification-preferences' }),
    fc
      .record(
        {
          email: fc.oneof(fc.constant(null), fc.constantFrom('a@example.gov.cn', 'not-an-address', 'x@y', '<a@b.c>'), text),
          events: fc.oneof(fc.array(fc.oneof(fc.constantFrom(...Object.keys(NOTICE_EVENTS)), text), { maxLength: 4 }), jsonish),
          channels: fc.oneof(fc.array(fc.oneof(fc.constant('email'), text), { maxLength: 2 }), jsonish),
          digest: fc.oneof(fc.boolean(), jsonish),
        },
        { requiredKeys: [] },
      )
      .map((body) => ({ method: 'PUT', path: '/me/notification-preferences', body })),
    fc.constant({ method: 'GET', path: '/webhooks' }),
    fc
      .record(
        {
          url: fc.oneof(
            fc.constantFrom('https://hooks.example.org/pdw', 'http://127.0.0.1:1/x', 'ftp://x/y', 'javascript:alert(1)', 'https://u:p@x.org/', '::'),
            text,
          ),
          events: fc.oneof(fc.array(fc.oneof(fc.constantFrom(...Object.keys(NOTICE_EVENTS)), text), { maxLength: 3 }), jsonish),
        },
        { requiredKeys: [] },
      )
      .map((body) => ({ method: 'POST', path: '/webhooks', body })),
    req(() => webhookIds).map((id) => ({ method: 'DELETE', path: `/webhooks/${id}` })),
    query([]).map((q) => ({ method: 'GET', path: `/webhooks/dead-letters?${q}` })),
    req(() => deadLetterIds).map((id) => ({ method: 'POST', path: `/webhooks/dead-letters/${id}/redeliver` })),
    query(['status', 'catalogEntryId']).map((q) => ({ method: 'GET', path: `/grants?${q}` })),
    req(() => grantIds).map((id) => ({ method: 'GET', path: `/grants/${id}` })),
    req(() => grantIds).map((id) => ({ method: 'GET', path: `/grants/${id}/usage-records` })),
    fc
      .tuple(
        req(() => grantIds),
        fc.oneof(
          fc.record(
            {
              ground: fc.oneof(fc.constantFrom(...REVOCATION_GROUND_CODES), text),
              reason: text,
              // The grantee's deletion confirmation (条例, 共享目的已实现): well formed, a date-time near now or anything, or odd JSON.
              deletion: fc.oneof(
                fc.record(
                  {
                    deletedBy: fc.oneof(text, fc.constant('张三')),
                    deletedAt: fc.oneof(
                      fc.integer({ min: -400, max: 400 }).map((d) => new Date(Date.now() + d * 86_400_000).toISOString()),
                      fc.constantFrom('', 'yesterday', '2026-13-45T99:00:00Z', '9999-12-31T23:59:59Z'),
                      text,
                    ),
                    method: fc.oneof(fc.constantFrom(...DELETION_METHODS), text),
                    scope: fc.oneof(fc.boolean(), jsonish),
                  },
                  { requiredKeys: [] },
                ),
                jsonish,
              ),
            },
            { requiredKeys: [] },
          ),
          jsonish,
        ),
      )
      .map(([id, body]) => ({ method: 'POST', path: `/grants/${id}/revoke`, body })),
    // A renewal (issue 24 §6): the purpose and duty edited or not, the commitment given again, or odd JSON.
    fc
      .tuple(
        req(() => grantIds),
        fc.oneof(
          fc.record(
            {
              scenario: text,
              statutoryDuty: text,
              commitment: fc.oneof(fc.record({ authenticity: fc.boolean(), compliance: fc.boolean(), security: fc.oneof(fc.boolean(), jsonish) }), jsonish),
            },
            { requiredKeys: [] },
          ),
          jsonish,
        ),
      )
      .map(([id, body]) => ({ method: 'POST', path: `/grants/${id}/renewal`, body })),
    // Onward provision (issue 24 §6): a third party of the directory or anything, a purpose, fields or odd JSON.
    fc
      .tuple(
        req(() => grantIds),
        fc.oneof(fc.record({ thirdPartyOrg: text, purpose: text, fields: fc.oneof(fc.array(text, { maxLength: 5 }), jsonish) }, { requiredKeys: [] }), jsonish),
      )
      .map(([id, body]) => ({ method: 'POST', path: `/grants/${id}/onward-provision`, body })),
    fc
      .constantFrom('GET /health', 'GET /sign-in', 'GET /metrics', 'GET /nowhere', 'DELETE /requests', 'PUT /tasks', 'PATCH /catalog')
      .map((s) => ({ method: s.split(' ')[0], path: s.split(' ')[1] })),
    fc.constantFrom('{"a":', '[', 'null', '"x"', '\u0000', '').map((raw) => ({ method: 'POST', path: '/share-requests', raw })),
  );

  const statuses: Record<string, number> = {};
  const failures: string[] = [];
  let maxLatencyMs = 0;
  let cases = 0;
  // The heap retained, not the garbage not yet collected: a full collection before each reading (gc exposed
  // at run time when node was not started with --expose-gc, as under jest).
  const collect = (): void => {
    if (!global.gc) v8.setFlagsFromString('--expose-gc');
    (global.gc ?? (vm.runInNewContext('gc') as () => void))();
  };
  collect();
  const heapBefore = process.memoryUsage().heapUsed;

  await fc.assert(
    fc.asyncProperty(
      call,
      fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...tokens.slice(0, actors.length)) },
        { weight: 1, arbitrary: fc.constantFrom(...tokens.slice(actors.length)) },
      ),
      async (c, token) => {
        cases++;
        const payload = c.raw ?? (c.body === undefined ? undefined : JSON.stringify(c.body));
        const headers: Record<string, string> = { ...(c.headers ?? {}) };
        if (token) headers.authorization = `Bearer ${token}`;
        if (payload !== undefined) headers['content-type'] = 'application/json';
        const started = Date.now();
        const res = await send(target.baseUrl, c.method, c.path, headers, payload).catch((err: Error) => ({
          status: 0,
          body: err.message,
          contentType: undefined,
        }));
        if (res.status === 0) failures.push(`no answer: ${c.method} ${c.path.slice(0, 120)}: ${res.body}`);
        const ms = Date.now() - started;
        maxLatencyMs = Math.max(maxLatencyMs, ms);
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        const what = `${c.method} ${c.path.slice(0, 120)} -> ${res.status} ${res.body.slice(0, 160)}`;
        if (res.status >= 500) failures.push(`5xx: ${what}`);
        else if (res.status >= 400 && !(res.contentType ?? '').includes('application/problem+json')) failures.push(`not problem+json: ${what}`);
        if (ms > 10_000) failures.push(`slower than 10 s (${ms} ms): ${what}`);
        if (cases % 100 === 0) await refresh();
        if (cases % 1000 === 0) log(`fuzz: ${cases} cases`);
        return true;
      },
    ),
    { numRuns: count, seed, endOnFailure: false },
  );

  // No workflow may be left retrying an activity (a poison pill): none has a pending activity past its first attempt.
  await new Promise((r) => setTimeout(r, 2000));
  const retryingWorkflows: string[] = [];
  for await (const wf of target.client.workflow.list({ query: `TaskQueue="${target.taskQueue}" AND ExecutionStatus="Running"` })) {
    const d = await target.client.workflow.getHandle(wf.workflowId).describe();
    for (const a of d.raw.pendingActivities ?? [])
      if ((a.attempt ?? 1) > 1) retryingWorkflows.push(`${wf.workflowId}: ${a.activityType?.name} attempt ${a.attempt}: ${a.lastFailure?.message}`);
  }
  collect();
  return {
    cases,
    statuses,
    failures,
    maxLatencyMs,
    retryingWorkflows,
    heapGrowthMiB: (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20,
    seconds: (Date.now() - began) / 1000,
  };
}

function send(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; body: string; contentType?: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const r = http.request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) },
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (data += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data, contentType: res.headers['content-type'] }));
      },
    );
    r.setTimeout(30_000, () => r.destroy(new Error('no answer in 30 s')));
    r.on('error', reject);
    if (body !== undefined) r.write(body);
    r.end();
  });
}

export function formatReport(r: FuzzReport): string {
  const statuses = Object.entries(r.statuses)
    .sort()
    .map(([s, n]) => `${s}×${n}`)
    .join(' ');
  const fivexx = Object.entries(r.statuses)
    .filter(([s]) => Number(s) >= 500)
    .reduce((n, [, c]) => n + c, 0);
  return [
    `fuzz: ${r.cases} cases in ${r.seconds.toFixed(1)} s; statuses ${statuses}`,
    `fuzz: 5xx ${fivexx}, not problem+json or slow ${r.failures.length - fivexx}, max latency ${r.maxLatencyMs} ms, workflows left retrying ${r.retryingWorkflows.length}, heap growth ${r.heapGrowthMiB.toFixed(1)} MiB`,
  ].join('\n');
}
