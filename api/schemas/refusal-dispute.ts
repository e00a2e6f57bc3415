// The refusal dispute's schema (routes/refusal-dispute.ts): the start body and the decisions' forms.
import { Type } from '@sinclair/typebox';

const Fields = Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 500, description: "The entry's fields (信息项) to share" });
const Conditions = Type.Union([Type.String({ minLength: 1, maxLength: 4000 }), Type.Null()], {
  description: 'The conditions of use the grant carries; null: the entry’s own',
});

export const RefusalDisputeBody = Type.Object(
  {
    shareRequestId: Type.String({ minLength: 1, maxLength: 200, description: 'The refused share request' }),
    reason: Type.String({ minLength: 1, maxLength: 8000, description: 'Why the refusal is disputed' }),
    fields: Type.Optional(Fields),
    conditions: Type.Optional(Conditions),
  },
  { additionalProperties: false },
);

/** A party's position in a turn (COUNTER) or the settlement under the authority's coordination (SETTLE). */
export const RefusalPositionSchema = Type.Object(
  { grant: Type.Boolean(), fields: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 500 }), conditions: Conditions },
  { additionalProperties: false },
);

/** The leading group's grant (GRANT): the fields and conditions decided. */
export const RefusalTermsSchema = Type.Object({ fields: Fields, conditions: Conditions }, { additionalProperties: false });
