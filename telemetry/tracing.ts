// Traces (issue 26 §5): API → workflow → activity → PostgreSQL, OpenTelemetry exported by OTLP/HTTP when
// OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set. When neither is, startTracing loads no
// SDK, registers nothing and costs nothing: the API adds no hook, the worker no activity interceptor, pg stays
// unpatched. The OpenTelemetry SDK's own variables (OTEL_EXPORTER_OTLP_HEADERS, OTEL_BSP_*, OTEL_TRACES_SAMPLER…)
// are read by the SDK itself.
//
// Call it before anything requires `pg` (the entry points do, then load the rest): the pg instrumentation
// patches the module as it loads, and a pg loaded earlier is never traced.
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Resource } from '@opentelemetry/resources';

export interface Tracing {
  /** False: no SDK was loaded; the rest of this object is absent. */
  enabled: boolean;
  /** What the worker's workflow span sink hands workflow spans to (with the process's resource). */
  spanProcessor?: SpanProcessor;
  resource?: Resource;
  /** Flushes what is buffered and stops exporting (at process end). */
  shutdown(): Promise<void>;
}

/** The endpoint traces go to, or null: nothing is traced. */
export function tracesEndpoint(env: NodeJS.ProcessEnv = process.env): string | null {
  return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT || null;
}

const OFF: Tracing = { enabled: false, shutdown: async () => undefined };
let started: Tracing | null = null;

/** The process's tracing, started once (a second call returns the first's); `service` unless OTEL_SERVICE_NAME names it. */
export function startTracing(service: string, env: NodeJS.ProcessEnv = process.env): Tracing {
  if (started) return started;
  if (!tracesEndpoint(env)) return (started = OFF);
  // Loaded only here: a process without an endpoint never loads the SDK.
  const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const { Resource } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const { registerInstrumentations } = require('@opentelemetry/instrumentation') as typeof import('@opentelemetry/instrumentation');
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  const { version } = require('../package.json') as { version: string };

  const resource = new Resource({ 'service.name': env.OTEL_SERVICE_NAME || service, 'service.version': version });
  // The exporter reads its endpoint, headers and timeout from the standard variables.
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // W3C trace context, and an AsyncLocalStorage context manager.
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    // Queries inside a trace only (no trace per pool check or gauge refresh); statements with their placeholders,
    // never the values bound to them.
    instrumentations: [new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false })],
  });
  started = { enabled: true, spanProcessor, resource, shutdown: () => provider.shutdown() };
  return started;
}

/** Whether this process traces (startTracing found an endpoint). */
export function tracingEnabled(): boolean {
  return started?.enabled ?? false;
}

/** The Temporal client's interceptors: with tracing, its calls (start, Update, signal) carry the active trace into the workflow. */
export function temporalClientInterceptors(): { workflow?: import('@temporalio/client').WorkflowClientInterceptor[] } {
  if (!tracingEnabled()) return {};
  const { OpenTelemetryWorkflowClientInterceptor } =
    require('@temporalio/interceptors-opentelemetry/lib/client') as typeof import('@temporalio/interceptors-opentelemetry/lib/client');
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor()] };
}
