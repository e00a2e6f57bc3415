// The error correction's schemas (routes/correction.ts): the report, the correction's form, an entry's reports.
import { Type } from '@sinclair/typebox';
import { MAX_EVIDENCE } from '../../domain/correction';
import { Instant, Json, Nullable } from './common';

const EvidenceSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, description: "The attachment's name" }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'The SHA-256 of its bytes (64 lower-case hex digits)' }),
  },
  { additionalProperties: false },
);

export const CorrectionBody = Type.Object(
  {
    catalogEntryId: Type.String({ minLength: 1, maxLength: 200 }),
    items: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
        maxItems: 200,
        description: "The data items concerned (the entry's field names), when known",
      }),
    ),
    records: Type.Optional(Type.String({ maxLength: 4000, description: 'The records concerned, when known' })),
    problem: Type.String({ maxLength: 8000, description: 'What is wrong with the data' }),
    evidence: Type.Optional(Type.Array(EvidenceSchema, { maxItems: MAX_EVIDENCE, description: 'Attachments, by name and SHA-256' })),
  },
  { additionalProperties: false },
);

/** CORRECTED's form. */
export const CorrectedForm = Type.Object(
  {
    corrected: Type.String({ minLength: 1, maxLength: 4000, description: 'What was changed in the data' }),
    publishedAt: Type.Optional(
      Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'The day the corrected data is (or was) published, YYYY-MM-DD' }),
    ),
  },
  { additionalProperties: false },
);

export const CorrectionReportSchema = Type.Object({
  requestId: Type.String(),
  status: Type.String(),
  /** The caller's own report. */
  own: Type.Boolean(),
  items: Type.Array(Type.String()),
  records: Nullable(Type.String()),
  problem: Type.String(),
  evidence: Type.Array(Type.Object({ name: Type.String(), sha256: Type.String() })),
  outcome: Nullable(Json),
  createdAt: Instant,
  updatedAt: Instant,
});

export const CorrectionsQuery = Type.Object({
  cursor: Type.Optional(Type.String({ maxLength: 500 })),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
});
