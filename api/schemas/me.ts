// Who the caller is, the organisations, and the development sign-in's schemas (routes/me.ts).
import { Type } from '@sinclair/typebox';
import { Nullable } from './common';

export const MeSchema = Type.Object({
  sub: Type.String(),
  roles: Type.Array(Type.String()),
  /** null: a member of the public. */
  organisation: Nullable(Type.Object({ id: Type.String(), name: Type.String(), kind: Type.String(), division: Type.String(), region: Type.String() })),
  /** Who a member of the public said they are (the number masked). */
  principal: Nullable(
    Type.Object({
      kind: Type.String(),
      name: Type.String(),
      identity: Nullable(Type.String()),
      /** The legal persons a natural person acts for now as authorised agent (经办人). */
      actsFor: Type.Array(Type.Object({ uscc: Type.String(), name: Type.String() })),
    }),
  ),
});

export const DemoUserSchema = Type.Object({
  label: Type.String(),
  sub: Type.String(),
  /** Their name in Chinese (staff); null for a member of the public, who says who they are later. */
  name: Nullable(Type.String()),
  org: Nullable(Type.String()),
  roles: Type.Array(Type.String()),
});

export const OrganisationSchema = Type.Object({ id: Type.String(), name: Type.String(), kind: Type.String(), level: Type.String(), division: Type.String() });

export const DevTokenBody = Type.Object({ sub: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
