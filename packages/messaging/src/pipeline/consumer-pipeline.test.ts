import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContractRegistry, defineEvent } from '@eventide/core';
import { Type } from 'typebox';
import { delivery, flakyHandler, RecordingPublisher, recordingSleep } from '../../test/support/fakes.ts';
import { consumerPipeline } from './consumer-pipeline.ts';

const contracts = new ContractRegistry([defineEvent('test.Priced', Type.Object({ price: Type.Integer() }))]);

describe('consumerPipeline', () => {
  it('dead-letters a payload that breaks its contract at once, without calling the handler', async () => {
    const publisher = new RecordingPublisher();
    const { sleep, delays } = recordingSleep();
    const handler = flakyHandler(0);
    await consumerPipeline(handler.handle, { publisher, contracts, sleep })(delivery('test.Priced', { price: 'free' }));
    assert.equal(handler.calls(), 0);
    assert.deepEqual(delays, []);
    assert.equal(publisher.published.length, 1);
    assert.equal(publisher.published[0]?.headers?.['dlq-attempts'], '1');
    assert.match(publisher.published[0]?.headers?.['dlq-error'] ?? '', /^validation: .*\/price/);
  });

  it('tries a failing handler 5 times by default, then dead-letters the event and resolves', async () => {
    const publisher = new RecordingPublisher();
    const { sleep, delays } = recordingSleep();
    const handler = flakyHandler(Infinity);
    const dead: number[] = [];
    await consumerPipeline(handler.handle, { publisher, sleep, random: () => 1, onDeadLetter: (e) => dead.push(e.attempts) })(delivery());
    assert.equal(handler.calls(), 5);
    assert.deepEqual(delays, [100, 200, 400, 800]);
    assert.deepEqual(dead, [5]);
    assert.equal(publisher.published[0]?.topic, 'test.things.dlq');
  });

  it('hands a valid event to the handler and publishes nothing once it succeeds after a retry', async () => {
    const publisher = new RecordingPublisher();
    const { sleep } = recordingSleep();
    const handler = flakyHandler(1);
    await consumerPipeline(handler.handle, { publisher, contracts, sleep })(delivery('test.Priced', { price: 3 }));
    assert.equal(handler.calls(), 2);
    assert.deepEqual(publisher.published, []);
  });

  it('stops waiting out a real backoff the moment shutdown aborts, and rejects without dead-lettering', async () => {
    const publisher = new RecordingPublisher();
    const shutdown = new AbortController();
    const handle = consumerPipeline(flakyHandler(Infinity).handle, { publisher, signal: shutdown.signal, backoff: { initialMs: 3_600_000 } });
    const started = performance.now();
    const pending = handle(delivery());
    setImmediate(() => shutdown.abort());
    await assert.rejects(pending, { name: 'AbortError' });
    assert.ok(performance.now() - started < 1_000, 'did not wait out the hour-long backoff');
    assert.deepEqual(publisher.published, []);
  });

  it('refuses a maxAttempts below 1', () => {
    assert.throws(() => consumerPipeline(async () => {}, { publisher: new RecordingPublisher(), maxAttempts: 0 }), RangeError);
  });
});
