// The API's dependencies from the configuration: the one place each setting reaches the API, for every entry
// point that serves it (api/main.ts, scripts/start.ts).
import type { Client } from '@temporalio/client';
import type { Config, Secrets } from '../config';
import type { Db } from '../db';
import type { ApiDeps } from './types';

export function apiDepsFrom(config: Config, run: { db: Db; temporal: Client; secrets: Secrets; logLevel?: string }): ApiDeps {
  return {
    db: run.db,
    eventsDatabaseUrl: config.databaseUrl,
    eventStreams: config.eventStreams,
    temporal: run.temporal,
    taskQueue: config.taskQueue,
    jwtSecret: run.secrets.jwtSecret,
    principalKeys: run.secrets.principalKeys,
    devSignIn: config.mode === 'development',
    webhooksHttpsOnly: config.mode !== 'development',
    platformOperators: config.platformOperators,
    policies: config.policies,
    openPlatformUrl: config.openPlatformUrl,
    serviceDesk: config.serviceDesk,
    agreementFont: config.agreementFont,
    ...(config.oidc ? { oidc: config.oidc } : {}),
    // Staff signing in through their provider, the API's own tokens are development's alone.
    ...(config.staffOidc ? { staffOidc: config.staffOidc, refuseOwnTokens: config.mode !== 'development' } : {}),
    engineTimeoutMs: config.engineTimeoutMs,
    ...(config.metricsToken ? { metricsToken: config.metricsToken } : {}),
    logger: { level: run.logLevel ?? config.logLevel },
  };
}
