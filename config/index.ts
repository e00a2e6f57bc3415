// The environment, parsed once against a schema. A bad value fails start-up naming the variable.
import { DEFAULT_SHARE_POLICY, type SharePolicy } from '../domain/share';

export interface Config {
  databaseUrl: string;
  temporalAddress: string;
  temporalNamespace: string;
  taskQueue: string;
  host: string;
  port: number;
  jwtSecret: string;
  logLevel: string;
  sharePolicy: SharePolicy;
}

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

function json<T>(env: Env, name: string, fallback: T): T {
  const raw = env[name];
  if (!raw) return fallback;
  try {
    return { ...fallback, ...JSON.parse(raw) };
  } catch {
    throw new ConfigError(`${name} must be a JSON object`);
  }
}

export const DEV_JWT_SECRET = 'dev-only-secret-change-me-0123456789';

export function loadConfig(env: Env = process.env): Config {
  const logLevel = str(env, 'LOG_LEVEL', 'info');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be a pino level, got "${logLevel}"`);
  const jwtSecret = str(env, 'JWT_SECRET', DEV_JWT_SECRET);
  if (jwtSecret.length < 32) throw new ConfigError('JWT_SECRET must be at least 32 characters');
  const databaseUrl = str(env, 'DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/public_data_workflows');
  if (!/^postgres(ql)?:\/\//.test(databaseUrl)) throw new ConfigError('DATABASE_URL must be a postgres:// URL');
  return {
    databaseUrl,
    temporalAddress: str(env, 'TEMPORAL_ADDRESS', '127.0.0.1:7233'),
    temporalNamespace: str(env, 'TEMPORAL_NAMESPACE', 'default'),
    taskQueue: str(env, 'TASK_QUEUE', 'public-data-workflows'),
    host: str(env, 'HOST', '127.0.0.1'),
    port: int(env, 'PORT', 3000, 0, 65535),
    jwtSecret,
    logLevel,
    sharePolicy: json(env, 'SHARE_POLICY', DEFAULT_SHARE_POLICY),
  };
}
