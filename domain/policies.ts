// Each procedure's deadlines, keyed by its request type: the registry's defaults (each procedure's `policy`), which
// the configuration overrides from the environment and the API hands each procedure when it starts one.
import { PROCEDURES, type Procedure } from './procedures';

export type Policies = { [P in Procedure as P['type']]: P['policy'] };

export const DEFAULT_POLICIES = Object.fromEntries(PROCEDURES.map((p) => [p.type, p.policy])) as Policies;
