// One's requests, and one request: where it stands, its tasks and due dates, its grant or agreement, the
// timeline of its audit trail with the article of each step; withdrawing it while it is still being decided.
import { useState } from 'preact/hooks';
import { query, send, type Agreement, type Grant, type HistoryEvent, type Page, type RequestSummary, type RequestView } from '../http';
import { formatTime, label, reasonText, t, typeWords, valueLabel } from '../i18n';
import {
  announce,
  ArticleLink,
  EntryTitle,
  go,
  hasRole,
  href,
  ItemList,
  ItemNames,
  JsonView,
  LIVE_MS,
  Loading,
  me,
  PagedTable,
  refilter,
  Refusal,
  Status,
  useItemLabels,
  usePage,
  useResource,
  useSubmit,
  type Route,
} from '../lib';
import { FieldMessages, RequiredMark } from '../schema-form';
import { AgencySelect, ItemsPicker } from '../pickers';
import { workdaysLeft } from '../workdays';
import { DELETION_METHOD_NAMES, DELETION_METHODS } from '../../../domain/share';
import { AdjustmentView, AfterReview, AppliedEntries, appliedOf, currentAdjustment } from '../adjustment-diff';
import { CaseNumber, Due } from './inbox';
import { EntrySummary, Payload } from './task';
import { CORRECTION, CorrectionCourse } from './correction';
import { GRANT_RESTRICTION_NAMES } from '../../../domain/share';

/**
 * A grant's conditions as its reader reads them: the conditions the entry sets (or none) and the restrictions every
 * grant carries (Art. 15), in Chinese; its fields and purpose are shown beside it.
 */
function GrantConditions({ terms }: { terms: Record<string, unknown> | null }) {
  const conditions = typeof terms?.conditions === 'string' && terms.conditions.trim() ? terms.conditions : null;
  const restrictions = Array.isArray(terms?.restrictions) ? (terms.restrictions as unknown[]).filter((r): r is string => typeof r === 'string') : [];
  return (
    <>
      {conditions ? <p class="text">{conditions}</p> : <p class="muted">{t('noConditions')}</p>}
      {restrictions.length > 0 && (
        <ul class="restrictions">
          {restrictions.map((r) => (
            <li key={r}>{GRANT_RESTRICTION_NAMES[r] ?? r}</li>
          ))}
        </ul>
      )}
    </>
  );
}

/**
 * How the provider delivered a grant's data (《政务数据共享条例》数据交付): its method, location and the fields delivered,
 * and, while it is awaited again, the problem the grantee reported that reopened it.
 */
function Delivery({ delivery, entryId, type }: { delivery: NonNullable<Grant['delivery']>; entryId: string; type: string }) {
  return (
    <>
      {delivery.method && (
        <div>
          <dt>{label('field', 'method')}</dt>
          <dd data-delivery-method={delivery.method}>{valueLabel(typeWords(type), 'method', delivery.method)}</dd>
        </div>
      )}
      {delivery.location && (
        <div>
          <dt>{label('field', 'location')}</dt>
          <dd class="text">{delivery.location}</dd>
        </div>
      )}
      {delivery.deliveredFields.length > 0 && (
        <div>
          <dt>{label('field', 'deliveredFields')}</dt>
          <dd>
            <ItemNames entryId={entryId} names={delivery.deliveredFields} />
          </dd>
        </div>
      )}
      {delivery.problem && delivery.status === 'awaiting_delivery' && (
        <div>
          <dt>{label('field', 'problem')}</dt>
          <dd class="text delivery-problem">{delivery.problem}</dd>
        </div>
      )}
    </>
  );
}

export function Timeline({ events }: { events: HistoryEvent[] }) {
  return (
    <section aria-labelledby="timeline-h">
      <h2 id="timeline-h">{t('timeline')}</h2>
      <ol class="timeline">
        {events.map((e, i) => (
          <li key={i}>
            <time dateTime={e.at}>{formatTime(e.at)}</time> <strong>{label('action', e.action)}</strong>{' '}
            {e.decision && <span>· {label('decision', e.decision)}</span>}{' '}
            <span class="muted">
              · {label('role', e.actor.role)}
              {e.actor.sub && e.actor.role !== 'system'
                ? ` ${e.actor.onBehalfOf ? t('onBehalfOf', { actor: e.actor.sub, person: e.actor.onBehalfOf }) : e.actor.sub}`
                : ''}
            </span>{' '}
            · <ArticleLink article={e.article} />
            {e.reason && <p class="text">{reasonText(e.reason)}</p>}
          </li>
        ))}
      </ol>
    </section>
  );
}

export function Requests({ route }: { route: Route }) {
  const number = route.params.get('number');
  const r = usePage<RequestSummary>(route, `/requests${query({ number })}`);
  const [typed, setTyped] = useState(number ?? '');
  return (
    <section>
      <h1>{t('myRequests')}</h1>
      <form
        class="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          refilter(route, { number: typed.trim().toUpperCase() || null });
        }}
      >
        <div class="field">
          <label for="f-number">{t('findByNumber')}</label>
          <input id="f-number" value={typed} placeholder="RZ-GX-20261205-0001" onInput={(e) => setTyped((e.target as HTMLInputElement).value)} />
        </div>
        <button type="submit" class="secondary">
          {t('find')}
        </button>
      </form>
      <PagedTable<RequestSummary>
        route={route}
        r={r}
        caption={t('myRequests')}
        empty={
          <>
            {t('noRequests')} {t('noRequestsHint')}{' '}
            {hasRole('agency_applicant', 'public_applicant', 'authority_reviewer') && <a href={href('apply')}>{t('apply')}</a>}
          </>
        }
        columns={[t('request'), t('status'), t('entry'), t('updatedAt')]}
        row={(x) => (
          <tr key={x.id} data-request={x.id}>
            <td>
              <a href={href('requests', x.id)}>{label('type', x.type)}</a>
              <div class="small">
                <CaseNumber caseNumber={x.caseNumber} requestId={x.id} />
              </div>
            </td>
            <td>
              <Status code={x.status} type={x.type} />
            </td>
            <td>{x.catalogEntryId ? <EntryTitle id={x.catalogEntryId} /> : '—'}</td>
            <td>{formatTime(x.updatedAt)}</td>
          </tr>
        )}
      />
    </section>
  );
}

/** One period's filing of a grant's usage records (《政务数据共享条例》使用记录), as the grantee, the provider and the authority read it. */
interface UsageFiling {
  taskId: string;
  period: { from: string; to: string; label: string | null };
  noUse: boolean;
  records: { user: string; usedAt: string; purpose: string }[];
  filedAt: string;
}

/** 使用记录: each period's filing, the latest first; who used the data, when and for which purpose, or that none was used. */
function UsageRecords({ grantId }: { grantId: string }) {
  const filings = useResource<{ items: UsageFiling[] }>(`/grants/${encodeURIComponent(grantId)}/usage-records`, LIVE_MS);
  const items = filings.data?.items ?? [];
  return (
    <section class="usage-records" aria-labelledby="usage-h">
      <h3 id="usage-h">{t('usageRecords')}</h3>
      {items.length === 0 ? (
        <p class="muted">{t('noUsageRecords')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('usagePeriod')}</th>
              <th scope="col">{t('usageUser')}</th>
              <th scope="col">{t('usageAt')}</th>
              <th scope="col">{t('usagePurpose')}</th>
            </tr>
          </thead>
          <tbody>
            {items.flatMap((f) => {
              const period = `${formatTime(f.period.from)} — ${formatTime(f.period.to)}`;
              return f.noUse
                ? [
                    <tr key={f.taskId}>
                      <td>{period}</td>
                      <td colSpan={3}>{t('usageNone')}</td>
                    </tr>,
                  ]
                : f.records.map((u, i) => (
                    <tr key={`${f.taskId}-${i}`}>
                      <td>{period}</td>
                      <td>{u.user}</td>
                      <td>{formatTime(u.usedAt)}</td>
                      <td>{u.purpose}</td>
                    </tr>
                  ));
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

const deletionMethodName = (m: string) => (DELETION_METHOD_NAMES as Record<string, string>)[m] ?? m;

/** A datetime-local input's value for now (the browser's own time), the latest a deletion may say. */
const localNow = () => {
  const d = new Date();
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

/**
 * 结束共享 (《政务数据共享条例》, 共享目的已实现): the grantee's applicant ends its own grant, saying how the purpose was achieved
 * and confirming the data received deleted — who, when (picked), how (picked from the list), all of it (ticked).
 */
function EndGrant({ grantId, onEnded }: { grantId: string; onEnded: () => Promise<unknown> }) {
  const [reason, setReason] = useState('');
  const [deletedBy, setDeletedBy] = useState('');
  const [deletedAt, setDeletedAt] = useState(localNow());
  const [method, setMethod] = useState<string>(DELETION_METHODS[0]);
  const [scope, setScope] = useState(false);
  const ending = useSubmit();
  const submit = async (e: Event) => {
    e.preventDefault();
    const at = new Date(deletedAt);
    const refused = await ending.run(() =>
      send('POST', `/grants/${encodeURIComponent(grantId)}/revoke`, {
        ground: 'purpose_achieved',
        reason,
        deletion: { deletedBy, deletedAt: Number.isNaN(at.getTime()) ? deletedAt : at.toISOString(), method, scope },
      }),
    );
    await onEnded();
    if (!refused) announce(t('grantEnded'));
  };
  return (
    <form class="end-grant" onSubmit={submit}>
      <h3>{t('endGrant')}</h3>
      <p class="muted">{t('endGrantHint')}</p>
      <Refusal submit={ending} />
      <label for="end-reason">{t('endGrantReason')}</label>
      <input
        id="end-reason"
        type="text"
        maxLength={4000}
        value={reason}
        aria-invalid={ending.errors.has('body.reason')}
        onInput={(e) => setReason((e.target as HTMLInputElement).value)}
      />
      <FieldMessages path="body.reason" errors={ending.errors} />
      <label for="deleted-by">{t('deletedBy')}</label>
      <input
        id="deleted-by"
        type="text"
        maxLength={200}
        value={deletedBy}
        aria-invalid={ending.errors.has('body.deletion.deletedBy')}
        onInput={(e) => setDeletedBy((e.target as HTMLInputElement).value)}
      />
      <FieldMessages path="body.deletion.deletedBy" errors={ending.errors} />
      <label for="deleted-at">{t('deletedAt')}</label>
      <input
        id="deleted-at"
        type="datetime-local"
        max={localNow()}
        value={deletedAt}
        aria-invalid={ending.errors.has('body.deletion.deletedAt')}
        onInput={(e) => setDeletedAt((e.target as HTMLInputElement).value)}
      />
      <FieldMessages path="body.deletion.deletedAt" errors={ending.errors} />
      <label for="deletion-method">{t('deletionMethod')}</label>
      <select id="deletion-method" value={method} onChange={(e) => setMethod((e.target as HTMLSelectElement).value)}>
        {DELETION_METHODS.map((m) => (
          <option key={m} value={m}>
            {deletionMethodName(m)}
          </option>
        ))}
      </select>
      <FieldMessages path="body.deletion.method" errors={ending.errors} />
      <label>
        <input type="checkbox" checked={scope} onChange={(e) => setScope((e.target as HTMLInputElement).checked)} /> {t('deletionScope')}
      </label>
      <FieldMessages path="body.deletion.scope" errors={ending.errors} />
      <button type="submit" class="danger" disabled={ending.busy}>
        {t('endGrant')}
      </button>
    </form>
  );
}

/** The statuses of a share request still being decided: its grant's renewal is pending. */
const PENDING = ['submitted', 'in_review', 'awaiting_applicant'];

/** Whose words a grant's delivery reads in: a grant is the share procedure's, whichever procedure made it (a refusal dispute's too). */
const GRANT_TYPE = 'share';

/**
 * 申请续期 (issue 24 §6): the grantee's applicant asks, before expiry, to renew its grant. The purpose and the duty served
 * come filled from the grant (editable); the commitment is given again; the renewal opens as a request of its own.
 */
function RenewGrant({ grant, duty }: { grant: Grant; duty: string }) {
  const [scenario, setScenario] = useState(grant.purpose);
  const [statutoryDuty, setDuty] = useState(duty);
  const [committed, setCommitted] = useState(false);
  const renewing = useSubmit();
  const submit = async (e: Event) => {
    e.preventDefault();
    let created: RequestView | undefined;
    const refused = await renewing.run(async () => {
      created = await send<RequestView>('POST', `/grants/${encodeURIComponent(grant.id)}/renewal`, {
        scenario,
        statutoryDuty,
        commitment: { authenticity: committed, compliance: committed, security: committed },
      });
    });
    if (!refused && created) {
      const to = href('requests', created.id);
      announce(t('renewalAsked'), to);
      go(to);
    }
  };
  return (
    <form class="renew-grant" onSubmit={submit}>
      <h3>{t('renewGrant')}</h3>
      <p class="muted">{t('renewGrantHint')}</p>
      <Refusal submit={renewing} />
      <label for="renew-scenario">{label('field', 'scenario')}</label>
      <input
        id="renew-scenario"
        type="text"
        maxLength={2000}
        value={scenario}
        aria-invalid={renewing.errors.has('body.scenario')}
        onInput={(e) => setScenario((e.target as HTMLInputElement).value)}
      />
      <FieldMessages path="body.scenario" errors={renewing.errors} />
      <label for="renew-duty">{label('field', 'statutoryDuty')}</label>
      <input
        id="renew-duty"
        type="text"
        maxLength={2000}
        value={statutoryDuty}
        aria-invalid={renewing.errors.has('body.statutoryDuty')}
        onInput={(e) => setDuty((e.target as HTMLInputElement).value)}
      />
      <FieldMessages path="body.statutoryDuty" errors={renewing.errors} />
      <label>
        <input type="checkbox" checked={committed} onChange={(e) => setCommitted((e.target as HTMLInputElement).checked)} /> {t('renewCommitment')}
      </label>
      <FieldMessages path="body.commitment.authenticity" errors={renewing.errors} />
      <button type="submit" disabled={renewing.busy}>
        {t('renewGrant')}
      </button>
    </form>
  );
}

/** Where an onward provision stands, in words. */
const ONWARD_STATUS: Record<string, string> = { awaiting_consent: '待提供单位同意', consented: '提供单位已同意', refused: '提供单位不同意', closed: '已关闭' };

/**
 * 申请向第三方提供 (issue 24 §6, where the grant's terms follow the 条例): the grantee's applicant picks the third party from
 * the directory, says for what, and ticks the grant's fields it gives; the providing agency consents or refuses.
 */
function OnwardProvision({ grant, onAsked }: { grant: Grant; onAsked: () => Promise<unknown> }) {
  const [thirdPartyOrg, setThirdParty] = useState('');
  const [purpose, setPurpose] = useState('');
  const [fields, setFields] = useState<string[]>([]);
  const asking = useSubmit();
  const submit = async (e: Event) => {
    e.preventDefault();
    const refused = await asking.run(() => send('POST', `/grants/${encodeURIComponent(grant.id)}/onward-provision`, { thirdPartyOrg, purpose, fields }));
    await onAsked();
    if (!refused) announce(t('onwardAsked'));
  };
  return (
    <form class="onward-provision" onSubmit={submit}>
      <h3>{t('onwardProvision')}</h3>
      <p class="muted">{t('onwardProvisionHint')}</p>
      <Refusal submit={asking} />
      <label for="onward-org">{t('onwardThirdParty')}</label>
      <AgencySelect id="onward-org" value={thirdPartyOrg} onChange={setThirdParty} invalid={asking.errors.has('body.thirdPartyOrg')} governmentDepartments />
      <FieldMessages path="body.thirdPartyOrg" errors={asking.errors} />
      <label for="onward-purpose">{t('onwardPurpose')}</label>
      <input
        id="onward-purpose"
        type="text"
        maxLength={4000}
        value={purpose}
        aria-invalid={asking.errors.has('body.purpose')}
        onInput={(e) => setPurpose((e.target as HTMLInputElement).value)}
      />
      <FieldMessages path="body.purpose" errors={asking.errors} />
      <p id="onward-fields-label">{t('onwardFields')}</p>
      <ItemsPicker
        id="onward-fields"
        entryId={grant.catalogEntryId}
        among={grant.fields}
        value={fields}
        onChange={setFields}
        invalid={asking.errors.has('body.fields')}
        describedBy="onward-fields-label"
      />
      <FieldMessages path="body.fields" errors={asking.errors} />
      <button type="submit" disabled={asking.busy}>
        {t('onwardProvision')}
      </button>
    </form>
  );
}

/**
 * 对不予共享提出异议 (《政务数据共享条例》): the applicant of a refused share request disputes it within the window (the
 * working days left shown), with its reason, the data items it asks for ticked by name and the conditions it accepts.
 */
function DisputeRefusal({ request, until, onRaised }: { request: RequestView; until: string; onRaised: () => Promise<unknown> }) {
  const entryId = request.catalogEntryId ?? '';
  const asked = Array.isArray(request.payload.fields) ? (request.payload.fields as string[]) : [];
  const [reason, setReason] = useState('');
  const [fields, setFields] = useState<string[]>(asked);
  const [conditions, setConditions] = useState('');
  const raising = useSubmit();
  const submit = async (e: Event) => {
    e.preventDefault();
    const refused = await raising.run(() =>
      send('POST', '/refusal-disputes', {
        shareRequestId: request.id,
        reason,
        ...(fields.length ? { fields } : {}),
        ...(conditions.trim() ? { conditions } : {}),
      }),
    );
    await onRaised();
    if (!refused) announce(t('disputeRaised'));
  };
  return (
    <form class="dispute-refusal" onSubmit={submit} aria-labelledby="dispute-h">
      <h2 id="dispute-h">{t('disputeRefusal')}</h2>
      <p class="muted">{t('disputeDaysLeft', { n: String(Math.max(0, workdaysLeft(until))), until: formatTime(until) })}</p>
      <Refusal submit={raising} />
      <label for="dispute-reason">
        {t('disputeReason')}
        <RequiredMark />
      </label>
      <textarea
        id="dispute-reason"
        rows={3}
        maxLength={8000}
        value={reason}
        aria-invalid={raising.errors.has('body.reason')}
        onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)}
      />
      <FieldMessages path="body.reason" errors={raising.errors} />
      <p>{t('disputeFields')}</p>
      <ItemsPicker id="dispute-fields" entryId={entryId} value={fields} onChange={setFields} invalid={raising.errors.has('body.fields')} />
      <FieldMessages path="body.fields" errors={raising.errors} />
      <label for="dispute-conditions">{t('disputeConditions')}</label>
      <input
        id="dispute-conditions"
        type="text"
        maxLength={4000}
        value={conditions}
        aria-invalid={raising.errors.has('body.conditions')}
        onInput={(e) => setConditions((e.target as HTMLInputElement).value)}
      />
      <FieldMessages path="body.conditions" errors={raising.errors} />
      <button type="submit" disabled={raising.busy || !reason.trim()}>
        {t('disputeRefusal')}
      </button>
    </form>
  );
}

/** One item the applicant is asked for (一次性告知, domain/share.ts MissingItem). */
type MissingItem = { item: string; reason: string };

/**
 * 一次性告知 (《政务数据共享条例》): what the applicant was last asked for on a share request, every missing item with why
 * it is needed, as its reply task carries them; while that task is open, a link to answer it.
 */
function MissingItems({ tasks }: { tasks: RequestView['tasks'] }) {
  const reply = [...tasks].reverse().find((t) => t.kind === 'SHARE_APPLICANT_REPLY' && Array.isArray(t.context?.missing));
  if (!reply) return null;
  const items = (reply.context!.missing as unknown[]).filter(
    (m): m is MissingItem => !!m && typeof (m as MissingItem).item === 'string' && typeof (m as MissingItem).reason === 'string',
  );
  return (
    <section class="missing-items" aria-labelledby="missing-h">
      <h2 id="missing-h">{t('missingItems')}</h2>
      <table>
        <caption class="muted">{t('missingItemsHint')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('missingItem')}</th>
            <th scope="col">{t('missingReason')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((m, i) => (
            <tr key={i}>
              <td>{m.item}</td>
              <td>{m.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {reply.status === 'open' && (
        <p>
          <a class="button" href={href('tasks', reply.id)}>
            {t('replyMissing')}
          </a>
        </p>
      )}
    </section>
  );
}

/** What an applicant's reply changed of a share request (request_amended's before and after; domain/share.ts ShareAmendment). */
type Amendment = { fields?: string[]; scenario?: string };

/**
 * 一次性告知 unless the reply changed the request (issue 24 §1): each reply that amended the request, what it changed,
 * before and after, the data items by their names.
 */
function Amendments({ events, entryId }: { events: HistoryEvent[]; entryId: string | null }) {
  const amended = events.filter((e) => e.action === 'request_amended');
  // One read of the entry for every cell, and the table only once it is read: before and after name the items alike.
  const labels = useItemLabels(amended.length ? entryId : null);
  if (!amended.length || (entryId && labels === undefined)) return null;
  const value = (a: Amendment, part: keyof Amendment) => (part === 'fields' ? a.fields && <ItemList labels={labels} names={a.fields} /> : a.scenario);
  return (
    <section class="amendments" aria-labelledby="amendments-h">
      <h2 id="amendments-h">{t('amendments')}</h2>
      {amended.map((e, i) => {
        const { before = {}, after = {} } = (e.newValue ?? {}) as { before?: Amendment; after?: Amendment };
        const parts = (['fields', 'scenario'] as const).filter((p) => after[p] !== undefined);
        return (
          <table key={i}>
            <caption class="muted">{formatTime(e.at)}</caption>
            <thead>
              <tr>
                <th scope="col">{t('amendedPart')}</th>
                <th scope="col">{t('amendedBefore')}</th>
                <th scope="col">{t('amendedAfter')}</th>
              </tr>
            </thead>
            <tbody>
              {parts.map((p) => (
                <tr key={p} data-part={p}>
                  <th scope="row">{t(p === 'fields' ? 'amendedFields' : 'amendedScenario')}</th>
                  <td>{value(before, p)}</td>
                  <td>{value(after, p)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        );
      })}
    </section>
  );
}

const CANCELLABLE = ['submitted', 'in_review', 'awaiting_applicant', 'awaiting_signature', 'awaiting_countersignature'];

export function RequestPage({ id }: { id: string }) {
  const r = useResource<RequestView>(`/requests/${encodeURIComponent(id)}`, LIVE_MS);
  const history = useResource<{ items: HistoryEvent[] }>(`/requests/${encodeURIComponent(id)}/history`, LIVE_MS);
  const agreements = useResource<Page<Agreement>>(r.data?.type === 'open_request' ? `/agreements?requestId=${encodeURIComponent(id)}` : null, LIVE_MS);
  const [reason, setReason] = useState('');
  const cancelling = useSubmit();
  const cancel = async (e: Event) => {
    e.preventDefault();
    const refused = await cancelling.run(() => send('POST', `/requests/${encodeURIComponent(id)}/cancel`, reason.trim() ? { reason } : {}));
    await Promise.all([r.reload(), history.reload()]);
    if (!refused) announce(t('requestWithdrawn'));
  };
  return (
    <Loading r={r}>
      {(x) => {
        const agreement = agreements.data?.items[0];
        const adjustment = currentAdjustment(x);
        return (
          <article class="request">
            <h1>
              {label('type', x.type)} <Status code={x.status} type={x.type} />
            </h1>
            <p class="muted">
              {t('caseNumber')} <CaseNumber caseNumber={x.caseNumber} requestId={x.id} /> · {t('createdAt')} {formatTime(x.createdAt)} · {t('updatedAt')}{' '}
              {formatTime(x.updatedAt)}
            </p>
            <Refusal submit={cancelling} />
            {adjustment && <AfterReview outcome={x.outcome} />}
            {x.refusalDispute && (
              <p class="refusal-dispute">
                {t('refusalDisputed')}：<a href={href('requests', x.refusalDispute.id)}>{x.refusalDispute.caseNumber ?? t('disputeRefusal')}</a>{' '}
                <Status code={x.refusalDispute.status} type="refusal_dispute" />
              </p>
            )}
            {x.disputableUntil && x.applicant.org === me.value?.organisation?.id && hasRole('agency_applicant') && (
              <DisputeRefusal request={x} until={x.disputableUntil} onRaised={() => Promise.all([r.reload(), history.reload()])} />
            )}
            {x.type === 'share' && <MissingItems tasks={x.tasks} />}
            {x.type === 'share' && history.data && <Amendments events={history.data.items} entryId={x.catalogEntryId} />}
            {x.grant && (
              <section class="grant" aria-labelledby="grant-h">
                <h2 id="grant-h">
                  {t('grant')} <Status code={x.grant.status} />
                  {x.grant.delivery && x.grant.status === 'active' && (
                    <>
                      {' '}
                      <Status code={x.grant.delivery.status} />
                    </>
                  )}
                </h2>
                <dl class="facts">
                  <div>
                    <dt>{t('fields')}</dt>
                    <dd>
                      <ItemNames entryId={x.grant.catalogEntryId} names={x.grant.fields} />
                    </dd>
                  </div>
                  <div>
                    <dt>{t('purpose')}</dt>
                    <dd>{x.grant.purpose}</dd>
                  </div>
                  {x.grant.startsAt && (
                    <div>
                      <dt>{t('startsAt')}</dt>
                      <dd>{formatTime(x.grant.startsAt)}</dd>
                    </div>
                  )}
                  <div>
                    <dt>{t('expiresAt')}</dt>
                    <dd>{formatTime(x.grant.expiresAt)}</dd>
                  </div>
                  {x.grant.renews && (
                    <div class="renews">
                      <dt>{t('renews')}</dt>
                      <dd>
                        <a href={href('requests', x.grant.renews.replace(/\.grant$/, ''))}>{t('grant')}</a>
                      </dd>
                    </div>
                  )}
                  {x.grant.renewal && (
                    <div class="renewal">
                      <dt>{t('renewal')}</dt>
                      <dd>
                        <a href={href('requests', x.grant.renewal.requestId)}>{x.grant.renewal.caseNumber ?? t('renewal')}</a>{' '}
                        <Status code={x.grant.renewal.status} />
                      </dd>
                    </div>
                  )}
                  {/* Approved: the renewed term's new end, the new grant taking over at this one's expiry. */}
                  {x.grant.renewal?.expiresAt && (
                    <div class="renewed-until">
                      <dt>{t('renewedUntil')}</dt>
                      <dd>{formatTime(x.grant.renewal.expiresAt)}</dd>
                    </div>
                  )}
                  <div>
                    <dt>{t('conditions')}</dt>
                    <dd>
                      <GrantConditions terms={x.grant.terms} />
                    </dd>
                  </div>
                  {x.grant.delivery && <Delivery delivery={x.grant.delivery} entryId={x.grant.catalogEntryId} type={GRANT_TYPE} />}
                  {x.grant.status === 'active' && x.grant.revocation?.effectiveAt && (
                    <div class="stop-scheduled">
                      <dt>{t('stopScheduled')}</dt>
                      <dd>
                        {formatTime(x.grant.revocation.effectiveAt)} · {x.grant.revocation.reason}
                      </dd>
                    </div>
                  )}
                  {x.grant.endedBy && (
                    <div>
                      <dt>{t('endedBy')}</dt>
                      <dd>{label('role', x.grant.endedBy.role)}</dd>
                    </div>
                  )}
                  {x.grant.endReason && (
                    <div>
                      <dt>{t('endReason')}</dt>
                      <dd>{x.grant.endReason}</dd>
                    </div>
                  )}
                  {x.grant.deletion && (
                    <div>
                      <dt>{t('deletion')}</dt>
                      <dd>
                        {x.grant.deletion.deletedBy} · {formatTime(x.grant.deletion.deletedAt)} · {deletionMethodName(x.grant.deletion.method)}
                      </dd>
                    </div>
                  )}
                </dl>
                {x.grant.status === 'active' && x.grant.granteeOrg === me.value?.organisation?.id && hasRole('agency_applicant') && (
                  <EndGrant grantId={x.grant.id} onEnded={() => Promise.all([r.reload(), history.reload()])} />
                )}
                {x.grant.status === 'active' &&
                  !x.grant.revocation?.effectiveAt &&
                  !(x.grant.renewal && PENDING.includes(x.grant.renewal.status)) &&
                  x.grant.granteeOrg === me.value?.organisation?.id &&
                  hasRole('agency_applicant') && (
                    <RenewGrant grant={x.grant} duty={typeof x.payload.statutoryDuty === 'string' ? x.payload.statutoryDuty : ''} />
                  )}
                {x.grant.onwardProvisions && x.grant.onwardProvisions.length > 0 && (
                  <section class="onward-provisions" aria-labelledby="onward-h">
                    <h3 id="onward-h">{t('onwardProvisions')}</h3>
                    <ul>
                      {x.grant.onwardProvisions.map((p) => (
                        <li key={p.taskId}>
                          {p.thirdPartyName ?? p.thirdPartyOrg} · {p.purpose} · <ItemNames entryId={x.grant!.catalogEntryId} names={p.fields} /> ·{' '}
                          <span class="onward-status">{ONWARD_STATUS[p.status] ?? p.status}</span>
                          {p.reason ? ` · ${p.reason}` : ''}
                        </li>
                      ))}
                    </ul>
                  </section>
                )}
                {x.grant.status === 'active' &&
                  x.grant.onwardProvision === 'provider_consent' &&
                  !x.grant.onwardProvisions?.some((p) => p.status === 'awaiting_consent') &&
                  x.grant.granteeOrg === me.value?.organisation?.id &&
                  hasRole('agency_applicant') && <OnwardProvision grant={x.grant} onAsked={() => Promise.all([r.reload(), history.reload()])} />}
                <UsageRecords grantId={x.grant.id} />
              </section>
            )}
            {agreement && (
              <p>
                {t('agreements')}: <a href={href('agreements', agreement.id)}>{agreement.entryTitle}</a> <Status code={agreement.status} />
              </p>
            )}
            {x.type === CORRECTION && <CorrectionCourse request={x} onChanged={() => Promise.all([r.reload(), history.reload()])} />}
            <section aria-labelledby="tasks-h">
              <h2 id="tasks-h">{t('tasks')}</h2>
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('kind')}</th>
                    <th scope="col">{t('status')}</th>
                    <th scope="col">{t('due')}</th>
                    <th scope="col">{t('decision')}</th>
                  </tr>
                </thead>
                <tbody>
                  {x.tasks.map((task) => (
                    <tr key={task.id}>
                      <td>
                        <a href={href('tasks', task.id)}>{label('kind', task.kind)}</a>
                      </td>
                      <td>
                        <Status code={task.status} task />
                      </td>
                      <td>
                        <Due task={task} />
                      </td>
                      <td>
                        {task.decision ? label('decision', task.decision) : '—'}
                        {task.reason && <p class="text">{reasonText(task.reason)}</p>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
            <section aria-labelledby="payload-h">
              <h2 id="payload-h">{t('request')}</h2>
              {adjustment ? <AdjustmentView form={adjustment} requestId={x.id} /> : <Payload request={x} />}
              {/* A granted request's outcome repeats its grant (fields, expiry), shown above in words. */}
              {/* An error report's outcome is read above, in words. */}
              {x.outcome && !x.grant && x.type !== CORRECTION && (adjustment ? <AppliedEntries outcome={appliedOf(x)} /> : <JsonView value={x.outcome} />)}
              {x.catalogEntryId && <EntrySummary id={x.catalogEntryId} />}
            </section>
            {CANCELLABLE.includes(x.status) && x.applicant.sub === me.value?.sub && (
              <form class="cancel" onSubmit={cancel}>
                <label for="cancel-reason">{t('cancelReason')}</label>
                <input
                  id="cancel-reason"
                  type="text"
                  maxLength={4000}
                  value={reason}
                  aria-invalid={cancelling.errors.has('body.reason')}
                  onInput={(e) => setReason((e.target as HTMLInputElement).value)}
                />
                <FieldMessages path="body.reason" errors={cancelling.errors} />
                <button type="submit" class="danger">
                  {t('cancel')}
                </button>
              </form>
            )}
            {history.data && <Timeline events={history.data.items} />}
          </article>
        );
      }}
    </Loading>
  );
}
