// The API's side of a procedure (its routes, the forms its decisions take, the checks a decision needs the
// database for): the shape each procedure's route file exports, which api/procedures.ts lists.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { TSchema } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { TaskReadRow } from '../db/schema';
import type { TaskKind } from '../domain/procedures';
import type { ApiDeps } from './types';
import type { RequestWhole } from './views';
import type { RequestView } from './schemas/requests';

export interface DecisionApi {
  /** The form the decision takes: GET /task-kinds publishes it, and the decision route checks it first (400 under body.form). */
  form?: TSchema;
  /** What only the database can tell, after the form's shape and the procedure's own rule (domain/): throws a problem. */
  preflight?: (ctx: { deps: ApiDeps; request: FastifyRequest; row: TaskReadRow; form: unknown }) => Promise<void>;
}

export interface ProcedureApi {
  /** The procedure's own routes (starting one, and whatever else only it has), as a plugin buildApp registers. */
  routes: FastifyPluginAsyncTypebox<ApiDeps>;
  /** Per task kind, per decision. */
  decisions?: Partial<Record<TaskKind, Record<string, DecisionApi>>>;
  /** What only the database can add to a request of this type as GET /requests/{id} shows it (e.g. until when a refusal may be disputed). */
  view?: (deps: ApiDeps, whole: RequestWhole) => Promise<Partial<RequestView>>;
}
