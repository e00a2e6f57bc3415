// The withdrawal's schemas (routes/withdrawal.ts): the request, and the form an upheld one takes.
import { Type } from '@sinclair/typebox';
import { UPHOLD_SCOPES } from '../../domain/withdrawal';

export const WithdrawalBody = Type.Object(
  {
    catalogEntryId: Type.String({ minLength: 1, maxLength: 200 }),
    records: Type.Optional(Type.String({ maxLength: 4000, description: 'The records concerned, when known' })),
    right: Type.String({ maxLength: 1000, description: 'The lawful right the opened data infringes' }),
    reasons: Type.String({ maxLength: 8000, description: 'Why it infringes it' }),
  },
  { additionalProperties: false },
);

/** UPHOLD's form. */
export const UpholdForm = Type.Object({
  scope: Type.Union(
    UPHOLD_SCOPES.map((s) => Type.Literal(s)),
    { description: "What is withdrawn: the entry's openness, or the records named" },
  ),
});
