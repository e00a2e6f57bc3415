// The worker's part of the traces (issue 26 §5; telemetry/tracing.ts): Temporal's OpenTelemetry interceptors.
// - Workflows: the interceptor module is in every workflow bundle (bundleWorkflows), whether or not the process
//   traces, so that one bundle serves both and replay checks it (test/replay.test.ts). It adds a header to the
//   commands it schedules, never a command; its spans leave the workflow through the `exporter` sink, which is the
//   process's span processor when tracing and drops them otherwise.
// - Activities: their spans (the workflow's context from the activity's header) hold the activity's queries; added
//   only when tracing, so that a worker without an endpoint loads no SDK.
import { trace } from '@opentelemetry/api';
import { bundleWorkflowCode, type InjectedSinks, type WorkerOptions } from '@temporalio/worker';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry/lib/workflow/definitions';
import type { Tracing } from '../telemetry/tracing';

/** The tracing workflow interceptors (worker/workflow-interceptors.ts), bundled with the workflows. */
export const WORKFLOW_INTERCEPTOR_MODULES = [require.resolve('./workflow-interceptors')];

type BundleLogger = Parameters<typeof bundleWorkflowCode>[0]['logger'];

/** The one way a workflow bundle is made (the worker at start, the tests, the benchmarks, the cluster): workflows/ with the interceptors. */
export function bundleWorkflows(logger?: BundleLogger, workflowsPath = require.resolve('../workflows')) {
  return bundleWorkflowCode({ workflowsPath, workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES, ...(logger ? { logger } : {}) });
}

/** Of a workflow's info, what its spans carry: ids and names of the engine's, never its input, memo or search attributes. */
const SPAN_INFO = ['workflowId', 'runId', 'workflowType', 'taskQueue', 'namespace'] as const;

/** The worker's interceptors and sinks for `tracing` (none but a sink that drops workflow spans when it is off). */
export function workerTracingOptions(tracing: Tracing | undefined): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  if (!tracing?.enabled) {
    const sinks: InjectedSinks<OpenTelemetrySinks> = { exporter: { export: { fn: () => undefined } } };
    return { sinks };
  }
  const otel = require('@temporalio/interceptors-opentelemetry') as typeof import('@temporalio/interceptors-opentelemetry');
  const exporter = otel.makeWorkflowExporter(tracing.spanProcessor!, tracing.resource!);
  const sinks: InjectedSinks<OpenTelemetrySinks> = {
    exporter: {
      export: {
        ...exporter.export,
        fn: (info, spans) => exporter.export.fn(Object.fromEntries(SPAN_INFO.map((k) => [k, info[k]])) as unknown as typeof info, spans),
      },
    },
  };
  return {
    sinks,
    interceptors: {
      activity: [
        (ctx) => {
          // The outbox's delivery (activities/notifications.ts) runs a pass a second for a minute: its queries stay out
          // of traces, as they were when the deliverer ran beside the worker, rather than make one trace of thousands.
          if (ctx.info.activityType === 'deliverNotices') return {};
          const inbound = new otel.OpenTelemetryActivityInboundInterceptor(ctx);
          const outbound = new otel.OpenTelemetryActivityOutboundInterceptor(ctx);
          // The SDK writes its "Activity completed" line outside the activity's span: its ids are kept for it.
          let ids: Record<string, string> = {};
          return {
            inbound: {
              execute: (input, next) =>
                inbound.execute(input, (i) => {
                  const span = trace.getActiveSpan()?.spanContext();
                  if (span) ids = { trace_id: span.traceId, span_id: span.spanId };
                  return next(i);
                }),
            },
            outbound: { getLogAttributes: (input, next) => outbound.getLogAttributes({ ...ids, ...input }, next) },
          };
        },
      ],
    },
  };
}
