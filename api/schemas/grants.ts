// Grants' schemas (routes/grants.ts); a request's answer carries its grant.
import { Type, type Static } from '@sinclair/typebox';
import { DELETION_METHOD_NAMES, DELETION_METHODS, DELIVERY_METHODS, MAX_USAGE_RECORDS, REVOCATION_GROUND_CODES, REVOCATION_GROUNDS } from '../../domain/share';
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
  endedBy: Nullable(
    Type.Object(
      { org: Nullable(Type.String()), role: Type.String() },
      { description: 'Who ended the grant early: the city authority (authority_reviewer), or the grantee (agency_applicant) as its purpose was achieved' },
    ),
  ),
  deletion: Nullable(
    Type.Object(
      { deletedBy: Type.String(), deletedAt: Type.String(), method: Type.String(), scope: Type.Boolean() },
      { description: 'The grantee confirmed the data received deleted as it ended the grant (《政务数据共享条例》共享目的已实现)' },
    ),
  ),
  revocation: Nullable(
    Type.Object(
      {
        taskId: Type.String(),
        status: Type.Union([Type.Literal('awaiting_consent'), Type.Literal('consented'), Type.Literal('refused'), Type.Literal('closed')]),
        ground: Type.String(),
        reason: Type.String(),
        requestedBy: Nullable(Type.String({ description: 'The providing agency' })),
        answer: Nullable(Type.String({ description: "The city authority's reason" })),
        effectiveAt: Type.Union([Instant, Type.Null()], {
          description: 'Consented: when the grant ends, the grantee told beforehand (《政务数据共享条例》); null otherwise',
        }),
      },
      { description: "The providing agency's latest request to end the grant, which the city big data authority's consent decides (Art. 14)" },
    ),
  ),
  delivery: Nullable(
    Type.Object(
      {
        status: Type.Union([Type.Literal('awaiting_delivery'), Type.Literal('delivered')], {
          description: 'awaiting_delivery (已批准待交付) until the grantee confirms receipt; then delivered',
        }),
        taskId: Type.String({ description: 'The latest delivery task' }),
        method: Nullable(Type.String({ description: 'interface (接口), file (文件) or database_view (数据库视图)' })),
        location: Nullable(Type.String()),
        deliveredFields: Type.Array(Type.String()),
        problem: Nullable(Type.String({ description: "The grantee's problem that reopened delivery" })),
      },
      {
        description: 'How the provider delivered the data and whether the grantee confirmed it (《政务数据共享条例》数据交付); null where no delivery is asked',
      },
    ),
  ),
  startsAt: Type.Union([Instant, Type.Null()], {
    description:
      'When its term starts, where not at grantedAt: a renewal approved before the grant it renews expired starts at that expiry (no gap, no overlap)',
  }),
  renews: Nullable(Type.String({ description: 'The grant this one renews' })),
  onwardProvision: Type.Union([Type.Literal('forbidden'), Type.Literal('provider_consent')], {
    description:
      "Whether its data may go on to a third party: forbidden (Art. 15, the default) or provider_consent (the policy follows the 《政务数据共享条例》: with the providing agency's consent), as its terms say",
  }),
  onwardProvisions: Type.Array(
    Type.Object({
      taskId: Type.String(),
      status: Type.Union([Type.Literal('awaiting_consent'), Type.Literal('consented'), Type.Literal('refused'), Type.Literal('closed')]),
      thirdPartyOrg: Type.String(),
      thirdPartyName: Nullable(Type.String()),
      purpose: Type.String(),
      fields: Type.Array(Type.String()),
      reason: Nullable(Type.String({ description: "The provider's reason (a refusal's)" })),
      askedAt: Instant,
    }),
    { description: "The grantee's asks to provide the data to a third party and the providing agency's answers, the latest first" },
  ),
  renewal: Nullable(
    Type.Object(
      {
        requestId: Type.String(),
        status: Type.String({ description: "The renewal request's status (in_review while decided; granted, rejected, cancelled…)" }),
        grantId: Nullable(Type.String({ description: 'The grant it created, once approved' })),
        caseNumber: Nullable(Type.String()),
        expiresAt: Nullable(Type.String({ format: 'date-time', description: 'The end of the grant it created, once approved: the renewed term' })),
      },
      { description: 'The latest renewal of this grant its grantee asked (a new conditional share request, reviewed as one)' },
    ),
  ),
});

/** The grantee's ask to provide the data to a third party (issue 24 §6): whom, for what, which of the grant's fields. */
export const OnwardProvisionBody = Type.Object(
  {
    thirdPartyOrg: Type.String({
      minLength: 1,
      maxLength: 200,
      description:
        "The third party: a government department of the directory (GET /organisations, governmentDepartment; no other under the 条例's consent route)",
    }),
    purpose: Type.String({ maxLength: 4000, description: 'For what the third party uses the data' }),
    fields: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
      minItems: 1,
      maxItems: 500,
      uniqueItems: true,
      description: "The grant's fields it is given",
    }),
  },
  { additionalProperties: false },
);

/** A renewal's body: the purpose and the duty served as edited (else the grant's), and the Art. 15 commitment given again. */
export const RenewalBody = Type.Object(
  {
    scenario: Type.Optional(Type.String({ maxLength: 2000, description: "应用场景: the purpose, the grant's when absent or blank" })),
    statutoryDuty: Type.Optional(Type.String({ maxLength: 2000, description: 'The statutory duty served, the original request’s when absent or blank' })),
    commitment: Type.Object(
      { authenticity: Type.Boolean(), compliance: Type.Boolean(), security: Type.Boolean() },
      { additionalProperties: false, description: 'The Art. 15 commitment, given again (each must be true)' },
    ),
  },
  { additionalProperties: false },
);
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
    /** The grantee's only (its ground purpose_achieved): the data received deleted, who, when, how (domain/share.ts deletionViolation). */
    deletion: Type.Optional(
      Type.Object(
        {
          deletedBy: Type.String({ maxLength: 200, description: 'The person who deleted the data' }),
          deletedAt: Type.String({ maxLength: 40, description: 'When, an ISO 8601 date-time, not in the future nor before the grant' }),
          method: Type.Union(
            DELETION_METHODS.map((m) => Type.Literal(m)),
            {
              description: Object.entries(DELETION_METHOD_NAMES)
                .map(([m, n]) => `${m} (${n})`)
                .join(', '),
            },
          ),
          scope: Type.Boolean({ description: 'All the data received under the grant (must be true)' }),
        },
        { additionalProperties: false, description: 'The grantee ending its grant confirms the deletion of the data received (《政务数据共享条例》)' },
      ),
    ),
  },
  { additionalProperties: false },
);

/** The provider's delivery (DELIVER's form, 《政务数据共享条例》数据交付): how, where, and which of the grant's fields. */
export const DeliveryFormSchema = Type.Object(
  {
    method: Type.Union(
      DELIVERY_METHODS.map((m) => Type.Literal(m)),
      { description: 'interface (接口), file (文件) or database_view (数据库视图)' },
    ),
    location: Type.String({ minLength: 1, maxLength: 2000, description: "The interface's endpoint, or the file's or the view's location" }),
    deliveredFields: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
      minItems: 1,
      maxItems: 500,
      uniqueItems: true,
      description: "The fields delivered, each one of the grant's",
    }),
  },
  { additionalProperties: false },
);

/** One use of the shared data (《政务数据共享条例》使用记录). */
const UsageRecordSchema = Type.Object(
  {
    user: Type.String({ minLength: 1, maxLength: 200, description: "Who used the data (a person's name)" }),
    usedAt: Type.String({ format: 'date-time', maxLength: 40, description: "When, an ISO 8601 date-time within the report's period" }),
    purpose: Type.String({ minLength: 1, maxLength: 1000, description: 'For which purpose' }),
  },
  { additionalProperties: false },
);

/** FILE's form (SHARE_USAGE_REPORT): the period's uses, or noUse with none (domain/share.ts usageReportViolation). */
export const UsageReportFormSchema = Type.Object(
  {
    records: Type.Optional(Type.Array(UsageRecordSchema, { maxItems: MAX_USAGE_RECORDS, description: 'Each use in the period: who, when, for which purpose' })),
    noUse: Type.Optional(Type.Boolean({ description: 'The data was not used in the period (then no records)' })),
  },
  { additionalProperties: false },
);

/** A filing of usage records as the grantee, the provider and the authority read it. */
export const UsageFilingSchema = Type.Object({
  taskId: Type.String(),
  period: Type.Object({ from: Instant, to: Instant, label: Nullable(Type.String({ description: 'The quarter, 2026-Q4; null for a trial cadence' })) }),
  noUse: Type.Boolean(),
  records: Type.Array(Type.Object({ user: Type.String(), usedAt: Type.String(), purpose: Type.String() })),
  filedBy: Type.Object({ sub: Type.String(), org: Nullable(Type.String()) }),
  filedAt: Instant,
});
