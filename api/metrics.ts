// The API's Prometheus metrics (GET /metrics): request latency by route and status, decisions by task kind and
// decision, open and overdue tasks by kind and division, the notification outbox's backlog and dead letters, and the
// process's own. Each app has its own Registry,
// so that several apps in one process (the tests) count apart.
import { createHash, timingSafeEqual } from 'node:crypto';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from '../db';
import { outboxCounts } from '../db/repositories/outbox';
import { openTaskCountsByDivision } from '../db/repositories/tasks';
import { problem } from './problem';
import type { ApiMetrics, App } from './types';

/** How often the task gauges are read from the database (one grouped query), not at each scrape. */
export const TASK_GAUGE_REFRESH_MS = 30_000;

export function createApiMetrics(db: Db): ApiMetrics {
  const registry = new Registry();
  const http = new Histogram({
    name: 'pdw_http_request_duration_seconds',
    help: 'API request duration by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const decisions = new Counter({
    name: 'pdw_task_decisions_total',
    help: 'Task decisions taken through the API, by task kind and decision',
    labelNames: ['kind', 'decision'] as const,
    registers: [registry],
  });
  const open = new Gauge({
    name: 'pdw_tasks_open',
    help: 'Open tasks by kind and division of the candidate organisation (refreshed every 30 s)',
    labelNames: ['kind', 'division'] as const,
    registers: [registry],
  });
  const overdue = new Gauge({
    name: 'pdw_tasks_overdue',
    help: 'Open tasks past their due time by kind and division of the candidate organisation (refreshed every 30 s)',
    labelNames: ['kind', 'division'] as const,
    registers: [registry],
  });
  const backlog = new Gauge({
    name: 'pdw_outbox_backlog',
    help: 'Notices waiting in the outbox to be delivered (pending or being sent), by channel (refreshed every 30 s)',
    labelNames: ['channel'] as const,
    registers: [registry],
  });
  const dead = new Gauge({
    name: 'pdw_outbox_dead_letters',
    help: 'Deliveries that failed every attempt the policy allows (dead letters), by channel (refreshed every 30 s)',
    labelNames: ['channel'] as const,
    registers: [registry],
  });
  return {
    registry,
    answered: (method, route, status, seconds) => http.observe({ method, route, status_code: String(status) }, seconds),
    decided: (kind, decision) => decisions.inc({ kind, decision }),
    async refresh() {
      const [rows, outbox] = await Promise.all([openTaskCountsByDivision(db, new Date()), outboxCounts(db)]);
      // Both channels always, so an empty outbox reads 0 rather than no series.
      for (const channel of ['email', 'webhook']) {
        const r = outbox.find((o) => o.channel === channel);
        backlog.set({ channel }, r?.backlog ?? 0);
        dead.set({ channel }, r?.dead ?? 0);
      }
      // Reset first: a kind whose tasks all closed shows no series rather than its last count.
      open.reset();
      overdue.reset();
      for (const r of rows) {
        open.set({ kind: r.kind, division: r.division }, r.open);
        overdue.set({ kind: r.kind, division: r.division }, r.overdue);
      }
    },
  };
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * GET /metrics for Prometheus, behind its own bearer token (METRICS_TOKEN), not a person's: figures of the whole
 * city are no one user's to read. Without a token no route exists (404), as the development sign-in. Latency is
 * timed for every route, labelled by its pattern (never the URL with its ids); the task gauges refresh on an
 * unref'd timer that stops with the app.
 */
export function serveMetrics(app: App, metrics: ApiMetrics, token: string, refreshMs = TASK_GAUGE_REFRESH_MS): void {
  // The process's own (CPU, memory, event loop, GC): only where served, so an app built without a token observes nothing.
  collectDefaultMetrics({ register: metrics.registry });
  app.addHook('onResponse', async (request, reply) => {
    metrics.answered(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });
  let timer: NodeJS.Timeout | undefined;
  const refresh = () => metrics.refresh().catch((err: unknown) => app.log.warn({ err }, 'task gauges not refreshed'));
  app.addHook('onReady', async () => {
    void refresh();
    timer = setInterval(refresh, refreshMs).unref();
  });
  app.addHook('onClose', async () => clearInterval(timer));
  const expected = digest(`Bearer ${token}`);
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['ops'],
        summary: "Prometheus metrics: request latency, decisions, open and overdue tasks, the process's own (METRICS_TOKEN as bearer)",
        security: [{ metricsToken: [] }],
      },
    },
    async (request, reply) => {
      // Compared as digests: equal lengths, in constant time.
      if (!timingSafeEqual(digest(request.headers.authorization ?? ''), expected))
        throw problem('Unauthorized', 'GET /metrics needs the metrics token as bearer');
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    },
  );
}
