// The evaluation snapshots (Art. 32): each period's figures computed from the trail and kept, per organisation and
// per division, a revision only where they changed (db/repositories/evaluation.ts keepSnapshot). A whole city's run is
// long: it heartbeats after each scope with how far it got, and a retry (a worker lost mid-way) resumes there.
import { Context } from '@temporalio/activity';
import type { Db } from '../db';
import { computeStaleEntries } from '../db/repositories/catalog-refresh';
import { divisionScope, evaluationCalendar, keepSnapshot, organisationScope, organisationsByRegion, trailTasks } from '../db/repositories/evaluation';
import { staleCounts, withStaleEntries } from '../domain/catalog-refresh';
import { evaluate, parsePeriod } from '../domain/evaluation';
import { REQUEST_TYPES } from '../domain/requests';
import { cityDivisionOf, oversees } from '../domain/divisions';

export interface SnapshotRunInput {
  periods: string[];
  /** Only this region's scopes (a test's city); every region's when absent. */
  region?: string;
}

export interface SnapshotRunResult {
  /** Scopes whose figures were kept as a first revision, as a new revision, or found unchanged. */
  first: number;
  revised: number;
  unchanged: number;
}

/** How far a run got: the scopes of each period kept so far (the heartbeat's details; a retry starts after them). */
export interface SnapshotProgress {
  /** `${period}\u0000${scope}` of each scope kept, in order; with the run's counts so far. */
  done: string[];
  result: SnapshotRunResult;
}

/** The running activity's context, or none when called outside a worker (the evaluation bench). */
function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

export function evaluationActivities(db: Db) {
  return {
    async keepEvaluationSnapshots(input: SnapshotRunInput): Promise<SnapshotRunResult> {
      const ctx = activityContext();
      const earlier = ctx?.info.heartbeatDetails as SnapshotProgress | undefined;
      const done = new Set(earlier?.done ?? []);
      const result: SnapshotRunResult = earlier?.result ?? { first: 0, revised: 0, unchanged: 0 };
      const progress = (): SnapshotProgress => ({ done: [...done], result: { ...result } });
      const orgs = await organisationsByRegion(db, input.region);
      const regions = [...new Set(orgs.map((o) => o.region))];
      for (const label of input.periods) {
        const period = parsePeriod(label);
        if (!period) throw new Error(`keepEvaluationSnapshots: ${label} names no period`);
        const asOf = new Date();
        for (const region of regions) {
          const own = orgs.filter((o) => o.region === region);
          const divisions = [...new Set(own.flatMap((o) => [o.division, cityDivisionOf(o.division)]))].sort();
          const scopes: [string, string[]][] = [
            ...own.map((o): [string, string[]] => [organisationScope(o.id), [o.id]]),
            ...divisions.map((d): [string, string[]] => [divisionScope(region, d), own.filter((o) => oversees(d, o.division)).map((o) => o.id)]),
          ].filter(([scope]) => !done.has(`${label}\u0000${scope}`));
          if (!scopes.length) continue;
          ctx?.heartbeat(progress());
          // The region's tasks read once; each scope's figures counted from them.
          const [tasks, isWorkday] = await Promise.all([
            trailTasks(
              db,
              own.map((o) => o.id),
              period,
            ),
            evaluationCalendar(db),
          ]);
          // The catalog's figure, counted apart from the tasks' (its entries read once for the region too).
          const { stale } = await computeStaleEntries(
            db,
            own.map((o) => o.id),
            period,
            asOf,
          );
          for (const [scope, ids] of scopes) {
            const figures = withStaleEntries(evaluate(tasks, ids, period, asOf, isWorkday, REQUEST_TYPES), staleCounts(stale, ids));
            const kept = await keepSnapshot(db, label, scope, figures);
            if (!kept.written) result.unchanged++;
            else if (kept.revision === 1) result.first++;
            else result.revised++;
            // Kept: a retry after this beat leaves it be (were it to run again, the same figures would add nothing).
            done.add(`${label}\u0000${scope}`);
            ctx?.heartbeat(progress());
          }
        }
      }
      return result;
    },
  };
}
