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
  /**
   * Whether a candidate of an open task of this kind, opened with `context`, may ask to extend its answer
   * (POST /tasks/{id}/extension-request; the procedure's own rule decides the ask). Absent: never.
   */
  extensionOffered?: (context: Record<string, unknown> | null | undefined) => boolean;
}

/** A form field as a person reads it (Chinese), with a short help where the label alone does not say enough. */
export interface FieldLabel {
  label: string;
  help?: string;
}

/** Labels by a field's path in its form: dotted, list indices left out (`changes.entry.share.attribute`). */
export type FieldLabels = Readonly<Record<string, FieldLabel>>;
/** For each enumerated field, by its path as in FieldLabels, what a person reads for each of its codes (Chinese). */
export type ValueLabels = Readonly<Record<string, Readonly<Record<string, string>>>>;

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
  /** Its two capital letters in a case number (受理编号, domain/requests.ts CASE_NUMBER_PATTERN): unique across procedures. */
  caseCode: string;
  /** The roles that may start one. */
  startedBy: readonly Role[];
  /** The request is its starter's organisation's rather than the starter's (any of its people takes its turns). */
  organisationIsParty?: boolean;
  /** Request statuses in this procedure's own words, where they differ from the shared ones (Chinese). */
  statusNames?: Readonly<Record<string, string>>;
  taskKinds: Kinds;
  /**
   * What a person reads for each field of its start form and of its decisions' forms, by the field's path from
   * the root of its form (the start route's body, a decision's form); test/procedures.test.ts checks none is missing.
   */
  fields: FieldLabels;
  /** What a person reads for each code of each enumerated field of those forms. */
  values: ValueLabels;
  /** Its deadlines unless the deployment sets its own (config/: one variable per procedure), snapshotted into each run's input. */
  policy: Policy;
}

/** A procedure's definition, its literal names kept for the types derived from it. */
export const defineProcedure = <const Type extends string, const Kinds extends Record<string, TaskKindRule>, Policy extends object>(
  p: ProcedureDefinition<Type, Kinds, Policy>,
) => p;

/** A decision: whether it needs a reason, and its label. */
export const decision = (label: string, reasonRequired: boolean): DecisionRule => ({ label, reasonRequired });

/** A field's label, and its help where the label alone does not say enough. */
export const field = (label: string, help?: string): FieldLabel => (help === undefined ? { label } : { label, help });

/** `labels` with each path put under `prefix`: a group of fields as it appears inside a form (an entry's under `changes.entry`). */
export const under = <T>(prefix: string, labels: Readonly<Record<string, T>>): Record<string, T> =>
  Object.fromEntries(Object.entries(labels).map(([path, l]) => [`${prefix}.${path}`, l]));

/** Why `applicant` may not start a request of `procedure`, or null: the API checks it, and the workflow again for a start that bypasses the API. */
export function starterViolationOf(procedure: Pick<ProcedureDefinition, 'type' | 'startedBy'>, applicant: { roles: readonly string[] }): RuleViolation | null {
  if (procedure.startedBy.some((r) => applicant.roles.includes(r))) return null;
  return { code: 'Forbidden', detail: `A ${procedure.type} request is started by one of the roles: ${procedure.startedBy.join(', ')}` };
}
