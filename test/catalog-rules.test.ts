// The catalog's rules in domain/ (Art. 9, 13 ¶2, 17, 19): each refusal names its field, rule and article.
import { noneBasisViolations, noneShareBasisLevels, objectionViolation, resubmissionViolation } from '../domain/catalog-adjustment';
import { disputeNoneBasisViolation } from '../domain/share-dispute';
import { procedureViolation } from '../domain/tasks';
import {
  adjustmentViolations,
  entryDiff,
  entryViolations,
  MAX_REMOVAL_REASON,
  newlyOpened,
  widensOpenness,
  type AdjustmentForm,
  type CurrentEntry,
  type EntryContent,
  type OpeningReview,
} from '../domain/catalog';
import { entryRow, rowChange } from '../domain/catalog-sheet';
import { positionFormViolation } from '../domain/share-dispute';

const passed = (reviewer = '王审核'): OpeningReview => ({
  nationalSecurity: { conclusion: 'pass', reviewer, date: '2026-11-20' },
  confidentiality: { conclusion: 'pass', reviewer, date: '2026-11-20' },
  informationRisk: { conclusion: 'pass', reviewer, date: '2026-11-20' },
  socialBenefit: { conclusion: 'pass', reviewer, date: '2026-11-20' },
});

const entry = (over: Partial<EntryContent> = {}): EntryContent => ({
  title: '企业登记信息',
  description: '',
  fields: [
    { name: 'uscc', label: '统一社会信用代码', type: 'uscc', description: '统一社会信用代码', identifies: 'organisation' },
    { name: 'name', label: '名称', type: 'string', description: '名称', identifies: null },
  ],
  form: 'table',
  useConditions: null,
  updateFrequency: 'daily',
  share: { attribute: 'UNCONDITIONAL', reasons: null, conditions: null, basis: [] },
  open: {
    attribute: 'NONE',
    ground: null,
    reasons: null,
    conditions: null,
    basis: [{ level: 'law', title: '中华人民共和国保守国家秘密法', article: '第九条' }],
    opening: null,
  },
  priorityOpen: false,
  ...over,
});

const rules = (v: ReturnType<typeof entryViolations>) => v.map((x) => `${x.field} ${x.rule} ${x.article}`);
const ART19_REQUIRED = ['nationalSecurity', 'confidentiality', 'informationRisk', 'socialBenefit'].map((i) => `review.${i} required before opening Art. 19`);

test('a complete entry that is shared and not opened breaks no rule', () => {
  expect(entryViolations(entry())).toEqual([]);
});

test('Art. 9: title, at least one uniquely named field and the update frequency are stated', () => {
  const v = entryViolations(
    entry({
      title: ' ',
      updateFrequency: '',
      fields: [
        { name: 'a', label: '甲', type: 'string', description: '', identifies: null },
        { name: 'a ', label: '乙', type: 'number', description: '', identifies: null },
      ],
    }),
  );
  expect(rules(v)).toEqual(['title required Art. 9', 'fields.1.name unique Art. 9', 'updateFrequency required Art. 9']);
  expect(rules(entryViolations(entry({ fields: [] })))).toEqual(['fields required Art. 9']);
});

test('Art. 10 ¶2: data identifying natural persons carries the 身份证件号码 item, data identifying organisations the 统一社会信用代码', () => {
  const field = (name: string, type: 'string' | 'id_number' | 'uscc', identifies: 'person' | 'organisation' | null) => ({
    name,
    label: name,
    type,
    description: '',
    identifies,
  });
  // A person named but not identified by the number; an organisation's code held as plain text.
  const v = entryViolations(entry({ fields: [field('name', 'string', 'person'), field('org_code', 'string', 'organisation')] }), undefined, undefined, {
    entry: 'changes.0.entry',
  });
  expect(rules(v)).toEqual(['changes.0.entry.fields a id_number item Art. 10', 'changes.0.entry.fields a uscc item Art. 10']);
  expect(v[0].detail).toContain('身份证件号码');
  expect(v[1].detail).toContain('统一社会信用代码');
  expect(
    entryViolations(
      entry({
        fields: [
          field('name', 'string', 'person'),
          field('id', 'id_number', 'person'),
          field('org', 'string', 'organisation'),
          field('code', 'uscc', 'organisation'),
        ],
      }),
    ),
  ).toEqual([]);
  // An identifier item identifies its own kind of subject.
  expect(rules(entryViolations(entry({ fields: [field('id', 'id_number', null), field('code', 'uscc', 'person')] })))).toEqual([
    'fields a id_number item Art. 10',
    'fields.0.identifies person Art. 10',
    'fields.1.identifies organisation Art. 10',
  ]);
  // Checked when an entry is changed too, whatever else the change does.
  const current = new Map<string, CurrentEntry>([['e1', { providerOrgId: 'a', version: 1, content: entry(), removed: false }]]);
  const changed = adjustmentViolations(
    {
      ground: 'correction',
      justification: '补充',
      changes: [{ op: 'change', entryId: 'e1', baseVersion: 1, entry: entry({ fields: [...entry().fields, field('contact', 'string', 'person')] }) }],
    },
    'a',
    (id) => current.get(id),
  );
  expect(rules(changed)).toEqual(['changes.0.entry.fields a id_number item Art. 10']);
});

test('Art. 13 ¶2: conditional sharing states reasons and conditions; whitespace is no reason', () => {
  const v = entryViolations(entry({ share: { attribute: 'CONDITIONAL', reasons: '  ', conditions: null, basis: [] } }), undefined, undefined, {
    entry: 'changes.2.entry',
  });
  expect(rules(v)).toEqual([
    'changes.2.entry.share.reasons required for CONDITIONAL Art. 13',
    'changes.2.entry.share.conditions required for CONDITIONAL Art. 13',
  ]);
});

test('Art. 13 ¶2: refusing to share rests on a law, regulation, rules or national provision with title and article', () => {
  const none = (basis: EntryContent['share']['basis']) => entryViolations(entry({ share: { attribute: 'NONE', reasons: null, conditions: null, basis } }));
  expect(rules(none([]))[0]).toMatch(/^share\.basis .*Art\. 13$/);
  expect(rules(none([{ level: 'rules', title: '', article: '第三条' }]))).toHaveLength(1);
  // A 规章 is enough to refuse sharing.
  expect(none([{ level: 'rules', title: '日照市某管理办法', article: '第三条' }])).toEqual([]);
});

test("issue 24 §3: a NONE share attribute cites a level the policy accepts for its catalog: the 条例's for a government department, the Measures' otherwise", () => {
  const regulation = ['law', 'administrative_regulation', 'state_council_decision'];
  expect(noneShareBasisLevels({}, true)).toEqual(regulation);
  expect(noneShareBasisLevels({}, false)).toEqual(['law', 'regulation', 'rules', 'national', 'administrative_regulation', 'state_council_decision']);
  // The policy's lists, and its widening of the 条例 to every request.
  const policy = { refusalBasisLevels: { regulation: ['law' as const], measures: ['law' as const, 'rules' as const] } };
  expect(noneShareBasisLevels(policy, true)).toEqual(['law']);
  expect(noneShareBasisLevels(policy, false)).toEqual(['law', 'rules']);
  expect(noneShareBasisLevels({ ...policy, regulationScope: 'all' }, false)).toEqual(['law']);

  const rulesOnly = { level: 'rules' as const, title: '日照市某管理办法', article: '第三条' };
  const law = { level: 'law' as const, title: '中华人民共和国数据安全法', article: '第二十一条' };
  const none = (basis: EntryContent['share']['basis']) => entry({ share: { attribute: 'NONE', reasons: null, conditions: null, basis } });
  const form = (...entries: EntryContent[]): Pick<AdjustmentForm, 'changes'> => ({
    changes: [
      { op: 'remove', entryId: 'gone', baseVersion: 1 },
      ...entries.map((e, i) => ({ op: 'change' as const, entryId: `e${i}`, baseVersion: 1, entry: e })),
    ],
  });
  // One provision of an accepted level (with its title and article) is enough; none is refused at the item's basis.
  const v = noneBasisViolations(form(none([rulesOnly]), none([rulesOnly, law]), none([{ ...law, title: ' ' }]), entry()), regulation as never);
  expect(v.map((x) => `${x.field} ${x.rule} ${x.article}`)).toEqual([
    'changes.1.entry.share.basis a provision of an accepted level Art. 13',
    'changes.3.entry.share.basis a provision of an accepted level Art. 13',
  ]);
  expect(v[0].detail).toContain('法律、行政法规、国务院决定');
  expect(noneBasisViolations(form(none([rulesOnly])), noneShareBasisLevels({}, false))).toEqual([]);

  // A RESUBMIT is checked by the levels its revision task carries; a task opened before carries none and asks none.
  const attempt = (context: Record<string, unknown> | null) =>
    resubmissionViolation({
      decision: 'RESUBMIT',
      tasks: [],
      form: { ground: 'correction', justification: 'x', changes: [{ op: 'add', entry: none([rulesOnly]) }] },
      context,
      request: { ground: 'correction', justification: 'x', changes: [{ op: 'add', entry: none([law]) }] },
    });
  expect(attempt({ returned: 'x', noneBasis: regulation })).toMatchObject({ field: 'changes.0.entry.share.basis', rule: 'a provision of an accepted level' });
  expect(attempt({ returned: 'x' })).toBeNull();
});

test('issue 24 §3 in a share-attribute dispute: a NONE proposed, countered or decided cites a level its task accepts; a task opened before names none and asks none', () => {
  const regulation = ['law', 'administrative_regulation', 'state_council_decision'] as const;
  const rulesOnly = { level: 'rules' as const, title: '日照市某管理办法', article: '第三条' };
  const law = { level: 'law' as const, title: '中华人民共和国数据安全法', article: '第二十一条' };
  const none = (...basis: (typeof law | typeof rulesOnly)[]) => ({ attribute: 'NONE', reasons: null, conditions: null, basis });
  const context = { noneBasis: [...regulation] };
  expect(disputeNoneBasisViolation(none(rulesOnly), context, 'proposal.basis')).toMatchObject({
    field: 'proposal.basis',
    rule: 'a provision of an accepted level',
    article: 'Art. 13',
  });
  expect(disputeNoneBasisViolation(none(rulesOnly, law), context, 'proposal.basis')).toBeNull();
  expect(disputeNoneBasisViolation({ ...none(rulesOnly), attribute: 'CONDITIONAL' }, context, 'proposal.basis')).toBeNull();
  expect(disputeNoneBasisViolation(none(rulesOnly), { turn: 1 }, 'proposal.basis')).toBeNull();
  // The kinds' rules, as the API's pre-check and the workflow's validator run them.
  const attempt = (kind: 'DISPUTE_CONSULTATION' | 'DISPUTE_DECISION', decision: string, form: Record<string, unknown>, ctx: Record<string, unknown>) =>
    procedureViolation(kind, { decision, form, context: ctx, tasks: [], request: {} });
  expect(attempt('DISPUTE_CONSULTATION', 'COUNTER', none(rulesOnly), context)).toMatchObject({ field: 'form.basis', rule: 'a provision of an accepted level' });
  expect(attempt('DISPUTE_DECISION', 'DECIDE', none(rulesOnly), context)).toMatchObject({ field: 'form.basis', rule: 'a provision of an accepted level' });
  expect(attempt('DISPUTE_DECISION', 'DECIDE', none(rulesOnly), {})).toBeNull();
  expect(attempt('DISPUTE_CONSULTATION', 'COUNTER', none(law), context)).toBeNull();
});

test('Art. 17 ¶1: refusing to open needs a law, regulation or national provision; a 规章 alone is refused citing Art. 17', () => {
  const v = entryViolations(entry({ open: { ...entry().open, basis: [{ level: 'rules', title: '日照市某管理办法', article: '第三条' }] } }));
  expect(v).toHaveLength(1);
  expect(v[0]).toMatchObject({ field: 'open.basis', article: 'Art. 17' });
  expect(v[0].detail).toContain('规章');
  expect(entryViolations(entry({ open: { ...entry().open, basis: [{ level: 'national', title: '国务院某规定', article: '第二条' }] } }))).toEqual([]);
});

test('Art. 17 ¶1: conditional opening names its ground and its conditions', () => {
  const open = { attribute: 'CONDITIONAL' as const, ground: null, reasons: null, conditions: ' ', basis: [], opening: null };
  expect(rules(entryViolations(entry({ open }), undefined, passed()))).toEqual([
    'open.ground required for CONDITIONAL Art. 17',
    'open.conditions required for CONDITIONAL Art. 17',
  ]);
  expect(entryViolations(entry({ open: { ...open, ground: 'security', conditions: '仅限科研用途' } }), undefined, passed())).toEqual([]);
});

test('Art. 17 ¶2: a NONE-open entry becomes open only on anonymisation or consent, with evidence', () => {
  const prev = entry();
  const opened = (opening: EntryContent['open']['opening']) =>
    entry({ open: { attribute: 'UNCONDITIONAL', ground: null, reasons: null, conditions: null, basis: [], opening } });
  expect(rules(entryViolations(opened(null), prev, passed()))).toEqual(['open.opening required when NONE becomes open Art. 17']);
  expect(rules(entryViolations(opened({ ground: 'anonymised', evidence: ' ' }), prev, passed()))).toEqual(['open.opening.evidence required Art. 17']);
  expect(entryViolations(opened({ ground: 'consent', evidence: '权利人书面同意书 2026-11-01' }), prev, passed())).toEqual([]);
});

test('Art. 19: first opening or widening needs every review item, passed, with reviewer and date', () => {
  const conditional = entry({ open: { attribute: 'CONDITIONAL', ground: 'processing', reasons: null, conditions: '签订协议', basis: [], opening: null } });
  // A new entry opened at once: all four items missing.
  expect(rules(entryViolations(conditional)).filter((r) => r.includes('Art. 19'))).toEqual([
    'review.nationalSecurity required before opening Art. 19',
    'review.confidentiality required before opening Art. 19',
    'review.informationRisk required before opening Art. 19',
    'review.socialBenefit required before opening Art. 19',
  ]);
  // A negative item blocks the change; an item without a reviewer or a real date is no record.
  const review = {
    ...passed(),
    confidentiality: { conclusion: 'fail' as const, reviewer: '李', date: '2026-11-20' },
    socialBenefit: { conclusion: 'pass' as const, reviewer: '', date: '2026-11-20' },
    informationRisk: { conclusion: 'pass' as const, reviewer: '王', date: '2026-02-30' },
  };
  expect(rules(entryViolations(conditional, undefined, review, { review: 'changes.0.review' }))).toEqual([
    'changes.0.review.confidentiality must pass Art. 19',
    'changes.0.review.informationRisk required before opening Art. 19',
    'changes.0.review.socialBenefit required before opening Art. 19',
  ]);
  // Widening CONDITIONAL → UNCONDITIONAL needs it again; narrowing does not.
  const unconditional = entry({ open: { attribute: 'UNCONDITIONAL', ground: null, reasons: null, conditions: null, basis: [], opening: null } });
  expect(rules(entryViolations(unconditional, conditional)).filter((r) => r.includes('Art. 19'))).toHaveLength(4);
  expect(entryViolations(conditional, unconditional)).toEqual([]);
  expect(entryViolations(unconditional, conditional, passed())).toEqual([]);
});

test('Art. 19 and Art. 17 ¶2: new items on an entry open already open new data, whatever the rank; a wider scope or restated conditions need the review', () => {
  const open = { attribute: 'UNCONDITIONAL' as const, ground: null, reasons: null, conditions: null, basis: [], opening: null };
  const before = entry({ open });
  const idNumber = {
    name: 'legal_representative_id',
    label: '法定代表人身份证件号码',
    type: 'id_number' as const,
    description: '法定代表人身份证件号码',
    identifies: 'person' as const,
  };
  const withId = entry({ open, fields: [...before.fields, idNumber] });
  // An ID-number item added to an UNCONDITIONAL entry: the agency's review (Art. 19) and a ground of Art. 17 ¶2, naming the item.
  const v = entryViolations(withId, before, undefined, { entry: 'changes.0.entry', review: 'changes.0.review' });
  expect(rules(v)).toEqual([
    'changes.0.entry.open.opening required when items not open before are opened Art. 17',
    'changes.0.review.nationalSecurity required before opening Art. 19',
    'changes.0.review.confidentiality required before opening Art. 19',
    'changes.0.review.informationRisk required before opening Art. 19',
    'changes.0.review.socialBenefit required before opening Art. 19',
  ]);
  expect(v[0].detail).toContain('legal_representative_id');
  const anonymised = { ground: 'anonymised' as const, evidence: '号码经去标识化处理,仅保留前六位' };
  expect(entryViolations({ ...withId, open: { ...open, opening: anonymised } }, before, passed())).toEqual([]);
  // Removing or keeping items opens nothing new: no review.
  expect(entryViolations(entry({ open, fields: before.fields.slice(0, 1) }), before)).toEqual([]);
  expect(entryViolations(entry({ open, description: '说明' }), before)).toEqual([]);
  // Conditions restated on a conditional entry may lift them: the review says whether it may (Art. 19); the data was open, so no Art. 17 ¶2 ground.
  const conditional = entry({ open: { attribute: 'CONDITIONAL', ground: 'processing', reasons: null, conditions: '签订协议', basis: [], opening: null } });
  const lifted = entry({ open: { ...conditional.open, conditions: '注册即可' } });
  expect(rules(entryViolations(lifted, conditional))).toEqual(ART19_REQUIRED);
  expect(entryViolations(lifted, conditional, passed())).toEqual([]);
  expect(rules(entryViolations(entry({ open: { ...conditional.open, ground: 'security' } }), conditional))).toEqual(ART19_REQUIRED);
});

test('newlyOpened: the items a change opens and whether it opens more widely', () => {
  const open = (attribute: 'NONE' | 'CONDITIONAL' | 'UNCONDITIONAL', conditions: string | null = null) => ({
    attribute,
    ground: attribute === 'CONDITIONAL' ? ('processing' as const) : null,
    reasons: null,
    conditions,
    basis: [],
    opening: null,
  });
  const field = (name: string) => ({ name, label: name, type: 'string' as const, description: '', identifies: null });
  expect(newlyOpened(entry({ open: open('CONDITIONAL', 'c') }))).toEqual({ items: ['uscc', 'name'], wider: true });
  expect(newlyOpened(entry({ open: open('NONE') }))).toEqual({ items: [], wider: false });
  expect(newlyOpened(entry({ open: open('UNCONDITIONAL'), fields: [...entry().fields, field('x')] }), entry({ open: open('UNCONDITIONAL') }))).toEqual({
    items: ['x'],
    wider: false,
  });
  expect(newlyOpened(entry({ open: open('UNCONDITIONAL') }), entry({ open: open('CONDITIONAL', 'c') }))).toEqual({ items: [], wider: true });
  expect(newlyOpened(entry({ open: open('CONDITIONAL', 'c') }), entry({ open: open('UNCONDITIONAL') }))).toEqual({ items: [], wider: false });
  expect(newlyOpened(entry({ open: open('CONDITIONAL', ' c ') }), entry({ open: open('CONDITIONAL', 'c') }))).toEqual({ items: [], wider: false });
});

test('widensOpenness: first opening and every step up, never a step down or staying closed', () => {
  expect(widensOpenness('CONDITIONAL', undefined)).toBe(true);
  expect(widensOpenness('NONE', undefined)).toBe(false);
  expect(widensOpenness('UNCONDITIONAL', 'CONDITIONAL')).toBe(true);
  expect(widensOpenness('CONDITIONAL', 'CONDITIONAL')).toBe(false);
  expect(widensOpenness('CONDITIONAL', 'UNCONDITIONAL')).toBe(false);
});

describe('an adjustment request (Art. 9 ¶2)', () => {
  const mine = 'agency-a';
  const catalog = new Map<string, CurrentEntry>([
    ['e1', { providerOrgId: mine, version: 3, content: entry(), removed: false }],
    ['e2', { providerOrgId: 'agency-b', version: 1, content: entry(), removed: false }],
    ['e3', { providerOrgId: mine, version: 2, content: entry(), removed: true }],
  ]);
  const check = (form: Partial<AdjustmentForm>) =>
    rules(adjustmentViolations({ ground: 'duty_change', justification: '机构改革后职能划入', changes: [], ...form }, mine, (id) => catalog.get(id)));

  test('a justified change of its own entry at its current version, an addition and a removal pass', () => {
    const changed = entry({ updateFrequency: 'weekly' });
    expect(
      check({
        changes: [
          { op: 'change', entryId: 'e1', baseVersion: 3, entry: changed },
          { op: 'add', entry: entry({ title: '新目录' }) },
        ],
      }),
    ).toEqual([]);
    expect(check({ changes: [{ op: 'remove', entryId: 'e1', baseVersion: 3 }] })).toEqual([]);
  });

  test("a removal's own reason (删除理由) is optional, and text of bounded length when given, whoever starts it", () => {
    expect(check({ changes: [{ op: 'remove', entryId: 'e1', baseVersion: 3, reason: '职能划转' }] })).toEqual([]);
    expect(check({ changes: [{ op: 'remove', entryId: 'e1', baseVersion: 3, reason: '理'.repeat(MAX_REMOVAL_REASON) }] })).toEqual([]);
    expect(check({ changes: [{ op: 'remove', entryId: 'e1', baseVersion: 3, reason: '理'.repeat(MAX_REMOVAL_REASON + 1) }] })).toEqual([
      'changes.0.reason maxLength Art. 9',
    ]);
    expect(check({ changes: [{ op: 'remove', entryId: 'e1', baseVersion: 3, reason: 7 as unknown as string }] })).toEqual(['changes.0.reason type Art. 9']);
  });

  test('written justification, at least one change, each entry once', () => {
    expect(check({ justification: ' ', changes: [] })).toEqual(['justification required Art. 9', 'changes at least one Art. 9']);
    expect(check({ ground: 'new_system', justification: '', changes: [{ op: 'remove', entryId: 'e1', baseVersion: 3 }] })).toEqual([
      'justification required Art. 30',
    ]);
    expect(
      check({
        changes: [
          { op: 'remove', entryId: 'e1', baseVersion: 3 },
          { op: 'change', entryId: 'e1', baseVersion: 3, entry: entry() },
        ],
      }),
    ).toEqual(['changes.1.entryId once per request Art. 9']);
  });

  test('only its own catalog, only entries that exist, only from the current version', () => {
    expect(check({ changes: [{ op: 'change', entryId: 'e2', baseVersion: 1, entry: entry() }] })).toEqual(['changes.0.entryId own catalog Art. 9']);
    expect(
      check({
        changes: [
          { op: 'remove', entryId: 'nope', baseVersion: 1 },
          { op: 'remove', entryId: 'e3', baseVersion: 2 },
        ],
      }),
    ).toEqual(['changes.0.entryId exists Art. 9', 'changes.1.entryId exists Art. 9']);
    expect(check({ changes: [{ op: 'change', entryId: 'e1', baseVersion: 2, entry: entry() }] })).toEqual(['changes.0.baseVersion current version Art. 9']);
  });

  test("each change's content meets the attribute rules against the entry as it stands", () => {
    // Opening a NONE-open entry needs Art. 17 ¶2's ground and Art. 19's review; a new entry's rules are named under its index.
    const opened = entry({ open: { attribute: 'UNCONDITIONAL', ground: null, reasons: null, conditions: null, basis: [], opening: null } });
    const found = check({
      changes: [
        { op: 'add', entry: entry({ title: '' }) },
        { op: 'change', entryId: 'e1', baseVersion: 3, entry: opened },
      ],
    });
    expect(found[0]).toBe('changes.0.entry.title required Art. 9');
    expect(found).toContain('changes.1.entry.open.opening required when NONE becomes open Art. 17');
    expect(found).toContain('changes.1.review.nationalSecurity required before opening Art. 19');
  });
});

test('entryDiff names each field that changed with its old and new value', () => {
  const before = entry();
  const after = entry({ updateFrequency: 'weekly', share: { attribute: 'CONDITIONAL', reasons: '含个人信息', conditions: '限定用途', basis: [] } });
  expect(entryDiff(before, after)).toEqual([
    { field: 'share.attribute', from: 'UNCONDITIONAL', to: 'CONDITIONAL' },
    { field: 'share.conditions', from: null, to: '限定用途' },
    { field: 'share.reasons', from: null, to: '含个人信息' },
    { field: 'updateFrequency', from: 'daily', to: 'weekly' },
  ]);
  expect(entryDiff(before, entry())).toEqual([]);
});

test('a spreadsheet row reads as the change it asks for, or names each cell it cannot read', () => {
  const row = {
    title: '企业年报',
    fields: 'uscc | string | organisation | 代码\nyear | number |  | 年度 | 含竖线',
    field_labels: '统一社会信用代码\n年度',
    form: 'table',
    update_frequency: '每年',
    share_attribute: 'CONDITIONAL',
    share_reasons: '含经营信息',
    share_conditions: '仅用于履职',
    open_attribute: 'NONE',
    open_basis: 'law | 某法 | 第一条',
    priority_open: '是',
  };
  const added = rowChange(row, 2);
  expect(added).toMatchObject({
    change: {
      op: 'add',
      entry: {
        title: '企业年报',
        priorityOpen: true,
        share: { attribute: 'CONDITIONAL' },
        open: { basis: [{ level: 'law', title: '某法', article: '第一条' }] },
      },
    },
  });
  expect('change' in added && added.change.op === 'add' && added.change.entry.fields).toEqual([
    { name: 'uscc', label: '统一社会信用代码', type: 'string', identifies: 'organisation', description: '代码' },
    { name: 'year', label: '年度', type: 'number', identifies: null, description: '年度 | 含竖线' },
  ]);
  expect(rowChange({ ...row, id: 'e-1', version: '3' }, 3)).toMatchObject({ change: { op: 'change', entryId: 'e-1', baseVersion: 3 } });
  expect(rowChange({ id: 'e-1', version: '3', action: 'remove' }, 4)).toEqual({ change: { op: 'remove', entryId: 'e-1', baseVersion: 3 } });
  // A side suspended (or published again) by its status cell; a new entry is published whatever its cells say.
  expect(rowChange({ ...row, id: 'e-1', version: '3', open_status: 'suspended' }, 3)).toMatchObject({ change: { op: 'change', openStatus: 'suspended' } });
  expect(rowChange({ ...row, share_status: 'suspended' }, 3)).toEqual({ change: { op: 'add', entry: expect.anything() } });
  expect(rowChange({ ...row, id: 'e-1', version: '3', share_status: 'withdrawn' }, 3)).toMatchObject({ errors: [{ column: 'share_status', rule: 'one of' }] });
  const broken = rowChange({ ...row, id: 'e-1', version: 'v3', share_attribute: 'MAYBE', open_basis: 'law | 某法' }, 5);
  expect('errors' in broken && broken.errors.map((e) => [e.row, e.column, e.rule])).toEqual([
    [5, 'version', 'the version it starts from'],
    [5, 'share_attribute', 'one of'],
    [5, 'open_basis', 'level | title | article'],
  ]);
  // What a row says survives the way out and back: an entry exported reads as the same content.
  const content = entry({ share: { attribute: 'CONDITIONAL', reasons: '理由', conditions: '条件', basis: [] } });
  const back = rowChange(entryRow({ id: 'e-2', version: 4, content, shareStatus: 'published', openStatus: 'published' }), 2);
  expect(back).toEqual({ change: { op: 'change', entryId: 'e-2', baseVersion: 4, entry: content, shareStatus: 'published', openStatus: 'published' } });
});

test('a dispute position and an objection meet Art. 13 ¶2 and name what they dispute, an existing entry or a new one (Art. 13 ¶3)', () => {
  expect(positionFormViolation('COUNTER', { attribute: 'CONDITIONAL', reasons: '理由', conditions: '条件', basis: [] })).toBeNull();
  expect(positionFormViolation('COUNTER', { attribute: 'CONDITIONAL', reasons: ' ', conditions: '条件', basis: [] })).toMatchObject({
    field: 'form.reasons',
    article: 'Art. 13',
  });
  expect(positionFormViolation('DECIDE', { attribute: 'NONE', reasons: null, conditions: null, basis: [] })).toMatchObject({
    field: 'form.basis',
    article: 'Art. 13',
  });
  expect(positionFormViolation('DECIDE', { attribute: 'NEVER', basis: 'x' })).toMatchObject({
    field: 'form.attribute',
    rule: 'an attribute',
    article: 'Art. 13',
  });
  expect(positionFormViolation('DECIDE', { attribute: 'NONE', basis: 'x' })).toMatchObject({ field: 'form', rule: 'a position' });
  const form: AdjustmentForm = { ground: 'correction', justification: 'x', changes: [{ op: 'change', entryId: 'e-1', baseVersion: 1, entry: entry() }] };
  const none = { attribute: 'NONE', reasons: null, conditions: null, basis: [{ level: 'law', title: '某法', article: '第一条' }] };
  expect(objectionViolation(form, { entryId: 'e-1', proposal: none })).toBeNull();
  expect(objectionViolation(form, { entryId: 'e-9', proposal: none })).toMatchObject({ field: 'form.entryId' });
  expect(objectionViolation(form, { entryId: 'e-1', proposal: entry().share })).toMatchObject({ field: 'form.proposal', rule: "differs from the agency's" });
  // Art. 13 ¶3 covers a new entry's attribute too: named by its place in the changes, an addition's only.
  const adding: AdjustmentForm = { ...form, changes: [...form.changes, { op: 'add', entry: entry() }] };
  expect(objectionViolation(adding, { index: 1, proposal: none })).toBeNull();
  expect(objectionViolation(adding, { index: 0, proposal: none })).toMatchObject({ field: 'form.index', article: 'Art. 13' });
  expect(objectionViolation(adding, { index: 1, entryId: 'e-1', proposal: none })).toMatchObject({ field: 'form.index' });
  expect(objectionViolation(adding, { index: '1', proposal: none })).toMatchObject({ field: 'form.index' });
});
