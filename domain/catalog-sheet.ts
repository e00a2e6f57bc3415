// The catalog as a spreadsheet (agencies keep theirs in CSV or XLSX): one row per entry, the same columns
// for export and import, lists one item per line inside a cell, no cell a formula (spreadsheet.ts). Pure:
// the API reads and writes the files.
import {
  BASIS_LEVELS,
  ENTRY_FORMS,
  FIELD_TYPES,
  IDENTIFIES,
  OPEN_CONDITION_GROUNDS,
  OPENING_GROUNDS,
  SUSPENDABLE_STATUSES,
  type CatalogChange,
  type CatalogField,
  type EntryContent,
  type LegalBasis,
} from './catalog';
import type { RuleViolation } from './errors';
import { cellText, inertCell } from './spreadsheet';
import { ATTRIBUTES } from './types';

/**
 * The columns, in order. `action` (import only): add, change or remove; empty means add without an id, change with one.
 * `field_labels`: each item's 信息项名称, one a line in the order of `fields`.
 */
export const SHEET_COLUMNS = [
  'id',
  'version',
  'action',
  'title',
  'description',
  'fields',
  'field_labels',
  'form',
  'use_conditions',
  'update_frequency',
  'share_attribute',
  'share_reasons',
  'share_conditions',
  'share_basis',
  'open_attribute',
  'open_ground',
  'open_reasons',
  'open_conditions',
  'open_basis',
  'open_opening',
  'priority_open',
  'share_status',
  'open_status',
] as const;
export type SheetColumn = (typeof SHEET_COLUMNS)[number];
export type SheetRow = Partial<Record<SheetColumn, string>>;

/** The most rows an import reads (an agency's whole catalog; only the rows that change become changes). */
export const MAX_SHEET_ROWS = 20_000;

/** A field as a line: name | type | identifies (person, organisation or empty) | description. */
const fieldLine = (f: CatalogField) => [f.name, f.type, f.identifies ?? '', f.description].join(' | ');
/** A legal basis as a line: level | title | article. */
const basisLine = (b: LegalBasis) => [b.level, b.title, b.article].join(' | ');

/** An entry as a row of the sheet, each cell inert (spreadsheet.ts). */
export function entryRow(e: { id: string; version: number; content: EntryContent; shareStatus: string; openStatus: string }): Record<SheetColumn, string> {
  const c = e.content;
  const row: Record<SheetColumn, string> = {
    id: e.id,
    version: String(e.version),
    action: '',
    title: c.title,
    description: c.description,
    fields: c.fields.map(fieldLine).join('\n'),
    field_labels: c.fields.map((f) => f.label).join('\n'),
    form: c.form,
    use_conditions: c.useConditions ?? '',
    update_frequency: c.updateFrequency,
    share_attribute: c.share.attribute,
    share_reasons: c.share.reasons ?? '',
    share_conditions: c.share.conditions ?? '',
    share_basis: c.share.basis.map(basisLine).join('\n'),
    open_attribute: c.open.attribute,
    open_ground: c.open.ground ?? '',
    open_reasons: c.open.reasons ?? '',
    open_conditions: c.open.conditions ?? '',
    open_basis: c.open.basis.map(basisLine).join('\n'),
    open_opening: c.open.opening ? [c.open.opening.ground, c.open.opening.evidence].join(' | ') : '',
    priority_open: c.priorityOpen ? 'true' : 'false',
    share_status: e.shareStatus,
    open_status: e.openStatus,
  };
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, inertCell(v)])) as Record<SheetColumn, string>;
}

/** A violation found in a row: its number in the sheet (the header is row 1) and its column. */
export interface RowViolation extends RuleViolation {
  row: number;
  column?: SheetColumn;
}

/**
 * The change a row asks for, or why it cannot be read. `rowNumber` is the row's place in the sheet (the
 * header is row 1). The rules of the catalog are not checked here: the adjustment checks every change.
 */
export function rowChange(row: SheetRow, rowNumber: number): { change: CatalogChange } | { errors: RowViolation[] } {
  const errors: RowViolation[] = [];
  // A cell the export made inert is the catalog's text exactly; any other loses the spaces editing leaves around it.
  const cell = (c: SheetColumn) => {
    const raw = row[c] ?? '';
    const text = cellText(raw);
    return text === raw ? raw.trim() : text;
  };
  const bad = (column: SheetColumn, rule: string, detail: string) =>
    errors.push({ code: 'InvalidInput', row: rowNumber, column, field: `rows.${rowNumber}.${column}`, rule, detail: `row ${rowNumber}, ${column}: ${detail}` });
  const oneOf = <T extends string>(column: SheetColumn, values: readonly T[], optional = false): T | null => {
    const v = cell(column);
    if (!v && optional) return null;
    if ((values as readonly string[]).includes(v)) return v as T;
    bad(column, 'one of', `is one of ${values.join(', ')}${optional ? ' or empty' : ''}, not "${v}"`);
    return null;
  };
  const text = (column: SheetColumn) => cell(column) || null;
  const lines = (column: SheetColumn) =>
    cell(column)
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean)
      .map((l) => l.split('|').map((p) => p.trim()));
  const basis = (column: SheetColumn): LegalBasis[] =>
    lines(column).flatMap(([level, title, article], i) => {
      if ((BASIS_LEVELS as readonly string[]).includes(level ?? '') && title && article) return [{ level: level as LegalBasis['level'], title, article }];
      bad(column, 'level | title | article', `line ${i + 1} is "level | title | article" with a level of ${BASIS_LEVELS.join(', ')}`);
      return [];
    });

  const id = cell('id');
  const action = oneOf('action', ['add', 'change', 'remove'] as const, true) ?? (id ? 'change' : 'add');
  const versionText = cell('version');
  const version = Number(versionText);
  if (action !== 'add') {
    if (!id) bad('id', 'required', `a ${action} names the entry's id`);
    if (!/^[1-9][0-9]{0,8}$/.test(versionText))
      bad('version', 'the version it starts from', 'is the version of the entry the row starts from (a whole number)');
  }
  if (action === 'remove') return errors.length ? { errors } : { change: { op: 'remove', entryId: id, baseVersion: version } };

  // One 信息项名称 a line, in the order of the items in `fields`.
  const labels = cell('field_labels')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  const fieldLines = lines('fields');
  if (fieldLines.length && labels.length !== fieldLines.length)
    bad('field_labels', 'one per field', `holds the 信息项名称 of each field, one a line in the order of fields: ${fieldLines.length} expected`);
  const fields = fieldLines.flatMap(([name, type, identifies, ...description], i): CatalogField[] => {
    const okType = (FIELD_TYPES as readonly string[]).includes(type ?? '');
    const okIdentifies = !identifies || (IDENTIFIES as readonly string[]).includes(identifies);
    if (name && okType && okIdentifies)
      return [
        // In the order PostgreSQL's jsonb keeps an item's keys, so that an item read back compares equal to the catalog's.
        {
          name,
          type: type as CatalogField['type'],
          label: labels[i] ?? '',
          identifies: (identifies || null) as CatalogField['identifies'],
          description: description.join(' | '),
        },
      ];
    bad(
      'fields',
      'name | type | identifies | description',
      `line ${i + 1} is "name | type | identifies | description", type one of ${FIELD_TYPES.join(', ')}, identifies ${IDENTIFIES.join(' or ')} or empty`,
    );
    return [];
  });
  const [openingGround, ...evidence] = cell('open_opening')
    ? cell('open_opening')
        .split('|')
        .map((p) => p.trim())
    : [];
  if (openingGround && !(OPENING_GROUNDS as readonly string[]).includes(openingGround))
    bad('open_opening', 'ground | evidence', `is "ground | evidence" with a ground of ${OPENING_GROUNDS.join(', ')}`);
  const priority = cell('priority_open').toLowerCase();
  if (!['', 'true', 'false', '是', '否'].includes(priority)) bad('priority_open', 'true or false', 'is true or false (是 or 否)');
  const entry: EntryContent = {
    title: cell('title'),
    description: cell('description'),
    fields,
    form: oneOf('form', ENTRY_FORMS) ?? 'table',
    useConditions: text('use_conditions'),
    updateFrequency: cell('update_frequency'),
    share: {
      attribute: oneOf('share_attribute', ATTRIBUTES) ?? 'NONE',
      reasons: text('share_reasons'),
      conditions: text('share_conditions'),
      basis: basis('share_basis'),
    },
    open: {
      attribute: oneOf('open_attribute', ATTRIBUTES) ?? 'NONE',
      ground: oneOf('open_ground', OPEN_CONDITION_GROUNDS, true),
      reasons: text('open_reasons'),
      conditions: text('open_conditions'),
      basis: basis('open_basis'),
      opening: openingGround ? { ground: openingGround as 'anonymised' | 'consent', evidence: evidence.join(' | ') } : null,
    },
    priorityOpen: priority === 'true' || priority === '是',
  };
  // A side suspended or published again; a new entry is published, and withdrawal is a removal.
  const status = (column: 'share_status' | 'open_status') => (action === 'change' ? (oneOf(column, SUSPENDABLE_STATUSES, true) ?? undefined) : undefined);
  const [shareStatus, openStatus] = [status('share_status'), status('open_status')];
  if (errors.length) return { errors };
  if (action === 'add') return { change: { op: 'add', entry } };
  return { change: { op: 'change', entryId: id, baseVersion: version, entry, ...(shareStatus ? { shareStatus } : {}), ...(openStatus ? { openStatus } : {}) } };
}
