// The environment, parsed once against its schema (schema.ts). A bad value fails start-up naming the variable.
import fs from 'node:fs';
import path from 'node:path';
import type { Policies } from '../domain/policies';
import { DEV_PRINCIPAL_KEYS, DEV_PRINCIPAL_LOOKUP_KEY, isDevelopmentKey, parseKeyRing, parseLookupKey, type PrincipalKeys } from './principal-keys';
import { Value } from '@sinclair/typebox/value';
import { ConfigError, ENVIRONMENT, parseEnvironment, POLICY_VARIABLES, variable, type Env, type VariableName } from './schema';

export { ConfigError, DEFAULT_AGREEMENT_FONT, DEFAULT_WORKFLOW_THREADS, ENVIRONMENT, POLICY_VARIABLES } from './schema';

/**
 * `development` (PDW_MODE=development, which `npm start` sets and nothing else does): unset secrets take the
 * development values in the source and the API offers sign-in without a credential. Anything else is a deployment.
 */
export type Mode = 'development' | 'production';

export interface Config {
  mode: Mode;
  databaseUrl: string;
  temporalAddress: string;
  /** What `npm start` runs itself because DATABASE_URL / TEMPORAL_ADDRESS are not set. */
  embedded: { postgres: boolean; temporal: boolean };
  dataDir: string;
  temporalPort: number;
  temporalUiPort: number;
  embeddedPostgresPort: number;
  /** A port on which the worker answers /health (for container health checks); none when 0. */
  workerHealthPort: number;
  /** host:port where the worker serves its Temporal SDK metrics (Prometheus); null: none. */
  workerMetricsAddress: string | null;
  /** A prebuilt workflow bundle (e.g. from bundleWorkflowCode at image build): the worker starts without bundling. */
  workflowBundle: string | null;
  /** Threads the worker runs workflow activations on. */
  workflowThreads: number;
  /** Workflows the worker keeps in memory between their tasks (its sticky cache): what bounds its memory. */
  workerCachedWorkflows: number;
  workflowTaskSlots: number;
  temporalNamespace: string;
  taskQueue: string;
  host: string;
  port: number;
  logLevel: string;
  /** The bearer token GET /metrics is read with; null: the API serves no /metrics. */
  metricsToken: string | null;
  engineTimeoutMs: number;
  /** Whom a person contacts when their registration is an operator's case (e.g. their identity held by another sign-in). */
  serviceDesk: string;
  /** How long the API and the worker wait at start for PostgreSQL and Temporal before they exit non-zero. */
  startupWaitMs: number;
  /** Each procedure's deadlines by its request type (each from its variable, POLICY_VARIABLES, merged over domain/policies.ts's defaults). */
  policies: Policies;
  /** The unified open platform (Art. 16): where open data is reached, and where a 409 sends an application for unconditionally open data. */
  openPlatformUrl: string;
  /** The region part of case numbers (受理编号). */
  caseRegion: string;
  /** The CJK font agreements' PDFs are set in (a TrueType collection or font file). */
  agreementFont: string;
  /** The city's identity provider for members of the public; null: only the API's own HS256 tokens. */
  oidc: OidcConfig | null;
  /** The identity provider staff sign in with (STAFF_OIDC_*); null: staff use the API's own HS256 tokens (development). */
  staffOidc: StaffOidcConfig | null;
  /** Admins (token `sub`) who reach every city; every other admin acts within their own. None unless named. */
  platformOperators: string[];
  /** Open GET /events streams allowed a person (by token sub) and the API process: one more is refused 429. */
  eventStreams: { perPerson: number; total: number };
  /** Notifications that reach people (issue 26 §2): the console's address for links, the mail server, the retry policy, the digest. */
  notify: {
    consoleUrl: string;
    smtp: { url: string; from: string } | null;
    policy: { baseMs: number; maxMs: number; maxAttempts: number };
    pollMs: number;
    digest: { hour: number; horizonMs: number };
  };
}

/** The city's identity provider for members of the public (OIDC_*). */
export interface OidcConfig {
  issuer: string;
  audience: string;
  /**
   * The claims in which the provider states what it verified of a person (real-name verification): their name,
   * resident ID number, or a legal person's unified social credit code. Default name, id_number, uscc.
   */
  claims?: { name: string; residentId: string; uscc: string };
  /** Where the keys are: the JWKS URL itself, or found through the provider's discovery document. */
  jwksUrl?: string;
  discoveryUrl?: string;
}

/**
 * The identity provider staff sign in with (STAFF_OIDC_*): the console's client id there, which is the audience
 * of the ID tokens it signs in with; the claims naming the organisation and the roles; the scopes that ask for them.
 */
export interface StaffOidcConfig {
  issuer: string;
  audience: string;
  discoveryUrl: string;
  clientId: string;
  orgClaim: string;
  rolesClaim: string;
  scope: string;
}

function staffOidcConfig(e: ReturnType<typeof parseEnvironment>): StaffOidcConfig | null {
  const issuer = e.STAFF_OIDC_ISSUER;
  if (!issuer) return null;
  if (!e.STAFF_OIDC_CLIENT_ID) throw new ConfigError("STAFF_OIDC_CLIENT_ID must be set with STAFF_OIDC_ISSUER (the console's client id at the provider)");
  return {
    issuer,
    audience: e.STAFF_OIDC_CLIENT_ID,
    discoveryUrl: `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`,
    clientId: e.STAFF_OIDC_CLIENT_ID,
    orgClaim: e.STAFF_OIDC_ORG_CLAIM,
    rolesClaim: e.STAFF_OIDC_ROLES_CLAIM,
    scope: e.STAFF_OIDC_SCOPE,
  };
}

/** The city's identity provider, when OIDC_ISSUER is set: its audience is required; its keys at OIDC_JWKS_URL, or found by discovery. */
function oidcConfig(e: ReturnType<typeof parseEnvironment>): OidcConfig | null {
  const issuer = e.OIDC_ISSUER;
  if (!issuer) return null;
  if (!e.OIDC_AUDIENCE) throw new ConfigError('OIDC_AUDIENCE must be set with OIDC_ISSUER (the audience the identity provider issues tokens for)');
  // Where the provider puts what its real-name verification established (the platform's own claim names).
  const claims = { name: e.OIDC_NAME_CLAIM, residentId: e.OIDC_ID_NUMBER_CLAIM, uscc: e.OIDC_USCC_CLAIM };
  const keys = e.OIDC_JWKS_URL
    ? { jwksUrl: e.OIDC_JWKS_URL }
    : { discoveryUrl: e.OIDC_DISCOVERY_URL ?? `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration` };
  return { issuer, audience: e.OIDC_AUDIENCE, claims, ...keys };
}

/** METRICS_TOKEN, refused when it is .env.example's placeholder (a token anyone could guess). */
function metricsToken(token: string | undefined): string | null {
  if (token && PLACEHOLDER.test(token)) throw new ConfigError('METRICS_TOKEN is a placeholder');
  return token ?? null;
}

export const DEV_JWT_SECRET = 'dev-only-secret-change-me-0123456789';

/** `.env` at the top of the repository, for every entry point; variables already set win. */
const DOT_ENV = path.join(__dirname, '..', '.env');

function readDotEnv(env: Env): void {
  if (env === process.env && fs.existsSync(DOT_ENV)) process.loadEnvFile(DOT_ENV);
}

export function loadConfig(env: Env = process.env): Config {
  readDotEnv(env);
  const e = parseEnvironment(env);
  return {
    mode: e.PDW_MODE,
    databaseUrl: e.DATABASE_URL ?? `postgres://postgres:postgres@127.0.0.1:${e.EMBEDDED_POSTGRES_PORT}/public_data_workflows`,
    temporalAddress: e.TEMPORAL_ADDRESS ?? `127.0.0.1:${e.TEMPORAL_PORT}`,
    embedded: { postgres: !e.DATABASE_URL, temporal: !e.TEMPORAL_ADDRESS },
    dataDir: path.resolve(e.DATA_DIR ?? path.join(__dirname, '..', '.data')),
    temporalPort: e.TEMPORAL_PORT,
    temporalUiPort: e.TEMPORAL_UI_PORT,
    embeddedPostgresPort: e.EMBEDDED_POSTGRES_PORT,
    workerHealthPort: e.WORKER_HEALTH_PORT,
    workerMetricsAddress: e.WORKER_METRICS_ADDRESS ?? null,
    workflowBundle: e.WORKFLOW_BUNDLE ?? null,
    workflowThreads: e.WORKFLOW_THREADS,
    workerCachedWorkflows: e.WORKER_CACHED_WORKFLOWS,
    workflowTaskSlots: e.WORKFLOW_TASK_SLOTS,
    temporalNamespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.TASK_QUEUE,
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    metricsToken: metricsToken(e.METRICS_TOKEN),
    engineTimeoutMs: e.ENGINE_TIMEOUT_MS,
    startupWaitMs: e.STARTUP_WAIT_SECONDS * 1000,
    oidc: oidcConfig(e),
    staffOidc: staffOidcConfig(e),
    platformOperators: e.PLATFORM_OPERATORS,
    policies: Object.fromEntries(Object.entries(POLICY_VARIABLES).map(([type, name]) => [type, e[name as keyof typeof e]])) as Policies,
    agreementFont: e.AGREEMENT_FONT,
    openPlatformUrl: e.OPEN_PLATFORM_URL,
    caseRegion: e.CASE_NUMBER_REGION,
    serviceDesk: e.SERVICE_DESK,
    eventStreams: { perPerson: e.EVENTS_STREAMS_PER_PERSON, total: e.EVENTS_STREAMS_TOTAL },
    notify: {
      consoleUrl: e.CONSOLE_URL,
      smtp: e.SMTP_URL ? { url: e.SMTP_URL, from: e.SMTP_FROM } : null,
      policy: { baseMs: e.NOTIFY_RETRY_BASE_MS, maxMs: e.NOTIFY_RETRY_MAX_MS, maxAttempts: e.NOTIFY_MAX_ATTEMPTS },
      pollMs: e.NOTIFY_POLL_MS,
      digest: { hour: e.DIGEST_HOUR, horizonMs: e.DIGEST_HORIZON_HOURS * 3_600_000 },
    },
  };
}

/** What the API verifies tokens with and seals resident ID numbers with (Art. 29); apart, so that processes using none need none. */
export interface Secrets {
  /** HS256 secret that verifies bearer tokens. */
  jwtSecret: string;
  /** PRINCIPAL_KEYS (`version:base64`, newest first: rotation adds a key in front) and PRINCIPAL_LOOKUP_KEY. */
  principalKeys: PrincipalKeys;
}

/** A value left for someone to replace (.env.example's habit): taken as unset. */
const PLACEHOLDER = /change-?me/i;

/**
 * The secrets, for the entry points that use them (the API, `npm run token`, `npm run principals`). In development
 * mode an unset one takes its development value; otherwise each one unset, a placeholder or a development value
 * is refused, all named in one ConfigError, before the caller connects to anything.
 */
export function loadSecrets(env: Env = process.env): Secrets {
  readDotEnv(env);
  const development = variable(env, 'PDW_MODE') === 'development';
  const refused: string[] = [];
  /** The parsed value (a bad one throws naming the variable); null when refused. */
  const secret = <T>(name: VariableName, developmentValue: string, parse: (v: string) => T, isDevelopmentValue: (t: T) => boolean): T | null => {
    const raw = env[name] ?? '';
    const unset = !raw || (PLACEHOLDER.test(raw) && raw !== developmentValue);
    if (unset && !development) {
      refused.push(`${name} is ${raw ? 'a placeholder' : 'not set'}`);
      return null;
    }
    let value: T;
    try {
      value = parse(unset ? developmentValue : raw);
    } catch (err) {
      throw new ConfigError(`${name}: ${(err as Error).message}`);
    }
    if (development || !isDevelopmentValue(value)) return value;
    refused.push(`${name} is a development value (it is in the source, so anyone has it)`);
    return null;
  };
  const jwtSecret = secret(
    'JWT_SECRET',
    DEV_JWT_SECRET,
    (v) => {
      if (!Value.Check(ENVIRONMENT.properties.JWT_SECRET, v)) throw new Error(ENVIRONMENT.properties.JWT_SECRET.refusal);
      return v;
    },
    (v) => v === DEV_JWT_SECRET,
  );
  // Only the newest key seals: a development key behind it still opens what it sealed, until `npm run principals -- rotate`.
  const ring = secret('PRINCIPAL_KEYS', DEV_PRINCIPAL_KEYS, parseKeyRing, (r) => isDevelopmentKey(r[0].key));
  const lookup = secret('PRINCIPAL_LOOKUP_KEY', DEV_PRINCIPAL_LOOKUP_KEY, parseLookupKey, isDevelopmentKey);
  if (refused.length)
    throw new ConfigError(
      `outside development mode (PDW_MODE=development, which npm start sets) the secrets must be a deployment's own: ${refused.join('; ')} (\`npm run secrets\` generates them into .env)`,
    );
  return { jwtSecret: jwtSecret!, principalKeys: { ring: ring!, lookup: lookup! } };
}
