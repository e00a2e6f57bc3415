// RFC 9457 problem+json for every error the API returns.
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, type ErrorCode, type RuleViolation } from '../domain/errors';

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
export function invalid(violations: RuleViolation[], part: 'body' | 'querystring' = 'body'): ProblemError {
  const articles = [...new Set(violations.map((v) => v.article).filter(Boolean))];
  return new ProblemError(
    violations[0].code,
    violations.map((v) => v.detail).join('; '),
    violations.map((v) => ({ field: v.field ? `${part}.${v.field}` : part, rule: v.rule ?? v.code, message: v.detail, ...(v.article ? { article: v.article } : {}) })),
    articles.length === 1 ? articles[0] : undefined,
  );
}

function send(reply: FastifyReply, request: FastifyRequest, code: ErrorCode, detail: string, extra: Record<string, unknown> = {}) {
  const { status, title } = ERRORS[code];
  return reply
    .code(status)
    .type('application/problem+json')
    .send({ type: `urn:public-data-workflows:problem:${code}`, title, status, detail, instance: request.url, ...extra });
}

/** Maps a business failure thrown by a workflow (Update validator or handler) onto our problem codes. */
export function fromTemporal(err: unknown): ProblemError | null {
  if (err instanceof WorkflowNotFoundError) return problem('RequestNotActive', 'The request has already finished');
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type && err.cause.type in ERRORS)
    return problem(err.cause.type as ErrorCode, err.cause.message);
  return null;
}

export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const p = err instanceof ProblemError ? err : fromTemporal(err);
    if (p) {
      return send(reply, request, p.code, p.detail, {
        ...(p.errors.length ? { errors: p.errors } : {}),
        ...(p.errors.length === 1 ? { field: p.errors[0].field, rule: p.errors[0].rule } : {}),
        ...(p.article ? { article: p.article } : {}),
      });
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
    if (err.statusCode === 401 || err.code?.startsWith('FST_JWT')) return send(reply, request, 'Unauthorized', err.message);
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply
        .code(err.statusCode)
        .type('application/problem+json')
        .send({ type: 'about:blank', title: err.name, status: err.statusCode, detail: err.message, instance: request.url });
    }
    request.log.error({ err }, 'unhandled error');
    return reply
      .code(500)
      .type('application/problem+json')
      .send({ type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'An unexpected error occurred', instance: request.url });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).type('application/problem+json').send({ type: 'about:blank', title: 'Not Found', status: 404, detail: `No route ${request.method} ${request.url}`, instance: request.url }),
  );
}

/**
 * Waits at most `ms` for a workflow's answer. Temporal keeps the operation, which goes on when a
 * worker gets to it: a retried POST with the same Idempotency-Key, or a fresh read, finds it.
 */
export async function withinDeadline<T>({ engineTimeoutMs: ms = 30_000 }: { engineTimeoutMs?: number }, op: Promise<T>): Promise<T> {
  op.catch(() => undefined); // still settles after a timeout; nobody awaits it then
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(problem('EngineTimeout', `No answer from the workflow engine within ${ms} ms; the action may still take effect: read the request again or retry with the same Idempotency-Key`)),
      ms,
    );
  });
  try {
    return await Promise.race([op, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
