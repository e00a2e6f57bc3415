// Routing by the URL's hash, data that follows the API (polled with ETags), and the problem box.
import { signal } from '@preact/signals';
import type { ComponentChildren } from 'preact';
import { BASIS_LEVEL_NAMES, basisItemText, type LegalBasis } from '../../domain/catalog';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import {
  ApiError,
  asApiError,
  errorsByField,
  changes,
  get,
  query,
  session,
  type Article,
  type CatalogEntry,
  type Errors,
  type FormWords,
  type Me,
  type Page,
  type TaskKind,
  type Topic,
} from './http';
import { articleName, fieldLabel, formatTime, label, problemMessage, requestStatusLabel, t, valueLabel, withoutArticle } from './i18n';

export const me = signal<Me | null>(null);
// Back from the identity provider (its answer in the query, oidc.ts): a new sign-in, whatever token was held before.
if (new URLSearchParams(location.search).has('state')) session.token = null;
/** Whether a token is held: pages load at once, while who one is (`me`) is still being asked. */
export const authed = signal<boolean>(session.token !== null);

export interface Route {
  path: string[];
  params: URLSearchParams;
}

function readHash(): Route {
  const [p, q] = location.hash.replace(/^#\/?/, '').split('?');
  return { path: p.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(q ?? '') };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(readHash);
  useEffect(() => {
    const on = () => setRoute(readHash());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

export const href = (...parts: string[]) => `#/${parts.map(encodeURIComponent).join('/')}`;
export const go = (to: string) => {
  location.hash = to;
};

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | undefined;
  reload: () => Promise<void>;
}

/**
 * GET `path` (null: nothing yet) and, with `pollMs`, again every so often while the page is visible: an
 * unchanged answer is a 304 returning the same object, so nothing re-renders.
 */
export function useResource<T>(path: string | null, pollMs = 0): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const current = useRef(path);
  current.current = path;
  const reload = useCallback(async () => {
    if (!path) return;
    try {
      const body = await get<T>(path);
      if (current.current === path) {
        setData(body);
        setError(undefined);
      }
    } catch (e) {
      if (current.current === path) setError(asApiError(e));
    }
  }, [path]);
  useEffect(() => {
    setData(undefined);
    setError(undefined);
    void reload();
    if (!pollMs) return;
    // The inbox and the notices follow GET /events while its stream is open, and poll only while it is not.
    const topic = topicOf(path);
    const off = topic ? changes.on(topic, () => void reload()) : undefined;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible' && !(topic && changes.live)) void reload();
    }, pollMs);
    return () => {
      clearInterval(timer);
      off?.();
    };
  }, [reload, pollMs]);
  return { data, error, reload };
}

/** Poll interval of lists and pages that change while one looks at them (a test may set a longer one under pdw.pollMs). */
export const LIVE_MS = Number(localStorage.getItem('pdw.pollMs')) || 3000;

/** The lists GET /events covers: the caller's tasks and notices. */
function topicOf(path: string | null): Topic | null {
  if (path === null) return null;
  if (/^\/tasks(\?|$)/.test(path)) return 'tasks';
  if (/^\/notifications(\?|$)/.test(path)) return 'notices';
  return null;
}

/**
 * Moves focus to the element returned whenever `key` becomes something new: an action's result, announced
 * where the person is looking (a screen reader reads it at once, a sighted person is scrolled to it).
 */
/** A ref that takes focus whenever `key` changes to something truthy: a result or refusal that answers an action. */
export function useFocusOn<E extends HTMLElement>(key: unknown) {
  const ref = useRef<E>(null);
  useEffect(() => {
    if (key) ref.current?.focus();
  }, [key]);
  return ref;
}

/** A problem, in an alert: its code's Chinese message, its article once. `focus`: it answers an action, so focus moves to it. */
export function ProblemBox({ error, onRetry, focus = true }: { error: ApiError | undefined; onRetry?: () => void; focus?: boolean }) {
  const ref = useFocusOn<HTMLDivElement>(focus && error);
  if (!error) return null;
  const p = error.problem;
  const detail = p.detail && withoutArticle(p.detail);
  return (
    <div class="problem" role="alert" aria-live="assertive" tabIndex={-1} ref={ref}>
      <strong>{problemMessage(p)}</strong>
      {p.article && (
        <>
          {' '}
          (<ArticleLink article={p.article} />)
        </>
      )}
      {/* The API's own words: on expansion only, the article they cite left out (it is shown once, above). */}
      {detail && detail !== problemMessage(p) && (
        <details>
          <summary>{t('rawDetail')}</summary>
          <p lang={/[\u4e00-\u9fff]/.test(detail) ? 'zh-CN' : 'en'}>{detail}</p>
        </details>
      )}
      {onRetry && (
        <button type="button" onClick={onRetry}>
          {t('retry')}
        </button>
      )}
    </div>
  );
}

/** What an action did, in a status region that takes focus each time it says something new (`n` counts the sayings). */
export function Notice({ text, n }: { text: string | undefined; n?: number }) {
  const ref = useFocusOn<HTMLParagraphElement>(text && `${n ?? 0}:${text}`);
  if (!text) return null;
  return (
    <p class="notice" role="status" aria-live="polite" tabIndex={-1} ref={ref}>
      {text}
    </p>
  );
}

/** The result of an action, to be shown at the top of the page `hash` (where the action led; by default the page it was taken on). */
export const flash = signal<{ text: string; n: number; hash: string } | null>(null);
export function announce(text: string, hash: string = location.hash): void {
  flash.value = { text, n: (flash.value?.n ?? 0) + 1, hash };
}

/** Whether two hashes name one page, however each is percent-encoded (a malformed one only as written). */
function samePage(a: string, b: string): boolean {
  try {
    return decodeURIComponent(a) === decodeURIComponent(b);
  } catch {
    return a === b;
  }
}

/** The last action's result, on the page it belongs to; another page does not show it. */
export function Flash() {
  const route = useRoute();
  const f = flash.value;
  const here = f && samePage(f.hash, location.hash) ? f : null;
  useEffect(() => {
    if (f && !here) flash.value = null;
  }, [route.path.join('/'), route.params.toString()]);
  return <Notice text={here?.text} n={here?.n} />;
}

/**
 * A form's refusal, announced (focus moves to it at each refusal): the problem; or, where the refusal names
 * fields, a line saying to mend the fields marked, each field's message beside it.
 */
export function Refusal({ submit }: { submit: { error: ApiError | undefined; errors: Errors; tries: number } }) {
  const ref = useFocusOn<HTMLParagraphElement>(submit.errors.size > 0 && submit.tries);
  if (submit.error) return <ProblemBox error={submit.error} />;
  if (submit.errors.size === 0) return null;
  return (
    <p class="problem" role="alert" aria-live="assertive" tabIndex={-1} ref={ref}>
      {t('formErrors')}
    </p>
  );
}

export function Loading<T>({ r, children }: { r: Resource<T>; children: (data: T) => ComponentChildren }) {
  if (r.data !== undefined) return <>{children(r.data)}</>;
  if (r.error) return <ProblemBox error={r.error} onRetry={() => void r.reload()} focus={false} />;
  return <p aria-busy="true">{t('loading')}</p>;
}

/** The Measures' articles (GET /articles), loaded once signed in: their text shows on hovering a citation. */
export const articles = signal<Map<number, string>>(new Map());
export async function loadArticles(): Promise<void> {
  const r = await get<{ items: Article[] }>('/articles');
  articles.value = new Map(r.items.map((a) => [a.number, a.text]));
}

/** `Art. 14` → 第十四条, a link to the article's page, its text on hover. */
export function ArticleLink({ article }: { article: string }) {
  const n = /Art\. (\d+)/.exec(article)?.[1];
  return n ? (
    <a href={href('articles', n)} title={articles.value.get(Number(n))}>
      {articleName(article)}
    </a>
  ) : (
    <span>{articleName(article)}</span>
  );
}

/** A status badge: a request's (of request type `type`, whose words may be its own), an agreement's or a grant's; `task` for a task's own. */
export function Status({ code, task = false, type }: { code: string; task?: boolean; type?: string }) {
  return <span class={`status status-${code}`}>{type ? requestStatusLabel(code, type) : label(task ? 'taskStatus' : 'status', code)}</span>;
}

/**
 * Any JSON the API sends as it is (payloads, contexts, outcomes): nested lists of name and value, named in
 * `words` where the JSON is a form's (a payload is its request type's start form), `path` where it lies in it.
 */
export function JsonView({ value, words, path = '' }: { value: unknown; words?: FormWords; path?: string }) {
  if (value === null || value === undefined) return <span class="muted">—</span>;
  if (Array.isArray(value)) {
    if (value.length === 0) return <span class="muted">—</span>;
    // A refusal's legal basis (an outcome's): each provision as the applicant reads it, 《title》article（level）.
    if (/(^|\.)legalBasis$/.test(path))
      return (
        <ol class="json legal-basis">
          {(value as LegalBasis[]).map((b, i) => (
            <li key={i}>{basisItemText(b)}</li>
          ))}
        </ol>
      );
    return (
      <ol class="json">
        {value.map((v, i) => (
          <li key={i}>
            <JsonView value={v} words={words} path={path} />
          </li>
        ))}
      </ol>
    );
  }
  if (typeof value === 'object') {
    return (
      <dl class="json">
        {Object.entries(value as Record<string, unknown>).map(([k, v]) => {
          const at = path ? `${path}.${k}` : k;
          return (
            <div key={k}>
              <dt>{fieldLabel(words, at, k)}</dt>
              <dd>
                <JsonView value={v} words={words} path={at} />
              </dd>
            </div>
          );
        })}
      </dl>
    );
  }
  if (typeof value === 'boolean') return <span>{value ? '✓' : '✗'}</span>;
  // A catalog entry named in JSON (a payload's, a context's): by its title.
  if (typeof value === 'string' && /(^|\.)(catalogEntryId|entryId)$/.test(path)) return <EntryTitle id={value} />;
  // An organisation named in JSON (who asked to end a grant, or to extend an answer): by its name.
  if (typeof value === 'string' && /(^|\.)(requestedBy|org|providerOrg|granteeOrg)$/.test(path)) return <Org id={value} />;
  // A level of legal basis a refusal, or an entry's 不予共享, may cite (a review or revision task's context): its Chinese name.
  if (typeof value === 'string' && /(^|\.)(refusalBasis|noneBasis)$/.test(path)) return <span>{BASIS_LEVEL_NAMES[value as LegalBasis['level']] ?? value}</span>;
  // A time in JSON (an outcome's, a context's): as a person reads it, in Asia/Shanghai.
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value) && !Number.isNaN(Date.parse(value))) return <span>{formatTime(value)}</span>;
  // An article cited in JSON (an outcome's): as the Measures cite it.
  if (typeof value === 'string' && /^Art\. \d+(?: ¶\d+)?$/.test(value)) return <ArticleLink article={value} />;
  // An attachment's file name (an error report's evidence) is the reporter's, shown as it is: not words to translate.
  if (typeof value === 'string' && /(^|\.)evidence\.name$/.test(path))
    return (
      <span class="text file-name" translate={false}>
        {value}
      </span>
    );
  if (typeof value === 'string' && /(^|\.)agreementId$/.test(path))
    return (
      <a href={href('agreements', value)} title={value}>
        {t('agreements')}
      </a>
    );
  return <span class="text">{typeof value === 'string' ? valueLabel(words, path, value) : String(value)}</span>;
}

export function hasRole(...roles: string[]): boolean {
  return roles.some((r) => me.value?.roles.includes(r));
}

/** The hash of the current page with `changes` made to its query (null removes a parameter). */
export function withParams(route: Route, changes: Record<string, string | null>): string {
  const next = new URLSearchParams(route.params);
  for (const [k, v] of Object.entries(changes))
    if (v) next.set(k, v);
    else next.delete(k);
  const q = next.toString();
  return `#/${route.path.map(encodeURIComponent).join('/')}${q ? `?${q}` : ''}`;
}

/** A filter changed: back to the first page. */
export const refilter = (route: Route, changes: Record<string, string | null>) => go(withParams(route, { ...changes, cursor: null, prev: null }));

/** One page of a list the API pages with cursors: `path` at the URL's `cursor`, `limit` items, polled. */
export function usePage<T>(route: Route, path: string, limit = 20): Resource<Page<T>> {
  const sep = path.includes('?') ? '&' : '?';
  return useResource<Page<T>>(`${path}${sep}${query({ cursor: route.params.get('cursor'), limit }).slice(1)}`, LIVE_MS);
}

/**
 * A page of a list as a table, with next and previous pages kept in the URL (`cursor`, and `prev`: the
 * cursors walked through), so that the back button and a bookmark work.
 */
export function PagedTable<T>({
  route,
  r,
  caption,
  columns,
  row,
  empty = t('none'),
  name,
}: {
  route: Route;
  r: Resource<Page<T>>;
  caption: string;
  columns: ComponentChildren[];
  row: (item: T) => ComponentChildren;
  /** What an empty list says: what there is none of, and what to do next. */
  empty?: ComponentChildren;
  name?: string;
}) {
  const cursor = route.params.get('cursor');
  const prev = route.params.get('prev')?.split(',').filter(Boolean) ?? [];
  return (
    <Loading r={r}>
      {(page) => (
        <>
          {page.items.length === 0 ? (
            <p class="empty">{empty}</p>
          ) : (
            <table class={name}>
              <caption class="sr-only">{caption}</caption>
              <thead>
                <tr>
                  {columns.map((c, i) => (
                    <th scope="col" key={i}>
                      {c}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>{page.items.map(row)}</tbody>
            </table>
          )}
          <nav class="pager" aria-label={`${caption}: ${t('pages')}`}>
            {prev.length > 0 && (
              <a href={withParams(route, { cursor: prev[prev.length - 1] === '-' ? null : prev[prev.length - 1], prev: prev.slice(0, -1).join(',') || null })}>
                {t('prev')}
              </a>
            )}
            {page.nextCursor && <a href={withParams(route, { cursor: page.nextCursor, prev: [...prev, cursor ?? '-'].join(',') })}>{t('next')}</a>}
          </nav>
        </>
      )}
    </Loading>
  );
}

/** A select of the task kinds the API describes (GET /task-kinds). */
export function KindSelect({ id, value, onChange }: { id: string; value: string; onChange: (kind: string) => void }) {
  const kinds = useResource<{ items: TaskKind[] }>('/task-kinds');
  return (
    <div class="field">
      <label for={id}>{t('kind')}</label>
      <select id={id} value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
        <option value="">{t('allKinds')}</option>
        {kinds.data?.items.map((k) => (
          <option key={k.kind} value={k.kind}>
            {label('kind', k.kind)}
          </option>
        ))}
      </select>
    </div>
  );
}

/** Organisation names by id (GET /organisations), loaded once signed in: views carry ids. */
export const organisations = signal<Map<string, string>>(new Map());
export async function loadOrganisations(): Promise<void> {
  if (organisations.value.size) return;
  const { items } = await get<{ items: { id: string; name: string }[] }>('/organisations');
  organisations.value = new Map(items.map((o) => [o.id, o.name]));
}

/** A catalog entry by its title (its id on hover); the id until the title is read. */
export function EntryTitle({ id }: { id: string }) {
  const e = useResource<CatalogEntry>(`/catalog/${encodeURIComponent(id)}`);
  return e.data ? <span title={id}>{e.data.title}</span> : <span class="muted">{id}</span>;
}

/**
 * The labels (信息项名称) of an entry's data items by their names, once the entry is read: undefined while it is
 * being read, null when it cannot be (the names stand in).
 */
export function useItemLabels(entryId: string | null | undefined): Record<string, string> | null | undefined {
  const e = useResource<CatalogEntry>(entryId ? `/catalog/${encodeURIComponent(entryId)}` : null);
  if (e.error) return null;
  return e.data && Object.fromEntries(e.data.fields.map((f) => [f.name, f.label]));
}

/** A form's words, its lists of an entry's data items (`fields`, `items`, a delivery's `deliveredFields`) read by the items' labels. */
export function useEntryWords(words: FormWords | undefined, entryId: string | null | undefined): FormWords | undefined {
  const labels = useItemLabels(entryId);
  if (!labels) return words;
  return { fields: words?.fields ?? {}, values: { ...words?.values, fields: labels, items: labels, deliveredFields: labels, entryFields: labels } };
}

/** Data items of an entry by their labels (their names on hover). */
export function ItemNames({ entryId, names }: { entryId: string; names: string[] }) {
  return <ItemList labels={useItemLabels(entryId)} names={names} />;
}

/** Data items by the labels given (their names on hover), the names where a label is unknown. */
export function ItemList({ labels, names }: { labels: Record<string, string> | null | undefined; names: string[] }) {
  return (
    <>
      {names.map((n, i) => (
        <span key={n} title={n}>
          {i > 0 && '、'}
          {labels?.[n] ?? n}
        </span>
      ))}
    </>
  );
}

/** Who acted, by their account; the system (and the seeding of the demo catalog) as 系统. */
export const actorName = (sub: string | null | undefined): string => (!sub || sub === 'system' || sub === 'seed' ? label('role', 'system') : sub);

/** An organisation by name (its id on hover), or the id while names are unknown. */
export function Org({ id, name: given }: { id: string | null; name?: string }) {
  if (!id) return <span>{t('publicMember')}</span>;
  // The directory this caller reads (its own city's), else the name the answer carried (another city's agency).
  const name = organisations.value.get(id) ?? given;
  return name ? <span title={id}>{name}</span> : <span>{id}</span>;
}

/**
 * A form's round trip: busy while it sends; a refusal's fields for the fields they name (`errors`), anything
 * else in the problem box (`error`). `run` answers the refusal, or undefined when the call went through.
 */
export function useSubmit() {
  const [errors, setErrors] = useState<Errors>(new Map());
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const [tries, setTries] = useState(0);
  const run = async (call: () => Promise<unknown>): Promise<ApiError | undefined> => {
    setBusy(true);
    setTries((n) => n + 1);
    try {
      await call();
      setErrors(new Map());
      setError(undefined);
      return undefined;
    } catch (x) {
      const err = asApiError(x);
      setErrors(errorsByField(err.fields()));
      setError(err.fields().length ? undefined : err);
      return err;
    } finally {
      setBusy(false);
    }
  };
  return { errors, error, busy, tries, run, reset: () => setErrors(new Map()) };
}
