// One decision on several tasks of one kind (POST /tasks/bulk-complete), answered task by task.
import { Type } from '@sinclair/typebox';
import { TASK_KINDS } from '../../domain/tasks';
import { DerivedIdParams, literals } from './common';
import { RequestSchema } from './requests';
import { CompleteBody } from './tasks';

/** The most tasks one bulk decision takes: a page of the inbox, small enough to answer within one request's time. */
export const MAX_BULK_TASKS = 50;

export const BulkCompleteBody = Type.Object(
  {
    kind: literals(Object.keys(TASK_KINDS)),
    taskIds: Type.Array(DerivedIdParams.properties.id, { minItems: 1, maxItems: MAX_BULK_TASKS, uniqueItems: true }),
    ...CompleteBody.properties,
  },
  { additionalProperties: false },
);

/** The problem+json one task's decision would have answered on its own (POST /tasks/{id}/complete). */
const RowProblem = Type.Object({
  type: Type.String(),
  code: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), rule: Type.String(), message: Type.String(), article: Type.Optional(Type.String()) }))),
  field: Type.Optional(Type.String()),
  rule: Type.Optional(Type.String()),
  article: Type.Optional(Type.String()),
});

export const BulkCompleteResult = Type.Object({
  results: Type.Array(
    Type.Object({
      taskId: Type.String(),
      status: literals(['decided', 'refused'] as const),
      problem: Type.Optional(RowProblem),
      request: Type.Optional(RequestSchema),
    }),
  ),
});
