// createActivities(deps): every activity the worker registers. Workflows import only the type.
import type { Db } from '../db';
import { computeDeadlines, type DeadlineInput } from './calendar';
import { requestActivities } from './requests';
import { taskActivities } from './tasks';

export interface ActivityDeps {
  db: Db;
}

export function createActivities({ db }: ActivityDeps) {
  return {
    ...taskActivities(db),
    ...requestActivities(db),
    computeDeadlines: (input: DeadlineInput) => computeDeadlines(db, input),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { Deadlines, DeadlineInput } from './calendar';
export type { OpenTaskInput, DecisionInput } from './tasks';
export type { ShareParties, GrantInput, TransitionInput, RecordRequestInput } from './requests';
