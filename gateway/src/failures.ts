/**
 * What an upstream failure means for the request, and whether sending it again is safe. A request
 * may be resent only when the upstream cannot have processed it: it was never written (the
 * connection was refused or never made), or the replica said so (503 with `x-draining: 1`). One
 * that was written and then lost its connection before any answer may have been processed: only
 * safe methods and requests carrying an `Idempotency-Key` are resent (Go's net/http rule).
 */
export type Failure =
  /** Nothing was written: refused, unreachable, connect timeout, pool closed. */
  | 'not_sent'
  /** Written, then the connection closed or reset before any response byte. */
  | 'reset'
  /** No response headers within the upstream timeout. */
  | 'timeout'
  /** The request cannot be expressed upstream (undici refused its arguments). */
  | 'invalid'
  /** This side aborted it: the client went away. */
  | 'aborted'
  /** Anything else after writing: a malformed answer, a protocol error. */
  | 'broken';

export function classify(error: unknown, written: boolean): Failure {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED') return 'invalid';
  if (code === 'UND_ERR_ABORTED' || code === 'UND_ERR_ABORT') return 'aborted';
  if (!written) return 'not_sent';
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return 'timeout';
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_CLOSED') return 'reset';
  return 'broken';
}

const safeMethods: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Whether `failure` leaves the request unprocessed, or harmless to process twice. */
export function mayResend(failure: Failure, method: string, idempotencyKey: boolean): boolean {
  if (failure === 'not_sent') return true;
  if (failure === 'reset') return safeMethods.has(method) || idempotencyKey;
  return false;
}

/** Whether the failure says the replica should take no traffic until a probe says ready again. */
export function replicaIsDown(failure: Failure): boolean {
  return failure === 'not_sent' || failure === 'reset';
}
