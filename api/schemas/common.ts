// The building blocks every route group's schemas are made of, and the ids routes take in their paths.
import { Type, type TSchema, type TUnsafe } from '@sinclair/typebox';

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
export const Instant = Type.String({ format: 'date-time' });
/** Free-form JSON objects: forms, payloads, outcomes, contexts. */
export const Json = Type.Record(Type.String(), Type.Unknown());

export const Page = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item), nextCursor: Nullable(Type.String()) });
/** The query of a list paged by a serial id (notifications, dead letters): the last id seen, and how many. */
export const SerialPageQuery = Type.Object({
  cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$' })),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
});

/** One of `xs` (an enum: its refusal lists the allowed values). */
export const literals = <T extends string>(xs: readonly T[]): TUnsafe<T> => Type.Unsafe<T>({ type: 'string', enum: [...xs] });
export const Text = (maxLength: number) => Type.String({ maxLength });

/** `:id` of a request or a catalog entry. */
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });
/** `:id` of what a request made (a task, a grant, an agreement): its request's id and more. */
export const DerivedIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 300 }) });
