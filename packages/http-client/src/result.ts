import { AppError, type ErrorCode, type Violation } from '@eventide/core';

export type ResponseHeaders = Readonly<Record<string, string | string[] | undefined>>;

export interface HttpOk<T> {
  readonly ok: true;
  /** Below 400; redirects are not followed, so a 3xx comes back as it was answered. */
  readonly status: number;
  readonly headers: ResponseHeaders;
  /** Parsed JSON, the text of any other content type, undefined when empty. Not validated. */
  readonly body: T;
}

/**
 * The target gave no usable answer: down, refused, reset, a 5xx (`unavailable`), too slow
 * (`timeout`), short-circuited (`circuit-open`), or this client is at its concurrency limit
 * (`bulkhead-full`). Always says when to try again, so a route can answer 503 + Retry-After.
 */
export interface HttpUnavailable {
  readonly ok: false;
  readonly kind: 'unavailable' | 'timeout' | 'circuit-open' | 'bulkhead-full';
  readonly target: string;
  readonly message: string;
  /** The 5xx the target answered, when it answered one. */
  readonly status?: number;
  readonly retryAfterSeconds: number;
}

/** The target answered 4xx: it is up and said no. Never retried, never counted by the breaker. */
export interface HttpRejected {
  readonly ok: false;
  readonly kind: 'rejected';
  readonly target: string;
  readonly message: string;
  readonly status: number;
  /** The target's body, normally application/problem+json. */
  readonly problem: unknown;
  /** From the target's Retry-After, e.g. on a 429. */
  readonly retryAfterSeconds?: number;
}

export type HttpFailure = HttpUnavailable | HttpRejected;
export type HttpResult<T> = HttpOk<T> | HttpFailure;

/** A value that says whether it is the real answer or a fallback standing in for it. */
export type Degradable<T, F> =
  | { readonly degraded: false; readonly value: T }
  | { readonly degraded: true; readonly value: F; readonly reason: HttpUnavailable };

const codeOfRejection: Readonly<Partial<Record<number, ErrorCode>>> = {
  400: 'validation',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  410: 'not_found',
  412: 'conflict',
  413: 'payload_too_large',
  422: 'validation',
  429: 'rate_limited',
};

/** Violations in the target's problem body, when it carries them in the platform's own shape. */
function violationsIn(problem: unknown): Violation[] {
  if (typeof problem !== 'object' || problem === null || !('violations' in problem)) return [];
  const { violations } = problem;
  if (!Array.isArray(violations)) return [];
  return violations.filter(
    (v): v is Violation =>
      typeof v === 'object' && v !== null && typeof (v as Violation).field === 'string' && typeof (v as Violation).rule === 'string',
  );
}

/**
 * The AppError a failed call means to this service. A 4xx keeps its meaning (404 stays
 * not_found); a 4xx with no such meaning (405, 415...) says the call itself is wrong, a
 * programming error, and comes back as a plain Error.
 */
export function toAppError(failure: HttpFailure): Error {
  const { retryAfterSeconds } = failure;
  switch (failure.kind) {
    case 'timeout':
      return new AppError('timeout', failure.message, { cause: failure, retryAfterSeconds });
    case 'unavailable':
    case 'circuit-open':
    case 'bulkhead-full':
      return new AppError('unavailable', failure.message, { cause: failure, retryAfterSeconds });
    case 'rejected': {
      const code = codeOfRejection[failure.status];
      if (!code) return new Error(`${failure.message}: this client sent a call ${failure.target} cannot take`, { cause: failure });
      const options = { cause: failure, violations: violationsIn(failure.problem) };
      return new AppError(code, failure.message, retryAfterSeconds === undefined ? options : { ...options, retryAfterSeconds });
    }
  }
}

/** The body of a success; a failure throws its AppError, so a route answers 503 + Retry-After in one line. */
export function orThrow<T>(result: HttpResult<T>): T {
  if (result.ok) return result.body;
  throw toAppError(result);
}

/**
 * The body of a success, or `fallback` marked degraded when the target is unavailable. A
 * rejection is an answer, not an outage: it throws as orThrow does.
 */
export function orFallback<T, F>(result: HttpResult<T>, fallback: (failure: HttpUnavailable) => F): Degradable<T, F> {
  if (result.ok) return { degraded: false, value: result.body };
  if (result.kind === 'rejected') throw toAppError(result);
  return { degraded: true, value: fallback(result), reason: result };
}
