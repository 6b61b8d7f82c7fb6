import { AppError } from '@eventide/core';
import { UserError } from '@platformatic/kafka';

/**
 * The one place where the client's errors meet the platform's error model. A UserError is a
 * usage bug (a topic nobody created, an invalid option): it is thrown as it is. Anything else means
 * the broker did not answer or refused for now: `unavailable`, which callers retry.
 */
export function fromKafka(what: string, error: unknown): unknown {
  if (error instanceof UserError) return error;
  return new AppError('unavailable', `${what}: the Kafka broker did not answer`, { cause: error, retryAfterSeconds: 1 });
}
