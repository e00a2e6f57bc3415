// Routing by the URL's hash, data that follows the API (polled with ETags), and the problem box.
import { signal } from '@preact/signals';
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, get, session, type Me } from './http';
import { label, t } from './i18n';

export const me = signal<Me | null>(null);
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
      if (current.current === path) setError(e instanceof ApiError ? e : new ApiError({ status: 0, title: String(e) }));
    }
  }, [path]);
  useEffect(() => {
    setData(undefined);
    setError(undefined);
    void reload();
    if (!pollMs) return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void reload();
    }, pollMs);
    return () => clearInterval(timer);
  }, [reload, pollMs]);
  return { data, error, reload };
}

/** Poll interval of lists and pages that change while one looks at them. */
export const LIVE_MS = 3000;

export function ProblemBox({ error, onRetry }: { error: ApiError | undefined; onRetry?: () => void }) {
  if (!error) return null;
  const p = error.problem;
  return (
    <div class="problem" role="alert">
      <strong>{p.status === 404 ? t('notFound') : p.title || t('error')}</strong>
      {p.detail && <p>{p.detail}</p>}
      {p.article && <ArticleLink article={p.article} />}
      {onRetry && (
        <button type="button" onClick={onRetry}>
          {t('retry')}
        </button>
      )}
    </div>
  );
}

export function Loading<T>({ r, children }: { r: Resource<T>; children: (data: T) => ComponentChildren }) {
  if (r.data !== undefined) return <>{children(r.data)}</>;
  if (r.error) return <ProblemBox error={r.error} onRetry={() => void r.reload()} />;
  return <p aria-busy="true">{t('loading')}</p>;
}

/** `Art. 14` → a link to the article's text. */
export function ArticleLink({ article }: { article: string }) {
  const n = /Art\. (\d+)/.exec(article)?.[1];
  return n ? <a href={href('articles', n)}>{article}</a> : <span>{article}</span>;
}

export function Status({ code }: { code: string }) {
  return <span class={`status status-${code}`}>{label('status', code)}</span>;
}

/** Any JSON the API sends as it is (payloads, contexts, outcomes): nested lists of name and value. */
export function JsonView({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <span class="muted">—</span>;
  if (Array.isArray(value)) {
    if (value.length === 0) return <span class="muted">—</span>;
    return (
      <ol class="json">
        {value.map((v, i) => (
          <li key={i}>
            <JsonView value={v} />
          </li>
        ))}
      </ol>
    );
  }
  if (typeof value === 'object') {
    return (
      <dl class="json">
        {Object.entries(value as Record<string, unknown>).map(([k, v]) => (
          <div key={k}>
            <dt>{label('field', k)}</dt>
            <dd>
              <JsonView value={v} />
            </dd>
          </div>
        ))}
      </dl>
    );
  }
  if (typeof value === 'boolean') return <span>{value ? '✓' : '✗'}</span>;
  return <span class="text">{String(value)}</span>;
}

export function hasRole(...roles: string[]): boolean {
  return roles.some((r) => me.value?.roles.includes(r));
}
