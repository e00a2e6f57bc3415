// A request's schemas (routes/requests.ts): the answer every route that starts, decides or cancels one gives.
import { Type, type Static } from '@sinclair/typebox';
import { CASE_NUMBER_PATTERN } from '../../domain/requests';
import { Instant, Json, Nullable } from './common';
import { GrantSchema } from './grants';
import { TaskSchema } from './tasks';

/** A case number as the API gives it and takes it (domain/requests.ts). */
export const CaseNumber = Type.String({ pattern: CASE_NUMBER_PATTERN, description: 'A case number (受理编号), e.g. RZ-GX-20261205-0007' });

export const RequestSchema = Type.Object({
  id: Type.String(),
  caseNumber: Nullable(Type.String({ description: 'Its case number (受理编号), given when it was accepted; null only for a request older than case numbers' })),
  type: Type.String(),
  status: Type.String(),
  applicant: Type.Object({
    sub: Type.String({ description: 'Who applied (for a legal person: the agent who applied in its name)' }),
    org: Nullable(Type.String({ description: 'null: a member of the public' })),
    legalPerson: Type.Optional(
      Type.String({ description: 'The legal person (USCC) in whose name the request is made (by its own account or an authorised agent): the request is its' }),
    ),
  }),
  catalogEntryId: Nullable(Type.String()),
  payload: Json,
  outcome: Nullable(Json),
  createdAt: Instant,
  updatedAt: Instant,
  tasks: Type.Array(TaskSchema),
  grant: Nullable(GrantSchema),
  disputableUntil: Type.Optional(
    Type.String({
      format: 'date-time',
      description: 'A refused share request not yet disputed (GET /requests/{id}): the end of the window in which its applicant may dispute it',
    }),
  ),
  refusalDispute: Type.Optional(
    Type.Object(
      { id: Type.String(), status: Type.String(), caseNumber: Nullable(Type.String()) },
      { description: 'A refused share request: the dispute its applicant raised on the refusal (《政务数据共享条例》), as it stands' },
    ),
  ),
});
export type RequestView = Static<typeof RequestSchema>;

/** Every route that starts a request: a retry with the same Idempotency-Key names the same request. */
export const StartHeaders = Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) });
/** It answers with the request: 201 when this call created it, 200 for a retry of it. */
export const StartedResponses = { 200: RequestSchema, 201: RequestSchema };

export const RequestSummarySchema = Type.Object({
  id: Type.String(),
  caseNumber: Nullable(Type.String()),
  type: Type.String(),
  status: Type.String(),
  catalogEntryId: Nullable(Type.String()),
  createdAt: Instant,
  updatedAt: Instant,
});

export const HistorySchema = Type.Object({
  items: Type.Array(
    Type.Object({
      at: Instant,
      action: Type.String(),
      actor: Type.Object({
        sub: Nullable(Type.String()),
        org: Nullable(Type.String()),
        role: Type.String(),
        onBehalfOf: Type.Optional(Type.String({ description: 'A delegate acted (代理): the person `sub` acted for, shown as "sub 代 onBehalfOf"' })),
      }),
      taskId: Nullable(Type.String()),
      decision: Nullable(Type.String()),
      reason: Nullable(Type.String()),
      article: Type.String(),
      oldValue: Type.Unknown(),
      newValue: Type.Unknown(),
    }),
  ),
});

export const CancelBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 4000 })) }, { additionalProperties: false });
