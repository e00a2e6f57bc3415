// npm run bench (or `npm run bench -- inbox`): p50/p99 of GET /tasks (a reviewer's inbox) and GET /overdue-tasks (a
// supervisor's overdue list, a city's and a county's) over real HTTP at 1,000, 100,000 and 1,000,000 open tasks (BENCH_LEVELS
// chooses), first page and a deep cursor, and at the end each query's p99 at the largest level over its p99 at the
// smallest (issue 27 §2: within 1.5×). Uses its own database (BENCH_DATABASE_URL, recreated each run); needs no Temporal server.
import { CompiledQuery, sql } from 'kysely';
import { signToken } from '../api/auth';
import { encodeCursor } from '../api/views';
import type { Db } from '../db';
import { overseenOrgIds } from '../db/repositories/organisations';
import { inboxQuery, overdueQuery } from '../db/repositories/tasks';
import type { Role } from '../domain/types';
import { httpApi, pct, timeGets } from './bench-support';

const ORGS = 50;
const DIVISIONS = ['371100', '371102', '371103', '371121', '371122'];
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1000);
const LEVELS = (process.env.BENCH_LEVELS ?? '1000,100000,1000000').split(',').map(Number);
/** Rows a seeding statement inserts: one statement of a million would hold a million trigger rows and locks at once. */
const BATCH = 100_000;
/** Of every 20,000 tasks (due a minute apart), these many fell due in the last 2,000 minutes: 10 % overdue. */
const OVERDUE_MINUTES = 2_000;

export async function benchInbox(): Promise<void> {
  const api = await httpApi();
  const { db, app, base } = api;
  const token = (sub: string, org: string, roles: Role[]) => ({ authorization: `Bearer ${signToken(app, { sub, org, roles })}` });
  const reviewer = token('reviewer', 'org-7', ['provider_reviewer', 'authority_reviewer']);
  // The city's authority oversees every organisation; a county's, the tenth of them in its division (org-3, org-8, …).
  const citySupervisor = token('city-supervisor', 'auth-371100', ['supervisor']);
  const countySupervisor = token('county-supervisor', 'auth-371121', ['supervisor']);
  // Tokens must name organisations that exist.
  await sql`insert into organisations (id, name, kind, level, region, division)
            select 'org-' || g, 'Agency ' || g, 'agency', case when g % 5 = 0 then 'city' else 'county' end, 'bench', (${sql.val(DIVISIONS)}::text[])[1 + g % 5]
            from generate_series(0, ${ORGS - 1}) g
            union all values ('auth-371100', '市大数据局', 'authority', 'city', 'bench', '371100'),
                             ('auth-371121', '县大数据局', 'authority', 'county', 'bench', '371121')`.execute(db);
  await sql`insert into requests (id, type, workflow_id, applicant_sub, applicant_org, status, payload, payload_hash)
            values ('bench', 'share', 'bench', 'a', 'a', 'in_review', '{}', 'x')`.execute(db);
  // A seed opens no task anyone listens for: the change-event trigger (migration 039) would queue a notice a task.
  await sql`alter table tasks disable trigger tasks_event_insert`.execute(db);

  console.log(
    `Over HTTP, ${REQUESTS} sequential requests a query after warm-up, at ${LEVELS.join(' / ')} open tasks (10 % overdue); two candidates a task; ` +
      `the reviewer (two roles) is a candidate of 2/${ORGS} of the open tasks; the city's supervisor oversees all ${ORGS} organisations, the county's ${ORGS / 5}`,
  );
  // buffers and sql ms: EXPLAIN (ANALYZE, BUFFERS) of the route's statement, once: the pages it touched, and its time in the database.
  console.log('open tasks | query                    | p50 ms | p99 ms | buffers | sql ms | rss MiB');
  const p99s = new Map<string, Map<number, number>>();
  let inserted = 0;
  for (const total of LEVELS) {
    const t0 = Date.now();
    for (let from = inserted + 1; from <= total; from += BATCH) {
      const to = Math.min(total, from + BATCH - 1);
      // Every task has two candidates (its organisation's reviewers, and, as after an escalation, the
      // next organisation's authority reviewers), so the index holds two rows a task.
      await sql`insert into tasks (id, request_id, workflow_id, kind, candidate_role, candidate_org, status, article, due_at, candidates)
                select 'task-' || g, 'bench', 'bench', 'SHARE_PROVIDER_OPINION', 'provider_reviewer', 'org-' || (g % ${ORGS}), 'open', 'Art. 14',
                       now() + ((g % 20000) - ${OVERDUE_MINUTES}) * interval '1 minute',
                       jsonb_build_array(jsonb_build_object('org', 'org-' || (g % ${ORGS}), 'role', 'provider_reviewer', 'user', null),
                                         jsonb_build_object('org', 'org-' || ((g + 1) % ${ORGS}), 'role', 'authority_reviewer', 'user', null))
                from generate_series(${from}::int, ${to}::int) g`.execute(db);
    }
    inserted = Math.max(inserted, total);
    // As autovacuum leaves a table that has settled: statistics and the visibility map (index-only scans) current.
    await sql`vacuum (analyze) tasks, task_candidates`.execute(db);
    const seeded = (Date.now() - t0) / 1000;
    const first = (await (await fetch(`${base}/tasks?limit=20`, { headers: reviewer })).json()) as { items: unknown[] };
    if (first.items.length !== 20) throw new Error('the inbox page is not full');
    const mid = await db
      .selectFrom('tasks')
      .select(['due_at', 'id'])
      .where('candidate_org', '=', 'org-7')
      .orderBy('due_at')
      .orderBy('id')
      .offset(Math.floor(total / ORGS / 2))
      .limit(1)
      .executeTakeFirstOrThrow();
    /** Half way down the overdue list of these organisations (all, without). */
    const overdueMid = async (orgs?: string[]) => {
      const row = await db
        .selectFrom('tasks')
        .select(['due_at', 'id'])
        .where('status', '=', 'open')
        .where('due_at', '<', new Date())
        .$if(orgs !== undefined, (q) => q.where('candidate_org', 'in', orgs!))
        .orderBy('due_at')
        .orderBy('id')
        .offset(Math.floor((total * (orgs ? orgs.length / ORGS : 1) * OVERDUE_MINUTES) / 20_000 / 2))
        .limit(1)
        .executeTakeFirstOrThrow();
      return row;
    };
    const [cityOrgs, countyOrgs] = [await overseenOrgIds(db, 'auth-371100'), await overseenOrgIds(db, 'auth-371121')];
    const [cityMid, countyMid] = [await overdueMid(), await overdueMid(countyOrgs.filter((o) => o.startsWith('org-')))];
    const inbox = (after?: { due_at: Date; id: string }) =>
      inboxQuery(
        db,
        { sub: 'reviewer', org: 'org-7', roles: ['provider_reviewer', 'authority_reviewer'] },
        { status: 'open', after: after && [after.due_at, after.id], limit: 21 },
      );
    const overdue = (candidateOrgs: string[], after?: { due_at: Date; id: string }) =>
      overdueQuery(db, { now: new Date(), candidateOrgs, after: after && [after.due_at, after.id], limit: 51 });
    // Each with the statement the route runs for it, whose buffers read show whether the cost follows the page or the table.
    const queries = [
      ['inbox, first page', '/tasks?limit=20', reviewer, inbox()],
      ['inbox, deep cursor', `/tasks?limit=20&cursor=${cursorOf(mid)}`, reviewer, inbox(mid)],
      ['overdue city, first page', '/overdue-tasks?limit=50', citySupervisor, overdue(cityOrgs)],
      ['overdue city, deep', `/overdue-tasks?limit=50&cursor=${cursorOf(cityMid)}`, citySupervisor, overdue(cityOrgs, cityMid)],
      ['overdue county, first', '/overdue-tasks?limit=50', countySupervisor, overdue(countyOrgs)],
      ['overdue county, deep', `/overdue-tasks?limit=50&cursor=${cursorOf(countyMid)}`, countySupervisor, overdue(countyOrgs, countyMid)],
    ] as const;
    for (const [label, path, headers, query] of queries) {
      const plan = await explained(db, query);
      const { times, body } = await timeGets(base, path, headers, REQUESTS, 200);
      // Half way down 1,000 tasks, a deep page may be the last and short; never empty.
      if (!(body as { items: unknown[] }).items.length) throw new Error(`${label}: the page is empty`);
      const p99 = pct(times, 99);
      p99s.set(label, (p99s.get(label) ?? new Map<number, number>()).set(total, p99));
      const rss = process.memoryUsage().rss / 2 ** 20;
      console.log(
        `${String(total).padStart(10)} | ${label.padEnd(24)} | ${pct(times, 50).toFixed(2).padStart(6)} | ${p99.toFixed(2).padStart(6)} | ${String(plan.buffers).padStart(7)} | ${plan.ms.toFixed(2).padStart(5)} | ${rss.toFixed(0).padStart(7)}`,
      );
    }
    console.log(`${String(total).padStart(10)} | (seeded and vacuumed in ${seeded.toFixed(1)} s)`);
  }
  const [low, high] = [Math.min(...LEVELS), Math.max(...LEVELS)];
  if (high > low) {
    console.log(`p99 at ${high} over p99 at ${low} (issue 27 §2: at most 1.5)`);
    for (const [label, byLevel] of p99s) {
      const ratio = byLevel.get(high)! / byLevel.get(low)!;
      console.log(`${label.padEnd(24)} | ${ratio.toFixed(2).padStart(5)} | ${ratio <= 1.5 ? 'within' : 'OVER'}`);
    }
  }
  await api.close();
}

/** The API's cursor after this row. */
const cursorOf = (row: { due_at: Date; id: string }) => encodeCursor([row.due_at.toISOString(), row.id]);

/** EXPLAIN (ANALYZE, BUFFERS) of `query`: the shared buffers its plan touched (hit or read) and its execution time. */
async function explained(db: Db, query: { compile(): CompiledQuery }): Promise<{ buffers: number; ms: number }> {
  const { sql: text, parameters } = query.compile();
  type Plan = { Plan: { 'Shared Hit Blocks': number; 'Shared Read Blocks': number }; 'Execution Time': number };
  const { rows } = await db.executeQuery<{ 'QUERY PLAN': Plan[] }>(CompiledQuery.raw(`explain (analyze, buffers, format json) ${text}`, [...parameters]));
  const [plan] = rows[0]['QUERY PLAN'];
  return { buffers: plan.Plan['Shared Hit Blocks'] + plan.Plan['Shared Read Blocks'], ms: plan['Execution Time'] };
}
