// buildApp(deps): the Fastify API. It reads PostgreSQL and writes only through the Temporal client.
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { createHash } from 'node:crypto';
import Fastify from 'fastify';
import { databaseReady } from '../db';
import { authenticate, registerJwt } from './auth';
import { EventHub } from './events';
import { eventRoutes } from './routes/events';
import { unstorable } from '../domain/text';
import { clientError, frameworkError, invalid, refuseConnect, registerProblemHandlers } from './problem';
import { validatorCompiler } from './validation';
import { logController, loggerOptions, registerRequestId, requestIdOf } from './logging';
import { catalogRoutes } from './routes/catalog';
import { catalogRefreshRoutes } from './routes/catalog-refresh';
import { catalogSheetRoutes } from './routes/catalog-sheets';
import { principalRoutes } from './routes/principals';
import { legalAgentRoutes } from './routes/legal-agents';
import { describeRoutes } from './routes/describe';
import { devSignInRoutes, meRoutes, signInRoutes } from './routes/me';
import { cityIds, DEMO_PREFIX, DEMO_REGION, demoUsers } from '../db/seed';
import { CONSOLE_DIST, consoleRoutes } from './console';
import { auditRoutes } from './routes/audit';
import { evaluationRoutes } from './routes/evaluation';
import { grantRoutes } from './routes/grants';
import { notificationRoutes } from './routes/notifications';
import { notificationSettingRoutes } from './routes/notification-settings';
import { requestRoutes } from './routes/requests';
import { taskRoutes } from './routes/tasks';
import { delegationRoutes } from './routes/delegations';
import { createApiMetrics, serveMetrics } from './metrics';
import { registerTracing } from './tracing';
import { PROCEDURE_APIS } from './procedures';
import type { ApiDeps, App } from './types';
import { version } from '../package.json';

export async function buildApp(given: ApiDeps): Promise<App> {
  // Counted whether or not served: a decision is counted where the routes take it.
  const deps: ApiDeps = { ...given, metrics: given.metrics ?? createApiMetrics(given.db) };
  const app = Fastify({
    // JSON lines (api/logging.ts); the request id is the caller's X-Request-Id when that is a short token.
    logger: deps.logger ? loggerOptions(typeof deps.logger === 'object' ? deps.logger : { level: 'info' }) : false,
    genReqId: requestIdOf,
    logController,
    // Ids up to the schemas' own limits reach the route (and its problem+json), not the router's 414.
    routerOptions: { maxParamLength: 500 },
    frameworkErrors: frameworkError,
    clientErrorHandler: clientError,
  } as const).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.server.on('connect', refuseConnect);

  registerRequestId(app);
  // A span per request when the process traces (OTEL_EXPORTER_OTLP_ENDPOINT); nothing otherwise.
  registerTracing(app);
  registerProblemHandlers(app);
  // Polling without re-reading: every JSON or HTML answer to a GET carries a validator; asked again with it
  // (If-None-Match) while nothing changed, the answer is 304 with no body. Private: a shared cache keeps nothing.
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.method !== 'GET' || reply.statusCode !== 200 || typeof payload !== 'string') return payload;
    const etag = `W/"${createHash('sha256').update(payload).digest('base64url').slice(0, 27)}"`;
    reply.header('etag', etag);
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'private, no-cache');
    if (request.headers['if-none-match']?.split(/\s*,\s*/).includes(etag)) {
      reply.code(304);
      return '';
    }
    return payload;
  });
  // Text PostgreSQL refuses (NUL, unpaired surrogates) and values nested without bound never get
  // past the API: a 400 naming the field, before any schema, query or workflow sees them.
  app.addHook('preValidation', async (request) => {
    for (const [part, value] of [
      ['params', request.params],
      ['querystring', request.query],
      ['body', request.body],
    ] as const) {
      const v = unstorable(value, '', request.routeOptions.config?.maxNodes);
      if (v) throw invalid([v], part);
    }
  });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Public Data Workflows',
        version,
        description: 'Procedures of the Rizhao Measures for Public Data Management as durable workflows',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          metricsToken: { type: 'http', scheme: 'bearer', description: "the deployment's METRICS_TOKEN (Prometheus), not a person's token" },
        },
      },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  // Each POST route's field → article map, for GET /request-types.
  const articles = new Map<string, Record<string, string>>();
  app.addHook('onRoute', (route) => {
    const declared = (route.config as { articles?: Record<string, string> } | undefined)?.articles;
    if (route.method === 'POST' && declared) articles.set(route.url, declared);
  });
  await registerJwt(app, deps.jwtSecret);
  // Limits only where a route asks for one (per person, e.g. registering who one is).
  await app.register(rateLimit, { global: false });
  // Before every route below, so that each is timed; served only with a token (METRICS_TOKEN).
  if (deps.metricsToken) serveMetrics(app, deps.metrics!, deps.metricsToken, deps.metricsRefreshMs);

  app.get(
    '/health',
    { schema: { tags: ['ops'], summary: 'Liveness of the API and its database and Temporal connections', security: [] } },
    async (_request, reply) => {
      const check = async (f: () => Promise<unknown>) =>
        f().then(
          () => 'ok' as const,
          () => 'unavailable' as const,
        );
      const [database, temporal] = await Promise.all([
        check(() => databaseReady(deps.db)),
        check(() => deps.temporal.connection.workflowService.getSystemInfo({})),
      ]);
      const ok = database === 'ok' && temporal === 'ok';
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', database, temporal });
    },
  );

  // Signing in as a demo person without a token: only when asked for, so no route exists by accident.
  if (deps.devSignIn) await app.register(devSignInRoutes, { users: deps.devUsers ?? demoUsers(cityIds(DEMO_PREFIX, DEMO_REGION)) });
  await app.register(signInRoutes, { staffOidc: deps.staffOidc, devSignIn: deps.devSignIn });
  // The console's page talks to the staff provider too (its discovery and token endpoints).
  const providers = deps.staffOidc ? [new URL(deps.staffOidc.discoveryUrl).origin] : [];
  await app.register(consoleRoutes, { dir: deps.consoleDir ?? CONSOLE_DIST, connect: providers });

  // The console's server-sent events (api/events.ts): one listener connection, opened with the first stream; the
  // streams end before the server closes (preClose), so app.close does not wait on them.
  const hub = new EventHub(deps.db, deps.eventsDatabaseUrl, (m) => app.log.warn(m), deps.eventStreams);
  app.addHook('preClose', async () => hub.close());

  // Every other route is a plugin in this one scope, so each inherits its authentication (and the root's hooks).
  await app.register(async (scope) => {
    authenticate(scope, deps.db, { oidc: deps.oidc, staffOidc: deps.staffOidc, refuseOwnTokens: deps.refuseOwnTokens });
    for (const procedure of Object.values(PROCEDURE_APIS)) await scope.register(procedure.routes, deps);
    await scope.register(requestRoutes, deps);
    await scope.register(taskRoutes, deps);
    await scope.register(delegationRoutes, deps);
    await scope.register(catalogRoutes, deps);
    await scope.register(catalogRefreshRoutes, deps);
    await scope.register(catalogSheetRoutes, deps);
    await scope.register(principalRoutes, deps);
    await scope.register(legalAgentRoutes, deps);
    await scope.register(describeRoutes, { ...deps, articles });
    await scope.register(meRoutes, deps);
    await scope.register(notificationRoutes, deps);
    await scope.register(notificationSettingRoutes, deps);
    await scope.register(eventRoutes, { ...deps, hub });
    await scope.register(grantRoutes, deps);
    await scope.register(auditRoutes, deps);
    await scope.register(evaluationRoutes, deps);
  });
  return app;
}
