// Case numbers (受理编号) over HTTP against real Temporal and PostgreSQL: given once when a request is first recorded,
// unique under concurrent starts, kept by a retry, found by number by whoever may read the request, shown in the inbox.
import { randomUUID } from 'node:crypto';
import { recordRequestIn, type RecordRequestInput } from '../activities/requests';
import { shanghaiDay } from '../domain/calendar';
import { CASE_NUMBER_PATTERN, DEFAULT_CASE_REGION } from '../domain/requests';
import type { Actor } from '../domain/types';
import { expectProblem, startApi, validShareBody, type Api } from './api-helpers';
import { startHarness, type Harness } from './helpers';

let h: Harness;
let api: Api;
beforeAll(async () => {
  h = await startHarness('casenum');
  api = await startApi(h);
});
afterAll(async () => {
  await api.app.close();
  await h.close();
});

const alice = (): Actor => ({ sub: `alice-${randomUUID().slice(0, 8)}`, org: h.city.agencies.market, roles: ['agency_applicant'] });
const bob = (): Actor => ({ sub: 'bob', org: h.city.cityAuthority, roles: ['authority_reviewer'] });

const post = (actor: Actor, url: string, payload?: object, headers: Record<string, string> = {}) =>
  api.app.inject({ method: 'POST', url, payload, headers: { ...api.as(actor), ...headers } });
const get = (actor: Actor, url: string) => api.app.inject({ method: 'GET', url, headers: api.as(actor) });

async function share(actor: Actor, headers: Record<string, string> = {}) {
  const res = await post(actor, '/share-requests', validShareBody(h.city.entries.conditional), headers);
  expect(res.statusCode).toBeLessThan(300);
  return res.json() as { id: string; caseNumber: string | null; status: string };
}

/** Today's case number prefix of share requests: the region, GX, the day in Asia/Shanghai. */
const todays = () => `${DEFAULT_CASE_REGION}-GX-${shanghaiDay(new Date()).replace(/-/g, '')}-`;

test('a request is numbered when accepted: region, procedure, day, sequence', async () => {
  const me = alice();
  const req = await share(me);
  expect(req.caseNumber).toMatch(new RegExp(CASE_NUMBER_PATTERN));
  expect(req.caseNumber!.startsWith(todays())).toBe(true);
  expect((await get(me, `/requests/${req.id}`)).json().caseNumber).toBe(req.caseNumber);
  // The applicant's list and notices carry it.
  const mine = (await get(me, '/requests')).json().items as { id: string; caseNumber: string }[];
  expect(mine.find((r) => r.id === req.id)?.caseNumber).toBe(req.caseNumber);
  type Notice = { requestId: string; caseNumber: string | null; kind: string; message: string };
  const notices = (await get(me, '/notifications')).json().items as Notice[];
  expect(notices.filter((n) => n.requestId === req.id).map((n) => n.caseNumber)).toContain(req.caseNumber);
  // Each notice about it says so in Chinese, naming it by its number and its entry (domain/notices.ts): the applicant's,
  // written in the statement that draws the number, and the reviewers' of the tasks it opened.
  const { title } = await h.db.selectFrom('catalog_entries').select('title').where('id', '=', h.city.entries.conditional).executeTakeFirstOrThrow();
  const reviewers = (await get(bob(), '/notifications?limit=100')).json().items as Notice[];
  const about = [...notices, ...reviewers].filter((n) => n.requestId === req.id);
  expect(about.map((n) => n.kind)).toEqual(expect.arrayContaining(['request_status', 'task_assigned']));
  for (const n of about) {
    expect(n.message).toContain(`（受理编号 ${req.caseNumber}「${title}」）`);
    expect(n.message.replace(req.caseNumber!, '')).not.toMatch(/[A-Za-z]{3,}/);
  }
});

test('20 concurrent starts of the same procedure on the same day draw 20 different numbers', async () => {
  const made = await Promise.all(Array.from({ length: 20 }, () => share(alice())));
  const numbers = made.map((r) => r.caseNumber!);
  for (const n of numbers) expect(n.startsWith(todays())).toBe(true);
  expect(new Set(numbers).size).toBe(20);
  const rows = await h.db
    .selectFrom('requests')
    .select(['id', 'case_number'])
    .where(
      'id',
      'in',
      made.map((r) => r.id),
    )
    .execute();
  expect(Object.fromEntries(rows.map((r) => [r.id, r.case_number]))).toEqual(Object.fromEntries(made.map((r) => [r.id, r.caseNumber])));
});

test('a retried submission keeps its number: the same Idempotency-Key, and the write retried', async () => {
  const me = alice();
  const key = randomUUID();
  const first = await share(me, { 'idempotency-key': key });
  const again = await share(me, { 'idempotency-key': key });
  expect(again.id).toBe(first.id);
  expect(again.caseNumber).toBe(first.caseNumber);
  // The activity's write retried (a worker lost after the commit): the row keeps the number it first drew.
  const row = await h.db.selectFrom('requests').selectAll().where('id', '=', first.id).executeTakeFirstOrThrow();
  const record: RecordRequestInput = {
    requestId: row.id,
    workflowId: row.workflow_id,
    type: row.type,
    applicant: { sub: row.applicant_sub, org: row.applicant_org, role: 'agency_applicant' },
    catalogEntryId: row.catalog_entry_id,
    payload: row.payload,
    payloadHash: row.payload_hash,
    article: 'Art. 12',
  };
  await recordRequestIn(h.db, record, DEFAULT_CASE_REGION);
  await recordRequestIn(h.db, record, DEFAULT_CASE_REGION);
  expect((await get(me, `/requests/${first.id}`)).json().caseNumber).toBe(first.caseNumber);
  // A first write retried: the second attempt finds the row and its number.
  const fresh = { ...record, requestId: randomUUID(), workflowId: `casenum-${randomUUID()}` };
  await recordRequestIn(h.db, fresh, DEFAULT_CASE_REGION);
  const drawn = (await h.db.selectFrom('requests').select('case_number').where('id', '=', fresh.requestId).executeTakeFirstOrThrow()).case_number;
  expect(drawn).toMatch(new RegExp(CASE_NUMBER_PATTERN));
  await recordRequestIn(h.db, fresh, DEFAULT_CASE_REGION);
  expect((await h.db.selectFrom('requests').select('case_number').where('id', '=', fresh.requestId).executeTakeFirstOrThrow()).case_number).toBe(drawn);
});

test('GET /requests?number= finds a request its applicant and reviewers may read, and nobody else', async () => {
  const me = alice();
  const req = await share(me);
  const found = (await get(me, `/requests?number=${req.caseNumber}`)).json();
  expect(found).toEqual({ items: [expect.objectContaining({ id: req.id, caseNumber: req.caseNumber })], nextCursor: null });
  // The authority reviewing it finds it too; another applicant, even of the same organisation, finds nothing.
  expect((await get(bob(), `/requests?number=${req.caseNumber}`)).json().items.map((r: { id: string }) => r.id)).toEqual([req.id]);
  expect((await get(alice(), `/requests?number=${req.caseNumber}`)).json().items).toEqual([]);
  // A number nobody has, and one filtered away by status.
  expect((await get(me, `/requests?number=${todays()}99999`)).json().items).toEqual([]);
  expect((await get(me, `/requests?number=${req.caseNumber}&status=granted`)).json().items).toEqual([]);
  // Not a case number at all: a 400 naming the field.
  for (const bad of ['GX-20261205-0001', 'rz-gx-20261205-0001', 'RZ-GX-2026125-0001', "RZ-GX-20261205-0001'--"])
    expectProblem(await get(me, `/requests?number=${encodeURIComponent(bad)}`), 400, 'querystring.number');
});

test('the inbox shows each task with its case number, applying organisation and entry, by due time in pages', async () => {
  const reqs = await Promise.all(Array.from({ length: 4 }, () => share(alice())));
  type Row = { id: string; requestId: string; dueAt: string; caseNumber: string | null; applicantName: string | null; entryTitle: string | null };
  const all: Row[] = [];
  let cursor: string | null = null;
  do {
    const res = await get(bob(), `/tasks?sort=due&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.statusCode).toBe(200);
    const page = res.json() as { items: Row[]; nextCursor: string | null };
    expect(page.items.length).toBeLessThanOrEqual(3);
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  // Every task once, ascending by due time, ties by id: the same order as one page of everything.
  expect(new Set(all.map((t) => t.id)).size).toBe(all.length);
  const sorted = [...all].sort((a, b) => a.dueAt.localeCompare(b.dueAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  expect(all.map((t) => t.id)).toEqual(sorted.map((t) => t.id));
  const whole = (await get(bob(), '/tasks?limit=100')).json().items as Row[];
  expect(whole.map((t) => t.id)).toEqual(all.map((t) => t.id));
  const entry = await h.db.selectFrom('catalog_entries').select('title').where('id', '=', h.city.entries.conditional).executeTakeFirstOrThrow();
  const market = await h.db.selectFrom('organisations').select('name').where('id', '=', h.city.agencies.market).executeTakeFirstOrThrow();
  for (const r of reqs)
    expect(all.find((t) => t.requestId === r.id)).toMatchObject({ caseNumber: r.caseNumber, applicantName: market.name, entryTitle: entry.title });
  expectProblem(await get(bob(), '/tasks?sort=newest'), 400, 'querystring.sort');
});
