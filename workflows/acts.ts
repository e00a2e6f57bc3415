// What a workflow reaches outside itself: the activity proxy for every read-model write, and the business
// error (the project's one error vocabulary, domain/errors.ts) its handlers and procedures refuse with.
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { ERRORS, type ErrorCode } from '../domain/errors';
import type { RevokeGrantInput } from './definitions';

const ACTIVITY_OPTIONS = {
  startToCloseTimeout: '30 seconds',
  // Bounded: about 13 minutes of retries (a database restart fits well inside), then the request fails visibly.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 30 },
} as const;

/**
 * Read-model writes as activities through the server. Never local activities: a local activity runs inside the
 * workflow task, before the server has recorded what that task accepted. When such a task is lost (the server
 * hands the run a new task, the worker dies, the task times out), the Updates it accepted are offered again
 * and another of several concurrent decisions may be accepted, while the first one's effects (a grant, a
 * status) are already in PostgreSQL, where the write keyed by the same step then keeps them. An activity is
 * scheduled by a command of the task that accepted its cause, so it runs only once that is history.
 * (workflows/README.md, "Decisions that cannot cross".)
 */
export const acts = proxyActivities<Activities>(ACTIVITY_OPTIONS);

export function businessError(code: ErrorCode, detail?: string): ApplicationFailure {
  return ApplicationFailure.create({ type: code, message: detail ?? ERRORS[code].title, nonRetryable: true });
}

/**
 * What `endGrant` is asked when a grant ends: the grantee's own end (共享目的已实现) records its deletion and tells
 * the provider's and the city authority's reviewers.
 */
export function grantEnding(requestId: string, status: 'expired' | 'revoked', end: RevokeGrantInput, orgs: { provider: string; authority: string }) {
  return {
    requestId,
    status,
    actor: end.actor,
    reason: end.reason,
    article: end.article,
    ...(end.ground ? { ground: end.ground } : {}),
    ...(end.deletion
      ? {
          deletion: end.deletion,
          tell: [
            { org: orgs.provider, role: 'provider_reviewer' as const },
            { org: orgs.authority, role: 'authority_reviewer' as const },
          ],
        }
      : {}),
  };
}
