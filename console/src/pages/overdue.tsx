// Supervisors (Art. 32): the open tasks past due in their division, by agency, procedure and working days
// overdue, longest overdue first, each linked to its task.
import { query, type Task, type TaskKind } from '../http';
import { formatTime, label, t } from '../i18n';
import { href, KindSelect, Org, organisations, PagedTable, refilter, usePage, useResource, type Route } from '../lib';
import { dueText } from '../workdays';
import { CaseNumber } from './inbox';

type Standing = 'overdue' | 'due_soon' | 'open';
interface OrganisationWork {
  org: string;
  procedures: { requestType: string; open: number; dueSoon: number; overdue: number }[];
  items: (Task & { requestType: string; standing: Standing })[];
  nextCursor: string | null;
}

/** One organisation's open work (GET /organisations/:id/tasks): by procedure, then its oldest open tasks. */
function OrganisationSection({ org }: { org: string }) {
  const work = useResource<OrganisationWork>(`/organisations/${encodeURIComponent(org)}/tasks?limit=50`);
  const w = work.data;
  return (
    <section class="organisation-work" aria-labelledby="org-work-h" data-org={org}>
      <h2 id="org-work-h">
        {organisations.value.get(org) ?? org} · {t('openWork')}
      </h2>
      {work.error && <p role="alert">{work.error.message}</p>}
      {w && (
        <>
          <table>
            <caption>{t('openWorkByProcedure')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('procedure')}</th>
                <th scope="col">{t('openCount')}</th>
                <th scope="col">{t('dueSoonCount')}</th>
                <th scope="col">{t('overdueCount')}</th>
              </tr>
            </thead>
            <tbody>
              {w.procedures.map((p) => (
                <tr key={p.requestType} data-type={p.requestType}>
                  <th scope="row">{label('type', p.requestType)}</th>
                  <td>{p.open}</td>
                  <td>{p.dueSoon}</td>
                  <td class={p.overdue ? 'overdue' : undefined}>{p.overdue}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <table>
            <caption>{t('oldestFirst')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('kind')}</th>
                <th scope="col">{t('procedure')}</th>
                <th scope="col">{t('standing')}</th>
                <th scope="col">{t('due')}</th>
                <th scope="col">{t('urgeCount')}</th>
              </tr>
            </thead>
            <tbody>
              {w.items.map((x) => (
                <tr key={x.id} data-task={x.id}>
                  <td>
                    <a href={href('tasks', x.id)}>{label('kind', x.kind)}</a>
                    <div class="small">
                      <CaseNumber caseNumber={x.caseNumber} requestId={x.requestId} />
                    </div>
                  </td>
                  <td>{label('type', x.requestType)}</td>
                  <td class={x.standing === 'overdue' ? 'overdue' : undefined}>
                    {t(x.standing === 'overdue' ? 'overdueCount' : x.standing === 'due_soon' ? 'dueSoonCount' : 'openCount')}
                  </td>
                  <td>
                    {dueText(x.dueAt)} <span class="muted">({formatTime(x.dueAt)})</span>
                  </td>
                  <td>{x.urgeCount || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

export function Overdue({ route }: { route: Route }) {
  const p = route.params;
  const agency = p.get('agency') ?? '';
  const list = usePage<Task>(route, `/overdue-tasks${query({ candidateOrg: agency, kind: p.get('kind') })}`, 50);
  const kinds = useResource<{ items: TaskKind[] }>('/task-kinds');
  const agencies = [...new Set([...(list.data?.items.flatMap((x) => (x.candidateOrg ? [x.candidateOrg] : [])) ?? []), ...(agency ? [agency] : [])])].sort();
  return (
    <section>
      <h1>{t('overdue')}</h1>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="o-agency">{t('agency')}</label>
          <select id="o-agency" value={agency} onChange={(e) => refilter(route, { agency: (e.target as HTMLSelectElement).value })}>
            <option value="">{t('allAgencies')}</option>
            {agencies.map((a) => (
              <option key={a} value={a}>
                {organisations.value.get(a) ?? a}
              </option>
            ))}
          </select>
        </div>
        <KindSelect id="o-kind" value={p.get('kind') ?? ''} onChange={(kind) => refilter(route, { kind })} />
      </form>
      {agency && <OrganisationSection key={agency} org={agency} />}
      <PagedTable<Task>
        route={route}
        r={list}
        name="overdue"
        caption={t('overdue')}
        empty={t('nothingOverdue')}
        columns={[t('agency'), t('kind'), t('procedure'), t('daysOverdue'), t('due'), t('assignee'), t('urgeCount')]}
        row={(x) => (
          <tr key={x.id} data-task={x.id} data-request={x.requestId}>
            <td>{x.candidateOrg ? <Org id={x.candidateOrg} /> : x.candidates.map((c) => c.user).join('、')}</td>
            <td>
              <a href={href('tasks', x.id)}>{label('kind', x.kind)}</a>
              <div class="small">
                <CaseNumber caseNumber={x.caseNumber} requestId={x.requestId} />
              </div>
            </td>
            <td>
              <a href={href('requests', x.requestId)}>{label('type', kinds.data?.items.find((k) => k.kind === x.kind)?.requestType ?? '—')}</a>
            </td>
            <td class="overdue">{dueText(x.dueAt)}</td>
            <td>{formatTime(x.dueAt)}</td>
            <td>{x.assignee ?? t('unclaimed')}</td>
            {/* The urging itself is on the task's page, where the supervisor reads what it is about. */}
            <td data-urge-count={x.urgeCount}>
              {x.urgeCount > 0 ? x.urgeCount : '—'} <a href={href('tasks', x.id)}>{t('urge')}</a>
            </td>
          </tr>
        )}
      />
    </section>
  );
}
