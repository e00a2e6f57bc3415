import type { Article, Notification, Page } from '../http';
import { articleName, formatTime, label, lang, t } from '../i18n';
import { href, LIVE_MS, Loading, organisations, useResource } from '../lib';

const orgName = (id: string) => organisations.value.get(id) ?? id;
const statusWord = (code: string) => label('status', code).replace(/^已/, '');

/**
 * The notices the worker writes in English (activities/requests.ts, tasks.ts), read in Chinese: their codes
 * by their labels, times as times, ids by names. Notices written in Chinese, and any other, read as written.
 */
const NOTICES: [RegExp, (m: string[]) => string][] = [
  [
    /^Your request is now (\w+)(?:: ([\s\S]*?))? \((Art\. [^)]+)\)$/,
    ([, s, r, a]) => `您的申请现为“${label('status', s)}”${r ? `：${r}` : ''}（${articleName(a)}）`,
  ],
  [/^Your request could not be processed and has failed: ([\s\S]*)$/, ([, r]) => `您的申请未能办理：${r}`],
  [/^Request (\S+) of (\S+) failed: ([\s\S]*)$/, ([, , o, r]) => `${orgName(o)}的一件申请办理失败：${r}`],
  [/^New task (\w+), due (\S+)$/, ([, k, d]) => `新任务：${label('kind', k)}，办理期限 ${formatTime(d)}`],
  [/^Task (\w+) is due (\S+)$/, ([, k, d]) => `到期提醒：${label('kind', k)}，办理期限 ${formatTime(d)}`],
  [/^Task (\w+) of (\S+) was due (\S+) and is overdue$/, ([, k, o, d]) => `任务逾期：${orgName(o)}的“${label('kind', k)}”已于 ${formatTime(d)} 到期`],
  [
    /^督办: task (\w+) of (\S+) was due (\S+) and is still undecided \((Art\. [^)]+)\)$/,
    ([, k, o, d, a]) => `督办：${orgName(o)}的“${label('kind', k)}”已于 ${formatTime(d)} 到期，仍未办理（${articleName(a)}）`,
  ],
  [/^A task was handed to you: ([\s\S]*)$/, ([, r]) => `有一项任务改派给您：${r}`],
  [/^Task (\w+) is now due (\S+): ([\s\S]*)$/, ([, k, d, r]) => `“${label('kind', k)}”的办理期限已改为 ${formatTime(d)}：${r}`],
  [/^协议 (\S+) 已([a-z_]+)([\s\S]*)$/, ([, id, s, rest]) => `协议 ${id} 已${statusWord(s)}${rest}`],
];

export function noticeText(message: string): string {
  if (lang.value !== 'zh') return message;
  for (const [pattern, say] of NOTICES) {
    const m = pattern.exec(message);
    if (m) return say([...m]);
  }
  return message;
}

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
                  <time dateTime={n.createdAt}>{formatTime(n.createdAt)}</time> <span class="text">{noticeText(n.message)}</span>{' '}
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
