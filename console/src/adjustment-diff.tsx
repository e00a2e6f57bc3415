// A catalog adjustment as people read it: each change a table of only the fields it changes, before and
// after, in the registry's Chinese labels and values (domain/catalog.ts); beside each new entry, the entries
// it may duplicate (Art. 8). The applicant's basket, the reviewer's task and the request page show it alike.
import {
  ADJUSTMENT_FIELDS,
  ADJUSTMENT_GROUNDS,
  ADJUSTMENT_VALUES,
  BASIS_LEVEL_NAMES,
  ENTRY_FIELDS,
  ENTRY_VALUES,
  entryDiff,
  type AdjustmentForm,
  type AdjustmentGround,
  type CatalogChange,
  type EntryContent,
  type LegalBasis,
  type SimilarEntry,
} from '../../domain/catalog';
import { adjustmentReview } from '../../domain/catalog-adjustment';
import { query, type CatalogEntry, type RequestView } from './http';
import { decisionLabel, lang } from './i18n';
import { ArticleLink, href, Loading, Org, useResource } from './lib';

/** Chinese, or English when the reader switched to it. */
export const say = (zh: string, en: string): string => (lang.value === 'zh' ? zh : en);

/** An entry as the API shows it, as its content alone (what an adjustment states and changes). */
export function contentOf(e: CatalogEntry): EntryContent {
  const o = e.open as unknown as EntryContent['open'];
  return {
    title: e.title,
    description: e.description,
    fields: e.fields.map((f) => ({
      ...f,
      type: f.type as EntryContent['fields'][number]['type'],
      identifies: f.identifies as 'person' | 'organisation' | null,
    })),
    form: e.form as EntryContent['form'],
    useConditions: e.useConditions,
    updateFrequency: e.updateFrequency,
    share: {
      attribute: e.share.attribute as EntryContent['share']['attribute'],
      reasons: e.share.reasons,
      conditions: e.share.conditions,
      basis: e.share.basis as LegalBasis[],
    },
    open: {
      attribute: o.attribute,
      ground: o.ground ?? null,
      reasons: o.reasons ?? null,
      conditions: o.conditions ?? null,
      basis: o.basis ?? [],
      opening: o.opening ?? null,
    },
    priorityOpen: e.priorityOpen,
  };
}

/**
 * The label of an entry's part at `path` (e.g. share.basis): its own, with its side's before it where its
 * own does not say which side (开放 · 依据).
 */
export function partLabel(path: string): string {
  const own = ENTRY_FIELDS[path]?.label;
  if (lang.value !== 'zh' || !own) return path;
  const side = path.split('.')[0];
  const parent = path.includes('.') ? ENTRY_FIELDS[side]?.label : undefined;
  return parent && !own.includes(parent) ? `${parent} · ${own}` : own;
}

/** A value of an entry's part as a person reads it: enumerated values by their labels, lists a line an item. */
export function partValue(path: string, v: unknown): string {
  const none = say('（无）', '(none)');
  if (v === null || v === undefined || v === '') return none;
  if (typeof v === 'boolean') return v ? say('是', 'yes') : say('否', 'no');
  const labels = ENTRY_VALUES[path];
  if (typeof v === 'string') return (lang.value === 'zh' && labels?.[v]) || v;
  if (Array.isArray(v)) {
    if (!v.length) return none;
    if (path.endsWith('basis'))
      return (v as LegalBasis[])
        .map((b) => `${say(BASIS_LEVEL_NAMES[b.level] ?? b.level, b.level)}《${b.title.replace(/^《|》$/g, '')}》${b.article}`)
        .join('\n');
    if (path === 'fields')
      return (v as EntryContent['fields'])
        .map((f) => `${f.label || f.name}（${partValue('fields.type', f.type)}${f.identifies ? `，${partValue('fields.identifies', f.identifies)}` : ''}）`)
        .join('\n');
    return v.map((x) => partValue(path, x)).join('\n');
  }
  if (path === 'open.opening') {
    const o = v as { ground: string; evidence: string };
    return `${partValue('open.opening.ground', o.ground)}：${o.evidence}`;
  }
  return JSON.stringify(v);
}

/** What a change alters, part by part, with only the parts that differ (every part a new entry states). */
export function changedParts(before: EntryContent | undefined, after: EntryContent): { path: string; from: unknown; to: unknown }[] {
  // Objects of one side compared as a whole where they are values (an opening ground with its evidence).
  // Lists compared item by item in one order of keys: an entry read back from the database keeps its items' keys in another.
  const basis = (b: LegalBasis[]) => b.map(({ level, title, article }) => ({ level, title, article }));
  const flat = (e: EntryContent) =>
    ({
      ...e,
      fields: e.fields.map(({ name, label, type, description, identifies }) => ({ name, label, type, description, identifies })),
      share: { ...e.share, basis: basis(e.share.basis) },
      open: { ...e.open, basis: basis(e.open.basis), opening: e.open.opening ? JSON.stringify([e.open.opening.ground, e.open.opening.evidence]) : null },
    }) as unknown as EntryContent;
  const diff = before ? entryDiff(flat(before), flat(after)) : entryDiff(NOTHING, flat(after)).filter((d) => !isEmpty(d.to));
  const parse = (path: string, v: unknown) => {
    if (path !== 'open.opening' || typeof v !== 'string') return v;
    const [ground, evidence] = JSON.parse(v) as string[];
    return { ground, evidence };
  };
  // In the order of the registry's parts (title first), whatever order the diff walked.
  const order = Object.keys(ENTRY_FIELDS);
  return diff
    .map((d) => ({ path: d.field, from: parse(d.field, d.from), to: parse(d.field, d.to) }))
    .sort((a, b) => order.indexOf(a.path) - order.indexOf(b.path));
}
/** An entry with nothing stated, that a new entry is compared with: every part it states differs. */
const NOTHING = {
  title: '',
  description: '',
  fields: [],
  form: null,
  useConditions: null,
  updateFrequency: '',
  share: { attribute: null, reasons: null, conditions: null, basis: [] },
  open: { attribute: null, ground: null, reasons: null, conditions: null, basis: [], opening: null },
  priorityOpen: false,
} as unknown as EntryContent;
const isEmpty = (v: unknown) => v === null || v === undefined || v === '' || v === false || (Array.isArray(v) && !v.length);

const OP_NAMES = ADJUSTMENT_VALUES['changes.op'];
const STATUS_NAMES = ADJUSTMENT_VALUES['changes.shareStatus'];

/** One change: its kind, and a table of the parts it alters, before and after. */
export function ChangeTable({
  change,
  index,
  before,
  similar,
}: {
  change: CatalogChange;
  index: number;
  /** The entry at the version the change starts from (a change or removal); undefined while it loads. */
  before?: EntryContent;
  /** For a new entry: entries it may duplicate (Art. 8). */
  similar?: SimilarEntry[];
}) {
  const title = change.op === 'remove' ? (before?.title ?? '') : change.entry.title;
  const rows = change.op === 'remove' ? [] : change.op === 'change' && !before ? null : changedParts(change.op === 'change' ? before : undefined, change.entry);
  const statuses =
    change.op === 'change'
      ? (['shareStatus', 'openStatus'] as const).flatMap((s) => (change[s] ? [{ label: ADJUSTMENT_FIELDS[`changes.${s}`].label, to: change[s]! }] : []))
      : [];
  const h = `change-${index}-h`;
  return (
    <section class="change" aria-labelledby={h} data-change={index}>
      <h3 id={h}>
        {index + 1}. {say(OP_NAMES[change.op], change.op)}：{title || '—'}
        {change.op !== 'add' && (
          <span class="muted small">
            {' '}
            （<a href={href('catalog', change.entryId)}>{say('所据版本', 'version')}</a> {change.baseVersion}）
          </span>
        )}
      </h3>
      {change.op === 'remove' ? (
        <>
          <p>{say('删除后，该条目的共享和开放均撤回。', 'Removing withdraws both sharing and opening of the entry.')}</p>
          {/* A removal applied for before removals had reasons of their own carries none: its reason is in the written justification. */}
          {change.reason?.trim() && (
            <dl class="facts removal-reason">
              <div>
                <dt>{say(ADJUSTMENT_FIELDS['changes.reason'].label, 'Reason for removal')}</dt>
                <dd class="text">{change.reason}</dd>
              </div>
            </dl>
          )}
        </>
      ) : rows === null ? (
        <p aria-busy="true">{say('正在读取条目的原内容…', 'Loading the entry as it was…')}</p>
      ) : (
        <table class="diff">
          <caption class="sr-only">{say(`第 ${index + 1} 项变更的前后对照`, `Change ${index + 1}, before and after`)}</caption>
          <thead>
            <tr>
              <th scope="col">{say('项目', 'Part')}</th>
              <th scope="col">{say('调整前', 'Before')}</th>
              <th scope="col">{say('调整后', 'After')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.path} data-part={r.path}>
                <th scope="row">{partLabel(r.path)}</th>
                <td class="text">{change.op === 'add' ? '—' : partValue(r.path, r.from)}</td>
                <td class="text">{partValue(r.path, r.to)}</td>
              </tr>
            ))}
            {statuses.map((s) => (
              <tr key={s.label}>
                <th scope="row">{s.label}</th>
                <td>—</td>
                <td>{say(STATUS_NAMES[s.to] ?? s.to, s.to)}</td>
              </tr>
            ))}
            {rows.length === 0 && statuses.length === 0 && (
              <tr>
                <td colSpan={3}>{say('内容与原条目相同', 'Same as the entry as it was')}</td>
              </tr>
            )}
          </tbody>
        </table>
      )}
      {change.op === 'add' && similar && similar.length > 0 && <SimilarFlag similar={similar} />}
    </section>
  );
}

/** Art. 8: the entries already in the catalog that a new one may duplicate. */
export function SimilarFlag({ similar }: { similar: SimilarEntry[] }) {
  return (
    <div class="notice similar" role="note">
      <strong>{say('可能重复采集：目录中已有相似的条目', 'May duplicate entries already in the catalog')}</strong> (<ArticleLink article="Art. 8" />)
      <ul>
        {similar.map((s) => (
          <li key={s.id}>
            <a href={href('catalog', s.id)}>{s.title}</a> · <Org id={s.providerOrgId} />
            {s.sharedFields.length > 0 && (
              <span class="muted">
                {' '}
                · {say('相同数据项', 'same items')}：{s.sharedFields.join('、')}
              </span>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** A change that starts from an entry's version, with that version read from the catalog. */
function StoredChange({ change, index, similar }: { change: CatalogChange; index: number; similar?: SimilarEntry[] }) {
  const path = change.op === 'add' ? null : `/catalog/${encodeURIComponent(change.entryId)}${query({ version: change.baseVersion })}`;
  const base = useResource<CatalogEntry>(path);
  if (!path) return <ChangeTable change={change} index={index} similar={similar} />;
  return <Loading r={base}>{(e) => <ChangeTable change={change} index={index} before={contentOf(e)} />}</Loading>;
}

/** A new entry's similar entries, asked of the catalog (GET /catalog/similar), without the entries `exclude` says are its own. */
function AskedSimilar({ change, index, exclude }: { change: Extract<CatalogChange, { op: 'add' }>; index: number; exclude: (id: string) => boolean }) {
  const found = useResource<{ items: SimilarEntry[] }>(
    `/catalog/similar${query({ title: change.entry.title || '—', fields: change.entry.fields.map((f) => f.name).join(',') })}`,
  );
  return <ChangeTable change={change} index={index} similar={found.data?.items.filter((s) => !exclude(s.id))} />;
}

/** One change as the applicant's list shows it: a new entry with the entries it may duplicate, any other against its version. */
export function ChangeView({ change, index }: { change: CatalogChange; index: number }) {
  return change.op === 'add' ? <AskedSimilar change={change} index={index} exclude={() => false} /> : <StoredChange change={change} index={index} />;
}

/**
 * An adjustment: its ground and justification, then each change as a before/after table. `duplicates`: the
 * review's own Art. 8 flags (the task's context); without them, each new entry's are asked of the catalog.
 */
export function AdjustmentView({
  form,
  requestId,
  duplicates,
}: {
  form: AdjustmentForm;
  requestId?: string;
  duplicates?: { index: number; similar: SimilarEntry[] }[];
}) {
  const ground = ADJUSTMENT_GROUNDS[form.ground];
  // Once applied, a new entry is in the catalog under its request's id: it is not its own duplicate.
  const own = (id: string) => !!requestId && id.startsWith(`${requestId}-`);
  return (
    <div class="adjustment">
      <dl class="facts">
        <div>
          <dt>{ADJUSTMENT_FIELDS.ground.label}</dt>
          <dd>
            {ground ? say(ground.name, form.ground) : form.ground} {ground && <ArticleLink article={ground.article} />}
          </dd>
        </div>
        <div>
          <dt>{ADJUSTMENT_FIELDS.justification.label}</dt>
          <dd class="text">{form.justification}</dd>
        </div>
      </dl>
      {form.changes.map((c, i) =>
        c.op === 'add' && !duplicates ? (
          <AskedSimilar key={i} change={c} index={i} exclude={own} />
        ) : (
          <StoredChange key={i} change={c} index={i} similar={duplicates?.find((d) => d.index === i)?.similar} />
        ),
      )}
    </div>
  );
}

/** Whether a request's payload is an adjustment's form (its changes a list). */
export const isAdjustment = (type: string, payload: unknown): payload is AdjustmentForm =>
  type === 'catalog_adjustment' && Array.isArray((payload as AdjustmentForm | null)?.changes);

/** A task's context without the Art. 8 flags (shown beside the new entries instead); null when nothing else is left. */
export function besidesDuplicates(context: Record<string, unknown> | null): Record<string, unknown> | null {
  // A review afterwards (事后审查) names the entries published, shown by their titles (AppliedEntries), not their ids.
  if (!context?.duplicates && !context?.published) return context;
  const rest = Object.fromEntries(Object.entries(context).filter(([k]) => k !== 'duplicates' && k !== 'article' && k !== 'published'));
  return Object.keys(rest).length ? rest : null;
}

/** A request's adjustment as it now stands (a resubmission replaces its payload); null for any other request. */
export const currentAdjustment = (r: RequestView): AdjustmentForm | null => (isAdjustment(r.type, r.payload) ? r.payload : null);

/** An entry by its title, linked. */
function EntryTitle({ id }: { id: string }) {
  const e = useResource<CatalogEntry>(`/catalog/${encodeURIComponent(id)}`);
  return <a href={href('catalog', id)}>{e.data?.title ?? id}</a>;
}

/**
 * What an adjustment applied, as its outcome says, or, once reviewed afterwards (the review's decision written as the
 * outcome), as the review task was told it (事后审查: the entries published).
 */
export function appliedOf(r: RequestView): Record<string, unknown> {
  if (Array.isArray(r.outcome?.entries)) return r.outcome;
  const published = [...r.tasks].reverse().find((t) => Array.isArray(t.context?.published))?.context?.published;
  return { ...r.outcome, entries: published ?? [] };
}

/** What an approved adjustment applied: each entry at the version it became (a new one's link its own). */
export function AppliedEntries({ outcome }: { outcome: Record<string, unknown> }) {
  const entries = Array.isArray(outcome.entries) ? (outcome.entries as { entryId: string; version: number; op: CatalogChange['op'] }[]) : [];
  if (!entries.length) return null;
  return (
    <section aria-labelledby="applied-h">
      <h3 id="applied-h">{say('已生效的变更', 'Applied')}</h3>
      <ul>
        {entries.map((e) => (
          <li key={e.entryId}>
            {say(OP_NAMES[e.op] ?? e.op, e.op)}：<EntryTitle id={e.entryId} /> · {say('版本', 'version')} {e.version}
          </li>
        ))}
      </ul>
    </section>
  );
}

/**
 * Issue 24 §7: an adjustment published before review (another institution's first compilation, dynamic adjustment, …; Art. 9
 * ¶1) and where the 本级 authority's review afterwards (事后审查) stands: awaited, accepted, or returned with its reason.
 */
export function AfterReview({ outcome }: { outcome: Record<string, unknown> | null }) {
  if (outcome?.review !== 'after') return null;
  const decided = typeof outcome.afterReview === 'string' ? outcome.afterReview : null;
  const reason = typeof outcome.reason === 'string' && outcome.reason.trim() ? outcome.reason : null;
  return (
    <p class="after-review" data-after-review={decided ?? 'awaited'}>
      <strong>{say('事后审查', 'Review after publication')}</strong>：
      {decided
        ? decisionLabel(decided, 'CATALOG_ADJUSTMENT_AFTER_REVIEW')
        : say('已通过目录规则检查并发布，待本级大数据主管部门事后审查', 'Published once the catalog rules passed; the authority reviews it afterwards')}
      {reason && `：${reason}`} (<ArticleLink article="Art. 9" />)
    </p>
  );
}

/**
 * Who reviews an adjustment, and when (issue 24 §7), as the applicant's organisation and the ground picked make it: a government
 * department's change, or any on Art. 9 ¶2's grounds, before publication; another institution's otherwise afterwards.
 */
export function ReviewWhen({ ground, governmentDepartment }: { ground: AdjustmentGround; governmentDepartment: boolean }) {
  const when = adjustmentReview(ground, governmentDepartment);
  return (
    <p class="review-when muted" data-review={when}>
      {when === 'after'
        ? say(
            '通过目录规则检查后即发布，本级大数据主管部门事后审查，可退回整改（第九条第一款）。',
            'Published once the catalog rules pass; the authority reviews it afterwards and may return it (Art. 9 ¶1).',
          )
        : governmentDepartment
          ? say(
              '本单位为政务部门，目录变更报本级大数据主管部门审核后发布（《政务数据共享条例》）。',
              "A government department's changes are reviewed by the authority before publication (the Regulation).",
            )
          : say(
              '因法律、法规修改或者职能职责变更调整目录的，经本级大数据主管部门同意后发布（第九条第二款）。',
              'Changes for a change of law or duties are published once the authority consents (Art. 9 ¶2).',
            )}
    </p>
  );
}
