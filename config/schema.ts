// The environment: every variable a process of the system reads, with its type, default and meaning, in one
// TypeBox schema that the parser below checks values against. `.env.example` and README's configuration table
// name the same variables (test/config.test.ts holds the three together).
import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { DEFAULT_OPEN_PLATFORM_URL } from '../domain/open-request';
import { DEFAULT_POLICIES, type Policies } from '../domain/policies';
import { DEFAULT_SERVICE_DESK } from '../domain/principals';
import { DEFAULT_CASE_REGION, type RequestType } from '../domain/requests';
import { BASIS_LEVELS } from '../domain/catalog';
import { ONWARD_PROVISIONS, REGULATION_SCOPES, USAGE_REPORT_CADENCES } from '../domain/share';

export class ConfigError extends Error {}

/** Where Debian's fonts-wqy-microhei puts its font (the Dockerfile and npm test install it). */
export const DEFAULT_AGREEMENT_FONT = '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc';

/**
 * Two threads for workflow activations (the SDK's default is one): one run's activation does not queue
 * behind another's. Measured on 2 cores at 8 in flight, when procedures still wrote through local
 * activities: +5–9% lifecycles/s, decisions answered ~10% sooner.
 */
export const DEFAULT_WORKFLOW_THREADS = 2;
/** Workflows a worker keeps in memory between their tasks (sticky cache): bounds its RSS whatever runs (docs/operations.md). */
export const DEFAULT_WORKER_CACHED_WORKFLOWS = 200;
/** The Temporal SDK's own default of maxConcurrentWorkflowTaskExecutions. */
export const DEFAULT_WORKFLOW_TASK_SLOTS = 40;

/**
 * Besides JSON Schema's own keywords a variable's schema may say: `refusal`, what a refused value is told
 * ("NAME must be …"); `secret`, read by loadSecrets alone (never part of the Config); `with` / `without`, read
 * only while that other variable is set / unset (the OIDC settings mean nothing without an issuer).
 */
interface VariableOptions {
  description: string;
  refusal?: string;
  secret?: true;
  with?: string;
  without?: string;
}

const integer = (minimum: number, maximum: number, fallback: number, o: VariableOptions) =>
  Type.Integer({ minimum, maximum, default: fallback, refusal: `must be an integer from ${minimum} to ${maximum}`, ...o });
const port = (fallback: number, o: VariableOptions) => integer(1, 65535, fallback, o);
const text = (fallback: string, o: VariableOptions) => Type.String({ default: fallback, ...o });
const httpUrl = (o: VariableOptions & { default?: string }) => Type.String({ pattern: '^https?://\\S+$', refusal: 'must be an http(s) URL', ...o });

const count = Type.Integer({ minimum: 1 });
const Duration = Type.Union(
  ['workingDays', 'days', 'seconds'].map((unit) => Type.Object({ [unit]: count }, { additionalProperties: false })),
  { refusal: '{"workingDays":n}, {"days":n} or {"seconds":n} with a positive integer n' },
);
const Seconds = Type.Object({ seconds: count }, { additionalProperties: false, refusal: '{"seconds":n} with a positive integer n' });

/**
 * A procedure's policy: JSON merged over its defaults, each key a Duration. `secondsOnly` names settings that
 * have no default and take only seconds (e.g. the length of an agreement's month, which tests shorten).
 */
const literalsOf = (values: readonly string[]) => Type.Union(values.map((v) => Type.Literal(v)));

function policy<T extends RequestType>(type: T, description: string, secondsOnly: string[] = [], switches: Record<string, TSchema> = {}) {
  const keys = Object.keys(DEFAULT_POLICIES[type]).filter((k) => !(k in switches));
  const schema = Type.Object(
    {
      ...Object.fromEntries(keys.map((k) => [k, Type.Optional(Duration)])),
      ...Object.fromEntries(secondsOnly.map((k) => [k, Type.Optional(Seconds)])),
      ...Object.fromEntries(Object.entries(switches).map(([k, v]) => [k, Type.Optional(v)])),
    },
    { additionalProperties: false, default: DEFAULT_POLICIES[type], description, requestType: type, refusal: 'must be a JSON object' },
  );
  return Type.Unsafe<Policies[T]>(schema);
}

const oidc = (description: string, o: Partial<VariableOptions> = {}) => ({ description, with: 'OIDC_ISSUER', ...o });
const staffOidc = (description: string) => ({ description, with: 'STAFF_OIDC_ISSUER' });

export const ENVIRONMENT = Type.Object({
  PDW_MODE: Type.Union([Type.Literal('development'), Type.Literal('production')], {
    default: 'production',
    refusal: 'must be development or production',
    description:
      '`development` (which `npm start` sets, and nothing else): unset secrets take the development values in the source, and /dev/* signs anyone in without a credential. Anything else is a deployment',
  }),
  JWT_SECRET: Type.String({
    minLength: 32,
    refusal: 'must be at least 32 characters',
    secret: true,
    description: 'HS256 secret that verifies bearer tokens (at least 32 characters); development mode: a development secret',
  }),
  PRINCIPAL_KEYS: Type.String({
    secret: true,
    description: '`version:base64` AES-256 keys (32 bytes), newest first, comma-separated: the first seals resident ID numbers, all open what they sealed',
  }),
  PRINCIPAL_LOOKUP_KEY: Type.String({
    secret: true,
    description: 'base64 (at least 32 bytes): the HMAC key resident ID numbers are looked up by (never rotated)',
  }),
  DATABASE_URL: Type.Optional(
    Type.String({
      pattern: '^postgres(ql)?://',
      refusal: 'must be a postgres:// URL',
      description: 'PostgreSQL to use; when unset `npm start` runs an embedded one on EMBEDDED_POSTGRES_PORT',
    }),
  ),
  EMBEDDED_POSTGRES_PORT: port(54329, { description: 'port of the embedded PostgreSQL' }),
  TEMPORAL_ADDRESS: Type.Optional(Type.String({ description: 'Temporal frontend; when unset `npm start` runs `temporal server start-dev` on TEMPORAL_PORT' })),
  TEMPORAL_PORT: port(7233, { description: 'port of the embedded Temporal dev server' }),
  TEMPORAL_UI_PORT: port(8233, { description: "port of the embedded Temporal dev server's web UI" }),
  TEMPORAL_NAMESPACE: text('default', { description: 'the Temporal namespace workflows run in' }),
  TASK_QUEUE: text('public-data-workflows', { description: 'the task queue the worker polls and the API starts workflows on' }),
  DATA_DIR: Type.Optional(Type.String({ description: 'state of the embedded servers (default .data/ in the repository)' })),
  HOST: text('127.0.0.1', { description: 'where the API listens' }),
  PORT: integer(0, 65535, 3000, { description: 'the port the API listens on' }),
  OIDC_ISSUER: Type.Optional(
    httpUrl({ description: "the city's identity provider, whose RS256/ES256 tokens sign in members of the public; unset: only the API's own tokens" }),
  ),
  OIDC_AUDIENCE: Type.Optional(Type.String(oidc('the audience the identity provider issues tokens for (required with OIDC_ISSUER)'))),
  OIDC_JWKS_URL: Type.Optional(httpUrl(oidc("the provider's signing keys; unset: found through OIDC_DISCOVERY_URL"))),
  OIDC_DISCOVERY_URL: Type.Optional(
    httpUrl(oidc("the provider's discovery document (default <issuer>/.well-known/openid-configuration)", { without: 'OIDC_JWKS_URL' })),
  ),
  OIDC_NAME_CLAIM: text('name', oidc("the claim carrying the person's verified name")),
  OIDC_ID_NUMBER_CLAIM: text('id_number', oidc("the claim carrying the person's verified identity document number")),
  OIDC_USCC_CLAIM: text('uscc', oidc("the claim carrying a legal person's verified unified social credit code")),
  STAFF_OIDC_ISSUER: Type.Optional(
    httpUrl({
      description:
        "the identity provider staff sign in with (the console's authorization code flow with PKCE; its RS256/ES256 ID tokens, keys by discovery); set, and not in development mode, the API's own HS256 tokens are refused",
    }),
  ),
  STAFF_OIDC_CLIENT_ID: Type.Optional(
    Type.String(staffOidc("the console's client id at the staff provider, and the audience of its tokens (required with STAFF_OIDC_ISSUER)")),
  ),
  STAFF_OIDC_ORG_CLAIM: text('org', staffOidc('the claim carrying the organisation a staff member acts for (an id of the organisation directory)')),
  STAFF_OIDC_ROLES_CLAIM: text('roles', staffOidc("the claim carrying a staff member's roles (a list, or names separated by spaces or commas)")),
  STAFF_OIDC_SCOPE: text(
    'openid profile',
    staffOidc('the scopes the console asks the staff provider for (those that put the two claims above in its ID token)'),
  ),
  SERVICE_DESK: text(DEFAULT_SERVICE_DESK, { description: "whom a person is told to contact when their registration is an operator's case" }),
  PLATFORM_OPERATORS: Type.Array(Type.String({ maxLength: 200, pattern: '^[^\\s*]+$' }), {
    default: [],
    refusal: 'must list token subs separated by commas (no spaces or wildcards inside one)',
    description: 'comma-separated token subs of the admins who reach every city; every other admin acts only within their own city',
  }),
  METRICS_TOKEN: Type.Optional(
    Type.String({
      minLength: 32,
      pattern: '^[\\x21-\\x7e]+$',
      refusal: 'must be at least 32 printable characters without spaces',
      description: 'the bearer token Prometheus reads GET /metrics with; unset: the API serves no /metrics',
    }),
  ),
  CONSOLE_URL: httpUrl({
    default: 'http://127.0.0.1:3000/console/',
    description: "where people open the console: the link in every notice's e-mail and webhook post",
  }),
  SMTP_URL: Type.Optional(
    Type.String({
      pattern: '^smtps?://\\S+$',
      refusal: 'must be an smtp:// or smtps:// URL',
      description:
        'the mail server notices are sent through (smtp://user:pass@host:port, smtps:// for TLS from the start; nodemailer); unset: no e-mail is sent, it waits in the outbox',
    }),
  ),
  SMTP_FROM: text('公共数据工作流 <noreply@localhost>', { description: "the sender of notices' e-mail (name and address)" }),
  NOTIFY_RETRY_BASE_MS: integer(10, 86_400_000, 10_000, {
    description: 'how long after a failed delivery (webhook or e-mail) the first retry waits; each further retry waits twice as long',
  }),
  NOTIFY_RETRY_MAX_MS: integer(10, 86_400_000, 3_600_000, { description: 'the longest wait between two retries of a delivery' }),
  NOTIFY_MAX_ATTEMPTS: integer(1, 1000, 12, {
    description: "attempts of a delivery before it is a dead letter (listed to the organisation's admin, redelivered on demand)",
  }),
  NOTIFY_POLL_MS: integer(50, 600_000, 1000, { description: "how often the worker's delivery activity looks at the outbox when it had nothing due" }),
  EVENTS_STREAMS_PER_PERSON: integer(1, 100, 5, {
    description:
      "the console's open update streams (GET /events) one person may hold at once, over all their tabs; one more is refused (429) and that page polls",
  }),
  EVENTS_STREAMS_TOTAL: integer(1, 100_000, 1000, {
    description: 'the open update streams (GET /events) one API process holds at once; one more is refused (429)',
  }),
  DIGEST_HOUR: integer(0, 23, 8, { description: "the hour (Asia/Shanghai) from which each day's digest of tasks falling due is sent" }),
  DIGEST_HORIZON_HOURS: integer(1, 720, 48, { description: 'how far ahead a task counts as falling due in the daily digest' }),
  OTEL_EXPORTER_OTLP_ENDPOINT: Type.Optional(
    httpUrl({ description: 'OTLP/HTTP collector the API and the worker send their traces to (/v1/traces appended); unset: no tracing at all' }),
  ),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: Type.Optional(
    httpUrl({ description: 'the OTLP/HTTP traces endpoint itself (taken as it is), instead of OTEL_EXPORTER_OTLP_ENDPOINT' }),
  ),
  OTEL_SERVICE_NAME: Type.Optional(
    Type.String({ minLength: 1, maxLength: 100, description: 'service.name of the traces (default public-data-workflows-api, -worker)' }),
  ),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info', refusal: 'must be a pino level', description: 'pino level' },
  ),
  ENGINE_TIMEOUT_MS: integer(100, 600_000, 30_000, {
    description: "how long an API call waits for the workflow's answer before it answers 503 (the action is kept)",
  }),
  STARTUP_WAIT_SECONDS: integer(0, 86_400, 300, {
    description: 'how long the API and the worker wait at start for PostgreSQL and Temporal before they exit non-zero',
  }),
  WORKER_HEALTH_PORT: integer(0, 65535, 0, { description: 'worker /health for container health checks (0: off)' }),
  WORKER_METRICS_ADDRESS: Type.Optional(
    Type.String({
      pattern: '^\\S+:\\d{1,5}$',
      refusal: 'must be host:port',
      description: 'where the worker serves its Temporal SDK metrics for Prometheus (e.g. 0.0.0.0:9464); unset: none',
    }),
  ),
  WORKFLOW_BUNDLE: Type.Optional(Type.String({ description: 'a prebuilt workflow bundle (bundleWorkflowCode output), so a worker starts without bundling' })),
  WORKFLOW_THREADS: integer(1, 16, DEFAULT_WORKFLOW_THREADS, { description: 'threads the worker runs workflow activations on' }),
  WORKER_CACHED_WORKFLOWS: integer(0, 100_000, DEFAULT_WORKER_CACHED_WORKFLOWS, {
    description: 'workflows a worker keeps in memory between their tasks (its sticky cache; 0: none, every task replays): what bounds its memory',
  }),
  WORKFLOW_TASK_SLOTS: integer(1, 1000, DEFAULT_WORKFLOW_TASK_SLOTS, {
    description: "workflow tasks a worker runs at once (the SDK's default); fewer on starved cores keeps each within its 10 s timeout",
  }),
  SHARE_POLICY: policy('share', "the share procedure's deadlines", [], {
    // Whom the 条例's rules bind: a policy switch, not a duration.
    regulationScope: Type.Union(
      REGULATION_SCOPES.map((v) => Type.Literal(v)),
      { refusal: REGULATION_SCOPES.map((v) => `"${v}"`).join(' or ') },
    ),
    // The levels of legal basis a refusal may cite, under the 条例 and under the Measures alone: a list, not a duration.
    refusalBasisLevels: Type.Object(
      {
        regulation: Type.Array(literalsOf(BASIS_LEVELS), { minItems: 1, uniqueItems: true }),
        measures: Type.Array(literalsOf(BASIS_LEVELS), { minItems: 1, uniqueItems: true }),
      },
      { additionalProperties: false, refusal: `{ "regulation": [...], "measures": [...] }, each a non-empty list of ${BASIS_LEVELS.join(', ')}` },
    ),
    // How often the grantee files its usage records: a cadence, or a duration for trials.
    usageReport: Type.Union([...USAGE_REPORT_CADENCES.map((v) => Type.Literal(v)), Duration], {
      refusal: `${USAGE_REPORT_CADENCES.map((v) => `"${v}"`).join(' or ')}, or a duration`,
    }),
    // Onward provision to a third party: the Measures' ban (Art. 15, default) or the 条例's consent route. A switch.
    onwardProvision: Type.Union(
      ONWARD_PROVISIONS.map((v) => Type.Literal(v)),
      { refusal: ONWARD_PROVISIONS.map((v) => `"${v}"`).join(' or ') },
    ),
  }),
  ADJUSTMENT_POLICY: policy('catalog_adjustment', "the catalog adjustment procedure's deadlines"),
  DISPUTE_POLICY: policy('share_dispute', "the share-attribute dispute's deadlines"),
  REFUSAL_DISPUTE_POLICY: policy('refusal_dispute', "the refusal dispute's window and deadlines"),
  OPEN_DEMAND_POLICY: policy('open_demand', "the open demand's deadlines"),
  WITHDRAWAL_POLICY: policy('withdrawal', "the withdrawal's deadlines"),
  CORRECTION_POLICY: policy('correction', "the error correction's deadlines"),
  OPEN_REQUEST_POLICY: policy(
    'open_request',
    "the conditional open application's deadlines and usage-report cadence; termMonth shortens an agreement's month for trials",
    ['termMonth'],
  ),
  CASE_NUMBER_REGION: Type.String({
    pattern: '^[A-Z]{2,4}$',
    default: DEFAULT_CASE_REGION,
    refusal: 'must be 2 to 4 capital letters',
    description: "the city's code that begins every case number (受理编号), as RZ in RZ-GX-20261205-0007",
  }),
  AGREEMENT_FONT: text(DEFAULT_AGREEMENT_FONT, { description: "the CJK font agreements' PDFs are set in" }),
  OPEN_PLATFORM_URL: httpUrl({
    default: DEFAULT_OPEN_PLATFORM_URL,
    description: 'the unified open platform (Art. 16), named in agreements and in the 409 for data open without conditions',
  }),
});

export type VariableName = keyof typeof ENVIRONMENT.properties;
/** The variables loadConfig reads, parsed: a value or its default (a variable with no default may be absent). */
export type Environment = Omit<Static<typeof ENVIRONMENT>, 'JWT_SECRET' | 'PRINCIPAL_KEYS' | 'PRINCIPAL_LOOKUP_KEY'>;

/** Each request type's policy variable, found in the schema by its `requestType`. */
export const POLICY_VARIABLES = Object.fromEntries(
  Object.entries(ENVIRONMENT.properties).flatMap(([name, schema]) => ((schema as TSchema).requestType ? [[(schema as TSchema).requestType, name]] : [])),
) as Record<RequestType, VariableName>;

export type Env = Record<string, string | undefined>;

const isSet = (env: Env, name: string) => env[name] !== undefined && env[name] !== '';

/**
 * One variable's value: as given, checked against its schema, or its default when unset or empty. A refused
 * value throws a ConfigError naming the variable; numbers and words are quoted back, URLs never (one may carry a password).
 */
export function variable<N extends VariableName>(env: Env, name: N): Static<typeof ENVIRONMENT>[N] {
  const schema = ENVIRONMENT.properties[name] as TSchema;
  const raw = env[name];
  if (raw === undefined || raw === '') return structuredClone(schema.default);
  const refused = (got?: string) => new ConfigError(`${name} ${schema.refusal}${got === undefined ? '' : `, got "${got}"`}`);
  if (schema.type === 'integer') {
    const n = Number(raw);
    if (!Value.Check(schema, n)) throw refused(raw);
    return n as never;
  }
  if (schema.type === 'array') {
    const items = raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = items.find((item) => !Value.Check(schema.items, item));
    if (bad !== undefined) throw refused(bad);
    return [...new Set(items)] as never;
  }
  if (schema.type === 'object') return policyValue(name, schema as TObject, raw) as never;
  if (!Value.Check(schema, raw)) throw refused(schema.anyOf ? raw : undefined);
  return raw as never;
}

/** A policy variable's JSON, each setting checked on its own (the first bad one named), merged over the defaults. */
function policyValue(name: string, schema: TObject, raw: string): object {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(`${name} ${schema.refusal}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`${name} ${schema.refusal}`);
  for (const [key, value] of Object.entries(parsed)) {
    const setting = schema.properties[key];
    if (!setting) throw new ConfigError(`${name}.${key} is not a setting; known: ${Object.keys(schema.properties).join(', ')}`);
    if (!Value.Check(setting, value)) throw new ConfigError(`${name}.${key} must be ${setting.refusal}`);
  }
  return { ...schema.default, ...parsed };
}

/** Every variable loadConfig reads (the secrets are loadSecrets'), each parsed as `variable` does; one read only with or without another is skipped otherwise. */
export function parseEnvironment(env: Env): Environment {
  const parsed: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(ENVIRONMENT.properties) as [VariableName, TSchema][]) {
    if (schema.secret || (schema.with && !isSet(env, schema.with)) || (schema.without && isSet(env, schema.without))) continue;
    const value = variable(env, name);
    if (value !== undefined) parsed[name] = value;
  }
  return parsed as Environment;
}
