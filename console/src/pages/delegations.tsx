// 代理设置: staff name a colleague of their own organisation to act on their tasks of some kinds for a period (the
// colleague picked from the directory's list, the dates from date pickers, the kinds from the procedures' list), see
// their delegations given and received, and end one early. A supervisor also sees those in force in their jurisdiction.
import { useState } from 'preact/hooks';
import { send, type Colleague, type Delegation } from '../http';
import { formatTime, label, procedureWords, t } from '../i18n';
import { announce, hasRole, Loading, ProblemBox, Refusal, useResource, useSubmit } from '../lib';
import { CheckList } from '../pickers';
import { FieldMessages } from '../schema-form';

/** Today in Asia/Shanghai, as a date input writes it. */
const today = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
/** The start of day `d` (YYYY-MM-DD) in Asia/Shanghai. */
const dayStart = (d: string) => new Date(`${d}T00:00:00+08:00`);

function NewDelegation({ done }: { done: () => void }) {
  const colleagues = useResource<{ items: Colleague[] }>('/delegations/colleagues');
  const [delegate, setDelegate] = useState('');
  const [from, setFrom] = useState(today());
  const [to, setTo] = useState(today());
  const [kinds, setKinds] = useState<string[]>([]);
  const [reason, setReason] = useState('');
  const submitting = useSubmit();
  const { errors, busy, run } = submitting;
  const allKinds = [...procedureWords.value.kinds.keys()].sort((a, b) => label('kind', a).localeCompare(label('kind', b), 'zh'));
  const submit = async (e: Event) => {
    e.preventDefault();
    // From the start of the first day (now, if that is today) to the end of the last.
    const startsAt = from === today() ? undefined : dayStart(from).toISOString();
    const endsAt = new Date(dayStart(to).getTime() + 86_400_000).toISOString();
    const failed = await run(() => send('POST', '/delegations', { delegate, ...(startsAt ? { startsAt } : {}), endsAt, kinds, reason }));
    if (!failed) {
      const who = colleagues.data?.items.find((c) => c.sub === delegate);
      announce(t('delegationMade', { name: who?.name ?? delegate }));
      setKinds([]);
      setReason('');
      done();
    }
  };
  return (
    <form class="principal" onSubmit={submit} aria-labelledby="delegation-h" noValidate>
      <h2 id="delegation-h">{t('newDelegation')}</h2>
      <Refusal submit={submitting} />
      <div class="field">
        <label for="delegation-delegate">{t('delegate')}</label>
        <Loading r={colleagues}>
          {(data) =>
            data.items.length === 0 ? (
              <p class="empty">{t('noColleagues')}</p>
            ) : (
              <select
                id="delegation-delegate"
                value={delegate}
                onChange={(e) => setDelegate((e.target as HTMLSelectElement).value)}
                aria-invalid={errors.has('body.delegate')}
              >
                <option value="">{t('pickDelegate')}</option>
                {data.items.map((c) => (
                  <option key={c.sub} value={c.sub}>
                    {c.name ?? c.sub} （{c.roles.map((r) => label('role', r)).join('、')}）
                  </option>
                ))}
              </select>
            )
          }
        </Loading>
        <FieldMessages path="body.delegate" errors={errors} />
      </div>
      <div class="field">
        <label for="delegation-from">{t('delegationStarts')}</label>
        <input id="delegation-from" type="date" value={from} min={today()} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} />
        <FieldMessages path="body.startsAt" errors={errors} />
      </div>
      <div class="field">
        <label for="delegation-to">{t('delegationEnds')}</label>
        <input id="delegation-to" type="date" value={to} min={from} onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
        <FieldMessages path="body.endsAt" errors={errors} />
      </div>
      <fieldset class="field" aria-invalid={errors.has('body.kinds')}>
        <legend>{t('delegationKinds')}</legend>
        <CheckList options={allKinds.map((k) => ({ code: k, name: label('kind', k) }))} value={kinds} onChange={setKinds} />
        <FieldMessages path="body.kinds" errors={errors} />
      </fieldset>
      <div class="field">
        <label for="delegation-reason">{t('delegationReason')}</label>
        <textarea
          id="delegation-reason"
          value={reason}
          onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)}
          aria-invalid={errors.has('body.reason')}
        />
        <FieldMessages path="body.reason" errors={errors} />
      </div>
      <button type="submit" disabled={busy}>
        {t('newDelegation')}
      </button>
    </form>
  );
}

const statusWords = (d: Delegation) =>
  d.status === 'in_force' ? t('delegationInForce') : d.status === 'scheduled' ? t('delegationScheduled') : t('delegationEnded');

function DelegationTable({ items, end, self }: { items: Delegation[]; end?: (d: Delegation) => void; self?: string }) {
  return (
    <table class="delegations">
      <thead>
        <tr>
          <th>{t('delegator')}</th>
          <th>{t('delegate')}</th>
          <th>{t('delegationStarts')}</th>
          <th>{t('delegationEnds')}</th>
          <th>{t('delegationKinds')}</th>
          <th>{t('delegationReason')}</th>
          <th>{t('status')}</th>
          {end && <th />}
        </tr>
      </thead>
      <tbody>
        {items.map((d) => (
          <tr key={d.id} data-testid="delegation">
            <td>{d.delegatorName ?? d.delegator}</td>
            <td>{d.delegateName ?? d.delegate}</td>
            <td>{formatTime(d.startsAt)}</td>
            <td>{formatTime(d.endedAt && d.endedAt < d.endsAt ? d.endedAt : d.endsAt)}</td>
            <td>{d.kinds.map((k) => label('kind', k)).join('、')}</td>
            <td>{d.reason}</td>
            <td>{statusWords(d)}</td>
            {end && (
              <td>
                {d.status !== 'ended' && d.delegator === self && (
                  <button type="button" class="secondary" onClick={() => end(d)}>
                    {t('endDelegation')}
                  </button>
                )}
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Delegations({ self }: { self: string }) {
  const list = useResource<{ items: Delegation[] }>('/delegations');
  const supervised = useResource<{ items: Delegation[] }>(hasRole('supervisor', 'admin') ? '/delegations?scope=supervised' : null);
  const { error, run } = useSubmit();
  const end = async (d: Delegation) => {
    if (!confirm(t('endDelegationConfirm'))) return;
    const refused = await run(() => send('DELETE', `/delegations/${encodeURIComponent(d.id)}`));
    await list.reload();
    if (!refused) announce(t('delegationEndedNotice'));
  };
  return (
    <section>
      <h1>{t('delegations')}</h1>
      <p class="muted">{t('delegationsNote')}</p>
      <ProblemBox error={error} />
      <Loading r={list}>
        {(data) =>
          data.items.length === 0 ? <p class="empty">{t('noDelegations')}</p> : <DelegationTable items={data.items} end={(d) => void end(d)} self={self} />
        }
      </Loading>
      <NewDelegation done={() => void list.reload()} />
      {hasRole('supervisor', 'admin') && (
        <section aria-labelledby="delegations-sv-h">
          <h2 id="delegations-sv-h">{t('delegationsInForce')}</h2>
          <Loading r={supervised}>
            {(data) => (data.items.length === 0 ? <p class="empty">{t('noDelegations')}</p> : <DelegationTable items={data.items} />)}
          </Loading>
        </section>
      )}
    </section>
  );
}
