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

/** An AppError says whether trying again can help; anything else might be transient, so it is retried. */
const retryable = (error: unknown): boolean => !isAppError(error) || error.canRetry;

/**
 * Tries a delivery up to `maxAttempts` times with backoff between attempts, then throws GaveUp.
 * A non-retryable error gives up at once. Once `signal` has aborted, the error passes through
 * untouched: the delivery stays uncommitted and is handled again after the restart.
 */
export function retry(options: RetryOptions): Middleware {
  const { maxAttempts, backoff, sleep, signal, onRetry, logger } = options;
  return (next) => async (delivery) => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await next(delivery);
        return;
      } catch (error) {
        if (signal?.aborted) throw error;
        if (!retryable(error) || attempt >= maxAttempts) throw new GaveUp(error, attempt);
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
