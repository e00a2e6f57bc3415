// A legal person acts through authorised agents (经办人, Art. 10 ¶2, Art. 29), each a natural person of their own:
// its own account (the sign-in that registered its credit code) lists, authorises and revokes them. An authorisation
// names the agent as their identity document does (name, document type, number) and keeps the number only as its
// keyed hash and masked (api/principal-keys.ts): it takes effect for whichever sign-in registers, or has registered,
// that number with that name, and the administrator learns nothing of whether anyone has.
//
// Like PUT /principals/me, a write the API makes itself: no procedure of the Measures runs on it; each
// authorisation or revocation and its audit event are one transaction.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Selectable } from 'kysely';
import type { Executor } from '../../db';
import { actingFor, authoriseAgent, listAgents, revokeAgent } from '../../db/repositories/legal-agents';
import { getPrincipal } from '../../db/repositories/principals';
import type { LegalPersonAgentsTable } from '../../db/schema';
import { IDENTITY_DOCUMENT_LABELS, maskIdentityDocument, usccViolation, type IdentityDocumentType } from '../../domain/ids';
import { AGENT_AUTHORISATIONS_PER_HOUR, agentViolations, DEFAULT_SERVICE_DESK, MAX_AGENTS, type AgentForm } from '../../domain/principals';
import type { Actor } from '../../domain/types';
import { hourlyPerPerson, requireRole } from '../auth';
import { DEV_PRINCIPAL_KEYS, DEV_PRINCIPAL_LOOKUP_KEY, lookupHash, parsePrincipalKeys } from '../principal-keys';
import { invalid, problem } from '../problem';
import { AgentBody, AgentSchema } from '../schemas/legal-agents';
import type { ApiDeps } from '../types';

type AgentRow = Pick<Selectable<LegalPersonAgentsTable>, 'id' | 'agent_name' | 'agent_document_type' | 'agent_masked' | 'authorised_at' | 'revoked_at'>;

const agentView = (r: AgentRow) => ({
  id: r.id,
  name: r.agent_name,
  documentType: r.agent_document_type,
  residentIdMasked: r.agent_masked,
  status: r.revoked_at ? ('revoked' as const) : ('active' as const),
  authorisedAt: r.authorised_at.toISOString(),
  revokedAt: r.revoked_at?.toISOString() ?? null,
});

/** The legal person whose own account the caller is; refused to anyone else (an agent administers no agents). */
async function ownLegalPerson(db: Executor, request: FastifyRequest): Promise<{ uscc: string; name: string }> {
  requireRole(request, 'public_applicant');
  const { actor } = request;
  const p = actor.org === null ? await getPrincipal(db, actor.sub) : undefined;
  if (!p) throw problem('PrincipalRequired', 'Say who you are first (PUT /principals/me): a legal person by its credit code', 'Art. 29');
  if (p.kind !== 'legal' || !p.uscc)
    throw problem('Forbidden', 'Only a legal person’s own account (the sign-in that registered its credit code) administers its agents', 'Art. 29');
  return { uscc: p.uscc, name: p.name };
}

export interface ActingAs {
  uscc: string;
  name: string;
  /** Null when the legal person's own account acts. */
  agent: { name: string; identity: string } | null;
}

/**
 * In whose name `actor` applies: the legal person `onBehalfOf` names, which they must act for now (an active agent,
 * or its own account); a legal person's own account always applies in its own name. Null: in their own name.
 * Refused with the field and Art. 29 otherwise.
 */
export async function actingAs(db: Executor, actor: Actor, onBehalfOf: string | undefined): Promise<ActingAs | null> {
  const malformed = onBehalfOf === undefined ? null : usccViolation(onBehalfOf, 'onBehalfOf');
  if (malformed) throw invalid([{ ...malformed, article: 'Art. 29' }]);
  if (actor.org !== null) {
    if (onBehalfOf !== undefined)
      throw invalid([
        {
          code: 'Forbidden',
          field: 'onBehalfOf',
          rule: 'an authorised agent',
          detail: 'Only members of the public act as a legal person’s agent',
          article: 'Art. 29',
        },
      ]);
    return null;
  }
  const me = await getPrincipal(db, actor.sub);
  const own = me?.kind === 'legal' ? me.uscc : null;
  const uscc = onBehalfOf ?? own;
  if (!uscc) return null;
  const legal = (await actingFor(db, actor.sub)).find((l) => l.uscc === uscc);
  if (!legal)
    throw invalid([
      {
        code: 'Forbidden',
        field: 'onBehalfOf',
        rule: 'an authorised agent',
        detail: 'You are not an authorised agent (经办人) of that legal person; its own account authorises agents',
        article: 'Art. 29',
      },
    ]);
  if (uscc === own || !me?.id_masked) return { uscc, name: legal.name, agent: null };
  const label = IDENTITY_DOCUMENT_LABELS[(me.id_document_type ?? 'resident') as IdentityDocumentType];
  return { uscc, name: legal.name, agent: { name: me.name, identity: `${label} ${me.id_masked}` } };
}

export const legalAgentRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const { db } = deps;
  const serviceDesk = deps.serviceDesk ?? DEFAULT_SERVICE_DESK;
  const keys = deps.principalKeys ?? parsePrincipalKeys(DEV_PRINCIPAL_KEYS, DEV_PRINCIPAL_LOOKUP_KEY);

  app.get(
    '/principals/me/agents',
    {
      schema: {
        tags: ['open data'],
        summary: 'A legal person’s authorised agents (经办人), those in force first (its own account only; Art. 29)',
        response: { 200: Type.Object({ items: Type.Array(AgentSchema) }) },
      },
    },
    async (request) => {
      const { uscc } = await ownLegalPerson(db, request);
      return { items: (await listAgents(db, uscc)).map(agentView) };
    },
  );

  app.post(
    '/principals/me/agents',
    {
      schema: {
        tags: ['open data'],
        summary:
          'Authorise an agent (经办人) by name and identity document number, as on their document: whoever registers that number with that name acts for the legal person (Art. 29)',
        body: AgentBody,
        response: { 201: AgentSchema },
      },
      config: {
        articles: { name: 'Art. 29', residentId: 'Art. 29', documentType: 'Art. 10' },
        // It takes identity numbers: enough for a day's authorisations, too few to test numbers one after another.
        rateLimit: hourlyPerPerson('agents', AGENT_AUTHORISATIONS_PER_HOUR, 'authorisations'),
      },
    },
    async (request, reply) => {
      const legal = await ownLegalPerson(db, request);
      const form = request.body as AgentForm;
      const violations = agentViolations(form);
      if (violations.length) throw invalid(violations);
      const documentType = form.documentType ?? 'resident';
      const lookup = lookupHash(keys, form.residentId);
      const row = {
        id: randomUUID(),
        uscc: legal.uscc,
        agent_lookup: lookup,
        agent_masked: maskIdentityDocument(form.residentId),
        agent_document_type: documentType,
        agent_name: form.name.trim(),
        authorised_by: request.actor.sub,
      };
      // The trail names the agent by name and masked number, never the number; the agent is told when a sign-in holds
      // that number (the administrator is not told either way).
      const made = await authoriseAgent(db, request.actor.sub, row, {
        max: MAX_AGENTS,
        audit: {
          eventKey: `agent-authorised:${row.id}`,
          requestId: null,
          actor: { sub: request.actor.sub, org: null, role: 'public_applicant' },
          action: 'agent_authorised',
          article: 'Art. 29',
          newValue: { uscc: legal.uscc, agent: { name: row.agent_name, documentType, identity: row.agent_masked }, authorisation: row.id },
        },
        notice: (holder) => ({
          key: `agent-authorised:${row.id}`,
          to: { user: holder },
          kind: 'agent_authorised',
          message: `${legal.name}（统一社会信用代码 ${legal.uscc}）已授权${row.agent_name}（${IDENTITY_DOCUMENT_LABELS[documentType]} ${row.agent_masked}）为其经办人，可以其名义申请开放数据并办理相关事项。如非本人知情，请联系${serviceDesk}。`,
        }),
      });
      if (made === 'full')
        throw invalid([
          {
            code: 'AgentConflict',
            field: 'residentId',
            rule: `at most ${MAX_AGENTS} agents`,
            detail: `A legal person has at most ${MAX_AGENTS} agents in force; revoke one first`,
            article: 'Art. 29',
          },
        ]);
      if (made === 'conflict')
        throw problem(
          'AgentConflict',
          `That number (${row.agent_masked}) is already an agent of yours in force; revoke it first to authorise it anew`,
          'Art. 29',
        );
      return reply.code(201).send(agentView(made));
    },
  );

  app.delete(
    '/principals/me/agents/:id',
    {
      schema: {
        tags: ['open data'],
        summary: 'Revoke an agent’s authorisation: from their next request on they act for the legal person no more (Art. 29)',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }),
        response: { 200: AgentSchema },
      },
    },
    async (request) => {
      const legal = await ownLegalPerson(db, request);
      const { id } = request.params;
      const revoked = await revokeAgent(db, {
        id,
        uscc: legal.uscc,
        by: request.actor.sub,
        audit: (r) => ({
          eventKey: `agent-revoked:${id}`,
          requestId: null,
          actor: { sub: request.actor.sub, org: null, role: 'public_applicant' },
          action: 'agent_revoked',
          article: 'Art. 29',
          oldValue: { uscc: legal.uscc, agent: { name: r.agent_name, documentType: r.agent_document_type, identity: r.agent_masked }, authorisation: id },
        }),
        notice: (holder, r) => ({
          key: `agent-revoked:${id}`,
          to: { user: holder },
          kind: 'agent_revoked',
          message: `${legal.name}（统一社会信用代码 ${legal.uscc}）已撤销对${r.agent_name}（${r.agent_masked}）的经办人授权，您不能再以其名义办理事项。`,
        }),
      });
      if (!revoked) throw problem('AgentNotFound', `No authorisation ${id} of yours in force`, 'Art. 29');
      return agentView(revoked);
    },
  );
};
