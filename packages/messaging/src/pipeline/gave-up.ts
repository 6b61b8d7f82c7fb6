/**
 * Thrown by the retry step when it stops trying a delivery: the handler's last error is the
 * cause. Only the dead-letter step acts on it; any other rejection (e.g. a shutdown aborting a
 * backoff) reaches the adapter, which leaves the offset uncommitted.
 */
export class GaveUp extends Error {
  readonly attempts: number;

  constructor(cause: unknown, attempts: number) {
    super(`gave up after ${attempts} attempt(s): ${describeError(cause)}`, { cause });
    this.name = 'GaveUp';
    this.attempts = attempts;
  }
}

/** One line for a header or a log: an AppError's code, then the message. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return 'code' in error && typeof error.code === 'string' ? `${error.code}: ${error.message}` : error.message;
  return String(error);
}
