// Applying: the request types one's roles may start (GET /request-types), each form generated from the body
// schema the route validates with, the article of each field beside it, and the server's problems next to
// the fields they name.
import { useMemo, useState } from 'preact/hooks';
import { get, send, type Errors, type Me, type RequestType, type RequestView } from '../http';
import { label, t } from '../i18n';
import { announce, go, href, Loading, me, Refusal, useResource, useSubmit, type Route } from '../lib';
import { cleanValue, emptyValue, FieldMessages, SchemaFields, UnplacedMessages } from '../schema-form';

/** The identity documents the API takes (domain/ids.ts IDENTITY_DOCUMENT_TYPES). */
export const DOCUMENT_TYPES = ['resident', 'hmt_residence_permit', 'foreign_permanent_residence'] as const;

/** Who a member of the public is (Art. 29), said once before applying for open data. */
function PrincipalForm() {
  const [kind, setKind] = useState<'natural' | 'legal'>('natural');
  const [name, setName] = useState('');
  const [number, setNumber] = useState('');
  // Art. 10 ¶2 takes any identity document's number (身份证件号码); each is checked by its own rule.
  const [documentType, setDocumentType] = useState<(typeof DOCUMENT_TYPES)[number]>('resident');
  const saving = useSubmit();
  const { errors, run } = saving;
  const numberField = kind === 'natural' ? 'residentId' : 'uscc';
  const save = async (e: Event) => {
    e.preventDefault();
    await run(async () => {
      await send('PUT', '/principals/me', kind === 'natural' ? { kind, name, documentType, residentId: number } : { kind, name, uscc: number });
      me.value = await get<Me>('/me');
      // The form goes once one has said who one is: the page says what was saved, and what next.
      announce(t('identitySaved', { name }));
    });
  };
  return (
    <form class="principal" onSubmit={save} aria-labelledby="principal-h">
      <h2 id="principal-h">{t('whoYouAre')}</h2>
      <Refusal submit={saving} />
      <fieldset>
        <legend>{t('identity')}</legend>
        {(['natural', 'legal'] as const).map((k) => (
          <div class="field check" key={k}>
            <input type="radio" id={`p-${k}`} name="pkind" checked={kind === k} onChange={() => setKind(k)} />
            <label for={`p-${k}`}>{t(k)}</label>
          </div>
        ))}
      </fieldset>
      <div class="field">
        <label for="p-name">{t('name')}</label>
        <input id="p-name" type="text" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} aria-invalid={errors.has('body.name')} />
        <FieldMessages path="body.name" errors={errors} />
      </div>
      {kind === 'natural' && (
        <div class="field">
          <label for="p-document">{t('documentType')}</label>
          <select
            id="p-document"
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
      )}
      <div class="field">
        <label for="p-number">{kind === 'natural' ? `${t(numberField)}（${t(documentType)}）` : t(numberField)}</label>
        <input
          id="p-number"
          type="text"
          autocomplete="off"
          value={number}
          onInput={(e) => setNumber((e.target as HTMLInputElement).value)}
          aria-invalid={errors.has(`body.${numberField}`)}
        />
        <FieldMessages path={`body.${numberField}`} errors={errors} />
      </div>
      <button type="submit">{t('save')}</button>
    </form>
  );
}

/** The body schema without `onBehalfOf`: the applicant is picked from a list (ApplicantPicker), never typed. */
function withoutOnBehalfOf(schema: RequestType['body']): RequestType['body'] {
  const props = (schema as { properties?: Record<string, unknown> }).properties;
  if (!props || !('onBehalfOf' in props)) return schema;
  const rest = Object.fromEntries(Object.entries(props).filter(([k]) => k !== 'onBehalfOf'));
  return { ...schema, properties: rest } as RequestType['body'];
}

/** 申请人：本人 / a legal person the caller acts for as its authorised agent (GET /me principal.actsFor). */
function ApplicantPicker({ value, onChange, errors }: { value: string; onChange: (v: string) => void; errors: Errors }) {
  const actsFor = me.value?.principal?.actsFor ?? [];
  if (!actsFor.length) return null;
  return (
    <div class="field">
      <label for="f-applicant">{t('applicantAs')}</label>
      <select id="f-applicant" value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)} aria-invalid={errors.has('body.onBehalfOf')}>
        <option value="">{t('self')}</option>
        {actsFor.map((l) => (
          <option key={l.uscc} value={l.uscc}>
            {l.name}
          </option>
        ))}
      </select>
    </div>
  );
}

function ApplyForm({ type, prefill }: { type: RequestType; prefill: URLSearchParams }) {
  const body = useMemo(() => withoutOnBehalfOf(type.body), [type]);
  const offersApplicant = body !== type.body;
  const [onBehalfOf, setOnBehalfOf] = useState('');
  const start = useMemo(() => {
    const v = emptyValue(body) as Record<string, unknown>;
    for (const [k, x] of prefill) if (k in v && typeof v[k] === 'string') v[k] = x;
    return v;
  }, [type]);
  const [value, setValue] = useState<Record<string, unknown>>(start);
  const submitting = useSubmit();
  const { errors, busy, run } = submitting;
  // One key per form filled: pressing submit twice, or again after a lost answer, makes one request.
  const [key] = useState(() => crypto.randomUUID?.() ?? `${Date.now()}-${Math.random()}`);
  const submit = async (e: Event) => {
    e.preventDefault();
    await run(async () => {
      const cleaned = cleanValue(body, value) as Record<string, unknown>;
      const created = await send<RequestView>('POST', type.start.path, onBehalfOf ? { ...cleaned, onBehalfOf } : cleaned, {
        'idempotency-key': `${key}${onBehalfOf ? `:${onBehalfOf}` : ''}`,
      });
      announce(t('requestSubmitted', { number: created.caseNumber ?? created.id }), href('requests', created.id));
      go(href('requests', created.id));
    });
  };
  return (
    <form class="apply" onSubmit={submit} noValidate>
      <h2>{label('type', type.type)}</h2>
      <Refusal submit={submitting} />
      {offersApplicant && <ApplicantPicker value={onBehalfOf} onChange={setOnBehalfOf} errors={errors} />}
      <SchemaFields schema={body} path="body" words={type} value={value} onChange={setValue} errors={errors} articles={type.articles} />
      <UnplacedMessages errors={errors} schema={body} path="body" words={type} />
      <button type="submit" disabled={busy}>
        {busy ? t('submitting') : t('submit')}
      </button>
    </form>
  );
}

export function Apply({ route }: { route: Route }) {
  const types = useResource<{ items: RequestType[] }>('/request-types');
  const chosen = route.path[1];
  return (
    <section>
      <h1>{t('apply')}</h1>
      {me.value?.roles.includes('public_applicant') && !me.value.principal && <PrincipalForm />}
      <Loading r={types}>
        {(data) => {
          const mine = data.items.filter((x) => x.startedBy.some((r) => me.value?.roles.includes(r)));
          const type = mine.find((x) => x.type === chosen);
          return (
            <>
              <nav aria-label={t('chooseType')}>
                <ul class="types">
                  {mine.map((x) => (
                    <li key={x.type}>
                      <a href={href('apply', x.type)} aria-current={x.type === chosen ? 'page' : undefined}>
                        {label('type', x.type)}
                      </a>
                    </li>
                  ))}
                </ul>
              </nav>
              {type && <ApplyForm key={type.type + route.params.toString()} type={type} prefill={route.params} />}
            </>
          );
        }}
      </Loading>
    </section>
  );
}
