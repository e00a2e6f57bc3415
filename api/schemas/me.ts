// Who the caller is, the organisations, and the development sign-in's schemas (routes/me.ts).
import { Type } from '@sinclair/typebox';
import { BASIS_LEVELS } from '../../domain/catalog';
import { literals, Nullable } from './common';

export const MeSchema = Type.Object({
  sub: Type.String(),
  roles: Type.Array(Type.String()),
  /** null: a member of the public. */
  organisation: Nullable(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      kind: Type.String(),
      division: Type.String(),
      region: Type.String(),
      /** A government department (政务部门): the 《政务数据共享条例》 binds its sharing with other government departments. */
      governmentDepartment: Type.Boolean(),
      /** The levels of legal basis an entry of its catalog marked 不予共享 may cite (issue 24 §3; domain/catalog-adjustment.ts noneShareBasisLevels). */
      noneShareBasisLevels: Type.Array(literals(BASIS_LEVELS)),
    }),
  ),
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

export const OrganisationSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  level: Type.String(),
  division: Type.String(),
  /** A government department (政务部门): where the 《政务数据共享条例》 binds its sharing, and who may receive a grant's data onward. */
  governmentDepartment: Type.Boolean(),
});

export const DevTokenBody = Type.Object({ sub: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

/** How the console signs in (GET /sign-in): the staff provider's code flow, and whether the development sign-in is offered. */
export const SignInOptionsSchema = Type.Object({
  /** null: no staff provider configured (staff use the API's own tokens: development). */
  staff: Nullable(
    Type.Object({
      issuer: Type.String(),
      discoveryUrl: Type.String(),
      clientId: Type.String(),
      scope: Type.String(),
    }),
  ),
  /** The development sign-in (GET /dev/users, POST /dev/token) is served: development mode only, never a deployment. */
  development: Type.Boolean(),
});
