import { isAppError } from '@eventide/core';
import type { Delivery } from '../port.ts';
import type { Backoff } from './backoff.ts';
import { GaveUp } from './gave-up.ts';
import type { PipelineLogger } from './logger.ts';
import type { Middleware } from './middleware.ts';

/** Waits `ms`; rejects as soon as `signal` aborts, so a shutdown does not wait out a backoff. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface RetryEvent {
  readonly delivery: Delivery;
  /** The attempt that just failed, from 1. */
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: unknown;
}

export interface RetryOptions {
  readonly maxAttempts: number;
  readonly backoff: Backoff;
  readonly sleep: Sleep;
  readonly signal?: AbortSignal | undefined;
  readonly onRetry?: ((event: RetryEvent) => void) | undefined;
  readonly logger?: PipelineLogger | undefined;
}

/**
 * Tries a delivery with backoff between attempts. A non-retryable error gives up at once (GaveUp).
 * A dependency that is down (an AppError that can be retried: the service's store or read model,
 * a service it calls) is waited for, however long, at the backoff's ceiling: it says nothing
 * about the message, and giving up would dead-letter every event of an outage, which the view it
 * feeds would then never show (an Order service whose Redis was away for 15 s lost three).
 * Only other errors, which may be the message's own, count toward `maxAttempts`, and then it
 * gives up. Once `signal` has aborted, the error passes through untouched: the delivery stays
 * uncommitted and is handled again after the restart.
 */
export function retry(options: RetryOptions): Middleware {
  const { maxAttempts, backoff, sleep, signal, onRetry, logger } = options;
  return (next) => async (delivery) => {
    for (let attempt = 1, counted = 0; ; attempt += 1) {
      try {
        await next(delivery);
        return;
      } catch (error) {
        if (signal?.aborted) throw error;
        // An AppError says whether trying again can help; one that can is a dependency down, slow or
        // refusing for now, and is not counted. Anything else may be transient, or the message's own.
        if (isAppError(error) && !error.canRetry) throw new GaveUp(error, attempt);
        if (!isAppError(error) && ++counted >= maxAttempts) throw new GaveUp(error, attempt);
        const delayMs = backoff(attempt);
        onRetry?.({ delivery, attempt, delayMs, error });
        logger?.warn(
          { topic: delivery.topic, partition: delivery.partition, offset: delivery.offset, eventId: delivery.envelope.id, attempt, delayMs, err: error },
          'handler failed; retrying',
        );
        await sleep(delayMs, signal);
      }
    }
  };
}
