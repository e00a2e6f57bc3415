// Each data item's 信息项名称 over HTTP against real Temporal and PostgreSQL: required and bounded on every new or
// changed entry (by the body's schema, and by the catalog's rules for what a schema cannot see), carried by the
// spreadsheet's field_labels column, shown in entry views; and the catalog found by its Chinese title, its
// department's name or an item's name, with what a combobox shows.
import { sampleEntryContent } from '../db/seed';
import { MAX_FIELD_LABEL } from '../domain/catalog';
import { SHEET_COLUMNS } from '../domain/catalog-sheet';
import type { Actor } from '../domain/types';
import { expectProblem, startApi, type Api } from './api-helpers';
import { startHarness, type Harness } from './helpers';

let h: Harness;
let api: Api;
beforeAll(async () => {
  h = await startHarness('labels');
  api = await startApi(h);
});
afterAll(async () => {
  await api.app.close();
  await h.close();
});

const officer = (): Actor => ({ sub: 'label-officer', org: h.city.agencies.market, roles: ['agency_applicant'] });
const get = (url: string) => api.app.inject({ method: 'GET', url, headers: api.as(officer()) });
const post = (url: string, payload: object) => api.app.inject({ method: 'POST', url, payload, headers: api.as(officer()) });

const adjustment = (label: unknown) => {
  const entry = sampleEntryContent('标签测试目录');
  const [first, ...rest] = entry.fields;
  const unlabelled: Partial<typeof first> = { ...first };
  delete unlabelled.label;
  return {
    ground: 'new_system',
    justification: '新建系统',
    changes: [{ op: 'add', entry: { ...entry, fields: [label === undefined ? unlabelled : { ...first, label }, ...rest] } }],
  };
};

test('a new item without its 信息项名称, with a blank one or with one too long is refused, naming the field', async () => {
  expectProblem(await post('/catalog/adjustments', adjustment(undefined)), 400, 'body.changes.0.entry.fields.0.label');
  expectProblem(await post('/catalog/adjustments', adjustment('x'.repeat(MAX_FIELD_LABEL + 1))), 400, 'body.changes.0.entry.fields.0.label');
  // White space only passes the schema's length; the catalog's rule refuses it.
  expectProblem(await post('/catalog/adjustments', adjustment('   ')), 400, 'body.changes.0.entry.fields.0.label', 'required');
});

test('entry views carry each item with its 信息项名称', async () => {
  const e = (await get(`/catalog/${h.city.entries.conditional}`)).json();
  expect(e.fields.map((f: { name: string; label: string }) => [f.name, f.label])).toEqual([
    ['institution', '机构名称'],
    ['institution_uscc', '机构统一社会信用代码'],
    ['licence_no', '执业许可证号'],
    ['beds', '核定床位数'],
    ['departments', '诊疗科目'],
  ]);
});

test('the catalog is found by part of its Chinese title, by its department, by an item’s name, each with what a combobox shows', async () => {
  const search = async (q: string) => {
    // As the console's combobox asks: the caller's own city's catalog (the suite's database holds many cities).
    const res = await get(`/catalog?region=${encodeURIComponent(h.city.region)}&q=${encodeURIComponent(q)}&limit=20`);
    expect(res.statusCode).toBe(200);
    return res.json().items as { id: string; title: string; providerName?: string }[];
  };
  const byTitle = await search('医疗机构');
  expect(byTitle.map((e) => e.id)).toEqual([h.city.entries.conditional]);
  expect(byTitle[0]).toMatchObject({ title: '医疗机构执业信息', providerName: '日照市卫生健康委员会' });
  expect((await search('卫生健康')).map((e) => e.id)).toEqual([h.city.entries.conditional]);
  expect((await search('自然资源')).map((e) => e.id)).toEqual([h.city.entries.conditionalOpen]);
  expect((await search('执业许可证号')).map((e) => e.id)).toEqual([h.city.entries.conditional]);
  expect(await search('没有这样的目录')).toEqual([]);
});

test('the spreadsheet carries 信息项名称 in its field_labels column; a row without them is refused naming it', async () => {
  expect(SHEET_COLUMNS).toContain('field_labels');
  const csv = (await get(`/catalog/export?provider=${h.city.agencies.health}`)).body.replace(/^\ufeff/, '');
  expect(csv.split('\r\n')[0].split(',')).toContain('field_labels');
  expect(csv).toContain('机构名称\n机构统一社会信用代码\n执业许可证号');

  const row = (labels: string) =>
    `title,fields,field_labels,form,update_frequency,share_attribute,share_reasons,share_conditions,open_attribute,open_basis\r\n` +
    `新表格目录,"permit_no | string |  | \nholder | string |  | ",${labels},table,每月,CONDITIONAL,含经营信息,仅用于履职,NONE,law | 中华人民共和国个人信息保护法 | 第十三条\r\n`;
  const upload = (labels: string) =>
    post('/catalog/adjustments/import', {
      ground: 'new_system',
      justification: '按表格新增',
      format: 'csv',
      file: Buffer.from(row(labels)).toString('base64'),
      dryRun: true,
    });
  const missing = expectProblem(await upload(''), 400);
  expect(missing.errors).toContainEqual(
    expect.objectContaining({ field: 'body.file.rows.2.field_labels', rule: 'one per field', message: expect.stringContaining('信息项名称') }),
  );
  expect((await upload('"许可证号\n持证单位"')).json()).toMatchObject({ changes: 1, added: 1 });
});
