// The API's procedure registry: each procedure's routes and decision hooks, by request type (the request
// types are domain/procedures.ts's; a procedure missing here does not compile).
import { isTaskKind, REQUEST_TYPE_OF_KIND, type RequestType } from '../domain/procedures';
import type { DecisionApi, ProcedureApi } from './procedure';
import type { RequestView } from './schemas/requests';
import type { ApiDeps } from './types';
import type { RequestWhole } from './views';
import { ADJUSTMENT_API } from './routes/catalog-adjustment';
import { CORRECTION_API } from './routes/correction';
import { DISPUTE_API } from './routes/share-dispute';
import { OPEN_DEMAND_API } from './routes/open-demand';
import { OPEN_REQUEST_API } from './routes/open-request';
import { REFUSAL_DISPUTE_API } from './routes/refusal-dispute';
import { SHARE_API } from './routes/share';
import { WITHDRAWAL_API } from './routes/withdrawal';

export const PROCEDURE_APIS: Record<RequestType, ProcedureApi> = {
  share: SHARE_API,
  catalog_adjustment: ADJUSTMENT_API,
  share_dispute: DISPUTE_API,
  open_demand: OPEN_DEMAND_API,
  withdrawal: WITHDRAWAL_API,
  open_request: OPEN_REQUEST_API,
  correction: CORRECTION_API,
  refusal_dispute: REFUSAL_DISPUTE_API,
};

/** What the request's own procedure adds to its view (ProcedureApi.view), if it adds anything. */
export function procedureView(deps: ApiDeps, whole: RequestWhole): Promise<Partial<RequestView>> {
  const api = (PROCEDURE_APIS as Partial<Record<string, ProcedureApi>>)[whole.row.type];
  return api?.view?.(deps, whole) ?? Promise.resolve({});
}

/** The hooks of `kind`'s own procedure for `decision`: the form it takes and its pre-flight, where it has them. */
export function decisionApi(kind: string, decision: string): DecisionApi | undefined {
  return isTaskKind(kind) ? PROCEDURE_APIS[REQUEST_TYPE_OF_KIND[kind]].decisions?.[kind]?.[decision] : undefined;
}
