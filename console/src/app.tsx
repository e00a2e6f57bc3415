import { NotificationSettings } from './pages/notification-settings';
import { useEffect, useState } from 'preact/hooks';
import { get, session, type Me, type RequestType, type TaskKind } from './http';
import { lang, label, setLang, setProcedureWords, t } from './i18n';
import { authed, Flash, hasRole, href, loadArticles, loadOrganisations, me, useRoute } from './lib';
import { Adjust } from './pages/adjust';
import { Agents } from './pages/agents';
import { Delegations } from './pages/delegations';
import { Webhooks } from './pages/webhooks';
import { Agreements, AgreementPage, Grants } from './pages/agreements';
import { Apply } from './pages/apply';
import { Catalog, EntryPage } from './pages/catalog';
import { CORRECTION, ReportError } from './pages/correction';
import { Evaluation } from './pages/evaluation';
import { Inbox } from './pages/inbox';
import { ArticlePage, Notifications } from './pages/notifications';
import { Overdue } from './pages/overdue';
import { RequestPage, Requests } from './pages/requests';
import { SignIn } from './pages/signin';
import { TaskPage } from './pages/task';
import { loadCalendar } from './workdays';

function Header() {
  const who = me.value;
  return (
    <header class="top">
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        {t('skip')}
      </a>
      <span class="brand">{t('appTitle')}</span>
      {who && (
        <span class="who" data-testid="who">
          <strong>{who.principal?.name ?? who.sub}</strong> · {who.organisation?.name ?? t('publicMember')} ·{' '}
          {who.roles.map((r) => label('role', r)).join('、')}
        </span>
      )}
      <label class="lang">
        <span class="sr-only">{t('language')}</span>
        <select value={lang.value} onChange={(e) => setLang((e.target as HTMLSelectElement).value as 'zh' | 'en')}>
          <option value="zh">中文</option>
          <option value="en">English</option>
        </select>
      </label>
      {who && (
        <button
          type="button"
          class="secondary"
          onClick={() => {
            session.token = null;
            me.value = null;
            authed.value = false;
            location.hash = '#/';
          }}
        >
          {t('signOut')}
        </button>
      )}
    </header>
  );
}

/** The menu: beside the page on a wide screen; on a phone, behind a 菜单 button, closed again once a page is picked. */
function Nav({ current }: { current: string }) {
  const [open, setOpen] = useState(false);
  const route = useRoute();
  useEffect(() => setOpen(false), [route.path.join('/'), route.params.toString()]);
  const item = (path: string, text: string) => (
    <li>
      <a href={href(path)} aria-current={current === path ? 'page' : undefined}>
        {text}
      </a>
    </li>
  );
  return (
    <nav class="side" aria-label={t('appTitle')}>
      <button type="button" class="menu-toggle secondary" aria-expanded={open} aria-controls="side-menu" onClick={() => setOpen(!open)}>
        {t('menu')}
      </button>
      <ul id="side-menu" class={open ? 'open' : undefined}>
        {item('inbox', t('inbox'))}
        {hasRole('leading_group') && (
          <li>
            <a href="#/dossiers?kind=DISPUTE_DECISION" aria-current={current === 'dossiers' ? 'page' : undefined}>
              {t('dossiers')}
            </a>
          </li>
        )}
        {hasRole('supervisor') && item('evaluation', t('evaluation'))}
        {hasRole('supervisor', 'admin') && item('overdue', t('overdue'))}
        {hasRole('agency_applicant', 'public_applicant', 'authority_reviewer') && item('apply', t('apply'))}
        {item('requests', t('myRequests'))}
        {item('catalog', t('catalog'))}
        {hasRole('agency_applicant') && item('adjust', '目录调整')}
        {hasRole('agency_applicant', 'provider_reviewer', 'authority_reviewer', 'admin') && item('grants', t('grants'))}
        {item('agreements', t('agreements'))}
        {item('notifications', t('notifications'))}
        {me.value?.organisation && item('delegations', t('delegations'))}
        {me.value?.organisation && item('notification-settings', t('notificationSettings'))}
        {/* The organisation's webhooks are its admin's (GET/POST /webhooks, requireMember 'admin'). */}
        {me.value?.organisation && hasRole('admin') && item('webhooks', t('webhooks'))}
        {me.value?.principal?.kind === 'legal' && item('agents', t('agents'))}
      </ul>
    </nav>
  );
}

function Page() {
  const route = useRoute();
  const [head, id] = route.path;
  switch (head) {
    case 'tasks':
      return id ? <TaskPage id={id} /> : <Inbox route={route} />;
    case 'dossiers':
      return <Inbox route={route} title={t('dossiers')} />;
    case 'requests':
      return id ? <RequestPage id={id} /> : <Requests route={route} />;
    case 'apply':
      // A catalog adjustment is made in its own page, change by change, not as one generated form.
      // An error report (报告数据错误) attaches files, which the browser hashes: its own page too.
      if (id === CORRECTION) return <ReportError route={route} />;
      return id === 'catalog_adjustment' ? <Adjust route={{ ...route, path: ['adjust'] }} /> : <Apply route={route} />;
    case 'overdue':
      return <Overdue route={route} />;
    case 'evaluation':
      return <Evaluation route={route} />;
    case 'catalog':
      return id ? <EntryPage id={id} /> : <Catalog route={route} />;
    case 'adjust':
      return <Adjust route={route} />;
    case 'grants':
      return <Grants route={route} />;
    case 'agreements':
      return id ? <AgreementPage id={id} /> : <Agreements route={route} />;
    case 'notifications':
      return <Notifications />;
    case 'agents':
      return <Agents />;
    case 'notification-settings':
      return <NotificationSettings />;
    case 'webhooks':
      return <Webhooks />;
    case 'delegations':
      return <Delegations self={me.value?.sub ?? ''} />;
    case 'articles':
      return <ArticlePage n={id ?? '1'} />;
    default:
      // A supervisor's home is their division's evaluation; everyone else's their inbox.
      return hasRole('supervisor') ? <Evaluation route={route} /> : <Inbox route={route} />;
  }
}

/**
 * Each table cell carries its column's heading (data-label), so that on a phone a table reads as a list of cards,
 * every value under its name (style.css), whatever page drew the table.
 */
function labelTableCells(root: HTMLElement): void {
  for (const table of root.querySelectorAll('table')) {
    const headings = [...table.querySelectorAll('thead th')].map((th) => th.textContent?.trim() ?? '');
    for (const row of table.querySelectorAll('tbody tr'))
      [...row.children].forEach((cell, i) => {
        if (headings[i] && cell.getAttribute('data-label') !== headings[i]) cell.setAttribute('data-label', headings[i]);
      });
  }
}

export function App() {
  const route = useRoute();
  useEffect(() => {
    const main = document.getElementById('main');
    if (!main) return;
    labelTableCells(main);
    const watch = new MutationObserver(() => labelTableCells(main));
    watch.observe(main, { childList: true, subtree: true, characterData: true });
    return () => watch.disconnect();
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang.value === 'zh' ? 'zh-CN' : 'en';
    const out = () => {
      session.token = null;
      me.value = null;
      authed.value = false;
    };
    window.addEventListener('pdw:unauthorized', out);
    // With a token, the page and who one is load side by side; a refused token signs out.
    if (session.token) void get<Me>('/me').then((m) => (me.value = m), out);
    return () => window.removeEventListener('pdw:unauthorized', out);
  }, []);
  useEffect(() => {
    if (authed.value) {
      void loadCalendar().catch(() => undefined);
      void loadOrganisations().catch(() => undefined);
      void loadArticles().catch(() => undefined);
      // What each procedure calls its task kinds, decisions and statuses: the registry's words, from the API.
      void Promise.all([get<{ items: TaskKind[] }>('/task-kinds'), get<{ items: RequestType[] }>('/request-types')])
        .then(([kinds, types]) => setProcedureWords(kinds.items, types.items))
        .catch(() => undefined);
    }
  }, [authed.value]);
  document.title = t('appTitle');
  return (
    <>
      <Header />
      {authed.value && <Nav current={route.path[0] ?? (hasRole('supervisor') ? 'evaluation' : 'inbox')} />}
      <main id="main" tabIndex={-1}>
        {/* The last action's result, where it led: focused, in a status region. */}
        <Flash />
        {authed.value ? <Page key={route.path.join('/')} /> : <SignIn />}
      </main>
    </>
  );
}
