import { useState } from 'preact/hooks';
import { get, send, session, type DevUser, type Me } from '../http';
import { label, lang, t } from '../i18n';
import { authed, me, ProblemBox, useResource, useSubmit } from '../lib';
import { FieldMessages } from '../schema-form';

export async function signIn(token: string): Promise<void> {
  session.token = token;
  try {
    me.value = await get<Me>('/me');
    authed.value = true;
  } catch (e) {
    session.token = null;
    throw e;
  }
}

export function SignIn() {
  // Absent (404) unless the API runs in development mode: then only a token from the identity provider signs in.
  const users = useResource<{ items: DevUser[] }>('/dev/users');
  const [token, setToken] = useState('');
  const { errors, error, run } = useSubmit();
  const act = (f: () => Promise<void>) => () => void run(f);
  return (
    <section class="signin">
      <h1>{t('signIn')}</h1>
      <ProblemBox error={error} />
      <FieldMessages path="body.sub" errors={errors} />
      {users.data && (
        <section aria-labelledby="dev-users">
          <h2 id="dev-users">{t('signInAs')}</h2>
          <p class="muted">{t('signInDevNote')}</p>
          <ul class="users">
            {users.data.items.map((u) => (
              <li key={u.sub}>
                <button
                  type="button"
                  data-sub={u.sub}
                  onClick={act(async () => signIn((await send<{ token: string }>('POST', '/dev/token', { sub: u.sub })).token))}
                >
                  <strong>{u.sub}</strong>
                  <span>{u.roles.map((r) => label('role', r)).join('、')}</span>
                  {/* Who they are: their name in Chinese; the English description only in English. */}
                  <span class="muted">{lang.value === 'zh' ? (u.name ?? t('publicMember')) : u.label}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          act(() => signIn(token.trim()))();
        }}
      >
        <h2>{t('pasteToken')}</h2>
        <label for="token">{t('token')}</label>
        <textarea id="token" rows={3} value={token} onInput={(e) => setToken((e.target as HTMLTextAreaElement).value)} />
        <button type="submit" disabled={!token.trim()}>
          {t('signIn')}
        </button>
      </form>
    </section>
  );
}
