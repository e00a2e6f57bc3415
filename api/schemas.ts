// What the API answers, declared once: routes serialise with these schemas (fast, and nothing a view
// does not list can leak), the OpenAPI document shows them, and the views are typed by them.
import { Type, type Static, type TSchema } from '@sinclair/typebox';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Instant = Type.String({ format: 'date-time' });
/** Free-form JSON objects: forms, payloads, outcomes, contexts. */
const Json = Type.Record(Type.String(), Type.Unknown());

export const Page = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item), nextCursor: Nullable(Type.String()) });

export const CandidateSchema = Type.Object({ org: Type.String(), role: Type.String(), user: Nullable(Type.String()) });

export const TaskSchema = Type.Object({
  id: Type.String(),
  requestId: Type.String(),
  kind: Type.String(),
  status: Type.String(),
  candidateRole: Type.String(),
  candidateOrg: Type.String(),
  candidates: Type.Array(CandidateSchema),
  assignee: Nullable(Type.String()),
  article: Type.String(),
  context: Nullable(Json),
  dueAt: Instant,
  remindAt: Nullable(Instant),
  dueCalendarKnown: Type.Boolean(),
  overdue: Type.Boolean(),
  escalateAt: Nullable(Instant),
  escalatedAt: Nullable(Instant),
  allowedDecisions: Type.Array(Type.String()),
  decision: Nullable(Type.String()),
  reason: Nullable(Type.String()),
  form: Nullable(Json),
  decidedBy: Nullable(Type.String()),
  createdAt: Instant,
  completedAt: Nullable(Instant),
});
export type TaskView = Static<typeof TaskSchema>;

export const OverdueTaskSchema = Type.Composite([TaskSchema, Type.Object({ hoursOverdue: Type.Integer() })]);

export const GrantSchema = Type.Object({
  id: Type.String(),
  requestId: Type.String(),
  catalogEntryId: Type.String(),
  granteeOrg: Type.String(),
  providerOrg: Type.String(),
  fields: Type.Array(Type.String()),
  purpose: Type.String(),
  terms: Nullable(Json),
  status: Type.String(),
  grantedAt: Instant,
  expiresAt: Instant,
  endedAt: Nullable(Instant),
  endReason: Nullable(Type.String()),
});
export type GrantView = Static<typeof GrantSchema>;

export const RequestSchema = Type.Object({
  id: Type.String(),
  type: Type.String(),
  status: Type.String(),
  applicant: Type.Object({ sub: Type.String(), org: Type.String() }),
  catalogEntryId: Nullable(Type.String()),
  payload: Json,
  outcome: Nullable(Json),
  createdAt: Instant,
  updatedAt: Instant,
  tasks: Type.Array(TaskSchema),
  grant: Nullable(GrantSchema),
});
export type RequestView = Static<typeof RequestSchema>;

export const RequestSummarySchema = Type.Object({
  id: Type.String(),
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
      actor: Type.Object({ sub: Nullable(Type.String()), org: Nullable(Type.String()), role: Type.String() }),
      taskId: Nullable(Type.String()),
      decision: Nullable(Type.String()),
      reason: Nullable(Type.String()),
      article: Type.String(),
      oldValue: Type.Unknown(),
      newValue: Type.Unknown(),
    }),
  ),
});


const AttributeSchema = Type.Object({ attribute: Type.String(), conditions: Nullable(Type.String()), reasons: Nullable(Type.String()), basis: Nullable(Type.String()) });
export const CatalogEntrySchema = Type.Object({
  id: Type.String(),
  providerOrgId: Type.String(),
  title: Type.String(),
  description: Type.String(),
  fields: Type.Array(Type.String()),
  share: AttributeSchema,
  open: AttributeSchema,
  status: Type.String(),
  version: Type.Integer(),
  updatedAt: Instant,
});
export type CatalogEntryView = Static<typeof CatalogEntrySchema>;

export const NotificationSchema = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  requestId: Nullable(Type.String()),
  taskId: Nullable(Type.String()),
  message: Type.String(),
  createdAt: Instant,
});
