// Who a member of the public is: the schemas of saying it and reading it back (routes/principals.ts).
import { Type, type TLiteral } from '@sinclair/typebox';
import type { IdentityDocumentType } from '../../domain/ids';

const Name = Type.String({ maxLength: 200 });
// domain/ids.ts IDENTITY_DOCUMENT_TYPES, written out so the response type keeps each literal.
const documentTypes = (): [TLiteral<IdentityDocumentType>, TLiteral<IdentityDocumentType>, TLiteral<IdentityDocumentType>] =>
  [Type.Literal('resident'), Type.Literal('hmt_residence_permit'), Type.Literal('foreign_permanent_residence')] as const;
export const DocumentType = Type.Union([...documentTypes()], {
  description:
    'The identity document the number is of: 居民身份证 (resident, the default), 港澳台居民居住证 (hmt_residence_permit), 外国人永久居留身份证 (foreign_permanent_residence)',
});
export const PrincipalBody = Type.Union([
  Type.Object(
    {
      kind: Type.Literal('natural'),
      name: Name,
      documentType: Type.Optional(DocumentType),
      residentId: Type.String({ maxLength: 18, description: '身份证件号码: the number of the identity document documentType names' }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { kind: Type.Literal('legal'), name: Name, uscc: Type.String({ maxLength: 18, description: 'GB 32100 unified social credit code' }) },
    { additionalProperties: false },
  ),
  Type.Object({}, { additionalProperties: false, description: 'Signed in through the identity provider: who you are is what it verified' }),
]);

/** The holder's own view: their number in full (this route answers only them). */
export const PrincipalSchema = Type.Object({
  sub: Type.String(),
  kind: Type.String(),
  name: Type.String(),
  uscc: Type.Union([Type.String(), Type.Null()]),
  residentId: Type.Union([Type.String(), Type.Null()], { description: 'In full: only ever to its holder' }),
  residentIdMasked: Type.Union([Type.String(), Type.Null()], { description: 'As everyone else sees it' }),
  documentType: Type.Union([...documentTypes(), Type.Null()], { description: 'Which identity document residentId is of; null for an organisation' }),
  actsFor: Type.Array(Type.Object({ uscc: Type.String(), name: Type.String() }), {
    description:
      'The legal persons a natural person acts for now as their authorised agent (经办人, Art. 29): those whose authorisation in force names their number and name',
  }),
});
