/**
 * One error model for the whole platform (STYLE.md rule 7). Each edge maps a code once:
 * HTTP in service-host, ack / retry / dead-letter in the consumer pipeline.
 */
export type ErrorCode =
  | 'validation' // the input breaks a schema rule: 400, never retried
  | 'not_found' // an id names nothing: 404
  | 'conflict' // a business rule forbids it in the current state: 409
  | 'unavailable' // a dependency is down or its circuit is open: 503 + Retry-After, retryable
  | 'timeout' // a dependency did not answer in time: 503 + Retry-After, retryable
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  | 'payload_too_large';

export interface Violation {
  /** JSON pointer or field name, e.g. `/itemPrice`. */
  readonly field: string;
  /** The rule broken, in words: `must be integer`. */
  readonly rule: string;
}

export interface AppErrorOptions {
  readonly cause?: unknown;
  readonly violations?: readonly Violation[];
  /** Seconds a client should wait before trying again (unavailable, timeout, rate_limited). */
  readonly retryAfterSeconds?: number;
}

const retryableCodes: ReadonlySet<ErrorCode> = new Set(['unavailable', 'timeout', 'rate_limited']);

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly violations: readonly Violation[];
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.violations = options.violations ?? [];
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** Whether trying the same thing again later may succeed. */
  get canRetry(): boolean {
    return retryableCodes.has(this.code);
  }
}

export const isAppError = (error: unknown): error is AppError => error instanceof AppError;

/** An error and the errors in its `cause` chain, outermost first. */
export function errorChain(error: unknown): Error[] {
  const chain: Error[] = [];
  for (let cause = error; cause instanceof Error && !chain.includes(cause); cause = cause.cause) chain.push(cause);
  return chain;
}

export const notFound = (what: string, id: string | number): AppError =>
  new AppError('not_found', `${what} ${id} does not exist`);

export const conflict = (rule: string): AppError => new AppError('conflict', rule);

export const invalid = (field: string, rule: string): AppError =>
  new AppError('validation', `${field} ${rule}`, { violations: [{ field, rule }] });

/** Node's error codes for a peer that cannot be reached or went away: a dependency is unavailable. */
export const networkErrorCodes: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
