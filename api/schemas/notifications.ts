// The notifications' schema (routes/notifications.ts).
import { Type } from '@sinclair/typebox';
import { Instant, Nullable } from './common';

export const NotificationSchema = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  requestId: Nullable(Type.String()),
  caseNumber: Nullable(Type.String({ description: 'The case number (受理编号) of the request it is about' })),
  taskId: Nullable(Type.String()),
  message: Type.String(),
  createdAt: Instant,
});
