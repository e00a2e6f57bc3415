// Evaluation by period (Art. 32): an organisation's or a division's figures per procedure over a month, quarter or
// year, computed from the audit trail (domain/evaluation.ts says how), with the snapshots kept of it and each figure's
// requests. A supervisor sees their authority's division and those below it, an organisation's staff their own.
import { PassThrough } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import ExcelJS from 'exceljs';
import { computeStaleEntries } from '../../db/repositories/catalog-refresh';
import { computeEvaluation, divisionScope, listSnapshots, organisationScope } from '../../db/repositories/evaluation';
import { divisionOrgIds, getOrganisation, organisationNames } from '../../db/repositories/organisations';
import { STALE_ENTRIES, STALE_MEASUREMENT, withStaleEntries } from '../../domain/catalog-refresh';
import { cityDivisionOf, oversees, RIZHAO_DIVISIONS } from '../../domain/divisions';
import { FIGURES, MEASUREMENT, parsePeriod, tasksCounted, type Evaluation, type Figures } from '../../domain/evaluation';
import { csvCell, inertCell, xlsxCell } from '../../domain/spreadsheet';
import type { Actor } from '../../domain/types';
import { invalid, problem } from '../problem';
import { EvaluationQuery, EvaluationRequestsQuery } from '../schemas/evaluation';
import type { ApiDeps } from '../types';

/** The export's columns, in order. */
export const EVALUATION_COLUMNS = [
  'period',
  'scope',
  'organisation',
  'organisationName',
  'procedure',
  ...FIGURES,
  'onTimeRate',
  'medianWorkingDays',
  'p90WorkingDays',
  'deliveryMedianWorkingDays',
  'refusalsByBasis',
  // On a scope's and an organisation's total row only (domain/catalog-refresh.ts), empty on a procedure's.
  STALE_ENTRIES,
] as const;

const FORMATS = { csv: 'text/csv; charset=utf-8', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' } as const;

interface Scope {
  /** How snapshots name it. */
  key: string;
  kind: 'organisation' | 'division';
  id: string;
  name: string;
  orgs: string[];
}

export const evaluationRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const { db } = deps;

  /**
   * The scope asked for, if the caller may see it: a supervisor (of a big data authority) its division and those below,
   * an admin their city; anyone of an organisation that organisation. Anything else is refused (403), an organisation
   * unknown alike, so the answer tells nothing of other organisations.
   */
  async function scopeOf(actor: Actor, q: { division?: string; organisation?: string }): Promise<Scope> {
    if ((q.division === undefined) === (q.organisation === undefined))
      throw invalid(
        [{ code: 'InvalidInput', field: 'division', rule: 'one scope', detail: 'Name either a division or an organisation', article: 'Art. 32' }],
        'querystring',
      );
    const own = actor.org === null ? undefined : await getOrganisation(db, actor.org);
    if (!own) throw problem('Forbidden', 'Evaluations are read by supervisors and by the organisation evaluated', 'Art. 32');
    // The division the caller oversees: a supervisor's authority's, an admin's city.
    const overseen = actor.roles.includes('admin')
      ? cityDivisionOf(own.division)
      : actor.roles.includes('supervisor') && own.kind === 'authority'
        ? own.division
        : null;
    if (q.division !== undefined) {
      if (overseen === null || !oversees(overseen, q.division))
        throw problem('Forbidden', `Division ${q.division} is not yours to evaluate: a supervisor reads their own division and those below it`, 'Art. 32');
      const name = (RIZHAO_DIVISIONS as Record<string, string>)[q.division] ?? q.division;
      return { key: divisionScope(own.region, q.division), kind: 'division', id: q.division, name, orgs: await divisionOrgIds(db, own.region, q.division) };
    }
    const id = q.organisation!;
    const org = id === own.id ? own : await getOrganisation(db, id);
    const mine = org !== undefined && (org.id === own.id || (overseen !== null && org.region === own.region && oversees(overseen, org.division)));
    if (!org || !mine) throw problem('Forbidden', `Organisation ${id} is not yours to evaluate: an organisation reads its own figures`, 'Art. 32');
    return { key: organisationScope(org.id), kind: 'organisation', id: org.id, name: org.name, orgs: [org.id] };
  }

  function periodOf(label: string) {
    const period = parsePeriod(label);
    if (!period)
      throw invalid(
        [{ code: 'InvalidInput', field: 'period', rule: 'a period', detail: `${label} names no month, quarter or year`, article: 'Art. 32' }],
        'querystring',
      );
    return period;
  }

  app.get(
    '/evaluations',
    {
      schema: {
        tags: ['supervision'],
        summary:
          'An organisation’s or a division’s evaluation over a month, quarter or year (Art. 32): per procedure received, decided, on time, handling time in working days, open and overdue at the end, refusals, requests for information, extensions, urges, escalations; in total also the catalog entries not updated as often as they declare (staleEntries); with the snapshots kept of it (JSON, or CSV/XLSX)',
        querystring: EvaluationQuery,
      },
    },
    async (request, reply) => {
      const { period: label, format } = request.query;
      const period = periodOf(label);
      const scope = await scopeOf(request.actor, request.query);
      const now = new Date();
      const asOf = now < period.end ? now : period.end;
      const [{ evaluation: tasks }, stale, snapshots, names] = await Promise.all([
        computeEvaluation(db, scope.orgs, period, now),
        computeStaleEntries(db, scope.orgs, period, now),
        listSnapshots(db, label, scope.key),
        organisationNames(db, scope.orgs),
      ]);
      // The catalog's figure is counted apart from the tasks', and added to the totals.
      const evaluation = withStaleEntries(tasks, stale.counts);
      if (format === 'json')
        return {
          period: label,
          from: period.start.toISOString(),
          to: period.end.toISOString(),
          asOf: asOf.toISOString(),
          ended: now >= period.end,
          scope: { kind: scope.kind, id: scope.id, name: scope.name },
          measurement: { ...MEASUREMENT, [STALE_ENTRIES]: STALE_MEASUREMENT },
          total: evaluation.total,
          procedures: evaluation.procedures,
          organisations: evaluation.organisations.map((o) => ({ ...o, name: names.get(o.organisation) ?? o.organisation })),
          snapshots: snapshots.map((s) => ({ revision: s.revision, computedAt: s.computed_at.toISOString(), figures: s.figures as Evaluation })),
        };
      const rows = exportRows(label, scope, evaluation, names);
      reply.header('content-disposition', `attachment; filename="evaluation-${label}.${format}"`).header('cache-control', 'no-store').type(FORMATS[format]);
      if (format === 'csv')
        // With a BOM, so spreadsheet programs read it as UTF-8; every cell formula-safe.
        return `\ufeff${[EVALUATION_COLUMNS.join(','), ...rows.map((r) => EVALUATION_COLUMNS.map((c) => csvCell(r[c])).join(','))].join('\r\n')}\r\n`;
      const out = new PassThrough();
      const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false });
      const ws = wb.addWorksheet('evaluation');
      ws.columns = EVALUATION_COLUMNS.map((c) => ({ header: c, key: c }));
      void (async () => {
        try {
          for (const r of rows) ws.addRow(Object.fromEntries(Object.entries(r).map(([c, v]) => [c, xlsxCell(v)]))).commit();
          ws.commit();
          await wb.commit();
        } catch (err) {
          out.destroy(err as Error);
        }
      })();
      return reply.send(out);
    },
  );

  app.get(
    '/evaluations/requests',
    {
      schema: {
        tags: ['supervision'],
        summary:
          'The requests one figure of an evaluation counts (Art. 32): each task counted, with its request’s case number; for staleEntries, the catalog entries it counts, each with its last update and the day the next was due',
        querystring: EvaluationRequestsQuery,
      },
    },
    async (request) => {
      const { period: label, procedure, figure, basis } = request.query;
      if (basis !== undefined && figure !== 'refusals')
        throw invalid(
          [{ code: 'InvalidInput', field: 'basis', rule: 'refusals only', detail: 'A basis level narrows the refusals (figure=refusals)', article: 'Art. 32' }],
          'querystring',
        );
      if (figure === STALE_ENTRIES && procedure !== undefined)
        throw invalid(
          [
            {
              code: 'InvalidInput',
              field: 'procedure',
              rule: 'task figures only',
              detail: 'staleEntries counts catalog entries, not a procedure’s tasks',
              article: 'Art. 32',
            },
          ],
          'querystring',
        );
      const period = periodOf(label);
      const scope = await scopeOf(request.actor, request.query);
      const now = new Date();
      if (figure === STALE_ENTRIES) {
        // The entries it counts, each with the update it rests on and the day the next one was due.
        const { stale } = await computeStaleEntries(db, scope.orgs, period, now);
        return {
          period: label,
          scope: { kind: scope.kind, id: scope.id, name: scope.name },
          figure,
          procedure: null,
          basis: null,
          count: stale.length,
          items: stale.map((e) => ({
            entryId: e.entryId,
            title: e.title,
            organisation: e.org,
            updateFrequency: e.updateFrequency,
            lastUpdatedOn: e.lastUpdatedOn,
            lastUpdate: e.lastUpdate,
            lastRefreshRecordedAt: e.lastRefreshRecordedAt?.toISOString() ?? null,
            dueOn: e.dueOn,
          })),
        };
      }
      const { tasks, isWorkday } = await computeEvaluation(db, scope.orgs, period, now);
      const counted = tasksCounted(tasks, scope.orgs, figure, period, now, isWorkday, procedure, basis);
      return {
        period: label,
        scope: { kind: scope.kind, id: scope.id, name: scope.name },
        figure,
        procedure: procedure ?? null,
        basis: basis ?? null,
        count: counted.length,
        items: counted
          .sort((a, b) => a.openedAt.getTime() - b.openedAt.getTime() || a.taskId.localeCompare(b.taskId))
          .map((t) => ({
            requestId: t.requestId,
            caseNumber: t.caseNumber,
            procedure: t.procedure,
            taskId: t.taskId,
            kind: t.kind,
            organisation: t.org,
            openedAt: t.openedAt.toISOString(),
            dueAt: t.dueAt.toISOString(),
            closedAt: t.closedAt?.toISOString() ?? null,
            decision: t.decision,
            basisLevel: t.basisLevel ?? null,
          })),
      };
    },
  );
};

/** The export's rows: the scope's, in total and per procedure, then (for a division) each organisation's alike; every cell formula-safe text. */
function exportRows(label: string, scope: Scope, e: Evaluation, names: Map<string, string>): Record<(typeof EVALUATION_COLUMNS)[number], string>[] {
  const row = (organisation: string, procedure: string, f: Figures) => {
    const cells = {
      period: label,
      scope: scope.kind === 'division' ? `${scope.id} ${scope.name}` : scope.id,
      organisation,
      organisationName: organisation === '' ? scope.name : (names.get(organisation) ?? organisation),
      procedure,
      ...Object.fromEntries(FIGURES.map((k) => [k, String(f[k])])),
      onTimeRate: f.onTimeRate === null ? '' : String(f.onTimeRate),
      medianWorkingDays: f.medianWorkingDays === null ? '' : String(f.medianWorkingDays),
      p90WorkingDays: f.p90WorkingDays === null ? '' : String(f.p90WorkingDays),
      deliveryMedianWorkingDays: f.deliveryMedianWorkingDays === null ? '' : String(f.deliveryMedianWorkingDays),
      // law 2; unstated 1: one cell, levels by name.
      refusalsByBasis: Object.entries(f.refusalsByBasis ?? {})
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([level, n]) => `${level} ${n}`)
        .join('; '),
      [STALE_ENTRIES]: f.staleEntries === undefined ? '' : String(f.staleEntries),
    } as Record<(typeof EVALUATION_COLUMNS)[number], string>;
    return Object.fromEntries(Object.entries(cells).map(([k, v]) => [k, inertCell(v)])) as typeof cells;
  };
  const part = (organisation: string, total: Figures, procedures: Evaluation['procedures']) => [
    row(organisation, 'all', total),
    ...procedures.map((p) => row(organisation, p.procedure, p)),
  ];
  return [
    ...part(scope.kind === 'organisation' ? scope.id : '', e.total, e.procedures),
    ...(scope.kind === 'division' ? e.organisations.flatMap((o) => part(o.organisation, o.total, o.procedures)) : []),
  ];
}
