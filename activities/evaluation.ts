// The evaluation snapshots (Art. 32): each period's figures computed from the trail and kept, per organisation and
// per division, a revision only where they changed (db/repositories/evaluation.ts keepSnapshot).
import type { Db } from '../db';
import { computeEvaluation, divisionScope, keepSnapshot, organisationScope, organisationsByRegion } from '../db/repositories/evaluation';
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

export function evaluationActivities(db: Db) {
  return {
    async keepEvaluationSnapshots(input: SnapshotRunInput): Promise<SnapshotRunResult> {
      const result: SnapshotRunResult = { first: 0, revised: 0, unchanged: 0 };
      const orgs = await organisationsByRegion(db, input.region);
      const regions = [...new Set(orgs.map((o) => o.region))];
      for (const label of input.periods) {
        const period = parsePeriod(label);
        if (!period) throw new Error(`keepEvaluationSnapshots: ${label} names no period`);
        const asOf = new Date();
        for (const region of regions) {
          const own = orgs.filter((o) => o.region === region);
          // The region's tasks read once; each scope's figures counted from them.
          const { tasks, isWorkday } = await computeEvaluation(
            db,
            own.map((o) => o.id),
            period,
            asOf,
          );
          const divisions = [...new Set(own.flatMap((o) => [o.division, cityDivisionOf(o.division)]))].sort();
          const scopes: [string, string[]][] = [
            ...own.map((o): [string, string[]] => [organisationScope(o.id), [o.id]]),
            ...divisions.map((d): [string, string[]] => [divisionScope(region, d), own.filter((o) => oversees(d, o.division)).map((o) => o.id)]),
          ];
          for (const [scope, ids] of scopes) {
            const figures = evaluate(tasks, ids, period, asOf, isWorkday, REQUEST_TYPES);
            const kept = await keepSnapshot(db, label, scope, figures);
            if (!kept.written) result.unchanged++;
            else if (kept.revision === 1) result.first++;
            else result.revised++;
          }
        }
      }
      return result;
    },
  };
}
