// The notifications' schema (routes/notifications.ts).
import { Type } from '@sinclair/typebox';
import { Instant, Nullable } from './common';

export const NotificationSchema = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  requestId: Nullable(Type.String()),
  taskId: Nullable(Type.String()),
  message: Type.String(),
  createdAt: Instant,
});
