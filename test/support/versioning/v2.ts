// Release 2, a small change: the applicant is told before the record is made, behind patched(). Runs that
// reached that point under release 1 replay as they ran (no marker in their history: the old path).
import { condition, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import { proceedSignal, type VersioningActivities } from './messages';

const { step } = proxyActivities<VersioningActivities>({ startToCloseTimeout: '10 seconds' });

export async function versionedWorkflow(): Promise<string[]> {
  let go = false;
  setHandler(proceedSignal, () => void (go = true));
  const done = [await step('check')];
  await condition(() => go);
  if (patched('notify-before-record')) done.push(await step('notify'));
  done.push(await step('record'));
  return done;
}
