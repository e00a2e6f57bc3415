import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Client } from '@temporalio/client';
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { Db } from '../db';
import type { DemoUser } from '../db/seed';
import type { OidcConfig, StaffOidcConfig } from '../config';
import type { DestinationStream } from 'pino';
import type { PrincipalKeys } from '../config/principal-keys';
import type { Policies } from '../domain/policies';
import type { StreamLimits } from '../domain/notifications';
import type { Registry } from 'prom-client';

export type App = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

/** The API's metrics (api/metrics.ts createApiMetrics). */
export interface ApiMetrics {
  registry: Registry;
  /** One answered request: its route's pattern (never the URL with its ids), its status, how long it took. */
  answered(method: string, route: string, status: number, seconds: number): void;
  /** A decision the API had its workflow take (POST /tasks/{id}/complete, and each of a bulk's). */
  decided(kind: string, decision: string): void;
  /** Reads the open and overdue tasks into their gauges: the timer's one query, callable at will (the tests). */
  refresh(): Promise<void>;
}

/** The API's log lines (api/logging.ts). */
export interface LoggerSettings {
  level: string;
  /** Where the lines go (tests capture them); default stdout. */
  stream?: DestinationStream;
}

export interface ApiDeps {
  db: Db;
  /** The database the API's one event listener connection (LISTEN, api/events.ts) opens; none: GET /events answers 503. */
  eventsDatabaseUrl?: string;
  /** Open GET /events streams allowed a person and the process (default domain/notifications.ts DEFAULT_STREAM_LIMITS). */
  eventStreams?: StreamLimits;
  temporal: Client;
  taskQueue: string;
  jwtSecret: string;
  /** Each procedure's deadlines by its request type, handed to the workflow it starts (domain/policies.ts DEFAULT_POLICIES when the configuration sets none). */
  policies: Policies;
  /** The unified open platform (Art. 16) where open data is reached (default domain/open-request.ts DEFAULT_OPEN_PLATFORM_URL). */
  openPlatformUrl?: string;
  /** The CJK font agreements' PDFs are set in (default config/schema.ts DEFAULT_AGREEMENT_FONT). */
  agreementFont?: string;
  /** The keys resident ID numbers are sealed with (default: the development keys of config/principal-keys.ts). */
  principalKeys?: PrincipalKeys;
  /** The city's identity provider, whose RS256/ES256 tokens sign in members of the public (none: only the API's own tokens). */
  oidc?: OidcConfig;
  /** The identity provider staff sign in with: organisation and roles from its claims (none: staff use the API's own tokens). */
  staffOidc?: StaffOidcConfig;
  /**
   * The API's own HS256 tokens refused: a deployment (not development mode) whose staff sign in through their
   * provider (api/deps.ts). Default: accepted (development, and the tests that sign their own tokens).
   */
  refuseOwnTokens?: boolean;
  /** Whom a person contacts when registration is an operator's case (default domain/principals.ts DEFAULT_SERVICE_DESK). */
  serviceDesk?: string;
  /**
   * The admins (token `sub`) who reach every city: platform operators the deployment names (PLATFORM_OPERATORS).
   * Every other admin acts within their own city. Default: none.
   */
  platformOperators?: readonly string[];
  /** How long a request waits for the workflow's answer before 503 (default 30 s). */
  engineTimeoutMs?: number;
  /** JSON log lines (api/logging.ts) at this level, to stdout or the given stream; none: no logging. */
  logger?: boolean | LoggerSettings;
  /** Sign-in without a credential (GET /dev/users, POST /dev/token): only when the caller says so, never by default. */
  devSignIn?: boolean;
  /** The people the development sign-in offers (default the demo city's, db/seed.ts demoUsers). */
  devUsers?: DemoUser[];
  /**
   * The bearer token Prometheus reads GET /metrics with (METRICS_TOKEN); none: no /metrics route. Figures of the
   * whole city are no person's to read, so no person's token opens it.
   */
  metricsToken?: string;
  /** How often the open and overdue task gauges are read (default api/metrics.ts TASK_GAUGE_REFRESH_MS). */
  metricsRefreshMs?: number;
  /** The app's metrics (default: its own, in a Registry of its own); a test passes its own to refresh the gauges at will. */
  metrics?: ApiMetrics;
  /** Webhook URLs must be https (default true; `apiDepsFrom` sets it false in development mode only). */
  webhooksHttpsOnly?: boolean;
  /** The console's built files (default console/dist); without them /console says how to build it. */
  consoleDir?: string;
}
