// Notifications that reach people (issue 26 §2): a person's preferences, an organisation's webhooks and dead letters.
import { Type } from '@sinclair/typebox';
import { CHANNELS, NOTICE_EVENTS } from '../../domain/notifications';
import { Instant, literals, Nullable } from './common';

const Events = Type.Array(literals(Object.keys(NOTICE_EVENTS)), { maxItems: Object.keys(NOTICE_EVENTS).length, uniqueItems: true });
const Choice = Type.Object({ code: Type.String(), name: Type.String() });

export const PreferencesBody = Type.Object(
  {
    email: Nullable(Type.String({ minLength: 3, maxLength: 254, description: 'Where e-mail goes; null: none' })),
    events: Events,
    channels: Type.Array(literals(CHANNELS), {
      maxItems: CHANNELS.length,
      uniqueItems: true,
      description: 'Beyond the console, which always shows every notice',
    }),
    digest: Type.Boolean({ description: 'A daily e-mail of my tasks falling due' }),
  },
  { additionalProperties: false },
);

export const PreferencesSchema = Type.Object({
  email: Nullable(Type.String()),
  events: Type.Array(Type.String()),
  channels: Type.Array(Type.String()),
  digest: Type.Boolean(),
  /** What a person may pick, by code with its Chinese name: the console shows the names. */
  choices: Type.Object({ events: Type.Array(Choice), channels: Type.Array(Choice) }),
});

export const NewWebhookBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2000, description: 'https (http only in development)' }),
    events: Type.Array(literals(Object.keys(NOTICE_EVENTS)), { minItems: 1, maxItems: Object.keys(NOTICE_EVENTS).length, uniqueItems: true }),
  },
  { additionalProperties: false },
);

export const WebhookSchema = Type.Object({
  id: Type.String(),
  org: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  createdBy: Type.String(),
  createdAt: Instant,
});

/** The secret is shown once, as the subscription is made. */
export const NewWebhookSchema = Type.Intersect([
  WebhookSchema,
  Type.Object({ secret: Type.String({ description: 'HMAC-SHA256 key of the signature; shown only now' }) }),
]);

export const DeadLetterSchema = Type.Object({
  id: Type.String(),
  idempotencyKey: Type.String(),
  subscriptionId: Nullable(Type.String()),
  url: Type.String(),
  event: Type.String(),
  caseNumber: Nullable(Type.String()),
  requestId: Nullable(Type.String()),
  attempts: Type.Integer(),
  lastError: Nullable(Type.String()),
  createdAt: Instant,
  deadAt: Nullable(Instant),
});

export const OutboxIdParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,18}$' }) });
