// The catalog (Art. 9): browse and search entries, one entry with its attributes and fields, its versions.
import { query, type CatalogEntry, type CatalogVersion, type RequestType } from '../http';
import { ENTRY_WORDS, fieldLabel, formatTime, label, t, valueLabel } from '../i18n';
import { adjustsCatalogOf } from './adjust';
import { Refreshes } from './refreshes';
import { CORRECTION, CorrectionRecord, reportsErrors } from './correction';
import { actorName, href, JsonView, Loading, me, Org, PagedTable, refilter, usePage, useResource, type Route } from '../lib';

export function Catalog({ route }: { route: Route }) {
  const p = route.params;
  // A civil servant reads their own city's catalog unless the link names another region; the public, every city's.
  const region = p.get('region') ?? me.value?.organisation?.region;
  const r = usePage<CatalogEntry>(route, `/catalog${query({ q: p.get('q'), shareAttribute: p.get('share'), openAttribute: p.get('open'), region })}`, 25);
  const attributeSelect = (id: string, param: string, caption: string) => (
    <div class="field">
      <label for={id}>{caption}</label>
      <select id={id} value={p.get(param) ?? ''} onChange={(e) => refilter(route, { [param]: (e.target as HTMLSelectElement).value })}>
        <option value="">{t('any')}</option>
        {['UNCONDITIONAL', 'CONDITIONAL', 'NONE'].map((a) => (
          <option key={a} value={a}>
            {label(param === 'share' ? 'shareAttribute' : 'openAttribute', a)}
          </option>
        ))}
      </select>
    </div>
  );
  return (
    <section>
      <h1>{t('catalog')}</h1>
      <form
        class="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          refilter(route, { q: String(new FormData(e.target as HTMLFormElement).get('q') ?? '') });
        }}
      >
        <div class="field">
          <label for="c-q">{t('searchCatalog')}</label>
          <input id="c-q" name="q" type="search" defaultValue={p.get('q') ?? ''} />
        </div>
        {attributeSelect('c-share', 'share', t('shareAttr'))}
        {attributeSelect('c-open', 'open', t('openAttr'))}
        <button type="submit">{t('search')}</button>
      </form>
      {me.value?.roles.includes('agency_applicant') && (
        <p class="actions">
          <a class="button" href={href('adjust', 'new')}>
            新增条目
          </a>{' '}
          <a class="button secondary" href={href('adjust')}>
            调整清单
          </a>
        </p>
      )}
      <PagedTable<CatalogEntry>
        route={route}
        r={r}
        caption={t('catalog')}
        columns={[t('entry'), t('provider'), t('shareAttr'), t('openAttr'), t('version')]}
        row={(e) => (
          <tr key={e.id}>
            <td>
              <a href={href('catalog', e.id)} title={e.id}>
                {e.title}
              </a>
            </td>
            <td>
              <Org id={e.providerOrgId} name={e.providerName} />
            </td>
            <td>{label('shareAttribute', e.share.attribute)}</td>
            <td>{label('openAttribute', e.open.attribute)}</td>
            <td>{e.version}</td>
          </tr>
        )}
      />
    </section>
  );
}

export function EntryPage({ id }: { id: string }) {
  const entry = useResource<CatalogEntry>(`/catalog/${encodeURIComponent(id)}`);
  const versions = useResource<{ items: CatalogVersion[] }>(`/catalog/${encodeURIComponent(id)}/versions`);
  const types = useResource<{ items: RequestType[] }>('/request-types');
  // An error report has its own button (报告数据错误), not an application's.
  const mine =
    types.data?.items.filter((x) => x.type !== CORRECTION && x.body.properties?.catalogEntryId && x.startedBy.some((r) => me.value?.roles.includes(r))) ?? [];
  return (
    <Loading r={entry}>
      {(e) => (
        <article>
          <h1 title={e.id}>{e.title}</h1>
          <p class="muted">
            {t('version')} {e.version} · {formatTime(e.updatedAt)}
          </p>
          <p class="text">{e.description}</p>
          {mine.length > 0 && (
            <p class="actions">
              {t('applyForThis')}:{' '}
              {mine.map((x) => (
                <a key={x.type} class="button" href={`${href('apply', x.type)}?catalogEntryId=${encodeURIComponent(e.id)}`}>
                  {label('type', x.type)}
                </a>
              ))}
            </p>
          )}
          {reportsErrors() && (
            <p class="actions">
              <a class="button secondary" href={`${href('apply', CORRECTION)}?catalogEntryId=${encodeURIComponent(e.id)}`}>
                报告数据错误
              </a>
            </p>
          )}
          {adjustsCatalogOf(e.providerOrgId) && (
            <p class="actions">
              <a class="button" href={href('adjust', 'edit', e.id)}>
                调整本条目
              </a>{' '}
              <a class="button secondary" href={href('adjust', 'remove', e.id)}>
                删除
              </a>
            </p>
          )}
          <dl class="facts">
            <div>
              <dt>{t('provider')}</dt>
              <dd>
                <Org id={e.providerOrgId} name={e.providerName} />
              </dd>
            </div>
            <div>
              <dt>{t('shareAttr')}</dt>
              <dd>
                {label('shareAttribute', e.share.attribute)} ({valueLabel(ENTRY_WORDS, 'share.status', e.share.status)}){' '}
                {e.share.conditions && <p class="text">{e.share.conditions}</p>}
                {e.share.reasons && <p class="text">{e.share.reasons}</p>}
                {e.share.dispute && (
                  <p>
                    <a href={href('requests', e.share.dispute)}>{label('type', 'share_dispute')}</a>
                  </p>
                )}
              </dd>
            </div>
            <div>
              <dt>{t('openAttr')}</dt>
              <dd>
                <JsonView value={e.open} words={ENTRY_WORDS} path="open" />
              </dd>
            </div>
            <div>
              <dt>{t('basis')}</dt>
              <dd>
                <JsonView value={e.share.basis} words={ENTRY_WORDS} path="share.basis" />
              </dd>
            </div>
          </dl>
          <h2>{t('fields')}</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">{fieldLabel(ENTRY_WORDS, 'fields.label', 'label')}</th>
                <th scope="col">{fieldLabel(ENTRY_WORDS, 'fields.name', 'name')}</th>
                <th scope="col">{fieldLabel(ENTRY_WORDS, 'fields.type', 'type')}</th>
                <th scope="col">{t('description')}</th>
              </tr>
            </thead>
            <tbody>
              {e.fields.map((f) => (
                <tr key={f.name}>
                  <td>{f.label}</td>
                  <td>
                    <code>{f.name}</code>
                  </td>
                  <td>{valueLabel(ENTRY_WORDS, 'fields.type', f.type)}</td>
                  <td>{f.description}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Refreshes entryId={e.id} providerOrgId={e.providerOrgId} frequency={e.updateFrequency} />
          <CorrectionRecord entryId={e.id} />
          <h2>{t('versions')}</h2>
          <Loading r={versions}>
            {(v) => (
              <ol class="timeline">
                {v.items.map((x) => (
                  <li key={x.version}>
                    <strong>
                      {t('version')} {x.version}
                    </strong>{' '}
                    · {formatTime(x.createdAt)} · {actorName(x.changedBy)}{' '}
                    {x.changeRequestId && (
                      <a href={href('requests', x.changeRequestId)} title={x.changeRequestId}>
                        {t('request')}
                      </a>
                    )}
                    {x.reason && <p class="text">{x.reason}</p>}
                    {x.changes.length > 0 && (
                      <ul>
                        {x.changes.map((c, i) => (
                          <li key={i}>
                            {fieldLabel(ENTRY_WORDS, c.field, c.field)}: <JsonView value={c.from} words={ENTRY_WORDS} path={c.field} /> →{' '}
                            <JsonView value={c.to} words={ENTRY_WORDS} path={c.field} />
                          </li>
                        ))}
                      </ul>
                    )}
                  </li>
                ))}
              </ol>
            )}
          </Loading>
        </article>
      )}
    </Loading>
  );
}
