// 经办人管理: a legal person's own account lists its authorised agents, authorises one (as on their identity document:
// name, document type, number) and revokes one (Art. 29). The number is typed once and never shown again in full.
import { useState } from 'preact/hooks';
import { send, type Agent } from '../http';
import { formatTime, t } from '../i18n';
import { announce, Loading, ProblemBox, Refusal, useResource, useSubmit } from '../lib';
import { FieldMessages } from '../schema-form';
import { DOCUMENT_TYPES } from './apply';

function AuthoriseForm({ done }: { done: () => void }) {
  const [name, setName] = useState('');
  const [documentType, setDocumentType] = useState<(typeof DOCUMENT_TYPES)[number]>('resident');
  const [number, setNumber] = useState('');
  const authorising = useSubmit();
  const { errors, busy, run } = authorising;
  const submit = async (e: Event) => {
    e.preventDefault();
    const failed = await run(() => send('POST', '/principals/me/agents', { name, documentType, residentId: number }));
    if (!failed) {
      announce(t('agentAuthorised', { name }));
      setName('');
      setNumber('');
      done();
    }
  };
  return (
    <form class="principal" onSubmit={submit} aria-labelledby="agent-h" noValidate>
      <h2 id="agent-h">{t('authoriseAgent')}</h2>
      <p class="muted">{t('authoriseAgentNote')}</p>
      <Refusal submit={authorising} />
      <div class="field">
        <label for="agent-name">{t('personName')}</label>
        <input id="agent-name" type="text" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} aria-invalid={errors.has('body.name')} />
        <FieldMessages path="body.name" errors={errors} />
      </div>
      <div class="field">
        <label for="agent-document">{t('documentType')}</label>
        <select
          id="agent-document"
          value={documentType}
          onChange={(e) => setDocumentType((e.target as HTMLSelectElement).value as (typeof DOCUMENT_TYPES)[number])}
          aria-invalid={errors.has('body.documentType')}
        >
          {DOCUMENT_TYPES.map((d) => (
            <option key={d} value={d}>
              {t(d)}
            </option>
          ))}
        </select>
        <FieldMessages path="body.documentType" errors={errors} />
      </div>
      <div class="field">
        <label for="agent-number">{t('residentId')}</label>
        <input
          id="agent-number"
          type="text"
          autocomplete="off"
          value={number}
          onInput={(e) => setNumber((e.target as HTMLInputElement).value)}
          aria-invalid={errors.has('body.residentId')}
        />
        <FieldMessages path="body.residentId" errors={errors} />
      </div>
      <button type="submit" disabled={busy}>
        {t('authoriseAgent')}
      </button>
    </form>
  );
}

export function Agents() {
  const list = useResource<{ items: Agent[] }>('/principals/me/agents');
  const { error, run } = useSubmit();
  const revoke = async (a: Agent) => {
    if (!confirm(t('revokeConfirm').replace('{name}', a.name))) return;
    const refused = await run(() => send('DELETE', `/principals/me/agents/${encodeURIComponent(a.id)}`));
    await list.reload();
    if (!refused) announce(t('agentRevokedNotice', { name: a.name }));
  };
  return (
    <section>
      <h1>{t('agents')}</h1>
      <p class="muted">{t('agentsNote')}</p>
      <ProblemBox error={error} />
      <Loading r={list}>
        {(data) =>
          data.items.length === 0 ? (
            <p class="empty">{t('noAgents')}</p>
          ) : (
            <table class="agents">
              <thead>
                <tr>
                  <th>{t('personName')}</th>
                  <th>{t('documentType')}</th>
                  <th>{t('residentId')}</th>
                  <th>{t('status')}</th>
                  <th>{t('authorisedAt')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {data.items.map((a) => (
                  <tr key={a.id} data-testid="agent">
                    <td>{a.name}</td>
                    <td>{t(a.documentType as (typeof DOCUMENT_TYPES)[number])}</td>
                    <td>{a.residentIdMasked}</td>
                    <td>{a.status === 'active' ? t('agentActive') : `${t('agentRevoked')} ${a.revokedAt ? formatTime(a.revokedAt) : ''}`}</td>
                    <td>{formatTime(a.authorisedAt)}</td>
                    <td>
                      {a.status === 'active' && (
                        <button type="button" class="secondary" onClick={() => void revoke(a)}>
                          {t('revokeAgent')}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loading>
      <AuthoriseForm done={() => void list.reload()} />
    </section>
  );
}
