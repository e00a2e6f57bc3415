// Error correction (Art. 11): what the verification task shows of the entry's other reports, so that the
// agency reads repeated reports of one entry together. A read; the procedure's writes are the task engine's.
import type { Db } from '../db';
import { correctionReports } from '../db/repositories/correction';

/** How many of the entry's other reports a verification task lists (newest first); GET /catalog/:id/corrections has them all. */
export const REPORTS_LISTED = 20;

export interface OtherReport {
  requestId: string;
  status: string;
  createdAt: string;
  items: string[];
  problem: string;
  /** The verification's decision, once taken. */
  decision: string | null;
}

export function correctionActivities(db: Db) {
  return {
    async otherCorrectionReports(input: { entryId: string; requestId: string }): Promise<OtherReport[]> {
      const rows = await correctionReports(db, input.entryId, { except: input.requestId, limit: REPORTS_LISTED });
      return rows.map((r) => {
        const form = r.payload as { items?: string[]; problem?: string };
        return {
          requestId: r.id,
          status: r.status,
          createdAt: r.created_at.toISOString(),
          items: form.items ?? [],
          // The problem as the reporter put it, cut short: the task's context is no place for whole reports.
          problem: (form.problem ?? '').slice(0, 500),
          decision: ((r.outcome as { decision?: string } | null)?.decision as string | undefined) ?? null,
        };
      });
    },
  };
}
