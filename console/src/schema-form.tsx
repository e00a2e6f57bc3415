// A form generated from a JSON Schema the API publishes (GET /request-types, GET /task-kinds): the console
// knows no procedure's body by heart. Each field shows its label and help and its codes' labels (the registry's
// words, published beside the schema), the article it rests on and, after a refusal, the server's message for
// the field it names.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { Errors, FormWords, JsonSchema } from './http';
import { fieldHelp, fieldLabel, fieldMessage, lang, t, valueLabel, withoutArticle } from './i18n';
import { ArticleLink } from './lib';
import { AgencySelect, EntryCombobox, ItemsPicker } from './pickers';

const fieldId = (path: string) => `f-${path.replace(/[^A-Za-z0-9]+/g, '-')}`;

/** How the registry's words name the field at `path` of the form rooted at `root`: from the root, list indices left out. */
const wordsPath = (path: string, root: string) =>
  path
    .slice(root.length + 1)
    .split('.')
    .filter((s) => !/^\d+$/.test(s))
    .join('.');

/** The mark beside the label of a field that must be filled: a star, and its word for screen readers. */
export function RequiredMark() {
  return (
    <span class="req">
      {' '}
      *<span class="sr-only">{t('required')}</span>
    </span>
  );
}

/** The values an enum (or a union of literals) allows, if the schema is one. */
function choices(s: JsonSchema): string[] | null {
  if (s.enum) return s.enum.map(String);
  const alts = s.anyOf ?? s.oneOf;
  if (alts && alts.every((a) => a.enum?.length === 1 || a.const !== undefined)) return alts.map((a) => String(a.const ?? a.enum![0]));
  return null;
}

const typeOf = (s: JsonSchema) => (Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type);

/** `X or null` (anyOf [X, {type: null}], as JSON Schema writes a nullable value) read as X, nullable. */
function unwrap(s: JsonSchema): JsonSchema {
  const alts = s.anyOf ?? s.oneOf;
  const nonNull = alts?.filter((a) => a.type !== 'null');
  if (!alts || !nonNull || nonNull.length !== 1 || nonNull.length === alts.length) return s;
  return { ...nonNull[0], description: s.description ?? nonNull[0].description, nullable: true };
}

/** An empty value of the schema's shape, to start a form from. */
export function emptyValue(schema: JsonSchema): unknown {
  const s = unwrap(schema);
  if (typeOf(s) === 'object' && s.properties) return Object.fromEntries(Object.entries(s.properties).map(([k, p]) => [k, emptyValue(p)]));
  if (typeOf(s) === 'array') return [];
  if (typeOf(s) === 'boolean') return false;
  return '';
}

/** What the form holds, as the API takes it: empty optional values left out, empty nullable ones null. */
export function cleanValue(schema: JsonSchema, v: unknown, required = true): unknown {
  const s = unwrap(schema);
  const type = typeOf(s);
  if (type === 'object' && s.properties && v && typeof v === 'object' && !Array.isArray(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, p] of Object.entries(s.properties)) {
      const c = cleanValue(p, (v as Record<string, unknown>)[k], s.required?.includes(k) ?? false);
      if (c !== undefined) out[k] = c;
    }
    return out;
  }
  if (type === 'array' && Array.isArray(v)) {
    const items = v.map((x) => cleanValue(s.items ?? {}, x));
    return items.length === 0 && !required ? undefined : items;
  }
  if (v === '' || v === undefined) return s.nullable ? null : required ? v : undefined;
  if ((type === 'integer' || type === 'number') && typeof v === 'string') return Number(v);
  return v;
}

interface FieldProps {
  schema: JsonSchema;
  name: string;
  /** An item of a list: its place. */
  item?: number;
  path: string;
  /** The form's root (`body`, `body.form`) and its words. */
  root: string;
  words?: FormWords;
  value: unknown;
  onChange: (v: unknown) => void;
  required: boolean;
  article?: string;
  errors: Errors;
  /** The object this field is part of, as it stands (a list of an entry's items reads the entry picked beside it). */
  siblings?: Record<string, unknown>;
  /** Lists of an entry's items that no entry beside them names, by field name: the entry, and the items they may pick from. */
  itemLists?: ItemLists;
}

/** Lists of data items a form's context names (a delivery's fields, from its grant's): each list's entry and the items allowed. */
export type ItemLists = Record<string, { entryId: string; among?: string[] }>;

/** Fields named for an entry are picked from the catalog, never typed. */
const ENTRY_ID_FIELDS = ['catalogEntryId', 'entryId'];
/** A list of an entry's data items, beside the entry it is of. */
const ITEMS_FIELDS = ['fields', 'items'];
/** An agency is picked from the organisations. */
const AGENCY_FIELDS = ['providerOrgId'];

/** How the API's schemas write a calendar day (YYYY-MM-DD). */
const DAY_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';

/** A list's own path, where `path` names one of its items (`body.fields.2` → `body.fields`). */
const listOf = (path: string) => path.replace(/\.\d+$/, '');

/**
 * The server's messages for the field at `path` (with `id`, for the field's aria-describedby); with `items`,
 * those for its items too (a list of plain values, whose items have no field of their own).
 */
export function FieldMessages({ path, errors, id = `${fieldId(path)}-err`, items = false }: { path: string; errors: Errors; id?: string; items?: boolean }) {
  const here = items ? [...errors.entries()].filter(([k]) => k === path || listOf(k) === path).flatMap(([, v]) => v) : errors.get(path);
  if (!here?.length) return null;
  return (
    <ul class="field-errors" id={id}>
      {here.map((e, i) => (
        // The API's own words stay on hover, the article they cite shown once, beside.
        <li key={i} title={e.message ? withoutArticle(e.message) : undefined}>
          {fieldMessage(e)}
          {e.article && (
            <>
              {' '}
              (<ArticleLink article={e.article} />)
            </>
          )}
        </li>
      ))}
    </ul>
  );
}

function Caption({ name, item, path, root, words, required, article, schema }: FieldProps) {
  const at = wordsPath(path, root);
  const help = fieldHelp(words, at, schema.description);
  return (
    <>
      <span class="field-name">
        {fieldLabel(words, at, name)}
        {item !== undefined && ` ${item + 1}`}
      </span>
      {required && !schema.nullable && <RequiredMark />}
      {article && (
        <span class="field-article">
          {' '}
          <ArticleLink article={article} />
        </span>
      )}
      {help && <span class="hint">{help}</span>}
    </>
  );
}

function JsonField(p: FieldProps) {
  const [text, setText] = useState(() => JSON.stringify(p.value ?? null, null, 2));
  const [bad, setBad] = useState(false);
  const id = fieldId(p.path);
  return (
    <div class="field">
      <label for={id}>
        <Caption {...p} />
        <span class="hint">{t('jsonValue')}</span>
      </label>
      <textarea
        id={id}
        rows={8}
        value={text}
        aria-invalid={bad || p.errors.has(p.path)}
        onInput={(e) => {
          const s = (e.target as HTMLTextAreaElement).value;
          setText(s);
          try {
            p.onChange(JSON.parse(s));
            setBad(false);
          } catch {
            setBad(true);
          }
        }}
      />
      {bad && <p class="field-errors">{t('badJson')}</p>}
      <FieldMessages path={p.path} errors={p.errors} />
    </div>
  );
}

/** A field's frame: its caption labelling the control `id`, the control, then its messages. */
function Labelled({ p, id, children }: { p: FieldProps; id: string; children: ComponentChildren }) {
  return (
    <div class="field">
      <label for={id}>
        <Caption {...p} />
      </label>
      {children}
      <FieldMessages path={p.path} errors={p.errors} />
    </div>
  );
}

function Field(props: FieldProps) {
  const p = { ...props, schema: unwrap(props.schema) };
  const { schema, path, value, onChange, errors } = p;
  const id = fieldId(path);
  const invalid = [...errors.keys()].some((k) => k === path || k.startsWith(`${path}.`));
  const described = errors.has(path) ? `${id}-err` : undefined;
  const type = typeOf(schema);
  const options = choices(schema);
  if (options) {
    return (
      <Labelled p={p} id={id}>
        <select
          id={id}
          value={String(value ?? '')}
          aria-invalid={invalid}
          aria-describedby={described}
          onChange={(e) => onChange((e.target as HTMLSelectElement).value)}
        >
          <option value="">—</option>
          {options.map((o) => {
            const shown = valueLabel(p.words, wordsPath(path, p.root), o);
            return (
              <option key={o} value={o}>
                {/* A Chinese reader reads the label alone; an English one, the code its label stands for. */}
                {shown === o || lang.value === 'zh' ? shown : `${shown} (${o})`}
              </option>
            );
          })}
        </select>
      </Labelled>
    );
  }
  if (type === 'object' && schema.properties) {
    const v = (value ?? {}) as Record<string, unknown>;
    return (
      <fieldset class="group" aria-invalid={invalid}>
        <legend>
          <Caption {...p} />
        </legend>
        {Object.entries(schema.properties).map(([k, s]) => (
          <Field
            key={k}
            schema={s}
            name={k}
            path={`${path}.${k}`}
            root={p.root}
            words={p.words}
            value={v[k]}
            required={schema.required?.includes(k) ?? false}
            errors={errors}
            siblings={v}
            onChange={(x) => onChange({ ...v, [k]: x })}
          />
        ))}
        <FieldMessages path={path} errors={errors} />
      </fieldset>
    );
  }
  if (type === 'boolean') {
    return (
      <div class="field check">
        <input
          id={id}
          type="checkbox"
          checked={value === true}
          aria-invalid={invalid}
          aria-describedby={described}
          onChange={(e) => onChange((e.target as HTMLInputElement).checked)}
        />
        <label for={id}>
          <Caption {...p} />
        </label>
        <FieldMessages path={path} errors={errors} />
      </div>
    );
  }
  const listed = p.itemLists?.[p.name];
  const entryId = listed?.entryId ?? (typeof p.siblings?.catalogEntryId === 'string' && ITEMS_FIELDS.includes(p.name) ? p.siblings.catalogEntryId : undefined);
  if (type === 'array' && entryId !== undefined && schema.items && typeOf(schema.items) === 'string') {
    return (
      <fieldset class="group" aria-invalid={invalid}>
        <legend>
          <Caption {...p} />
        </legend>
        <ItemsPicker
          id={id}
          entryId={entryId}
          among={listed?.among}
          value={Array.isArray(value) ? (value as string[]) : []}
          onChange={onChange}
          invalid={invalid}
          describedBy={described}
        />
        <FieldMessages path={path} errors={errors} items />
      </fieldset>
    );
  }
  if (type === 'array' && schema.items && typeOf(schema.items) === 'string' && !choices(schema.items)) {
    const lines = Array.isArray(value) ? (value as string[]) : [];
    return (
      <div class="field">
        <label for={id}>
          <Caption {...p} />
          <span class="hint">{t('onePerLine')}</span>
        </label>
        <textarea
          id={id}
          rows={3}
          aria-invalid={invalid}
          aria-describedby={described}
          defaultValue={lines.join('\n')}
          onInput={(e) =>
            onChange(
              (e.target as HTMLTextAreaElement).value
                .split('\n')
                .map((s) => s.trim())
                .filter(Boolean),
            )
          }
        />
        <FieldMessages path={path} errors={errors} items />
      </div>
    );
  }
  if (type === 'array' && schema.items && typeOf(schema.items) === 'object' && schema.items.properties) {
    const items = Array.isArray(value) ? (value as unknown[]) : [];
    return (
      <fieldset class="group">
        <legend>
          <Caption {...p} />
        </legend>
        {items.map((item, i) => (
          <div class="array-item" key={i}>
            <Field
              schema={schema.items!}
              name={p.name}
              item={i}
              path={`${path}.${i}`}
              root={p.root}
              words={p.words}
              value={item}
              required
              errors={errors}
              onChange={(x) => onChange(items.map((y, j) => (j === i ? x : y)))}
            />
            <button type="button" class="secondary" onClick={() => onChange(items.filter((_, j) => j !== i))}>
              {t('removeItem')} {i + 1}
            </button>
          </div>
        ))}
        <button type="button" class="secondary" onClick={() => onChange([...items, emptyValue(schema.items!)])}>
          {t('addItem')}: {fieldLabel(p.words, wordsPath(path, p.root), p.name)}
        </button>
        <FieldMessages path={path} errors={errors} />
      </fieldset>
    );
  }
  if (type === 'integer' || type === 'number') {
    return (
      <Labelled p={p} id={id}>
        <input
          id={id}
          type="number"
          min={schema.minimum}
          max={schema.maximum}
          step={type === 'integer' ? 1 : 'any'}
          value={String(value ?? '')}
          aria-invalid={invalid}
          aria-describedby={described}
          onInput={(e) => onChange((e.target as HTMLInputElement).value)}
        />
      </Labelled>
    );
  }
  if (type === 'string' && schema.format === 'date-time') {
    // A date and time picked in the browser's own time zone, sent as an instant (nobody types ISO 8601).
    const at = typeof value === 'string' && value ? new Date(value) : null;
    const local = at && !Number.isNaN(at.getTime()) ? new Date(at.getTime() - at.getTimezoneOffset() * 60_000).toISOString().slice(0, 19) : '';
    return (
      <Labelled p={p} id={id}>
        <input
          id={id}
          type="datetime-local"
          step={1}
          value={local}
          aria-invalid={invalid}
          aria-describedby={described}
          onInput={(e) => {
            const picked = new Date((e.target as HTMLInputElement).value);
            onChange(Number.isNaN(picked.getTime()) ? '' : picked.toISOString());
          }}
        />
      </Labelled>
    );
  }
  if (type === 'string' && schema.pattern === DAY_PATTERN) {
    // A calendar day (YYYY-MM-DD, as the API writes one) picked from the browser's calendar, not typed.
    return (
      <Labelled p={p} id={id}>
        <input
          id={id}
          type="date"
          value={String(value ?? '')}
          aria-invalid={invalid}
          aria-describedby={described}
          onInput={(e) => onChange((e.target as HTMLInputElement).value)}
        />
      </Labelled>
    );
  }
  if (type === 'string') {
    const long = (schema.maxLength ?? 0) >= 1000;
    const picker = { id, value: String(value ?? ''), onChange, invalid, describedBy: described };
    const picked = ENTRY_ID_FIELDS.includes(p.name) ? <EntryCombobox {...picker} /> : AGENCY_FIELDS.includes(p.name) ? <AgencySelect {...picker} /> : null;
    const common = {
      id,
      value: String(value ?? ''),
      'aria-invalid': invalid,
      'aria-describedby': described,
      maxLength: schema.maxLength,
      onInput: (e: Event) => onChange((e.target as HTMLInputElement).value),
    };
    return (
      <Labelled p={p} id={id}>
        {picked ?? (long ? <textarea rows={3} {...common} /> : <input type="text" {...common} />)}
      </Labelled>
    );
  }
  return <JsonField {...p} />;
}

/** The fields of an object schema at `path` (`body`, or `body.form` for a decision's form), named in `words`. */
export function SchemaFields({
  schema,
  path,
  words,
  value,
  onChange,
  errors,
  articles = {},
  itemLists,
}: {
  schema: JsonSchema;
  path: string;
  words?: FormWords;
  value: Record<string, unknown>;
  onChange: (v: Record<string, unknown>) => void;
  errors: Errors;
  articles?: Record<string, string>;
  itemLists?: ItemLists;
}) {
  if (!schema.properties)
    return (
      <JsonField
        schema={schema}
        name={path}
        path={path}
        root={path}
        value={value}
        onChange={(v) => onChange(v as Record<string, unknown>)}
        required
        errors={errors}
      />
    );
  return (
    <>
      {Object.entries(schema.properties).map(([k, s]) => (
        <Field
          key={k}
          schema={s}
          name={k}
          path={`${path}.${k}`}
          root={path}
          words={words}
          value={value[k]}
          required={schema.required?.includes(k) ?? false}
          article={articles[k]}
          errors={errors}
          siblings={value}
          itemLists={itemLists}
          onChange={(x) => onChange({ ...value, [k]: x })}
        />
      ))}
    </>
  );
}

/**
 * The refusals of fields the form does not show (or shows no messages for): each by its field's label (the
 * registry's words), never its path, its message and its article once.
 */
export function UnplacedMessages({ errors, schema, path, words }: { errors: Errors; schema: JsonSchema; path: string; words?: FormWords }) {
  // The paths a field's messages are shown at, items' indices left out (a list's items show at their own field).
  const shown = (s: JsonSchema, p: string): string[] => {
    const u = unwrap(s);
    const children = Object.entries(u.properties ?? u.items?.properties ?? {}).flatMap(([k, c]) => shown(c, `${p}.${k}`));
    return [p, ...children];
  };
  const known = new Set(shown(schema, path).slice(1));
  const placed = (k: string) =>
    known.has(
      k
        .split('.')
        .filter((x) => !/^\d+$/.test(x))
        .join('.'),
    );
  const rest = [...errors.entries()].filter(([k]) => !placed(k)).flatMap(([, v]) => v);
  if (rest.length === 0) return null;
  return (
    <ul class="field-errors" role="alert">
      {rest.map((f, i) => {
        const at = f.field.startsWith(`${path}.`) ? wordsPath(f.field, path) : '';
        const name = at.split('.').pop() ?? '';
        const named = at ? fieldLabel(words, at, name) : '';
        // A field no words name is left unnamed: its message alone, never its path.
        const shownName = named && (named !== name || lang.value !== 'zh') ? named : '';
        return (
          <li key={i} title={f.message ? withoutArticle(f.message) : undefined}>
            {shownName && <span class="field-name">{shownName}：</span>}
            {fieldMessage(f)}
            {f.article && (
              <>
                {' '}
                (<ArticleLink article={f.article} />)
              </>
            )}
          </li>
        );
      })}
    </ul>
  );
}
