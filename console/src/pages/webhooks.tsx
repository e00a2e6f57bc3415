// 消息推送 (issue 26 §2): an organisation's admin subscribes its systems' URLs to its notices (the URL is the one thing
// typed; the kinds picked from the list), is shown the signing secret once with a copy button, deletes a subscription
// after confirming, and sends again the posts that failed every attempt (dead letters), each read in Chinese.
import { useState } from 'preact/hooks';
import { deliveryErrorInChinese, isNoticeEvent, NOTICE_EVENTS } from '../../../domain/notifications';
import { send, type Page } from '../http';
import { formatTime, t } from '../i18n';
import { announce, Loading, ProblemBox, Refusal, useFocusOn, useResource, useSubmit } from '../lib';
import { CheckList } from '../pickers';
import { FieldMessages } from '../schema-form';

interface Webhook {
  id: string;
  url: string;
  events: string[];
  createdAt: string;
}
interface DeadLetter {
  id: string;
  url: string;
  event: string;
  caseNumber: string | null;
  attempts: number;
  lastError: string | null;
  deadAt: string | null;
  createdAt: string;
}

const EVENT_CHOICES = Object.entries(NOTICE_EVENTS).map(([code, name]) => ({ code, name }));
const eventName = (code: string) => (isNoticeEvent(code) ? NOTICE_EVENTS[code] : t('notifications'));

/** The secret, shown once as the subscription is made: copied by a button (or selected by hand where copying is refused). */
function Secret({ secret }: { secret: string }) {
  const [said, setSaid] = useState<string>();
  const ref = useFocusOn<HTMLDivElement>(secret);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setSaid(t('copied'));
    } catch {
      setSaid(t('copyFailed'));
    }
  };
  return (
    <div class="notice secret" role="status" aria-live="polite" tabIndex={-1} ref={ref} data-testid="webhook-secret">
      <p>
        <strong>{t('webhookAdded')}</strong> {t('webhookSecretHint')}
      </p>
      <p>
        {t('webhookSecret')}：<code>{secret}</code>{' '}
        <button type="button" class="secondary" onClick={() => void copy()}>
          {t('copy')}
        </button>{' '}
        {said && <span>{said}</span>}
      </p>
    </div>
  );
}

function NewWebhook({ done }: { done: () => void }) {
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(EVENT_CHOICES.map((c) => c.code));
  const [secret, setSecret] = useState<string>();
  const submitting = useSubmit();
  const { errors, busy, run } = submitting;
  const submit = async (e: Event) => {
    e.preventDefault();
    setSecret(undefined);
    let made: { secret: string } | undefined;
    const failed = await run(async () => (made = await send<{ secret: string }>('POST', '/webhooks', { url: url.trim(), events })));
    if (!failed && made) {
      setSecret(made.secret);
      setUrl('');
      done();
    }
  };
  return (
    <form class="principal" onSubmit={submit} aria-labelledby="webhook-new-h" noValidate>
      <h2 id="webhook-new-h">{t('newWebhook')}</h2>
      <Refusal submit={submitting} />
      {secret && <Secret secret={secret} />}
      <div class="field">
        <label for="webhook-url">{t('webhookUrl')}</label>
        <input
          id="webhook-url"
          type="url"
          inputMode="url"
          autocomplete="url"
          value={url}
          onInput={(e) => setUrl((e.target as HTMLInputElement).value)}
          aria-invalid={errors.has('body.url')}
        />
        <FieldMessages path="body.url" errors={errors} />
      </div>
      <fieldset class="field" aria-invalid={errors.has('body.events')}>
        <legend>{t('webhookEvents')}</legend>
        <CheckList options={EVENT_CHOICES} value={events} onChange={setEvents} />
        <FieldMessages path="body.events" errors={errors} />
      </fieldset>
      <button type="submit" disabled={busy}>
        {t('newWebhook')}
      </button>
    </form>
  );
}

function DeadLetters() {
  const [cursor, setCursor] = useState<string | null>(null);
  const list = useResource<Page<DeadLetter>>(`/webhooks/dead-letters?limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
  const { error, busy, run } = useSubmit();
  const redeliver = async (d: DeadLetter) => {
    const refused = await run(() => send('POST', `/webhooks/dead-letters/${encodeURIComponent(d.id)}/redeliver`));
    await list.reload();
    if (!refused) announce(t('redelivered'));
  };
  return (
    <section aria-labelledby="dead-letters-h">
      <h2 id="dead-letters-h">{t('deadLetters')}</h2>
      <p class="muted">{t('deadLettersNote')}</p>
      <ProblemBox error={error} />
      <Loading r={list}>
        {(page) =>
          page.items.length === 0 ? (
            <p class="empty">{t('noDeadLetters')}</p>
          ) : (
            <>
              <table class="dead-letters">
                <thead>
                  <tr>
                    <th>{t('caseNumber')}</th>
                    <th>{t('noticeKind')}</th>
                    <th>{t('webhookUrl')}</th>
                    <th>{t('attempts')}</th>
                    <th>{t('lastError')}</th>
                    <th>{t('deadAt')}</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((d) => (
                    <tr key={d.id} data-testid="dead-letter">
                      <td>{d.caseNumber ?? '—'}</td>
                      <td>{eventName(d.event)}</td>
                      <td>
                        <code>{d.url}</code>
                      </td>
                      <td>{d.attempts}</td>
                      <td>{deliveryErrorInChinese(d.lastError)}</td>
                      <td>{formatTime(d.deadAt ?? d.createdAt)}</td>
                      <td>
                        <button type="button" class="secondary" disabled={busy} onClick={() => void redeliver(d)}>
                          {t('redeliver')}
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {page.nextCursor && (
                <button type="button" class="secondary" onClick={() => setCursor(page.nextCursor)}>
                  {t('next')}
                </button>
              )}
            </>
          )
        }
      </Loading>
    </section>
  );
}

export function Webhooks() {
  const list = useResource<{ items: Webhook[] }>('/webhooks');
  const { error, run } = useSubmit();
  const remove = async (w: Webhook) => {
    if (!confirm(t('deleteWebhookConfirm'))) return;
    const refused = await run(() => send('DELETE', `/webhooks/${encodeURIComponent(w.id)}`));
    await list.reload();
    if (!refused) announce(t('webhookDeleted'));
  };
  return (
    <section>
      <h1>{t('webhooks')}</h1>
      <p class="muted">{t('webhooksNote')}</p>
      <ProblemBox error={error} />
      <section aria-labelledby="webhooks-h">
        <h2 id="webhooks-h">{t('webhookList')}</h2>
        <Loading r={list}>
          {(data) =>
            data.items.length === 0 ? (
              <p class="empty">{t('noWebhooks')}</p>
            ) : (
              <table class="webhooks">
                <thead>
                  <tr>
                    <th>{t('webhookUrl')}</th>
                    <th>{t('webhookEvents')}</th>
                    <th>{t('webhookCreated')}</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((w) => (
                    <tr key={w.id} data-testid="webhook">
                      <td>
                        <code>{w.url}</code>
                      </td>
                      <td>{w.events.map(eventName).join('、')}</td>
                      <td>{formatTime(w.createdAt)}</td>
                      <td>
                        <button type="button" class="secondary" onClick={() => void remove(w)}>
                          {t('deleteWebhook')}
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Loading>
      </section>
      <NewWebhook done={() => void list.reload()} />
      <DeadLetters />
    </section>
  );
}
