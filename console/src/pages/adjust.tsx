// Adjusting one's own catalog (Art. 9 ¶2) as an officer does it: from an entry, 调整本条目 (its parts as a form,
// its share and open attributes, conditions and legal basis as inputs that follow Art. 13 ¶2 and 17) or 删除
// with a reason; from the catalog, 新增条目; or rows of a spreadsheet, checked by the API and shown against
// their rows. The changes gather in a 调整清单 the officer reviews, then applies for at once. The rules are
// the catalog's own (domain/catalog.ts), checked here before a change joins the list and again by the API.
import { signal } from '@preact/signals';
import { useMemo, useState } from 'preact/hooks';
import {
  ADJUSTMENT_FIELDS,
  ADJUSTMENT_GROUNDS,
  ADJUSTMENT_VALUES,
  ART19_ITEMS,
  ART19_NAMES,
  BASIS_LEVEL_NAMES,
  CATALOG_ENTRY_ID_FIELD,
  ENTRY_FIELDS,
  ENTRY_FORM_NAMES,
  entryViolations,
  fieldLabelViolations,
  FIELD_TYPE_NAMES,
  IDENTIFIES_NAMES,
  MAX_REMOVAL_REASON,
  newlyOpened,
  OPEN_CONDITION_GROUND_NAMES,
  OPENING_GROUND_NAMES,
  REVIEW_CONCLUSION_NAMES,
  type AdjustmentForm,
  type AdjustmentGround,
  type CatalogChange,
  type EntryContent,
  type LegalBasis,
  type OpeningReview,
  type SuspendableStatus,
} from '../../../domain/catalog';
import { noneBasisViolations } from '../../../domain/catalog-adjustment';
import type { SheetColumn } from '../../../domain/catalog-sheet';
import { OPEN_ATTRIBUTE_NAMES, SHARE_ATTRIBUTE_NAMES, type Attribute } from '../../../domain/types';
import { asApiError, query, send, type CatalogEntry, type ProblemField, type RequestView, type Task } from '../http';
import { fieldMessage } from '../i18n';
import { ArticleLink, go, href, Loading, me, ProblemBox, useResource, type Route } from '../lib';
import { ChangeView, contentOf, partLabel, ReviewWhen, say } from '../adjustment-diff';
import { RequiredMark } from '../schema-form';

/** One change in the list, with the reason the officer gave for it (a removal's reason is the change's own). */
interface BasketItem {
  change: CatalogChange;
  note?: string;
}
const BASKET_KEY = 'pdw.adjustment';
const loadBasket = (): BasketItem[] => {
  try {
    return JSON.parse(sessionStorage.getItem(BASKET_KEY) ?? '[]') as BasketItem[];
  } catch {
    return [];
  }
};
/** The 调整清单: kept for the browser tab, so that the officer may go from entry to entry gathering changes. */
export const basket = signal<BasketItem[]>(loadBasket());
function setBasket(items: BasketItem[]) {
  basket.value = items;
  sessionStorage.setItem(BASKET_KEY, JSON.stringify(items));
}
/** Puts `item` in the list, in place of a change of the same entry already there. */
function addToBasket(item: BasketItem) {
  const id = item.change.op === 'add' ? null : item.change.entryId;
  const at = id === null ? -1 : basket.value.findIndex((b) => b.change.op !== 'add' && b.change.entryId === id);
  setBasket(at < 0 ? [...basket.value, item] : basket.value.map((b, i) => (i === at ? item : b)));
}

/** The returned adjustment the list is being revised for (退回修改): its revision task, request, ground and justification. */
interface Revising {
  taskId: string;
  requestId: string;
  ground: string;
  justification: string;
}
const REVISING_KEY = 'pdw.adjustment.revising';
const revising = signal<Revising | null>(
  (() => {
    try {
      return JSON.parse(sessionStorage.getItem(REVISING_KEY) ?? 'null') as Revising | null;
    } catch {
      return null;
    }
  })(),
);
function setRevising(r: Revising | null) {
  revising.value = r;
  if (r) sessionStorage.setItem(REVISING_KEY, JSON.stringify(r));
  else sessionStorage.removeItem(REVISING_KEY);
}

/** On a revision task: the returned adjustment into the list, to revise change by change and resubmit from there. */
export function ReviseInList({ task, form }: { task: Task; form: AdjustmentForm }) {
  if (task.kind !== 'CATALOG_ADJUSTMENT_REVISION') return null;
  return (
    <p class="actions">
      <button
        type="button"
        onClick={() => {
          setBasket(form.changes.map((change) => ({ change })));
          setRevising({ taskId: task.id, requestId: task.requestId, ground: form.ground, justification: form.justification });
          go(href('adjust'));
        }}
      >
        {say('在调整清单中修改后重新提交', 'Revise in the adjustment list')}
      </button>
    </p>
  );
}

/** Whether the signed-in person adjusts `providerOrgId`'s catalog: its own agency's, as its catalog officer. */
export const adjustsCatalogOf = (providerOrgId: string) => !!me.value?.roles.includes('agency_applicant') && me.value.organisation?.id === providerOrgId;

// ——— What a refusal says, in Chinese ———

const COLUMN_PARTS: Partial<Record<SheetColumn, string>> = {
  title: 'title',
  description: 'description',
  fields: 'fields',
  field_labels: 'fields.label',
  form: 'form',
  use_conditions: 'useConditions',
  update_frequency: 'updateFrequency',
  share_attribute: 'share.attribute',
  share_reasons: 'share.reasons',
  share_conditions: 'share.conditions',
  share_basis: 'share.basis',
  open_attribute: 'open.attribute',
  open_ground: 'open.ground',
  open_reasons: 'open.reasons',
  open_conditions: 'open.conditions',
  open_basis: 'open.basis',
  open_opening: 'open.opening',
  priority_open: 'priorityOpen',
};

/** The Chinese name of what a problem names: a part of an entry (entry.share.basis), an Art. 19 review item, a spreadsheet column. */
function placeName(path: string, column?: string): string {
  if (column) {
    const part = COLUMN_PARTS[column as SheetColumn];
    if (part) return partLabel(part);
    const other: Record<string, string> = {
      id: CATALOG_ENTRY_ID_FIELD.label,
      version: ADJUSTMENT_FIELDS['changes.baseVersion'].label,
      action: ADJUSTMENT_FIELDS['changes.op'].label,
      share_status: ADJUSTMENT_FIELDS['changes.shareStatus'].label,
      open_status: ADJUSTMENT_FIELDS['changes.openStatus'].label,
    };
    return say(other[column] ?? column, column);
  }
  const m = /(?:^|\.)(entry|review)\.?(.*)$/.exec(path);
  if (m?.[1] === 'review') return say(`${ART19_NAMES[m[2].split('.')[0] as keyof typeof ART19_NAMES] ?? ''}审核`, m[2]);
  if (m?.[1] === 'entry') return partLabel(m[2].replace(/\.\d+/g, ''));
  if (/baseVersion$/.test(path)) return say(ADJUSTMENT_FIELDS['changes.baseVersion'].label, 'version');
  if (/(^|\.)reason$/.test(path)) return say(ADJUSTMENT_FIELDS['changes.reason'].label, 'reason');
  if (/entryId$/.test(path)) return say(CATALOG_ENTRY_ID_FIELD.label, 'entry');
  return '';
}

/** What a rule of the catalog's says to the officer, by its rule (the registry's help where it states the rule). */
function ruleMessage(f: { field: string; rule?: string; message?: string }): string {
  const rule = f.rule ?? '';
  const part = /(?:^|\.)entry\.(.*)$/.exec(f.field)?.[1]?.replace(/\.\d+/g, '');
  const help = part ? ENTRY_FIELDS[part]?.help : undefined;
  const item = /(?:^|\.)review\.(\w+)/.exec(f.field)?.[1] as keyof typeof ART19_NAMES | undefined;
  const byRule: Record<string, string> = {
    'required for CONDITIONAL': help ?? '选择有条件的，此项必填',
    unique: '标识符与其他数据项重复',
    'a id_number item': '含自然人数据的，应当以身份证件号码作为标识：请增加类型为「身份证件号码」的数据项',
    'a uscc item': '含法人和其他组织数据的，应当以统一社会信用代码作为标识：请增加类型为「统一社会信用代码」的数据项',
    person: '身份证件号码数据项的标识对象应为自然人',
    organisation: '统一社会信用代码数据项的标识对象应为法人和其他组织',
    'required when NONE becomes open': ENTRY_FIELDS['open.opening'].help ?? '',
    'required when items not open before are opened': ENTRY_FIELDS['open.opening'].help ?? '',
    'required before opening': `开放前应当完成${item ? ART19_NAMES[item] : ''}审核：结论、审核人和审核日期`,
    'must pass': `${item ? ART19_NAMES[item] : ''}审核未通过的，不得开放`,
    'current version': '该条目已有新版本：请从条目的当前版本重新调整',
    exists: '目录中没有该条目',
    'own catalog': '只能调整本单位的目录',
    'once per request': '同一条目在一份申请中只能调整一次',
    'one of': '取值不在可选范围内',
    'level | title | article':
      '每行写作「层级 | 名称 | 条款」，层级为 law（法律）、administrative_regulation（行政法规）、regulation（法规）、rules（规章）、national（国家有关规定）或 state_council_decision（国务院决定）',
    'name | type | identifies | description': '每行写作「标识符 | 类型 | 标识对象 | 说明」',
    'one per field': '每个数据项一行信息项名称，行数应与数据项相同',
    'the version it starts from': '应填写调整所依据的条目版本（整数）',
    'true or false': '应填写 是 或 否',
    'ground | evidence': '应写作「情形 | 证明材料」',
  };
  if (rule.startsWith('a 法律')) return help ?? '应当提供法律依据';
  if (/^at most \d+ characters$/.test(rule)) return '内容过长';
  return say(byRule[rule] ?? fieldMessage(f), f.message ?? rule);
}

/** One problem as a line: where, and what is wrong. */
const problemLine = (f: { field: string; rule?: string; message?: string; column?: string }) => {
  const where = placeName(f.field, f.column);
  return `${where ? `${where}：` : ''}${ruleMessage(f)}`;
};

// ——— The form's inputs ———

/** The problems of one input, under it. */
function Messages({ id, problems }: { id: string; problems: ProblemField[] }) {
  if (!problems.length) return null;
  return (
    <ul class="field-errors" id={id}>
      {problems.map((p, i) => (
        <li key={i}>
          {ruleMessage(p)} {p.article && <ArticleLink article={p.article} />}
        </li>
      ))}
    </ul>
  );
}

type Problems = (path: string) => ProblemField[];

function TextInput({
  id,
  label,
  help,
  value,
  onChange,
  problems = [],
  multiline = false,
  type = 'text',
  required = false,
  maxLength,
}: {
  id: string;
  label: string;
  help?: string;
  value: string;
  onChange: (v: string) => void;
  problems?: ProblemField[];
  multiline?: boolean;
  type?: string;
  /** Asked by the console though the API may take it empty: marked, and announced as required. */
  required?: boolean;
  maxLength?: number;
}) {
  const described = [help ? `${id}-help` : '', problems.length ? `${id}-err` : ''].filter(Boolean).join(' ') || undefined;
  const props = {
    id,
    value,
    'aria-invalid': problems.length > 0,
    'aria-describedby': described,
    ...(required ? { 'aria-required': true } : {}),
    ...(maxLength ? { maxLength } : {}),
    onInput: (e: Event) => onChange((e.target as HTMLInputElement).value),
  };
  return (
    <div class="field">
      <label for={id}>
        {label}
        {required && <RequiredMark />}
      </label>
      {help && (
        <span class="hint" id={`${id}-help`}>
          {help}
        </span>
      )}
      {multiline ? <textarea rows={3} {...props} /> : <input type={type} {...props} />}
      <Messages id={`${id}-err`} problems={problems} />
    </div>
  );
}

function Select({
  id,
  label,
  options,
  value,
  onChange,
  empty,
  problems = [],
}: {
  id: string;
  label: string;
  options: Record<string, string>;
  value: string;
  onChange: (v: string) => void;
  /** The label of no choice, when none may be made. */
  empty?: string;
  problems?: ProblemField[];
}) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select
        id={id}
        value={value}
        aria-invalid={problems.length > 0}
        aria-describedby={problems.length ? `${id}-err` : undefined}
        onChange={(e) => onChange((e.target as HTMLSelectElement).value)}
      >
        {empty !== undefined && <option value="">{empty}</option>}
        {Object.entries(options).map(([code, name]) => (
          <option key={code} value={code}>
            {say(name, code)}
          </option>
        ))}
      </select>
      <Messages id={`${id}-err`} problems={problems} />
    </div>
  );
}

/** An attribute, by the Measures' own words for it (Art. 13 ¶1, 17 ¶1). */
function AttributeRadios({
  id,
  legend,
  names,
  value,
  onChange,
}: {
  id: string;
  legend: string;
  names: Record<Attribute, string>;
  value: Attribute;
  onChange: (a: Attribute) => void;
}) {
  return (
    <fieldset class="attribute">
      <legend>{legend}</legend>
      {(Object.keys(names) as Attribute[]).map((a) => (
        <div class="field check" key={a}>
          <input type="radio" id={`${id}-${a}`} name={id} checked={value === a} onChange={() => onChange(a)} />
          <label for={`${id}-${a}`}>{say(names[a], a)}</label>
        </div>
      ))}
    </fieldset>
  );
}

/**
 * A list of legal provisions: each its level picked (among `levels`, where only some may be cited: a refusal's, on the
 * task page; an entry's 不予共享, by its catalog's organisation), its title and article written. The catalog's editor and a
 * refusal's decision form both use it.
 */
export function BasisList({
  id,
  legend,
  help,
  basis,
  onChange,
  problems,
  levels,
}: {
  id: string;
  legend: string;
  help?: string;
  basis: LegalBasis[];
  onChange: (b: LegalBasis[]) => void;
  problems: ProblemField[];
  levels?: readonly LegalBasis['level'][];
}) {
  const options = levels ? Object.fromEntries(levels.map((l) => [l, BASIS_LEVEL_NAMES[l] ?? l])) : BASIS_LEVEL_NAMES;
  const first = (Object.keys(options)[0] ?? 'law') as LegalBasis['level'];
  const set = (i: number, patch: Partial<LegalBasis>) => onChange(basis.map((b, j) => (j === i ? { ...b, ...patch } : b)));
  return (
    <fieldset class="basis" id={id} aria-describedby={problems.length ? `${id}-err` : undefined}>
      <legend>{legend}</legend>
      {help && <p class="hint">{help}</p>}
      {basis.map((b, i) => (
        <div class="basis-item" key={i}>
          <Select
            id={`${id}-${i}-level`}
            label={`${ENTRY_FIELDS['share.basis.level'].label} ${i + 1}`}
            // A provision already cited at a level not offered here (an entry compiled before) stays readable, marked so.
            options={b.level in options ? options : { ...options, [b.level]: `${BASIS_LEVEL_NAMES[b.level] ?? b.level}（此处不可选用）` }}
            value={b.level}
            onChange={(v) => set(i, { level: v as LegalBasis['level'] })}
          />
          <TextInput
            id={`${id}-${i}-title`}
            label={`${ENTRY_FIELDS['share.basis.title'].label} ${i + 1}`}
            help={ENTRY_FIELDS['share.basis.title'].help}
            value={b.title}
            onChange={(v) => set(i, { title: v })}
          />
          <TextInput
            id={`${id}-${i}-article`}
            label={`${ENTRY_FIELDS['share.basis.article'].label} ${i + 1}`}
            help={ENTRY_FIELDS['share.basis.article'].help}
            value={b.article}
            onChange={(v) => set(i, { article: v })}
          />
          <button type="button" class="secondary" onClick={() => onChange(basis.filter((_, j) => j !== i))}>
            {say(`删除第 ${i + 1} 项依据`, `Remove basis ${i + 1}`)}
          </button>
        </div>
      ))}
      <button type="button" class="secondary" onClick={() => onChange([...basis, { level: first, title: '', article: '' }])}>
        {say('增加一项依据', 'Add a legal basis')}
      </button>
      <Messages id={`${id}-err`} problems={problems} />
    </fieldset>
  );
}

/** A side's status as the entry stands (发布, 暂停, 撤回). */
const SIDE_STATUS_NAMES: Record<string, string> = { ...ADJUSTMENT_VALUES['changes.shareStatus'], withdrawn: '撤回' };

/** A new entry as the form starts it: not shared and not open until the officer says so, with one item to name. */
const blankEntry = (): EntryContent => ({
  title: '',
  description: '',
  fields: [{ name: 'item_1', label: '', type: 'string', description: '', identifies: null }],
  form: 'table',
  useConditions: null,
  updateFrequency: '',
  share: { attribute: 'UNCONDITIONAL', reasons: null, conditions: null, basis: [] },
  open: { attribute: 'NONE', ground: null, reasons: null, conditions: null, basis: [], opening: null },
  priorityOpen: false,
});

/** A new item's identifier, made for the officer: the next item_N the entry does not use. */
const nextItemName = (fields: EntryContent['fields']) => {
  for (let n = fields.length + 1; ; n++) if (!fields.some((f) => f.name === `item_${n}`)) return `item_${n}`;
};

/** Text as the entry keeps it: an empty input is no value. */
const orNull = (v: string) => (v.trim() ? v : null);

/**
 * The form of an entry: a new one (`prev` undefined) or a change of one as it stands. Offers the parts each
 * attribute needs (Art. 13 ¶2, 17), the opening ground and the Art. 19 review where data is newly opened, and
 * checks the catalog's rules before the change joins the list.
 */
function EntryEditor({
  prev,
  again,
  onDone,
}: {
  prev?: { id: string; version: number; content: EntryContent; status?: { shareStatus: string; openStatus: string } };
  /** A change of the list edited again: the form starts from it. */
  again?: BasketItem;
  onDone: (item: BasketItem) => void;
}) {
  const start = again && again.change.op !== 'remove' ? again.change : undefined;
  const [entry, setEntry] = useState<EntryContent>(() => structuredClone(start?.entry ?? prev?.content ?? blankEntry()));
  const [review, setReview] = useState<OpeningReview>(() => structuredClone(start?.review ?? {}));
  const [note, setNote] = useState(again?.note ?? '');
  // Suspending or resuming a side on its own (withdrawal is 删除); unset leaves it as it is.
  const [statuses, setStatuses] = useState<{ shareStatus?: SuspendableStatus; openStatus?: SuspendableStatus }>(() =>
    start?.op === 'change' ? { shareStatus: start.shareStatus, openStatus: start.openStatus } : {},
  );
  const [checked, setChecked] = useState<ProblemField[] | null>(null);
  const patch = (p: Partial<EntryContent>) => setEntry({ ...entry, ...p });
  const share = (p: Partial<EntryContent['share']>) => patch({ share: { ...entry.share, ...p } });
  const open = (p: Partial<EntryContent['open']>) => patch({ open: { ...entry.open, ...p } });
  const opened = newlyOpened(entry, prev?.content);
  const needsOpening = !!prev && opened.items.length > 0;
  const needsReview = opened.items.length > 0 || opened.wider;
  const problems: Problems = (path) => (checked ?? []).filter((p) => p.field === path);
  // The levels an entry of this organisation's catalog marked 不予共享 may cite (the 条例's for a government department).
  const noneLevels = me.value?.organisation?.noneShareBasisLevels;

  const check = (e: Event) => {
    e.preventDefault();
    // The opening ground is asked only where data is newly opened; otherwise the entry keeps the one it has.
    const next: EntryContent = { ...entry, open: { ...entry.open, opening: needsOpening ? entry.open.opening : (prev?.content.open.opening ?? null) } };
    const rev = needsReview ? review : undefined;
    const found = [
      ...entryViolations(next, prev?.content, rev, { entry: 'entry', review: 'review' }),
      ...[
        ...fieldLabelViolations({ changes: [{ op: 'add', entry: next }] }),
        // Issue 24 §3: 不予共享 cites a level accepted for this organisation's catalog (the API and the workflow ask it too).
        ...(noneLevels ? noneBasisViolations({ changes: [{ op: 'add', entry: next }] }, noneLevels) : []),
      ].map((v) => ({ ...v, field: v.field!.replace(/^changes\.0\./, '') })),
    ].map((v) => ({ field: v.field ?? '', rule: v.rule, message: v.detail, article: v.article }));
    setChecked(found);
    if (found.length) return;
    const change: CatalogChange = prev
      ? {
          op: 'change',
          entryId: prev.id,
          baseVersion: prev.version,
          entry: next,
          ...(rev ? { review: rev } : {}),
          ...(statuses.shareStatus ? { shareStatus: statuses.shareStatus } : {}),
          ...(statuses.openStatus ? { openStatus: statuses.openStatus } : {}),
        }
      : { op: 'add', entry: next, ...(rev ? { review: rev } : {}) };
    onDone({ change, ...(note.trim() ? { note } : {}) });
  };

  const setShareAttribute = (a: Attribute) =>
    // The parts the new attribute does not take are cleared: no conditions left on data not shared.
    share({
      attribute: a,
      conditions: a === 'CONDITIONAL' ? entry.share.conditions : null,
      reasons: a === 'UNCONDITIONAL' ? null : entry.share.reasons,
      basis: a === 'NONE' ? entry.share.basis : [],
    });
  const setOpenAttribute = (a: Attribute) =>
    open({
      attribute: a,
      ground: a === 'CONDITIONAL' ? entry.open.ground : null,
      conditions: a === 'CONDITIONAL' ? entry.open.conditions : null,
      reasons: a === 'UNCONDITIONAL' ? null : entry.open.reasons,
      basis: a === 'NONE' ? entry.open.basis : [],
    });
  const setField = (i: number, p: Partial<EntryContent['fields'][number]>) => patch({ fields: entry.fields.map((f, j) => (j === i ? { ...f, ...p } : f)) });
  const F = (path: string) => ENTRY_FIELDS[path];

  return (
    <form class="adjust-entry" onSubmit={check} noValidate>
      {checked && checked.length > 0 && (
        <div class="problem" role="alert">
          <strong>{say('填写的内容不符合目录规则，请按提示修改：', 'The entry breaks the catalog rules:')}</strong>
          <ul>
            {checked.map((p, i) => (
              <li key={i}>{problemLine(p)}</li>
            ))}
          </ul>
        </div>
      )}
      <TextInput id="e-title" label={F('title').label} value={entry.title} onChange={(v) => patch({ title: v })} problems={problems('entry.title')} />
      <TextInput id="e-description" label={F('description').label} value={entry.description} multiline onChange={(v) => patch({ description: v })} />
      <Select id="e-form" label={F('form').label} options={ENTRY_FORM_NAMES} value={entry.form} onChange={(v) => patch({ form: v as EntryContent['form'] })} />
      <TextInput
        id="e-frequency"
        label={F('updateFrequency').label}
        value={entry.updateFrequency}
        onChange={(v) => patch({ updateFrequency: v })}
        problems={problems('entry.updateFrequency')}
      />
      <TextInput
        id="e-use"
        label={F('useConditions').label}
        value={entry.useConditions ?? ''}
        multiline
        onChange={(v) => patch({ useConditions: orNull(v) })}
      />

      <fieldset class="items">
        <legend>{F('fields').label}</legend>
        <Messages id="e-fields-err" problems={problems('entry.fields')} />
        {entry.fields.map((f, i) => (
          <div class="item" key={f.name + i}>
            <TextInput
              id={`e-f${i}-label`}
              label={`${F('fields.label').label} ${i + 1}`}
              help={i === 0 ? F('fields.label').help : undefined}
              value={f.label}
              onChange={(v) => setField(i, { label: v })}
              problems={problems(`entry.fields.${i}.label`)}
            />
            <Select
              id={`e-f${i}-type`}
              label={`${F('fields.type').label} ${i + 1}`}
              options={FIELD_TYPE_NAMES}
              value={f.type}
              onChange={(v) => setField(i, { type: v as EntryContent['fields'][number]['type'] })}
            />
            <Select
              id={`e-f${i}-identifies`}
              label={`${F('fields.identifies').label} ${i + 1}`}
              options={IDENTIFIES_NAMES}
              empty={say('不标识主体', 'none')}
              value={f.identifies ?? ''}
              onChange={(v) => setField(i, { identifies: (v || null) as EntryContent['fields'][number]['identifies'] })}
              problems={problems(`entry.fields.${i}.identifies`)}
            />
            <TextInput
              id={`e-f${i}-description`}
              label={`${F('fields.description').label} ${i + 1}`}
              value={f.description}
              onChange={(v) => setField(i, { description: v })}
            />
            {entry.fields.length > 1 && (
              <button type="button" class="secondary" onClick={() => patch({ fields: entry.fields.filter((_, j) => j !== i) })}>
                {say(`删除数据项 ${i + 1}`, `Remove item ${i + 1}`)}
              </button>
            )}
          </div>
        ))}
        <button
          type="button"
          class="secondary"
          onClick={() =>
            patch({ fields: [...entry.fields, { name: nextItemName(entry.fields), label: '', type: 'string', description: '', identifies: null }] })
          }
        >
          {say('增加数据项', 'Add an item')}
        </button>
      </fieldset>

      <fieldset class="side">
        <legend>
          {F('share').label} (<ArticleLink article="Art. 13" />)
        </legend>
        <AttributeRadios
          id="e-share"
          legend={F('share.attribute').label}
          names={SHARE_ATTRIBUTE_NAMES}
          value={entry.share.attribute}
          onChange={setShareAttribute}
        />
        {entry.share.attribute !== 'UNCONDITIONAL' && (
          <TextInput
            id="e-share-reasons"
            label={partLabel('share.reasons')}
            help={F('share.reasons').help}
            value={entry.share.reasons ?? ''}
            multiline
            onChange={(v) => share({ reasons: orNull(v) })}
            problems={problems('entry.share.reasons')}
          />
        )}
        {entry.share.attribute === 'CONDITIONAL' && (
          <TextInput
            id="e-share-conditions"
            label={F('share.conditions').label}
            help={F('share.conditions').help}
            value={entry.share.conditions ?? ''}
            multiline
            onChange={(v) => share({ conditions: orNull(v) })}
            problems={problems('entry.share.conditions')}
          />
        )}
        {entry.share.attribute === 'NONE' && (
          <BasisList
            id="e-share-basis"
            legend={partLabel('share.basis')}
            help={F('share.basis').help}
            basis={entry.share.basis}
            onChange={(basis) => share({ basis })}
            problems={problems('entry.share.basis')}
            levels={noneLevels}
          />
        )}
      </fieldset>

      <fieldset class="side">
        <legend>
          {F('open').label} (<ArticleLink article="Art. 17" />)
        </legend>
        <AttributeRadios id="e-open" legend={F('open.attribute').label} names={OPEN_ATTRIBUTE_NAMES} value={entry.open.attribute} onChange={setOpenAttribute} />
        {entry.open.attribute === 'CONDITIONAL' && (
          <>
            <Select
              id="e-open-ground"
              label={F('open.ground').label}
              options={OPEN_CONDITION_GROUND_NAMES}
              empty={say('请选择', 'choose')}
              value={entry.open.ground ?? ''}
              onChange={(v) => open({ ground: (v || null) as EntryContent['open']['ground'] })}
              problems={problems('entry.open.ground')}
            />
            <TextInput
              id="e-open-conditions"
              label={F('open.conditions').label}
              help={F('open.conditions').help}
              value={entry.open.conditions ?? ''}
              multiline
              onChange={(v) => open({ conditions: orNull(v) })}
              problems={problems('entry.open.conditions')}
            />
          </>
        )}
        {entry.open.attribute !== 'UNCONDITIONAL' && (
          <TextInput
            id="e-open-reasons"
            label={partLabel('open.reasons')}
            value={entry.open.reasons ?? ''}
            multiline
            onChange={(v) => open({ reasons: orNull(v) })}
          />
        )}
        {entry.open.attribute === 'NONE' && (
          <BasisList
            id="e-open-basis"
            legend={partLabel('open.basis')}
            help={F('open.basis').help}
            basis={entry.open.basis}
            onChange={(basis) => open({ basis })}
            problems={problems('entry.open.basis')}
          />
        )}
        {needsOpening && (
          <fieldset aria-describedby="e-opening-help">
            <legend>{F('open.opening').label}</legend>
            <p class="hint" id="e-opening-help">
              {F('open.opening').help}
            </p>
            <Select
              id="e-opening-ground"
              label={F('open.opening.ground').label}
              options={OPENING_GROUND_NAMES}
              empty={say('请选择', 'choose')}
              value={entry.open.opening?.ground ?? ''}
              onChange={(v) => open({ opening: v ? { ground: v as 'anonymised' | 'consent', evidence: entry.open.opening?.evidence ?? '' } : null })}
              problems={problems('entry.open.opening')}
            />
            {entry.open.opening && (
              <TextInput
                id="e-opening-evidence"
                label={F('open.opening.evidence').label}
                value={entry.open.opening.evidence}
                multiline
                onChange={(v) => open({ opening: { ...entry.open.opening!, evidence: v } })}
                problems={problems('entry.open.opening.evidence')}
              />
            )}
          </fieldset>
        )}
        <div class="field check">
          <input
            type="checkbox"
            id="e-priority"
            checked={entry.priorityOpen}
            aria-describedby="e-priority-help"
            onChange={(e) => patch({ priorityOpen: (e.target as HTMLInputElement).checked })}
          />
          <label for="e-priority">{F('priorityOpen').label}</label>
          <span class="hint" id="e-priority-help">
            {F('priorityOpen').help}
          </span>
        </div>
      </fieldset>

      {needsReview && (
        <fieldset class="review">
          <legend>
            {ADJUSTMENT_FIELDS['changes.review'].label} (<ArticleLink article="Art. 19" />)
          </legend>
          <p class="hint">{ADJUSTMENT_FIELDS['changes.review'].help}</p>
          {ART19_ITEMS.map((item) => {
            const r = review[item] ?? { conclusion: 'pass', reviewer: '', date: '' };
            const set = (p: Partial<typeof r>) => setReview({ ...review, [item]: { ...r, ...p } });
            return (
              <fieldset key={item}>
                <legend>{ART19_NAMES[item]}审核</legend>
                <Select
                  id={`e-r-${item}-conclusion`}
                  label={`${ART19_NAMES[item]}审核结论`}
                  options={REVIEW_CONCLUSION_NAMES}
                  value={r.conclusion}
                  onChange={(v) => set({ conclusion: v as 'pass' | 'fail' })}
                />
                <TextInput id={`e-r-${item}-reviewer`} label={`${ART19_NAMES[item]}审核人`} value={r.reviewer} onChange={(v) => set({ reviewer: v })} />
                <TextInput id={`e-r-${item}-date`} label={`${ART19_NAMES[item]}审核日期`} type="date" value={r.date} onChange={(v) => set({ date: v })} />
                <Messages id={`e-r-${item}-err`} problems={problems(`review.${item}`)} />
              </fieldset>
            );
          })}
        </fieldset>
      )}
      {prev && (
        <fieldset class="statuses">
          <legend>{say('暂停或恢复', 'Suspend or resume')}</legend>
          {(['shareStatus', 'openStatus'] as const).map((side) => (
            <Select
              key={side}
              id={`e-${side}`}
              label={`${ADJUSTMENT_FIELDS[`changes.${side}`].label}（${say('当前', 'now')}：${say(SIDE_STATUS_NAMES[prev.status?.[side] ?? ''] ?? '—', prev.status?.[side] ?? '')}）`}
              options={ADJUSTMENT_VALUES[`changes.${side}`]}
              empty={say('不变', 'unchanged')}
              value={statuses[side] ?? ''}
              onChange={(v) => setStatuses({ ...statuses, [side]: (v || undefined) as SuspendableStatus | undefined })}
            />
          ))}
        </fieldset>
      )}
      <TextInput
        id="e-note"
        label={say('调整说明', 'Why this change')}
        help={say('写入申请的书面说明', 'Goes into the written justification')}
        value={note}
        multiline
        onChange={setNote}
      />
      <button type="submit">{say('加入调整清单', 'Add to the adjustment list')}</button>
    </form>
  );
}

/** 调整本条目: the entry as it stands, as a form. */
function EditEntry({ id }: { id: string }) {
  const e = useResource<CatalogEntry>(`/catalog/${encodeURIComponent(id)}`);
  return (
    <section>
      <Loading r={e}>
        {(x) => (
          <>
            <h1>
              {say('调整本条目', 'Adjust this entry')}：{x.title}
            </h1>
            <p class="muted">
              {say('当前版本', 'Version')} {x.version} · <a href={href('catalog', x.id)}>{say('返回条目', 'Back to the entry')}</a>
            </p>
            <EntryEditor
              prev={{ id: x.id, version: x.version, content: contentOf(x), status: { shareStatus: x.share.status, openStatus: x.open.status } }}
              onDone={(item) => {
                addToBasket(item);
                go(href('adjust'));
              }}
            />
          </>
        )}
      </Loading>
    </section>
  );
}

/** A change of the list edited again (#/adjust/item/:n): a new entry as it was stated, a change against the version it starts from. */
function EditItem({ n }: { n: number }) {
  const item = basket.value[n] as BasketItem | undefined;
  const change = item?.change;
  const base = useResource<CatalogEntry>(
    change && change.op !== 'add' ? `/catalog/${encodeURIComponent(change.entryId)}${query({ version: change.baseVersion })}` : null,
  );
  const done = (next: BasketItem) => {
    setBasket(basket.value.map((b, i) => (i === n ? next : b)));
    go(href('adjust'));
  };
  if (!item || !change || change.op === 'remove') return <p>{say('清单中没有这项变更。', 'No such change in the list.')}</p>;
  return (
    <section>
      <h1>
        {say('修改清单中的变更', 'Edit a change in the list')}：{change.entry.title}
      </h1>
      {change.op === 'add' ? (
        <EntryEditor again={item} onDone={done} />
      ) : (
        <Loading r={base}>
          {(x) => (
            <EntryEditor
              prev={{
                id: change.entryId,
                version: change.baseVersion,
                content: contentOf(x),
                status: { shareStatus: x.share.status, openStatus: x.open.status },
              }}
              again={item}
              onDone={done}
            />
          )}
        </Loading>
      )}
    </section>
  );
}

/** 删除: the entry's removal, with the reason for it. */
function RemoveEntry({ id }: { id: string }) {
  const e = useResource<CatalogEntry>(`/catalog/${encodeURIComponent(id)}`);
  // The entry's removal already in the list (edited again, or taken back from a returned application) keeps its reason.
  const kept = basket.value.find((b) => b.change.op === 'remove' && b.change.entryId === id)?.change;
  const [reason, setReason] = useState(kept?.op === 'remove' ? (kept.reason ?? '') : '');
  const [missing, setMissing] = useState(false);
  return (
    <section>
      <Loading r={e}>
        {(x) => (
          <form
            noValidate
            onSubmit={(ev) => {
              ev.preventDefault();
              if (!reason.trim()) return setMissing(true);
              addToBasket({ change: { op: 'remove', entryId: x.id, baseVersion: x.version, reason: reason.trim() } });
              go(href('adjust'));
            }}
          >
            <h1>
              {say('删除条目', 'Remove the entry')}：{x.title}
            </h1>
            <p>{say('删除后，该条目的共享和开放均撤回。', 'Removing withdraws both sharing and opening of the entry.')}</p>
            <TextInput
              id="remove-reason"
              label={say(ADJUSTMENT_FIELDS['changes.reason'].label, 'Reason')}
              help={say('随删除一并提交审核', 'Reviewed with the removal')}
              value={reason}
              multiline
              required
              maxLength={MAX_REMOVAL_REASON}
              onChange={setReason}
              problems={missing ? [{ field: 'reason', rule: 'required' }] : []}
            />
            <button type="submit">{say('加入调整清单', 'Add to the adjustment list')}</button>
          </form>
        )}
      </Loading>
    </section>
  );
}

/** A file as base64, as the import takes it. */
async function base64Of(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

interface Preview {
  rows: { row: number; change: CatalogChange }[];
  errors: (ProblemField & { row: number; column?: string; title?: string })[];
  unchanged: number;
}

/** A spreadsheet of the export's columns: the API reads and checks each row; the rows that pass may join the list. */
function SheetImport() {
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState<ReturnType<typeof asApiError>>();
  const [busy, setBusy] = useState(false);
  const read = async (e: Event) => {
    e.preventDefault();
    if (!file) return;
    setBusy(true);
    try {
      const format = /\.xlsx$/i.test(file.name) ? 'xlsx' : 'csv';
      setPreview(
        await send<Preview>('POST', '/catalog/adjustments/import', {
          ground: 'correction',
          justification: '',
          format,
          file: await base64Of(file),
          preview: true,
        }),
      );
      setError(undefined);
    } catch (x) {
      setPreview(null);
      setError(asApiError(x));
    } finally {
      setBusy(false);
    }
  };
  const rows = preview ? [...new Set([...preview.rows.map((r) => r.row), ...preview.errors.map((e) => e.row)])].sort((a, b) => a - b) : [];
  return (
    <section class="import" aria-labelledby="import-h">
      <h2 id="import-h">{say('从表格导入', 'Import a spreadsheet')}</h2>
      <p class="hint">
        {say(
          '表格的列与目录导出的表格相同；只有与目录不同的行才成为变更。',
          'The columns of the catalog export; only rows that differ from the catalog become changes.',
        )}
      </p>
      <form class="filters" onSubmit={read}>
        <div class="field">
          <label for="import-file">{say('表格文件（CSV 或 XLSX）', 'Spreadsheet (CSV or XLSX)')}</label>
          <input
            id="import-file"
            type="file"
            accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)}
          />
        </div>
        <button type="submit" disabled={!file || busy}>
          {busy ? say('正在检查…', 'Checking…') : say('读取并检查', 'Read and check')}
        </button>
      </form>
      <ProblemBox error={error} />
      {preview && (
        <>
          <p role="status">
            {say(
              `可导入 ${preview.rows.length} 行，有问题 ${rows.length - preview.rows.length} 行，与目录相同 ${preview.unchanged} 行。`,
              `${preview.rows.length} rows pass, ${rows.length - preview.rows.length} have problems, ${preview.unchanged} are as the catalog has them.`,
            )}
          </p>
          <table class="import-rows">
            <caption>{say('逐行检查结果', 'Row by row')}</caption>
            <thead>
              <tr>
                <th scope="col">{say('行号', 'Row')}</th>
                <th scope="col">{ADJUSTMENT_FIELDS['changes.op'].label}</th>
                <th scope="col">{ENTRY_FIELDS.title.label}</th>
                <th scope="col">{say('检查结果', 'Result')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((n) => {
                const ok = preview.rows.find((r) => r.row === n);
                const bad = preview.errors.filter((e) => e.row === n);
                return (
                  <tr key={n} data-row={n} class={bad.length ? 'bad' : undefined}>
                    <td>{n}</td>
                    <td>{ok ? say(ADJUSTMENT_VALUES['changes.op'][ok.change.op], ok.change.op) : '—'}</td>
                    <td>{!ok ? (bad[0]?.title ?? '—') : ok.change.op === 'remove' ? ok.change.entryId : ok.change.entry.title}</td>
                    <td>
                      {bad.length ? (
                        <ul class="field-errors">
                          {bad.map((b, i) => (
                            <li key={i}>{problemLine(b)}</li>
                          ))}
                        </ul>
                      ) : (
                        say('无误', 'OK')
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {preview.rows.length > 0 && (
            <button
              type="button"
              onClick={() => {
                for (const r of preview.rows) addToBasket({ change: r.change });
                setPreview(null);
              }}
            >
              {say(`将无误的 ${preview.rows.length} 行加入调整清单`, `Add the ${preview.rows.length} rows that pass to the list`)}
            </button>
          )}
        </>
      )}
    </section>
  );
}

/** The API's problems with the application, by the change they name (its place in the list), and the rest. */
function problemsByChange(fields: ProblemField[]): { byChange: Map<number, ProblemField[]>; rest: ProblemField[] } {
  const byChange = new Map<number, ProblemField[]>();
  const rest: ProblemField[] = [];
  for (const f of fields) {
    const m = /^body\.(?:form\.)?changes\.(\d+)\.?(.*)$/.exec(f.field);
    if (m) byChange.set(Number(m[1]), [...(byChange.get(Number(m[1])) ?? []), { ...f, field: m[2] }]);
    else rest.push({ ...f, field: f.field.replace(/^body\.form\./, 'body.') });
  }
  return { byChange, rest };
}

/** The 调整清单 and the application: each change before and after, the ground picked, the written justification. */
function Basket() {
  const items = basket.value;
  const again = revising.value;
  const [ground, setGround] = useState<string>(again?.ground ?? '');
  const [justification, setJustification] = useState(again?.justification ?? '');
  const [problems, setProblems] = useState<ProblemField[]>([]);
  const [error, setError] = useState<ReturnType<typeof asApiError>>();
  const [busy, setBusy] = useState(false);
  // One key per list applied for: pressing twice, or again after a lost answer, makes one request.
  const key = useMemo(() => crypto.randomUUID?.() ?? `${Date.now()}-${Math.random()}`, [items]);
  const { byChange, rest } = problemsByChange(problems);
  const grounds = Object.fromEntries(Object.entries(ADJUSTMENT_GROUNDS).map(([code, g]) => [code, g.name]));
  const submit = async (e: Event) => {
    e.preventDefault();
    // The reasons given for changes join the written justification, each under its change; a removal carries
    // its own (删除理由), a list kept from before that put it in the note included.
    const changes = items.map(({ change, note }) =>
      change.op === 'remove' && !change.reason?.trim() && note?.trim() ? { ...change, reason: note.trim() } : change,
    );
    const notes = items.flatMap((b, i) => (b.change.op !== 'remove' && b.note?.trim() ? [`${i + 1}. ${b.change.entry.title}：${b.note.trim()}`] : []));
    // Every removal states its reason here (one imported from a spreadsheet, or returned from before reasons, too).
    const unexplained = changes.flatMap((c, i) => (c.op === 'remove' && !c.reason?.trim() ? [{ field: `body.changes.${i}.reason`, rule: 'required' }] : []));
    if (unexplained.length) {
      setError(undefined);
      return setProblems(unexplained);
    }
    const form: AdjustmentForm = {
      ground: ground as AdjustmentGround,
      justification: [justification.trim(), ...notes].filter(Boolean).join('\n'),
      changes,
    };
    setBusy(true);
    try {
      // A returned adjustment goes back as its revision task's RESUBMIT; a new one is applied for.
      const requestId = again
        ? (await send('POST', `/tasks/${encodeURIComponent(again.taskId)}/complete`, { decision: 'RESUBMIT', form }), again.requestId)
        : (await send<RequestView>('POST', '/catalog/adjustments', form, { 'idempotency-key': key })).id;
      setBasket([]);
      setRevising(null);
      go(href('requests', requestId));
    } catch (x) {
      const err = asApiError(x);
      setProblems(err.fields());
      setError(err.fields().length ? undefined : err);
    } finally {
      setBusy(false);
    }
  };
  const at = (path: string) => rest.filter((p) => p.field === path);
  return (
    <section aria-labelledby="basket-h">
      <h2 id="basket-h">
        {say('调整清单', 'Adjustment list')}（{items.length}）
      </h2>
      {again && (
        <p class="notice">
          {say('正在修改退回的申请', 'Revising the returned application')} <a href={href('requests', again.requestId)}>{say('查看申请', 'the application')}</a>{' '}
          <button
            type="button"
            class="secondary"
            onClick={() => {
              setRevising(null);
              setBasket([]);
            }}
          >
            {say('不再修改', 'Stop revising')}
          </button>
        </p>
      )}
      {items.length === 0 && <p>{say('清单中还没有变更。可从目录的条目页「调整本条目」或「删除」，或在此新增条目、从表格导入。', 'No changes yet.')}</p>}
      {items.map((b, i) => (
        <div class="basket-item" key={i}>
          <ChangeView change={b.change} index={i} />
          <a class="button secondary" href={b.change.op === 'remove' ? href('adjust', 'remove', b.change.entryId) : href('adjust', 'item', String(i))}>
            {say(`修改第 ${i + 1} 项`, `Edit change ${i + 1}`)}
          </a>{' '}
          {b.note && b.change.op !== 'remove' && (
            <p class="text">
              {say('调整说明', 'Why')}：{b.note}
            </p>
          )}
          {(byChange.get(i) ?? []).length > 0 && (
            <ul class="field-errors" role="alert">
              {byChange.get(i)!.map((p, j) => (
                <li key={j}>{problemLine(p)}</li>
              ))}
            </ul>
          )}
          <button type="button" class="secondary" onClick={() => (setBasket(items.filter((_, j) => j !== i)), setProblems([]))}>
            {say(`移出第 ${i + 1} 项`, `Take out change ${i + 1}`)}
          </button>
        </div>
      ))}
      {items.length > 0 && (
        <form class="apply" onSubmit={submit} noValidate>
          <ProblemBox error={error} />
          {rest.length > 0 && (
            <p class="problem" role="alert">
              {say('填写的内容不符合要求，请按提示修改', 'Please correct the marked fields')}
            </p>
          )}
          <Select
            id="a-ground"
            label={ADJUSTMENT_FIELDS.ground.label}
            options={grounds}
            empty={say('请选择', 'choose')}
            value={ground}
            onChange={setGround}
            problems={at('body.ground')}
          />
          {ground && me.value?.organisation && (
            <ReviewWhen ground={ground as AdjustmentGround} governmentDepartment={me.value.organisation.governmentDepartment} />
          )}
          <TextInput
            id="a-justification"
            label={ADJUSTMENT_FIELDS.justification.label}
            value={justification}
            multiline
            onChange={setJustification}
            problems={at('body.justification')}
          />
          <button type="submit" disabled={busy || !ground}>
            {busy ? say('正在提交…', 'Submitting…') : again ? say('重新提交', 'Resubmit') : say('提交申请', 'Apply')}
          </button>
        </form>
      )}
    </section>
  );
}

/** #/adjust (the list), #/adjust/new, #/adjust/edit/:id, #/adjust/remove/:id, #/adjust/item/:n. */
export function Adjust({ route }: { route: Route }) {
  const [, what, id] = route.path;
  if (what === 'edit' && id) return <EditEntry id={id} />;
  if (what === 'remove' && id) return <RemoveEntry id={id} />;
  if (what === 'item' && id) return <EditItem n={Number(id)} />;
  if (what === 'new')
    return (
      <section>
        <h1>{say('新增条目', 'New entry')}</h1>
        <EntryEditor
          onDone={(item) => {
            addToBasket(item);
            go(href('adjust'));
          }}
        />
      </section>
    );
  return (
    <section>
      <h1>{say('目录调整', 'Catalog adjustment')}</h1>
      <p class="actions">
        <a class="button" href={href('adjust', 'new')}>
          {say('新增条目', 'New entry')}
        </a>{' '}
        <a class="button secondary" href={href('catalog')}>
          {say('从目录选择条目调整', 'Pick an entry in the catalog')}
        </a>
      </p>
      <Basket />
      <SheetImport />
    </section>
  );
}
