// What a change of the catalog does to the work resting on it (Art. 13): an entry no longer shared
// revokes its active grants and ends the share requests of it still being decided, through their workflows.
import { getExternalWorkflowHandle, log } from '@temporalio/workflow';
import { SYSTEM } from '../domain/types';
import { endRequestSignal, revokeGrantSignal, type RevokeGrantInput } from './definitions';

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
