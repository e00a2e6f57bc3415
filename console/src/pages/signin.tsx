import { useEffect, useState } from 'preact/hooks';
import { get, send, session, type DevUser, type Me, type SignInOptions } from '../http';
import { fieldMessage, label, lang, t } from '../i18n';
import { authed, me, ProblemBox, useResource, useSubmit } from '../lib';
import { beginSignIn, finishSignIn, SignInFailed } from '../oidc';
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
  // Staff sign in through the identity provider (统一身份认证) where one is configured; the demo people only in
  // development mode (the API serves /dev/* then alone); a pasted token where no staff provider is configured.
  const options = useResource<SignInOptions>('/sign-in');
  const staff = options.data?.staff ?? null;
  const development = options.data?.development === true;
  const users = useResource<{ items: DevUser[] }>(development ? '/dev/users' : null);
  const [token, setToken] = useState('');
  const [flowFailed, setFlowFailed] = useState(false);
  const { errors, error, run } = useSubmit();
  const act = (f: () => Promise<void>) => () => void run(f);
  // Back from the provider (its answer in the query): the code exchanged, then signed in with the ID token.
  useEffect(() => {
    act(async () => {
      try {
        const idToken = await finishSignIn();
        if (idToken) await signIn(idToken);
      } catch (e) {
        if (!(e instanceof SignInFailed)) throw e;
        setFlowFailed(true);
      }
    })();
  }, []);
  // What the API refused of the provider's token: the claim it names, and why.
  const claims = [...errors].filter(([field]) => field.startsWith('token.')).flatMap(([, refused]) => refused);
  return (
    <section class="signin">
      <h1>{t('signIn')}</h1>
      <ProblemBox error={error} />
      {claims.length > 0 && (
        <ul class="problem" role="alert" data-testid="claim-problems">
          {claims.map((f) => (
            <li key={f.field}>
              {fieldMessage(f)}（{t('signInClaim')} {f.field.slice('token.'.length)}）
            </li>
          ))}
        </ul>
      )}
      {flowFailed && (
        <p class="problem" role="alert">
          {t('signInProviderFailed')}
        </p>
      )}
      <FieldMessages path="body.sub" errors={errors} />
      {staff && (
        <section aria-labelledby="provider-sign-in">
          <h2 id="provider-sign-in">{t('signInProvider')}</h2>
          <p class="muted">{t('signInProviderNote')}</p>
          <button
            type="button"
            data-testid="provider-sign-in"
            onClick={act(async () => {
              setFlowFailed(false);
              try {
                await beginSignIn(staff);
              } catch (e) {
                if (!(e instanceof SignInFailed)) throw e;
                setFlowFailed(true);
              }
            })}
          >
            {t('signInProvider')}
          </button>
        </section>
      )}
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
      {options.data && (development || !staff) && (
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
      )}
    </section>
  );
}
