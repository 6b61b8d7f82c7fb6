import { AppError } from '@eventide/core';
import { toAppError, type HttpClient } from '@eventide/http-client';
import { callConfig } from '@eventide/service-host';
import { stockOutcomePath, type StockOutcomeBody } from '@gasstation/contracts';
import Type, { type Static } from 'typebox';
import type { StockPort } from '../application/sales.ts';

/**
 * How POS reaches the station (STATION_URL, STATION_TIMEOUT_MS, STATION_RETRY_ATTEMPTS,
 * STATION_BREAKER_FAILURES, STATION_HALF_OPEN_AFTER_MS, STATION_MAX_IN_FLIGHT, STATION_MAX_QUEUED).
 * Every call carries an Idempotency-Key, so each may be retried; a burst of sales queues for a slot
 * rather than failing at once, and past STATION_MAX_QUEUED a sale answers 503 + Retry-After.
 */
export const stationCall = callConfig('STATION', { url: 'http://127.0.0.1:8082', maxQueued: 256 });

/** The station call's variables, and how POS settles sales that were given up. */
export const posConfig = Type.Object({
  ...stationCall.schema.properties,
  /** How often given-up sales are settled with the station (and once at start). */
  POS_SETTLE_INTERVAL_MS: Type.Integer({ minimum: 10, default: 5_000 }),
  /**
   * Age after which a sale still waiting for its station call is taken as dead (its process was
   * killed) and given up; well above STATION_TIMEOUT_MS × STATION_RETRY_ATTEMPTS.
   */
  POS_SALE_ABANDONED_AFTER_MS: Type.Integer({ minimum: 1, default: 60_000 }),
});
export type PosConfig = Static<typeof posConfig>;

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
