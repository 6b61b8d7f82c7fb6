import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '@eventide/core';
import { delivery, flakyHandler, RecordingLogger, recordingSleep } from '../../test/support/fakes.ts';
import { GaveUp } from './gave-up.ts';
import { retry, type RetryEvent } from './retry.ts';

const linear = (attempt: number): number => attempt * 10;

describe('retry', () => {
  it('tries again after a failure, sleeping the backoff in between, and resolves once the handler does', async () => {
    const { sleep, delays } = recordingSleep();
    const handler = flakyHandler(2);
    await retry({ maxAttempts: 5, backoff: linear, sleep })(handler.handle)(delivery());
    assert.equal(handler.calls(), 3);
    assert.deepEqual(delays, [10, 20]);
  });

  it('gives up after maxAttempts with the attempt count and the last error as cause', async () => {
    const { sleep, delays } = recordingSleep();
    const cause = new Error('still down');
    const handler = flakyHandler(Infinity, cause);
    await assert.rejects(retry({ maxAttempts: 3, backoff: linear, sleep })(handler.handle)(delivery()), (error: unknown) => {
      assert.ok(error instanceof GaveUp);
      assert.equal(error.attempts, 3);
      assert.equal(error.cause, cause);
      return true;
    });
    assert.equal(handler.calls(), 3);
    assert.deepEqual(delays, [10, 20]);
  });

  it('gives up at once on an AppError that cannot be retried', async () => {
    const { sleep, delays } = recordingSleep();
    const handler = flakyHandler(Infinity, new AppError('conflict', 'item already rented'));
    await assert.rejects(retry({ maxAttempts: 5, backoff: linear, sleep })(handler.handle)(delivery()), (error: unknown) => error instanceof GaveUp && error.attempts === 1);
    assert.equal(handler.calls(), 1);
    assert.deepEqual(delays, []);
  });

  it('retries an AppError that can be retried, such as an unavailable dependency', async () => {
    const { sleep } = recordingSleep();
    const handler = flakyHandler(1, new AppError('unavailable', 'payment service down'));
    await retry({ maxAttempts: 5, backoff: linear, sleep })(handler.handle)(delivery());
    assert.equal(handler.calls(), 2);
  });

  it('waits out a dependency that is down, past maxAttempts: the delivery is handled once it answers, never given up', async () => {
    const { sleep, delays } = recordingSleep();
    const handler = flakyHandler(12, new AppError('unavailable', 'read model store down'));
    await retry({ maxAttempts: 3, backoff: linear, sleep })(handler.handle)(delivery());
    assert.equal(handler.calls(), 13);
    assert.deepEqual(delays, Array.from({ length: 12 }, (_, i) => linear(i + 1)));
  });

  it('counts only the failures that may be the message\'s own toward maxAttempts', async () => {
    const { sleep } = recordingSleep();
    const failures = [new AppError('timeout', 'slow'), new Error('bug'), new AppError('unavailable', 'down'), new Error('bug'), new Error('bug')];
    let calls = 0;
    const handle = async (): Promise<void> => {
      const failure = failures[calls];
      calls += 1;
      if (failure) throw failure;
    };
    await assert.rejects(retry({ maxAttempts: 3, backoff: linear, sleep })(handle)(delivery()), (error: unknown) => error instanceof GaveUp && error.attempts === 5);
    assert.equal(calls, 5);
  });

  it('reports each retry to the hook and the logger', async () => {
    const { sleep } = recordingSleep();
    const logger = new RecordingLogger();
    const events: RetryEvent[] = [];
    const error = new Error('flaky');
    const d = delivery();
    await retry({ maxAttempts: 5, backoff: linear, sleep, onRetry: (e) => events.push(e), logger })(flakyHandler(1, error).handle)(d);
    assert.deepEqual(events, [{ delivery: d, attempt: 1, delayMs: 10, error }]);
    assert.equal(logger.lines.length, 1);
    assert.equal(logger.lines[0]?.level, 'warn');
    assert.deepEqual(logger.lines[0]?.obj, { topic: d.topic, partition: 2, offset: '41', eventId: d.envelope.id, attempt: 1, delayMs: 10, err: error });
  });

  it('lets the error through untouched, without retrying, once the shutdown signal has aborted', async () => {
    const { sleep, delays } = recordingSleep();
    const shutdown = new AbortController();
    const cause = new Error('connection closed by shutdown');
    const handler = flakyHandler(Infinity, cause);
    shutdown.abort();
    await assert.rejects(retry({ maxAttempts: 5, backoff: linear, sleep, signal: shutdown.signal })(handler.handle)(delivery()), (error: unknown) => error === cause);
    assert.equal(handler.calls(), 1);
    assert.deepEqual(delays, []);
  });

  it('ends a backoff as soon as the shutdown signal aborts, rejecting so the delivery stays uncommitted', async () => {
    const shutdown = new AbortController();
    const handler = flakyHandler(Infinity);
    let backoffStarted = (): void => {};
    const sleeping = new Promise<void>((resolve) => {
      backoffStarted = resolve;
    });
    const sleep = (_ms: number, signal?: AbortSignal): Promise<void> =>
      new Promise((_resolve, reject) => {
        signal?.addEventListener('abort', () => reject(signal.reason as Error));
        backoffStarted();
      });
    const attempt = retry({ maxAttempts: 5, backoff: () => 3_600_000, sleep, signal: shutdown.signal })(handler.handle)(delivery());
    await sleeping;
    shutdown.abort();
    await assert.rejects(attempt, { name: 'AbortError' });
    assert.equal(handler.calls(), 1);
  });
});
