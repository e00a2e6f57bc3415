// The workflow side of the traces (worker/tracing.ts): runs inside the workflow sandbox, bundled with every workflow.
// Built from @temporalio/interceptors-opentelemetry's parts (its in-sandbox context manager, its span exporter that
// leaves through the `exporter` sink, its header helpers), but not its interceptors: those await around every
// activity and handler, which moves the workflow's continuations by a few microtasks and with them the order of
// commands a concurrent branch issues (an r2 history of the open application replays with a timer's
// markTaskOverdue before computeDeadlines under them). Here every intercepted call returns the very promise the
// SDK made, the span ending beside it: the workflow sees no extra tick, so no command moves, old history or new.
// Spans: RunWorkflow, HandleSignal, HandleUpdate (each under the caller's trace from its header) and StartActivity,
// StartChildWorkflow, SignalWorkflow, ContinueAsNew, whose header carries the trace on. Workflow code here uses
// no randomness; the span ids take the sandbox's seeded Math.random, as the SDK's own interceptors do.
// A workflow makes spans only under a trace: the caller's (its header) or the span it runs in. A run no traced caller
// reached (the API not tracing, a schedule's start) makes none, and loads no tracing SDK: each run evaluates the
// bundle's modules afresh, so the SDK's modules are required only once a trace arrives (issue 27 §4: about a tenth of
// a workflow activation's time went to spans nobody exported).
// First: it gives the sandbox the `performance` the OpenTelemetry packages read as they load.
import '@temporalio/interceptors-opentelemetry/lib/workflow/runtime';
import * as otel from '@opentelemetry/api';
import type { ContextManager } from '@temporalio/interceptors-opentelemetry/lib/workflow/context-manager';
import { extractContextFromHeaders, headersWithContext, TRACE_HEADER } from '@temporalio/interceptors-opentelemetry/lib/instrumentation';
import {
  ContinueAsNew,
  workflowInfo,
  type Next,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptorsFactory,
  type WorkflowInternalsInterceptor,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';

let tracer: otel.Tracer | undefined;
let contextManager: ContextManager | undefined;

function getTracer(): otel.Tracer {
  if (!tracer) {
    const { BasicTracerProvider, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
    const { ContextManager } =
      require('@temporalio/interceptors-opentelemetry/lib/workflow/context-manager') as typeof import('@temporalio/interceptors-opentelemetry/lib/workflow/context-manager');
    const { SpanExporter } =
      require('@temporalio/interceptors-opentelemetry/lib/workflow/span-exporter') as typeof import('@temporalio/interceptors-opentelemetry/lib/workflow/span-exporter');
    contextManager = new ContextManager();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new SpanExporter())] });
    provider.register({ contextManager });
    tracer = provider.getTracer('public-data-workflows-workflow');
  }
  return tracer;
}

/**
 * `fn` run in a new span's context (under `parent`, or the active context); its promise is returned as it is, the
 * span ended by a reaction of its own (which also takes a rejection the workflow handles itself).
 */
function traced<T>(name: string, parent: otel.Context | undefined, fn: () => Promise<T>, benign?: (err: unknown) => boolean): Promise<T> {
  const context = parent ?? otel.context.active();
  // No trace to join: no span (fn's own promise all the same).
  if (!otel.trace.getSpan(context)) return fn();
  const span = getTracer().startSpan(name, undefined, context);
  const promise = otel.context.with(otel.trace.setSpan(context, span), fn);
  promise.then(
    () => {
      span.setStatus({ code: otel.SpanStatusCode.OK });
      span.end();
    },
    (err: unknown) => {
      if (benign?.(err)) span.setStatus({ code: otel.SpanStatusCode.OK });
      else span.setStatus({ code: otel.SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      span.end();
    },
  );
  return promise;
}

const continuing = (err: unknown) => err instanceof ContinueAsNew;

/** The caller's trace from a call's headers; the provider registered first (its propagator reads them), only when one came. */
function callerContext(headers: Record<string, unknown>): otel.Context | undefined {
  if (headers[TRACE_HEADER] === undefined) return undefined;
  getTracer();
  return extractContextFromHeaders(headers as Parameters<typeof extractContextFromHeaders>[0]);
}

class Inbound implements WorkflowInboundCallsInterceptor {
  execute(input: Parameters<NonNullable<WorkflowInboundCallsInterceptor['execute']>>[0], next: Next<WorkflowInboundCallsInterceptor, 'execute'>) {
    return traced(`RunWorkflow:${workflowInfo().workflowType}`, callerContext(input.headers), () => next(input), continuing);
  }
  handleSignal(
    input: Parameters<NonNullable<WorkflowInboundCallsInterceptor['handleSignal']>>[0],
    next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>,
  ) {
    return traced(`HandleSignal:${input.signalName}`, callerContext(input.headers), () => next(input));
  }
  handleUpdate(
    input: Parameters<NonNullable<WorkflowInboundCallsInterceptor['handleUpdate']>>[0],
    next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>,
  ) {
    return traced(`HandleUpdate:${input.name}`, callerContext(input.headers), () => next(input));
  }
}

/** A call out of the workflow: under a trace, in a span of its own whose context its header carries on; otherwise as made. */
function outbound<I extends { headers: Parameters<typeof headersWithContext>[0] }, T>(
  name: string,
  input: I,
  next: (input: I) => Promise<T>,
  benign?: (err: unknown) => boolean,
): Promise<T> {
  if (!otel.trace.getSpan(otel.context.active())) return next(input);
  return traced(name, undefined, () => next({ ...input, headers: headersWithContext(input.headers) }), benign);
}

class Outbound implements WorkflowOutboundCallsInterceptor {
  scheduleActivity(
    input: Parameters<NonNullable<WorkflowOutboundCallsInterceptor['scheduleActivity']>>[0],
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>,
  ) {
    return outbound(`StartActivity:${input.activityType}`, input, next);
  }
  scheduleLocalActivity(
    input: Parameters<NonNullable<WorkflowOutboundCallsInterceptor['scheduleLocalActivity']>>[0],
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>,
  ) {
    return outbound(`StartActivity:${input.activityType}`, input, next);
  }
  startChildWorkflowExecution(
    input: Parameters<NonNullable<WorkflowOutboundCallsInterceptor['startChildWorkflowExecution']>>[0],
    next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>,
  ) {
    return outbound(`StartChildWorkflow:${input.workflowType}`, input, next);
  }
  signalWorkflow(
    input: Parameters<NonNullable<WorkflowOutboundCallsInterceptor['signalWorkflow']>>[0],
    next: Next<WorkflowOutboundCallsInterceptor, 'signalWorkflow'>,
  ) {
    return outbound(`SignalWorkflow:${input.signalName}`, input, next);
  }
  continueAsNew(
    input: Parameters<NonNullable<WorkflowOutboundCallsInterceptor['continueAsNew']>>[0],
    next: Next<WorkflowOutboundCallsInterceptor, 'continueAsNew'>,
  ) {
    return outbound(`ContinueAsNew:${input.options.workflowType}`, input, next, continuing);
  }
  /** The workflow's log lines carry the trace they are written in (worker/logging.ts names them traceId, spanId). */
  getLogAttributes(
    input: Parameters<NonNullable<WorkflowOutboundCallsInterceptor['getLogAttributes']>>[0],
    next: Next<WorkflowOutboundCallsInterceptor, 'getLogAttributes'>,
  ) {
    const context = otel.trace.getSpan(otel.context.active())?.spanContext();
    return next(context && otel.isSpanContextValid(context) ? { trace_id: context.traceId, span_id: context.spanId, ...input } : input);
  }
}

class Internals implements WorkflowInternalsInterceptor {
  dispose(input: Parameters<NonNullable<WorkflowInternalsInterceptor['dispose']>>[0], next: Next<WorkflowInternalsInterceptor, 'dispose'>) {
    contextManager?.disable();
    return next(input);
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => {
  return {
    inbound: [new Inbound()],
    outbound: [new Outbound()],
    internals: [new Internals()],
  };
};
