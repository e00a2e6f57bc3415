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

/**
 * The reviewer tasks of `orgs` that bear on the period (open at some moment of it), with the tasks of the same
 * requests they may continue, each as its trail tells it: opened (with its due time), extended, urged, escalated,
 * decided or cancelled. Each task is read as one row of task_trails (migration 028: its trail folded as its events
 * are appended, beside its request, procedure, kind and organisation; checked against the trail by `npm run audit --
 * verify`). A task whose opening is missing from the trail (none is, since the first release) reads from its row.
 * One statement, the organisations one array parameter (a city's tasks would pass the bind-parameter limit as a
 * list); npm run bench -- evaluation measures it.
 */
export async function trailTasks(db: Executor, orgs: readonly string[], period: Pick<Period, 'start' | 'end'>): Promise<TrailTask[]> {
  if (!orgs.length) return [];
  const ids = sql.val([...orgs]);
  const roles = sql.val([...EVALUATED_ROLES]);
  // A task bears on [start, end) when it opened before the end and had not closed by the start (the open end of an
  // open task is 'infinity', as the index task_trails_org_span has it): found from that index alone.
  // Without JIT: the plan is a few thousand index look-ups, and compiling it (the planner's estimates pass jit_above_cost
  // at a million tasks) took longer than running it (npm run bench -- evaluation).
  const read = async (tx: Executor) => {
    await sql`select set_config('jit', 'off', true)`.execute(tx);
    return sql<{
      task_id: string;
      request_id: string;
      procedure: string;
      case_number: string | null;
      kind: string;
      candidate_org: string | null;
      created_at: Date;
      due_at: Date | null;
      opened_at: Date | null;
      opened_due: string | null;
      closed_at: Date | null;
      closed_action: string | null;
      closed_decision: string | null;
      basis_level: string | null;
      extension_ats: Date[] | null;
      extension_dues: string[] | null;
      urges: Date[] | null;
      escalations: Date[] | null;
    }>`
    with bearing as materialized (
      select distinct b.request_id from task_trails b
      where b.candidate_org = any(${ids}::text[]) and b.candidate_role = any(${roles}::text[])
        and coalesce(b.opened_at, b.created_at) < ${period.end} and coalesce(b.closed_at, 'infinity') >= ${period.start}
    )
    -- Each request's rows by its key (OFFSET 0 keeps it a look-up, where the planner would otherwise hash the whole
    -- table for a few thousand requests); the task's own due time only where its opening gave none.
    select s.task_id, s.request_id, s.procedure, s.case_number, s.kind, s.candidate_org, s.created_at,
      case when s.opened_due is null then (select t.due_at from tasks t where t.id = s.task_id) end as due_at,
      s.opened_at, s.opened_due, s.closed_at, s.closed_action, s.closed_decision, s.basis_level,
      s.extension_ats, s.extension_dues, s.urges, s.escalations
    from bearing x
    cross join lateral (
      select s.* from task_trails s
      where s.request_id = x.request_id and s.candidate_org = any(${ids}::text[]) and s.candidate_role = any(${roles}::text[])
      offset 0
    ) s`.execute(tx);
  };
  const { rows } = db.isTransaction ? await read(db) : await (db as Kysely<Database>).transaction().execute(read);
  return rows.map((r): TrailTask => ({
    taskId: r.task_id,
    requestId: r.request_id,
    caseNumber: r.case_number,
    procedure: r.procedure,
    org: r.candidate_org ?? '',
    kind: r.kind,
    openedAt: r.opened_at ?? r.created_at,
    dueAt: r.opened_due !== null ? new Date(r.opened_due) : r.due_at!,
    closedAt: r.closed_at,
    closedAs: r.closed_action === null ? null : r.closed_action === 'task_completed' ? 'completed' : 'cancelled',
    decision: r.closed_action === 'task_completed' ? r.closed_decision : null,
    extensions: (r.extension_ats ?? []).map((at, i) => ({ at, dueAt: new Date(r.extension_dues![i]) })),
    urges: r.urges ?? [],
    escalations: r.escalations ?? [],
    basisLevel: r.closed_action === 'task_completed' ? r.basis_level : null,
  }));
}

/** What task_trails holds of each task (migration 028), its key aside: the columns of task_trail_folds, in its order. */
const TASK_TRAIL_COLUMNS = [
  'request_id',
  'procedure',
  'case_number',
  'kind',
  'candidate_org',
  'candidate_role',
  'created_at',
  'opened_id',
  'opened_at',
  'opened_due',
  'closed_id',
  'closed_at',
  'closed_action',
  'closed_decision',
  'completed_id',
  'basis_level',
  'extension_ids',
  'extension_ats',
  'extension_dues',
  'urges',
  'escalations',
];

/** What is found wrong with a task's folded trail (task_trails, migration 028) against the trail it folds. */
export type TaskTrailMismatch = 'not folded' | 'differs' | 'no such task';

/**
 * The tasks whose row in task_trails is not their fold (task_trail_folds: their row, their request's and their audit
 * events): none is kept, it holds something else, or it is kept of a task there is no more. Reads the whole trail
 * (npm run audit -- verify).
 */
export async function taskTrailMismatches(db: Executor, limit = 100) {
  const fields = (alias: string) => sql.raw(TASK_TRAIL_COLUMNS.map((c) => `${alias}.${c}`).join(', '));
  const { rows } = await sql<{ task_id: string; problem: TaskTrailMismatch }>`
    select coalesce(f.task_id, s.task_id) as task_id,
      case when s.task_id is null then 'not folded' when f.task_id is null then 'no such task' else 'differs' end as problem
    from task_trail_folds f full join task_trails s on s.task_id = f.task_id
    where s.task_id is null or f.task_id is null or row(${fields('s')}) is distinct from row(${fields('f')})
    order by 1
    limit ${limit}`.execute(db);
  return rows;
}

/** Folds every task's trail again from the audit trail (after taskTrailMismatches found any): answers how many tasks. */
export async function refoldTaskTrails(db: Db): Promise<number> {
  return db.transaction().execute(async (tx) => {
    // No event appended meanwhile: it would be folded into the rows about to be replaced.
    await sql`lock table audit_events in share row exclusive mode`.execute(tx);
    await sql`delete from task_trails`.execute(tx);
    const res = await sql`insert into task_trails select * from task_trail_folds`.execute(tx);
    return Number(res.numAffectedRows ?? 0);
  });
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
