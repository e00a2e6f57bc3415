// Grants' schemas (routes/grants.ts); a request's answer carries its grant.
import { Type, type Static } from '@sinclair/typebox';
import { REVOCATION_GROUND_CODES, REVOCATION_GROUNDS } from '../../domain/share';
import { Instant, Json, Nullable } from './common';

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

export const RevokeBody = Type.Object(
  {
    ground: Type.Union(
      REVOCATION_GROUND_CODES.map((g) => Type.Literal(g)),
      {
        description: Object.entries(REVOCATION_GROUNDS)
          .map(([g, r]) => `${g}: ${r.text} (${r.article})`)
          .join('; '),
      },
    ),
    reason: Type.String({ maxLength: 4000 }),
  },
  { additionalProperties: false },
);
