// The API's procedure registry: each procedure's routes and decision hooks, by request type (the request
// types are domain/procedures.ts's; a procedure missing here does not compile).
import type { RequestType, TaskKind } from '../domain/procedures';
import type { DecisionApi, ProcedureApi } from './procedure';
import { ADJUSTMENT_API } from './routes/catalog-adjustments';
import { DISPUTE_API } from './routes/disputes';
import { OPEN_DEMAND_API } from './routes/open-demands';
import { OPEN_REQUEST_API } from './routes/open-requests';
import { SHARE_API } from './routes/share';
import { WITHDRAWAL_API } from './routes/withdrawals';

export const PROCEDURE_APIS: Record<RequestType, ProcedureApi> = {
  share: SHARE_API,
  catalog_adjustment: ADJUSTMENT_API,
  share_dispute: DISPUTE_API,
  open_demand: OPEN_DEMAND_API,
  withdrawal: WITHDRAWAL_API,
  open_request: OPEN_REQUEST_API,
};

/** The API's hooks for `decision` on a task of `kind`, if it has any. */
export function decisionApi(kind: string, decision: string): DecisionApi | undefined {
  for (const p of Object.values(PROCEDURE_APIS)) {
    const hooks = p.decisions?.[kind as TaskKind]?.[decision];
    if (hooks) return hooks;
  }
  return undefined;
}
