// The worker's log lines: JSON, in the API's (pino's) shape, from the SDK's Runtime logger. Workflow and activity lines
// carry the SDK's own attributes (workflowId, workflowType; an activity's activityType and attempt); the native
// core's lines are forwarded to the same logger. Messages and ids only: workflows and activities log no inputs.
import { DefaultLogger, makeTelemetryFilterString, type LogEntry, type LogLevel, type RuntimeOptions } from '@temporalio/worker';

/** pino's numbers, so that one reader takes both the API's lines and the worker's. */
const PINO_LEVELS: Record<LogLevel, number> = { TRACE: 10, DEBUG: 20, INFO: 30, WARN: 40, ERROR: 50 };

/** LOG_LEVEL (a pino level) as the SDK's; `silent` writes nothing. */
function sdkLevel(level: string): LogLevel | null {
  if (level === 'silent') return null;
  const upper = level === 'fatal' ? 'ERROR' : level.toUpperCase();
  return upper in PINO_LEVELS ? (upper as LogLevel) : 'INFO';
}

/** An error as its name, message and stack: an Error's own JSON is `{}`; what else it holds is not written. */
function plain(value: unknown): unknown {
  return value instanceof Error ? { type: value.name, message: value.message, stack: value.stack } : value;
}

/** The tracing interceptors' fields (worker/tracing.ts) under the API's names, so that one query finds a trace's lines in both. */
const TRACE_FIELDS: Record<string, string> = { trace_id: 'traceId', span_id: 'spanId' };

/** `traced`: the process exports its traces (telemetry/tracing.ts); otherwise a workflow's span ids lead nowhere and are left out. */
export function jsonLine(entry: LogEntry, traced = false): string {
  // The task token is an opaque credential of the activity's completion, of no use in a log.
  const fields = Object.fromEntries(
    Object.entries(entry.meta ?? {})
      .filter(([k]) => k !== 'taskToken' && k !== 'trace_flags' && (traced || !(k in TRACE_FIELDS)))
      .map(([k, v]) => [TRACE_FIELDS[k] ?? k, plain(v)]),
  );
  return JSON.stringify({ level: PINO_LEVELS[entry.level], time: Number(entry.timestampNanos / 1_000_000n), ...fields, msg: entry.message });
}

/** Runtime.install's logger and log forwarding at `level` (LOG_LEVEL), each line written by `write` (default stdout); `traced` as jsonLine's. */
export function workerLogging(
  level: string,
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  traced = false,
): Pick<RuntimeOptions, 'logger'> & {
  logging: NonNullable<NonNullable<RuntimeOptions['telemetryOptions']>['logging']>;
} {
  const sdk = sdkLevel(level);
  return {
    logger: new DefaultLogger(sdk ?? 'ERROR', sdk ? (entry) => write(jsonLine(entry, traced)) : () => {}),
    // The core's own chatter below warnings (polls, connections) stays out whatever the level.
    logging: { filter: makeTelemetryFilterString({ core: sdk === 'WARN' || sdk === 'ERROR' ? sdk : sdk ? 'WARN' : 'ERROR' }), forward: {} },
  };
}
