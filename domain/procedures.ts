// The procedure registry: every procedure the service runs, listed once. Request types, who starts them,
// their task kinds and decisions, their routes, workflow types and names are all derived from this list;
// adding a procedure is its own files and one line here (ARCHITECTURE.md, "Adding a procedure").
import { ADJUSTMENT_PROCEDURE } from './catalog-adjustment';
import { CORRECTION_PROCEDURE } from './correction';
import { DISPUTE_PROCEDURE } from './share-dispute';
import { OPEN_DEMAND_PROCEDURE } from './open-demand';
import { OPEN_REQUEST_PROCEDURE } from './open-request';
import type { ProcedureDefinition, TaskKindRule } from './procedure';
import { REFUSAL_DISPUTE_PROCEDURE } from './refusal-dispute';
import { SHARE_PROCEDURE } from './share';
import { WITHDRAWAL_PROCEDURE } from './withdrawal';

export const PROCEDURES = [
  SHARE_PROCEDURE,
  ADJUSTMENT_PROCEDURE,
  DISPUTE_PROCEDURE,
  OPEN_DEMAND_PROCEDURE,
  WITHDRAWAL_PROCEDURE,
  OPEN_REQUEST_PROCEDURE,
  CORRECTION_PROCEDURE,
  REFUSAL_DISPUTE_PROCEDURE,
] as const;

export type Procedure = (typeof PROCEDURES)[number];
export type RequestType = Procedure['type'];

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
type AllTaskKinds = UnionToIntersection<Procedure['taskKinds']>;

export const REQUEST_TYPES: readonly RequestType[] = PROCEDURES.map((p) => p.type);

/** Every procedure's task kinds by name (kinds are unique across procedures: test/procedures.test.ts). */
export const TASK_KINDS = Object.assign({}, ...PROCEDURES.map((p) => p.taskKinds)) as AllTaskKinds;
export type TaskKind = keyof AllTaskKinds & string;

/** The procedure of a request type. */
export const PROCEDURE_OF = Object.fromEntries(PROCEDURES.map((p): [RequestType, ProcedureDefinition] => [p.type, p])) as Record<
  RequestType,
  ProcedureDefinition
>;

/** The request type whose procedure each task kind belongs to. */
export const REQUEST_TYPE_OF_KIND = Object.fromEntries(PROCEDURES.flatMap((p) => Object.keys(p.taskKinds).map((kind) => [kind, p.type]))) as Record<
  TaskKind,
  RequestType
>;

export function isTaskKind(kind: string): kind is TaskKind {
  return Object.prototype.hasOwnProperty.call(TASK_KINDS, kind);
}

/** A task kind's rule, whatever its procedure. */
export const taskKindRule = (kind: TaskKind): TaskKindRule => (TASK_KINDS as Record<string, TaskKindRule>)[kind];
