// Evaluation by period (Art. 32): the organisations' tasks as the audit trail tells them (domain/evaluation.ts counts
// the figures), and the snapshots kept of each period's figures, revised, never changed in place.
import { sql } from 'kysely';
import { evaluate, type Period, type TrailTask } from '../../domain/evaluation';
import { REQUEST_TYPES } from '../../domain/requests';
import { SYSTEM } from '../../domain/types';
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
 * from its row.
 */
export async function trailTasks(db: Executor, orgs: readonly string[], period: Pick<Period, 'start' | 'end'>): Promise<TrailTask[]> {
  if (!orgs.length) return [];
  const roles = [...EVALUATED_ROLES];
  const rows = await db
    .selectFrom('tasks as t')
    .innerJoin('requests as r', 'r.id', 't.request_id')
    .select(['t.id', 't.request_id', 't.kind', 't.candidate_org', 't.created_at', 't.due_at', 'r.type', 'r.case_number'])
    .where('t.candidate_org', 'in', [...orgs])
    .where('t.candidate_role', 'in', roles)
    .where('t.request_id', 'in', (eb) =>
      eb
        .selectFrom('tasks as b')
        .select('b.request_id')
        .where('b.candidate_org', 'in', [...orgs])
        .where('b.candidate_role', 'in', roles)
        .where('b.created_at', '<', period.end)
        .where((w) => w.or([w('b.completed_at', 'is', null), w('b.completed_at', '>=', period.start)])),
    )
    .execute();
  if (!rows.length) return [];
  const events = await db
    .selectFrom('audit_events')
    .select(['task_id', 'action', 'at', 'decision', sql<Record<string, unknown> | null>`new_value`.as('new_value')])
    .where('request_id', 'in', [...new Set(rows.map((r) => r.request_id))])
    .where(
      'task_id',
      'in',
      rows.map((r) => r.id),
    )
    .where('action', 'in', TRAIL_ACTIONS)
    .orderBy('id')
    .execute();
  const byTask = new Map<string, typeof events>();
  for (const e of events) byTask.set(e.task_id!, [...(byTask.get(e.task_id!) ?? []), e]);
  return rows.map((r): TrailTask => {
    const trail = byTask.get(r.id) ?? [];
    const opened = trail.find((e) => e.action === 'task_opened');
    const closed = trail.find((e) => e.action === 'task_completed' || e.action === 'task_cancelled');
    const openedDue = opened?.new_value?.dueAt;
    return {
      taskId: r.id,
      requestId: r.request_id,
      caseNumber: r.case_number,
      procedure: r.type,
      org: r.candidate_org ?? '',
      kind: r.kind,
      openedAt: opened?.at ?? r.created_at,
      dueAt: typeof openedDue === 'string' ? new Date(openedDue) : r.due_at,
      closedAt: closed?.at ?? null,
      closedAs: closed ? (closed.action === 'task_completed' ? 'completed' : 'cancelled') : null,
      decision: closed?.action === 'task_completed' ? closed.decision : null,
      extensions: trail
        .filter((e) => e.action === 'task_due_extended' && typeof e.new_value?.dueAt === 'string')
        .map((e) => ({ at: e.at, dueAt: new Date(e.new_value!.dueAt as string) })),
      urges: trail.filter((e) => e.action === 'task_urged').map((e) => e.at),
      escalations: trail.filter((e) => e.action === 'task_escalated').map((e) => e.at),
    };
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

/**
 * A scope's evaluation over a period as of `asOf` (its end, or now while it runs), on the statutory calendar as this
 * deployment holds it; with the tasks it counted (what a figure drills down to).
 */
export async function computeEvaluation(db: Executor, orgs: readonly string[], period: Period, asOf: Date = new Date()) {
  const [tasks, overrides] = await Promise.all([trailTasks(db, orgs, period), readCalendarOverrides(db)]);
  const isWorkday = statutoryCalendar(overrides);
  return { tasks, isWorkday, evaluation: evaluate(tasks, orgs, period, asOf, isWorkday, REQUEST_TYPES) };
}
