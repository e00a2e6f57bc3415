// Release 3, once no run of release 1 is open: the old path is gone and the patch deprecated.
import { condition, deprecatePatch, proxyActivities, setHandler } from '@temporalio/workflow';
import { proceedSignal, type VersioningActivities } from './messages';

const { step } = proxyActivities<VersioningActivities>({ startToCloseTimeout: '10 seconds' });

export async function versionedWorkflow(): Promise<string[]> {
  let go = false;
  setHandler(proceedSignal, () => void (go = true));
  const done = [await step('check')];
  await condition(() => go);
  deprecatePatch('notify-before-record');
  done.push(await step('notify'));
  done.push(await step('record'));
  return done;
}
