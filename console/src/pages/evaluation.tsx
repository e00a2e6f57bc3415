// A supervisor's 监督评价 (Art. 32): their division's on-time rate by organisation, handling time over the last four
// periods, what is overdue now by procedure and which organisations are most overdue (GET /evaluations), each figure
// opening the cases it counts (GET /evaluations/requests). Drawn with plain CSS (no chart library: the smallest
// bundle, and every bar is a button with its figure as text), each figure also in a table for screen readers.
import { useEffect, useRef } from 'preact/hooks';
import type { Figure } from '../../../domain/evaluation';
import { STALE_ENTRIES, type EntryFigure } from '../../../domain/catalog-refresh';
import { BASIS_LEVEL_NAMES, BASIS_LEVELS } from '../../../domain/catalog';
import { query } from '../http';
import { formatTime, label, t } from '../i18n';
import { go, href, me, organisations, ProblemBox, useResource, withParams, type Route } from '../lib';
import { percent, periodBefore, periodName, pickablePeriods, workingDays } from '../periods';
import { CaseNumber } from './inbox';

interface Figures {
  received: number;
  decided: number;
  decidedOnTime: number;
  decidedLate: number;
  openAtEnd: number;
  overdueAtEnd: number;
  onTimeRate: number | null;
  medianWorkingDays: number | null;
  refusals: number;
  refusalsByBasis: Record<string, number>;
  delivered: number;
  deliveryMedianWorkingDays: number | null;
  correctionsAnswered: number;
  correctionsAnsweredOnTime: number;
  /** On an organisation's and the scope's total: its catalog entries not updated as often as they declare. */
  staleEntries?: number;
}
interface EvaluationAnswer {
  period: string;
  asOf: string;
  ended: boolean;
  scope: { kind: string; id: string; name: string };
  total: Figures;
  procedures: ({ procedure: string } & Figures)[];
  organisations: { organisation: string; name: string; total: Figures; procedures: ({ procedure: string } & Figures)[] }[];
}
interface Counted {
  count: number;
  items: {
    requestId: string;
    caseNumber: string | null;
    procedure: string;
    taskId: string;
    kind: string;
    organisation: string;
    dueAt: string;
    closedAt: string | null;
    decision: string | null;
  }[];
}
/** The entries the stale-entries figure counts (GET /evaluations/requests?figure=staleEntries). */
interface StaleCounted {
  count: number;
  items: {
    entryId: string;
    title: string;
    organisation: string;
    updateFrequency: string;
    lastUpdatedOn: string;
    lastUpdate: 'refresh' | 'published';
    dueOn: string;
  }[];
}

export function Evaluation({ route }: { route: Route }) {
  const p = route.params;
  const periods = pickablePeriods();
  const current = periods[0].items[0].value;
  const period = p.get('period') ?? current;
  const division = me.value?.organisation?.division;
  const ask = (per: string) => (division ? `/evaluations${query({ period: per, division })}` : null);
  const main = useResource<EvaluationAnswer>(ask(period));
  const history = [3, 2, 1].map((n) => periodBefore(period, n));
  const h3 = useResource<EvaluationAnswer>(ask(history[0]));
  const h2 = useResource<EvaluationAnswer>(ask(history[1]));
  const h1 = useResource<EvaluationAnswer>(ask(history[2]));
  // What is overdue now: this month's figures at this moment (a running period's end is now).
  const thisMonth = periods[1].items[0].value;
  const now = useResource<EvaluationAnswer>(ask(thisMonth));
  const series = [h3, h2, h1, main];
  const loading = !main.data || !now.data || series.some((r) => !r.data && !r.error);
  const e = main.data;
  const drill = (figure: Figure | EntryFigure, per: string, extra: { procedure?: string; organisation?: string } = {}) =>
    go(withParams(route, { drill: figure, dperiod: per, dproc: extra.procedure ?? null, dorg: extra.organisation ?? null }));

  return (
    <section class="evaluation" aria-busy={loading && !main.error && !now.error}>
      <h1>{t('evaluation')}</h1>
      <form class="filters" onSubmit={(ev) => ev.preventDefault()}>
        <div class="field">
          <label for="ev-period">评价时期</label>
          <select
            id="ev-period"
            value={period}
            onChange={(ev) => go(withParams(route, { period: (ev.target as HTMLSelectElement).value, drill: null, dperiod: null, dproc: null, dorg: null }))}
          >
            {periods.map((g) => (
              <optgroup key={g.group} label={g.group}>
                {g.items.map((i) => (
                  <option key={i.value} value={i.value}>
                    {i.text}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </div>
      </form>
      <p class="muted" role="status" aria-live="polite" data-testid="evaluation-status">
        {main.error || now.error
          ? '评价数据未能加载。'
          : loading
            ? '正在加载评价数据…'
            : `已显示${e!.scope.name}${periodName(period)}的评价：办结 ${e!.total.decided} 件，按时办结率 ${percent(e!.total.onTimeRate)}；当前超期 ${now.data!.total.overdueAtEnd} 件。`}
      </p>
      <ProblemBox error={main.error ?? now.error} focus={false} onRetry={() => void (main.reload(), now.reload())} />
      {e && <OnTime e={e} period={period} drill={drill} />}
      {e && <HandlingTime series={series.map((r, i) => ({ period: i === 3 ? period : history[i], e: r.data }))} drill={drill} />}
      {now.data && <OverdueNow e={now.data} drill={drill} />}
      {e && <RefusalsAndDelivery e={e} period={period} drill={drill} />}
      <Drill route={route} />
    </section>
  );
}

type DrillTo = (figure: Figure | EntryFigure, period: string, extra?: { procedure?: string; organisation?: string }) => void;

/** A refusal's legal basis by level (form.basis[0].level), in the catalog's words; 未说明依据 when it gave none (refusals from before every refusal cited one). */
const BASIS_NAMES: [string, string][] = [...BASIS_LEVELS.map((l): [string, string] => [l, BASIS_LEVEL_NAMES[l]]), ['unstated', '未说明依据']];

/** 拒绝、交付与纠错 by organisation: refusals by the level of their legal basis, deliveries and their time, error reports answered on time. */
function RefusalsAndDelivery({ e, period, drill }: { e: EvaluationAnswer; period: string; drill: DrillTo }) {
  const count = (n: number, figure: Figure | EntryFigure, organisation: string, unit = '件') =>
    n > 0 ? (
      <button type="button" class="link" onClick={() => drill(figure, period, { organisation })}>
        {n} {unit}
      </button>
    ) : (
      `0 ${unit}`
    );
  return (
    <section class="figure" aria-labelledby="ev-refusals-h">
      <h2 id="ev-refusals-h">拒绝、数据交付、纠错与目录更新</h2>
      <p class="muted">
        {periodName(period)}
        各单位的不予同意（按所引依据的层级）、数据交付（自同意共享至交付的工作日）、数据纠错按时答复情况，以及期末未按声明的更新频率更新数据的目录。点击数字，查看其案件或目录。
      </p>
      <table class="refusals-table">
        <caption class="sr-only">{periodName(period)}各单位的拒绝、数据交付与纠错</caption>
        <thead>
          <tr>
            <th scope="col">单位</th>
            <th scope="col">不予同意</th>
            <th scope="col">其中依据层级</th>
            <th scope="col">数据交付</th>
            <th scope="col">交付时长中位数</th>
            <th scope="col">纠错答复</th>
            <th scope="col">按时答复</th>
            <th scope="col">未按声明频率更新的目录</th>
          </tr>
        </thead>
        <tbody>
          {e.organisations.map((o) => (
            <tr key={o.organisation} data-org={o.organisation}>
              <th scope="row">{o.name}</th>
              <td>{count(o.total.refusals, 'refusals', o.organisation)}</td>
              <td data-testid="basis">
                {BASIS_NAMES.filter(([level]) => o.total.refusalsByBasis?.[level])
                  .map(([level, name]) => `${name} ${o.total.refusalsByBasis[level]} 件`)
                  .join('，') || '—'}
              </td>
              <td>{count(o.total.delivered, 'delivered', o.organisation)}</td>
              <td>{workingDays(o.total.deliveryMedianWorkingDays)}</td>
              <td>{count(o.total.correctionsAnswered, 'correctionsAnswered', o.organisation)}</td>
              <td>{count(o.total.correctionsAnsweredOnTime, 'correctionsAnsweredOnTime', o.organisation)}</td>
              <td data-testid="stale">{count(o.total.staleEntries ?? 0, STALE_ENTRIES, o.organisation, '条')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** 按时办结率 by organisation: a bar each (the organisations that decided nothing are named below the bars). */
function OnTime({ e, period, drill }: { e: EvaluationAnswer; period: string; drill: DrillTo }) {
  const rated = e.organisations
    .filter((o) => o.total.decided > 0)
    .sort((a, b) => (b.total.onTimeRate ?? 0) - (a.total.onTimeRate ?? 0) || a.name.localeCompare(b.name));
  const idle = e.organisations.filter((o) => o.total.decided === 0);
  return (
    <section class="figure" aria-labelledby="ev-ontime-h">
      <h2 id="ev-ontime-h">按时办结率（按单位）</h2>
      <p class="muted">{periodName(period)}办结的任务中，在办理期限内办结的比例。点击一个单位，查看其办结的案件。</p>
      {rated.length === 0 ? (
        <p class="empty" data-testid="ontime-empty">
          {periodName(period)}尚无办结的任务。可以选择较早的时期，或在下方查看当前超期的任务并督办。
        </p>
      ) : (
        <ul class="bars">
          {rated.map((o) => (
            <li key={o.organisation} data-org={o.organisation}>
              <button type="button" class="bar-row" onClick={() => drill('decided', period, { organisation: o.organisation })}>
                <span class="bar-label">{o.name}</span>
                <span class="bar-track" aria-hidden="true">
                  <span class="bar-fill" style={{ width: `${(o.total.onTimeRate ?? 0) * 100}%` }} />
                </span>
                <span class="bar-value" data-testid="ontime-rate">
                  {percent(o.total.onTimeRate)}
                </span>
                <span class="bar-note muted">
                  （按时 {o.total.decidedOnTime} / 办结 {o.total.decided}）
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {idle.length > 0 && rated.length > 0 && <p class="muted small">本期没有办结任务的单位：{idle.map((o) => o.name).join('、')}</p>}
      <details>
        <summary>以表格查看按时办结率</summary>
        <table class="ontime-table">
          <caption>{periodName(period)}各单位按时办结率</caption>
          <thead>
            <tr>
              <th scope="col">单位</th>
              <th scope="col">办结</th>
              <th scope="col">按时办结</th>
              <th scope="col">按时办结率</th>
            </tr>
          </thead>
          <tbody>
            {e.organisations.map((o) => (
              <tr key={o.organisation} data-org={o.organisation}>
                <th scope="row">{o.name}</th>
                <td>{o.total.decided}</td>
                <td>{o.total.decidedOnTime}</td>
                <td>{percent(o.total.onTimeRate)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </section>
  );
}

/** 办理时长: the division's median handling time in working days over the last four periods, one column each. */
function HandlingTime({ series, drill }: { series: { period: string; e: EvaluationAnswer | undefined }[]; drill: DrillTo }) {
  const most = Math.max(1, ...series.map((s) => s.e?.total.medianWorkingDays ?? 0));
  return (
    <section class="figure" aria-labelledby="ev-time-h">
      <h2 id="ev-time-h">办理时长（中位数，工作日）</h2>
      <p class="muted">近四个时期办结任务的办理时长中位数（不含等待申请人补正的时间）。点击一个时期，查看其办结的案件。</p>
      <ul class="columns">
        {series.map((s) => (
          <li key={s.period} data-period={s.period}>
            <button type="button" onClick={() => drill('decided', s.period)} disabled={!s.e}>
              <span class="column-track" aria-hidden="true">
                <span class="column-fill" style={{ height: `${((s.e?.total.medianWorkingDays ?? 0) / most) * 100}%` }} />
              </span>
              <span class="column-value" data-testid="median">
                {s.e ? (s.e.total.decided ? workingDays(s.e.total.medianWorkingDays) : '无办结') : '加载中'}
              </span>
              <span class="column-label">{periodName(s.period)}</span>
            </button>
          </li>
        ))}
      </ul>
      <details>
        <summary>以表格查看办理时长</summary>
        <table class="time-table">
          <caption>近四个时期的办理时长</caption>
          <thead>
            <tr>
              <th scope="col">时期</th>
              <th scope="col">办结</th>
              <th scope="col">办理时长中位数</th>
            </tr>
          </thead>
          <tbody>
            {series.map((s) => (
              <tr key={s.period} data-period={s.period}>
                <th scope="row">{periodName(s.period)}</th>
                <td>{s.e ? s.e.total.decided : '—'}</td>
                <td>{s.e ? workingDays(s.e.total.medianWorkingDays) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </section>
  );
}

/** 当前超期: by procedure (the registry's names), and the organisations with most overdue first. */
function OverdueNow({ e, drill }: { e: EvaluationAnswer; drill: DrillTo }) {
  const procs = e.procedures.filter((p) => p.overdueAtEnd > 0);
  const orgs = e.organisations
    .filter((o) => o.total.overdueAtEnd > 0)
    .sort((a, b) => b.total.overdueAtEnd - a.total.overdueAtEnd || a.name.localeCompare(b.name));
  const most = Math.max(1, ...procs.map((p) => p.overdueAtEnd));
  return (
    <section class="figure" aria-labelledby="ev-overdue-h">
      <h2 id="ev-overdue-h">当前超期</h2>
      <p class="muted">截至 {formatTime(e.asOf)} 已超过办理期限仍未办结的任务。点击一项，查看其案件。</p>
      {procs.length === 0 ? (
        <p class="empty" data-testid="overdue-empty">
          当前没有超期的任务。可以在 <a href={href('overdue')}>{t('overdue')}</a> 中查看临近到期的任务。
        </p>
      ) : (
        <>
          <h3>按办理程序</h3>
          <ul class="bars">
            {procs.map((p) => (
              <li key={p.procedure} data-procedure={p.procedure}>
                <button type="button" class="bar-row" onClick={() => drill('overdueAtEnd', e.period, { procedure: p.procedure })}>
                  <span class="bar-label">{label('type', p.procedure)}</span>
                  <span class="bar-track" aria-hidden="true">
                    <span class="bar-fill danger" style={{ width: `${(p.overdueAtEnd / most) * 100}%` }} />
                  </span>
                  <span class="bar-value" data-testid="overdue-count">
                    {p.overdueAtEnd} 件
                  </span>
                </button>
              </li>
            ))}
          </ul>
          <h3>超期最多的单位</h3>
          <table class="most-overdue">
            <caption class="sr-only">超期最多的单位</caption>
            <thead>
              <tr>
                <th scope="col">单位</th>
                <th scope="col">当前超期</th>
                <th scope="col">在办</th>
                <th scope="col">督办</th>
              </tr>
            </thead>
            <tbody>
              {orgs.slice(0, 5).map((o) => (
                <tr key={o.organisation} data-org={o.organisation}>
                  <th scope="row">{o.name}</th>
                  <td>
                    <button type="button" class="link" onClick={() => drill('overdueAtEnd', e.period, { organisation: o.organisation })}>
                      {o.total.overdueAtEnd} 件
                    </button>
                  </td>
                  <td>{o.total.openAtEnd}</td>
                  <td>
                    <a href={`#/overdue${query({ agency: o.organisation })}`}>到{t('overdue')}查看</a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <details>
            <summary>以表格查看各程序的超期任务</summary>
            <table class="overdue-table">
              <caption>当前超期（按办理程序）</caption>
              <thead>
                <tr>
                  <th scope="col">办理程序</th>
                  <th scope="col">当前超期</th>
                  <th scope="col">在办</th>
                </tr>
              </thead>
              <tbody>
                {procs.map((p) => (
                  <tr key={p.procedure} data-procedure={p.procedure}>
                    <th scope="row">{label('type', p.procedure)}</th>
                    <td>{p.overdueAtEnd}</td>
                    <td>{p.openAtEnd}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </>
      )}
    </section>
  );
}

const FIGURE_NAMES: Partial<Record<Figure, string>> = {
  decided: '办结的案件',
  overdueAtEnd: '超期的案件',
  decidedLate: '超期办结的案件',
  refusals: '不予同意的案件',
  delivered: '已交付数据的案件',
  correctionsAnswered: '已答复的纠错',
  correctionsAnsweredOnTime: '按时答复的纠错',
};

/** The cases behind the figure clicked (named in the URL, so the list can be linked to and the back button closes it). */
function Drill({ route }: { route: Route }) {
  const p = route.params;
  const figure = p.get('drill') as Figure | EntryFigure | null;
  const period = p.get('dperiod');
  const organisation = p.get('dorg');
  const procedure = p.get('dproc');
  const division = me.value?.organisation?.division;
  const path =
    figure && period && division ? `/evaluations/requests${query({ period, figure, procedure, ...(organisation ? { organisation } : { division }) })}` : null;
  // The entries' list reads its own (a task figure's list, still shown while the entries load, is not theirs).
  const r = useResource<Counted>(figure === STALE_ENTRIES ? null : path);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (path) heading.current?.focus();
  }, [path]);
  if (!figure || !period) return null;
  const whose = organisation ? (organisations.value.get(organisation) ?? '所选单位') : '本辖区';
  if (figure === STALE_ENTRIES) return <StaleDrill route={route} path={path} title={`${whose}${periodName(period)}未按声明频率更新的目录`} />;
  return (
    <section class="figure drill" aria-labelledby="ev-drill-h" data-figure={figure} aria-busy={!r.data && !r.error}>
      <h2 id="ev-drill-h" tabIndex={-1} ref={heading}>
        {whose}
        {periodName(period)}
        {procedure ? `「${label('type', procedure)}」` : ''}
        {FIGURE_NAMES[figure as Figure] ?? '案件'}
      </h2>
      <p role="status" aria-live="polite" class="muted">
        {r.data ? `共 ${r.data.count} 件。` : r.error ? '' : '正在加载案件…'}
      </p>
      <ProblemBox error={r.error} focus={false} onRetry={() => void r.reload()} />
      {r.data && r.data.count === 0 && <p class="empty">没有符合的案件。可以选择其他时期或单位。</p>}
      {r.data && r.data.count > 0 && (
        <table class="drill-list">
          <caption class="sr-only">案件清单</caption>
          <thead>
            <tr>
              <th scope="col">受理编号</th>
              <th scope="col">办理程序</th>
              <th scope="col">任务</th>
              <th scope="col">单位</th>
              <th scope="col">办理期限</th>
              <th scope="col">办结</th>
            </tr>
          </thead>
          <tbody>
            {r.data.items.map((x) => (
              <tr key={x.taskId} data-task={x.taskId} data-request={x.requestId}>
                <td>
                  <a href={href('requests', x.requestId)}>
                    <CaseNumber caseNumber={x.caseNumber} requestId={x.requestId} />
                  </a>
                </td>
                <td>{label('type', x.procedure)}</td>
                <td>
                  <a href={href('tasks', x.taskId)}>{label('kind', x.kind)}</a>
                </td>
                <td>{organisations.value.get(x.organisation) ?? '—'}</td>
                <td>{formatTime(x.dueAt)}</td>
                <td>{x.closedAt ? `${formatTime(x.closedAt)}${x.decision ? ` · ${label('decision', x.decision)}` : ''}` : '未办结'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p>
        <a href={withParams(route, { drill: null, dperiod: null, dproc: null, dorg: null })}>收起案件清单</a>
      </p>
    </section>
  );
}

/** The entries behind 未按声明频率更新的目录: each with its declared frequency, its last update before the end and the day the next was due. */
function StaleDrill({ route, path, title }: { route: Route; path: string | null; title: string }) {
  const r = useResource<StaleCounted>(path);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (path) heading.current?.focus();
  }, [path]);
  return (
    <section class="figure drill" aria-labelledby="ev-drill-h" data-figure={STALE_ENTRIES} aria-busy={!r.data && !r.error}>
      <h2 id="ev-drill-h" tabIndex={-1} ref={heading}>
        {title}
      </h2>
      <p role="status" aria-live="polite" class="muted">
        {r.data ? `共 ${r.data.count} 条。` : r.error ? '' : '正在加载目录…'}
      </p>
      <ProblemBox error={r.error} focus={false} onRetry={() => void r.reload()} />
      {r.data && r.data.count === 0 && <p class="empty">没有未按声明频率更新的目录。可以选择其他时期或单位。</p>}
      {r.data && r.data.count > 0 && (
        <table class="drill-list stale-list">
          <caption class="sr-only">目录清单</caption>
          <thead>
            <tr>
              <th scope="col">目录</th>
              <th scope="col">单位</th>
              <th scope="col">更新频率</th>
              <th scope="col">最近一次更新</th>
              <th scope="col">应于此日前再次更新</th>
            </tr>
          </thead>
          <tbody>
            {r.data.items.map((x) => (
              <tr key={x.entryId} data-entry={x.entryId}>
                <td>
                  <a href={href('catalog', x.entryId)}>{x.title}</a>
                </td>
                <td>{organisations.value.get(x.organisation) ?? '—'}</td>
                <td>{x.updateFrequency}</td>
                <td>{x.lastUpdate === 'refresh' ? dayName(x.lastUpdatedOn) : `${dayName(x.lastUpdatedOn)}（目录发布，此后未记录更新）`}</td>
                <td>{dayName(x.dueOn)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p>
        <a href={withParams(route, { drill: null, dperiod: null, dproc: null, dorg: null })}>收起目录清单</a>
      </p>
    </section>
  );
}

/** 2026-10-08 → 2026年10月8日. */
const dayName = (day: string) => {
  const [y, m, d] = day.split('-');
  return `${Number(y)}年${Number(m)}月${Number(d)}日`;
};
