// What every release of the small workflow of test/versioning.test.ts shares: its type's messages and activity.
import { defineSignal } from '@temporalio/workflow';

/** Tells a run to go on past its wait (the wait stands for a person's decision, days long in a real procedure). */
export const proceedSignal = defineSignal('proceed');

export interface VersioningActivities {
  /** A read-model write, named by what it does; answers with that name. */
  step(name: string): Promise<string>;
}
