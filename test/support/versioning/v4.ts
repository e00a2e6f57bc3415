// Release 4, once no run of release 2 is open: the patch's last trace deleted. The same code deployed as
// release 2 (the change made without patched()) is what the rule forbids: runs release 1 recorded no longer replay.
import { condition, proxyActivities, setHandler } from '@temporalio/workflow';
import { proceedSignal, type VersioningActivities } from './messages';

const { step } = proxyActivities<VersioningActivities>({ startToCloseTimeout: '10 seconds' });

export async function versionedWorkflow(): Promise<string[]> {
  let go = false;
  setHandler(proceedSignal, () => void (go = true));
  const done = [await step('check')];
  await condition(() => go);
  done.push(await step('notify'));
  done.push(await step('record'));
  return done;
}
