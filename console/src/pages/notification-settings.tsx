// 通知设置 (issue 26 §2): which kinds of notice reach a person beyond the console (which always shows every one), by
// e-mail, and a daily e-mail of their tasks falling due. Everything is picked from lists the API names in Chinese; the
// one thing typed is the e-mail address.
import { useEffect, useState } from 'preact/hooks';
import { send } from '../http';
import { t } from '../i18n';
import { announce, Loading, Refusal, useResource, useSubmit } from '../lib';
import { CheckList } from '../pickers';
import { FieldMessages } from '../schema-form';

interface Choice {
  code: string;
  name: string;
}
interface Preferences {
  email: string | null;
  events: string[];
  channels: string[];
  digest: boolean;
  choices: { events: Choice[]; channels: Choice[] };
}

function Form({ initial, done }: { initial: Preferences; done: () => void }) {
  const [email, setEmail] = useState(initial.email ?? '');
  const [events, setEvents] = useState<string[]>(initial.events);
  const [channels, setChannels] = useState<string[]>(initial.channels);
  const [digest, setDigest] = useState(initial.digest);
  const submitting = useSubmit();
  const { errors, busy, run } = submitting;
  useEffect(() => setEmail(initial.email ?? ''), [initial.email]);
  const submit = async (e: Event) => {
    e.preventDefault();
    const failed = await run(() => send('PUT', '/me/notification-preferences', { email: email.trim() || null, events, channels, digest }));
    if (!failed) {
      announce(t('notificationSettingsSaved'));
      done();
    }
  };
  return (
    <form class="principal" onSubmit={submit} aria-labelledby="notify-h" noValidate>
      <h2 id="notify-h">{t('notificationChannels')}</h2>
      <Refusal submit={submitting} />
      <div class="field">
        <label for="notify-email">{t('emailAddress')}</label>
        <input
          id="notify-email"
          type="email"
          autocomplete="email"
          value={email}
          onInput={(e) => setEmail((e.target as HTMLInputElement).value)}
          aria-invalid={errors.has('body.email')}
        />
        <FieldMessages path="body.email" errors={errors} />
      </div>
      <fieldset class="field">
        <legend>{t('notificationChannels')}</legend>
        <label class="check">
          <input type="checkbox" checked disabled /> {t('consoleChannel')}
        </label>
        <CheckList options={initial.choices.channels} value={channels} onChange={setChannels} />
        <label class="check">
          <input type="checkbox" checked={digest} onChange={(e) => setDigest((e.target as HTMLInputElement).checked)} /> {t('dailyDigest')}
        </label>
      </fieldset>
      <fieldset class="field" aria-invalid={errors.has('body.events')}>
        <legend>{t('notificationEvents')}</legend>
        <CheckList options={initial.choices.events} value={events} onChange={setEvents} />
        <FieldMessages path="body.events" errors={errors} />
      </fieldset>
      <button type="submit" disabled={busy}>
        {t('saveNotificationSettings')}
      </button>
    </form>
  );
}

export function NotificationSettings() {
  const prefs = useResource<Preferences>('/me/notification-preferences');
  return (
    <section>
      <h1>{t('notificationSettings')}</h1>
      <p class="muted">{t('notificationSettingsNote')}</p>
      <Loading r={prefs}>{(data) => <Form initial={data} done={() => void prefs.reload()} />}</Loading>
    </section>
  );
}
