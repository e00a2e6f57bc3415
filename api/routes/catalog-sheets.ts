// The catalog as agencies keep it, in spreadsheets: an export as CSV or XLSX, and an import of an agency's
// catalog from the same columns into an adjustment request (domain/catalog-sheet.ts), with per-row errors.
import { PassThrough, Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import ExcelJS from 'exceljs';
import { currentEntries, currentEntryOf, entryContentOf, listCatalogEntries } from '../../db/repositories/catalog';
import { adjustmentViolations, entryDiff, fieldLabelViolations, type AdjustmentForm, type AdjustmentGround, type CatalogChange } from '../../domain/catalog';
import { cellText, csvCell, xlsxCell } from '../../domain/spreadsheet';
import { entryRow, MAX_SHEET_ROWS, rowChange, SHEET_COLUMNS, type RowViolation, type SheetRow } from '../../domain/catalog-sheet';
import { requireMember } from '../auth';
import { ProblemError, problem } from '../problem';
import { CATALOG_FILTERS } from '../schemas/catalog';
import { ImportBody, ImportCountsSchema, ImportPreviewSchema, MAX_SHEET_BYTES } from '../schemas/catalog-sheets';
import { RequestSchema, StartHeaders } from '../schemas/requests';
import type { ApiDeps } from '../types';
import { adjustmentPartiesOf, noneBasisViolationsOf, submitAdjustment } from './catalog-adjustment';
import { STARTED_BY } from '../../domain/requests';

const FORMATS = { csv: 'text/csv; charset=utf-8', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' } as const;
type Format = keyof typeof FORMATS;
/** A cell's text as read: rich text (as the export writes it) run by run, a hyperlink's text. */
const cellString = (v: unknown): string =>
  v === null || v === undefined
    ? ''
    : typeof v !== 'object'
      ? String(v)
      : 'richText' in v
        ? (v as ExcelJS.CellRichTextValue).richText.map((r) => r.text).join('')
        : 'text' in v
          ? String(v.text)
          : String(v);

/** The rows of a CSV or XLSX file, each by column name (the header row names them; unknown columns are ignored). */
async function readSheet(format: Format, data: Buffer): Promise<SheetRow[]> {
  const wb = new ExcelJS.Workbook();
  // CSV cells stay text (no guessing of numbers or dates).
  const ws =
    format === 'csv'
      ? await wb.csv.read(Readable.from(data), { map: (v: unknown) => v })
      : (await wb.xlsx.load(data as unknown as ArrayBuffer), wb.worksheets[0]);
  if (!ws) return [];
  const header: string[] = [];
  const rows: SheetRow[] = [];
  ws.eachRow({ includeEmpty: true }, (row, n) => {
    const cells = (row.values as unknown[]).slice(1).map(cellString);
    if (n === 1) header.push(...cells.map((c) => c.trim().toLowerCase()));
    else rows[n - 2] = Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']).filter(([h]) => (SHEET_COLUMNS as readonly string[]).includes(h)));
  });
  for (let i = 0; i < rows.length; i++) rows[i] ??= {};
  return rows;
}

/** A 400 naming each row's problems: the row (the header is row 1), the column, the rule and the article. */
function rowsProblem(errors: RowViolation[]): ProblemError {
  const shown = errors.slice(0, 200);
  return new ProblemError(
    'InvalidInput',
    `${errors.length} problem${errors.length === 1 ? '' : 's'} in the spreadsheet; the first: ${errors[0].detail}`,
    shown.map((e) => ({ field: `body.file.${e.field}`, rule: e.rule ?? e.code, message: e.detail, ...(e.article ? { article: e.article } : {}) })),
  );
}

export const catalogSheetRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const { db } = deps;

  app.get(
    '/catalog/export',
    {
      schema: {
        tags: ['catalog'],
        summary: 'The catalog as a spreadsheet (CSV or XLSX), one row per entry, with the filters of GET /catalog; the same columns an import reads',
        querystring: Type.Object({ format: Type.Union([Type.Literal('csv'), Type.Literal('xlsx')], { default: 'csv' }), ...CATALOG_FILTERS }),
      },
    },
    async (request, reply) => {
      const { format, q, ...filter } = request.query;
      // Read a page at a time, written as it comes: a city's whole catalog never sits in memory at once.
      async function* rows() {
        for (let after: string | undefined; ;) {
          const page = await listCatalogEntries(db, { ...filter, text: q, after, limit: 1000 });
          for (const r of page)
            yield entryRow({ id: r.id, version: r.version, content: entryContentOf(r), shareStatus: r.share_status, openStatus: r.open_status });
          if (page.length < 1000) return;
          after = page[page.length - 1].id;
        }
      }
      reply.header('content-disposition', `attachment; filename="catalog.${format}"`).type(FORMATS[format]);
      if (format === 'csv') {
        // With a BOM, so spreadsheet programs read it as UTF-8.
        const lines = async function* () {
          yield `\ufeff${SHEET_COLUMNS.join(',')}\r\n`;
          for await (const r of rows()) yield `${SHEET_COLUMNS.map((c) => csvCell(r[c])).join(',')}\r\n`;
        };
        return reply.send(Readable.from(lines()));
      }
      const out = new PassThrough();
      const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false });
      const ws = wb.addWorksheet('catalog');
      ws.columns = SHEET_COLUMNS.map((c) => ({ header: c, key: c }));
      void (async () => {
        try {
          for await (const r of rows()) ws.addRow(Object.fromEntries(Object.entries(r).map(([c, v]) => [c, xlsxCell(v)]))).commit();
          ws.commit();
          await wb.commit();
        } catch (err) {
          out.destroy(err as Error);
        }
      })();
      return reply.send(out);
    },
  );

  app.post(
    '/catalog/adjustments/import',
    {
      schema: {
        tags: ['catalog'],
        summary: "An adjustment of one's own catalog from a spreadsheet of the export's columns: rows that differ from the catalog become its changes",
        headers: StartHeaders,
        body: ImportBody,
        response: {
          200: Type.Union([RequestSchema, ImportCountsSchema, ImportPreviewSchema]),
          201: RequestSchema,
        },
      },
      bodyLimit: Math.ceil((MAX_SHEET_BYTES * 4) / 3) + 64 * 1024,
      config: { articles: { ground: 'Art. 9', justification: 'Art. 9' } },
    },
    async (request, reply) => {
      const actor = requireMember(request, ...STARTED_BY.catalog_adjustment);
      const body = request.body as { ground: AdjustmentGround; justification: string; format: Format; file: string; dryRun?: boolean; preview?: boolean };
      // Who may adjust and who reviews, before any row is read.
      const parties = await adjustmentPartiesOf(db, actor);
      let rows: SheetRow[];
      try {
        rows = await readSheet(body.format, Buffer.from(body.file, 'base64'));
      } catch {
        throw new ProblemError('InvalidInput', `The file is not a readable ${body.format.toUpperCase()} spreadsheet`, [
          { field: 'body.file', rule: body.format, message: `The file is not a readable ${body.format.toUpperCase()} spreadsheet` },
        ]);
      }
      if (rows.length > MAX_SHEET_ROWS) throw problem('InvalidInput', `A spreadsheet has at most ${MAX_SHEET_ROWS} rows`);

      // Each row read; rows naming an entry compared with it as it stands: only what differs is a change.
      // A removed entry's row (both sides withdrawn, as the export shows it) has nothing left to change.
      const removed = (r: SheetRow) => !r.action?.trim() && r.share_status?.trim() === 'withdrawn' && r.open_status?.trim() === 'withdrawn';
      const read = rows.flatMap((row, i) => (removed(row) ? [] : [{ row: i + 2, ...rowChange(row, i + 2) }]));
      const errors = read.flatMap((r) => ('errors' in r ? r.errors : []));
      const parsed = read.flatMap((r) => ('change' in r ? [{ row: r.row, change: r.change }] : []));
      const current = await currentEntries(
        db,
        parsed.flatMap((p) => (p.change.op === 'add' ? [] : [p.change.entryId])),
      );
      const counts = { added: 0, changed: 0, removed: 0, unchanged: rows.filter(removed).length };
      const changes = parsed.filter(({ change }) => {
        const now = change.op === 'add' ? undefined : current.get(change.entryId);
        const sameStatus = (c: { shareStatus?: string; openStatus?: string }, r: NonNullable<typeof now>) =>
          (c.shareStatus ?? r.share_status) === r.share_status && (c.openStatus ?? r.open_status) === r.open_status;
        if (
          change.op === 'change' &&
          now &&
          now.version === change.baseVersion &&
          !entryDiff(entryContentOf(now), change.entry).length &&
          sameStatus(change, now)
        ) {
          counts.unchanged++;
          return false;
        }
        counts[change.op === 'add' ? 'added' : change.op === 'change' ? 'changed' : 'removed']++;
        return true;
      });
      const form: AdjustmentForm = { ground: body.ground, justification: body.justification, changes: changes.map((c) => c.change as CatalogChange) };
      // The adjustment's own rules, named by row: change N is the Nth changed row.
      const violations = [
        ...adjustmentViolations(form, actor.org, (id) => {
          const r = current.get(id);
          return r && currentEntryOf(r);
        }),
        ...fieldLabelViolations(form),
        // Issue 24 §3: a row marking its entry 不予共享 cites a basis of a level accepted for this catalog.
        ...noneBasisViolationsOf(deps, form, parties),
      ];
      for (const v of violations) {
        const m = /^changes\.(\d+)\.?(.*)$/.exec(v.field ?? '');
        const row = m ? changes[Number(m[1])].row : 0;
        errors.push({
          ...v,
          row,
          ...(m?.[2] === 'entry.share.basis' ? { column: 'share_basis' as const } : {}),
          field: m ? `rows.${row}${m[2] ? `.${m[2]}` : ''}` : (v.field ?? 'file'),
          detail: m ? `row ${row}: ${v.detail}` : v.detail,
        });
      }
      if (!changes.length && !errors.length) throw problem('InvalidInput', 'Every row is as the catalog has it: there is nothing to adjust');
      // By row, then in the order of the columns.
      const place = (e: RowViolation) => (e.column ? SHEET_COLUMNS.indexOf(e.column) : SHEET_COLUMNS.length);
      // The console shows each row's problems against the row, and lets the rows that pass go into an adjustment.
      if (body.preview) {
        // The application's own rules (its ground, its justification, how many changes) are the page's to check once
        // the list is assembled: a preview names only what is wrong with rows.
        const own = errors.filter((e) => e.row > 0);
        const failed = new Set(own.map((e) => e.row));
        return reply.code(200).send({
          rows: changes.filter((c) => !failed.has(c.row)),
          errors: own
            .sort((a, b) => a.row - b.row || place(a) - place(b))
            .map((e) => ({
              row: e.row,
              ...(rows[e.row - 2]?.title?.trim() ? { title: cellText(rows[e.row - 2].title!.trim()) } : {}),
              ...(e.column ? { column: e.column } : {}),
              field: e.field ?? 'file',
              rule: e.rule ?? e.code,
              message: e.detail,
              ...(e.article ? { article: e.article } : {}),
            })),
          unchanged: counts.unchanged,
        });
      }
      if (errors.length) throw rowsProblem(errors.sort((a, b) => a.row - b.row || place(a) - place(b)));
      if (body.dryRun) return reply.code(200).send({ changes: changes.length, ...counts });
      return submitAdjustment(deps, request, reply, form, parties);
    },
  );
};
