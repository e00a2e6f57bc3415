// The open demand's schema (routes/open-demand.ts).
import { Type } from '@sinclair/typebox';
import { OnBehalfOf } from './legal-agents';

export const OpenDemandBody = Type.Object(
  {
    catalogEntryId: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'The entry whose opening is asked for' })),
    providerOrgId: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'For data not in the catalog: the agency that holds it' })),
    description: Type.String({ maxLength: 4000, description: 'What data is asked to be opened' }),
    purpose: Type.String({ maxLength: 4000, description: 'What it would be used for' }),
    onBehalfOf: OnBehalfOf,
  },
  { additionalProperties: false },
);
