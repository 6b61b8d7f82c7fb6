import { AppError } from '@eventide/core';
import { toAppError, type HttpClient } from '@eventide/http-client';
import { stockOutcomePath, type StockOutcomeBody } from '@gasstation/contracts';
import Type, { type Static } from 'typebox';
import type { StockPort } from '../application/sales.ts';

/** How POS reaches the station, and how it settles sales that were given up: its configuration variables. */
export const posConfig = Type.Object({
  /** Where the station listens; the runner sets it to the station's address. */
  STATION_URL: Type.String({ default: 'http://127.0.0.1:8082', pattern: '^https?://' }),
  /** Deadline of one attempt. */
  STATION_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 2_000 }),
  /** Attempts in all, the first included; every call carries an Idempotency-Key, so each may be retried. */
  STATION_RETRY_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 10, default: 2 }),
  /** Failed calls in a row that open the circuit. */
  STATION_BREAKER_FAILURES: Type.Integer({ minimum: 1, default: 5 }),
  /** How long the circuit stays open before one trial call goes through (half-open). */
  STATION_HALF_OPEN_AFTER_MS: Type.Integer({ minimum: 1, default: 10_000 }),
  /** Calls to the station in flight at once (and its connection pool). */
  STATION_MAX_IN_FLIGHT: Type.Integer({ minimum: 1, default: 32 }),
  /**
   * Calls waiting for a slot: a burst of sales queues rather than failing at once; past this, a
   * sale answers 503 + Retry-After.
   */
  STATION_MAX_QUEUED: Type.Integer({ minimum: 0, default: 256 }),
  /** How often given-up sales are settled with the station (and once at start). */
  POS_SETTLE_INTERVAL_MS: Type.Integer({ minimum: 10, default: 5_000 }),
  /**
   * Age after which a sale still waiting for its station call is taken as dead (its process was
   * killed) and given up; well above STATION_TIMEOUT_MS × STATION_RETRY_ATTEMPTS.
   */
  POS_SALE_ABANDONED_AFTER_MS: Type.Integer({ minimum: 1, default: 60_000 }),
});
export type PosConfig = Static<typeof posConfig>;

export const stationClientOptions = (config: PosConfig) => ({
  name: 'station',
  baseUrl: config.STATION_URL,
  timeoutMs: config.STATION_TIMEOUT_MS,
  retry: { maxAttempts: config.STATION_RETRY_ATTEMPTS },
  breaker: { consecutiveFailures: config.STATION_BREAKER_FAILURES, halfOpenAfterMs: config.STATION_HALF_OPEN_AFTER_MS },
  bulkhead: { limit: config.STATION_MAX_IN_FLIGHT, queue: config.STATION_MAX_QUEUED },
});

/**
 * The station's outcome endpoint (contracts/stock-api.ts) over the resilient client, with the key
 * as Idempotency-Key. Station down, too slow or its circuit open: AppError unavailable/timeout (503
 * + Retry-After). A 409 says the station is still applying an earlier try of the same key (one
 * that timed out here): unavailable too, since it may yet be applied. Any other 4xx but 429 is the
 * station saying no, with nothing applied: 'refused'.
 */
export function stationClient(http: HttpClient): StockPort {
  return {
    async move(key, movement) {
      const body: StockOutcomeBody = movement;
      const result = await http.post<boolean>(stockOutcomePath, body, { headers: { 'idempotency-key': key } });
      if (result.ok) return 'applied';
      if (result.kind === 'rejected' && result.status === 409) {
        throw new AppError('unavailable', 'the station is still applying an earlier try of this call', { cause: result, retryAfterSeconds: 1 });
      }
      if (result.kind === 'rejected' && result.status !== 429) return 'refused';
      throw toAppError(result);
    },
  };
}
