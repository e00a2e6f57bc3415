// Grants (share) and agreements (open data) the caller may see; one agreement with its text and signatures.
import { useState } from 'preact/hooks';
import { ApiError, download, type Agreement, type Grant } from '../http';
import { formatTime, label, t } from '../i18n';
import { CaseNumber } from './inbox';
import { EntryTitle, href, ItemNames, LIVE_MS, Loading, PagedTable, ProblemBox, Status, usePage, useResource, type Route } from '../lib';

export function Grants({ route }: { route: Route }) {
  const r = usePage<Grant>(route, '/grants');
  return (
    <section>
      <h1>{t('grants')}</h1>
      <PagedTable<Grant>
        route={route}
        r={r}
        caption={t('grants')}
        empty={t('noGrants')}
        columns={[t('entry'), t('status'), t('fields'), t('expiresAt')]}
        row={(g) => (
          <tr key={g.id} data-grant={g.id}>
            <td>
              <a href={href('requests', g.requestId)}>
                <EntryTitle id={g.catalogEntryId} />
              </a>
            </td>
            <td>
              <Status code={g.status} />
              {/* 已批准待交付 until the grantee confirms receipt (《政务数据共享条例》数据交付). */}
              {g.delivery && g.status === 'active' && (
                <>
                  {' '}
                  <Status code={g.delivery.status} />
                </>
              )}
            </td>
            <td>
              <ItemNames entryId={g.catalogEntryId} names={g.fields} />
            </td>
            <td>{formatTime(g.expiresAt)}</td>
          </tr>
        )}
      />
    </section>
  );
}

export function Agreements({ route }: { route: Route }) {
  const r = usePage<Agreement>(route, '/agreements');
  return (
    <section>
      <h1>{t('agreements')}</h1>
      <PagedTable<Agreement>
        route={route}
        r={r}
        caption={t('agreements')}
        empty={t('noAgreements')}
        columns={[t('entry'), t('caseNumber'), t('provider'), t('status'), t('createdAt')]}
        row={(a) => (
          <tr key={a.id}>
            <td>
              <a href={href('agreements', a.id)}>{a.entryTitle}</a>
            </td>
            <td>
              <CaseNumber caseNumber={a.caseNumber} requestId={a.requestId} />
            </td>
            <td>{a.providerName}</td>
            <td>
              <Status code={a.status} />
            </td>
            <td>{formatTime(a.createdAt)}</td>
          </tr>
        )}
      />
    </section>
  );
}
export function AgreementPage({ id }: { id: string }) {
  const a = useResource<Agreement>(`/agreements/${encodeURIComponent(id)}`, LIVE_MS);
  const [error, setError] = useState<ApiError>();
  return (
    <Loading r={a}>
      {(x) => (
        <article>
          <h1>
            {x.entryTitle} <Status code={x.status} />
          </h1>
          <ProblemBox error={error} />
          <p>
            {t('caseNumber')} <CaseNumber caseNumber={x.caseNumber} requestId={x.requestId} /> · <a href={href('requests', x.requestId)}>{t('request')}</a> ·{' '}
            <button
              type="button"
              class="secondary"
              onClick={() => void download(`/agreements/${encodeURIComponent(x.id)}/document.pdf`, `${x.id}.pdf`).catch((e: ApiError) => setError(e))}
            >
              {t('downloadPdf')}
            </button>
          </p>
          <h2>{t('signatures')}</h2>
          <ul>
            {x.signatures.map((s, i) => (
              <li key={i}>
                {label('field', s.party)}: {s.sub} · {formatTime(s.at)} · <code>{s.sha256.slice(0, 16)}…</code>
              </li>
            ))}
          </ul>
          <h2 id="agreement-h">{t('agreementText')}</h2>
          <p class="muted">
            SHA-256 <code>{x.sha256}</code>
          </p>
          <pre class="agreement" lang="zh-CN" tabIndex={0} aria-labelledby="agreement-h">
            {x.text}
          </pre>
        </article>
      )}
    </Loading>
  );
}
