// The share-attribute dispute's schema (routes/share-dispute.ts); its positions are the catalog's share side.
import { Type } from '@sinclair/typebox';
import { SharePositionSchema } from './catalog';

export const DisputeBody = Type.Object(
  {
    catalogEntryId: Type.String({ minLength: 1, maxLength: 200 }),
    proposal: SharePositionSchema,
    objection: Type.String({ minLength: 1, maxLength: 8000, description: 'Why the authority objects to the published share attribute' }),
  },
  { additionalProperties: false },
);
