// RFC 9457 problem+json for every error the API returns.
import { isGrpcServiceError, ServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_MESSAGES_ZH, ERRORS, RULE_MESSAGES_ZH, type ErrorCode, type RuleViolation } from '../domain/errors';

export interface FieldError {
  field: string;
  rule: string;
  message: string;
  article?: string;
}

export class ProblemError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly errors: FieldError[] = [],
    readonly article?: string,
  ) {
    super(detail);
  }
}

export const problem = (code: ErrorCode, detail?: string, article?: string) => new ProblemError(code, detail ?? ERRORS[code].title, [], article);

/** Rule violations from domain/ checks on the request `part`, as one 400 problem naming each field, rule and article. */
export function invalid(violations: RuleViolation[], part: 'body' | 'querystring' | 'params' | `body.${string}` = 'body'): ProblemError {
  const articles = [...new Set(violations.map((v) => v.article).filter(Boolean))];
  return new ProblemError(
    violations[0].code,
    violations.map((v) => v.detail).join('; '),
    violations.map((v) => ({
      field: v.field ? `${part}.${v.field}` : part,
      rule: v.rule ?? v.code,
      message: v.detail,
      ...(v.article ? { article: v.article } : {}),
    })),
    articles.length === 1 ? articles[0] : undefined,
  );
}

/** A refusal from domain/ as its problem: one naming a field is a 400 on it (invalid), any other its code's. */
export const refusal = (v: RuleViolation): ProblemError => (v.field ? invalid([v]) : problem(v.code, v.detail, v.article));

/** Seconds a client should wait before retrying a 503. */
export const RETRY_AFTER_S = 5;

/**
 * Whether the caller reads Chinese before English (Accept-Language: zh-CN, zh, zh-Hans…, by their q-values):
 * then titles, and details that are a title or a known rule's message, are Chinese. English otherwise.
 */
export function prefersChinese(header: string | string[] | undefined): boolean {
  const ranges = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((part, i) => {
      const [tag, ...params] = part.trim().toLowerCase().split(';');
      const given = params.find((p) => /^\s*q=/.test(p));
      // A q-value that is no number (q=abc) counts as none wanted.
      const q = given === undefined ? 1 : Number(/^\s*q=(\d(?:\.\d{0,3})?)\s*$/.exec(given)?.[1] ?? 0);
      return { primary: tag.split('-')[0], q: Number.isFinite(q) ? q : 0, i };
    })
    .filter((r) => r.q > 0 && (r.primary === 'zh' || r.primary === 'en'))
    .sort((a, b) => b.q - a.q || a.i - b.i);
  return ranges[0]?.primary === 'zh';
}

/** A field's refusal in Chinese where its rule has Chinese words; as it came otherwise. */
const fieldInChinese = (e: FieldError): FieldError => (RULE_MESSAGES_ZH[e.rule] ? { ...e, message: RULE_MESSAGES_ZH[e.rule] } : e);

/** Refusals Fastify itself raises before any route's code runs, by its error code: their problem codes. */
const FRAMEWORK_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_BAD_URL: 'MalformedUrl',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UnsupportedMediaType',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MalformedBody',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MalformedBody',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'MalformedBody',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BodyTooLarge',
};
/** The router's own refusals that carry no Fastify code, by status: a path parameter over maxParamLength is 414. */
const FRAMEWORK_STATUSES: Readonly<Record<number, ErrorCode>> = { 414: 'UrlTooLong' };
/** Their details are the framework's (English) words: in Chinese, the code's own. */
const FRAMEWORK_REFUSALS = new Set<ErrorCode>([
  ...Object.values(FRAMEWORK_CODES),
  ...Object.values(FRAMEWORK_STATUSES),
  'RouteNotFound',
  'MethodNotAllowed',
  'InternalError',
]);

/** The problem+json body of `code`, in Chinese where the caller prefers it. */
function problemJson(request: FastifyRequest, code: ErrorCode, detail: string, extra: { errors?: FieldError[] } & Record<string, unknown> = {}) {
  const { status, title } = ERRORS[code];
  const body = { type: `urn:public-data-workflows:problem:${code}`, code, title: title as string, status, detail, instance: request.url, ...extra };
  if (prefersChinese(request.headers['accept-language'])) {
    body.title = ERROR_MESSAGES_ZH[code];
    const errors = extra.errors?.map(fieldInChinese);
    if (errors) body.errors = errors;
    // A detail that only repeats the title, or lists its fields' refusals, each of a rule known in Chinese.
    if (detail === title || FRAMEWORK_REFUSALS.has(code)) body.detail = ERROR_MESSAGES_ZH[code];
    else if (errors?.length && errors.every((e) => RULE_MESSAGES_ZH[e.rule])) body.detail = errors.map((e) => `${e.field}：${e.message}`).join('；');
  }
  return body;
}

/** A ProblemError's fields beside its code and detail: its field errors, the one field and rule, the article. */
const problemExtra = (p: ProblemError) => ({
  ...(p.errors.length ? { errors: p.errors } : {}),
  ...(p.errors.length === 1 ? { field: p.errors[0].field, rule: p.errors[0].rule } : {}),
  ...(p.article ? { article: p.article } : {}),
});

/** The body `p` would be answered with on its own: what a bulk action reports for one of its items. */
export const problemBody = (request: FastifyRequest, p: ProblemError) => problemJson(request, p.code, p.detail, problemExtra(p));

function send(reply: FastifyReply, request: FastifyRequest, code: ErrorCode, detail: string, extra: { errors?: FieldError[] } & Record<string, unknown> = {}) {
  const { status } = ERRORS[code];
  if (status === 503) reply.header('retry-after', String(RETRY_AFTER_S));
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="public-data-workflows"');
  return reply
    .code(status)
    .type('application/problem+json')
    .send(problemJson(request, code, detail, extra));
}

/** A problem the framework itself raised (bad URL, empty body…): its status, the standard phrase as title. */
function sendPlain(reply: FastifyReply, request: FastifyRequest, status: number, detail: string) {
  return reply
    .code(status)
    .type('application/problem+json')
    .send({ type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, detail, instance: request.url });
}

/** Maps a business failure thrown by a workflow (Update validator or handler) onto our problem codes. */
export function fromTemporal(err: unknown): ProblemError | null {
  if (err instanceof WorkflowNotFoundError) return problem('RequestNotActive', 'The request has already finished');
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type && err.cause.type in ERRORS)
    return problem(err.cause.type as ErrorCode, err.cause.message);
  return null;
}

/** gRPC FAILED_PRECONDITION, UNAVAILABLE: the engine took nothing (a lost or failed workflow task, a worker restarting, the server down). */
const RETRYABLE_GRPC = new Set([9, 14]);

/** Whether the engine refused a call in a state that a retry can cure, having applied nothing. */
export function engineRetryable(err: unknown): boolean {
  const cause = err instanceof ServiceError ? err.cause : err;
  return isGrpcServiceError(cause) && RETRYABLE_GRPC.has(cause.code);
}

/** The database refused a connection or went away (restart, shutdown): a 503 to retry, not a 500. */
function isDatabaseDown(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  if (!e) return false;
  if (typeof e.code === 'string' && (/^(08|57P0|53)/.test(e.code) || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'].includes(e.code)))
    return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(e.message ?? '');
}

export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const p = err instanceof ProblemError ? err : fromTemporal(err);
    if (p) {
      return send(reply, request, p.code, p.detail, problemExtra(p));
    }
    if (err.validation) {
      const articles = request.routeOptions.config?.articles ?? {};
      const errors: FieldError[] = err.validation.map((v) => {
        const missing = (v.params as { missingProperty?: string } | undefined)?.missingProperty;
        const pathField = [v.instancePath.replace(/^\//, '').replace(/\//g, '.'), missing].filter(Boolean).join('.');
        const field = `${err.validationContext ?? 'body'}${pathField ? '.' + pathField : ''}`;
        const article = articles[pathField] ?? articles[pathField.split('.')[0]];
        return { field, rule: v.keyword, message: `${field} ${v.message ?? 'is invalid'}${article ? ` (${article})` : ''}`, ...(article ? { article } : {}) };
      });
      const article = errors.find((e) => e.article)?.article;
      return send(reply, request, 'InvalidInput', errors.map((e) => e.message).join('; '), {
        errors,
        field: errors[0]?.field,
        rule: errors[0]?.rule,
        ...(article ? { article } : {}),
      });
    }
    // gRPC errors carry a numeric code: only Fastify's are strings.
    if (err.statusCode === 401 || (typeof err.code === 'string' && err.code.startsWith('FST_JWT'))) return send(reply, request, 'Unauthorized', err.message);
    const framework = typeof err.code === 'string' && Object.hasOwn(FRAMEWORK_CODES, err.code) ? FRAMEWORK_CODES[err.code] : undefined;
    if (framework) return send(reply, request, framework, err.message);
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return sendPlain(reply, request, err.statusCode, err.message);
    if (engineRetryable(err)) {
      request.log.warn({ err }, 'workflow engine unavailable');
      return send(
        reply,
        request,
        'EngineUnavailable',
        'The workflow engine could not take this action now; nothing was applied. Retry shortly (with the same Idempotency-Key for a POST that starts a request).',
      );
    }
    // A transaction PostgreSQL rolled back to break a deadlock, or a serialization failure: another write of the
    // same request was under way (its audit chain's lock, migration 022). Nothing was applied; a retry goes through.
    if (typeof (err as { code?: unknown }).code === 'string' && ['40P01', '40001'].includes((err as { code: string }).code)) {
      request.log.warn({ err }, 'write rolled back by the database');
      return send(reply, request, 'DatabaseUnavailable', 'Another write of the same request was under way; nothing was changed by this call. Retry shortly.');
    }
    if (isDatabaseDown(err)) {
      request.log.warn({ err }, 'database unavailable');
      return send(reply, request, 'DatabaseUnavailable', 'The database is not reachable at the moment; nothing was changed by this call. Retry shortly.');
    }
    request.log.error({ err }, 'unhandled error');
    return send(reply, request, 'InternalError', `An unexpected error occurred (request ${request.id}); nothing of it was applied half-way`);
  });
  app.setNotFoundHandler((request, reply) => {
    // A route of that path taking other methods: 405 naming them (Allow), rather than no such route.
    const path = request.url.split('?')[0];
    const allowed = ROUTE_METHODS.filter((method) => method !== request.method && app.findRoute({ method, url: path }) !== null);
    if (allowed.length) {
      reply.header('allow', allowed.join(', '));
      return send(reply, request, 'MethodNotAllowed', `${request.method} is not taken by ${path}; it takes ${allowed.join(', ')}`);
    }
    return send(reply, request, 'RouteNotFound', `No route ${request.method} ${path}`);
  });
}

/** The methods the API's routes take (HEAD comes with each GET). */
const ROUTE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** For Fastify's `frameworkErrors`: bad URLs and over-long path parameters answer problem+json too. */
export function frameworkError(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const code = Object.hasOwn(FRAMEWORK_CODES, err.code)
    ? FRAMEWORK_CODES[err.code]
    : err.statusCode !== undefined && Object.hasOwn(FRAMEWORK_STATUSES, err.statusCode)
      ? FRAMEWORK_STATUSES[err.statusCode]
      : undefined;
  return code ? send(reply, request, code, err.message) : sendPlain(reply, request, err.statusCode ?? 400, err.message);
}

/** Node's own HTTP parser errors (header too large, malformed request line) as problem+json on the raw socket. */
export function clientError(err: { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  endWithProblem(socket, status, `The HTTP request could not be read (${err.code ?? 'parse error'})`);
}

/** CONNECT is no method of this API: answer 405 instead of dropping the connection. */
export function refuseConnect(_req: IncomingMessage, socket: Duplex): void {
  endWithProblem(socket, 405, 'CONNECT is not supported', 'Allow: GET, POST\r\n');
}

/** A problem written straight to a socket, where Node's HTTP server has not made a request of it. */
function endWithProblem(socket: Duplex, status: number, detail: string, headers = ''): void {
  const body = JSON.stringify({ type: 'about:blank', title: STATUS_CODES[status], status, detail });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${headers}Content-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** What a person does after an EngineTimeout: a start is retried under its Idempotency-Key; anything else is read again first. */
export const AFTER_TIMEOUT = {
  start: 'read the request again or retry with the same Idempotency-Key',
  action: 'read the request again before acting again (a decision taken closes its task)',
} as const;

/**
 * Waits at most `ms` for a workflow's answer. Temporal keeps the operation, which goes on when a
 * worker gets to it: a retried POST with the same Idempotency-Key, or a fresh read, finds it.
 */
export async function withinDeadline<T>(
  { engineTimeoutMs: ms = 30_000 }: { engineTimeoutMs?: number },
  op: Promise<T>,
  after: keyof typeof AFTER_TIMEOUT = 'start',
): Promise<T> {
  op.catch(() => undefined); // still settles after a timeout; nobody awaits it then
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(problem('EngineTimeout', `No answer from the workflow engine within ${ms} ms; the action may still take effect: ${AFTER_TIMEOUT[after]}`)),
      ms,
    );
  });
  try {
    return await Promise.race([op, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
