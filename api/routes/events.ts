import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { EventHub } from '../events';
import { problem, ProblemError } from '../problem';
import type { ApiDeps } from '../types';

/** Seconds a refused stream's page waits before asking again (it polls meanwhile). */
export const STREAM_RETRY_AFTER_S = 60;

/**
 * GET /events: the caller's changes as server-sent events ("tasks", "notices"; no content: the console refetches
 * through GET /tasks and GET /notifications). Authenticated as every route, by the Authorization header: the console
 * reads it with fetch() streaming rather than EventSource (which cannot send a header), so no token or ticket goes in
 * a URL and the API keeps no state for it.
 */
export const eventRoutes: FastifyPluginAsyncTypebox<ApiDeps & { hub: EventHub }> = async (app, { hub }) => {
  app.get(
    '/events',
    {
      schema: {
        tags: ['notifications'],
        summary: "The caller's new tasks and notices as they happen (text/event-stream)",
        description:
          'Events `tasks` and `notices`, with no content: refetch GET /tasks and GET /notifications. A comment every 15 s; ' +
          'the stream ends after `seconds` (default 600) and the client reconnects. Beyond the open streams allowed a person ' +
          '(EVENTS_STREAMS_PER_PERSON) or the process (EVENTS_STREAMS_TOTAL), 429 naming the rule, with Retry-After: poll meanwhile.',
        querystring: Type.Object({ seconds: Type.Integer({ minimum: 1, maximum: 600, default: 600 }) }),
      },
    },
    async (request, reply) => {
      const out = reply.raw;
      // Listening before the answer, so nothing written after it is missed.
      await hub.listen().catch((err: unknown) => {
        request.log.warn({ err }, 'event listener unavailable');
        throw problem('DatabaseUnavailable');
      });
      // Checked after the last await, so the stream is counted before another request's check runs.
      const refused = hub.refusal(request.actor);
      if (refused) {
        reply.header('retry-after', String(STREAM_RETRY_AFTER_S));
        throw new ProblemError(refused.code, refused.detail, [{ field: refused.field!, rule: refused.rule!, message: refused.detail }]);
      }
      reply.hijack();
      out.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
        connection: 'keep-alive',
        'x-request-id': String(request.id),
      });
      out.flushHeaders();
      hub.subscribe(request.actor, out);
      const end = setTimeout(() => out.end(), request.query.seconds * 1000);
      out.on('close', () => clearTimeout(end));
    },
  );
};
