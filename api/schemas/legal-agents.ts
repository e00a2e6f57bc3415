// A legal person's authorised agents: the schemas of listing and authorising them (routes/legal-agents.ts), and the
// body field an application names the legal person with.
import { Type } from '@sinclair/typebox';
import { DocumentType } from './principals';

export const AgentSchema = Type.Object({
  id: Type.String(),
  name: Type.String({ description: 'The agent’s name as on their identity document' }),
  documentType: Type.String({ description: 'The identity document their number is of' }),
  residentIdMasked: Type.String({ description: 'Their number, masked: the full number is kept nowhere' }),
  status: Type.Union([Type.Literal('active'), Type.Literal('revoked')]),
  authorisedAt: Type.String(),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
});

export const AgentBody = Type.Object(
  {
    name: Type.String({ maxLength: 200, description: 'The agent’s name as on their identity document' }),
    documentType: Type.Optional(DocumentType),
    residentId: Type.String({ maxLength: 18, description: '身份证件号码: the number of the identity document documentType names' }),
  },
  { additionalProperties: false },
);

/** The body field naming the legal person one applies for as its agent: picked from GET /principals/me actsFor, never typed. */
export const OnBehalfOf = Type.Optional(
  Type.String({
    maxLength: 18,
    description:
      'The legal person (统一社会信用代码) you apply for as its authorised agent (经办人): one of GET /principals/me actsFor; absent: in your own name',
  }),
);
