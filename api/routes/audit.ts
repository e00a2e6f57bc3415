// The audit trail exported (Art. 29): for the big data authorities and supervisors, the events of the
// organisations they oversee, streamed a page at a time as CSV or JSON lines, every cell formula-safe, and
// each export itself an event of the trail.
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { appendAudit, auditExportPage, type AuditExportFilter } from '../../db/repositories/audit';
import { overseenOrgIds } from '../../db/repositories/organisations';
import { csvCell, inertCell } from '../../domain/spreadsheet';
import { requireRole } from '../auth';
import { invalid } from '../problem';
import { AuditExportQuery } from '../schemas/audit';
import type { ApiDeps } from '../types';
import { overseenBy } from '../views';

/** The columns of an export, in order; the JSON lines carry the same names. */
export const AUDIT_COLUMNS = [
  'id',
  'at',
  'caseNumber',
  'procedure',
  'requestId',
  'taskId',
  'actorSub',
  'actorOrg',
  'actorRole',
  'action',
  'decision',
  'reason',
  'article',
  'oldValue',
  'newValue',
  'chainSeq',
  'prevHash',
  'hash',
] as const;

const PAGE = 1000;

export const auditRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const { db } = deps;
  app.get(
    '/audit',
    {
      schema: {
        tags: ['supervision'],
        summary:
          'The audit trail of the organisations the caller oversees (Art. 29, 32), as CSV or JSON lines, streamed; each event with its place in its request’s hash chain',
        querystring: AuditExportQuery,
      },
    },
    async (request, reply) => {
      requireRole(request, 'supervisor', 'admin', 'authority_reviewer');
      const { from, to, organisation, procedure, format } = request.query;
      const since = from === undefined ? undefined : new Date(from);
      const until = to === undefined ? undefined : new Date(to);
      if (since && until && since >= until)
        throw invalid([{ code: 'InvalidInput', field: 'to', rule: 'after from', detail: '`to` comes after `from`' }], 'querystring');
      // A supervisor's (or admin's) organisations, and an authority's division: an organisation outside them is as none.
      const actor = request.actor;
      const supervised = actor.roles.some((r) => r === 'supervisor' || r === 'admin') ? await overseenBy(deps, actor) : [];
      const own = actor.roles.includes('authority_reviewer') && actor.org ? await overseenOrgIds(db, actor.org) : [];
      const scope = supervised === undefined ? undefined : [...new Set([...supervised, ...own])];
      const orgs = organisation === undefined ? scope : scope === undefined || scope.includes(organisation) ? [organisation] : [];
      const filter: AuditExportFilter = { from: since, to: until, orgs, procedure };

      // The export is itself on the trail, before a line of it is sent.
      await appendAudit(db, {
        eventKey: `audit-export:${randomUUID()}`,
        requestId: null,
        actor: { sub: actor.sub, org: actor.org, role: actor.roles[0] ?? 'supervisor' },
        action: 'audit_exported',
        article: 'Art. 29',
        newValue: { from: from ?? null, to: to ?? null, organisation: organisation ?? null, procedure: procedure ?? null, format },
      });

      async function* events() {
        for (let after = '0'; ;) {
          const page = await auditExportPage(db, filter, after, PAGE);
          for (const e of page)
            yield {
              id: String(e.id),
              at: e.at.toISOString(),
              caseNumber: e.case_number,
              procedure: e.procedure,
              requestId: e.request_id,
              taskId: e.task_id,
              actorSub: e.actor_sub,
              actorOrg: e.actor_org,
              actorRole: e.actor_role,
              action: e.action,
              decision: e.decision,
              reason: e.reason,
              article: e.article,
              oldValue: e.old_value,
              newValue: e.new_value,
              chainSeq: e.chain_seq,
              prevHash: e.prev_hash,
              hash: e.hash,
            } satisfies Record<(typeof AUDIT_COLUMNS)[number], unknown>;
          if (page.length < PAGE) return;
          after = String(page[page.length - 1].id);
        }
      }
      const name = `audit-${new Date().toISOString().slice(0, 10)}.${format}`;
      reply.header('content-disposition', `attachment; filename="${name}"`).header('cache-control', 'no-store');
      if (format === 'jsonl') {
        reply.type('application/jsonl; charset=utf-8');
        return reply.send(
          Readable.from(
            (async function* () {
              for await (const e of events()) yield `${JSON.stringify(e)}\n`;
            })(),
          ),
        );
      }
      reply.type('text/csv; charset=utf-8');
      const cell = (v: unknown) => csvCell(inertCell(v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v)));
      return reply.send(
        Readable.from(
          (async function* () {
            // With a BOM, so spreadsheet programs read it as UTF-8.
            yield `\ufeff${AUDIT_COLUMNS.join(',')}\r\n`;
            for await (const e of events()) yield `${AUDIT_COLUMNS.map((c) => cell(e[c])).join(',')}\r\n`;
          })(),
        ),
      );
    },
  );
};
