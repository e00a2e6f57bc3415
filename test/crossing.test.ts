// Concurrent decisions on one task never cross. For every task kind, N = 2, 3, 8 and 20
// conflicting decisions are sent at once over HTTP (real Temporal and PostgreSQL): exactly one is answered
// 200, and it is the one that took effect. The task row, the request, the audit trail and every effect
// (grant, catalog entry, dispute, agreement, the next task) agree with that answer; the others are 409
// TaskNotOpen and nothing of theirs is written anywhere. Then bursts that mix both sibling tasks of a share
// review with claims, a supervisor's extension and reassignment and the applicant's cancellation; and every
// history all this made must replay (a concurrent burst must never make a run nondeterministic).
import { randomUUID } from 'node:crypto';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { sql } from 'kysely';
import { sampleEntryContent, seedCity, type SeededCity } from '../db/seed';
import type { EntryContent } from '../domain/catalog';
import type { SharePosition } from '../domain/share-dispute';
import { CANCELLABLE, type RequestSnapshot, type RequestStatus } from '../domain/requests';
import type { TaskKind } from '../domain/tasks';
import type { Actor, Role } from '../domain/types';
import { stateQuery } from '../workflows/definitions';
import { registerPrincipal, startApi, validShareBody, type Api, ok, type Res, validOpenRequestBody } from './api-helpers';
import { refusalForm, startHarness, TEST_ADJUSTMENT_POLICY, TEST_OPEN_REQUEST_POLICY, type Harness } from './helpers';
import { workerTracingOptions } from '../worker/tracing';

let h: Harness;
let api: Api;
/** The same API with a public consultation of seconds and usage reports falling due every few seconds. */
let fast: Api;
/** Every request a burst decided on, for the replay at the end. */
const decided: string[] = [];
/**
 * A decision the workflow accepts and never answers shows as a 503 after this. Ample for any answer here, also
 * on two cores shared with the suite's heaviest files (15 s was not: a burst of 20 met it in full runs).
 */
const engineTimeoutMs = 40_000;
jest.setTimeout(180_000);
beforeAll(async () => {
  h = await startHarness('crossing');
  api = await startApi(h, { policies: { open_request: TEST_OPEN_REQUEST_POLICY }, engineTimeoutMs });
  fast = await startApi(h, {
    policies: {
      open_request: { ...TEST_OPEN_REQUEST_POLICY, reportEvery: { seconds: 3 } },
      catalog_adjustment: { ...TEST_ADJUSTMENT_POLICY, consultation: { seconds: 2 } },
    },
    engineTimeoutMs,
  });
}, 60_000);
afterAll(async () => {
  await fast.app.close();
  await api.app.close();
  await h.close();
});

const post = (actor: Actor, url: string, payload?: object, a = api) => a.app.inject({ method: 'POST', url, payload, headers: a.as(actor) });
const get = (actor: Actor, url: string) => api.app.inject({ method: 'GET', url, headers: api.as(actor) });
const TASK_NOT_OPEN = 'urn:public-data-workflows:problem:TaskNotOpen';
const mediaType = (res: Res) => String(res.headers['content-type']).split(';')[0];

/** Retries `check` until it passes: the read model is written by activities, some of it after the answer. */
async function settle<T>(check: () => Promise<T>, timeoutMs = 20_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

// Every burst gets a city of its own (its own region, catalog, authorities and leading group): disputes,
// withdrawals and consultations hold an entry, and bursts running side by side must not meet on one.
let cities = 0;
const freshCity = () => {
  const prefix = `x${++cities}-${randomUUID().slice(0, 6)}`;
  return seedCity(h.db, prefix, prefix);
};
const member = (org: string, role: Role, i: number | string): Actor => ({ sub: `${role}-${i}`, org, roles: [role] });
const applicantOf = (city: SeededCity, org: string): Actor => ({ sub: `applicant.${city.region}`, org, roles: ['agency_applicant'] });
const citizenOf = (city: SeededCity, name = 'citizen'): Actor => ({ sub: `${name}.${city.region}`, org: 'public', roles: ['public_applicant'] });

/**
 * The open task of `kind` on a request (other than `not`), as soon as the read model shows it: a task that opens
 * on its own (a timer, a signal) is decided the moment its candidate could first see it, as an eager one would.
 */
const openTask = (requestId: string, kind: TaskKind, not?: string) =>
  settle(
    async () => {
      const rows = await h.db
        .selectFrom('tasks')
        .selectAll()
        .where('request_id', '=', requestId)
        .where('kind', '=', kind)
        .where('status', '=', 'open')
        .execute();
      const row = rows.find((t) => t.id !== not);
      if (!row) throw new Error(`no open ${kind} on ${requestId}`);
      return row;
    },
    20_000,
    25,
  );
const decide = async (actor: Actor, taskId: string, body: object) => ok(await post(actor, `/tasks/${taskId}/complete`, body));

/** What a request has come to, as the read model holds it: what each driver's expectations are matched against. */
async function summary(requestId: string, entryId?: string) {
  const [request, open, grants, agreement, children, entry] = await Promise.all([
    h.db.selectFrom('requests').selectAll().where('id', '=', requestId).executeTakeFirstOrThrow(),
    h.db.selectFrom('tasks').selectAll().where('request_id', '=', requestId).where('status', '=', 'open').execute(),
    h.db.selectFrom('grants').select('status').where('request_id', '=', requestId).execute(),
    h.db.selectFrom('agreements').selectAll().where('request_id', '=', requestId).executeTakeFirst(),
    h.db.selectFrom('requests').select('status').where('id', 'like', `${requestId}.%`).execute(),
    entryId ? h.db.selectFrom('catalog_entries').selectAll().where('id', '=', entryId).executeTakeFirst() : undefined,
  ]);
  return {
    status: request.status,
    outcome: request.outcome,
    payload: request.payload,
    open: open.map((t) => t.kind).sort(),
    context: Object.fromEntries(open.map((t) => [t.kind, t.context])),
    grants: grants.map((g) => g.status),
    agreement: agreement ? { status: agreement.status, text: agreement.text, signatures: agreement.signatures.map((s) => `${s.party} ${s.sub}`) } : null,
    /** Requests a decision started (a dispute an OBJECT raised). */
    children: children.map((c) => c.status),
    entry: entry
      ? { version: entry.version, share: entry.share_attribute, conditions: entry.share_conditions, dispute: entry.share_dispute, open: entry.open_status }
      : null,
  };
}

/** The workflow's own view of the request (a finished run answers with its result). */
async function workflowState(workflowId: string): Promise<RequestSnapshot> {
  const handle = h.client.workflow.getHandle(workflowId);
  return handle.query(stateQuery).catch(async () => (await handle.result()) as RequestSnapshot);
}

/** The event types of a request's workflow history, for a failure's message. */
async function historyOf(requestId: string): Promise<string> {
  const row = await h.db.selectFrom('requests').select('workflow_id').where('id', '=', requestId).executeTakeFirst();
  if (!row) return '(no request row)';
  const history = JSON.parse(historyToJSON(await h.client.workflow.getHandle(row.workflow_id).fetchHistory())) as {
    events: { eventId: string; eventType: string }[];
  };
  return history.events.map((e) => `${e.eventId}:${String(e.eventType).replace(/^EVENT_TYPE_/, '')}`).join(' ');
}

/** `err` with what the calls were answered and the request's history, so an engine defect can be reported as seen. */
async function explained(err: unknown, title: string, answers: string[], requestId: string): Promise<Error> {
  const history = await historyOf(requestId).catch((e) => `(history unavailable: ${String(e)})`);
  return new Error(`${title}\n${answers.join('\n')}\n${err instanceof Error ? err.message : String(err)}\nhistory of ${requestId}: ${history}`);
}

/**
 * Rows of every table a decision may write to, linked to the request, the requests it started, or the
 * burst's own city (its catalog entries and their versions): where no refused decision may leave a trace.
 */
async function written(requestId: string, city: SeededCity): Promise<string> {
  const linked = (column: string) => sql<boolean>`(${sql.ref(column)} = ${requestId} or ${sql.ref(column)} like ${`${requestId}.%`})`;
  const ours = (column: string) => sql<boolean>`(${sql.ref(column)} like ${`${city.region}-%`} or ${sql.ref(column)} like ${`${requestId}-%`})`;
  const rows = await Promise.all([
    h.db.selectFrom('requests').selectAll().where(linked('id')).execute(),
    h.db.selectFrom('tasks').selectAll().where(linked('request_id')).execute(),
    h.db.selectFrom('audit_events').selectAll().where(linked('request_id')).execute(),
    h.db.selectFrom('agreements').selectAll().where(linked('request_id')).execute(),
    h.db.selectFrom('notifications').selectAll().where(linked('request_id')).execute(),
    h.db.selectFrom('grants').selectAll().where(linked('request_id')).execute(),
    h.db.selectFrom('catalog_entries').selectAll().where(ours('id')).execute(),
    h.db.selectFrom('catalog_entry_versions').selectAll().where(ours('entry_id')).execute(),
  ]);
  return JSON.stringify(rows);
}

type Body = { decision: string; reason: string; form?: Record<string, unknown> };
interface Call {
  actor: Actor;
  body: Body;
}
/** A decision with the call's distinct reason, and its form when it takes one (made from the reason, so it is distinct too). */
const d =
  (decision: string, form?: (reason: string) => object) =>
  (reason: string): Body => ({ decision, reason, ...(form ? { form: form(reason) as Record<string, unknown> } : {}) });
/** A share review's request for information lists what is missing (一次性告知: the demo city's parties are government departments). */
const missing = (reason: string) => ({ missing: [{ item: reason, reason: '审核需要' }] });

/** A request brought to an open task of the driver's kind: who decides it, how, and what each decision must have done. */
interface Burst {
  requestId: string;
  taskId: string;
  /** The i-th caller: a distinct member of the candidate organisation, or the one person the task is addressed to. */
  decider: (i: number) => Actor;
  decisions: ((reason: string) => Body)[];
  /** The catalog entry whose state the decisions may change, if any. */
  entryId?: string;
  /** For the decision that won, what `summary` must match (toMatchObject), keyed by decision. */
  expected: (won: Call) => Record<string, object>;
  /** Stops what would go on working after the test (usage reports falling due). */
  cleanup?: () => Promise<unknown>;
}
interface Driver {
  kind: TaskKind;
  open(city: SeededCity): Promise<Burst>;
}

// ---- Bringing requests to each kind's task, over HTTP as their parties would.

async function shareRequest(city: SeededCity) {
  const applicant = applicantOf(city, city.agencies.market);
  const { id } = ok(await post(applicant, '/share-requests', validShareBody(city.entries.conditional)), 201);
  return { applicant, id: id as string, opinion: await openTask(id, 'SHARE_PROVIDER_OPINION'), lead: await openTask(id, 'SHARE_JOINT_REVIEW') };
}

/** A catalog entry as an agency states it (GET /catalog/:id without the statuses the catalog keeps). */
async function stated(entryId: string): Promise<EntryContent> {
  const view = ok(await get({ sub: 'catalog.reader', org: 'public', roles: ['public_applicant'] }, `/catalog/${entryId}`));
  const side = (s: Record<string, unknown>) => Object.fromEntries(Object.entries(s).filter(([k]) => k !== 'status' && k !== 'dispute'));
  const { title, description, fields, form, useConditions, updateFrequency, priorityOpen, share, open } = view;
  return { title, description, fields, form, useConditions, updateFrequency, priorityOpen, share: side(share), open: side(open) } as unknown as EntryContent;
}

async function adjustment(applicant: Actor, body: object, a = api) {
  return ok(await post(applicant, '/catalog/adjustments', body, a), 201).id as string;
}
const countyAdd = (city: SeededCity) =>
  adjustment(applicantOf(city, city.agencies.donggangMarket), {
    ground: 'new_system',
    justification: '新建系统编目',
    changes: [{ op: 'add', entry: sampleEntryContent(`并发目录 ${city.region}`) }],
  });

const position = (conditions: string): SharePosition => ({ attribute: 'CONDITIONAL', reasons: '含个人信息', conditions, basis: [] });
const NONE: SharePosition = {
  attribute: 'NONE',
  reasons: null,
  conditions: null,
  basis: [{ level: 'law', title: '中华人民共和国个人信息保护法', article: '第十三条' }],
};

/** The city authority disputes the health commission's share attribute (CONDITIONAL), proposing NONE. */
async function dispute(city: SeededCity) {
  const raiser = member(city.cityAuthority, 'authority_reviewer', 'raiser');
  const { id } = ok(await post(raiser, '/disputes', { catalogEntryId: city.entries.conditional, proposal: NONE, objection: '涉及个人信息,不宜共享' }), 201);
  return { id: id as string, turn: await openTask(id, 'DISPUTE_CONSULTATION') };
}

async function withdrawal(city: SeededCity, who = citizenOf(city)) {
  const body = { catalogEntryId: city.entries.conditionalOpen, records: '地块 RZ-2026-017', right: '个人信息权益', reasons: '成交价格可识别到本人' };
  const { id } = ok(await post(who, '/withdrawals', body), 201);
  return { who, id: id as string, review: await openTask(id, 'WITHDRAWAL_REVIEW'), agency: member(city.agencies.resources, 'provider_reviewer', 'lead') };
}

/** A citizen's conditional open application for the land parcels, the natural resources bureau reviewing. */
async function application(city: SeededCity, a = api) {
  const who = citizenOf(city);
  await registerPrincipal(a, who);
  const form = validOpenRequestBody(city.entries.conditionalOpen);
  const { id } = ok(await post(who, '/open-requests', form, a), 201);
  return { who, id: id as string, agency: member(city.agencies.resources, 'provider_reviewer', 'lead') };
}
async function approved(city: SeededCity, a = api) {
  const app = await application(city, a);
  await decide(app.agency, (await openTask(app.id, 'OPEN_REQUEST_REVIEW')).id, { decision: 'APPROVE' });
  const { sha256 } = ok(await get(app.who, `/agreements/${app.id}.agreement`));
  return { ...app, sha256: sha256 as string };
}
async function inForce(city: SeededCity, a = api) {
  const app = await approved(city, a);
  await decide(app.who, (await openTask(app.id, 'AGREEMENT_SIGNATURE')).id, { decision: 'SIGN', form: { sha256: app.sha256 } });
  await decide(app.agency, (await openTask(app.id, 'AGREEMENT_COUNTERSIGNATURE')).id, { decision: 'SIGN', form: { sha256: app.sha256 } });
  return app;
}

// ---- One driver per task kind.

const DRIVERS: Driver[] = [
  {
    kind: 'SHARE_PROVIDER_OPINION',
    async open(city) {
      const s = await shareRequest(city);
      return {
        requestId: s.id,
        taskId: s.opinion.id,
        decider: (i) => member(city.agencies.health, 'provider_reviewer', i),
        decisions: [d('AGREE'), d('DISAGREE', () => refusalForm), d('REQUEST_INFO', missing)],
        expected: () => ({
          AGREE: { status: 'in_review', open: ['SHARE_JOINT_REVIEW'], grants: [] },
          DISAGREE: { status: 'in_review', open: ['SHARE_JOINT_REVIEW'], grants: [] },
          // A request for information closes the sibling in the same step.
          REQUEST_INFO: { status: 'awaiting_applicant', open: ['SHARE_APPLICANT_REPLY'], grants: [] },
        }),
      };
    },
  },
  {
    kind: 'SHARE_JOINT_REVIEW',
    async open(city) {
      const s = await shareRequest(city);
      // The provider agreed first (Art. 14), so APPROVE is as valid as the others.
      await decide(member(city.agencies.health, 'provider_reviewer', 'lead'), s.opinion.id, { decision: 'AGREE' });
      return {
        requestId: s.id,
        taskId: s.lead.id,
        decider: (i) => member(city.cityAuthority, 'authority_reviewer', i),
        decisions: [d('APPROVE'), d('REJECT', () => refusalForm), d('REQUEST_INFO', missing), d('CONSULT')],
        expected: (won) => ({
          APPROVE: { status: 'granted', open: [], grants: ['active'] },
          REJECT: { status: 'rejected', open: [], grants: [], outcome: { reason: won.body.reason } },
          REQUEST_INFO: { status: 'awaiting_applicant', open: ['SHARE_APPLICANT_REPLY'], grants: [] },
          CONSULT: {
            status: 'in_review',
            open: ['SHARE_JOINT_REVIEW', 'SHARE_PROVIDER_OPINION'],
            context: { SHARE_PROVIDER_OPINION: { authorityPosition: won.body.reason } },
            grants: [],
          },
        }),
      };
    },
  },
  {
    kind: 'SHARE_APPLICANT_REPLY',
    async open(city) {
      const s = await shareRequest(city);
      await decide(member(city.agencies.health, 'provider_reviewer', 'lead'), s.opinion.id, {
        decision: 'REQUEST_INFO',
        reason: '哪些诊所?',
        form: missing('哪些诊所?'),
      });
      return {
        requestId: s.id,
        taskId: (await openTask(s.id, 'SHARE_APPLICANT_REPLY')).id,
        decider: () => s.applicant,
        decisions: [d('REPLY')],
        expected: () => ({ REPLY: { status: 'in_review', open: ['SHARE_JOINT_REVIEW', 'SHARE_PROVIDER_OPINION'], grants: [] } }),
      };
    },
  },
  {
    kind: 'GRANT_REVOCATION_CONSENT',
    async open(city) {
      // The land-use bureau asks to end an unconditional grant of its data: the city authority's consent ends it (Art. 14).
      const { id, grant } = ok(await post(applicantOf(city, city.agencies.market), '/share-requests', validShareBody(city.entries.conditionalOpen)), 201);
      ok(
        await post(member(city.agencies.resources, 'provider_reviewer', 'asker'), `/grants/${grant.id}/revoke`, {
          ground: 'purpose_achieved',
          reason: '专项检查已结束',
        }),
        202,
      );
      return {
        requestId: id,
        taskId: (await openTask(id, 'GRANT_REVOCATION_CONSENT')).id,
        decider: (i) => member(city.cityAuthority, 'authority_reviewer', i),
        decisions: [d('CONSENT'), d('REFUSE')],
        expected: () => ({
          // Consented, the grant ends after the grantee's notice (TEST_POLICY's revocationNotice, an hour).
          CONSENT: { status: 'granted', open: [], grants: ['active'] },
          REFUSE: { status: 'granted', open: [], grants: ['active'] },
        }),
      };
    },
  },
  {
    kind: 'CATALOG_ADJUSTMENT_REVIEW',
    async open(city) {
      // A district agency's adjustment goes to the district's own authority (本级).
      const id = await countyAdd(city);
      return {
        requestId: id,
        taskId: (await openTask(id, 'CATALOG_ADJUSTMENT_REVIEW')).id,
        decider: (i) => member(city.countyAuthority, 'authority_reviewer', i),
        decisions: [d('APPROVE'), d('REJECT'), d('RETURN')],
        entryId: `${id}-1`,
        expected: (won) => ({
          APPROVE: { status: 'approved', open: [], entry: { version: 1 } },
          REJECT: { status: 'rejected', open: [], entry: null, outcome: { reason: won.body.reason } },
          RETURN: {
            status: 'awaiting_applicant',
            open: ['CATALOG_ADJUSTMENT_REVISION'],
            context: { CATALOG_ADJUSTMENT_REVISION: { returned: won.body.reason } },
            entry: null,
          },
        }),
      };
    },
  },
  {
    kind: 'CATALOG_ADJUSTMENT_CITY_REVIEW',
    async open(city) {
      // A city-level agency opens sharing of its NONE entry; the city authority may OBJECT (a dispute starts).
      const entryId = city.entries.none;
      const content = await stated(entryId);
      const opened = { attribute: 'CONDITIONAL', reasons: '案卷含当事人信息', conditions: '仅用于执法协作', basis: [] };
      const id = await adjustment(applicantOf(city, city.agencies.market), {
        ground: 'duty_change',
        justification: '执法协作需要',
        changes: [{ op: 'change', entryId, baseVersion: 1, entry: { ...content, share: opened } }],
      });
      return {
        requestId: id,
        taskId: (await openTask(id, 'CATALOG_ADJUSTMENT_CITY_REVIEW')).id,
        decider: (i) => member(city.cityAuthority, 'authority_reviewer', i),
        decisions: [d('APPROVE'), d('REJECT'), d('RETURN'), d('OBJECT', () => ({ entryId, proposal: content.share }))],
        entryId,
        expected: (won) => ({
          APPROVE: { status: 'approved', open: [], children: [], entry: { version: 2, share: 'CONDITIONAL', dispute: null } },
          REJECT: { status: 'rejected', open: [], children: [], entry: { version: 1, share: 'NONE', dispute: null } },
          RETURN: {
            status: 'awaiting_applicant',
            open: ['CATALOG_ADJUSTMENT_REVISION'],
            context: { CATALOG_ADJUSTMENT_REVISION: { returned: won.body.reason } },
            children: [],
            entry: { version: 1, share: 'NONE' },
          },
          OBJECT: { status: 'in_review', open: [], children: ['in_review'], entry: { version: 1, share: 'NONE', dispute: `${id}.dispute-1` } },
        }),
      };
    },
  },
  {
    kind: 'CATALOG_CONSULTATION_RESPONSE',
    async open(city) {
      // Marking an entry for priority opening consults the public first (Art. 18 ¶2; seconds on `fast`).
      const applicant = applicantOf(city, city.agencies.health);
      const content = await stated(city.entries.conditional);
      const id = await adjustment(
        applicant,
        {
          ground: 'correction',
          justification: '列入重点和优先开放',
          changes: [{ op: 'change', entryId: city.entries.conditional, baseVersion: 1, entry: { ...content, priorityOpen: true } }],
        },
        fast,
      );
      return {
        requestId: id,
        taskId: (await openTask(id, 'CATALOG_CONSULTATION_RESPONSE')).id,
        decider: () => applicant,
        decisions: [d('RESPOND')],
        expected: (won) => ({
          RESPOND: {
            status: 'in_review',
            open: ['CATALOG_ADJUSTMENT_CITY_REVIEW'],
            context: { CATALOG_ADJUSTMENT_CITY_REVIEW: { consultation: { response: won.body.reason } } },
          },
        }),
      };
    },
  },
  {
    kind: 'CATALOG_ADJUSTMENT_REVISION',
    async open(city) {
      const id = await countyAdd(city);
      await decide(member(city.countyAuthority, 'authority_reviewer', 'lead'), (await openTask(id, 'CATALOG_ADJUSTMENT_REVIEW')).id, {
        decision: 'RETURN',
        reason: '请补充',
      });
      const revised = (reason: string) => ({
        ground: 'correction',
        justification: reason,
        changes: [{ op: 'add', entry: sampleEntryContent(`修订目录 ${reason}`) }],
      });
      return {
        requestId: id,
        taskId: (await openTask(id, 'CATALOG_ADJUSTMENT_REVISION')).id,
        decider: () => applicantOf(city, city.agencies.donggangMarket),
        decisions: [d('RESUBMIT', revised), d('ABANDON')],
        expected: (won) => ({
          RESUBMIT: { status: 'in_review', open: ['CATALOG_ADJUSTMENT_REVIEW'], payload: { justification: won.body.reason } },
          ABANDON: { status: 'cancelled', open: [] },
        }),
      };
    },
  },
  {
    kind: 'DISPUTE_CONSULTATION',
    async open(city) {
      const { id, turn } = await dispute(city);
      return {
        requestId: id,
        taskId: turn.id,
        decider: (i) => member(city.agencies.health, 'provider_reviewer', i),
        decisions: [d('ACCEPT'), d('COUNTER', position), d('NO_AGREEMENT')],
        entryId: city.entries.conditional,
        expected: (won) => ({
          ACCEPT: { status: 'settled', open: [], entry: { version: 2, share: 'NONE', dispute: null } },
          COUNTER: {
            status: 'in_review',
            open: ['DISPUTE_CONSULTATION'],
            context: { DISPUTE_CONSULTATION: { turn: 2, party: 'authority', otherPosition: position(won.body.reason) } },
            entry: { version: 1, share: 'CONDITIONAL', dispute: id },
          },
          NO_AGREEMENT: {
            status: 'in_review',
            open: ['DISPUTE_DECISION'],
            context: { DISPUTE_DECISION: { referral: won.body.reason } },
            entry: { version: 1, share: 'CONDITIONAL', dispute: id },
          },
        }),
      };
    },
  },
  {
    kind: 'DISPUTE_DECISION',
    async open(city) {
      const { id, turn } = await dispute(city);
      await decide(member(city.agencies.health, 'provider_reviewer', 'lead'), turn.id, { decision: 'NO_AGREEMENT', reason: '应当有条件共享' });
      return {
        requestId: id,
        taskId: (await openTask(id, 'DISPUTE_DECISION')).id,
        decider: (i) => member(city.leadingGroup, 'leading_group', i),
        decisions: [d('DECIDE', position)],
        entryId: city.entries.conditional,
        expected: (won) => ({
          DECIDE: { status: 'settled', open: [], entry: { version: 2, share: 'CONDITIONAL', conditions: won.body.reason, dispute: null } },
        }),
      };
    },
  },
  {
    kind: 'OPEN_DEMAND_ANSWER',
    async open(city) {
      const { id } = ok(await post(citizenOf(city), '/open-demands', { catalogEntryId: city.entries.none, description: '处罚结果', purpose: '研究' }), 201);
      return {
        requestId: id,
        taskId: (await openTask(id, 'OPEN_DEMAND_ANSWER')).id,
        decider: (i) => member(city.agencies.market, 'provider_reviewer', i),
        decisions: [d('PLAN'), d('DECLINE')],
        expected: (won) => ({
          PLAN: { status: 'answered', open: [], outcome: { decision: 'PLAN', reason: won.body.reason } },
          DECLINE: { status: 'answered', open: [], outcome: { decision: 'DECLINE', reason: won.body.reason } },
        }),
      };
    },
  },
  {
    kind: 'WITHDRAWAL_REVIEW',
    async open(city) {
      const w = await withdrawal(city);
      return {
        requestId: w.id,
        taskId: w.review.id,
        decider: (i) => member(city.agencies.resources, 'provider_reviewer', i),
        decisions: [d('SUSPEND'), d('UPHOLD', () => ({ scope: 'entry' })), d('DISMISS'), d('REQUEST_INFO'), d('UPHOLD', () => ({ scope: 'records' }))],
        entryId: city.entries.conditionalOpen,
        expected: (won) => ({
          SUSPEND: { status: 'in_review', open: ['WITHDRAWAL_REVIEW'], entry: { open: 'suspended' } },
          UPHOLD:
            won.body.form?.scope === 'entry'
              ? { status: 'upheld', open: [], outcome: { scope: 'entry', reason: won.body.reason }, entry: { open: 'withdrawn' } }
              : { status: 'upheld', open: [], outcome: { scope: 'records', reason: won.body.reason }, entry: { open: 'published' } },
          DISMISS: { status: 'dismissed', open: [], outcome: { reason: won.body.reason }, entry: { open: 'published' } },
          REQUEST_INFO: { status: 'awaiting_applicant', open: ['WITHDRAWAL_APPLICANT_REPLY'], entry: { open: 'published' } },
        }),
      };
    },
  },
  {
    kind: 'WITHDRAWAL_APPLICANT_REPLY',
    async open(city) {
      const w = await withdrawal(city);
      await decide(w.agency, w.review.id, { decision: 'REQUEST_INFO', reason: '请提供身份证明' });
      return {
        requestId: w.id,
        taskId: (await openTask(w.id, 'WITHDRAWAL_APPLICANT_REPLY')).id,
        decider: () => w.who,
        decisions: [d('REPLY')],
        entryId: city.entries.conditionalOpen,
        expected: () => ({ REPLY: { status: 'in_review', open: ['WITHDRAWAL_REVIEW'], entry: { open: 'published' } } }),
      };
    },
  },
  {
    kind: 'OPEN_REQUEST_REVIEW',
    async open(city) {
      const app = await application(city);
      return {
        requestId: app.id,
        taskId: (await openTask(app.id, 'OPEN_REQUEST_REVIEW')).id,
        decider: (i) => member(city.agencies.resources, 'provider_reviewer', i),
        // EXTEND is allowed once: never yet, so every one of these is valid now.
        decisions: [d('APPROVE', (conditions) => ({ conditions })), d('REJECT'), d('REQUEST_INFO'), d('EXTEND')],
        expected: (won) => ({
          APPROVE: {
            status: 'awaiting_signature',
            open: ['AGREEMENT_SIGNATURE'],
            agreement: { status: 'awaiting_signature', text: expect.stringContaining(won.body.reason), signatures: [] },
          },
          REJECT: { status: 'rejected', open: [], agreement: null, outcome: { reason: won.body.reason } },
          REQUEST_INFO: { status: 'awaiting_applicant', open: ['OPEN_REQUEST_APPLICANT_REPLY'], agreement: null },
          EXTEND: { status: 'in_review', open: ['OPEN_REQUEST_REVIEW'], agreement: null },
        }),
      };
    },
  },
  {
    kind: 'OPEN_REQUEST_APPLICANT_REPLY',
    async open(city) {
      const app = await application(city);
      await decide(app.agency, (await openTask(app.id, 'OPEN_REQUEST_REVIEW')).id, { decision: 'REQUEST_INFO', reason: '请说明立项情况' });
      return {
        requestId: app.id,
        taskId: (await openTask(app.id, 'OPEN_REQUEST_APPLICANT_REPLY')).id,
        decider: () => app.who,
        decisions: [d('REPLY')],
        expected: () => ({ REPLY: { status: 'in_review', open: ['OPEN_REQUEST_REVIEW'], agreement: null } }),
      };
    },
  },
  {
    kind: 'AGREEMENT_SIGNATURE',
    async open(city) {
      const app = await approved(city);
      return {
        requestId: app.id,
        taskId: (await openTask(app.id, 'AGREEMENT_SIGNATURE')).id,
        decider: () => app.who,
        decisions: [d('SIGN', () => ({ sha256: app.sha256 })), d('DECLINE')],
        expected: () => ({
          SIGN: {
            status: 'awaiting_countersignature',
            open: ['AGREEMENT_COUNTERSIGNATURE'],
            agreement: { status: 'awaiting_countersignature', signatures: [`licensee ${app.who.sub}`] },
          },
          DECLINE: { status: 'cancelled', open: [], agreement: { status: 'declined', signatures: [] } },
        }),
      };
    },
  },
  {
    kind: 'AGREEMENT_COUNTERSIGNATURE',
    async open(city) {
      const app = await approved(city);
      await decide(app.who, (await openTask(app.id, 'AGREEMENT_SIGNATURE')).id, { decision: 'SIGN', form: { sha256: app.sha256 } });
      return {
        requestId: app.id,
        taskId: (await openTask(app.id, 'AGREEMENT_COUNTERSIGNATURE')).id,
        decider: (i) => member(city.agencies.resources, 'provider_reviewer', i),
        decisions: [d('SIGN', () => ({ sha256: app.sha256 }))],
        expected: (won) => ({
          SIGN: { status: 'granted', open: [], agreement: { status: 'in_force', signatures: [`licensee ${app.who.sub}`, `provider ${won.actor.sub}`] } },
        }),
      };
    },
  },
  {
    kind: 'USAGE_REPORT',
    async open(city) {
      // Reports fall due every 3 s on `fast`: further report tasks may open meanwhile, so `open` is not compared.
      const app = await inForce(city, fast);
      return {
        requestId: app.id,
        taskId: (await openTask(app.id, 'USAGE_REPORT')).id,
        decider: () => app.who,
        decisions: [d('REPORT')],
        expected: () => ({ REPORT: { status: 'granted', agreement: { status: 'in_force' } } }),
        cleanup: async () => ok(await post(app.who, `/agreements/${app.id}.agreement/terminate`, { reason: '项目结束' })),
      };
    },
  },
  {
    kind: 'DELETION_CONFIRMATION',
    async open(city) {
      const app = await inForce(city);
      // Another person's withdrawal of some records, upheld: the licensee confirms their deletion.
      const w = await withdrawal(city, citizenOf(city, 'requester'));
      await decide(w.agency, w.review.id, { decision: 'UPHOLD', reason: '删除所列记录', form: { scope: 'records' } });
      return {
        requestId: app.id,
        taskId: (await openTask(app.id, 'DELETION_CONFIRMATION')).id,
        decider: () => app.who,
        decisions: [d('CONFIRM')],
        expected: () => ({ CONFIRM: { status: 'granted', open: [], agreement: { status: 'in_force' } } }),
      };
    },
  },
];

/** `call 3 of 8`: never a part of another call's marker ("call 1 of 8" is not in "call 11 of 20"). */
const marker = (i: number, n: number) => `call ${i} of ${n}`;
const NS = [2, 3, 8, 20];

/** N conflicting decisions at once on a fresh task of the driver's kind, checked against the invariant this file states at its top. */
async function burst(driver: Driver, n: number): Promise<void> {
  const city = await freshCity();
  const b = await driver.open(city).catch((err: Error) => {
    throw new Error(`${driver.kind}, N=${n}, bringing a request to the task: ${err.message}`);
  });
  decided.push(b.requestId);
  // Alternating among the kind's decisions, offset by N so that the small bursts do not always pit the same two.
  const calls: Call[] = Array.from({ length: n }, (_, i) => ({ actor: b.decider(i), body: b.decisions[(i + n) % b.decisions.length](marker(i, n)) }));
  const answers = await Promise.all(calls.map((c) => post(c.actor, `/tasks/${b.taskId}/complete`, c.body)));
  const lines = answers.map(
    (r, i) => `  ${i} ${calls[i].actor.sub} ${calls[i].body.decision} → ${r.statusCode} ${r.statusCode === 200 ? '' : r.body.slice(0, 160)}`,
  );
  try {
    const winners = answers.flatMap((r, i) => (r.statusCode === 200 ? [i] : []));
    if (winners.length !== 1) throw new Error(`${winners.length} calls answered 200`);
    const w = winners[0];
    const won = calls[w];
    // The others: 409 problem+json, TaskNotOpen (never a 5xx, never another refusal: every decision was valid).
    expect(answers.map((r, i) => (i === w ? 'won' : `${r.statusCode} ${mediaType(r)} ${r.json().type}`))).toEqual(
      answers.map((_, i) => (i === w ? 'won' : `409 application/problem+json ${TASK_NOT_OPEN}`)),
    );
    // The winner is told the request as its decision left it.
    const answer = ok(answers[w]);
    expect(answer.tasks.find((t: { id: string }) => t.id === b.taskId)).toMatchObject({
      status: 'completed',
      decision: won.body.decision,
      reason: won.body.reason,
    });
    await settle(async () => {
      const [task, audit, rows, request, traces] = await Promise.all([
        h.db.selectFrom('tasks').selectAll().where('id', '=', b.taskId).executeTakeFirstOrThrow(),
        h.db.selectFrom('audit_events').selectAll().where('request_id', '=', b.requestId).execute(),
        h.db.selectFrom('tasks').select(['id', 'status']).where('request_id', '=', b.requestId).execute(),
        h.db.selectFrom('requests').selectAll().where('id', '=', b.requestId).executeTakeFirstOrThrow(),
        written(b.requestId, city),
      ]);
      expect({ status: task.status, decision: task.decision, reason: task.reason, decidedBy: task.decided_by, answered: answer.status }).toEqual({
        status: 'completed',
        decision: won.body.decision,
        reason: won.body.reason,
        decidedBy: won.actor.sub,
        answered: request.status,
      });
      // One task_completed for the task, the winner's; no task of the request decided twice.
      expect(audit.filter((e) => e.task_id === b.taskId && e.action === 'task_completed').map((e) => [e.decision, e.reason, e.actor_sub])).toEqual([
        [won.body.decision, won.body.reason, won.actor.sub],
      ]);
      for (const t of rows)
        expect([t.id, audit.filter((e) => e.task_id === t.id && e.action === 'task_completed').length]).toEqual([t.id, t.status === 'completed' ? 1 : 0]);
      // Nothing of the refused calls anywhere: no row holds their reason (or the form made from it).
      expect(calls.flatMap((_, i) => (i !== w && traces.includes(marker(i, n)) ? [marker(i, n)] : []))).toEqual([]);
      // Every effect is the winner's.
      expect(await summary(b.requestId, b.entryId)).toMatchObject(b.expected(won)[won.body.decision]);
      // The read model agrees with the workflow about the request and every task.
      const state = await workflowState(request.workflow_id);
      expect({ status: request.status, tasks: Object.fromEntries(rows.map((t) => [t.id, t.status])) }).toEqual({
        status: state.status,
        tasks: Object.fromEntries(state.tasks.map((t) => [t.id, t.status])),
      });
    });
  } catch (err) {
    throw await explained(err, `${driver.kind}, N=${n}, task ${b.taskId}:`, lines, b.requestId);
  } finally {
    await b.cleanup?.();
  }
}

/** Runs the promises to their ends (none left running into the next test), then fails with every failure. */
async function all(promises: Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(promises)).flatMap((r) =>
    r.status === 'rejected' ? [r.reason instanceof Error ? r.reason.message : String(r.reason)] : [],
  );
  if (failed.length) throw new Error(failed.join('\n\n'));
}

describe.each(DRIVERS.map((driver) => [driver.kind, driver] as const))('%s', (_kind, driver) => {
  test(
    `N = ${NS.join(', ')} conflicting decisions at once: exactly one takes effect, the one answered 200`,
    () => all(NS.map((n) => burst(driver, n))),
    120_000,
  );
});

/**
 * Both sibling tasks of a share review decided at once (the provider's opinion, the authority's conclusion),
 * with claims, a supervisor's extension and reassignment, and the applicant's withdrawal, all in one burst.
 */
async function mixedBurst(round: number): Promise<void> {
  const city = await freshCity();
  const s = await shareRequest(city);
  decided.push(s.id);
  const provider = (i: number) => member(city.agencies.health, 'provider_reviewer', i);
  const authority = (i: number) => member(city.cityAuthority, 'authority_reviewer', i);
  const supervisor = member(city.cityAuthority, 'supervisor', 'sup');
  // The reviewer the lead is handed to has used the API before: a task goes only to someone the directory knows.
  ok(await get(authority(2), '/me'));
  type Op = { what: string; send: () => Promise<Res>; decision?: Call & { taskId: string } };
  const ops: Op[] = [];
  const complete = (actor: Actor, taskId: string, decision: string) => {
    const reason = `op ${ops.length};`;
    const body = {
      decision,
      reason,
      ...(decision === 'REQUEST_INFO' ? { form: missing(reason) } : decision === 'DISAGREE' || decision === 'REJECT' ? { form: refusalForm } : {}),
    };
    ops.push({
      what: `${decision} on ${taskId.slice(-16)} by ${actor.sub}`,
      send: () => post(actor, `/tasks/${taskId}/complete`, body),
      decision: { actor, taskId, body },
    });
  };
  ['AGREE', 'DISAGREE', 'REQUEST_INFO', 'AGREE', 'DISAGREE', 'REQUEST_INFO'].forEach((decision, i) => complete(provider(i), s.opinion.id, decision));
  ['APPROVE', 'REJECT', 'REQUEST_INFO', 'CONSULT', 'APPROVE', 'REJECT', 'REQUEST_INFO', 'CONSULT'].forEach((decision, i) =>
    complete(authority(i), s.lead.id, decision),
  );
  ops.push(
    { what: 'claim opinion', send: () => post(provider(1), `/tasks/${s.opinion.id}/claim`) },
    { what: 'claim lead', send: () => post(authority(1), `/tasks/${s.lead.id}/claim`) },
    { what: 'extend opinion', send: () => post(supervisor, `/tasks/${s.opinion.id}/extend`, { workingDays: 2, reason: '会商需要' }) },
    { what: 'extend lead', send: () => post(supervisor, `/tasks/${s.lead.id}/extend`, { workingDays: 3, reason: '会商需要' }) },
    { what: 'reassign lead', send: () => post(supervisor, `/tasks/${s.lead.id}/reassign`, { user: authority(2).sub, reason: '专人办理' }) },
    { what: 'cancel', send: () => post(s.applicant, `/requests/${s.id}/cancel`, { reason: 'op cancel;' }) },
  );
  // All within a few tens of milliseconds, each at a random moment of it: sent at the same instant, the
  // cancellation (the cheapest route) reaches the workflow first every time, and the rest never race.
  const answers: Res[] = [];
  await Promise.all(
    ops.map(async (o, k) => {
      await new Promise((r) => setTimeout(r, Math.random() * (o.what === 'cancel' ? 250 : 80)));
      answers[k] = await o.send();
    }),
  );
  const lines = ops.map((o, k) => `  ${o.what} → ${answers[k].statusCode} ${answers[k].statusCode === 200 ? '' : answers[k].json().type}`);
  try {
    // Never a 5xx; every refusal a problem: taken by another (409), claimed or handed to someone else (403).
    expect(
      answers.flatMap((r, k) => (r.statusCode === 200 || ([403, 409].includes(r.statusCode) && mediaType(r) === 'application/problem+json') ? [] : [lines[k]])),
    ).toEqual([]);
    const won = ops.flatMap((o, k) => (o.decision && answers[k].statusCode === 200 ? [o.decision] : []));
    const cancelled = answers[ops.findIndex((o) => o.what === 'cancel')].statusCode === 200;
    for (const taskId of [s.opinion.id, s.lead.id]) expect(won.filter((c) => c.taskId === taskId).length).toBeLessThanOrEqual(1);
    await settle(async () => {
      const [request, tasks, audit, grants, traces] = await Promise.all([
        h.db.selectFrom('requests').selectAll().where('id', '=', s.id).executeTakeFirstOrThrow(),
        h.db.selectFrom('tasks').selectAll().where('request_id', '=', s.id).execute(),
        h.db.selectFrom('audit_events').selectAll().where('request_id', '=', s.id).execute(),
        h.db.selectFrom('grants').select('status').where('request_id', '=', s.id).execute(),
        written(s.id, city),
      ]);
      // The trail's decisions are exactly those answered 200, as answered; each task decided at most once.
      const trail = audit.filter((e) => e.action === 'task_completed').map((e) => `${e.task_id} ${e.decision} ${e.reason} ${e.actor_sub}`);
      expect(trail.sort()).toEqual(won.map((c) => `${c.taskId} ${c.body.decision} ${c.body.reason} ${c.actor.sub}`).sort());
      for (const t of tasks.filter((x) => x.status === 'completed'))
        expect(won).toContainEqual(
          expect.objectContaining({
            taskId: t.id,
            actor: expect.objectContaining({ sub: t.decided_by }),
            // A request for information is recorded with its list of what is missing, as answered.
            body: { decision: t.decision, reason: t.reason, ...(t.form ? { form: t.form } : {}) },
          }),
        );
      // Nothing of a refused decision written.
      expect(ops.flatMap((o, k) => (o.decision && answers[k].statusCode !== 200 && traces.includes(o.decision.body.reason) ? [lines[k]] : []))).toEqual([]);
      // The request ends as the answers say: withdrawn only by the cancellation answered 200, granted only by
      // an APPROVE answered 200 after an AGREE answered 200 (Art. 14), rejected only by a REJECT answered 200.
      const has = (decision: string) => won.some((c) => c.body.decision === decision);
      expect({
        cancelled: request.status === 'cancelled',
        granted: request.status === 'granted',
        rejected: request.status === 'rejected',
        grants: grants.map((g) => g.status),
      }).toEqual({
        cancelled,
        granted: has('APPROVE'),
        rejected: has('REJECT'),
        grants: has('APPROVE') ? ['active'] : [],
      });
      if (has('APPROVE')) expect(has('AGREE')).toBe(true);
      // At rest: no open task on a finished request, and the read model agrees with the workflow about every task.
      if (!CANCELLABLE.includes(request.status as RequestStatus)) expect(tasks.filter((t) => t.status === 'open').map((t) => t.id)).toEqual([]);
      const state = await workflowState(request.workflow_id);
      expect({ status: request.status, tasks: Object.fromEntries(tasks.map((t) => [t.id, t.status])) }).toEqual({
        status: state.status,
        tasks: Object.fromEntries(state.tasks.map((t) => [t.id, t.status])),
      });
    });
  } catch (err) {
    throw await explained(err, `mixed burst ${round}:`, lines, s.id);
  }
}

test(
  'both sibling tasks of a share review decided at once, with claims, extensions, a reassignment and the withdrawal: nothing crosses',
  () => all(Array.from({ length: 8 }, (_, round) => mixedBurst(round))),
  120_000,
);

test('every history these bursts made replays', async () => {
  const runs = await h.db
    .selectFrom('requests')
    .select('workflow_id')
    .where((eb) => eb.or(decided.flatMap((id) => [eb('id', '=', id), eb('id', 'like', `${id}.%`)])))
    .execute();
  const histories = await Promise.all(
    runs.map(async ({ workflow_id }) => ({ workflowId: workflow_id, history: await h.client.workflow.getHandle(workflow_id).fetchHistory() })),
  );
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: { codePath: process.env.PDW_WORKFLOW_BUNDLE! }, sinks: workerTracingOptions(undefined).sinks },
    histories,
  ))
    if (result.error) failures.push(`${result.workflowId}: ${result.error}`);
  expect(failures).toEqual([]);
  expect(histories.length).toBeGreaterThanOrEqual(decided.length);
}, 120_000);
