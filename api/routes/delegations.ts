// Delegation (代理, issue 26 §3): a person names a colleague to act on their tasks of some kinds for a period; a
// supervisor sees those in force in the organisations they oversee. Rules: domain/delegations.ts; tasks reach the
// delegate through routes/tasks.ts (the inbox, a task, its decision).
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { createDelegation, delegationsInForce, endDelegation, myDelegations, type DelegationRow } from '../../db/repositories/delegations';
import { colleaguesOf, findPerson } from '../../db/repositories/people';
import { newDelegationViolation } from '../../domain/delegations';
import { unstorable } from '../../domain/text';
import type { Actor, ActorRef } from '../../domain/types';
import { requireRole } from '../auth';
import { invalid, problem, refusal } from '../problem';
import { ColleagueSchema, DelegationList, DelegationSchema, NewDelegationBody } from '../schemas/delegations';
import type { ApiDeps } from '../types';
import { overseenBy } from '../views';
import { IdParams } from '../schemas/common';

function delegationView(d: DelegationRow, now = new Date()) {
  const end = d.revoked_at && d.revoked_at < d.ends_at ? d.revoked_at : d.ends_at;
  return {
    id: d.id,
    org: d.org,
    delegator: d.delegator,
    delegatorName: d.delegator_name,
    delegate: d.delegate,
    delegateName: d.delegate_name,
    startsAt: d.starts_at.toISOString(),
    endsAt: d.ends_at.toISOString(),
    kinds: d.kinds,
    reason: d.reason,
    createdAt: d.created_at.toISOString(),
    endedAt: d.revoked_at?.toISOString() ?? null,
    status:
      end <= now || (d.revoked_at !== null && d.revoked_at <= d.starts_at)
        ? ('ended' as const)
        : d.starts_at > now
          ? ('scheduled' as const)
          : ('in_force' as const),
  };
}

/** The caller acting for an organisation (a member of the public has no colleagues to stand in). */
function staff(actor: Actor): ActorRef & { org: string } {
  if (actor.org === null) throw problem('Forbidden', 'Only staff of an organisation name a delegate');
  return { sub: actor.sub, org: actor.org, role: actor.roles[0] ?? 'agency_applicant' };
}

export const delegationRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const { db } = deps;

  app.post(
    '/delegations',
    {
      schema: {
        tags: ['delegations'],
        summary: 'Name a colleague as delegate (代理) for a period and task kinds, with a reason: those tasks reach them too while it is in force',
        body: NewDelegationBody,
        response: { 201: DelegationSchema },
      },
    },
    async (request, reply) => {
      const { actor } = request;
      const by = staff(actor);
      const { delegate, startsAt, endsAt, kinds, reason } = request.body;
      const bad = unstorable({ delegate, reason }, '');
      if (bad) throw invalid([bad]);
      const now = new Date();
      const colleague = (await findPerson(db, delegate, [by.org]))[0];
      const terms = { startsAt: startsAt ? new Date(startsAt) : now, endsAt: new Date(endsAt), kinds: kinds as string[], reason };
      const refused = newDelegationViolation(actor, colleague, terms, now);
      if (refused) throw refusal(refused);
      const made = await createDelegation(db, { id: randomUUID(), org: by.org, delegator: actor.sub, delegate, ...terms, reason: reason.trim(), by });
      if ('conflict' in made)
        throw problem(
          'DelegationConflict',
          `Your delegation to ${made.conflict.delegate} (${made.conflict.starts_at.toISOString()} – ${made.conflict.ends_at.toISOString()}) covers some of these kinds in that period: end it first`,
        );
      reply.code(201);
      return delegationView(made.created);
    },
  );

  app.get(
    '/delegations',
    {
      schema: {
        tags: ['delegations'],
        summary:
          'Delegations (代理): mine, given or received (scope=mine), or, for a supervisor, those in force in the organisations overseen (scope=supervised)',
        querystring: Type.Object({ scope: Type.Union([Type.Literal('mine'), Type.Literal('supervised')], { default: 'mine' }) }),
        response: { 200: DelegationList },
      },
    },
    async (request) => {
      const { actor } = request;
      if (request.query.scope === 'supervised') {
        requireRole(request, 'supervisor', 'admin');
        return { items: (await delegationsInForce(db, await overseenBy(deps, actor), new Date())).map((d) => delegationView(d)) };
      }
      if (actor.org === null) return { items: [] };
      return { items: (await myDelegations(db, { sub: actor.sub, org: actor.org })).map((d) => delegationView(d)) };
    },
  );

  app.get(
    '/delegations/colleagues',
    {
      schema: {
        tags: ['delegations'],
        summary: 'Whom the caller may name as delegate: the people the directory knows in their organisation',
        response: { 200: Type.Object({ items: Type.Array(ColleagueSchema) }) },
      },
    },
    async (request) => {
      const by = staff(request.actor);
      const rows = await colleaguesOf(db, by);
      return { items: rows.map((p) => ({ sub: p.sub, name: p.display_name, roles: p.roles })) };
    },
  );

  app.delete(
    '/delegations/:id',
    {
      schema: {
        tags: ['delegations'],
        summary: 'End one of my delegations now (early, or before it begins): its tasks reach me alone again',
        params: IdParams,
        response: { 200: DelegationSchema },
      },
    },
    async (request) => {
      const by = staff(request.actor);
      const outcome = await endDelegation(db, request.params.id, by);
      if ('notFound' in outcome) throw problem('DelegationNotFound');
      if ('alreadyEnded' in outcome) throw problem('DelegationEnded');
      return delegationView(outcome.ended);
    },
  );
};
