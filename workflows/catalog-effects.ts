// What a change of the catalog does to the work resting on it (Art. 13): an entry no longer shared
// revokes its active grants and ends the share requests of it still being decided, through their workflows.
import { getExternalWorkflowHandle, log } from '@temporalio/workflow';
import { SYSTEM } from '../domain/types';
import type { UpholdScope } from '../domain/withdrawal';
import type { ActorRef } from '../domain/types';
import { deleteRecordsSignal, endRequestSignal, revokeGrantSignal, type RevokeGrantInput } from './definitions';

/** Signals each share workflow `effects` names, with the request (`cause`) that ended the sharing as the audited reason. */
export async function endRunningWork(cause: string, effects: { grants: string[]; requests: string[] }): Promise<void> {
  const why: RevokeGrantInput = { actor: SYSTEM, reason: `the catalog entry is no longer shared (${cause})`, article: 'Art. 13' };
  const signal = (wf: string, s: typeof revokeGrantSignal) =>
    getExternalWorkflowHandle(wf)
      .signal(s, why)
      // A workflow that has ended meanwhile has nothing left to end.
      .catch((err) => log.warn('running work not reached', { workflowId: wf, error: String(err) }));
  await Promise.all([...effects.grants.map((wf) => signal(wf, revokeGrantSignal)), ...effects.requests.map((wf) => signal(wf, endRequestSignal))]);
}

/**
 * A withdrawal upheld (Art. 21 ¶2) reaches the open applications of its entry, through their workflows: for
 * the whole entry each one still being decided ends and each agreement is terminated; for records each
 * licensee gets a task to confirm their deletion. A workflow that ended meanwhile has nothing left to do.
 */
export async function withdrawOpenWork(cause: string, scope: UpholdScope, by: ActorRef, reason: string, records: string, workflows: string[]): Promise<void> {
  const reached = (wf: string, p: Promise<void>) => p.catch((err) => log.warn('open work not reached', { workflowId: wf, error: String(err) }));
  await Promise.all(
    workflows.map((wf) =>
      reached(
        wf,
        scope === 'entry'
          ? getExternalWorkflowHandle(wf).signal(endRequestSignal, { actor: by, reason: `开放数据已依撤回请求 ${cause} 撤回: ${reason}`, article: 'Art. 21' })
          : getExternalWorkflowHandle(wf).signal(deleteRecordsSignal, { actor: by, records, reason, cause }),
      ),
    ),
  );
}
