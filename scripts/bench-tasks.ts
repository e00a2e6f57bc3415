// npm run bench (or `npm run bench -- inbox`): p50/p99 of GET /tasks over real HTTP at 1k and 100k open tasks.
// Uses its own database (BENCH_DATABASE_URL, recreated each run); needs no Temporal server.
import { sql } from 'kysely';
import { signToken } from '../api/auth';
import { httpApi, pct, timeGets } from './bench-support';

const ORGS = 50;
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);

export async function benchInbox(): Promise<void> {
  const api = await httpApi();
  const { db, app, base } = api;
  const auth = { authorization: `Bearer ${signToken(app, { sub: 'reviewer', org: 'org-7', roles: ['provider_reviewer', 'authority_reviewer'] })}` };
  // Tokens must name organisations that exist.
  await sql`insert into organisations (id, name, kind, level, region, division)
            select 'org-' || g, 'Agency ' || g, 'agency', 'city', 'bench', '371100' from generate_series(0, ${ORGS - 1}) g`.execute(db);
  await sql`insert into requests (id, type, workflow_id, applicant_sub, applicant_org, status, payload, payload_hash)
            values ('bench', 'share', 'bench', 'a', 'a', 'in_review', '{}', 'x')`.execute(db);

  console.log(
    `GET /tasks?limit=20 over HTTP, ${REQUESTS} sequential requests after warm-up; two candidates a task; the caller (two roles) is a candidate of 2/${ORGS} of the open tasks`,
  );
  console.log('open tasks | page        | p50 ms | p99 ms | rss MiB');
  let inserted = 0;
  for (const total of [1_000, 100_000]) {
    // Every task has two candidates (its organisation's reviewers, and, as after an escalation, the
    // next organisation's authority reviewers), so the index holds two rows a task.
    await sql`insert into tasks (id, request_id, workflow_id, kind, candidate_role, candidate_org, status, article, due_at, candidates)
              select 'task-' || g, 'bench', 'bench', 'SHARE_PROVIDER_OPINION', 'provider_reviewer', 'org-' || (g % ${ORGS}), 'open', 'Art. 14',
                     now() + (g % 20000) * interval '1 minute',
                     jsonb_build_array(jsonb_build_object('org', 'org-' || (g % ${ORGS}), 'role', 'provider_reviewer', 'user', null),
                                       jsonb_build_object('org', 'org-' || ((g + 1) % ${ORGS}), 'role', 'authority_reviewer', 'user', null))
              from generate_series(${inserted + 1}::int, ${total}::int) g`.execute(db);
    inserted = total;
    await sql`analyze tasks`.execute(db);
    await sql`analyze task_candidates`.execute(db);
    const first = (await (await fetch(`${base}/tasks?limit=20`, { headers: auth })).json()) as { items: unknown[] };
    const mid = await db
      .selectFrom('tasks')
      .select(['due_at', 'id'])
      .where('candidate_org', '=', 'org-7')
      .orderBy('due_at')
      .orderBy('id')
      .offset(Math.floor(total / ORGS / 2))
      .limit(1)
      .executeTakeFirstOrThrow();
    const deepCursor = Buffer.from(JSON.stringify([mid.due_at.toISOString(), mid.id])).toString('base64url');
    for (const [label, path] of [
      ['first', '/tasks?limit=20'],
      ['deep cursor', `/tasks?limit=20&cursor=${deepCursor}`],
    ] as const) {
      const { times } = await timeGets(base, path, auth, REQUESTS, 200);
      const rss = process.memoryUsage().rss / 2 ** 20;
      console.log(
        `${String(total).padStart(10)} | ${label.padEnd(11)} | ${pct(times, 50).toFixed(2).padStart(6)} | ${pct(times, 99).toFixed(2).padStart(6)} | ${rss.toFixed(0).padStart(7)}`,
      );
    }
    if (first.items.length !== 20) throw new Error('the inbox page is not full');
  }
  await api.close();
}
