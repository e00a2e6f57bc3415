// The catalog's schemas (routes/catalog.ts): an entry and the parts an agency states of it, which an
// adjustment's changes and a dispute's positions take as well.
import { Type, type Static } from '@sinclair/typebox';
import {
  BASIS_LEVELS,
  ENTRY_FORMS,
  FIELD_TYPES,
  IDENTIFIES,
  MAX_FIELD_LABEL,
  OPEN_CONDITION_GROUNDS,
  OPENING_GROUNDS,
  SIDE_STATUSES,
} from '../../domain/catalog';
import { ATTRIBUTES } from '../../domain/types';
import { Instant, literals, Nullable, Text } from './common';

export const LegalBasisSchema = Type.Object({ level: literals(BASIS_LEVELS), title: Text(500), article: Text(200) }, { additionalProperties: false });
export const CatalogFieldSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    label: Type.String({ minLength: 1, maxLength: MAX_FIELD_LABEL, description: '信息项名称: the name people read' }),
    type: literals(FIELD_TYPES),
    description: Text(2000),
    identifies: Nullable(literals(IDENTIFIES)),
  },
  { additionalProperties: false },
);
/** An entry's share side (domain/catalog.ts ShareSide): as an agency states it, or as a dispute's party proposes it. */
export const SharePositionSchema = Type.Object(
  { attribute: literals(ATTRIBUTES), reasons: Nullable(Text(5000)), conditions: Nullable(Text(5000)), basis: Type.Array(LegalBasisSchema, { maxItems: 20 }) },
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

export const CatalogEntrySchema = Type.Object({
  id: Type.String(),
  providerOrgId: Type.String(),
  providerName: Type.Optional(Type.String({ description: "The providing agency's name (the catalog's list, one entry)" })),
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

const Attr = Type.Optional(Type.Union(ATTRIBUTES.map((a) => Type.Literal(a))));
const Status = Type.Optional(Type.Union(SIDE_STATUSES.map((a) => Type.Literal(a))));
/** What the catalog may be filtered by: its list and its export alike. */
export const CATALOG_FILTERS = {
  provider: Type.Optional(Type.String({ maxLength: 200 })),
  division: Type.Optional(Type.String({ pattern: '^[0-9]{6}$' })),
  region: Type.Optional(
    Type.String({ minLength: 1, maxLength: 100, description: "The providing agency's city (an organisation's region, as GET /me gives it)" }),
  ),
  shareAttribute: Attr,
  openAttribute: Attr,
  shareStatus: Status,
  openStatus: Status,
  q: Type.Optional(Type.String({ maxLength: 200 })),
};
