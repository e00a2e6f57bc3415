// Supervisors (Art. 32): the open tasks past due in their division, by agency, procedure and working days
// overdue, longest overdue first, each linked to its task.
import { query, type Page, type Task, type TaskKind } from '../http';
import { formatTime, label, t } from '../i18n';
import { go, href, LIVE_MS, Loading, useResource, type Route } from '../lib';
import { dueText } from '../workdays';

export function Overdue({ route }: { route: Route }) {
  const p = route.params;
  const agency = p.get('agency') ?? '';
  const kind = p.get('kind') ?? '';
  const list = useResource<Page<Task>>(`/overdue-tasks${query({ candidateOrg: agency, kind, limit: 100, cursor: p.get('cursor') })}`, LIVE_MS);
  const kinds = useResource<{ items: TaskKind[] }>('/task-kinds');
  const set = (k: string, v: string) => {
    const next = new URLSearchParams(p);
    if (v) next.set(k, v);
    else next.delete(k);
    next.delete('cursor');
    go(`#/overdue?${next}`);
  };
  return (
    <section>
      <h1>{t('overdue')}</h1>
      <Loading r={list}>
        {(page) => {
          const agencies = [...new Set([...page.items.flatMap((x) => (x.candidateOrg ? [x.candidateOrg] : [])), ...(agency ? [agency] : [])])].sort();
          const shown = page.items;
          return (
            <>
              <form class="filters" onSubmit={(e) => e.preventDefault()}>
                <div class="field">
                  <label for="o-agency">{t('agency')}</label>
                  <select id="o-agency" value={agency} onChange={(e) => set('agency', (e.target as HTMLSelectElement).value)}>
                    <option value="">{t('allAgencies')}</option>
                    {agencies.map((a) => (
                      <option key={a} value={a}>
                        {a}
                      </option>
                    ))}
                  </select>
                </div>
                <div class="field">
                  <label for="o-kind">{t('kind')}</label>
                  <select id="o-kind" value={kind} onChange={(e) => set('kind', (e.target as HTMLSelectElement).value)}>
                    <option value="">{t('allKinds')}</option>
                    {kinds.data?.items.map((k) => (
                      <option key={k.kind} value={k.kind}>
                        {label('kind', k.kind)}
                      </option>
                    ))}
                  </select>
                </div>
              </form>
              {shown.length === 0 ? (
                <p class="empty">{t('nothingOverdue')}</p>
              ) : (
                <table class="overdue">
                  <thead>
                    <tr>
                      <th scope="col">{t('agency')}</th>
                      <th scope="col">{t('kind')}</th>
                      <th scope="col">{t('procedure')}</th>
                      <th scope="col">{t('daysOverdue')}</th>
                      <th scope="col">{t('due')}</th>
                      <th scope="col">{t('assignee')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {shown.map((x) => (
                      <tr key={x.id} data-task={x.id}>
                        <td>{x.candidateOrg ?? x.candidates.map((c) => c.user).join('、')}</td>
                        <td>
                          <a href={href('tasks', x.id)}>{label('kind', x.kind)}</a>
                          <div class="muted small">{x.requestId}</div>
                        </td>
                        <td>
                          <a href={href('requests', x.requestId)}>{label('type', kinds.data?.items.find((k) => k.kind === x.kind)?.requestType ?? '—')}</a>
                        </td>
                        <td class="overdue">{dueText(x.dueAt)}</td>
                        <td>{formatTime(x.dueAt)}</td>
                        <td>{x.assignee ?? t('unclaimed')}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              {page.nextCursor && <a href={`#/overdue?cursor=${encodeURIComponent(page.nextCursor)}`}>{t('next')}</a>}
            </>
          );
        }}
      </Loading>
    </section>
  );
}
