// The bare Temporal baseline of `npm run bench -- lifecycle`: a workflow of the share lifecycle's shape
// (start with a first Update, two decisions as Updates) with no activities and no database.
import { condition, defineUpdate, setHandler } from '@temporalio/workflow';

export const bareSubmitted = defineUpdate<string>('bareSubmitted');
export const bareDecide = defineUpdate<string, [string]>('bareDecide');

export async function bareLifecycle(): Promise<string> {
  let status = 'submitted';
  const decided = new Set<string>();
  setHandler(bareSubmitted, async () => {
    await condition(() => status !== 'submitted');
    return status;
  });
  setHandler(bareDecide, async (task) => {
    decided.add(task);
    if (decided.size === 2) status = 'granted';
    return status;
  });
  status = 'in_review';
  await condition(() => decided.size === 2);
  return status;
}
