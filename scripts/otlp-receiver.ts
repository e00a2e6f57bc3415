// An OTLP/HTTP trace receiver for a test or a benchmark: POST /v1/traces with JSON (the exporter's encoding,
// telemetry/tracing.ts), each span kept in memory as a flat row. Run alone (`node scripts/run.js
// scripts/otlp-receiver.ts [port]`) it prints its endpoint and counts what it receives, for `npm run bench` with
// OTEL_EXPORTER_OTLP_ENDPOINT set to it. For a real backend see docker-compose.yml's Jaeger.
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  service: string;
  attributes: Record<string, unknown>;
}

export interface OtlpReceiver {
  /** What to set OTEL_EXPORTER_OTLP_ENDPOINT to. */
  endpoint: string;
  spans: ReceivedSpan[];
  /** Export requests received (any path, any encoding), including ones not understood. */
  requests: number;
  /** Spans received in all (`spans` may be emptied by its reader). */
  received: number;
  close(): Promise<void>;
}

/** OTLP/JSON ids are hex; base64 (protobuf's JSON mapping) is turned into hex. */
const hex = (id: unknown) =>
  typeof id !== 'string' || id === '' ? '' : /^[0-9a-f]+$/i.test(id) ? id.toLowerCase() : Buffer.from(id, 'base64').toString('hex');

type AnyValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number; [k: string]: unknown };
const value = (v: AnyValue | undefined): unknown =>
  v?.stringValue ?? (v?.intValue !== undefined ? Number(v.intValue) : undefined) ?? v?.boolValue ?? v?.doubleValue ?? v;
const attributes = (list: { key: string; value?: AnyValue }[] | undefined) => Object.fromEntries((list ?? []).map((a) => [a.key, value(a.value)]));

export function startOtlpReceiver(port = 0, host = '127.0.0.1'): Promise<OtlpReceiver> {
  const receiver: Omit<OtlpReceiver, 'endpoint' | 'close'> = { spans: [], requests: 0, received: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      receiver.requests++;
      if (req.method !== 'POST' || req.url !== '/v1/traces' || !String(req.headers['content-type']).startsWith('application/json')) {
        res.writeHead(415).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans?: {
          resource?: { attributes?: { key: string; value?: AnyValue }[] };
          scopeSpans?: {
            spans?: { traceId: string; spanId: string; parentSpanId?: string; name: string; attributes?: { key: string; value?: AnyValue }[] }[];
          }[];
        }[];
      };
      for (const rs of body.resourceSpans ?? []) {
        const service = String(attributes(rs.resource?.attributes)['service.name'] ?? '');
        for (const ss of rs.scopeSpans ?? [])
          for (const s of ss.spans ?? []) {
            receiver.received++;
            receiver.spans.push({
              traceId: hex(s.traceId),
              spanId: hex(s.spanId),
              parentSpanId: hex(s.parentSpanId),
              name: s.name,
              service,
              attributes: attributes(s.attributes),
            });
          }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: bound } = server.address() as AddressInfo;
      resolve(
        Object.assign(receiver, {
          endpoint: `http://${host}:${bound}`,
          close: () => new Promise<void>((r) => server.close(() => r())),
        }),
      );
    });
  });
}

// Run as the entry point (scripts/run.js hands it argv[1]).
if (process.argv[1] && path.resolve(process.argv[1]) === __filename) {
  void startOtlpReceiver(Number(process.argv[2] ?? 4318)).then((r) => {
    console.log(`OTLP/HTTP receiver at ${r.endpoint} (OTEL_EXPORTER_OTLP_ENDPOINT=${r.endpoint})`);
    setInterval(() => console.log(`${r.received} spans in ${r.requests} exports`), 10_000).unref();
    // Counting only: what a long run receives is not kept.
    setInterval(() => r.spans.splice(0), 1_000).unref();
    process.on('SIGTERM', () => void r.close().then(() => process.exit(0)));
  });
}
