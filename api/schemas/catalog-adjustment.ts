// The catalog adjustment's schemas (routes/catalog-adjustment.ts): the adjustment, an objection to it, its public consultation.
import { Type } from '@sinclair/typebox';
import {
  ADJUSTMENT_GROUNDS,
  ART19_ITEMS,
  MAX_CHANGES,
  MAX_REMOVAL_REASON,
  SUSPENDABLE_STATUSES,
  type AdjustmentGround,
  type CatalogChange,
} from '../../domain/catalog';
import { COMMENTER_KINDS, MAX_COMMENT_LENGTH } from '../../domain/catalog-adjustment';
import { EntryContentSchema, SharePositionSchema } from './catalog';
import { Instant, literals, Nullable, Text } from './common';

/** OBJECT's form (domain/catalog-adjustment.ts ObjectionForm): the entry whose share attribute is disputed (an existing one by id, a new one by its place in the changes) and the position proposed. */
export const ObjectionFormSchema = Type.Object(
  {
    entryId: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'An existing entry the adjustment changes' })),
    index: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_CHANGES - 1, description: 'A new entry the adjustment adds: its place in changes' })),
    proposal: SharePositionSchema,
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
    Type.Object(
      {
        op: Type.Literal('remove'),
        ...EntryRef,
        reason: Type.Optional(Type.String({ maxLength: MAX_REMOVAL_REASON, description: '删除理由: why the entry is removed (the console requires it)' })),
      },
      { additionalProperties: false },
    ),
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

/** A comment in the public consultation (Art. 18 ¶2). */
export const CommentBody = Type.Object(
  { kind: Type.Union(COMMENTER_KINDS.map((k) => Type.Literal(k))), text: Type.String({ minLength: 1, maxLength: MAX_COMMENT_LENGTH }) },
  { additionalProperties: false },
);

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
