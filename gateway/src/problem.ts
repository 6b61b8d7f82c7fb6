import type { ServerResponse } from 'node:http';
import type { AppError, ErrorCode } from '@eventide/core';
import type { Ids } from './headers.ts';

/**
 * What the gateway answers itself, as RFC 9457 problem+json. The gateway's own failures are
 * HTTP's: 404 no route, 502 the upstream broke the exchange, 503 no ready replica, 504 the
 * upstream did not answer in time; a guard's refusal (issue 5) arrives as an AppError.
 */
export interface GatewayProblem {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  readonly retryAfterSeconds?: number;
  readonly headers?: Readonly<Record<string, string>>;
}

export const noRoute = (url: string): GatewayProblem => ({
  status: 404,
  type: 'about:blank',
  title: 'Not Found',
  detail: `no route for ${url}`,
});

export const badPath = (url: string, why = 'has a . or .. segment'): GatewayProblem => ({
  status: 400,
  type: 'urn:problem:validation',
  title: 'Bad Request',
  detail: `path ${url} ${why}`,
});

export const noReadyReplica = (service: string, retryAfterSeconds: number): GatewayProblem => ({
  status: 503,
  type: 'urn:problem:unavailable',
  title: 'Service Unavailable',
  detail: `no ready replica of ${service}`,
  retryAfterSeconds,
});

export const upstreamTimeout = (service: string, timeoutMs: number): GatewayProblem => ({
  status: 504,
  type: 'urn:problem:timeout',
  title: 'Gateway Timeout',
  detail: `${service} did not answer within ${timeoutMs} ms`,
});

export const bodyTooLarge = (limit: number): GatewayProblem => ({
  status: 413,
  type: 'urn:problem:payload_too_large',
  title: 'Content Too Large',
  detail: `the request body is larger than ${limit} bytes`,
});

export const upstreamBroke = (service: string, reason: string): GatewayProblem => ({
  status: 502,
  type: 'urn:problem:bad_gateway',
  title: 'Bad Gateway',
  detail: `${service} closed the exchange before answering (${reason}); it may have been processed, so it was not resent`,
});

const statusOf: Partial<Record<ErrorCode, number>> = { unauthorized: 401, forbidden: 403, rate_limited: 429, unavailable: 503 };

/** A guard's refusal; only unauthorized, forbidden, rate_limited and unavailable (what it depends on is down) are refusals a guard may give. */
export function refused(error: AppError, headers?: Readonly<Record<string, string>>): GatewayProblem {
  const status = statusOf[error.code];
  if (status === undefined) throw new TypeError(`a guard refused with code ${error.code}; use unauthorized, forbidden, rate_limited or unavailable`);
  const titles: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 429: 'Too Many Requests', 503: 'Service Unavailable' };
  return {
    status,
    type: `urn:problem:${error.code}`,
    title: titles[status] ?? 'Error',
    detail: error.message,
    ...(error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {}),
    ...(headers !== undefined ? { headers } : {}),
  };
}

export function sendProblem(response: ServerResponse, problem: GatewayProblem, ids: Ids | undefined): void {
  const { status, type, title, detail, retryAfterSeconds, headers } = problem;
  const body = JSON.stringify({ type, title, status, detail });
  response.writeHead(status, {
    ...headers,
    'content-type': 'application/problem+json',
    'content-length': Buffer.byteLength(body),
    ...(retryAfterSeconds !== undefined ? { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) } : {}),
    ...(ids !== undefined ? { 'x-request-id': ids.requestId, 'x-correlation-id': ids.correlationId } : {}),
  });
  response.end(body);
}
