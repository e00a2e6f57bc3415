// The task inbox's and a task's actions' schemas (routes/tasks.ts).
import { Type, type Static } from '@sinclair/typebox';
import { MAX_EXTENSION_WORKING_DAYS, MAX_URGE_CHARS } from '../../domain/tasks';
import { Instant, Json, Nullable } from './common';

/** `org` null: a member of the public, named as `user`. `escalation`: added when the task escalated (督办升级, Art. 32): the competent body's own head. */
export const CandidateSchema = Type.Object({
  org: Nullable(Type.String()),
  role: Type.String(),
  user: Nullable(Type.String()),
  escalation: Type.Optional(Type.Boolean({ description: 'Added when the task escalated (督办升级, Art. 32): the competent body’s own head of sharing work' })),
});

export const TaskSchema = Type.Object({
  id: Type.String(),
  requestId: Type.String(),
  caseNumber: Nullable(Type.String({ description: 'The case number (受理编号) of its request' })),
  applicantName: Nullable(Type.String({ description: 'The organisation that applied; null: a person applied (申请人)' })),
  entryTitle: Nullable(Type.String({ description: "The title of the request's catalog entry, if it names one" })),
  kind: Type.String(),
  status: Type.String(),
  candidateRole: Type.String(),
  candidateOrg: Nullable(Type.String()),
  candidates: Type.Array(CandidateSchema),
  assignee: Nullable(Type.String({ description: 'Who holds the task (their token `sub`), shown to its candidates and supervisors' })),
  assigneeName: Nullable(Type.String({ description: "The holder's name, where the directory of people knows one" })),
  article: Type.String(),
  context: Nullable(Json),
  dueAt: Instant,
  remindAt: Nullable(Instant),
  dueCalendarKnown: Type.Boolean(),
  overdue: Type.Boolean(),
  escalateAt: Nullable(Instant),
  escalatedAt: Nullable(Instant),
  urgeCount: Type.Integer({ minimum: 0, description: 'How many times supervisors urged it (督办, Art. 32)' }),
  urgedAt: Nullable(Instant),
  allowedDecisions: Type.Array(Type.String(), { description: 'The decisions the caller may take on it now (none unless a candidate and it is open)' }),
  extensionOffered: Type.Boolean({
    description: 'Whether the caller, a candidate of this open task, may ask to extend its answer (POST /tasks/{id}/extension-request; asked once per request)',
  }),
  decision: Nullable(Type.String()),
  reason: Nullable(Type.String()),
  form: Nullable(Json),
  decidedBy: Nullable(Type.String()),
  decidedOnBehalfOf: Nullable(
    Type.String({ description: 'Decided by a delegate (代理): the person `decidedBy` decided for (shown as "decidedBy 代 decidedOnBehalfOf")' }),
  ),
  onBehalfOf: Type.Optional(
    Nullable(
      Type.Object(
        { sub: Type.String(), name: Nullable(Type.String()), delegationId: Type.String() },
        { description: 'The task reaches the caller as the delegate (代理) of this person, while the delegation is in force' },
      ),
    ),
  ),
  createdAt: Instant,
  completedAt: Nullable(Instant),
});
export type TaskView = Static<typeof TaskSchema>;

/** A person the directory of people knows, in one organisation they act for. */
export const PersonSchema = Type.Object({
  sub: Type.String({ description: 'Their token `sub`: what a reassignment names as `user`' }),
  org: Type.String(),
  roles: Type.Array(Type.String()),
  name: Nullable(Type.String({ description: 'The name their token carries, if any' })),
});

export const OverdueTaskSchema = Type.Composite([TaskSchema, Type.Object({ hoursOverdue: Type.Integer() })]);

export const CompleteBody = Type.Object(
  {
    decision: Type.String({ minLength: 1, maxLength: 50 }),
    reason: Type.Optional(Type.String({ maxLength: 8000 })),
    form: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);

export const ExtendBody = Type.Object(
  { workingDays: Type.Integer({ minimum: 1, maximum: MAX_EXTENSION_WORKING_DAYS }), reason: Type.String({ maxLength: 4000 }) },
  { additionalProperties: false },
);

export const ReassignBody = Type.Object(
  { user: Type.String({ minLength: 1, maxLength: 200 }), reason: Type.String({ maxLength: 4000 }) },
  { additionalProperties: false },
);

export const UrgeBody = Type.Object(
  { message: Type.String({ maxLength: MAX_URGE_CHARS, description: "The supervisor's words to the task's candidates and holder (督办意见)" }) },
  { additionalProperties: false },
);

/** Where an open task stands at the time of reading: overdue, due soon (its reminder time reached), or open. */
export const TaskStanding = Type.Union([Type.Literal('overdue'), Type.Literal('due_soon'), Type.Literal('open')]);

/** One organisation's open work as its supervisor reads it (Art. 32): counted by procedure, listed oldest first. */
export const OrganisationTasksSchema = Type.Object({
  org: Type.String(),
  at: Instant,
  procedures: Type.Array(
    Type.Object({
      requestType: Type.String(),
      open: Type.Integer({ minimum: 0 }),
      dueSoon: Type.Integer({ minimum: 0, description: 'Open, not yet due, their reminder time reached' }),
      overdue: Type.Integer({ minimum: 0 }),
    }),
  ),
  items: Type.Array(Type.Composite([TaskSchema, Type.Object({ requestType: Type.String(), standing: TaskStanding })])),
  nextCursor: Nullable(Type.String()),
});
