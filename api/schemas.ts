// What the API answers, declared once: routes serialise with these schemas (fast, and nothing a view
// does not list can leak), the OpenAPI document shows them, and the views are typed by them.
import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';
import {
  ADJUSTMENT_GROUNDS,
  ART19_ITEMS,
  SUSPENDABLE_STATUSES,
  BASIS_LEVELS,
  ENTRY_FORMS,
  FIELD_TYPES,
  IDENTIFIES,
  MAX_CHANGES,
  OPEN_CONDITION_GROUNDS,
  OPENING_GROUNDS,
  type AdjustmentGround,
  type CatalogChange,
} from '../domain/catalog';
import { ATTRIBUTES } from '../domain/types';

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Instant = Type.String({ format: 'date-time' });
/** Free-form JSON objects: forms, payloads, outcomes, contexts. */
const Json = Type.Record(Type.String(), Type.Unknown());

export const Page = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item), nextCursor: Nullable(Type.String()) });

/** `org` null: a member of the public, named as `user`. */
export const CandidateSchema = Type.Object({ org: Nullable(Type.String()), role: Type.String(), user: Nullable(Type.String()) });

export const TaskSchema = Type.Object({
  id: Type.String(),
  requestId: Type.String(),
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
  allowedDecisions: Type.Array(Type.String(), { description: 'The decisions the caller may take on it now (none unless a candidate and it is open)' }),
  decision: Nullable(Type.String()),
  reason: Nullable(Type.String()),
  form: Nullable(Json),
  decidedBy: Nullable(Type.String()),
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
  endGround: Nullable(Type.String({ description: 'The ground a revocation named (Art. 14)' })),
  revocation: Nullable(
    Type.Object(
      {
        taskId: Type.String(),
        status: Type.Union([Type.Literal('awaiting_consent'), Type.Literal('consented'), Type.Literal('refused'), Type.Literal('closed')]),
        ground: Type.String(),
        reason: Type.String(),
        requestedBy: Nullable(Type.String({ description: 'The providing agency' })),
        answer: Nullable(Type.String({ description: "The city authority's reason" })),
      },
      { description: "The providing agency's latest request to end the grant, which the city big data authority's consent decides (Art. 14)" },
    ),
  ),
});
export type GrantView = Static<typeof GrantSchema>;

/** A party's signature: who, when, the hash of the text signed. */
export const SignatureSchema = Type.Object({ party: Type.String(), sub: Type.String(), org: Nullable(Type.String()), at: Instant, sha256: Type.String() });

/**
 * A 公共数据开放利用协议 (Art. 20). Listed field by field (no free JSON): the licensee's identity is the masked
 * form the text carries, and nothing added to the row reaches a response without being named here.
 */
export const AgreementSchema = Type.Object({
  id: Type.String(),
  requestId: Type.String(),
  version: Type.Integer(),
  status: Type.String(),
  catalogEntryId: Type.String(),
  entryTitle: Type.String(),
  providerOrg: Type.String(),
  providerName: Type.String(),
  licensee: Type.Object({
    sub: Type.String(),
    name: Type.String(),
    identity: Nullable(Type.String()),
    legalPerson: Type.Optional(Type.String({ description: 'The legal person (USCC) that is the licensee, when an agent applied in its name' })),
    agent: Type.Optional(
      Type.Object(
        { name: Type.String(), identity: Type.String() },
        { description: "The agent (经办人) who applied in the legal person's name, their number masked" },
      ),
    ),
  }),
  fields: Type.Array(Type.String()),
  purpose: Type.String(),
  scenario: Type.String(),
  accessMethod: Type.String(),
  platformUrl: Type.String(),
  securityMeasures: Type.String(),
  conditions: Type.Array(Type.String()),
  termMonths: Type.Integer(),
  reportEveryDays: Nullable(Type.Integer()),
  text: Type.String(),
  sha256: Type.String({ description: 'SHA-256 of the text (UTF-8): what each party signs' }),
  signatures: Type.Array(SignatureSchema),
  createdAt: Instant,
  inForceAt: Nullable(Instant),
  endsAt: Nullable(Instant),
  endedAt: Nullable(Instant),
  endReason: Nullable(Type.String()),
});
export type AgreementView = Static<typeof AgreementSchema>;

export const RequestSchema = Type.Object({
  id: Type.String(),
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
});
export type RequestView = Static<typeof RequestSchema>;

/** Every route that starts a request: a retry with the same Idempotency-Key names the same request. */
export const StartHeaders = Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) });
/** It answers with the request: 201 when this call created it, 200 for a retry of it. */
export const StartedResponses = { 200: RequestSchema, 201: RequestSchema };

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

/** One of `xs` (an enum: its refusal lists the allowed values). */
const literals = <T extends string>(xs: readonly T[]): TUnsafe<T> => Type.Unsafe<T>({ type: 'string', enum: [...xs] });
const Text = (maxLength: number) => Type.String({ maxLength });
export const LegalBasisSchema = Type.Object({ level: literals(BASIS_LEVELS), title: Text(500), article: Text(200) }, { additionalProperties: false });
export const CatalogFieldSchema = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }), type: literals(FIELD_TYPES), description: Text(2000), identifies: Nullable(literals(IDENTIFIES)) },
  { additionalProperties: false },
);
/** An entry's share side (domain/catalog.ts ShareSide): as an agency states it, or as a dispute's party proposes it. */
export const SharePositionSchema = Type.Object(
  { attribute: literals(ATTRIBUTES), reasons: Nullable(Text(5000)), conditions: Nullable(Text(5000)), basis: Type.Array(LegalBasisSchema, { maxItems: 20 }) },
  { additionalProperties: false },
);
/** OBJECT's form (domain/catalog-adjustment.ts ObjectionForm): the entry whose share attribute is disputed (an existing one by id, a new one by its place in the changes) and the position proposed. */
export const ObjectionFormSchema = Type.Object(
  {
    entryId: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'An existing entry the adjustment changes' })),
    index: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_CHANGES - 1, description: 'A new entry the adjustment adds: its place in changes' })),
    proposal: SharePositionSchema,
  },
  { additionalProperties: false },
);
/** An entry's content and attributes as an agency states them (domain/catalog.ts EntryContent). */
export const EntryContentSchema = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 500 }),
    description: Text(5000),
    fields: Type.Array(CatalogFieldSchema, { maxItems: 500 }),
    form: literals(ENTRY_FORMS),
    useConditions: Nullable(Text(5000)),
    updateFrequency: Text(200),
    share: SharePositionSchema,
    open: Type.Object(
      {
        attribute: literals(ATTRIBUTES),
        ground: Nullable(literals(OPEN_CONDITION_GROUNDS)),
        reasons: Nullable(Text(5000)),
        conditions: Nullable(Text(5000)),
        basis: Type.Array(LegalBasisSchema, { maxItems: 20 }),
        opening: Nullable(Type.Object({ ground: literals(OPENING_GROUNDS), evidence: Text(5000) }, { additionalProperties: false })),
      },
      { additionalProperties: false },
    ),
    priorityOpen: Type.Boolean(),
  },
  { additionalProperties: false },
);
/** The agency's own review before opening (Art. 19): each item with conclusion, reviewer and date. */
const OpeningReviewSchema = Type.Object(
  Object.fromEntries(
    ART19_ITEMS.map((item) => [
      item,
      Type.Optional(
        Type.Object(
          { conclusion: literals(['pass', 'fail'] as const), reviewer: Text(200), date: Type.String({ maxLength: 10, description: 'YYYY-MM-DD' }) },
          { additionalProperties: false },
        ),
      ),
    ]),
  ),
  { additionalProperties: false },
);
const EntryRef = {
  entryId: Type.String({ minLength: 1, maxLength: 200 }),
  baseVersion: Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'The version the change starts from' }),
};
/** One change of an adjustment, tagged by `op` (a mismatch names the fields of its own kind of change). */
const CatalogChangeSchema = Type.Unsafe<CatalogChange>({
  type: 'object',
  required: ['op'],
  discriminator: { propertyName: 'op' },
  oneOf: [
    Type.Object({ op: Type.Literal('add'), entry: EntryContentSchema, review: Type.Optional(OpeningReviewSchema) }, { additionalProperties: false }),
    Type.Object(
      {
        op: Type.Literal('change'),
        ...EntryRef,
        entry: EntryContentSchema,
        review: Type.Optional(OpeningReviewSchema),
        shareStatus: Type.Optional(literals(SUSPENDABLE_STATUSES)),
        openStatus: Type.Optional(literals(SUSPENDABLE_STATUSES)),
      },
      { additionalProperties: false },
    ),
    Type.Object({ op: Type.Literal('remove'), ...EntryRef }, { additionalProperties: false }),
  ],
});
/** An adjustment of an agency's catalog (domain/catalog.ts AdjustmentForm): its ground, justification and changes. */
export const AdjustmentFormSchema = Type.Object(
  {
    ground: literals(Object.keys(ADJUSTMENT_GROUNDS) as AdjustmentGround[]),
    justification: Text(8000),
    changes: Type.Array(CatalogChangeSchema, { minItems: 1, maxItems: MAX_CHANGES }),
  },
  { additionalProperties: false },
);

export const CatalogEntrySchema = Type.Object({
  id: Type.String(),
  providerOrgId: Type.String(),
  title: Type.String(),
  description: Type.String(),
  fields: Type.Array(CatalogFieldSchema),
  form: Type.String(),
  useConditions: Nullable(Type.String()),
  updateFrequency: Type.String(),
  share: Type.Composite([
    SharePositionSchema,
    Type.Object({
      status: Type.String(),
      dispute: Nullable(Type.String({ description: 'The share-attribute dispute running on the entry (its request), Art. 13 ¶3' })),
    }),
  ]),
  open: Type.Composite([EntryContentSchema.properties.open, Type.Object({ status: Type.String() })]),
  priorityOpen: Type.Boolean(),
  version: Type.Integer(),
  updatedAt: Instant,
});
export type CatalogEntryView = Static<typeof CatalogEntrySchema>;
export const SimilarEntrySchema = Type.Object({
  id: Type.String(),
  title: Type.String(),
  providerOrgId: Type.String(),
  titleSimilarity: Type.Number(),
  sharedFields: Type.Array(Type.String()),
});
export const CatalogVersionSchema = Type.Object({
  version: Type.Integer(),
  changedBy: Type.String(),
  changeRequestId: Nullable(Type.String()),
  reason: Nullable(Type.String()),
  createdAt: Instant,
  /** What this version changed from the one before (old and new values, by field); none for the first. */
  changes: Type.Array(Type.Object({ field: Type.String(), from: Type.Unknown(), to: Type.Unknown() })),
  entry: CatalogEntrySchema,
});

/** An adjustment's public consultation (Art. 18 ¶2); comments show the commenter's kind and organisation, not the person. */
export const ConsultationSchema = Type.Object({
  requestId: Type.String(),
  endsAt: Instant,
  open: Type.Boolean(),
  entries: Type.Array(Type.Object({ index: Type.Integer(), entryId: Nullable(Type.String()), title: Type.String() })),
  response: Nullable(Type.String()),
  items: Type.Array(Type.Object({ n: Type.Integer(), kind: Type.String(), org: Nullable(Type.String()), text: Type.String(), createdAt: Instant })),
  nextCursor: Nullable(Type.String()),
});

export const NotificationSchema = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  requestId: Nullable(Type.String()),
  taskId: Nullable(Type.String()),
  message: Type.String(),
  createdAt: Instant,
});
