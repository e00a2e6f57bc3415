// The catalog entry (Art. 9 ¶1) and the rules an entry must meet (Art. 10 ¶2, 13 ¶2, 17, 19).
// Checked once here; the API (400) and the adjustment procedure run the same functions.
import { isCalendarDay } from './calendar';
import type { RuleViolation } from './errors';
import { field, under, type FieldLabels, type ValueLabels } from './procedure';
import { blankText } from './text';
import { OPEN_ATTRIBUTE_NAMES, SHARE_ATTRIBUTE_NAMES, type Attribute } from './types';

/**
 * Kinds of legal basis: those the Measures name (法律, 法规, 规章, 国家(有关)规定, Art. 13 ¶2) and the two narrower ones
 * the 《政务数据共享条例》 names for a refusal between government departments (行政法规, 国务院决定): a 行政法规 is a
 * 法规 (as a 地方性法规 is), a 国务院决定 a 国家有关规定, so the Measures' list takes them too.
 */
export const BASIS_LEVELS = ['law', 'regulation', 'rules', 'national', 'administrative_regulation', 'state_council_decision'] as const;
export type BasisLevel = (typeof BASIS_LEVELS)[number];
export const BASIS_LEVEL_NAMES: Record<BasisLevel, string> = {
  law: '法律',
  regulation: '法规',
  rules: '规章',
  national: '国家有关规定',
  administrative_regulation: '行政法规',
  state_council_decision: '国务院决定',
};
/** 条例 (不予共享, rule 4 of docs/regulation.md): between government departments a refusal rests on 法律, 行政法规 or 国务院决定. */
export const REGULATION_BASIS_LEVELS: readonly BasisLevel[] = ['law', 'administrative_regulation', 'state_council_decision'];
/** The most provisions one refusal or one side of an entry cites (the API's schemas hold the same). */
export const MAX_BASIS_ITEMS = 20;

/** A legal provision an attribute rests on, e.g. { level: 'law', title: '中华人民共和国个人信息保护法', article: '第二十八条' }. */
export interface LegalBasis {
  level: BasisLevel;
  title: string;
  article: string;
}

/**
 * What a field holds (Art. 10 ¶2: whether it identifies a natural person or an organisation). Two types are
 * the identifiers Art. 10 ¶2 names: `id_number` (身份证件号码) and `uscc` (统一社会信用代码).
 */
export const FIELD_TYPES = ['string', 'number', 'date', 'boolean', 'binary', 'id_number', 'uscc'] as const;
export const FIELD_TYPE_NAMES: Record<CatalogField['type'], string> = {
  string: '文本',
  number: '数值',
  date: '日期',
  boolean: '是/否',
  binary: '二进制',
  id_number: '身份证件号码',
  uscc: '统一社会信用代码',
};
export const IDENTIFIES = ['person', 'organisation'] as const;
export type Identifies = (typeof IDENTIFIES)[number];
export const IDENTIFIES_NAMES: Record<Identifies, string> = { person: '自然人', organisation: '法人和其他组织' };
export interface CatalogField {
  /** The item's identifier, as requests name it (e.g. licence_no). */
  name: string;
  /** 信息项名称: what a person reads (e.g. 执业许可证号). */
  label: string;
  type: (typeof FIELD_TYPES)[number];
  description: string;
  identifies: Identifies | null;
}

/** The longest 信息项名称 an item may have. */
export const MAX_FIELD_LABEL = 100;

/** Art. 10 ¶2 (自然人数据应当以身份证件号码作为标识,法人和其他组织数据应当以统一社会信用代码作为标识): the item each kind of data is identified by. */
export const IDENTIFIER_ITEMS: Record<Identifies, { type: CatalogField['type']; name: string; subject: string }> = {
  person: { type: 'id_number', name: '身份证件号码', subject: 'natural persons' },
  organisation: { type: 'uscc', name: '统一社会信用代码', subject: 'legal persons and other organisations' },
};

/** 形式: how the data is provided. */
export const ENTRY_FORMS = ['table', 'file', 'api', 'licence', 'other'] as const;
export type EntryForm = (typeof ENTRY_FORMS)[number];
export const ENTRY_FORM_NAMES: Record<EntryForm, string> = { table: '数据表', file: '文件', api: '接口', licence: '电子证照', other: '其他' };

/** Each side (sharing, opening) is published, suspended or withdrawn on its own. */
export const SIDE_STATUSES = ['published', 'suspended', 'withdrawn'] as const;
export type SideStatus = (typeof SIDE_STATUSES)[number];
/** A side's status as the catalog page reads it. */
export const SIDE_STATUS_NAMES: Record<SideStatus, string> = { published: '已发布', suspended: '已暂停', withdrawn: '已撤回' };

/** Art. 17 ¶1: why an entry is opened only on conditions. */
export const OPEN_CONDITION_GROUNDS = ['security', 'processing', 'particular_conditions'] as const;
export type OpenConditionGround = (typeof OPEN_CONDITION_GROUNDS)[number];
export const OPEN_CONDITION_GROUND_NAMES: Record<OpenConditionGround, string> = {
  security: '数据安全要求较高',
  processing: '数据处理能力要求较高',
  particular_conditions: '需要按照特定条件提供',
};

/** Art. 17 ¶2: how data that was not to be opened may become open. */
export const OPENING_GROUNDS = ['anonymised', 'consent'] as const;
export type OpeningGround = (typeof OPENING_GROUNDS)[number];
export const OPENING_GROUND_NAMES: Record<OpeningGround, string> = { anonymised: '经匿名化、去标识化等脱敏、脱密处理', consent: '经相关权利人同意' };

export interface ShareSide {
  attribute: Attribute;
  reasons: string | null;
  conditions: string | null;
  basis: LegalBasis[];
}

export interface OpenSide {
  attribute: Attribute;
  /** CONDITIONAL: which Art. 17 ¶1 ground applies. */
  ground: OpenConditionGround | null;
  reasons: string | null;
  conditions: string | null;
  basis: LegalBasis[];
  /** Required when an entry that was NONE-open becomes open (Art. 17 ¶2). */
  opening: { ground: OpeningGround; evidence: string } | null;
}

/** One item of the agency's own review before opening (Art. 19). */
export interface ReviewItem {
  conclusion: 'pass' | 'fail';
  reviewer: string;
  /** YYYY-MM-DD */
  date: string;
}
export const ART19_ITEMS = ['nationalSecurity', 'confidentiality', 'informationRisk', 'socialBenefit'] as const;
export type Art19Item = (typeof ART19_ITEMS)[number];
export type OpeningReview = Partial<Record<Art19Item, ReviewItem>>;
export const REVIEW_CONCLUSION_NAMES: Record<ReviewItem['conclusion'], string> = { pass: '通过', fail: '未通过' };
export const ART19_NAMES: Record<Art19Item, string> = {
  nationalSecurity: '国家安全',
  confidentiality: '保密',
  informationRisk: '信息风险',
  socialBenefit: '社会效益',
};

/** An entry's content and attributes: what an agency states and an adjustment changes (Art. 9 ¶1). */
export interface EntryContent {
  title: string;
  description: string;
  fields: CatalogField[];
  form: EntryForm;
  useConditions: string | null;
  updateFrequency: string;
  share: ShareSide;
  open: OpenSide;
  /** 重点和优先开放 (Art. 18 ¶2). */
  priorityOpen: boolean;
}

// What a person reads for each part of an entry (Art. 9 ¶1, 13 ¶2, 17, 19), wherever a form holds one: the
// procedures' definitions put these under their own paths (domain/procedure.ts FieldLabels).
const LEGAL_BASIS_FIELDS: FieldLabels = {
  level: field('层级'),
  title: field('名称', '如：中华人民共和国个人信息保护法'),
  article: field('条款', '如：第二十八条'),
};

/** An entry's share side (Art. 13 ¶2): as an agency states it, or as a party to a dispute proposes it. */
export const SHARE_SIDE_FIELDS: FieldLabels = {
  attribute: field('共享属性'),
  reasons: field('理由', '有条件共享的，应当说明理由'),
  conditions: field('共享条件', '有条件共享的，应当明确共享条件'),
  basis: field('依据', '不予共享的，应当提供明确的法律、法规、规章或者国家有关规定依据'),
  ...under('basis', LEGAL_BASIS_FIELDS),
};
export const SHARE_SIDE_VALUES: ValueLabels = { attribute: SHARE_ATTRIBUTE_NAMES, 'basis.level': BASIS_LEVEL_NAMES };

const OPEN_SIDE_FIELDS: FieldLabels = {
  attribute: field('开放属性'),
  ground: field('有条件开放的情形'),
  reasons: field('理由'),
  conditions: field('开放条件', '有条件开放的，应当明确开放条件'),
  basis: field('依据', '不予开放的，应当有法律、法规或者国家规定依据（规章不足以为据）'),
  ...under('basis', LEGAL_BASIS_FIELDS),
  opening: field('转为开放的依据', '原不予开放的数据，经脱敏、脱密处理或者经相关权利人同意，方可开放'),
  'opening.ground': field('情形'),
  'opening.evidence': field('证明材料'),
};
const OPEN_SIDE_VALUES: ValueLabels = {
  attribute: OPEN_ATTRIBUTE_NAMES,
  ground: OPEN_CONDITION_GROUND_NAMES,
  'basis.level': BASIS_LEVEL_NAMES,
  'opening.ground': OPENING_GROUND_NAMES,
};

/** An entry's content and attributes as an agency states them (EntryContent). */
export const ENTRY_FIELDS: FieldLabels = {
  title: field('目录名称'),
  description: field('描述'),
  fields: field('数据项'),
  'fields.name': field('标识符', '请求据以指明数据项的英文标识，如 licence_no'),
  'fields.label': field('信息项名称', '数据项的中文名称，如 执业许可证号'),
  'fields.type': field('类型'),
  'fields.description': field('说明'),
  'fields.identifies': field('标识对象', '自然人数据以身份证件号码为标识，法人和其他组织数据以统一社会信用代码为标识'),
  form: field('数据形式'),
  useConditions: field('使用条件'),
  updateFrequency: field('更新频率'),
  share: field('共享'),
  ...under('share', SHARE_SIDE_FIELDS),
  open: field('开放'),
  ...under('open', OPEN_SIDE_FIELDS),
  priorityOpen: field('重点和优先开放', '确定重点和优先开放的数据范围，应当征求社会公众、行业组织、企业、行业主管部门的意见'),
};
export const ENTRY_VALUES: ValueLabels = {
  'fields.type': FIELD_TYPE_NAMES,
  'fields.identifies': IDENTIFIES_NAMES,
  form: ENTRY_FORM_NAMES,
  ...under('share', SHARE_SIDE_VALUES),
  ...under('open', OPEN_SIDE_VALUES),
};
/** What a stored entry shows beside its content: each side's status (an agency does not state it in a change). */
export const STORED_ENTRY_FIELDS: FieldLabels = { ...ENTRY_FIELDS, 'share.status': field('状态'), 'open.status': field('状态') };
export const STORED_ENTRY_VALUES: ValueLabels = { ...ENTRY_VALUES, 'share.status': SIDE_STATUS_NAMES, 'open.status': SIDE_STATUS_NAMES };

/** The agency's own review before opening (Art. 19), item by item. */
const OPENING_REVIEW_FIELDS: FieldLabels = Object.fromEntries(
  ART19_ITEMS.flatMap((item) => [
    [item, field(`${ART19_NAMES[item]}审核`)],
    [`${item}.conclusion`, field('结论')],
    [`${item}.reviewer`, field('审核人')],
    [`${item}.date`, field('审核日期', '年-月-日，如 2025-03-01')],
  ]),
);
const OPENING_REVIEW_VALUES: ValueLabels = Object.fromEntries(ART19_ITEMS.map((item) => [`${item}.conclusion`, REVIEW_CONCLUSION_NAMES]));

/** A request's fields naming an entry and the items it asks for. */
export const CATALOG_ENTRY_ID_FIELD = field('目录条目');
export const REQUESTED_FIELDS_FIELD = field('申请的数据项', '不填则为目录条目的全部数据项');

const RANK: Record<Attribute, number> = { NONE: 0, CONDITIONAL: 1, UNCONDITIONAL: 2 };

/** Whether the attribute `next` opens the entry for the first time or more widely than `prev`. */
export function widensOpenness(next: Attribute, prev: Attribute | undefined): boolean {
  return next !== 'NONE' && (prev === undefined || RANK[next] > RANK[prev]);
}

/**
 * What `next` opens that `prev` (undefined: a new entry) did not: the items newly open (every item of an entry
 * opened for the first time, the items added to an entry open already), and whether open data is opened more
 * widely (a wider attribute; a conditional entry's conditions or ground restated, which may lift conditions:
 * only the agency can say, so its review says it).
 */
export function newlyOpened(next: EntryContent, prev?: EntryContent): { items: string[]; wider: boolean } {
  if (next.open.attribute === 'NONE') return { items: [], wider: false };
  const names = next.fields.map((f) => f.name.trim());
  if (!prev || prev.open.attribute === 'NONE') return { items: names, wider: true };
  const before = new Set(prev.fields.map((f) => f.name.trim()));
  const restated =
    next.open.attribute === 'CONDITIONAL' &&
    prev.open.attribute === 'CONDITIONAL' &&
    (next.open.ground !== prev.open.ground || (next.open.conditions ?? '').trim() !== (prev.open.conditions ?? '').trim());
  return { items: names.filter((n) => !before.has(n)), wider: widensOpenness(next.open.attribute, prev.open.attribute) || restated };
}

/**
 * Every rule `next` breaks, each naming its field, rule and article. `prev` is the entry as it stands
 * (undefined for a new entry); `review` the agency's Art. 19 review, needed when data is newly opened. Fields
 * are named under `paths.entry` and `paths.review` (e.g. `changes.3.entry`, `changes.3.review`).
 */
export function entryViolations(
  next: EntryContent,
  prev?: EntryContent,
  review?: OpeningReview,
  paths: { entry?: string; review?: string } = {},
): RuleViolation[] {
  const out: RuleViolation[] = [];
  const under = (root: string, field: string) => (root ? `${root}.${field}` : field);
  const bad = (field: string, rule: string, article: string, detail: string) =>
    out.push({ code: 'InvalidInput', field: under(paths.entry ?? '', field), rule, article, detail });
  const badReview = (item: Art19Item, rule: string, detail: string) =>
    out.push({ code: 'InvalidInput', field: under(paths.review ?? 'review', item), rule, article: 'Art. 19', detail });

  if (blankText(next.title)) bad('title', 'required', 'Art. 9', 'An entry states its title (Art. 9 ¶1)');
  if (!next.fields.length) bad('fields', 'required', 'Art. 9', 'An entry states its content: at least one field (Art. 9 ¶1)');
  const names = next.fields.map((f) => f.name.trim());
  names.forEach((n, i) => {
    if (!n) bad(`fields.${i}.name`, 'required', 'Art. 9', 'Each field has a name');
    else if (names.indexOf(n) !== i) bad(`fields.${i}.name`, 'unique', 'Art. 9', `Field ${n} is named twice`);
  });
  if (blankText(next.updateFrequency)) bad('updateFrequency', 'required', 'Art. 9', 'An entry states how often it is updated (更新频率, Art. 9 ¶1)');

  // Art. 10 ¶2: data identifying natural persons carries the 身份证件号码 item as its identifier, data identifying
  // legal persons and other organisations the 统一社会信用代码; an identifier item identifies its own kind.
  for (const kind of IDENTIFIES) {
    const { type, name, subject } = IDENTIFIER_ITEMS[kind];
    if (next.fields.some((f) => f.identifies === kind) && !next.fields.some((f) => f.type === type && f.identifies === kind))
      bad('fields', `a ${type} item`, 'Art. 10', `Data identifying ${subject} carries the ${name} item (type ${type}) as its identifier (Art. 10 ¶2)`);
  }
  next.fields.forEach((f, i) => {
    const kind = IDENTIFIES.find((k) => IDENTIFIER_ITEMS[k].type === f.type);
    if (kind && f.identifies !== kind)
      bad(`fields.${i}.identifies`, kind, 'Art. 10', `A ${IDENTIFIER_ITEMS[kind].name} item identifies ${IDENTIFIER_ITEMS[kind].subject} (Art. 10 ¶2)`);
  });

  // Art. 13 ¶2: conditional sharing explains itself; refusal rests on law.
  const s = next.share;
  if (s.attribute === 'CONDITIONAL') {
    if (blankText(s.reasons)) bad('share.reasons', 'required for CONDITIONAL', 'Art. 13', 'Conditional sharing states its reasons (Art. 13 ¶2)');
    if (blankText(s.conditions)) bad('share.conditions', 'required for CONDITIONAL', 'Art. 13', 'Conditional sharing states its conditions (Art. 13 ¶2)');
  }
  if (s.attribute === 'NONE')
    basisRule(s.basis, BASIS_LEVELS, 'share.basis', 'Art. 13', '不予共享 rests on a 法律, 法规, 规章 or 国家有关规定 (Art. 13 ¶2)', bad);

  // Art. 17 ¶1: refusal to open rests on law, regulation or national rules (a 规章 alone does not suffice).
  const o = next.open;
  if (o.attribute === 'NONE')
    basisRule(
      o.basis,
      ['law', 'regulation', 'national', 'administrative_regulation', 'state_council_decision'],
      'open.basis',
      'Art. 17',
      '不予开放 rests on a 法律, 法规 or 国家规定; a 规章 alone is not enough (Art. 17 ¶1)',
      bad,
    );
  if (o.attribute === 'CONDITIONAL') {
    if (!o.ground)
      bad(
        'open.ground',
        'required for CONDITIONAL',
        'Art. 17',
        'Conditional opening names its ground: high security or processing demands, or particular conditions (Art. 17 ¶1)',
      );
    if (blankText(o.conditions)) bad('open.conditions', 'required for CONDITIONAL', 'Art. 17', 'Conditional opening states its conditions (Art. 17 ¶1)');
  }
  // Art. 17 ¶2: data of an entry that was not open opens only once anonymised / de-identified, or with consent:
  // the whole entry when it was NONE, the items added to an entry open already (its data, not open before).
  const opened = newlyOpened(next, prev);
  const added = prev && prev.open.attribute !== 'NONE' ? opened.items : [];
  if (prev && opened.items.length) {
    const [rule, what] = added.length
      ? ['required when items not open before are opened', `Items not open before (${added.join(', ')})`]
      : ['required when NONE becomes open', 'Data not to be opened'];
    if (!o.opening)
      bad(
        'open.opening',
        rule,
        'Art. 17',
        `${what} may be opened only after anonymisation or de-identification, or with the rights holders' consent (Art. 17 ¶2)`,
      );
    else if (blankText(o.opening.evidence)) bad('open.opening.evidence', 'required', 'Art. 17', 'The ground for opening states its evidence (Art. 17 ¶2)');
  }
  // Art. 19: before any data is opened that was not open (a new entry, new items) or open data is opened more
  // widely (a wider attribute, conditions restated), the agency's own review, every item passed.
  if (opened.items.length || opened.wider)
    for (const item of ART19_ITEMS) {
      const r = review?.[item];
      if (!r || blankText(r.reviewer) || !isCalendarDay(r.date ?? ''))
        badReview(
          item,
          'required before opening',
          `Before opening, the agency records its ${ART19_NAMES[item]} review: conclusion, reviewer and date (Art. 19)`,
        );
      else if (r.conclusion !== 'pass') badReview(item, 'must pass', `The ${ART19_NAMES[item]} review did not pass: the entry may not be opened (Art. 19)`);
    }
  return out;
}

function basisRule(
  basis: LegalBasis[],
  allowed: readonly BasisLevel[],
  field: string,
  article: string,
  detail: string,
  bad: (field: string, rule: string, article: string, detail: string) => void,
) {
  const usable = basis.filter((b) => allowed.includes(b.level) && !blankText(b.title) && !blankText(b.article));
  if (!usable.length) bad(field, `a ${allowed.map((l) => BASIS_LEVEL_NAMES[l]).join('/')} with title and article`, article, detail);
}

/** The rule a NONE share attribute's basis breaks when it cites no accepted level, as problems name it (issue 24 §3). */
export const NONE_BASIS_LEVEL_RULE = 'a provision of an accepted level';

/**
 * Issue 24 §3 (a NONE share attribute's basis is checked by level): why `share`, marked 不予共享, cites among its provisions
 * none of `levels` (domain/catalog-adjustment.ts noneShareBasisLevels) with its title and article, its field `field`; null
 * for a share side not marked NONE. One rule for every way an entry comes to be NONE: a catalog change
 * (noneBasisViolations) and a share-attribute dispute's positions (domain/share-dispute.ts disputeNoneBasisViolation).
 */
export function noneShareBasisViolation(
  share: { attribute?: unknown; basis?: unknown } | null | undefined,
  levels: readonly BasisLevel[],
  field: string,
): RuleViolation | null {
  if (share?.attribute !== 'NONE') return null;
  const usable = (b: LegalBasis | null | undefined) =>
    !!b && levels.includes(b.level) && typeof b.title === 'string' && !blankText(b.title) && typeof b.article === 'string' && !blankText(b.article);
  if (Array.isArray(share.basis) && (share.basis as LegalBasis[]).some(usable)) return null;
  const names = levels.map((l) => BASIS_LEVEL_NAMES[l] ?? l).join('、');
  return {
    code: 'InvalidInput',
    field,
    rule: NONE_BASIS_LEVEL_RULE,
    article: 'Art. 13',
    detail: `不予共享 rests on a provision of a level the policy accepts for this catalog: ${names} (Art. 13 ¶2; between government departments the 《政务数据共享条例》)`,
  };
}

/** The rule a refusal's basis breaks, as problems name it (the detail names the levels accepted). */
export const REFUSAL_BASIS_RULE = 'legal basis of an accepted level';

/**
 * Why `basis` (as sent: any JSON) is no refusal's basis, or null: 1 to MAX_BASIS_ITEMS provisions, each of a level
 * `allowed`, with its title and article. Every provision cited must be one the refusal may rest on.
 */
export function refusalBasisViolation(basis: unknown, allowed: readonly BasisLevel[], field: string, article: string): RuleViolation | null {
  const items = Array.isArray(basis) ? (basis as unknown[]) : [];
  const names = allowed.map((l) => BASIS_LEVEL_NAMES[l]).join('、');
  const usable = (b: unknown) => {
    const x = (b ?? {}) as Partial<Record<keyof LegalBasis, unknown>>;
    return (
      typeof b === 'object' &&
      (allowed as readonly unknown[]).includes(x.level) &&
      typeof x.title === 'string' &&
      !blankText(x.title) &&
      typeof x.article === 'string' &&
      !blankText(x.article)
    );
  };
  if (items.length === 0 || items.length > MAX_BASIS_ITEMS || !items.every(usable))
    return {
      code: 'InvalidInput',
      field,
      rule: REFUSAL_BASIS_RULE,
      article,
      detail: `A refusal cites its legal basis: 1 to ${MAX_BASIS_ITEMS} provisions, each a ${names} with its title and article (${article})`,
    };
  return null;
}

/** One provision as a person reads it: 《中华人民共和国个人信息保护法》第十三条（法律）. */
export const basisItemText = (b: LegalBasis) =>
  `${b.title.startsWith('《') ? b.title : `《${b.title}》`}${b.article}（${BASIS_LEVEL_NAMES[b.level] ?? b.level}）`;

/** A basis as a refusal quotes it, e.g. 《中华人民共和国个人信息保护法》第十三条; null when there is none. */
export function basisText(basis: LegalBasis[]): string | null {
  const text = basis.map((b) => (b.title.startsWith('《') ? b.title : `《${b.title}》`) + b.article).join('、');
  return text || null;
}

/**
 * Art. 8 (可以通过市一体化大数据平台获取数据的,不得重复采集): an entry is flagged as a possible duplicate of
 * another whose title is this similar (trigram similarity, 0–1), or which holds this share of its field names.
 */
export const DUPLICATE_TITLE_SIMILARITY = 0.4;
export const DUPLICATE_FIELD_SHARE = 0.5;

/** An entry already in the catalog that a new one may duplicate, and why it was flagged. */
export interface SimilarEntry {
  id: string;
  title: string;
  providerOrgId: string;
  titleSimilarity: number;
  sharedFields: string[];
}

/**
 * Why an agency adjusts its catalog. The first two are Art. 9 ¶2's (因法律、法规修改或者职能职责变更): they
 * need the consent of the authority of its own level before publication; so does every change of a
 * government department (the 条例). Another institution's changes on the other grounds (its first
 * compilation and dynamic adjustment, Art. 9 ¶1, corrections, …) are published once the catalog's rules pass,
 * the authority reviewing them afterwards (domain/catalog-adjustment.ts adjustmentReview).
 */
export const ADJUSTMENT_GROUNDS = {
  law_change: { article: 'Art. 9', name: '法律、法规修改' },
  duty_change: { article: 'Art. 9', name: '职能职责变更' },
  first_compilation: { article: 'Art. 9', name: '首次编制目录' },
  dynamic_adjustment: { article: 'Art. 9', name: '目录动态调整' },
  new_system: { article: 'Art. 30', name: '新建信息系统' },
  correction: { article: 'Art. 11', name: '数据校核更正' },
  withdrawal_outcome: { article: 'Art. 21', name: '开放需求与撤回处理结果' },
} as const;
export type AdjustmentGround = keyof typeof ADJUSTMENT_GROUNDS;

/** The most changes one adjustment request carries. */
export const MAX_CHANGES = 1_000;

/** One change of an adjustment: a new entry, or a change or removal of an entry at the version it starts from. */
export type CatalogChange =
  | { op: 'add'; entry: EntryContent; review?: OpeningReview }
  | {
      op: 'change';
      entryId: string;
      baseVersion: number;
      entry: EntryContent;
      review?: OpeningReview;
      /** Suspend or resume a side on its own (suspending openness does not stop sharing); withdrawal is `remove`. */
      shareStatus?: SuspendableStatus;
      openStatus?: SuspendableStatus;
    }
  | {
      op: 'remove';
      entryId: string;
      baseVersion: number;
      /** 删除理由: why the entry goes (the console asks it; optional, as adjustments started before it had none). */
      reason?: string;
    };

/** The longest 删除理由 a removal may give. */
export const MAX_REMOVAL_REASON = 2_000;

/** What a change may set a side's status to. */
export const SUSPENDABLE_STATUSES = ['published', 'suspended'] as const;
export type SuspendableStatus = (typeof SUSPENDABLE_STATUSES)[number];
const SUSPENDABLE_STATUS_NAMES: Record<SuspendableStatus, string> = { published: '发布', suspended: '暂停' };
const CHANGE_OP_NAMES: Record<CatalogChange['op'], string> = { add: '新增条目', change: '变更条目', remove: '删除条目' };

export interface AdjustmentForm {
  ground: AdjustmentGround;
  justification: string;
  changes: CatalogChange[];
}

/** What a person reads for each field of an adjustment (its form as it starts, and as it is resubmitted). */
export const ADJUSTMENT_FIELDS: FieldLabels = {
  ground: field('调整事由'),
  justification: field('书面说明'),
  changes: field('变更'),
  'changes.op': field('变更方式'),
  'changes.entryId': CATALOG_ENTRY_ID_FIELD,
  'changes.baseVersion': field('所据版本', '变更所依据的条目版本，须为当前版本'),
  'changes.shareStatus': field('共享状态'),
  'changes.openStatus': field('开放状态'),
  'changes.reason': field('删除理由', '删除该条目的理由，审核时与删除一并显示'),
  'changes.entry': field('条目内容'),
  ...under('changes.entry', ENTRY_FIELDS),
  'changes.review': field('开放前审核', '开放此前未开放的数据前，应当进行国家安全、保密、信息风险、社会效益等方面的审核'),
  ...under('changes.review', OPENING_REVIEW_FIELDS),
};
export const ADJUSTMENT_VALUES: ValueLabels = {
  ground: Object.fromEntries(Object.entries(ADJUSTMENT_GROUNDS).map(([code, g]) => [code, g.name])),
  'changes.op': CHANGE_OP_NAMES,
  'changes.shareStatus': SUSPENDABLE_STATUS_NAMES,
  'changes.openStatus': SUSPENDABLE_STATUS_NAMES,
  ...under('changes.entry', ENTRY_VALUES),
  ...under('changes.review', OPENING_REVIEW_VALUES),
};

/** An entry as it stands, as the adjustment rules need it. */
export interface CurrentEntry {
  providerOrgId: string;
  version: number;
  content: EntryContent;
  /** Both sides withdrawn: the entry was removed. */
  removed: boolean;
}

/** The rules an adjustment request's form meets on its own: ground, written justification, how many changes, new entries' content. */
export function adjustmentFormViolations(form: AdjustmentForm): RuleViolation[] {
  const out: RuleViolation[] = [];
  const bad = (field: string, rule: string, article: string, detail: string) => out.push({ code: 'InvalidInput', field, rule, article, detail });
  const ground = Object.prototype.hasOwnProperty.call(ADJUSTMENT_GROUNDS, form.ground) ? ADJUSTMENT_GROUNDS[form.ground] : undefined;
  if (!ground) bad('ground', 'one of the grounds', 'Art. 9', `The ground is one of: ${Object.keys(ADJUSTMENT_GROUNDS).join(', ')}`);
  if (blankText(form.justification))
    bad('justification', 'required', ground?.article ?? 'Art. 9', 'An adjustment states its justification in writing (Art. 9 ¶2)');
  if (!form.changes.length) bad('changes', 'at least one', 'Art. 9', 'An adjustment makes at least one change');
  if (form.changes.length > MAX_CHANGES) bad('changes', `at most ${MAX_CHANGES}`, 'Art. 9', `An adjustment makes at most ${MAX_CHANGES} changes; split it`);
  const seen = new Set<string>();
  form.changes.slice(0, MAX_CHANGES).forEach((c, i) => {
    const at = `changes.${i}`;
    if (c.op === 'add') return out.push(...entryViolations(c.entry, undefined, c.review, { entry: `${at}.entry`, review: `${at}.review` }));
    // Optional, and absent from every adjustment started before it existed: only a reason given is checked.
    if (c.op === 'remove' && c.reason !== undefined) {
      if (typeof c.reason !== 'string') bad(`${at}.reason`, 'type', 'Art. 9', "A removal's reason is text");
      else if (c.reason.length > MAX_REMOVAL_REASON)
        bad(`${at}.reason`, 'maxLength', 'Art. 9', `A removal's reason has at most ${MAX_REMOVAL_REASON} characters`);
    }
    if (c.op === 'change')
      for (const side of ['shareStatus', 'openStatus'] as const)
        if (c[side] !== undefined && !SUSPENDABLE_STATUSES.includes(c[side]))
          bad(`${at}.${side}`, 'published or suspended', 'Art. 9', 'A side is published or suspended by a change; an entry is withdrawn by removing it');
    if (seen.has(c.entryId)) bad(`${at}.entryId`, 'once per request', 'Art. 9', `Entry ${c.entryId} is changed twice in one request`);
    else seen.add(c.entryId);
  });
  return out;
}

/**
 * Every rule an adjustment request breaks, checked against the catalog as it stands (`current`): the API
 * before it starts the procedure, and the procedure again when it applies the changes. An agency adjusts
 * only its own catalog (本单位公共数据目录, Art. 9 ¶1); each change names the version it starts from.
 */
export function adjustmentViolations(form: AdjustmentForm, applicantOrg: string, current: (entryId: string) => CurrentEntry | undefined): RuleViolation[] {
  const out = adjustmentFormViolations(form);
  const bad = (field: string, rule: string, article: string, detail: string) => out.push({ code: 'InvalidInput', field, rule, article, detail });
  form.changes.slice(0, MAX_CHANGES).forEach((c, i) => {
    const at = `changes.${i}`;
    if (c.op === 'add') return;
    const now = current(c.entryId);
    if (!now || now.removed) return bad(`${at}.entryId`, 'exists', 'Art. 9', `No entry ${c.entryId} in the catalog`);
    if (now.providerOrgId !== applicantOrg)
      return bad(`${at}.entryId`, 'own catalog', 'Art. 9', `Entry ${c.entryId} is another agency's: an agency adjusts its own catalog (Art. 9 ¶1)`);
    if (c.baseVersion !== now.version)
      return bad(
        `${at}.baseVersion`,
        'current version',
        'Art. 9',
        `Entry ${c.entryId} is at version ${now.version}, not ${c.baseVersion}: start from the current version`,
      );
    if (c.op === 'change') out.push(...entryViolations(c.entry, now.content, c.review, { entry: `${at}.entry`, review: `${at}.review` }));
  });
  return out;
}

/**
 * Each item of an entry an adjustment adds or changes states its 信息项名称, the name people read and pick it by.
 * Checked by the API as an adjustment is asked for and by the workflow as it starts (behind the 'field-labels'
 * patch) and as it is resubmitted: adjustments started before items had names run on, and their items take
 * their identifiers as names when applied (db/repositories/catalog.ts).
 */
export function fieldLabelViolations(form: Pick<AdjustmentForm, 'changes'>): RuleViolation[] {
  const out: RuleViolation[] = [];
  form.changes.slice(0, MAX_CHANGES).forEach((c, i) => {
    if (c.op === 'remove') return;
    c.entry.fields.forEach((f, j) => {
      const field = `changes.${i}.entry.fields.${j}.label`;
      if (blankText(f.label))
        out.push({ code: 'InvalidInput', field, rule: 'required', article: 'Art. 9', detail: 'Each field states its 信息项名称 (its name in Chinese)' });
      else if (f.label.trim().length > MAX_FIELD_LABEL)
        out.push({
          code: 'InvalidInput',
          field,
          rule: `at most ${MAX_FIELD_LABEL} characters`,
          article: 'Art. 9',
          detail: `A 信息项名称 has at most ${MAX_FIELD_LABEL} characters`,
        });
    });
  });
  return out;
}

/** What differs between two states of an entry, field by field (for versions and for a change that went stale). */
export function entryDiff(from: EntryContent, to: EntryContent): { field: string; from: unknown; to: unknown }[] {
  const out: { field: string; from: unknown; to: unknown }[] = [];
  const walk = (a: unknown, b: unknown, path: string) => {
    const plain = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
    if (plain(a) && plain(b)) {
      const keys = [...new Set([...Object.keys(a as object), ...Object.keys(b as object)])].sort();
      for (const k of keys) walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
    } else if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ field: path, from: a ?? null, to: b ?? null });
  };
  walk(from, to, '');
  return out;
}
