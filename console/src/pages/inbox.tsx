// The inbox: tasks for one's roles, by due time (the API's one order, soonest first), each with its request's case number,
// applying organisation and entry, with due and overdue in working days; filters and pages.
import { useEffect, useState } from 'preact/hooks';
import { query, send, type Problem, type Task, type TaskKind } from '../http';
import { decisionLabel, formatTime, label, problemMessage, t } from '../i18n';
import {
  announce,
  ArticleLink,
  href,
  KindSelect,
  me,
  PagedTable,
  ProblemBox,
  refilter,
  Status,
  useFocusOn,
  usePage,
  useResource,
  useSubmit,
  type Route,
} from '../lib';
import { endOfDay, shanghaiDay, shiftWorkdays } from '../../../domain/calendar';
import { dueText, isWorkday } from '../workdays';
import { RequiredMark } from '../schema-form';

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

interface BulkRow {
  taskId: string;
  status: 'decided' | 'refused';
  problem?: Problem;
}

/** One task's result in a bulk decision: 已办理, or its refusal in Chinese (the problem's code, as a single decision shows it). */
const bulkText = (r: BulkRow) => (r.status === 'decided' ? t('bulkDecided') : problemMessage(r.problem ?? { title: '', status: 0 }));

/**
 * 批量办理: one decision and reason for the tasks ticked in an inbox filtered to one kind. Only the kind's decisions
 * that take no form are offered (a form is particular to its task). Each task is decided on its own (POST
 * /tasks/bulk-complete): the results, row by row, in a live region that takes focus; the list refreshes behind it.
 */
function BulkBar({
  kind,
  selected,
  onResults,
}: {
  kind: string;
  /** Task id → its case number. */
  selected: Map<string, string>;
  onResults: (rows: BulkRow[]) => Promise<void>;
}) {
  const kinds = useResource<{ items: TaskKind[] }>('/task-kinds');
  const decisions = (kinds.data?.items.find((k) => k.kind === kind)?.decisions ?? []).filter(
    (d) => !d.form || Object.keys((d.form as { properties?: object }).properties ?? {}).length === 0,
  );
  const [decision, setDecision] = useState('');
  const [reason, setReason] = useState('');
  const [results, setResults] = useState<{ rows: BulkRow[]; cases: Map<string, string>; n: number }>();
  const submitting = useSubmit();
  const ref = useFocusOn<HTMLDivElement>(results?.n);
  const chosen = decisions.find((d) => d.decision === decision);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!selected.size || !chosen) return;
    const cases = new Map(selected);
    let rows: BulkRow[] = [];
    const refused = await submitting.run(async () => {
      const body = { kind, taskIds: [...cases.keys()], decision, ...(reason.trim() ? { reason } : {}) };
      rows = (await send<{ results: BulkRow[] }>('POST', '/tasks/bulk-complete', body)).results;
    });
    if (refused) return;
    setResults((was) => ({ rows, cases, n: (was?.n ?? 0) + 1 }));
    await onResults(rows);
  };
  const done = results?.rows.filter((r) => r.status === 'decided').length ?? 0;
  return (
    <form class="bulk" aria-labelledby="bulk-title" onSubmit={(e) => void submit(e)}>
      <h2 id="bulk-title">{t('bulkTitle')}</h2>
      <p class="muted">{t('bulkFormNote')}</p>
      <div class="field">
        <label for="bulk-decision">{t('decision')}</label>
        <select id="bulk-decision" value={decision} required onChange={(e) => setDecision((e.target as HTMLSelectElement).value)}>
          <option value="">—</option>
          {decisions.map((d) => (
            <option key={d.decision} value={d.decision}>
              {decisionLabel(d.decision, kind)}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="bulk-reason">
          {t('reason')}
          {chosen?.reasonRequired && <RequiredMark />}
        </label>
        <textarea
          id="bulk-reason"
          rows={2}
          value={reason}
          required={chosen?.reasonRequired}
          onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)}
        />
      </div>
      <p>{t('bulkSelected', { n: selected.size })}</p>
      <button type="submit" disabled={submitting.busy || !selected.size || !chosen}>
        {submitting.busy ? t('submitting') : t('bulkSubmit')}
      </button>
      <ProblemBox error={submitting.error} />
      {results && (
        <div class="notice bulk-results" role="status" aria-live="polite" tabIndex={-1} ref={ref}>
          <p>{t('bulkDone', { done, refused: results.rows.length - done })}</p>
          <ul>
            {results.rows.map((r) => (
              <li key={r.taskId} data-task={r.taskId} class={r.status}>
                {results.cases.get(r.taskId) ?? r.taskId}：{bulkText(r)}
              </li>
            ))}
          </ul>
        </div>
      )}
    </form>
  );
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
  // Bulk decisions need one kind: the inbox filtered to it, open tasks.
  const bulkKind = (p.get('status') ?? 'open') === 'open' ? p.get('kind') : null;
  // The ticked tasks with their case numbers, kept as ticked: the list refreshes, and a task decided meanwhile leaves it.
  const [selected, setSelected] = useState<Map<string, string>>(new Map());
  const [outcome, setOutcome] = useState<Map<string, BulkRow>>(new Map());
  const toggle = (task: Task, on: boolean) =>
    setSelected((was) => {
      const now = new Map(was);
      if (on) now.set(task.id, task.caseNumber ?? task.requestId);
      else now.delete(task.id);
      return now;
    });
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
      {bulkKind ? (
        <BulkBar
          kind={bulkKind}
          selected={selected}
          onResults={async (rows) => {
            setOutcome(new Map(rows.map((r) => [r.taskId, r])));
            setSelected(new Map());
            await tasks.reload();
          }}
        />
      ) : (
        <p class="muted">{t('bulkHint')}</p>
      )}
      <ProblemBox error={claiming.error} />
      <PagedTable<Task>
        route={route}
        r={tasks}
        name="tasks"
        caption={title}
        empty={t('inboxEmpty')}
        columns={[
          ...(bulkKind ? [<span class="sr-only">{t('bulkSelect')}</span>] : []),
          t('kind'),
          t('caseNumber'),
          t('applyingOrg'),
          t('entry'),
          t('due'),
          t('article'),
          t('assignee'),
          t('status'),
          <span class="sr-only">{t('claim')}</span>,
          ...(bulkKind ? [t('bulkResult')] : []),
        ]}
        row={(task) => (
          <tr key={task.id} data-task={task.id} data-request={task.requestId}>
            {bulkKind && (
              <td>
                {task.status === 'open' && task.kind === bulkKind && (
                  <input
                    type="checkbox"
                    aria-label={t('bulkSelectTask', { case: task.caseNumber ?? task.requestId })}
                    checked={selected.has(task.id)}
                    onChange={(e) => toggle(task, (e.target as HTMLInputElement).checked)}
                  />
                )}
              </td>
            )}
            <td>
              <a href={href('tasks', task.id)}>{label('kind', task.kind)}</a>
              {task.onBehalfOf && (
                <>
                  {' '}
                  <span class="badge delegated" data-delegated title={task.onBehalfOf.sub}>
                    {t('onBehalfBadge', { name: task.onBehalfOf.name ?? task.onBehalfOf.sub })}
                  </span>
                </>
              )}
              {task.status === 'open' && task.escalatedAt && (
                <>
                  {' '}
                  <span class="badge escalated" data-escalated title={formatTime(task.escalatedAt)}>
                    {t('escalatedBadge')}
                  </span>
                </>
              )}
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
            {bulkKind && <td class="bulk-result">{outcome.has(task.id) ? bulkText(outcome.get(task.id)!) : ''}</td>}
          </tr>
        )}
      />
    </section>
  );
}
