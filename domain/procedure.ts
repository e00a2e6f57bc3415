// The shape of a procedure: what generic code (the task engine, the inbox, the decision route, the console)
// knows of any procedure. Each procedure defines itself in its own domain file with `defineProcedure`;
// domain/procedures.ts lists them, and everything else is derived from that list.
import type { RuleViolation } from './errors';
import type { Role } from './types';

export interface DecisionRule {
  reasonRequired: boolean;
  /** What a person reads (Chinese). */
  label: string;
}

/** A task of a request as the procedure's rules see its siblings (the read model's tasks, in opening order). */
export interface ReviewTaskState {
  kind: string;
  status: string;
  decision: string | null;
}

/** A decision as a task kind's rule weighs it. */
export interface DecisionAttempt {
  decision: string;
  /** Every task of the request, in opening order. */
  tasks: ReviewTaskState[];
  /** The decision's form. */
  form?: Record<string, unknown> | null;
  /** The task's context (what the procedure gave the task as it opened it). */
  context?: Record<string, unknown> | null;
  /** The request's own form as it stands (as submitted, or as resubmitted): what a decision may name can depend on it. */
  request: Record<string, unknown>;
}

export interface TaskKindRule {
  article: string;
  /** What a person reads (Chinese). */
  name: string;
  decisions: Record<string, DecisionRule>;
  /** The procedure's own rule on a decision: the API's pre-check and the workflow's Update validator run it alike. */
  rule?: (attempt: DecisionAttempt) => RuleViolation | null;
}

export interface ProcedureDefinition<
  Type extends string = string,
  Kinds extends Record<string, TaskKindRule> = Record<string, TaskKindRule>,
  Policy extends object = object,
> {
  /** The request type: the API's, the read model's and the audit trail's name for it. */
  type: Type;
  /** What a person reads (Chinese). */
  name: string;
  /** The articles of the Measures it implements. */
  articles: readonly string[];
  /** The workflow type that runs it (workflows/index.ts exports a function of that name). */
  workflowType: string;
  /** The route that starts one (POST). */
  startRoute: string;
  /** The roles that may start one. */
  startedBy: readonly Role[];
  /** The request is its starter's organisation's rather than the starter's (any of its people takes its turns). */
  organisationIsParty?: boolean;
  /** Request statuses in this procedure's own words, where they differ from the shared ones (Chinese). */
  statusNames?: Readonly<Record<string, string>>;
  taskKinds: Kinds;
  /** Its deadlines unless the deployment sets its own (config/: one variable per procedure), snapshotted into each run's input. */
  policy: Policy;
}

/** A procedure's definition, its literal names kept for the types derived from it. */
export const defineProcedure = <const Type extends string, const Kinds extends Record<string, TaskKindRule>, Policy extends object>(
  p: ProcedureDefinition<Type, Kinds, Policy>,
) => p;

/** A decision: whether it needs a reason, and its label. */
export const decision = (label: string, reasonRequired: boolean): DecisionRule => ({ label, reasonRequired });

/** Why `applicant` may not start a request of `procedure`, or null: the API checks it, and the workflow again for a start that bypasses the API. */
export function starterViolationOf(procedure: Pick<ProcedureDefinition, 'type' | 'startedBy'>, applicant: { roles: readonly string[] }): RuleViolation | null {
  if (procedure.startedBy.some((r) => applicant.roles.includes(r))) return null;
  return { code: 'Forbidden', detail: `A ${procedure.type} request is started by one of the roles: ${procedure.startedBy.join(', ')}` };
}
