// The audit export's query (routes/audit.ts).
import { Type } from '@sinclair/typebox';
import { REQUEST_TYPES } from '../../domain/procedures';
import { Instant } from './common';

export const AuditExportQuery = Type.Object({
  from: Type.Optional({ ...Instant, description: 'Events at or after this instant' }),
  to: Type.Optional({ ...Instant, description: 'Events before this instant' }),
  organisation: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Events by, or of requests of, this organisation' })),
  procedure: Type.Optional(Type.Union(REQUEST_TYPES.map((t) => Type.Literal(t)))),
  format: Type.Union([Type.Literal('jsonl'), Type.Literal('csv')], { default: 'jsonl' }),
});
