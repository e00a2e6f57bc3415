// A span per request (issue 26 §5), when the process traces (telemetry/tracing.ts): named by method and route pattern,
// its attributes the method, the pattern and the status, never the URL with its ids, a query or a person's data. The
// rest of the request runs in its context, so that the Temporal client's calls (its interceptor carries the context
// into the workflow) and the queries (pg's instrumentation) join its trace; its lines in the log carry the trace id.
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { FastifyRequest } from 'fastify';
import { tracingEnabled } from '../telemetry/tracing';
import type { App } from './types';

const spans = new WeakMap<FastifyRequest, Span>();

export function registerTracing(app: App): void {
  if (!tracingEnabled()) return;
  const tracer = trace.getTracer('public-data-workflows-api');
  // Callback style, so that everything after it (the other hooks, the body, the handler) starts inside the span's context.
  app.addHook('onRequest', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    // A caller's W3C traceparent (a proxy's, a client's) is the parent; otherwise the request begins a trace.
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const span = tracer.startSpan(
      `${request.method} ${route}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'http.route': route } },
      parent,
    );
    spans.set(request, span);
    request.log = request.log.child({ traceId: span.spanContext().traceId });
    const active = trace.setSpan(parent, span);
    // The body's events come from the socket, outside any context: bound, their listeners run in the span's.
    context.bind(active, request.raw);
    context.with(active, done);
  });
  app.addHook('onResponse', async (request, reply) => {
    const span = spans.get(request);
    if (!span) return;
    span.setAttribute('http.response.status_code', reply.statusCode);
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
}
