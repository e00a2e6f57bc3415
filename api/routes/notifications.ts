import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listNotifications } from '../../db/repositories/notifications';
import { Page, SerialPageQuery } from '../schemas/common';
import { NotificationSchema } from '../schemas/notifications';
import type { ApiDeps } from '../types';

export const notificationRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { db }) => {
  app.get(
    '/notifications',
    {
      schema: {
        tags: ['notifications'],
        summary: "The caller's notifications, newest first",
        querystring: SerialPageQuery,
        response: { 200: Page(NotificationSchema) },
      },
    },
    async (request) => {
      const rows = await listNotifications(db, request.actor, request.query.cursor ?? null, request.query.limit + 1);
      const page = rows.slice(0, request.query.limit);
      return {
        items: page.map((n) => ({
          id: String(n.id),
          kind: n.kind,
          requestId: n.request_id,
          caseNumber: n.case_number,
          taskId: n.task_id,
          message: n.message,
          createdAt: n.created_at.toISOString(),
        })),
        nextCursor: rows.length > request.query.limit ? String(page[page.length - 1].id) : null,
      };
    },
  );
};
