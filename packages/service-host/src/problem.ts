import { AppError, type ErrorCode, type Violation } from '@eventide/core';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The one place errors become HTTP (STYLE.md rule 7): an RFC 9457 problem+json body. A 500 is a
 * bug, logged with its stack; its body says nothing about internals.
 */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance?: string;
  readonly violations?: readonly Violation[];
}

const statusOf: Readonly<Record<ErrorCode, number>> = {
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  unavailable: 503,
  timeout: 503,
};

const titleOf: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

type AjvError = NonNullable<FastifyError['validation']>[number];

/**
 * A choice between words (TypeBox's union of literals: `anyOf` of `const`s) fails in Ajv as one
 * `const` error per word and an `anyOf` error after them, at the same field: here one error that
 * names the words, `must be one of Rentable, NotRentable`.
 */
function withChoicesNamed(errors: readonly AjvError[]): AjvError[] {
  const named: AjvError[] = [];
  for (const error of errors) {
    let first = named.length;
    while (first > 0 && named[first - 1]!.keyword === 'const' && named[first - 1]!.instancePath === error.instancePath) first -= 1;
    if (error.keyword !== 'anyOf' || first === named.length) {
      named.push(error);
      continue;
    }
    const words = named.splice(first).map((choice) => String(choice.params?.allowedValue));
    named.push({ ...error, keyword: 'enum', message: `must be one of ${words.join(', ')}` });
  }
  return named;
}

/** Fastify's own client errors (bad JSON, wrong content type, body too large) keep their status. */
function fromFastify(error: FastifyError, request?: FastifyRequest): AppError | { status: number; detail: string } | undefined {
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    // Fastify's words do not say which type, nor which would do.
    return { status: 415, detail: `a ${request?.headers['content-type'] ?? 'body of this'} body is not accepted: send application/json or application/x-www-form-urlencoded` };
  }
  if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    // Its parser (secure-json-parse) also refuses valid JSON with a prototype-poisoning key, and does not say which.
    return { status: 400, detail: 'the body is not valid JSON, or holds a __proto__ or constructor.prototype key, which is refused' };
  }
  if (error.validation) {
    const violations = withChoicesNamed(error.validation).map((v) => ({
      field:
        v.instancePath ||
        (typeof v.params?.missingProperty === 'string' ? `/${v.params.missingProperty}` : '') ||
        (typeof v.params?.additionalProperty === 'string' ? `/${v.params.additionalProperty}` : '/'),
      rule: v.keyword === 'additionalProperties' ? 'is not a known field' : (v.message ?? v.keyword),
    }));
    const where = error.validationContext ?? 'request';
    return new AppError('validation', `${where} is invalid: ${violations.map((v) => `${v.field} ${v.rule}`).join(', ')}`, {
      violations,
    });
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return { status: error.statusCode, detail: error.message };
  }
  return undefined;
}

export function toProblem(error: unknown, request?: FastifyRequest): Problem & { retryAfterSeconds?: number } {
  const instance = request?.url;
  const known = error instanceof AppError ? error : fromFastify(error as FastifyError, request);
  if (known instanceof AppError) {
    const status = statusOf[known.code];
    return {
      type: `urn:problem:${known.code}`,
      title: titleOf[status] ?? 'Error',
      status,
      detail: known.message,
      ...(instance ? { instance } : {}),
      ...(known.violations.length > 0 ? { violations: known.violations } : {}),
      ...(known.retryAfterSeconds !== undefined || statusOf[known.code] === 503
        ? { retryAfterSeconds: known.retryAfterSeconds ?? 1 }
        : {}),
    };
  }
  if (known) {
    return { type: 'about:blank', title: titleOf[known.status] ?? 'Error', status: known.status, detail: known.detail };
  }
  return { type: 'about:blank', title: titleOf[500] ?? 'Error', status: 500, detail: 'an unexpected error occurred; it has been logged' };
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  const { retryAfterSeconds, ...problem } = toProblem(error, request);
  if (problem.status >= 500 && problem.status !== 503) request.log.error({ err: error }, 'request failed: this is a bug');
  else request.log.info({ status: problem.status, detail: problem.detail }, 'request refused');
  if (retryAfterSeconds !== undefined) void reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterSeconds))));
  return reply.status(problem.status).type('application/problem+json').send(problem);
}
