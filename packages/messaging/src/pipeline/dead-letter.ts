import type { Delivery, Publisher } from '../port.ts';
import { deadLetterTopicOf } from '../port.ts';
import { describeError, GaveUp } from './gave-up.ts';
import type { PipelineLogger } from './logger.ts';
import type { Middleware } from './middleware.ts';

export interface DeadLetterEvent {
  readonly delivery: Delivery;
  readonly attempts: number;
  readonly error: unknown;
}

export interface DeadLetterOptions {
  readonly publisher: Publisher;
  readonly signal?: AbortSignal | undefined;
  readonly onDeadLetter?: ((event: DeadLetterEvent) => void) | undefined;
  readonly logger?: PipelineLogger | undefined;
}

/**
 * Publishes a delivery that failed for good to `<topic>.dlq` (the original envelope and key, the
 * reason in `dlq-*` headers) and resolves, so the partition moves on. If that publish fails, the
 * rejection reaches the adapter and the delivery is tried again later: nothing is dropped.
 * During shutdown (`signal` aborted) it dead-letters nothing and lets the error through.
 */
export function deadLetter(options: DeadLetterOptions): Middleware {
  const { publisher, signal, onDeadLetter, logger } = options;
  return (next) => async (delivery) => {
    try {
      await next(delivery);
    } catch (failure) {
      if (signal?.aborted) throw failure;
      const [error, attempts] = failure instanceof GaveUp ? [failure.cause, failure.attempts] : [failure, 1];
      await publisher.publish([
        {
          topic: deadLetterTopicOf(delivery.topic),
          key: delivery.key,
          envelope: delivery.envelope,
          headers: {
            ...delivery.headers,
            'dlq-error': describeError(error),
            'dlq-attempts': String(attempts),
            'dlq-topic': delivery.topic,
            'dlq-partition': String(delivery.partition),
            'dlq-offset': delivery.offset,
          },
        },
      ]);
      onDeadLetter?.({ delivery, attempts, error });
      logger?.error(
        { topic: delivery.topic, partition: delivery.partition, offset: delivery.offset, eventId: delivery.envelope.id, eventType: delivery.envelope.type, attempts, err: error },
        'event dead-lettered',
      );
    }
  };
}
