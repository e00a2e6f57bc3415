import type { Article, Notification, Page } from '../http';
import { articleName, formatTime, t } from '../i18n';
import { href, LIVE_MS, Loading, useResource } from '../lib';

export function Notifications() {
  const list = useResource<Page<Notification>>('/notifications?limit=50', LIVE_MS);
  return (
    <section>
      <h1>{t('notifications')}</h1>
      <Loading r={list}>
        {(page) =>
          page.items.length === 0 ? (
            <p class="empty">{t('noNotifications')}</p>
          ) : (
            <ol class="notifications" aria-live="polite">
              {page.items.map((n) => (
                <li key={n.id}>
                  <time dateTime={n.createdAt}>{formatTime(n.createdAt)}</time> <span class="text">{n.message}</span>{' '}
                  {n.taskId && <a href={href('tasks', n.taskId)}>{t('task')}</a>}{' '}
                  {n.requestId && <a href={href('requests', n.requestId)}>{n.caseNumber ?? t('request')}</a>}
                </li>
              ))}
            </ol>
          )
        }
      </Loading>
    </section>
  );
}

export function ArticlePage({ n }: { n: string }) {
  const a = useResource<Article>(`/articles/${encodeURIComponent(n)}`);
  return (
    <Loading r={a}>
      {(x) => (
        <article>
          <h1>
            {articleName(x.article)} <span class="muted">{x.chapter}</span>
          </h1>
          <p class="text article-text" lang="zh-CN">
            {x.text}
          </p>
          <p>
            <a href={`#/articles/${x.number - 1}`} hidden={x.number <= 1}>
              ← {articleName(`Art. ${x.number - 1}`)}
            </a>{' '}
            <a href={`#/articles/${x.number + 1}`}>{articleName(`Art. ${x.number + 1}`)} →</a>
          </p>
        </article>
      )}
    </Loading>
  );
}
