// Release 1: check, wait to be told to go on, record.
import { condition, proxyActivities, setHandler } from '@temporalio/workflow';
import { proceedSignal, type VersioningActivities } from './messages';

const { step } = proxyActivities<VersioningActivities>({ startToCloseTimeout: '10 seconds' });

export async function versionedWorkflow(): Promise<string[]> {
  let go = false;
  setHandler(proceedSignal, () => void (go = true));
  const done = [await step('check')];
  await condition(() => go);
  done.push(await step('record'));
  return done;
}
