import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Client } from '@temporalio/client';
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { Db } from '../db';
import type { DemoUser } from '../db/seed';
import type { AdjustmentPolicy } from '../domain/adjustment';
import type { DisputePolicy } from '../domain/dispute';
import type { OpenDemandPolicy } from '../domain/open-demand';
import type { WithdrawalPolicy } from '../domain/withdrawal';
import type { OpenRequestPolicy } from '../domain/open-request';
import type { SharePolicy } from '../domain/share';
import type { OidcConfig } from './oidc';
import type { PrincipalKeys } from './principal-keys';

export type App = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface ApiDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  jwtSecret: string;
  sharePolicy: SharePolicy;
  /** The catalog adjustment procedure's deadlines (default domain/adjustment.ts DEFAULT_ADJUSTMENT_POLICY). */
  adjustmentPolicy?: AdjustmentPolicy;
  /** The share-attribute dispute's deadlines (default domain/dispute.ts DEFAULT_DISPUTE_POLICY). */
  disputePolicy?: DisputePolicy;
  /** The open demand's deadlines (default domain/open-demand.ts DEFAULT_OPEN_DEMAND_POLICY). */
  openDemandPolicy?: OpenDemandPolicy;
  /** The withdrawal's deadlines (default domain/withdrawal.ts DEFAULT_WITHDRAWAL_POLICY). */
  withdrawalPolicy?: WithdrawalPolicy;
  /** The conditional open application's deadlines and report cadence (default domain/open-request.ts DEFAULT_OPEN_REQUEST_POLICY). */
  openRequestPolicy?: OpenRequestPolicy;
  /** The unified open platform (Art. 16) where open data is reached (default routes/open-requests.ts DEFAULT_OPEN_PLATFORM_URL). */
  openPlatformUrl?: string;
  /** The CJK font agreements' PDFs are set in (default api/agreement-document.ts DEFAULT_AGREEMENT_FONT). */
  agreementFont?: string;
  /** The keys resident ID numbers are sealed with (default: the development keys of api/principal-keys.ts). */
  principalKeys?: PrincipalKeys;
  /** The city's identity provider, whose RS256/ES256 tokens sign in members of the public (none: only the API's own tokens). */
  oidc?: OidcConfig;
  /** Whom a person contacts when registration is an operator's case (default domain/principals.ts DEFAULT_SERVICE_DESK). */
  serviceDesk?: string;
  /**
   * The admins (token `sub`) who reach every city: platform operators the deployment names (PLATFORM_OPERATORS).
   * Every other admin acts within their own city. Default: none.
   */
  platformOperators?: readonly string[];
  /** How long a request waits for the workflow's answer before 503 (default 30 s). */
  engineTimeoutMs?: number;
  logger?: boolean | { level: string };
  /** Sign-in without a credential (GET /dev/users, POST /dev/token): only when the caller says so, never by default. */
  devSignIn?: boolean;
  /** The people the development sign-in offers (default the demo city's, db/seed.ts demoUsers). */
  devUsers?: DemoUser[];
  /** The console's built files (default console/dist); without them /console says how to build it. */
  consoleDir?: string;
}
