// The catalog as agencies keep it, in spreadsheets, over HTTP against real Temporal and PostgreSQL: export as
// CSV and XLSX, edit, import into an adjustment (only the rows that differ become changes), per-row errors.
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Actor } from '../domain/types';
import { expectProblem, startApi, type Api } from './api-helpers';
import { eventually, startHarness, type Harness } from './helpers';

let h: Harness;
let api: Api;
beforeAll(async () => {
  h = await startHarness('sheets');
  api = await startApi(h);
});
afterAll(async () => {
  await api.app.close();
  await h.close();
});

const officer = (): Actor => ({ sub: 'sheet-officer', org: h.city.agencies.market, roles: ['agency_applicant'] });
const reviewer = (): Actor => ({ sub: 'sheet-reviewer', org: h.city.cityAuthority, roles: ['authority_reviewer'] });
const get = (actor: Actor, url: string) => api.app.inject({ method: 'GET', url, headers: api.as(actor) });
const post = (actor: Actor, url: string, payload: object) => api.app.inject({ method: 'POST', url, payload, headers: api.as(actor) });

/** A CSV as rows of cells, read as a spreadsheet program would. */
async function csvRows(text: string): Promise<string[][]> {
  const ws = await new ExcelJS.Workbook().csv.read(Readable.from(Buffer.from(text)), { map: (v: unknown) => v });
  const out: string[][] = [];
  ws.eachRow((row) => out.push((row.values as string[]).slice(1).map((v) => v ?? '')));
  return out;
}
const toCsv = (rows: string[][]) => rows.map((r) => r.map((v) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(',')).join('\r\n');
const importBody = (format: 'csv' | 'xlsx', file: Buffer, extra: object = {}) => ({ ground: 'correction', justification: '按表格更新目录', format, file: file.toString('base64'), ...extra });

test("an agency exports its catalog, edits a row and adds one, and the import applies for exactly those changes", async () => {
  const res = await get(officer(), `/catalog/export?provider=${h.city.agencies.market}`);
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toContain('text/csv');
  expect(res.body.charCodeAt(0)).toBe(0xfeff);
  const rows = await csvRows(res.body);
  const header = rows[0];
  expect(header.slice(0, 4)).toEqual(['id', 'version', 'action', 'title']);
  const col = (name: string) => header.indexOf(name);
  const registry = rows.find((r) => r[col('id')] === h.city.entries.unconditional)!;
  expect(registry[col('fields')].split('\n')[0]).toBe('uscc | uscc | organisation | ');
  expect(rows).toHaveLength(3); // the header and the market agency's two entries

  registry[col('description')] = '含历史变更记录, "引号" 与逗号';
  const added = header.map((c) =>
    ({ title: '企业年报信息', fields: 'uscc | uscc | organisation | 统一社会信用代码\nyear | number |  | 年度', form: 'table', update_frequency: '每年', share_attribute: 'UNCONDITIONAL', open_attribute: 'NONE', open_basis: 'law | 中华人民共和国个人信息保护法 | 第十三条', priority_open: 'false' })[c] ?? '',
  );
  const file = Buffer.from(toCsv([...rows, added]));
  const dry = await post(officer(), '/catalog/adjustments/import', importBody('csv', file, { dryRun: true }));
  expect(dry.json()).toEqual({ changes: 2, added: 1, changed: 1, removed: 0, unchanged: 1 });

  const imported = await post(officer(), '/catalog/adjustments/import', importBody('csv', file));
  expect(imported.statusCode).toBe(201);
  const req = imported.json();
  expect(req.payload.changes.map((c: { op: string }) => c.op)).toEqual(['change', 'add']);
  const task = await eventually(async () => ((await get(reviewer(), '/tasks?kind=CATALOG_ADJUSTMENT_CITY_REVIEW')).json().items as { id: string; requestId: string }[]).find((t) => t.requestId === req.id));
  expect((await post(reviewer(), `/tasks/${task.id}/complete`, { decision: 'APPROVE' })).json().status).toBe('approved');
  expect((await get(officer(), `/catalog/${h.city.entries.unconditional}`)).json()).toMatchObject({ version: 2, description: '含历史变更记录, "引号" 与逗号' });
  const newEntry = (await get(officer(), `/catalog/${req.id}-2`)).json();
  expect(newEntry).toMatchObject({ title: '企业年报信息', fields: [{ name: 'uscc', type: 'uscc', identifies: 'organisation' }, { name: 'year', type: 'number', identifies: null }] });

  // The same file again: the rows now match the catalog except the stale version; nothing is lost silently.
  const again = await post(officer(), '/catalog/adjustments/import', importBody('csv', file, { dryRun: true }));
  expectProblem(again, 400, `body.file.rows.${rows.indexOf(registry) + 1}.baseVersion`, 'current version');
});

test('XLSX round-trips: export, edit in the workbook, import', async () => {
  const res = await api.app.inject({ method: 'GET', url: `/catalog/export?format=xlsx&provider=${h.city.agencies.health}`, headers: api.as(officer()) });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toContain('spreadsheetml');
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
  const ws = wb.worksheets[0];
  expect(ws.rowCount).toBe(2);
  const header = (ws.getRow(1).values as string[]).slice(1);
  const row = ws.getRow(2);
  expect(row.getCell(header.indexOf('id') + 1).text).toBe(h.city.entries.conditional);
  row.getCell(header.indexOf('update_frequency') + 1).value = '每周';
  const edited = Buffer.from(await wb.xlsx.writeBuffer());
  const health: Actor = { sub: 'health-officer', org: h.city.agencies.health, roles: ['agency_applicant'] };
  const dry = await post(health, '/catalog/adjustments/import', importBody('xlsx', edited, { dryRun: true }));
  expect(dry.json()).toEqual({ changes: 1, added: 0, changed: 1, removed: 0, unchanged: 0 });
});

test('every row’s problems come back at once, naming the row, the column, the rule and the article; nothing starts', async () => {
  const header = ['title', 'fields', 'form', 'update_frequency', 'share_attribute', 'share_reasons', 'open_attribute', 'open_basis', 'priority_open'];
  const ok = ['好的目录', 'a | string |  | ', 'table', '每月', 'UNCONDITIONAL', '', 'NONE', 'law | 某法 | 第一条', 'false'];
  const file = Buffer.from(
    toCsv([
      header,
      ok,
      ['坏的属性', 'a | string |  | ', 'table', '每月', 'SOMETIMES', '', 'NONE', 'law | 某法 | 第一条', 'maybe'],
      ['有条件无理由', 'a | text |  | ', 'table', '每月', 'CONDITIONAL', '', 'NONE', 'rules | 某规章 | 第一条', 'false'],
    ]),
  );
  const res = await post(officer(), '/catalog/adjustments/import', importBody('csv', file));
  const body = expectProblem(res, 400);
  const fields = (body.errors as { field: string; article?: string }[]).map((e) => [e.field, e.article ?? null]);
  expect(fields).toEqual([
    ['body.file.rows.3.share_attribute', null],
    ['body.file.rows.3.priority_open', null],
    ['body.file.rows.4.fields', null],
  ]);
  // Once the rows read, the catalog's rules: row 4's conditional sharing without reasons, its 规章-only NONE opening.
  const fixed = Buffer.from(toCsv([header, ok, ['有条件无理由', 'a | string |  | ', 'table', '每月', 'CONDITIONAL', '', 'NONE', 'rules | 某规章 | 第一条', 'false']]));
  const ruled = expectProblem(await post(officer(), '/catalog/adjustments/import', importBody('csv', fixed)), 400);
  expect((ruled.errors as { field: string; article: string }[]).map((e) => [e.field, e.article])).toEqual([
    ['body.file.rows.3.entry.share.reasons', 'Art. 13'],
    ['body.file.rows.3.entry.share.conditions', 'Art. 13'],
    ['body.file.rows.3.entry.open.basis', 'Art. 17'],
  ]);
  expectProblem(await post(officer(), '/catalog/adjustments/import', importBody('xlsx', Buffer.from('not a workbook'))), 400, 'body.file');
  expectProblem(await post(reviewer(), '/catalog/adjustments/import', importBody('csv', file)), 403);
  // The officer's one request is the import of the first test.
  expect((await get(officer(), '/requests?type=catalog_adjustment')).json().items).toHaveLength(1);
});
