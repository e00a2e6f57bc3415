// The conditional open application's schemas (routes/open-request.ts): the application, the agreement it ends in,
// and the forms its approval and signatures take.
import { Type, type Static } from '@sinclair/typebox';
import { ACCESS_METHODS, MAX_TERM_MONTHS } from '../../domain/open-request';
import { Instant, Nullable } from './common';
import { OnBehalfOf } from './legal-agents';

const Text = (description: string) => Type.String({ maxLength: 4000, description });

export const OpenRequestBody = Type.Object(
  {
    catalogEntryId: Type.String({ minLength: 1, maxLength: 200, description: 'A conditionally open entry' }),
    purpose: Text('What the data is used for'),
    scenario: Text('The scenario it is used in (应用场景)'),
    fields: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 500, description: "The fields asked for (default: all the entry's)" }),
    ),
    accessMethod: Type.Union(
      ACCESS_METHODS.map((m) => Type.Literal(m)),
      { description: 'How the data is reached on the unified open platform' },
    ),
    securityMeasures: Text('The security measures the applicant commits to'),
    termMonths: Type.Integer({ minimum: 1, maximum: MAX_TERM_MONTHS, description: 'The term asked for, in months' }),
    onBehalfOf: OnBehalfOf,
  },
  { additionalProperties: false },
);

/** A party's signature: who, when, the hash of the text signed. */
export const SignatureSchema = Type.Object({ party: Type.String(), sub: Type.String(), org: Nullable(Type.String()), at: Instant, sha256: Type.String() });

/**
 * A 公共数据开放利用协议 (Art. 20). Listed field by field (no free JSON): the licensee's identity is the masked
 * form the text carries, and nothing added to the row reaches a response without being named here.
 */
export const AgreementSchema = Type.Object({
  id: Type.String(),
  requestId: Type.String(),
  caseNumber: Nullable(Type.String({ description: 'The case number (受理编号) of the application it was made under' })),
  version: Type.Integer(),
  template: Type.String({
    description: "The text's template version (v2: as release 1.0.0 drafted it; v3: Chinese throughout); a text once drafted never changes",
  }),
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

export const TerminateBody = Type.Object({ reason: Type.String({ maxLength: 4000 }) }, { additionalProperties: false });

/** APPROVE's form. */
export const ApproveForm = Type.Object({
  conditions: Type.Optional(Type.String({ maxLength: 4000, description: 'Conditions the agency adds to the agreement' })),
});
/** SIGN's form: the SHA-256 of the text it signs. */
export const SignForm = Type.Object({
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: "The SHA-256 of the agreement's text as read (GET /agreements/:id)" }),
});
