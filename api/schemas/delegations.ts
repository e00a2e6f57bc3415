// Delegation (代理): a person's delegate for a period (routes/delegations.ts).
import { Type } from '@sinclair/typebox';
import { MAX_DELEGATION_REASON_CHARS } from '../../domain/delegations';
import { TASK_KINDS } from '../../domain/tasks';
import { Instant, literals, Nullable } from './common';

export const NewDelegationBody = Type.Object(
  {
    delegate: Type.String({ minLength: 1, maxLength: 200, description: "The colleague's token `sub` (GET /delegations/colleagues lists them)" }),
    startsAt: Type.Optional(Type.String({ format: 'date-time', description: 'When it starts; default now' })),
    endsAt: Type.String({ format: 'date-time' }),
    kinds: Type.Array(literals(Object.keys(TASK_KINDS)), { minItems: 1, maxItems: Object.keys(TASK_KINDS).length, uniqueItems: true }),
    reason: Type.String({ minLength: 1, maxLength: MAX_DELEGATION_REASON_CHARS }),
  },
  { additionalProperties: false },
);

export const DelegationSchema = Type.Object({
  id: Type.String(),
  org: Type.String(),
  delegator: Type.String(),
  delegatorName: Nullable(Type.String()),
  delegate: Type.String(),
  delegateName: Nullable(Type.String()),
  startsAt: Instant,
  endsAt: Instant,
  kinds: Type.Array(Type.String()),
  reason: Type.String(),
  createdAt: Instant,
  endedAt: Nullable(Type.String({ format: 'date-time', description: 'Ended early by its delegator' })),
  status: Type.Union([Type.Literal('scheduled'), Type.Literal('in_force'), Type.Literal('ended')]),
});

export const DelegationList = Type.Object({ items: Type.Array(DelegationSchema) });

export const ColleagueSchema = Type.Object({ sub: Type.String(), name: Nullable(Type.String()), roles: Type.Array(Type.String()) });
