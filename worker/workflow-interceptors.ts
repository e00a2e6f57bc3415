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
// First: it gives the sandbox the `performance` the OpenTelemetry packages read as they load.
import '@temporalio/interceptors-opentelemetry/lib/workflow/runtime';
import * as otel from '@opentelemetry/api';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ContextManager } from '@temporalio/interceptors-opentelemetry/lib/workflow/context-manager';
import { SpanExporter } from '@temporalio/interceptors-opentelemetry/lib/workflow/span-exporter';
import { extractContextFromHeaders, headersWithContext } from '@temporalio/interceptors-opentelemetry/lib/instrumentation';
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

class Inbound implements WorkflowInboundCallsInterceptor {
  execute(input: Parameters<NonNullable<WorkflowInboundCallsInterceptor['execute']>>[0], next: Next<WorkflowInboundCallsInterceptor, 'execute'>) {
    return traced(`RunWorkflow:${workflowInfo().workflowType}`, extractContextFromHeaders(input.headers), () => next(input), continuing);
  }
  handleSignal(
    input: Parameters<NonNullable<WorkflowInboundCallsInterceptor['handleSignal']>>[0],
    next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>,
  ) {
    return traced(`HandleSignal:${input.signalName}`, extractContextFromHeaders(input.headers), () => next(input));
  }
  handleUpdate(
    input: Parameters<NonNullable<WorkflowInboundCallsInterceptor['handleUpdate']>>[0],
    next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>,
  ) {
    return traced(`HandleUpdate:${input.name}`, extractContextFromHeaders(input.headers), () => next(input));
  }
}

class Outbound implements WorkflowOutboundCallsInterceptor {
  scheduleActivity(
    input: Parameters<NonNullable<WorkflowOutboundCallsInterceptor['scheduleActivity']>>[0],
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>,
  ) {
    return traced(`StartActivity:${input.activityType}`, undefined, () => next({ ...input, headers: headersWithContext(input.headers) }));
  }
  scheduleLocalActivity(
    input: Parameters<NonNullable<WorkflowOutboundCallsInterceptor['scheduleLocalActivity']>>[0],
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>,
  ) {
    return traced(`StartActivity:${input.activityType}`, undefined, () => next({ ...input, headers: headersWithContext(input.headers) }));
  }
  startChildWorkflowExecution(
    input: Parameters<NonNullable<WorkflowOutboundCallsInterceptor['startChildWorkflowExecution']>>[0],
    next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>,
  ) {
    return traced(`StartChildWorkflow:${input.workflowType}`, undefined, () => next({ ...input, headers: headersWithContext(input.headers) }));
  }
  signalWorkflow(
    input: Parameters<NonNullable<WorkflowOutboundCallsInterceptor['signalWorkflow']>>[0],
    next: Next<WorkflowOutboundCallsInterceptor, 'signalWorkflow'>,
  ) {
    return traced(`SignalWorkflow:${input.signalName}`, undefined, () => next({ ...input, headers: headersWithContext(input.headers) }));
  }
  continueAsNew(
    input: Parameters<NonNullable<WorkflowOutboundCallsInterceptor['continueAsNew']>>[0],
    next: Next<WorkflowOutboundCallsInterceptor, 'continueAsNew'>,
  ) {
    return traced(`ContinueAsNew:${input.options.workflowType}`, undefined, () => next({ ...input, headers: headersWithContext(input.headers) }), continuing);
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
  // Registered first: extracting a caller's context needs the propagator the provider registers.
  getTracer();
  return {
    inbound: [new Inbound()],
    outbound: [new Outbound()],
    internals: [new Internals()],
  };
};
