// Each procedure's deadlines, keyed by its request type: the configuration fills them from the environment and
// the API hands each procedure its own when it starts one (snapshotted into the workflow's input).
import { DEFAULT_ADJUSTMENT_POLICY, type AdjustmentPolicy } from './adjustment';
import { DEFAULT_DISPUTE_POLICY, type DisputePolicy } from './dispute';
import { DEFAULT_OPEN_DEMAND_POLICY, type OpenDemandPolicy } from './open-demand';
import { DEFAULT_OPEN_REQUEST_POLICY, type OpenRequestPolicy } from './open-request';
import type { RequestType } from './requests';
import { DEFAULT_SHARE_POLICY, type SharePolicy } from './share';
import { DEFAULT_WITHDRAWAL_POLICY, type WithdrawalPolicy } from './withdrawal';

interface PolicyOf {
  share: SharePolicy;
  catalog_adjustment: AdjustmentPolicy;
  share_dispute: DisputePolicy;
  open_demand: OpenDemandPolicy;
  withdrawal: WithdrawalPolicy;
  open_request: OpenRequestPolicy;
}

/** One policy per request type: a request type without one does not compile. */
export type Policies = { [T in RequestType]: PolicyOf[T] };

export const DEFAULT_POLICIES: Policies = {
  share: DEFAULT_SHARE_POLICY,
  catalog_adjustment: DEFAULT_ADJUSTMENT_POLICY,
  share_dispute: DEFAULT_DISPUTE_POLICY,
  open_demand: DEFAULT_OPEN_DEMAND_POLICY,
  withdrawal: DEFAULT_WITHDRAWAL_POLICY,
  open_request: DEFAULT_OPEN_REQUEST_POLICY,
};
