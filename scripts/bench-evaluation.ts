// npm run bench -- evaluation: the evaluation (Art. 32) over BENCH_EVAL_TASKS audited tasks (default 1,000,000), seeded
// by SQL as the procedures write them (tasks, and their task_opened / task_due_extended / task_urged / task_completed
// events through the audit trail's hash-chain trigger, migration 022, and the trigger that folds each task's trail
// into task_trails, migration 028), over a city of five divisions and 40
// organisations, four years of work. Measures the evaluation of one district and of the whole city for one quarter
// (p50/p99 over BENCH_EVAL_RUNS runs, default 30) and the quarter's snapshot of every scope of the city (the activity
// the snapshot workflow runs). Uses a database of its own (BENCH_EVAL_DATABASE_URL), dropped at the end.
import { sql } from 'kysely';
import { evaluationActivities } from '../activities/evaluation';
import { computeEvaluation } from '../db/repositories/evaluation';
import { divisionOrgIds } from '../db/repositories/organisations';
import os from 'node:os';
import { createDb, dropDatabase, recreateDatabase, type Db } from '../db';
import { parsePeriod } from '../domain/evaluation';
import { pct } from './bench-support';

const TASKS = Number(process.env.BENCH_EVAL_TASKS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_EVAL_RUNS ?? 30);
const URL_ = process.env.BENCH_EVAL_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/pdw_bench_evaluation';
const REGION = 'bencheval';
const DIVISIONS = ['371100', '371102', '371103', '371121', '371122'];
/** Requests a statement writes: each of its tasks' events takes an advisory lock of its request's chain until commit. */
const CHUNK = 1000;
const QUARTER = '2026-Q2';

export async function benchEvaluation(): Promise<void> {
  // BENCH_EVAL_REUSE=1 measures the database an earlier run kept (BENCH_EVAL_KEEP=1) without seeding it again.
  const reuse = Boolean(process.env.BENCH_EVAL_REUSE);
  if (!reuse) await recreateDatabase(URL_);
  const db = createDb(URL_, 4);
  try {
    if (!reuse) await seed(db);
    console.log(
      `load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${os.cpus().length} cores (shared with other work)`,
    );

    const period = parsePeriod(QUARTER)!;
    console.log(`evaluation of ${QUARTER}, ${RUNS} sequential runs after 3 warm-up (computeEvaluation: the query and the figures, as GET /evaluations)`);
    console.log('scope               | tasks read | p50 ms | p99 ms');
    for (const division of ['371102', '371100']) {
      const orgs = await divisionOrgIds(db, REGION, division);
      const times: number[] = [];
      let read = 0;
      // The whole city reads five times the tasks: fewer runs.
      const runs = division === '371100' ? Math.min(RUNS, 10) : RUNS;
      for (let i = 0; i < runs + 3; i++) {
        const s = process.hrtime.bigint();
        const { tasks } = await computeEvaluation(db, orgs, period);
        if (i >= 3) times.push(Number(process.hrtime.bigint() - s) / 1e6);
        read = tasks.length;
      }
      times.sort((a, b) => a - b);
      console.log(
        `division ${division}${division === '371100' ? ' (city)' : '       '} | ${String(read).padStart(10)} | ${pct(times, 50).toFixed(0).padStart(6)} | ${pct(times, 99).toFixed(0).padStart(6)} (${runs} runs)`,
      );
    }
    const acts = evaluationActivities(db);
    for (const label of ['first', 'again (unchanged)']) {
      const s = Date.now();
      const result = await acts.keepEvaluationSnapshots({ periods: [QUARTER], region: REGION });
      console.log(`snapshot of ${QUARTER}, whole city, ${label}: ${((Date.now() - s) / 1000).toFixed(1)} s (${JSON.stringify(result)})`);
    }
  } finally {
    await db.destroy();
    // BENCH_EVAL_KEEP=1 keeps it to EXPLAIN the queries.
    if (!process.env.BENCH_EVAL_KEEP) await dropDatabase(URL_);
  }
}

/** The city, its requests and tasks, and their trail, by SQL; prints what it made and how long it took. */
async function seed(db: Db): Promise<void> {
  const requests = Math.ceil(TASKS / 2);
  const t0 = Date.now();
  // Five divisions of eight organisations: each division's big data authority and seven agencies.
  await sql`insert into organisations (id, name, kind, level, region, division, government_department)
            select 'ev-' || d || '-' || g, case when g = 0 then '大数据局' else '部门' || g end || d,
                   case when g = 0 then 'authority' else 'agency' end, case when d = '371100' then 'city' else 'county' end,
                   ${REGION}, d, true
            from unnest(${sql.val(DIVISIONS)}::text[]) d, generate_series(0, 7) g`.execute(db);
  // Share requests, evenly over the four years to 2026-12-01 (Asia/Shanghai); each has the provider's opinion
  // (an agency of a division) and the authority's review (that division's authority), one after the other.
  const span = sql`(timestamptz '2022-12-01 00:00+08' + (g::float8 / ${requests}) * (timestamptz '2026-12-01 00:00+08' - timestamptz '2022-12-01 00:00+08'))`;
  await sql`insert into requests (id, type, workflow_id, applicant_sub, applicant_org, status, payload, payload_hash, created_at, updated_at, case_number)
            select 'er-' || g, 'share', 'share-er-' || g, 'applicant', 'ev-371100-1', 'granted', '{}', 'x', ${span}, ${span}, 'GX-EV-' || g
            from generate_series(1, ${requests}) g`.execute(db);
  // Per task: opened at, due 10 working days on (≈ 14 days), handled in (g*7919 mod 20) days, a few left open in the
  // last month; 5% extended by 7 days, 3% urged; the provider disagrees with 1 in 10, the authority rejects 1 in 20.
  await sql`create temporary table seed_tasks as
    select t.*, t.opened + interval '14 days' as due,
           case when t.opened > timestamptz '2026-11-20 00:00+08' and t.h % 3 = 0 then null else t.opened + (t.h % 20) * interval '1 day' + interval '3 hours' end as closed
    from (
      select 'et-' || g || '-' || s as id, 'er-' || g as request_id, g, s, (g::bigint * 7919 + s * 104729) % 1000 as h,
             case s when 1 then 'SHARE_PROVIDER_OPINION' else 'SHARE_JOINT_REVIEW' end as kind,
             case s when 1 then 'provider_reviewer' else 'authority_reviewer' end as role,
             'ev-' || (${sql.val(DIVISIONS)}::text[])[1 + g % 5] || '-' || case s when 1 then 1 + (g / 5) % 7 else 0 end as org,
             ${span} + (s - 1) * interval '10 days' as opened
      from generate_series(1, ${requests}) g, generate_series(1, 2) s) t`.execute(db);
  // Each chunk of events below reads its requests' tasks by request number.
  await sql`create index on seed_tasks (g)`.execute(db);
  await sql`analyze seed_tasks`.execute(db);
  await sql`insert into tasks (id, request_id, workflow_id, kind, candidate_role, candidate_org, status, article, due_at, decision, decided_by,
                               created_at, completed_at, candidates)
            select id, request_id, 'share-' || request_id, kind, role, org, case when closed is null then 'open' else 'completed' end, 'Art. 14',
                   due + case when h % 20 = 0 then interval '7 days' else interval '0' end,
                   case when closed is null then null when s = 1 then (case when h % 10 = 0 then 'DISAGREE' else 'AGREE' end)
                        else (case when h % 20 = 1 then 'REJECT' else 'APPROVE' end) end,
                   case when closed is null then null else 'reviewer' end, opened, closed,
                   jsonb_build_array(jsonb_build_object('org', org, 'role', role, 'user', null))
            from seed_tasks`.execute(db);
  const seededTasks = Date.now();
  const iso = (e: string) => `to_char((${e}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  for (let lo = 1; lo <= requests; lo += CHUNK) {
    const hi = Math.min(requests, lo + CHUNK - 1);
    // In each request's order, as the procedures append them: the chain trigger gives each its place and hash.
    await sql`insert into audit_events (event_key, request_id, task_id, at, actor_sub, actor_org, actor_role, action, article, decision, reason, old_value, new_value)
      select event_key, request_id, task_id, at, actor_sub, actor_org, actor_role, action, article, decision, reason, old_value, new_value from (
        select 'task:' || id || ':opened' as event_key, request_id, id as task_id, opened as at, 'system' as actor_sub, null as actor_org,
               'system' as actor_role, 'task_opened' as action, 'Art. 14' as article, null as decision, null as reason, 'null'::jsonb as old_value,
               jsonb_build_object('kind', kind, 'candidateRole', role, 'candidateOrg', org, 'dueAt', ${sql.raw(iso('due'))}, 'calendarKnown', true) as new_value,
               g, s, 1 as o
        from seed_tasks where g between ${lo} and ${hi}
        union all
        select 'task:' || id || ':due:1', request_id, id, opened + interval '5 days', 'supervisor', 'ev-371100-0', 'supervisor', 'task_due_extended', 'Art. 32',
               null, '材料较多', jsonb_build_object('dueAt', ${sql.raw(iso('due'))}), jsonb_build_object('dueAt', ${sql.raw(iso("due + interval '7 days'"))}), g, s, 2
        from seed_tasks where g between ${lo} and ${hi} and h % 20 = 0 and (closed is null or closed > opened + interval '5 days')
        union all
        select 'task:' || id || ':urged:1', request_id, id, opened + interval '4 days', 'supervisor', 'ev-371100-0', 'supervisor', 'task_urged', 'Art. 32',
               null, '请尽快办理', 'null'::jsonb, jsonb_build_object('count', 1), g, s, 3
        from seed_tasks where g between ${lo} and ${hi} and h % 33 = 0 and (closed is null or closed > opened + interval '4 days')
        union all
        select 'task:' || t.id || ':completed', request_id, id, closed, 'reviewer', org, role, 'task_completed', 'Art. 14', k.decision, null,
               '{"status":"open"}'::jsonb, jsonb_build_object('status', 'completed', 'decision', k.decision, 'form', '{}'::jsonb), g, s, 4
        from seed_tasks t, lateral (select case when s = 1 then (case when h % 10 = 0 then 'DISAGREE' else 'AGREE' end)
                                                 else (case when h % 20 = 1 then 'REJECT' else 'APPROVE' end) end as decision) k
        where g between ${lo} and ${hi} and closed is not null
      ) e
      order by g, at, s, o`.execute(db);
  }
  // As autovacuum leaves a table that has settled: statistics and the visibility map.
  await sql`vacuum analyze`.execute(db);
  const counts = await sql<{
    tasks: string;
    events: string;
  }>`select (select count(*) from tasks) as tasks, (select count(*) from audit_events) as events`.execute(db);
  const seeded = Date.now();
  console.log(
    `seeded ${counts.rows[0].tasks} tasks of ${DIVISIONS.length} divisions' 40 organisations with ${counts.rows[0].events} chained audit events in ${((seeded - t0) / 1000).toFixed(0)} s (tasks ${((seededTasks - t0) / 1000).toFixed(0)} s, events ${((seeded - seededTasks) / 1000).toFixed(0)} s)`,
  );
}
