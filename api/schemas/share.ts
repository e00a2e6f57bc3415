// The share request's schema (routes/share.ts).
import { Type } from '@sinclair/typebox';
import { MAX_BASIS_ITEMS } from '../../domain/catalog';
import { MAX_MISSING_ITEMS, MAX_PROVIDER_EXTENSION_WORKING_DAYS } from '../../domain/share';
import { LegalBasisSchema } from './catalog';

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

/** A request for information (一次性告知, the 条例): every missing item at once, each with why it is needed. */
export const RequestInfoForm = Type.Object(
  {
    missing: Type.Optional(
      Type.Array(
        Type.Object(
          {
            item: Type.String({ minLength: 1, maxLength: 1000, description: 'What is missing' }),
            reason: Type.String({ minLength: 1, maxLength: 2000, description: 'Why it is needed' }),
          },
          { additionalProperties: false },
        ),
        { minItems: 1, maxItems: MAX_MISSING_ITEMS, description: 'Every missing item (一次性告知): required where the 《政务数据共享条例》 binds the request' },
      ),
    ),
  },
  { additionalProperties: false },
);

/**
 * The applicant's reply (REPLY) may amend the request in answer to what it was asked (issue 24 §1): the data items asked
 * for, the application scenario; each left out stays as it is. The request as amended meets Art. 15 as a new one does.
 */
export const ReplyForm = Type.Object(
  {
    fields: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
        maxItems: 200,
        uniqueItems: true,
        description: "The data items asked for, as amended: fields of the entry (the reply task's context.amendable); none, all of them (as a submission)",
      }),
    ),
    scenario: Type.Optional(Type.String({ minLength: 1, maxLength: 4000, description: 'The application scenario (应用场景, Art. 15), as amended' })),
  },
  // Offered only by a reply task whose context lists the items (x-context): one opened before it takes words alone.
  { additionalProperties: false, 'x-context': 'amendable' },
);

/** A refusal (DISAGREE, REJECT): the legal basis it rests on (不予共享, Art. 13 ¶2; the 条例's levels where it binds the request). */
export const RefusalForm = Type.Object(
  {
    basis: Type.Optional(
      Type.Array(LegalBasisSchema, {
        maxItems: MAX_BASIS_ITEMS,
        description: "The provisions the refusal rests on, each of a level the task's context.refusalBasis lists: required where it lists them",
      }),
    ),
  },
  { additionalProperties: false },
);

/** The provider's ask to extend its opinion's answer (《政务数据共享条例》: once, with a reason; the head of its sharing work decides). */
export const ExtensionRequestBody = Type.Object(
  {
    workingDays: Type.Integer({
      minimum: 1,
      maximum: MAX_PROVIDER_EXTENSION_WORKING_DAYS,
      description: "Working days asked for (an approval grants at most the policy's providerExtensionCap)",
    }),
    reason: Type.String({ maxLength: 4000, description: 'Why the answer needs more time' }),
  },
  { additionalProperties: false },
);
