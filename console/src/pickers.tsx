// Fields a person picks rather than types: a catalog entry found by part of its title or department (a
// combobox, WAI-ARIA's pattern: role=combobox, a listbox, aria-activedescendant), the entry's data items by their
// 信息项名称 (checkboxes), an agency from the list of organisations. schema-form.tsx uses them for the fields
// they fit, by the field's name.
import { useEffect, useState } from 'preact/hooks';
import { get, type CatalogEntry, type Page } from './http';
import { t } from './i18n';
import { me, Org, useResource } from './lib';

/** What the list shows of an entry: its title and its department. */
type Found = Pick<CatalogEntry, 'id' | 'title' | 'providerOrgId'> & { providerName?: string };

interface PickerProps {
  /** The id of the control, which the field's label names. */
  id: string;
  value: string;
  onChange: (v: string) => void;
  invalid: boolean;
  describedBy?: string;
}

/** A catalog entry, searched by part of its title or its department's name (GET /catalog?q=) and picked from the list. */
export function EntryCombobox({ id, value, onChange, invalid, describedBy }: PickerProps) {
  const [text, setText] = useState('');
  const [found, setFound] = useState<Found[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const listId = `${id}-list`;
  // An entry given already (a link from the catalog, a form filled again) shows by its title.
  useEffect(() => {
    if (!value) return;
    let live = true;
    get<CatalogEntry>(`/catalog/${encodeURIComponent(value)}`).then(
      (e) => live && setText(e.title),
      () => live && setText(value),
    );
    return () => {
      live = false;
    };
  }, [value]);
  // The list follows what is typed; an answer that comes after a newer question is dropped.
  useEffect(() => {
    if (!open) return;
    let live = true;
    const q = text.trim();
    // A civil servant picks from their own city's catalog; a member of the public from every city the platform holds.
    const region = me.value?.organisation?.region;
    get<Page<Found>>(`/catalog?limit=20${region ? `&region=${encodeURIComponent(region)}` : ''}${q ? `&q=${encodeURIComponent(q)}` : ''}`).then(
      (p) => {
        if (!live) return;
        setFound(p.items);
        setActive(p.items.length ? 0 : -1);
      },
      () => live && setFound([]),
    );
    return () => {
      live = false;
    };
  }, [text, open]);
  const pick = (e: Found) => {
    setText(e.title);
    setOpen(false);
    onChange(e.id);
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      if (!open) setOpen(true);
      else setActive((a) => Math.min(a + 1, found.length - 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(a - 1, 0));
    } else if (e.key === 'Enter' && open && found[active]) {
      e.preventDefault();
      pick(found[active]);
    } else if (e.key === 'Escape') setOpen(false);
  };
  const optionId = (i: number) => `${listId}-${i}`;
  return (
    <div class="combobox">
      <input
        id={id}
        type="text"
        role="combobox"
        autocomplete="off"
        aria-autocomplete="list"
        aria-expanded={open}
        aria-controls={listId}
        aria-activedescendant={open && active >= 0 ? optionId(active) : undefined}
        aria-invalid={invalid}
        aria-describedby={describedBy}
        placeholder={t('entrySearchHint')}
        value={text}
        onInput={(e) => {
          setText((e.target as HTMLInputElement).value);
          setOpen(true);
          // What is typed is a search, not an entry: the entry is what is picked.
          if (value) onChange('');
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onKeyDown={onKeyDown}
      />
      <ul id={listId} role="listbox" class="combobox-list" aria-label={t('entrySearchHint')} hidden={!open}>
        {open && found.length === 0 && (
          <li role="option" aria-disabled="true" aria-selected={false} id={`${listId}-none`}>
            {t('noEntryFound')}
          </li>
        )}
        {open &&
          found.map((e, i) => (
            <li
              key={e.id}
              id={optionId(i)}
              role="option"
              aria-selected={i === active}
              class={i === active ? 'active' : undefined}
              onMouseDown={(ev) => {
                ev.preventDefault();
                pick(e);
              }}
            >
              <span class="option-title">{e.title}</span> <span class="hint">{e.providerName ?? <Org id={e.providerOrgId} />}</span>
            </li>
          ))}
      </ul>
    </div>
  );
}

/**
 * The data items of the entry `entryId`, picked by their 信息项名称 (the identifiers are what is sent); with
 * `among`, only those (a grant's fields, to deliver).
 */
export function ItemsPicker({
  id,
  entryId,
  among,
  value,
  onChange,
  invalid,
  describedBy,
}: Omit<PickerProps, 'value' | 'onChange'> & { entryId: string; among?: string[]; value: string[]; onChange: (v: string[]) => void }) {
  const entry = useResource<CatalogEntry>(entryId ? `/catalog/${encodeURIComponent(entryId)}` : null);
  if (!entryId) return <p class="hint">{t('pickEntryFirst')}</p>;
  const items = (entry.data?.fields ?? []).filter((f) => !among || among.includes(f.name));
  return (
    <div class="items-picker" id={id} role="group" aria-invalid={invalid} aria-describedby={describedBy}>
      {items.map((f) => {
        const box = `${id}-${f.name.replace(/[^A-Za-z0-9]+/g, '-')}`;
        return (
          <div class="field check" key={f.name}>
            <input
              id={box}
              type="checkbox"
              checked={value.includes(f.name)}
              onChange={(e) =>
                onChange(
                  (e.target as HTMLInputElement).checked
                    ? items.map((x) => x.name).filter((n) => n === f.name || value.includes(n))
                    : value.filter((n) => n !== f.name),
                )
              }
            />
            <label for={box}>{f.label || f.name}</label>
          </div>
        );
      })}
    </div>
  );
}

/**
 * An agency, picked from the organisations (GET /organisations) by name; `governmentDepartments`: the government departments
 * (政务部门) instead, agencies and authorities alike — who may receive a grant's data onward (the API's rule, onwardThirdPartyViolation).
 */
export function AgencySelect({ id, value, onChange, invalid, describedBy, governmentDepartments = false }: PickerProps & { governmentDepartments?: boolean }) {
  const orgs = useResource<{ items: { id: string; name: string; kind: string; governmentDepartment: boolean }[] }>('/organisations');
  return (
    <select
      id={id}
      value={value}
      data-organisations
      aria-invalid={invalid}
      aria-describedby={describedBy}
      onChange={(e) => onChange((e.target as HTMLSelectElement).value)}
    >
      <option value="">{t('chooseAgency')}</option>
      {orgs.data?.items
        .filter((o) => (governmentDepartments ? o.governmentDepartment : o.kind === 'agency'))
        .map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
          </option>
        ))}
    </select>
  );
}

/** Codes picked by checkbox, each shown by its name (task kinds, kinds of notice, channels): the picked ones in `value`. */
export function CheckList({ options, value, onChange }: { options: { code: string; name: string }[]; value: string[]; onChange: (v: string[]) => void }) {
  return (
    <>
      {options.map((o) => (
        <label key={o.code} class="check">
          <input
            type="checkbox"
            value={o.code}
            checked={value.includes(o.code)}
            onChange={(e) => onChange((e.target as HTMLInputElement).checked ? [...value, o.code] : value.filter((x) => x !== o.code))}
          />{' '}
          {o.name}
        </label>
      ))}
    </>
  );
}
