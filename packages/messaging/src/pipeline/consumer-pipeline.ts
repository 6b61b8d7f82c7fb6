import { setTimeout as delay } from 'node:timers/promises';
import type { ContractRegistry } from '@eventide/core';
import type { DeliveryHandler, Publisher } from '../port.ts';
import { exponentialBackoff, type BackoffOptions } from './backoff.ts';
import { deadLetter, type DeadLetterEvent } from './dead-letter.ts';
import type { PipelineLogger } from './logger.ts';
import { compose, type Middleware } from './middleware.ts';
import { retry, type RetryEvent, type Sleep } from './retry.ts';
import { validatePayload } from './validate-payload.ts';

export interface ConsumerPipelineOptions {
  /** Where dead letters go (`<topic>.dlq`); normally the same bus's publisher. */
  readonly publisher: Publisher;
  /** Payloads of these event types are validated before the handler; other types pass. */
  readonly contracts?: ContractRegistry;
  /** Attempts before dead-lettering, the first included (default 5); a dependency's outage does not count. */
  readonly maxAttempts?: number;
  readonly backoff?: BackoffOptions;
  /** Injectable for tests; must reject when the signal aborts. Default: a real timer. */
  readonly sleep?: Sleep;
  /** Jitter source in [0, 1), injectable for tests. */
  readonly random?: () => number;
  /** Aborted at shutdown: backoffs end at once and nothing more is retried or dead-lettered. */
  readonly signal?: AbortSignal;
  readonly onRetry?: (event: RetryEvent) => void;
  readonly onDeadLetter?: (event: DeadLetterEvent) => void;
  readonly logger?: PipelineLogger;
}

const realSleep: Sleep = (ms, signal) => delay(ms, undefined, { signal });

/**
 * Wraps a handler so that, seen from the adapter, it almost always resolves: a payload that breaks
 * its contract or an error that cannot be retried is dead-lettered at once; a dependency that is
 * down is waited for (retry.ts); anything else is retried with backoff and dead-lettered after
 * `maxAttempts`. It rejects only during shutdown or when the dead-letter publish itself fails, and
 * then the adapter delivers the same message again.
 */
export function consumerPipeline(handler: DeliveryHandler, options: ConsumerPipelineOptions): DeliveryHandler {
  const { maxAttempts = 5, signal, logger } = options;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new RangeError(`maxAttempts must be an integer ≥ 1, got ${maxAttempts}`);
  const steps: Middleware[] = [
    deadLetter({ publisher: options.publisher, signal, onDeadLetter: options.onDeadLetter, logger }),
    retry({ maxAttempts, backoff: exponentialBackoff(options.backoff, options.random), sleep: options.sleep ?? realSleep, signal, onRetry: options.onRetry, logger }),
  ];
  if (options.contracts) steps.push(validatePayload(options.contracts));
  return compose(...steps)(handler);
}
