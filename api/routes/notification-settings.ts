// Notifications that reach people (issue 26 §2): a person's preferences (GET/PUT /me/notification-preferences); an
// organisation's webhooks, made, listed and ended by its admin; their dead letters, listed and redelivered on demand.
// The outbox itself is written by the database with each notice (migration 034) and sent by the worker's delivery activities.
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { createWebhook, deadLetters, getPreferences, listWebhooks, redeliver, revokeWebhook, setPreferences } from '../../db/repositories/outbox';
import {
  CHANNEL_NAMES,
  CHANNELS,
  NOTICE_EVENTS,
  preferencesViolation,
  webhookEventsViolation,
  webhookUrlViolation,
  type NotificationPreferences,
} from '../../domain/notifications';
import { unstorable } from '../../domain/text';
import { requireMember } from '../auth';
import { invalid, problem, refusal } from '../problem';
import { IdParams, Page, SerialPageQuery } from '../schemas/common';
import {
  DeadLetterSchema,
  NewWebhookBody,
  NewWebhookSchema,
  OutboxIdParams,
  PreferencesBody,
  PreferencesSchema,
  WebhookSchema,
} from '../schemas/notification-settings';
import type { ApiDeps } from '../types';
import type { FastifyRequest } from 'fastify';

const CHOICES = {
  events: Object.entries(NOTICE_EVENTS).map(([code, name]) => ({ code, name })),
  channels: CHANNELS.map((code) => ({ code, name: CHANNEL_NAMES[code] })),
};

/** A staff person (members of the public are told in the console; e-mail and digests are staff's). */
function staff(request: FastifyRequest): { sub: string; org: string } {
  const { actor } = request;
  if (actor.org === null) throw problem('Forbidden', 'Notification settings are for staff of an organisation');
  return { sub: actor.sub, org: actor.org };
}

const webhookView = (w: { id: string; org: string; url: string; events: string[]; created_by: string; created_at: Date }) => ({
  id: w.id,
  org: w.org,
  url: w.url,
  events: w.events,
  createdBy: w.created_by,
  createdAt: w.created_at.toISOString(),
});

export const notificationSettingRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const { db } = deps;
  const httpsOnly = deps.webhooksHttpsOnly ?? true;

  app.get(
    '/me/notification-preferences',
    {
      schema: {
        tags: ['notifications'],
        summary: 'My notification settings: my e-mail address, the kinds of notice and the channels (the console always), the daily digest',
        response: { 200: PreferencesSchema },
      },
    },
    async (request) => {
      const who = staff(request);
      const p = await getPreferences(db, who);
      if (!p) throw problem('Forbidden', 'The directory does not know you in this organisation yet');
      return { ...p, choices: CHOICES };
    },
  );

  app.put(
    '/me/notification-preferences',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Set my notification settings (e-mail and the digest need an address)',
        body: PreferencesBody,
        response: { 200: PreferencesSchema },
      },
    },
    async (request) => {
      const who = staff(request);
      const body = request.body;
      const p: NotificationPreferences = {
        email: body.email === null ? null : body.email.trim(),
        events: body.events as NotificationPreferences['events'],
        channels: body.channels as NotificationPreferences['channels'],
        digest: body.digest,
      };
      const bad = unstorable({ email: p.email ?? '' }, '');
      if (bad) throw invalid([bad]);
      const refused = preferencesViolation(p);
      if (refused) throw refusal(refused);
      if (!(await getPreferences(db, who))) throw problem('Forbidden', 'The directory does not know you in this organisation yet');
      await setPreferences(db, who, p);
      return { ...(await getPreferences(db, who))!, choices: CHOICES };
    },
  );

  app.get(
    '/webhooks',
    {
      schema: {
        tags: ['notifications'],
        summary: "My organisation's webhook subscriptions (its admin)",
        response: { 200: Type.Object({ items: Type.Array(WebhookSchema) }) },
      },
    },
    async (request) => {
      const admin = requireMember(request, 'admin');
      return { items: (await listWebhooks(db, admin.org)).map(webhookView) };
    },
  );

  app.post(
    '/webhooks',
    {
      schema: {
        tags: ['notifications'],
        summary: "Subscribe a URL to my organisation's notices of some kinds, signed HMAC-SHA256 (docs/api.md); the secret is answered once",
        body: NewWebhookBody,
        response: { 201: NewWebhookSchema },
      },
    },
    async (request, reply) => {
      const admin = requireMember(request, 'admin');
      const { url } = request.body;
      const events = request.body.events as string[];
      const bad = unstorable({ url }, '');
      if (bad) throw invalid([bad]);
      const refused = webhookUrlViolation(url, httpsOnly) ?? webhookEventsViolation(events);
      if (refused) throw refusal(refused);
      const secret = randomBytes(32).toString('base64url');
      const made = await createWebhook(db, { id: randomUUID(), org: admin.org, url, secret, events, createdBy: admin.sub });
      reply.code(201);
      return { ...webhookView(made), secret };
    },
  );

  app.delete(
    '/webhooks/:id',
    {
      schema: {
        tags: ['notifications'],
        summary: 'End a webhook subscription of my organisation (what is already queued is still delivered)',
        params: IdParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      const admin = requireMember(request, 'admin');
      if (!(await revokeWebhook(db, admin.org, request.params.id)))
        throw problem('WebhookNotFound', 'No subscription of your organisation in force has this id');
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/webhooks/dead-letters',
    {
      schema: {
        tags: ['notifications'],
        summary: "My organisation's webhook posts that failed every attempt the policy allows (dead letters), newest first",
        querystring: SerialPageQuery,
        response: { 200: Page(DeadLetterSchema) },
      },
    },
    async (request) => {
      const admin = requireMember(request, 'admin');
      const { limit, cursor } = request.query;
      const rows = await deadLetters(db, admin.org, cursor ?? null, limit + 1);
      const page = rows.slice(0, limit);
      return {
        items: page.map((r) => ({
          id: String(r.id),
          idempotencyKey: r.idempotency_key,
          subscriptionId: r.subscription_id,
          url: r.address,
          event: r.kind,
          caseNumber: r.case_number,
          requestId: r.request_id,
          attempts: r.attempts,
          lastError: r.last_error,
          createdAt: r.created_at.toISOString(),
          deadAt: r.dead_at?.toISOString() ?? null,
        })),
        nextCursor: rows.length > limit ? String(page[page.length - 1].id) : null,
      };
    },
  );

  app.post(
    '/webhooks/dead-letters/:id/redeliver',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Deliver a dead letter of my organisation again, now, with the attempts counted afresh (same event id: a receiver drops a repeat)',
        params: OutboxIdParams,
        response: { 202: Type.Object({ id: Type.String(), status: Type.Literal('pending') }) },
      },
    },
    async (request, reply) => {
      const admin = requireMember(request, 'admin');
      if (!(await redeliver(db, admin.org, request.params.id))) throw problem('DeadLetterNotFound', 'No dead letter of your organisation has this id');
      reply.code(202);
      return { id: request.params.id, status: 'pending' as const };
    },
  );
};
