// One task: the request, the catalog entry, the article's text, earlier decisions, and a decision form that
// offers only what the task allows (GET /task-kinds: decisions, which need a reason, the form each takes).
import { useEffect, useState } from 'preact/hooks';
import {
  ApiError,
  get,
  send,
  type Agreement,
  type Article,
  type CatalogEntry,
  type HistoryEvent,
  type JsonSchema,
  type Page,
  type Person,
  type RequestView,
  type Task,
  type TaskKind,
} from '../http';
import { articleName, decisionLabel, fieldHelp, fieldLabel, formatTime, label, lang, reasonText, t, typeWords } from '../i18n';
import {
  ArticleLink,
  hasRole,
  href,
  JsonView,
  LIVE_MS,
  Loading,
  me,
  Notice,
  Org,
  organisations,
  ProblemBox,
  Refusal,
  Status,
  useEntryWords,
  useResource,
  useSubmit,
} from '../lib';
import { cleanValue, emptyValue, FieldMessages, type ItemLists, RequiredMark, SchemaFields, UnplacedMessages } from '../schema-form';
import type { CatalogChange, LegalBasis } from '../../../domain/catalog';
import { AdjustmentView, AppliedEntries, besidesDuplicates, currentAdjustment } from '../adjustment-diff';
import { BasisList, ReviseInList } from './adjust';
import { Assignee, Due } from './inbox';
import { Timeline } from './requests';
import { CorrectionRecord } from './correction';

const articleNumber = (article: string) => /Art\. (\d+)/.exec(article)?.[1];

export function ArticleText({ article }: { article: string }) {
  const n = articleNumber(article);
  const a = useResource<Article>(n ? `/articles/${n}` : null);
  if (!n) return null;
  return (
    <Loading r={a}>
      {(x) => (
        <blockquote class="article-text" lang="zh-CN">
          <p>
            <strong>{x.chapter}</strong> · {articleName(x.article)}
          </p>
          <p>{x.text}</p>
        </blockquote>
      )}
    </Loading>
  );
}

export function EntrySummary({ id }: { id: string }) {
  const e = useResource<CatalogEntry>(`/catalog/${encodeURIComponent(id)}`);
  return (
    <Loading r={e}>
      {(x) => (
        <dl class="facts">
          <div>
            <dt>{t('entry')}</dt>
            <dd>
              <a href={href('catalog', x.id)} title={x.id}>
                {x.title}
              </a>{' '}
              <span class="muted">
                ({t('version')} {x.version})
              </span>
            </dd>
          </div>
          <div>
            <dt>{t('provider')}</dt>
            <dd>
              <Org id={x.providerOrgId} name={x.providerName} />
            </dd>
          </div>
          <div>
            <dt>{t('shareAttr')}</dt>
            <dd>
              {label('shareAttribute', x.share.attribute)} {x.share.conditions && <span>— {x.share.conditions}</span>}
            </dd>
          </div>
          <div>
            <dt>{t('openAttr')}</dt>
            <dd>{label('openAttribute', x.open.attribute)}</dd>
          </div>
          <div>
            <dt>{t('fields')}</dt>
            <dd>{x.fields.map((f) => f.label).join('、')}</dd>
          </div>
        </dl>
      )}
    </Loading>
  );
}

/** The SHA-256 of a text (its UTF-8) or of a file's bytes, in hex, as the browser computes it; null where it cannot. */
export async function sha256Hex(data: string | ArrayBuffer): Promise<string | null> {
  if (!crypto.subtle) return null;
  const digest = await crypto.subtle.digest('SHA-256', typeof data === 'string' ? new TextEncoder().encode(data) : data);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Who decided a task: "X 代 Y" when a delegate decided it (代理). */
const decider = (x: Pick<Task, 'decidedBy' | 'decidedOnBehalfOf'>) =>
  x.decidedOnBehalfOf ? t('onBehalfOf', { actor: x.decidedBy ?? '', person: x.decidedOnBehalfOf }) : x.decidedBy;

function AgreementText({ id, onHash }: { id: string; onHash: (h: string) => void }) {
  const a = useResource<Agreement>(`/agreements/${encodeURIComponent(id)}`);
  useEffect(() => {
    if (a.data) void sha256Hex(a.data.text).then((h) => onHash(h ?? a.data!.sha256));
  }, [a.data]);
  return (
    <Loading r={a}>
      {(x) => (
        <section aria-labelledby="agreement-h">
          <h2 id="agreement-h">{t('agreementText')}</h2>
          <p>
            <a href={href('agreements', x.id)} title={x.id}>
              {x.entryTitle}
            </a>
          </p>
          {/* Scrolls: focusable, so that a keyboard reaches all of it. */}
          <pre class="agreement" lang="zh-CN" tabIndex={0} aria-labelledby="agreement-h">
            {x.text}
          </pre>
        </section>
      )}
    </Loading>
  );
}

/** `schema` without its property `name` (the form as a person fills it; the page adds that one itself). */
function withoutField(schema: JsonSchema, name: string): JsonSchema {
  const properties = Object.fromEntries(Object.entries(schema.properties ?? {}).filter(([k]) => k !== name));
  return { ...schema, properties, required: schema.required?.filter((r) => r !== name) };
}

/**
 * The form with every legal basis's level (`basis.N.level`, at any depth: a COUNTER's or DECIDE's position, an OBJECT's
 * proposal) offered among `levels` alone: a dispute's position marked 不予共享 cites a level accepted for the agency's
 * catalog, which its task names (`context.noneBasis`, issue 24 §3), as the entry editor offers only those.
 */
function withBasisLevels(schema: JsonSchema, levels: readonly string[]): JsonSchema {
  if (!schema.properties) return schema;
  const properties = Object.fromEntries(
    Object.entries(schema.properties).map(([k, p]) => {
      const level = k === 'basis' ? p.items?.properties?.level : undefined;
      if (!level) return [k, withBasisLevels(p, levels)];
      const items = { ...p.items, properties: { ...p.items!.properties, level: { ...level, anyOf: undefined, oneOf: undefined, enum: [...levels] } } };
      return [k, { ...p, items }];
    }),
  );
  return { ...schema, properties };
}

/** A task addressed to one person (a named candidate, or a member of the public): theirs alone, nothing to claim. */
const personal = (task: Task) => task.candidates.some((c) => c.user !== null || c.role === 'public_applicant');

/**
 * A decision that names one change of the request (its entry's `entryId`, or a new entry's place `index`: an
 * objection names the change whose share attribute it disputes) is picked from the request's changes by their
 * titles, never typed.
 */
function ChangePicker({
  changes,
  form,
  onChange,
  errors,
}: {
  changes: CatalogChange[];
  form: Record<string, unknown>;
  onChange: (f: Record<string, unknown>) => void;
  errors: Map<string, unknown>;
}) {
  const picked = form.entryId !== undefined ? changes.findIndex((c) => c.op === 'change' && c.entryId === form.entryId) : Number(form.index ?? -1);
  const invalid = errors.has('body.form.entryId') || errors.has('body.form.index');
  return (
    <div class="field">
      <label for="f-body-form-change">
        {t('changeNamed')}
        <RequiredMark />
      </label>
      <select
        id="f-body-form-change"
        value={picked >= 0 ? String(picked) : ''}
        aria-invalid={invalid}
        onChange={(e) => {
          const rest = Object.fromEntries(Object.entries(form).filter(([k]) => k !== 'entryId' && k !== 'index'));
          const i = Number((e.target as HTMLSelectElement).value);
          const c = changes[i];
          onChange(!c ? rest : c.op === 'change' ? { ...rest, entryId: c.entryId } : { ...rest, index: i });
        }}
      >
        <option value="">—</option>
        {changes.map((c, i) =>
          c.op === 'remove' ? null : (
            <option key={i} value={String(i)}>
              {c.op === 'add' ? t('newEntryNamed', { title: c.entry.title }) : c.entry.title}
            </option>
          ),
        )}
      </select>
      <FieldMessages path="body.form.entryId" errors={errors as never} />
      <FieldMessages path="body.form.index" errors={errors as never} />
    </div>
  );
}

function DecisionForm({
  task,
  kind,
  agreementHash,
  onDone,
  changes,
  entryId,
  payload,
}: {
  task: Task;
  kind: TaskKind;
  agreementHash: string | null;
  onDone: (e?: ApiError) => Promise<void>;
  /** The changes of the request under decision, where it is made of changes (a catalog adjustment). */
  changes?: CatalogChange[];
  /** The catalog entry of the request under decision. */
  entryId?: string | null;
  /** The request as it stands (what a reply that may amend it starts from). */
  payload?: Record<string, unknown>;
}) {
  const offered = kind.decisions.filter((d) => task.allowedDecisions.includes(d.decision));
  const [decision, setDecision] = useState(offered.length === 1 ? offered[0].decision : '');
  const [reason, setReason] = useState('');
  const [form, setForm] = useState<Record<string, unknown>>({});
  const [agreed, setAgreed] = useState(false);
  const deciding = useSubmit();
  const { errors, busy, run, reset } = deciding;
  // 一次性告知 (issue 24 §1): a share reply may amend the request, its data items ticked among the entry's (the task's
  // context), starting from the request as it stands; a reply task opened before that takes words alone.
  const amendable = Array.isArray(task.context?.amendable) ? (task.context.amendable as string[]) : null;
  const found = offered.find((d) => d.decision === decision);
  // A form that names the context it needs (`x-context`) is offered only by a task whose context has it.
  const needs = found?.form?.['x-context'];
  const chosen = found && typeof needs === 'string' && !(task.context && needs in task.context) ? { ...found, form: undefined } : found;
  const amends = amendable !== null && !!chosen?.form && needs === 'amendable';
  // A signature names the text signed: the page sends the SHA-256 of the text it showed, never one typed.
  const signing = !!chosen?.form?.properties?.sha256;
  // A change of the request named by picking it; a revised request made in the adjustment list, not typed here.
  const namesChange = !!changes && !!chosen?.form?.properties?.entryId && !!chosen.form.properties.index;
  const revisesRequest = !!changes && !!chosen?.form?.properties?.changes;
  // A refusal's legal basis (不予共享): its provisions in rows, each level picked among those the task accepts (its context).
  // (A dispute's position has a basis too, edited in the generated form: only a task listing the levels is a refusal's.)
  const levels = Array.isArray(task.context?.refusalBasis) ? (task.context.refusalBasis as LegalBasis['level'][]) : null;
  const citesBasis = !!chosen?.form?.properties?.basis && levels !== null;
  const [basis, setBasis] = useState<LegalBasis[]>([]);
  // A dispute's position (or an objection's proposal) marked 不予共享: its basis's levels among those its task accepts.
  const noneLevels = Array.isArray(task.context?.noneBasis) ? (task.context.noneBasis as LegalBasis['level'][]) : null;
  const decisionForm = chosen?.form && noneLevels ? withBasisLevels(chosen.form, noneLevels) : chosen?.form;
  const shownForm =
    decisionForm && signing
      ? withoutField(decisionForm, 'sha256')
      : decisionForm && namesChange
        ? withoutField(withoutField(decisionForm, 'entryId'), 'index')
        : decisionForm && citesBasis
          ? withoutField(decisionForm, 'basis')
          : decisionForm;
  // A delivery's fields (数据交付) are ticked from the grant's (the task's context), all of them to start with.
  const granted = Array.isArray(task.context?.fields) ? (task.context.fields as string[]) : null;
  // A refusal dispute's positions and grant (《政务数据共享条例》): the data items ticked from the entry's (the task's context).
  const entryFields = Array.isArray(task.context?.entryFields) ? (task.context.entryFields as string[]) : null;
  const itemLists: ItemLists | undefined =
    entryId && granted
      ? { deliveredFields: { entryId, among: granted } }
      : entryId && entryFields
        ? { fields: { entryId, among: entryFields } }
        : entryId && amends
          ? { fields: { entryId, among: amendable } }
          : undefined;
  useEffect(() => {
    const empty = shownForm ? (emptyValue(shownForm) as Record<string, unknown>) : {};
    const ticked = Object.fromEntries(Object.entries(itemLists ?? {}).flatMap(([k, l]) => (k in empty && l.among ? [[k, l.among]] : [])));
    // The request as it stands: a reply left so changes nothing (its data items, all the entry's where it named none).
    const asItStands =
      amends && payload
        ? {
            fields: Array.isArray(payload.fields) && payload.fields.length ? payload.fields : amendable,
            ...(typeof payload.scenario === 'string' ? { scenario: payload.scenario } : {}),
          }
        : {};
    setForm({ ...empty, ...ticked, ...asItStands });
    setBasis(levels ? [{ level: levels[0], title: '', article: '' }] : []);
    setAgreed(false);
    reset();
  }, [decision, entryId]);
  if (offered.length === 0) return null;
  const submit = async (e: Event) => {
    e.preventDefault();
    if (signing && (!agreed || !agreementHash)) return;
    if (revisesRequest) return;
    const named = namesChange
      ? { ...(form.entryId !== undefined ? { entryId: form.entryId } : {}), ...(form.index !== undefined ? { index: form.index } : {}) }
      : {};
    const filled = shownForm
      ? ({ ...(cleanValue(shownForm, form) as Record<string, unknown>), ...named, ...(citesBasis ? { basis } : {}) } as Record<string, unknown>)
      : undefined;
    const body = {
      decision,
      ...(reason.trim() ? { reason } : {}),
      ...(chosen?.form ? { form: signing ? { ...filled, sha256: agreementHash } : filled } : {}),
    };
    const refused = await run(() => send('POST', `/tasks/${encodeURIComponent(task.id)}/complete`, body));
    // Decided, or decided by someone else meanwhile (409): the page reads the task again either way.
    if (!refused || refused.status === 409) await onDone(refused);
  };
  const reasonRefused = errors.has('body.reason');
  return (
    <form class="decide" onSubmit={submit} aria-labelledby="decide-h">
      <h2 id="decide-h">{t('decide')}</h2>
      <Refusal submit={deciding} />
      <fieldset>
        <legend>{t('decision')}</legend>
        {offered.map((d) => (
          <div class="field check" key={d.decision}>
            <input
              type="radio"
              id={`d-${d.decision}`}
              name="decision"
              value={d.decision}
              checked={decision === d.decision}
              onChange={() => setDecision(d.decision)}
            />
            <label for={`d-${d.decision}`}>
              {d.label}
              {/* A Chinese reader reads the label alone; an English one also sees the decision's name. */}
              {lang.value === 'en' && <span class="muted"> ({d.decision})</span>}
              {d.reasonRequired && <span class="hint">{t('reasonRequired')}</span>}
            </label>
          </div>
        ))}
      </fieldset>
      <div class="field">
        <label for="reason">
          {t('reason')}
          {chosen?.reasonRequired && <RequiredMark />}
        </label>
        <textarea
          id="reason"
          rows={4}
          value={reason}
          aria-invalid={reasonRefused}
          aria-describedby={reasonRefused ? 'reason-err' : undefined}
          onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)}
        />
        <FieldMessages path="body.reason" errors={errors} id="reason-err" />
      </div>
      {namesChange && changes && <ChangePicker changes={changes} form={form} onChange={setForm} errors={errors} />}
      {amends && <p class="hint amend-hint">{t('amendHint')}</p>}
      {revisesRequest ? (
        <p class="hint">{t('reviseInListFirst')}</p>
      ) : (
        shownForm &&
        Object.keys(shownForm.properties ?? {}).length > 0 && (
          <SchemaFields schema={shownForm} path="body.form" words={chosen} value={form} onChange={setForm} errors={errors} itemLists={itemLists} />
        )
      )}
      {citesBasis && (
        <BasisList
          id="f-body-form-basis"
          legend={fieldLabel(chosen, 'basis', 'basis')}
          help={fieldHelp(chosen, 'basis', undefined)}
          basis={basis}
          onChange={setBasis}
          problems={[...errors.entries()].filter(([k]) => k === 'body.form.basis' || k.startsWith('body.form.basis.')).flatMap(([, v]) => v)}
          levels={levels ?? undefined}
        />
      )}
      {signing && (
        <div class="field check agree">
          <input
            type="checkbox"
            id="agree"
            checked={agreed}
            aria-describedby="agree-hint"
            onChange={(e) => setAgreed((e.target as HTMLInputElement).checked)}
          />
          <label for="agree">{t('readAndAgree')}</label>
          <span class="hint" id="agree-hint">
            {t('readFirst')}
          </span>
          <FieldMessages path="body.form.sha256" errors={errors} />
        </div>
      )}
      <UnplacedMessages errors={errors} schema={{ properties: { reason: {}, form: chosen?.form ?? {} } }} path="body" words={chosen} />
      <button type="submit" disabled={!decision || busy || revisesRequest || (signing && (!agreed || !agreementHash))}>
        {busy ? t('submitting') : signing ? chosen.label : t('submit')}
      </button>
    </form>
  );
}

/** A task's context without `key`; null where nothing else is left. */
function withoutKey(context: Task['context'], key: string): Task['context'] {
  const rest = Object.fromEntries(Object.entries(context ?? {}).filter(([k]) => k !== key));
  return Object.keys(rest).length ? rest : null;
}

/** A task's context without the entry's other error reports (read live instead); null where nothing else is left. */
const withoutOtherReports = (context: Task['context']): Task['context'] => withoutKey(context, 'otherReports');

/** A request's payload in its type's words, the data items it names by their labels. */
export function Payload({ request }: { request: RequestView }) {
  return <JsonView value={request.payload} words={useEntryWords(typeWords(request.type), request.catalogEntryId)} />;
}

/** A person as the supervisor picks them: name and sub, organisation. */
function personLabel(p: Person): string {
  const org = organisations.value.get(p.org) ?? p.org;
  return `${p.name ? `${p.name} (${p.sub})` : p.sub} — ${org}`;
}

/**
 * A supervisor urges (督办, Art. 32) an open task in their own words: its candidates and holder are told. The API
 * refuses one too early (not yet nearly due) or too soon after the last, naming the rule (shown in the box).
 */
function Urge({ task, onDone }: { task: Task; onDone: (said: string) => Promise<void> }) {
  const [message, setMessage] = useState('');
  const { errors, error, run } = useSubmit();
  const urge = async (e: Event) => {
    e.preventDefault();
    if (!(await run(() => send('POST', `/tasks/${encodeURIComponent(task.id)}/urge`, { message })))) {
      setMessage('');
      await onDone(t('urged'));
    }
  };
  return (
    <form class="urge" aria-labelledby="urge-h" onSubmit={urge}>
      <h3 id="urge-h">{t('urge')}</h3>
      <ProblemBox error={error} />
      <div class="field">
        <label for="u-message">
          {t('urgeMessage')}
          <RequiredMark />
        </label>
        <textarea
          id="u-message"
          rows={2}
          maxLength={500}
          value={message}
          aria-describedby="u-hint"
          aria-invalid={errors.has('body.message')}
          onInput={(e) => setMessage((e.target as HTMLTextAreaElement).value)}
        />
        <p id="u-hint" class="small muted">
          {t('urgeHint')}
        </p>
        <FieldMessages path="body.message" errors={errors} />
      </div>
      <button type="submit" disabled={!message.trim()}>
        {t('urge')}
      </button>
    </form>
  );
}

/**
 * The provider asks once to extend its answer (《政务数据共享条例》): working days and a reason; the head of its sharing
 * work approves or refuses. The API refuses a second ask naming the rule (shown in the box).
 */
function ExtensionRequest({ task, onDone }: { task: Task; onDone: (said: string) => Promise<void> }) {
  const [days, setDays] = useState('5');
  const [reason, setReason] = useState('');
  const { errors, error, run } = useSubmit();
  const ask = async (e: Event) => {
    e.preventDefault();
    if (!(await run(() => send('POST', `/tasks/${encodeURIComponent(task.id)}/extension-request`, { workingDays: Number(days), reason })))) {
      setReason('');
      await onDone(t('extensionAsked'));
    }
  };
  return (
    <form class="extension-request" aria-labelledby="ext-h" onSubmit={ask}>
      <h2 id="ext-h">{t('askExtension')}</h2>
      <ProblemBox error={error} />
      <p id="ext-hint" class="small muted">
        {t('askExtensionHint')}
      </p>
      <div class="field">
        <label for="ext-days">{t('extendBy')}</label>
        <input
          id="ext-days"
          type="number"
          min={1}
          max={30}
          value={days}
          aria-describedby="ext-hint"
          aria-invalid={errors.has('body.workingDays')}
          onInput={(e) => setDays((e.target as HTMLInputElement).value)}
        />
        <FieldMessages path="body.workingDays" errors={errors} />
      </div>
      <div class="field">
        <label for="ext-reason">
          {t('reason')}
          <RequiredMark />
        </label>
        <textarea
          id="ext-reason"
          rows={2}
          maxLength={4000}
          value={reason}
          aria-invalid={errors.has('body.reason')}
          onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)}
        />
        <FieldMessages path="body.reason" errors={errors} />
      </div>
      <button type="submit" class="secondary" disabled={!reason.trim()}>
        {t('askExtension')}
      </button>
    </form>
  );
}

/**
 * A supervisor's hand on an open task (Art. 32): move its due time on by working days, or give it to one of
 * the people it may go to (GET /tasks/:id/assignable: its candidates the directory knows, no party to it);
 * each with a reason.
 */
function Supervision({ task, onDone }: { task: Task; onDone: (said: string) => Promise<void> }) {
  const [days, setDays] = useState('5');
  const [user, setUser] = useState('');
  const [reason, setReason] = useState('');
  const supervising = useSubmit();
  const { errors, run } = supervising;
  const assignable = useResource<Page<Person>>(`/tasks/${encodeURIComponent(task.id)}/assignable?limit=100`);
  const act = (path: 'extend' | 'reassign', body: object, said: () => string) => async (e: Event) => {
    e.preventDefault();
    if (!(await run(() => send('POST', `/tasks/${encodeURIComponent(task.id)}/${path}`, body)))) await onDone(said());
  };
  const picked = assignable.data?.items.find((p) => p.sub === user);
  return (
    <section class="supervise" aria-labelledby="supervise-h">
      <h2 id="supervise-h">{t('supervise')}</h2>
      <Refusal submit={supervising} />
      <div class="field">
        <label for="s-reason">
          {t('reason')}
          <RequiredMark />
        </label>
        <textarea
          id="s-reason"
          rows={2}
          value={reason}
          aria-invalid={errors.has('body.reason')}
          onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)}
        />
        <FieldMessages path="body.reason" errors={errors} />
      </div>
      <form class="filters" onSubmit={act('extend', { workingDays: Number(days), reason }, () => t('extended', { n: days }))}>
        <div class="field">
          <label for="s-days">{t('extendBy')}</label>
          <input
            id="s-days"
            type="number"
            min={1}
            value={days}
            aria-invalid={errors.has('body.workingDays')}
            onInput={(e) => setDays((e.target as HTMLInputElement).value)}
          />
          <FieldMessages path="body.workingDays" errors={errors} />
        </div>
        <button type="submit">{t('extend')}</button>
      </form>
      <form class="filters" onSubmit={act('reassign', { user, reason }, () => t('reassigned', { name: picked?.name ?? user }))}>
        <div class="field">
          <label for="s-user">{t('reassignTo')}</label>
          <select id="s-user" value={user} aria-invalid={errors.has('body.user')} onChange={(e) => setUser((e.target as HTMLSelectElement).value)}>
            <option value="">{assignable.data && assignable.data.items.length === 0 ? t('nobodyAssignable') : t('choosePerson')}</option>
            {assignable.data?.items
              .filter((p, i, all) => all.findIndex((q) => q.sub === p.sub) === i)
              .map((p) => (
                <option key={`${p.sub} ${p.org}`} value={p.sub}>
                  {personLabel(p)}
                </option>
              ))}
          </select>
          <FieldMessages path="body.user" errors={errors} />
        </div>
        <button type="submit" disabled={!user}>
          {t('reassign')}
        </button>
      </form>
      <Urge task={task} onDone={onDone} />
    </section>
  );
}

export function TaskPage({ id }: { id: string }) {
  const task = useResource<Task>(`/tasks/${encodeURIComponent(id)}`, LIVE_MS);
  const kinds = useResource<{ items: TaskKind[] }>('/task-kinds');
  const requestId = task.data?.requestId;
  const request = useResource<RequestView>(requestId ? `/requests/${encodeURIComponent(requestId)}` : null, LIVE_MS);
  const history = useResource<{ items: HistoryEvent[] }>(requestId ? `/requests/${encodeURIComponent(requestId)}/history` : null, LIVE_MS);
  // A context's data items (a delivery's grant's fields, those delivered) by their labels; its own fields keep the
  // context's names (the grant's 数据项, not the request's).
  const contextWords = useEntryWords(undefined, request.data?.catalogEntryId);
  const [notice, setNotice] = useState<{ text: string; n: number }>();
  const say = (text: string) => setNotice((was) => ({ text, n: (was?.n ?? 0) + 1 }));
  const [error, setError] = useState<ApiError>();
  const [hash, setHash] = useState<string | null>(null);
  const claiming = useSubmit();
  const claim = async (action: 'claim' | 'unclaim') => {
    const refused = await claiming.run(() => send('POST', `/tasks/${encodeURIComponent(id)}/${action}`));
    await task.reload();
    if (!refused) say(t(action === 'claim' ? 'claimedNotice' : 'unclaimedNotice'));
  };
  const after = async (e?: ApiError, done = t('decided')) => {
    const fresh = await get<Task>(`/tasks/${encodeURIComponent(id)}`).catch(() => undefined);
    await Promise.all([task.reload(), request.reload(), history.reload()]);
    // Lost to another decision: on this task (who decided what), or on a sibling that closed it.
    if (e && fresh && fresh.status !== 'open')
      say(
        fresh.decision
          ? t('alreadyDecided', { who: fresh.decidedBy ?? t('someone'), decision: label('decision', fresh.decision) })
          : t('taskClosed', { status: label('taskStatus', fresh.status) }),
      );
    else if (e) setError(e);
    else say(done);
  };
  return (
    <Loading r={task}>
      {(x) => {
        const kind = kinds.data?.items.find((k) => k.kind === x.kind);
        const agreementId = typeof x.context?.agreementId === 'string' ? x.context.agreementId : null;
        const earlier = request.data?.tasks.filter((s) => s.id !== x.id && s.status === 'completed') ?? [];
        // An adjustment's Art. 8 flags show beside its new entries, not in the context.
        const adjustment = request.data ? currentAdjustment(request.data) : null;
        // A task whose context lists the entry's other error reports (the verification's) reads them as they stand
        // now, in a table below; the context says so, so this page names no procedure (lint.test.ts).
        const others = x.context != null && 'otherReports' in x.context && request.data?.catalogEntryId;
        const context = adjustment
          ? besidesDuplicates(x.context)
          : others
            ? withoutOtherReports(x.context)
            : x.context != null && 'amendable' in x.context
              ? // The data items a reply may amend the request with are ticked in its form, not listed here.
                withoutKey(x.context, 'amendable')
              : x.context;
        return (
          <article class="task">
            <h1>
              {label('kind', x.kind)} <Status code={x.status} task />
            </h1>
            <Notice text={notice?.text} n={notice?.n} />
            <ProblemBox error={claiming.error ?? error} />
            <dl class="facts">
              <div>
                <dt>{t('due')}</dt>
                <dd>
                  <Due task={x} /> <span class="muted">({formatTime(x.dueAt)})</span>
                </dd>
              </div>
              <div>
                <dt>{t('assignee')}</dt>
                <dd>
                  <Assignee task={x} /> {/* A delegate (代理) decides in the delegator's stead; claiming stays the delegator's own. */}
                  {x.status === 'open' && !x.assignee && x.allowedDecisions.length > 0 && !personal(x) && !x.onBehalfOf && (
                    <button type="button" class="secondary" onClick={() => void claim('claim')}>
                      {t('claim')}
                    </button>
                  )}
                  {x.status === 'open' && x.assignee && (x.assignee === me.value?.sub || me.value?.roles.includes('supervisor')) && (
                    <button type="button" class="secondary" onClick={() => void claim('unclaim')}>
                      {t('unclaim')}
                    </button>
                  )}
                </dd>
              </div>
              {x.onBehalfOf && (
                <div>
                  <dt>{t('delegator')}</dt>
                  <dd>
                    <span class="badge delegated" data-delegated>
                      {t('onBehalfBadge', { name: x.onBehalfOf.name ?? x.onBehalfOf.sub })}
                    </span>
                  </dd>
                </div>
              )}
              <div>
                <dt>{t('taskOf')}</dt>
                <dd>
                  <a href={href('requests', x.requestId)}>{x.caseNumber ?? x.requestId}</a>
                  {request.data && (
                    <>
                      {' '}
                      · {label('type', request.data.type)} · <Status code={request.data.status} />
                    </>
                  )}
                </dd>
              </div>
              {x.escalatedAt && (
                <div>
                  <dt>{t('escalatedAt')}</dt>
                  <dd data-escalated-at={x.escalatedAt}>
                    {x.candidates.some((c) => c.escalation)
                      ? t('escalatedAdded', {
                          at: formatTime(x.escalatedAt),
                          who: x.candidates
                            .filter((c) => c.escalation)
                            .map((c) => label('role', c.role))
                            .join('、'),
                        })
                      : t('escalatedNoneAdded', { at: formatTime(x.escalatedAt) })}
                  </dd>
                </div>
              )}
              {x.urgeCount > 0 && (
                <div>
                  <dt>{t('urgeCount')}</dt>
                  <dd data-urge-count={x.urgeCount}>{t('urgedTimes', { n: String(x.urgeCount), at: x.urgedAt ? formatTime(x.urgedAt) : '—' })}</dd>
                </div>
              )}
              {x.decision && (
                <div>
                  <dt>{t('decision')}</dt>
                  <dd>
                    {decisionLabel(x.decision, x.kind)} {x.decidedBy && <span class="muted">— {decider(x)}</span>}
                    {x.reason && <p class="text">{reasonText(x.reason)}</p>}
                  </dd>
                </div>
              )}
            </dl>
            <section aria-labelledby="art-h">
              <h2 id="art-h">
                {t('articleText')}: <ArticleLink article={x.article} />
              </h2>
              <ArticleText article={x.article} />
            </section>
            {/* The agreement's text first: one signs what one has read. */}
            {agreementId && <AgreementText id={agreementId} onHash={setHash} />}
            {x.status === 'open' && adjustment && <ReviseInList task={x} form={adjustment} />}
            {x.status === 'open' && kind && (
              <DecisionForm
                key={x.id}
                task={x}
                kind={kind}
                agreementHash={hash}
                onDone={after}
                changes={adjustment?.changes}
                entryId={request.data?.catalogEntryId}
                payload={request.data?.payload}
              />
            )}
            {x.extensionOffered && <ExtensionRequest task={x} onDone={(said) => after(undefined, said)} />}
            {x.status === 'open' && x.allowedDecisions.length === 0 && hasRole('supervisor') && (
              <Supervision task={x} onDone={(said) => after(undefined, said)} />
            )}
            {/* A review afterwards (事后审查): the entries published, by their titles and versions. */}
            {adjustment && Array.isArray(x.context?.published) && <AppliedEntries outcome={{ entries: x.context.published }} />}
            {context && (
              <section aria-labelledby="ctx-h">
                <h2 id="ctx-h">{t('context')}</h2>
                <JsonView value={context} words={contextWords} />
              </section>
            )}
            {request.data && (
              <section aria-labelledby="req-h">
                <h2 id="req-h">{t('request')}</h2>
                <p>
                  {t('applicant')}: {request.data.applicant.sub} (<Org id={request.data.applicant.org} />)
                </p>
                {adjustment ? (
                  <AdjustmentView form={adjustment} requestId={request.data.id} duplicates={x.context?.duplicates as never} />
                ) : (
                  <Payload request={request.data} />
                )}
                {request.data.catalogEntryId && <EntrySummary id={request.data.catalogEntryId} />}
              </section>
            )}
            {others && <CorrectionRecord entryId={others} except={x.requestId} heading="本条目的其他报告" />}
            {earlier.length > 0 && (
              <section aria-labelledby="earlier-h">
                <h2 id="earlier-h">{t('earlier')}</h2>
                <ul class="earlier">
                  {earlier.map((s) => (
                    <li key={s.id}>
                      <strong>{label('kind', s.kind)}</strong>: {s.decision ? decisionLabel(s.decision, s.kind) : label('taskStatus', s.status)}{' '}
                      {s.decidedBy && <span class="muted">— {decider(s)}</span>} {s.completedAt && <span class="muted">{formatTime(s.completedAt)}</span>}
                      {s.reason && <p class="text">{reasonText(s.reason)}</p>}
                    </li>
                  ))}
                </ul>
              </section>
            )}
            {history.data && <Timeline events={history.data.items} />}
          </article>
        );
      }}
    </Loading>
  );
}
