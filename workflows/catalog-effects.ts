// What a change of the catalog does to the work resting on it: an entry no longer shared (Art. 13) revokes
// its active grants and ends the share requests of it still being decided; data no longer open (Art. 17 ¶1,
// 21) ends the open applications of it and terminates its agreements; each through its own workflow.
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
 * Data no longer open ends the open work resting on it, through the workflows named: an application still
 * being decided or signed ends; an agreement in force is terminated, and its licensee confirms deleting the
 * data (workflows/open-request.ts). `end` says why, citing the request that closed it. A workflow that
 * ended meanwhile has nothing left to do.
 */
export async function endOpenWork(workflows: string[], end: RevokeGrantInput): Promise<void> {
  await Promise.all(
    workflows.map((wf) =>
      getExternalWorkflowHandle(wf)
        .signal(endRequestSignal, end)
        .catch((err) => log.warn('open work not reached', { workflowId: wf, error: String(err) })),
    ),
  );
}

/**
 * A withdrawal upheld (Art. 21 ¶2) reaches the open applications of its entry: for the whole entry, its
 * open work ends (endOpenWork); for records, each licensee gets a task to confirm their deletion.
 */
export async function withdrawOpenWork(cause: string, scope: UpholdScope, by: ActorRef, reason: string, records: string, workflows: string[]): Promise<void> {
  if (scope === 'entry') return endOpenWork(workflows, { actor: by, reason: `开放数据已依撤回请求 ${cause} 撤回: ${reason}`, article: 'Art. 21' });
  await Promise.all(
    workflows.map((wf) =>
      getExternalWorkflowHandle(wf)
        .signal(deleteRecordsSignal, { actor: by, records, reason, cause })
        .catch((err) => log.warn('open work not reached', { workflowId: wf, error: String(err) })),
    ),
  );
}
