// The API's log lines: JSON (pino), one request's lines sharing its id (reqId) and, once a route knows the case,
// its case number and workflow id. No personal data: bodies are never logged, headers only by name of what is safe.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import type { App, LoggerSettings } from './types';

export const REQUEST_ID_HEADER = 'x-request-id';

/** A caller's id is kept when it is a short token (a proxy's or a client's correlation id); anything else is replaced. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * What pino might be handed that could hold a person's data: credentials, and the details PostgreSQL and the SDK
 * attach to errors (a unique violation's detail names the values). Bodies never reach a log line at all.
 */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'err.detail',
  'err.parameters',
  'err.cause.detail',
  'err.cause.parameters',
];

export function loggerOptions(settings: LoggerSettings) {
  return {
    ...settings,
    redact: { paths: REDACT, censor: '[redacted]' },
    serializers: {
      // The method and path with its query (ids and filters, never a person's data); not the caller's address.
      req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url }),
      res: (reply: { statusCode: number }) => ({ statusCode: reply.statusCode }),
    },
  };
}

/**
 * Fastify's own request lines, the last one written through request.log (not reply.log, made when the request came
 * in) so that it carries what a route bound (logCase).
 */
class CaseLogController extends LogController {
  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    // The reply as it is, but for its logger.
    super.requestCompleted(error, request, Object.assign(Object.create(reply) as FastifyReply, { log: request.log }));
  }
}

export const logController = new CaseLogController();

/** The request id goes back to the caller, who can quote it (and a proxy join its own lines to ours). */
export function registerRequestId(app: App): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
}

/** From here on, every line of this request names its case (case number and workflow id). */
export function logCase(request: FastifyRequest, row: { case_number: string | null; workflow_id: string }): void {
  request.log = request.log.child({ ...(row.case_number ? { caseNumber: row.case_number } : {}), workflowId: row.workflow_id });
}
