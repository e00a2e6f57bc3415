// The API, as the console talks to it: a bearer token, problem+json errors, and GETs revalidated with ETags
// so that polling costs no transfer while nothing changed.
import type { BasisLevel } from '../../domain/catalog';

export interface ProblemField {
  field: string;
  rule?: string;
  message?: string;
  article?: string;
}

export interface Problem {
  status: number;
  title: string;
  detail?: string;
  /** urn:public-data-workflows:problem:<Code> */
  type?: string;
  /** The problem's code (domain/errors.ts), where the API sends it beside its type. */
  code?: string;
  field?: string;
  rule?: string;
  article?: string;
  errors?: ProblemField[];
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }
  get status(): number {
    return this.problem.status;
  }
  /** Every field the problem names, with its message (a problem naming one field has it at top level). */
  fields(): ProblemField[] {
    const p = this.problem;
    if (p.errors?.length) return p.errors;
    return p.field ? [{ field: p.field, rule: p.rule, message: p.detail, article: p.article }] : [];
  }
}

/** Whatever a call threw, as a problem (a network failure has status 0). */
export const asApiError = (x: unknown): ApiError => (x instanceof ApiError ? x : new ApiError({ status: 0, title: String(x) }));

/** Problem fields by the path they name (`body.scenario`, `body.commitment.security`). */
export type Errors = Map<string, ProblemField[]>;
export function errorsByField(fields: ProblemField[]): Errors {
  const m: Errors = new Map();
  for (const f of fields) m.set(f.field, [...(m.get(f.field) ?? []), f]);
  return m;
}

const TOKEN_KEY = 'pdw.token';
export const session = {
  get token(): string | null {
    return localStorage.getItem(TOKEN_KEY);
  },
  set token(t: string | null) {
    if (t === null) localStorage.removeItem(TOKEN_KEY);
    else localStorage.setItem(TOKEN_KEY, t);
    cache.clear();
    changes.restart();
  },
};

const cache = new Map<string, { etag: string; body: unknown }>();

async function fail(res: Response): Promise<never> {
  let problem: Problem;
  try {
    problem = (await res.json()) as Problem;
  } catch {
    problem = { status: res.status, title: res.statusText || `HTTP ${res.status}` };
  }
  if (res.status === 401) window.dispatchEvent(new Event('pdw:unauthorized'));
  throw new ApiError({ ...problem, status: res.status });
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const token = session.token;
  // The API's problems in the console's language (i18n.ts keeps it under pdw.lang), whatever the browser's.
  const language = localStorage.getItem('pdw.lang') === 'en' ? 'en' : 'zh-CN';
  return { ...(token ? { authorization: `Bearer ${token}` } : {}), 'accept-language': language, ...extra };
}

/** GET as JSON; asked again while unchanged, the API answers 304 and the cached body is returned as it was (same object). */
export async function get<T>(path: string): Promise<T> {
  const cached = cache.get(path);
  const res = await fetch(path, { headers: headers(cached ? { 'if-none-match': cached.etag } : {}) });
  if (res.status === 304 && cached) return cached.body as T;
  if (!res.ok) return fail(res);
  const body = (await res.json()) as T;
  const etag = res.headers.get('etag');
  if (etag) cache.set(path, { etag, body });
  return body;
}

export async function send<T>(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, extra: Record<string, string> = {}): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: headers(body === undefined ? extra : { 'content-type': 'application/json', ...extra }),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) return fail(res);
  // No content (DELETE /webhooks/:id): nothing to read.
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** A binary download (the agreement's PDF): fetched with the token, saved under `name`. */
export async function download(path: string, name: string): Promise<void> {
  const res = await fetch(path, { headers: headers() });
  if (!res.ok) return fail(res);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export const query = (params: Record<string, string | number | boolean | undefined | null>): string => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
};

// What the API answers (api/schemas/), as far as the console reads it.
export interface Task {
  id: string;
  requestId: string;
  /** Its request's case number (受理编号). */
  caseNumber: string | null;
  /** The organisation that applied; null: a person (申请人). */
  applicantName: string | null;
  entryTitle: string | null;
  kind: string;
  status: string;
  candidateRole: string;
  candidateOrg: string | null;
  /** `escalation`: added when the task escalated (督办升级), the competent body's own head. */
  candidates: { org: string | null; role: string; user: string | null; escalation?: boolean }[];
  assignee: string | null;
  /** The holder's name, where the directory of people knows one. */
  assigneeName: string | null;
  article: string;
  context: Record<string, unknown> | null;
  dueAt: string;
  overdue: boolean;
  dueCalendarKnown: boolean;
  escalatedAt: string | null;
  /** How many times supervisors urged it (督办), and the last time. */
  urgeCount: number;
  urgedAt: string | null;
  allowedDecisions: string[];
  /** The caller may ask to extend its answer (the provider's opinion under the 《政务数据共享条例》). */
  extensionOffered: boolean;
  decision: string | null;
  reason: string | null;
  form: Record<string, unknown> | null;
  decidedBy: string | null;
  /** Decided by a delegate (代理): the person `decidedBy` decided for. */
  decidedOnBehalfOf?: string | null;
  /** The task reaches the caller as this person's delegate (代理). */
  onBehalfOf?: { sub: string; name: string | null; delegationId: string } | null;
  createdAt: string;
  completedAt: string | null;
  hoursOverdue?: number;
}
/** A delegation (代理, GET /delegations). */
export interface Delegation {
  id: string;
  org: string;
  delegator: string;
  delegatorName: string | null;
  delegate: string;
  delegateName: string | null;
  startsAt: string;
  endsAt: string;
  kinds: string[];
  reason: string;
  createdAt: string;
  endedAt: string | null;
  status: 'scheduled' | 'in_force' | 'ended';
}
export interface Colleague {
  sub: string;
  name: string | null;
  roles: string[];
}
/** A person the directory knows, whom a supervisor may hand a task to (GET /tasks/:id/assignable). */
export interface Person {
  sub: string;
  org: string;
  roles: string[];
  name: string | null;
}
export interface Grant {
  id: string;
  requestId: string;
  catalogEntryId: string;
  granteeOrg: string;
  providerOrg: string;
  fields: string[];
  purpose: string;
  terms: Record<string, unknown> | null;
  status: string;
  grantedAt: string;
  expiresAt: string;
  endedAt: string | null;
  endReason: string | null;
  endGround?: string | null;
  /** Who ended it early (the grant_revoked event's organisation and role). */
  endedBy?: { org: string | null; role: string } | null;
  /** The grantee's confirmation that the data received is deleted (《政务数据共享条例》共享目的已实现). */
  deletion?: { deletedBy: string; deletedAt: string; method: string; scope: boolean } | null;
  /** The provider's latest request to end it (Art. 14); consented, when it ends, the grantee told first (《政务数据共享条例》). */
  revocation?: { status: string; ground: string; reason: string; effectiveAt: string | null } | null;
  /** 《政务数据共享条例》数据交付: null where no delivery is asked. */
  delivery: {
    status: 'awaiting_delivery' | 'delivered';
    taskId: string;
    method: string | null;
    location: string | null;
    deliveredFields: string[];
    problem: string | null;
  } | null;
  /** Where its term does not start at grantedAt: a renewal takes over at the renewed grant's expiry (issue 24 §6). */
  startsAt?: string | null;
  /** The grant this one renews. */
  renews?: string | null;
  /** The latest renewal of this grant asked by its grantee: its request, where it stands, the grant it created. */
  renewal?: { requestId: string; status: string; grantId: string | null; caseNumber: string | null; expiresAt?: string | null } | null;
  /** Whether its data may go to a third party with the provider's consent (the 条例), or not at all (Art. 15). */
  onwardProvision?: 'forbidden' | 'provider_consent';
  onwardProvisions?: {
    taskId: string;
    status: 'awaiting_consent' | 'consented' | 'refused' | 'closed';
    thirdPartyOrg: string;
    thirdPartyName: string | null;
    purpose: string;
    fields: string[];
    reason: string | null;
  }[];
}
export interface RequestView {
  id: string;
  caseNumber: string | null;
  type: string;
  status: string;
  applicant: { sub: string; org: string | null };
  catalogEntryId: string | null;
  payload: Record<string, unknown>;
  outcome: Record<string, unknown> | null;
  createdAt: string;
  updatedAt: string;
  tasks: Task[];
  grant: Grant | null;
  /** A refused share request not yet disputed: until when its applicant may dispute it. */
  disputableUntil?: string;
  /** A refused share request's dispute, as it stands. */
  refusalDispute?: { id: string; status: string; caseNumber: string | null };
}
export interface RequestSummary {
  id: string;
  caseNumber: string | null;
  type: string;
  status: string;
  catalogEntryId: string | null;
  createdAt: string;
  updatedAt: string;
}
export interface HistoryEvent {
  at: string;
  action: string;
  actor: { sub: string | null; org: string | null; role: string; onBehalfOf?: string };
  taskId: string | null;
  decision: string | null;
  reason: string | null;
  article: string;
  newValue: unknown;
}
export interface Me {
  sub: string;
  roles: string[];
  organisation: {
    id: string;
    name: string;
    kind: string;
    division: string;
    region: string;
    governmentDepartment: boolean;
    /** The levels an entry of its catalog marked 不予共享 may cite (issue 24 §3). */
    noneShareBasisLevels: BasisLevel[];
  } | null;
  principal: { kind: string; name: string; identity: string | null; actsFor: { uscc: string; name: string }[] } | null;
}
/** A legal person's authorised agent (经办人), as its own account sees them: the number masked. */
export interface Agent {
  id: string;
  name: string;
  documentType: string;
  residentIdMasked: string;
  status: 'active' | 'revoked';
  authorisedAt: string;
  revokedAt: string | null;
}
/** How one signs in (GET /sign-in): the staff identity provider, and whether the development sign-in is offered. */
export interface SignInOptions {
  staff: { issuer: string; discoveryUrl: string; clientId: string; scope: string } | null;
  development: boolean;
}
export interface DevUser {
  label: string;
  sub: string;
  name: string | null;
  org: string | null;
  roles: string[];
}
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  const?: unknown;
  nullable?: boolean;
  description?: string;
  /** `date-time`: picked with a date-time picker, sent as an ISO 8601 instant. */
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  pattern?: string;
  /** The key of the task's context this form needs: offered only by a task whose context has it. */
  'x-context'?: string;
}
/** What a person reads for a form's fields and their codes, by the field's path from the form's root (list indices left out). */
export interface FormWords {
  fields: Record<string, { label: string; help?: string }>;
  values: Record<string, Record<string, string>>;
}
export interface TaskKind {
  kind: string;
  name: string;
  requestType: string;
  article: string;
  decisions: ({ decision: string; label: string; reasonRequired: boolean; form: JsonSchema | null } & FormWords)[];
}
export interface RequestType {
  type: string;
  name: string;
  statusNames: Record<string, string>;
  startedBy: string[];
  start: { method: 'POST'; path: string };
  body: JsonSchema;
  articles: Record<string, string>;
  /** Its start form's and its decisions' forms' words. */
  fields: FormWords['fields'];
  values: FormWords['values'];
}
export interface Article {
  article: string;
  number: number;
  chapter: string;
  text: string;
}
export interface CatalogEntry {
  id: string;
  providerOrgId: string;
  /** In the catalog's list. */
  providerName?: string;
  title: string;
  description: string;
  fields: { name: string; label: string; type: string; description: string; identifies: string | null }[];
  form: string;
  useConditions: string | null;
  updateFrequency: string;
  share: {
    attribute: string;
    reasons: string | null;
    conditions: string | null;
    basis: { level: string; title: string; article: string }[];
    status: string;
    dispute: string | null;
  };
  open: { attribute: string; status: string; [k: string]: unknown };
  priorityOpen: boolean;
  version: number;
  updatedAt: string;
}
export interface CatalogVersion {
  version: number;
  changedBy: string;
  changeRequestId: string | null;
  reason: string | null;
  createdAt: string;
  changes: { field: string; from: unknown; to: unknown }[];
}
export interface Agreement {
  id: string;
  requestId: string;
  caseNumber: string | null;
  status: string;
  entryTitle: string;
  providerName: string;
  licensee: { sub: string; name: string; identity: string | null };
  text: string;
  sha256: string;
  signatures: { party: string; sub: string; at: string; sha256: string }[];
  inForceAt: string | null;
  endsAt: string | null;
  endedAt: string | null;
  createdAt: string;
}
export interface Notification {
  id: string;
  kind: string;
  requestId: string | null;
  caseNumber: string | null;
  taskId: string | null;
  message: string;
  createdAt: string;
}
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** What GET /events says changed: the caller's tasks or notices (no content: refetch through their routes). */
export type Topic = 'tasks' | 'notices';

/**
 * The caller's changes as the API streams them (GET /events): read with fetch() streaming, as EventSource cannot send
 * the Authorization header (no token goes in a URL). Opened with the first listener while signed in; while it is
 * open, `live` is true and the lists it covers stop polling; when it fails, they poll again (with ETags) and it
 * retries after a while.
 */
export const changes = (() => {
  const listeners = new Map<Topic, Set<() => void>>([
    ['tasks', new Set()],
    ['notices', new Set()],
  ]);
  let stream: AbortController | null = null;
  let retry: ReturnType<typeof setTimeout> | null = null;
  let live = false;
  const stop = () => {
    stream?.abort();
    stream = null;
    live = false;
    if (retry) clearTimeout(retry);
    retry = null;
  };
  const wanted = () => session.token !== null && [...listeners.values()].some((l) => l.size > 0);
  const fire = (topic: Topic) => listeners.get(topic)?.forEach((fn) => fn());
  const start = () => {
    if (stream || !wanted()) return;
    const ctl = new AbortController();
    stream = ctl;
    let wait = 5000;
    void (async () => {
      try {
        const res = await fetch('/events', { headers: headers({ accept: 'text/event-stream' }), signal: ctl.signal });
        // Refused (429: the person's other tabs hold their streams): poll, and ask again when the API says.
        const after = Number(res.headers.get('retry-after'));
        if (after > 0) wait = after * 1000;
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        live = true;
        // What changed while the stream was down is fetched now.
        fire('tasks');
        fire('notices');
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buf += value;
          let at: number;
          while ((at = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, at);
            buf = buf.slice(at + 2);
            const name = /^event: (tasks|notices)$/m.exec(block)?.[1] as Topic | undefined;
            if (name) fire(name);
          }
        }
      } catch {
        // Down: the lists poll until the stream is back.
      }
      if (stream !== ctl) return;
      stream = null;
      live = false;
      retry = setTimeout(() => {
        retry = null;
        start();
      }, wait);
    })();
  };
  return {
    /** Whether the stream is open now (the lists it covers need not poll). */
    get live(): boolean {
      return live;
    },
    /** Calls `fn` when `topic` changes; returns the unsubscribe. */
    on(topic: Topic, fn: () => void): () => void {
      listeners.get(topic)!.add(fn);
      start();
      return () => {
        listeners.get(topic)!.delete(fn);
        if (!wanted()) stop();
      };
    },
    /** Signed in or out: the stream again as the new person (or none). */
    restart(): void {
      stop();
      start();
    },
  };
})();
