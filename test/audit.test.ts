// The audit trail as a hash chain and its export, over HTTP against real Temporal and PostgreSQL: every event
// of a request carries its predecessor's hash, twenty writers at once still make one unbroken chain, an event
// changed or taken out is named by `npm run audit -- verify`; the export streams CSV (formula-safe) or JSON
// lines to the authorities and supervisors of the organisations it covers, and is itself on the trail.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { appendAudit, chainBreaks } from '../db/repositories/audit';
import type { Actor } from '../domain/types';
import { expectProblem, startApi, validShareBody, type Api } from './api-helpers';
import { eventually, startHarness, type Harness } from './helpers';

let h: Harness;
let api: Api;
beforeAll(async () => {
  h = await startHarness('audit');
  api = await startApi(h);
});
afterAll(async () => {
  await api.app.close();
  await h.close();
});

const applicant = (): Actor => ({ sub: 'audit.applicant', org: h.city.agencies.market, roles: ['agency_applicant'] });
const provider = (): Actor => ({ sub: 'audit.provider', org: h.city.agencies.health, roles: ['provider_reviewer'] });
const authority = (): Actor => ({ sub: 'audit.authority', org: h.city.cityAuthority, roles: ['authority_reviewer'] });
const supervisor = (org = h.city.cityAuthority): Actor => ({ sub: 'audit.supervisor', org, roles: ['supervisor'] });
const get = (actor: Actor, url: string) => api.app.inject({ method: 'GET', url, headers: api.as(actor) });
const post = (actor: Actor, url: string, payload?: object) => api.app.inject({ method: 'POST', url, payload, headers: api.as(actor) });

/** A share request taken to its end: applied for (its scenario starting as a formula would), agreed, approved. */
async function lifecycle(): Promise<string> {
  const res = await post(applicant(), '/share-requests', { ...validShareBody(h.city.entries.conditional), scenario: '=HYPERLINK("http://x","点击")' });
  expect(res.statusCode).toBe(201);
  const id = res.json().id as string;
  const decideAs = async (actor: Actor, kind: string, decision: string) => {
    const task = await eventually(async () =>
      ((await get(actor, `/tasks?kind=${kind}`)).json().items as { id: string; requestId: string }[]).find((t) => t.requestId === id),
    );
    expect((await post(actor, `/tasks/${task.id}/complete`, { decision, reason: '=1+1 依法审核' })).statusCode).toBe(200);
  };
  await decideAs(provider(), 'SHARE_PROVIDER_OPINION', 'AGREE');
  await decideAs(authority(), 'SHARE_JOINT_REVIEW', 'APPROVE');
  await eventually(async () => (await get(applicant(), `/requests/${id}`)).json().status === 'granted');
  return id;
}

const chainOf = (requestId: string) =>
  h.db.selectFrom('audit_events').select(['id', 'chain_seq', 'prev_hash', 'hash', 'action']).where('request_id', '=', requestId).orderBy('chain_seq').execute();

const verify = () =>
  promisify(execFile)(process.execPath, [path.join(__dirname, '..', 'scripts', 'run.js'), 'scripts/audit.ts', 'verify'], {
    cwd: path.join(__dirname, '..'),
    env: { ...process.env, DATABASE_URL: process.env.TEST_DATABASE_URL, PDW_MODE: 'development' },
  }).then(
    (r) => ({ code: 0, out: r.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
  );

test("a request's events form one chain, each carrying its predecessor's hash; twenty writers at once still make one", async () => {
  const id = await lifecycle();
  const chain = await chainOf(id);
  expect(chain.length).toBeGreaterThanOrEqual(6);
  chain.forEach((e, i) => {
    expect(e.chain_seq).toBe(i + 1);
    expect(e.prev_hash).toBe(i === 0 ? null : chain[i - 1].hash);
    expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  // Twenty events of one request written at once, each in its own transaction: one chain, no place twice, no gap.
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      appendAudit(h.db, {
        eventKey: `audit-test:${id}:${i}`,
        requestId: id,
        actor: { sub: 'audit.supervisor', org: h.city.cityAuthority, role: 'supervisor' },
        action: 'task_urged',
        article: 'Art. 32',
        reason: `第 ${i} 次`,
      }),
    ),
  );
  const after = await chainOf(id);
  expect(after.map((e) => e.chain_seq)).toEqual(Array.from({ length: chain.length + 20 }, (_, i) => i + 1));
  after.slice(1).forEach((e, i) => expect(e.prev_hash).toBe(after[i].hash));
  expect((await chainBreaks(h.db, 1000)).filter((b) => b.request_id === id)).toEqual([]);
});

test('an event changed, or taken out, behind the append-only guard is named by npm run audit -- verify', async () => {
  const altered = await lifecycle();
  const removed = await lifecycle();
  const [, second] = await chainOf(altered);
  const [, , third] = await chainOf(removed);
  // As someone with the database's own rights would: the append-only trigger switched off for their session.
  await h.db.transaction().execute(async (tx) => {
    await sql`set local session_replication_role = replica`.execute(tx);
    await sql`update audit_events set reason = '篡改' where id = ${second.id}`.execute(tx);
    await sql`delete from audit_events where id = ${third.id}`.execute(tx);
  });
  const breaks = (await chainBreaks(h.db, 1000)).filter((b) => b.request_id === altered || b.request_id === removed);
  expect(breaks).toEqual([
    expect.objectContaining({ id: second.id, request_id: altered, problem: 'altered' }),
    expect.objectContaining({ request_id: removed, chain_seq: third.chain_seq + 1, problem: 'predecessor missing' }),
  ]);
  const { code, out } = await verify();
  expect(code).toBe(1);
  expect(out).toContain(`broken: event ${second.id} (request ${altered}, place 2): altered`);
  expect(out).toContain(`(request ${removed}, place ${third.chain_seq + 1}): predecessor missing`);
  expect(out).toMatch(/\d+ events in \d+ chains checked: \d+ broken/);
});

test('the export streams the trail as CSV or JSON lines to those who oversee it, formula-safe, and is itself on the trail', async () => {
  const id = await lifecycle();
  const from = new Date(Date.now() - 3600_000).toISOString();

  const csv = await get(supervisor(), `/audit?format=csv&procedure=share&from=${encodeURIComponent(from)}`);
  expect(csv.statusCode).toBe(200);
  expect(csv.headers['content-type']).toContain('text/csv');
  expect(csv.headers['content-disposition']).toMatch(/attachment; filename="audit-\d{4}-\d{2}-\d{2}\.csv"/);
  const lines = csv.body.replace(/^\ufeff/, '').split('\r\n');
  expect(lines[0]).toBe(
    'id,at,caseNumber,procedure,requestId,taskId,actorSub,actorOrg,actorRole,action,decision,reason,article,oldValue,newValue,chainSeq,prevHash,hash',
  );
  const mine = lines.filter((l) => l.includes(id));
  expect(mine.length).toBeGreaterThanOrEqual(6);
  // A reason that would start a formula starts with a quote; none of the request's cells starts with =.
  expect(mine.some((l) => l.includes(",'=1+1 依法审核,"))).toBe(true);
  expect(mine.some((l) => /(^|,)=/.test(l))).toBe(false);

  const jsonl = await get(authority(), `/audit?procedure=share&from=${encodeURIComponent(from)}`);
  expect(jsonl.statusCode).toBe(200);
  expect(jsonl.headers['content-type']).toContain('application/jsonl');
  const events = jsonl.body
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((e) => e.requestId === id);
  expect(events.map((e) => e.chainSeq)).toEqual(events.map((_, i) => i + 1));
  expect(events[0]).toMatchObject({
    procedure: 'share',
    caseNumber: expect.stringMatching(/-GX-/),
    action: 'submitted',
    hash: expect.stringMatching(/^[0-9a-f]{64}$/),
  });

  // Each export is an event of its own, naming what was asked.
  const exported = await h.db
    .selectFrom('audit_events')
    .select(['actor_sub', 'new_value'])
    .where('action', '=', 'audit_exported')
    .where('actor_sub', '=', 'audit.supervisor')
    .execute();
  expect(exported).toEqual(
    expect.arrayContaining([expect.objectContaining({ new_value: expect.objectContaining({ procedure: 'share', format: 'csv', from }) })]),
  );

  // A county's supervisor oversees none of the city's agencies; an organisation outside one's scope is as none.
  const county = (await get(supervisor(h.city.countyAuthority), `/audit?from=${encodeURIComponent(from)}`)).body;
  expect(county).not.toContain(id);
  const outside = (await get(supervisor(h.city.countyAuthority), `/audit?organisation=${h.city.agencies.market}&from=${encodeURIComponent(from)}`)).body;
  expect(outside).toBe('');
  // An agency's own people may not export; a period that ends before it begins is refused, naming the field.
  expectProblem(await get(applicant(), '/audit'), 403);
  expectProblem(await get(supervisor(), `/audit?from=${encodeURIComponent(from)}&to=${encodeURIComponent(from)}`), 400, 'querystring.to');
  expectProblem(await get(supervisor(), '/audit?from=yesterday'), 400);
});
