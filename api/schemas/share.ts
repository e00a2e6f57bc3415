// The share request's schema (routes/share.ts).
import { Type } from '@sinclair/typebox';

export const ShareRequestBody = Type.Object(
  {
    catalogEntryId: Type.String({ minLength: 1, maxLength: 200, description: 'The catalog entry whose data is requested' }),
    scenario: Type.String({ minLength: 1, maxLength: 4000, description: 'Application scenario (应用场景, Art. 15)' }),
    statutoryDuty: Type.String({ minLength: 1, maxLength: 4000, description: 'The statutory duty or public service it serves (Art. 15)' }),
    fields: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 200, uniqueItems: true })),
    commitment: Type.Object(
      { authenticity: Type.Boolean(), compliance: Type.Boolean(), security: Type.Boolean() },
      { additionalProperties: false, description: 'Commitment to authenticity, compliance and security (Art. 15); each must be true' },
    ),
  },
  { additionalProperties: false },
);
