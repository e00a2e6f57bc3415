// Evaluation by period (Art. 32): the organisations' tasks as the audit trail tells them (domain/evaluation.ts counts
// the figures), and the snapshots kept of each period's figures, revised, never changed in place.
import { sql, type Kysely } from 'kysely';
import type { IsWorkday } from '../../domain/calendar';
import { evaluate, type Period, type TrailTask } from '../../domain/evaluation';
import { REQUEST_TYPES } from '../../domain/requests';
import { SYSTEM } from '../../domain/types';
import type { Database } from '../schema';
import type { Db, Executor } from '../index';
import { appendAudit } from './audit';
import { readCalendarOverrides, statutoryCalendar } from './calendar';

/** The roles whose tasks are an organisation's work under evaluation (an applicant's replies and signatures are not). */
export const EVALUATED_ROLES = ['provider_reviewer', 'authority_reviewer', 'leading_group'] as const;

const TRAIL_ACTIONS = ['task_opened', 'task_completed', 'task_cancelled', 'task_due_extended', 'task_urged', 'task_escalated'];

/**
 * The reviewer tasks of `orgs` that bear on the period (open at some moment of it), with the tasks of the same
 * requests they may continue, each as its trail tells it: opened (with its due time), extended, urged, escalated,
 * decided or cancelled. A task whose opening is missing from the trail (none is, since the first release) reads
 * from its row. One statement, the organisations one array parameter (a city's tasks would pass the bind-parameter
 * limit as a list), each task's trail folded in the database (npm run bench -- evaluation measures it; migration 027
 * indexes the tasks' spans).
 */
export async function trailTasks(db: Executor, orgs: readonly string[], period: Pick<Period, 'start' | 'end'>): Promise<TrailTask[]> {
  if (!orgs.length) return [];
  const ids = sql.val([...orgs]);
  const roles = sql.val([...EVALUATED_ROLES]);
  // A task bears on [start, end) when it opened before the end and had not closed by the start (the open end of an
  // open task is 'infinity', as migration 027's index has it).
  // Without JIT: the plan is a few thousand index look-ups, and compiling it (the planner's estimates pass jit_above_cost
  // at a million tasks) took longer than running it (npm run bench -- evaluation).
  const read = async (tx: Executor) => {
    await sql`select set_config('jit', 'off', true)`.execute(tx);
    return sql<{
      id: string;
      request_id: string;
      kind: string;
      candidate_org: string | null;
      created_at: Date;
      due_at: Date;
      type: string;
      case_number: string | null;
      opened_at: Date | null;
      opened_due: string | null;
      closed_at: Date | null;
      closed_action: string | null;
      closed_decision: string | null;
      basis_level: string | null;
      extensions: [string, string][] | null;
      urges: string[] | null;
      escalations: string[] | null;
    }>`
    with bearing as materialized (
      select distinct b.request_id from tasks b
      where b.candidate_org = any(${ids}::text[]) and b.candidate_role = any(${roles}::text[])
        and b.created_at < ${period.end} and coalesce(b.completed_at, 'infinity') >= ${period.start}
    ),
    -- Each request's trail read once by its index, folded per task (OFFSET 0 keeps each a lookup by key, where the
    -- planner would otherwise hash the whole table for a few thousand requests).
    trail as materialized (
      select ev.* from bearing x cross join lateral (
        select e.task_id,
          (array_agg(e.at order by e.id) filter (where e.action = 'task_opened'))[1] as opened_at,
          (array_agg(e.new_value->>'dueAt' order by e.id) filter (where e.action = 'task_opened'))[1] as opened_due,
          (array_agg(e.at order by e.id) filter (where e.action in ('task_completed', 'task_cancelled')))[1] as closed_at,
          (array_agg(e.action order by e.id) filter (where e.action in ('task_completed', 'task_cancelled')))[1] as closed_action,
          (array_agg(e.decision order by e.id) filter (where e.action in ('task_completed', 'task_cancelled')))[1] as closed_decision,
          (array_agg(e.new_value->'form'->'basis'->0->>'level' order by e.id) filter (where e.action = 'task_completed'))[1] as basis_level,
          json_agg(json_build_array(e.at, e.new_value->>'dueAt') order by e.id)
            filter (where e.action = 'task_due_extended' and jsonb_typeof(e.new_value->'dueAt') = 'string') as extensions,
          json_agg(e.at order by e.id) filter (where e.action = 'task_urged') as urges,
          json_agg(e.at order by e.id) filter (where e.action = 'task_escalated') as escalations
        from audit_events e
        where e.request_id = x.request_id and e.task_id is not null and e.action = any(${sql.val(TRAIL_ACTIONS)}::text[])
        group by e.task_id
        offset 0
      ) ev
    )
    select t.id, t.request_id, t.kind, t.candidate_org, t.created_at, t.due_at, r.type, r.case_number, ev.*
    from bearing x
    cross join lateral (select r.type, r.case_number from requests r where r.id = x.request_id offset 0) r
    cross join lateral (
      select t.* from tasks t
      where t.request_id = x.request_id and t.candidate_org = any(${ids}::text[]) and t.candidate_role = any(${roles}::text[])
      offset 0
    ) t
    left join trail ev on ev.task_id = t.id`.execute(tx);
  };
  const { rows } = db.isTransaction ? await read(db) : await (db as Kysely<Database>).transaction().execute(read);
  return rows.map((r): TrailTask => ({
    taskId: r.id,
    requestId: r.request_id,
    caseNumber: r.case_number,
    procedure: r.type,
    org: r.candidate_org ?? '',
    kind: r.kind,
    openedAt: r.opened_at ?? r.created_at,
    dueAt: r.opened_due !== null ? new Date(r.opened_due) : r.due_at,
    closedAt: r.closed_at,
    closedAs: r.closed_action === null ? null : r.closed_action === 'task_completed' ? 'completed' : 'cancelled',
    decision: r.closed_action === 'task_completed' ? r.closed_decision : null,
    extensions: (r.extensions ?? []).map(([at, dueAt]) => ({ at: new Date(at), dueAt: new Date(dueAt) })),
    urges: (r.urges ?? []).map((at) => new Date(at)),
    escalations: (r.escalations ?? []).map((at) => new Date(at)),
    basisLevel: r.closed_action === 'task_completed' ? r.basis_level : null,
  }));
}

/** A scope's name in snapshots: an organisation by id, a division by its region and code. */
export const organisationScope = (id: string) => `organisation:${id}`;
export const divisionScope = (region: string, code: string) => `division:${region}:${code}`;

/** The snapshots kept of a period's figures for a scope, every revision, the first first. */
export function listSnapshots(db: Executor, period: string, scope: string) {
  return db
    .selectFrom('evaluation_snapshots')
    .select(['revision', 'computed_at', 'figures'])
    .where('period', '=', period)
    .where('scope', '=', scope)
    .orderBy('revision')
    .execute();
}

/**
 * Keeps a period's figures for a scope: nothing when they equal its latest revision (a rerun, a retried activity), a
 * new revision when they differ (a late decision, a changed calendar), with its audit event, in one transaction. One
 * writer per period and scope at a time (an advisory lock), so two runs never both write revision n. Answers the
 * revision the figures stand as.
 */
export async function keepSnapshot(db: Db, period: string, scope: string, figures: unknown): Promise<{ revision: number; written: boolean }> {
  const json = JSON.stringify(figures);
  return db.transaction().execute(async (tx) => {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`evaluation:${period}:${scope}`}, 0))`.execute(tx);
    const last = await tx
      .selectFrom('evaluation_snapshots')
      .select(['revision', sql<boolean>`figures = ${json}::jsonb`.as('same')])
      .where('period', '=', period)
      .where('scope', '=', scope)
      .orderBy('revision', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (last?.same) return { revision: last.revision, written: false };
    const revision = (last?.revision ?? 0) + 1;
    await tx.insertInto('evaluation_snapshots').values({ period, scope, revision, figures: json }).execute();
    await appendAudit(tx, {
      eventKey: `evaluation:${period}:${scope}:${revision}`,
      requestId: null,
      actor: SYSTEM,
      action: 'evaluation_snapshot_kept',
      article: 'Art. 32',
      newValue: { period, scope, revision, ...(revision > 1 ? { revises: revision - 1 } : {}) },
    });
    return { revision, written: true };
  });
}

/** Every region's organisations with their divisions: the scopes a snapshot run keeps (`region` narrows it to one). */
export function organisationsByRegion(db: Executor, region?: string) {
  let q = db.selectFrom('organisations').select(['id', 'region', 'division']).orderBy('region').orderBy('id');
  if (region !== undefined) q = q.where('region', '=', region);
  return q.execute();
}

/** The statutory calendar as this deployment holds it, each day looked up once (a city's quarter asks about the same few hundred days hundreds of thousands of times). */
export async function evaluationCalendar(db: Executor): Promise<IsWorkday> {
  const calendar = statutoryCalendar(await readCalendarOverrides(db));
  const days = new Map<string, boolean>();
  return (day) => {
    let w = days.get(day);
    if (w === undefined) days.set(day, (w = calendar(day)));
    return w;
  };
}

/**
 * A scope's evaluation over a period as of `asOf` (its end, or now while it runs), on the statutory calendar as this
 * deployment holds it; with the tasks it counted (what a figure drills down to).
 */
export async function computeEvaluation(db: Executor, orgs: readonly string[], period: Period, asOf: Date = new Date()) {
  const [tasks, isWorkday] = await Promise.all([trailTasks(db, orgs, period), evaluationCalendar(db)]);
  return { tasks, isWorkday, evaluation: evaluate(tasks, orgs, period, asOf, isWorkday, REQUEST_TYPES) };
}
