// The environment, parsed once against a schema. A bad value fails start-up naming the variable.
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_ADJUSTMENT_POLICY, type AdjustmentPolicy } from '../domain/adjustment';
import { DEFAULT_DISPUTE_POLICY, type DisputePolicy } from '../domain/dispute';
import { DEFAULT_OPEN_DEMAND_POLICY, type OpenDemandPolicy } from '../domain/open-demand';
import { DEFAULT_WITHDRAWAL_POLICY, type WithdrawalPolicy } from '../domain/withdrawal';
import { DEFAULT_OPEN_PLATFORM_URL, DEFAULT_OPEN_REQUEST_POLICY, type OpenRequestPolicy } from '../domain/open-request';
import { DEFAULT_SERVICE_DESK } from '../domain/principals';
import { DEFAULT_SHARE_POLICY, type SharePolicy } from '../domain/share';
import type { OidcConfig } from '../api/oidc';
import { DEFAULT_AGREEMENT_FONT } from '../api/agreement-document';
import { DEV_PRINCIPAL_KEYS, DEV_PRINCIPAL_LOOKUP_KEY, isDevelopmentKey, parseKeyRing, parseLookupKey, type PrincipalKeys } from '../api/principal-keys';
import type { Duration } from '../domain/types';

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
  /** A prebuilt workflow bundle (e.g. from bundleWorkflowCode at image build): the worker starts without bundling. */
  workflowBundle: string | null;
  /** Threads the worker runs workflow activations on. */
  workflowThreads: number;
  temporalNamespace: string;
  taskQueue: string;
  host: string;
  port: number;
  logLevel: string;
  engineTimeoutMs: number;
  /** Whom a person contacts when their registration is an operator's case (e.g. their identity held by another sign-in). */
  serviceDesk: string;
  /** How long the API and the worker wait at start for PostgreSQL and Temporal before they exit non-zero. */
  startupWaitMs: number;
  sharePolicy: SharePolicy;
  adjustmentPolicy: AdjustmentPolicy;
  disputePolicy: DisputePolicy;
  openDemandPolicy: OpenDemandPolicy;
  withdrawalPolicy: WithdrawalPolicy;
  openRequestPolicy: OpenRequestPolicy;
  /** The unified open platform (Art. 16): where open data is reached, and where a 409 sends an application for unconditionally open data. */
  openPlatformUrl: string;
  /** The CJK font agreements' PDFs are set in (a TrueType collection or font file). */
  agreementFont: string;
  /** The city's identity provider for members of the public; null: only the API's own HS256 tokens. */
  oidc: OidcConfig | null;
  /** Admins (token `sub`) who reach every city; every other admin acts within their own. None unless named. */
  platformOperators: string[];
}

/**
 * Two threads for workflow activations (the SDK's default is one): one run's activation does not queue
 * behind another's while a local activity's result comes back. Measured on 2 cores at 8 in flight:
 * +5–9% lifecycles/s, decisions answered ~10% sooner.
 */
export const DEFAULT_WORKFLOW_THREADS = 2;

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string, fallback: string): string {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  return v;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  return n;
}

function isDuration(v: unknown): v is Duration {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const entries = Object.entries(v);
  return entries.length === 1 && ['workingDays', 'days', 'seconds'].includes(entries[0][0]) && Number.isInteger(entries[0][1]) && (entries[0][1] as number) > 0;
}

/**
 * A policy object whose every key is a Duration, merged over the defaults. `secondsOnly` names settings that
 * have no default and take only seconds (e.g. the length of an agreement's month, which tests shorten).
 */
function policy<T extends Record<string, Duration>>(env: Env, name: string, fallback: T, secondsOnly: string[] = []): T {
  const raw = env[name];
  if (!raw) return fallback;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(`${name} must be a JSON object`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`${name} must be a JSON object`);
  for (const [key, value] of Object.entries(parsed)) {
    if (!(key in fallback) && !secondsOnly.includes(key)) throw new ConfigError(`${name}.${key} is not a setting; known: ${[...Object.keys(fallback), ...secondsOnly].join(', ')}`);
    if (secondsOnly.includes(key) ? !(isDuration(value) && 'seconds' in value) : !isDuration(value))
      throw new ConfigError(`${name}.${key} must be ${secondsOnly.includes(key) ? '' : '{"workingDays":n}, {"days":n} or '}{"seconds":n} with a positive integer n`);
  }
  return { ...fallback, ...(parsed as Partial<T>) };
}

function httpUrl(name: string, v: string): string {
  if (!/^https?:\/\/\S+$/.test(v)) throw new ConfigError(`${name} must be an http(s) URL`);
  return v;
}

/** The city's identity provider, when OIDC_ISSUER is set: its audience is required; its keys at OIDC_JWKS_URL, or found by discovery. */
function oidcConfig(env: Env): OidcConfig | null {
  const issuer = str(env, 'OIDC_ISSUER', '');
  if (!issuer) return null;
  const audience = str(env, 'OIDC_AUDIENCE', '');
  if (!audience) throw new ConfigError('OIDC_AUDIENCE must be set with OIDC_ISSUER (the audience the identity provider issues tokens for)');
  const jwksUrl = str(env, 'OIDC_JWKS_URL', '');
  // Where the provider puts what its real-name verification established (the platform's own claim names).
  const claims = { name: str(env, 'OIDC_NAME_CLAIM', 'name'), residentId: str(env, 'OIDC_ID_NUMBER_CLAIM', 'id_number'), uscc: str(env, 'OIDC_USCC_CLAIM', 'uscc') };
  if (jwksUrl) return { issuer: httpUrl('OIDC_ISSUER', issuer), audience, claims, jwksUrl: httpUrl('OIDC_JWKS_URL', jwksUrl) };
  return { issuer: httpUrl('OIDC_ISSUER', issuer), audience, claims, discoveryUrl: httpUrl('OIDC_DISCOVERY_URL', str(env, 'OIDC_DISCOVERY_URL', `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`)) };
}

function mode(env: Env): Mode {
  const v = str(env, 'PDW_MODE', 'production');
  if (v !== 'development' && v !== 'production') throw new ConfigError(`PDW_MODE must be development or production, got "${v}"`);
  return v;
}

/** PLATFORM_OPERATORS: comma-separated subs, each named on purpose (no wildcard: an admin's reach is their own city unless listed). */
function platformOperators(env: Env): string[] {
  const subs = str(env, 'PLATFORM_OPERATORS', '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const sub of subs) if (sub.length > 200 || !/^[^\s*]+$/.test(sub)) throw new ConfigError(`PLATFORM_OPERATORS must list token subs separated by commas (no spaces or wildcards inside one), got "${sub}"`);
  return [...new Set(subs)];
}

export const DEV_JWT_SECRET = 'dev-only-secret-change-me-0123456789';

/** `.env` at the top of the repository, for every entry point; variables already set win. */
const DOT_ENV = path.join(__dirname, '..', '.env');

function readDotEnv(env: Env): void {
  if (env === process.env && fs.existsSync(DOT_ENV)) process.loadEnvFile(DOT_ENV);
}

export function loadConfig(env: Env = process.env): Config {
  readDotEnv(env);
  const logLevel = str(env, 'LOG_LEVEL', 'info');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be a pino level, got "${logLevel}"`);
  const embeddedPostgresPort = int(env, 'EMBEDDED_POSTGRES_PORT', 54329, 1, 65535);
  const databaseUrl = str(env, 'DATABASE_URL', `postgres://postgres:postgres@127.0.0.1:${embeddedPostgresPort}/public_data_workflows`);
  if (!/^postgres(ql)?:\/\//.test(databaseUrl)) throw new ConfigError('DATABASE_URL must be a postgres:// URL');
  const temporalPort = int(env, 'TEMPORAL_PORT', 7233, 1, 65535);
  return {
    mode: mode(env),
    databaseUrl,
    temporalAddress: str(env, 'TEMPORAL_ADDRESS', `127.0.0.1:${temporalPort}`),
    embedded: { postgres: !env.DATABASE_URL, temporal: !env.TEMPORAL_ADDRESS },
    dataDir: path.resolve(str(env, 'DATA_DIR', path.join(__dirname, '..', '.data'))),
    temporalPort,
    temporalUiPort: int(env, 'TEMPORAL_UI_PORT', 8233, 1, 65535),
    embeddedPostgresPort,
    workerHealthPort: int(env, 'WORKER_HEALTH_PORT', 0, 0, 65535),
    workflowBundle: str(env, 'WORKFLOW_BUNDLE', '') || null,
    workflowThreads: int(env, 'WORKFLOW_THREADS', DEFAULT_WORKFLOW_THREADS, 1, 16),
    temporalNamespace: str(env, 'TEMPORAL_NAMESPACE', 'default'),
    taskQueue: str(env, 'TASK_QUEUE', 'public-data-workflows'),
    host: str(env, 'HOST', '127.0.0.1'),
    port: int(env, 'PORT', 3000, 0, 65535),
    logLevel,
    engineTimeoutMs: int(env, 'ENGINE_TIMEOUT_MS', 30_000, 100, 600_000),
    startupWaitMs: int(env, 'STARTUP_WAIT_SECONDS', 300, 0, 86_400) * 1000,
    oidc: oidcConfig(env),
    platformOperators: platformOperators(env),
    sharePolicy: policy(env, 'SHARE_POLICY', DEFAULT_SHARE_POLICY),
    adjustmentPolicy: policy(env, 'ADJUSTMENT_POLICY', DEFAULT_ADJUSTMENT_POLICY),
    disputePolicy: policy(env, 'DISPUTE_POLICY', DEFAULT_DISPUTE_POLICY),
    openDemandPolicy: policy(env, 'OPEN_DEMAND_POLICY', DEFAULT_OPEN_DEMAND_POLICY),
    withdrawalPolicy: policy(env, 'WITHDRAWAL_POLICY', DEFAULT_WITHDRAWAL_POLICY),
    openRequestPolicy: policy(env, 'OPEN_REQUEST_POLICY', DEFAULT_OPEN_REQUEST_POLICY, ['termMonth']),
    agreementFont: str(env, 'AGREEMENT_FONT', DEFAULT_AGREEMENT_FONT),
    openPlatformUrl: httpUrl('OPEN_PLATFORM_URL', str(env, 'OPEN_PLATFORM_URL', DEFAULT_OPEN_PLATFORM_URL)),
    serviceDesk: str(env, 'SERVICE_DESK', DEFAULT_SERVICE_DESK),
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
  const development = mode(env) === 'development';
  const refused: string[] = [];
  /** The parsed value (a bad one throws naming the variable); null when refused. */
  const secret = <T>(name: string, developmentValue: string, parse: (v: string) => T, isDevelopmentValue: (t: T) => boolean): T | null => {
    const raw = str(env, name, '');
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
      if (v.length < 32) throw new Error('must be at least 32 characters');
      return v;
    },
    (v) => v === DEV_JWT_SECRET,
  );
  // Only the newest key seals: a development key behind it still opens what it sealed, until `npm run principals -- rotate`.
  const ring = secret('PRINCIPAL_KEYS', DEV_PRINCIPAL_KEYS, parseKeyRing, (r) => isDevelopmentKey(r[0].key));
  const lookup = secret('PRINCIPAL_LOOKUP_KEY', DEV_PRINCIPAL_LOOKUP_KEY, parseLookupKey, isDevelopmentKey);
  if (refused.length)
    throw new ConfigError(`outside development mode (PDW_MODE=development, which npm start sets) the secrets must be a deployment's own: ${refused.join('; ')} (\`npm run secrets\` generates them into .env)`);
  return { jwtSecret: jwtSecret!, principalKeys: { ring: ring!, lookup: lookup! } };
}
