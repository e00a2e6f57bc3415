// The inbox: tasks for one's roles, by due time (the API's one order, soonest first), each with its request's case number,
// applying organisation and entry, with due and overdue in working days; filters and pages.
import { useEffect } from 'preact/hooks';
import { query, send, type Task } from '../http';
import { formatTime, label, t } from '../i18n';
import { announce, ArticleLink, href, KindSelect, me, PagedTable, ProblemBox, refilter, Status, usePage, useSubmit, type Route } from '../lib';
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

/** Who holds a task: by name where the directory knows one (their sub beside it), "me" for oneself. */
export function Assignee({ task }: { task: Task }) {
  if (!task.assignee) return <span class="muted">{t('unclaimed')}</span>;
  if (task.assignee === me.value?.sub) return <span>{t('me')}</span>;
  return task.assigneeName ? (
    <span>
      {task.assigneeName} <span class="muted">({task.assignee})</span>
    </span>
  ) : (
    <span>{task.assignee}</span>
  );
}

/** A request's case number (受理编号), or its id where it has none (a request older than case numbers). */
export function CaseNumber({ caseNumber, requestId }: { caseNumber: string | null; requestId: string }) {
  return caseNumber ? <span class="case-number">{caseNumber}</span> : <span class="muted">{requestId}</span>;
}

/** The inbox's filters live in the URL, so a filtered inbox can be bookmarked and the back button works. */
export function Inbox({ route, title = t('inbox') }: { route: Route; title?: string }) {
  const p = route.params;
  const within = p.get('within');
  const dueBefore = within ? endOfDay(shiftWorkdays(shanghaiDay(new Date()), Number(within), isWorkday)).toISOString() : undefined;
  const tasks = usePage<Task>(
    route,
    `/tasks${query({ status: p.get('status') ?? 'open', kind: p.get('kind'), overdue: p.get('overdue') === 'true' ? true : undefined, dueBefore })}`,
  );
  const claiming = useSubmit();
  const claim = async (task: Task, action: 'claim' | 'unclaim') => {
    const refused = await claiming.run(() => send('POST', `/tasks/${encodeURIComponent(task.id)}/${action}`));
    await tasks.reload();
    if (!refused) announce(t(action === 'claim' ? 'claimedNotice' : 'unclaimedNotice'));
  };
  // User timing for the benchmark (and any monitoring): when a page of the inbox is on screen.
  useEffect(() => {
    if (tasks.data) performance.mark('pdw:inbox-rendered');
  }, [tasks.data]);
  return (
    <section>
      <h1>{title}</h1>
      <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <KindSelect id="f-kind" value={p.get('kind') ?? ''} onChange={(kind) => refilter(route, { kind })} />
        <div class="field">
          <label for="f-status">{t('status')}</label>
          <select id="f-status" value={p.get('status') ?? 'open'} onChange={(e) => refilter(route, { status: (e.target as HTMLSelectElement).value })}>
            {['open', 'completed', 'cancelled'].map((s) => (
              <option key={s} value={s}>
                {label('taskStatus', s)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="f-due">{t('due')}</label>
          <select
            id="f-due"
            value={p.get('overdue') === 'true' ? 'overdue' : (within ?? '')}
            onChange={(e) => {
              const v = (e.target as HTMLSelectElement).value;
              refilter(route, v === 'overdue' ? { overdue: 'true', within: null } : { overdue: null, within: v || null });
            }}
          >
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
      <ProblemBox error={claiming.error} />
      <PagedTable<Task>
        route={route}
        r={tasks}
        name="tasks"
        caption={title}
        empty={t('inboxEmpty')}
        columns={[
          t('kind'),
          t('caseNumber'),
          t('applyingOrg'),
          t('entry'),
          t('due'),
          t('article'),
          t('assignee'),
          t('status'),
          <span class="sr-only">{t('claim')}</span>,
        ]}
        row={(task) => (
          <tr key={task.id} data-task={task.id} data-request={task.requestId}>
            <td>
              <a href={href('tasks', task.id)}>{label('kind', task.kind)}</a>
            </td>
            <td>
              <CaseNumber caseNumber={task.caseNumber} requestId={task.requestId} />
            </td>
            <td>{task.applicantName ?? t('applicant')}</td>
            <td>{task.entryTitle ?? '—'}</td>
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
              <Status code={task.status} task />
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
        )}
      />
    </section>
  );
}
