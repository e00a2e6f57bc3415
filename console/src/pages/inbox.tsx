// The inbox: tasks for one's roles, by due time, with due and overdue in working days; filters and pages.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, query, send, type Page, type Task, type TaskKind } from '../http';
import { formatTime, label, t } from '../i18n';
import { ArticleLink, go, href, LIVE_MS, me, ProblemBox, Status, useResource, type Route } from '../lib';
import { endOfDay, shanghaiDay, shiftWorkdays } from '../../../domain/calendar';
import { dueText, isWorkday } from '../workdays';

export function Due({ task }: { task: Task }) {
  const overdue = task.status === 'open' && (task.overdue || new Date(task.dueAt) < new Date());
  return (
    <span class={overdue ? 'due overdue' : 'due'} title={formatTime(task.dueAt)}>
      {task.status === 'open' ? dueText(task.dueAt) : formatTime(task.dueAt)}
      {!task.dueCalendarKnown && <span class="muted"> {t('calendarUnknown')}</span>}
    </span>
  );
}

export function Assignee({ task }: { task: Task }) {
  if (!task.assignee) return <span class="muted">{t('unclaimed')}</span>;
  return <span>{task.assignee === me.value?.sub ? t('me') : task.assignee}</span>;
}

/** The inbox's filters live in the URL, so a filtered inbox can be bookmarked and the back button works. */
export function Inbox({ route, title = t('inbox') }: { route: Route; title?: string }) {
  const p = route.params;
  const kinds = useResource<{ items: TaskKind[] }>('/task-kinds');
  const within = p.get('within');
  const dueBefore = within ? endOfDay(shiftWorkdays(shanghaiDay(new Date()), Number(within), isWorkday)).toISOString() : undefined;
  const path = `/tasks${query({ status: p.get('status') ?? 'open', kind: p.get('kind'), overdue: p.get('overdue') === 'true' ? true : undefined, dueBefore, cursor: p.get('cursor'), limit: 20 })}`;
  const tasks = useResource<Page<Task>>(path, LIVE_MS);
  const [error, setError] = useState<ApiError>();
  const setParam = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(p);
    for (const [k, v] of Object.entries(changes)) if (v) next.set(k, v);
    else next.delete(k);
    if (!('cursor' in changes)) {
      next.delete('cursor');
      next.delete('prev');
    }
    go(`${route.path.length ? '#/' + route.path.join('/') : '#/inbox'}?${next}`);
  };
  const claim = async (task: Task, action: 'claim' | 'unclaim') => {
    try {
      await send('POST', `/tasks/${encodeURIComponent(task.id)}/${action}`);
      setError(undefined);
    } catch (e) {
      setError(e as ApiError);
    }
    await tasks.reload();
  };
  const prev = p.get('prev')?.split(',').filter(Boolean) ?? [];
  // User timing for the benchmark (and any monitoring): when a page of the inbox is on screen.
  useEffect(() => {
    if (tasks.data) performance.mark('pdw:inbox-rendered');
  }, [tasks.data]);
  return (
    <section>
      <h1>{title}</h1>
      <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="f-kind">{t('kind')}</label>
          <select id="f-kind" value={p.get('kind') ?? ''} onChange={(e) => setParam({ kind: (e.target as HTMLSelectElement).value })}>
            <option value="">{t('allKinds')}</option>
            {kinds.data?.items.map((k) => (
              <option key={k.kind} value={k.kind}>
                {label('kind', k.kind)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="f-status">{t('status')}</label>
          <select id="f-status" value={p.get('status') ?? 'open'} onChange={(e) => setParam({ status: (e.target as HTMLSelectElement).value })}>
            {['open', 'completed', 'cancelled'].map((s) => (
              <option key={s} value={s}>
                {label('status', s)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="f-due">{t('due')}</label>
          <select id="f-due" value={p.get('overdue') === 'true' ? 'overdue' : (within ?? '')} onChange={(e) => {
            const v = (e.target as HTMLSelectElement).value;
            setParam(v === 'overdue' ? { overdue: 'true', within: null } : { overdue: null, within: v || null });
          }}>
            <option value="">{t('any')}</option>
            <option value="overdue">{t('overdueOnly')}</option>
            {[1, 3, 5, 10].map((n) => (
              <option key={n} value={String(n)}>
                {t('dueWithin')} ≤ {n}
              </option>
            ))}
          </select>
        </div>
      </form>
      <ProblemBox error={error ?? tasks.error} />
      {tasks.data && tasks.data.items.length === 0 && <p class="empty">{t('inboxEmpty')}</p>}
      {tasks.data && tasks.data.items.length > 0 && (
        <table class="tasks">
          <caption class="sr-only">{title}</caption>
          <thead>
            <tr>
              <th scope="col">{t('kind')}</th>
              <th scope="col">{t('due')}</th>
              <th scope="col">{t('article')}</th>
              <th scope="col">{t('assignee')}</th>
              <th scope="col">{t('status')}</th>
              <th scope="col">
                <span class="sr-only">{t('claim')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tasks.data.items.map((task) => (
              <tr key={task.id} data-task={task.id}>
                <td>
                  <a href={href('tasks', task.id)}>{label('kind', task.kind)}</a>
                  <div class="muted small">{task.requestId}</div>
                </td>
                <td>
                  <Due task={task} />
                </td>
                <td>
                  <ArticleLink article={task.article} />
                </td>
                <td>
                  <Assignee task={task} />
                </td>
                <td>
                  <Status code={task.status} />
                </td>
                <td>
                  {task.status === 'open' && !task.assignee && (
                    <button type="button" class="secondary" onClick={() => void claim(task, 'claim')}>
                      {t('claim')}
                    </button>
                  )}
                  {task.status === 'open' && task.assignee === me.value?.sub && (
                    <button type="button" class="secondary" onClick={() => void claim(task, 'unclaim')}>
                      {t('unclaim')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav class="pager" aria-label={t('next')}>
        {prev.length > 0 && (
          <button type="button" class="secondary" onClick={() => setParam({ cursor: prev[prev.length - 1] === '-' ? null : prev[prev.length - 1], prev: prev.slice(0, -1).join(',') || null })}>
            {t('prev')}
          </button>
        )}
        {tasks.data?.nextCursor && (
          <button type="button" class="secondary" onClick={() => setParam({ cursor: tasks.data!.nextCursor, prev: [...prev, p.get('cursor') ?? '-'].join(',') })}>
            {t('next')}
          </button>
        )}
      </nav>
    </section>
  );
}
