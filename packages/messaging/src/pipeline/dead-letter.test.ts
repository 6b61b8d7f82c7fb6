import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '@eventide/core';
import { delivery, RecordingLogger, RecordingPublisher } from '../../test/support/fakes.ts';
import { deadLetter, type DeadLetterEvent } from './dead-letter.ts';
import { GaveUp } from './gave-up.ts';

const failing =
  (error: unknown) =>
  async (): Promise<void> => {
    throw error;
  };

describe('deadLetter', () => {
  it('publishes a failed delivery to <topic>.dlq with its key, envelope, headers and the dlq-* reason, then resolves', async () => {
    const publisher = new RecordingPublisher();
    const d = delivery();
    await deadLetter({ publisher })(failing(new GaveUp(new Error('disk full'), 4)))(d);
    assert.deepEqual(publisher.published, [
      {
        topic: 'test.things.dlq',
        key: d.key,
        envelope: d.envelope,
        headers: {
          'x-origin': 'test',
          'dlq-error': 'disk full',
          'dlq-attempts': '4',
          'dlq-topic': 'test.things',
          'dlq-partition': '2',
          'dlq-offset': '41',
        },
      },
    ]);
  });

  it("names an AppError's code in dlq-error and counts one attempt when no retry step gave up", async () => {
    const publisher = new RecordingPublisher();
    await deadLetter({ publisher })(failing(new AppError('validation', 'price must be integer')))(delivery());
    assert.equal(publisher.published[0]?.headers?.['dlq-error'], 'validation: price must be integer');
    assert.equal(publisher.published[0]?.headers?.['dlq-attempts'], '1');
  });

  it('does nothing to a delivery its handler handled', async () => {
    const publisher = new RecordingPublisher();
    await deadLetter({ publisher })(async () => {})(delivery());
    assert.deepEqual(publisher.published, []);
  });

  it('reports the dead letter to the hook and logs it as an error', async () => {
    const publisher = new RecordingPublisher();
    const logger = new RecordingLogger();
    const events: DeadLetterEvent[] = [];
    const cause = new Error('poison');
    const d = delivery();
    await deadLetter({ publisher, logger, onDeadLetter: (e) => events.push(e) })(failing(new GaveUp(cause, 5)))(d);
    assert.deepEqual(events, [{ delivery: d, attempts: 5, error: cause }]);
    assert.equal(logger.lines[0]?.level, 'error');
    assert.equal(logger.lines[0]?.msg, 'event dead-lettered');
  });

  it('rejects when the dead letter cannot be published, so the adapter delivers it again', async () => {
    const publisher = new RecordingPublisher();
    publisher.failWith = new Error('bus unreachable');
    await assert.rejects(deadLetter({ publisher })(failing(new GaveUp(new Error('poison'), 5)))(delivery()), /bus unreachable/);
  });

  it('dead-letters nothing during shutdown: the error goes through and the delivery stays uncommitted', async () => {
    const publisher = new RecordingPublisher();
    const shutdown = new AbortController();
    shutdown.abort();
    await assert.rejects(deadLetter({ publisher, signal: shutdown.signal })(failing(new Error('interrupted')))(delivery()), /interrupted/);
    assert.deepEqual(publisher.published, []);
  });
});
