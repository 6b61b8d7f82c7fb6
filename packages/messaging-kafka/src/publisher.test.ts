import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { envelop, systemClock } from '@eventide/core';
import type { Message } from '@eventide/messaging';
import { BatchingPublisher } from './publisher.ts';
import type { RecordToProduce } from './records.ts';

const message = (key: string, seq: number, size = 0): Message => ({
  topic: 't',
  key,
  envelope: envelop({ type: 'test.Happened', aggregateType: 'Test', aggregateId: key, payload: { seq, padding: 'x'.repeat(size) } }, { clock: systemClock }),
});

const seqOf = (record: RecordToProduce): number => (JSON.parse(String(record.value)) as { payload: { seq: number } }).payload.seq;

/** A send the test completes by hand, recording every request. */
function manualSend() {
  const requests: RecordToProduce[][] = [];
  const pending: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  const send = (records: RecordToProduce[]): Promise<void> => {
    requests.push(records);
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    pending.push({ resolve, reject });
    return promise;
  };
  const settle = async (outcome: 'ok' | Error): Promise<void> => {
    const next = pending.shift();
    assert.ok(next, 'a request is in flight');
    if (outcome === 'ok') next.resolve();
    else next.reject(outcome);
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { send, requests, settle };
}

describe('BatchingPublisher', () => {
  it('keeps one request in flight and sends the calls made meanwhile together, in call order', async () => {
    const fake = manualSend();
    const publisher = new BatchingPublisher(fake.send);
    const first = publisher.publish([message('a', 0)]);
    const second = publisher.publish([message('a', 1), message('b', 2)]);
    const third = publisher.publish([message('a', 3)]);
    assert.equal(fake.requests.length, 1);

    await fake.settle('ok');
    await first;
    assert.deepEqual(fake.requests.map((request) => request.map(seqOf)), [[0], [1, 2, 3]]);
    await fake.settle('ok');
    await Promise.all([second, third]);
  });

  it('resolves a call only when every one of its messages is acknowledged, over several requests', async () => {
    const fake = manualSend();
    const publisher = new BatchingPublisher(fake.send);
    // 3 messages of ~300 KB: no request may carry two of them (the limit is 512 KB).
    let resolved = false;
    const call = publisher.publish([0, 1, 2].map((seq) => message('big', seq, 300_000))).then(() => {
      resolved = true;
    });
    await fake.settle('ok');
    await fake.settle('ok');
    assert.equal(resolved, false, 'two of three acknowledged');
    await fake.settle('ok');
    await call;
    assert.deepEqual(fake.requests.map((request) => request.map(seqOf)), [[0], [1], [2]]);
  });

  it('rejects the calls of a failed request, drops their messages still queued, and sends the calls behind them', async () => {
    const fake = manualSend();
    const publisher = new BatchingPublisher(fake.send);
    const big = publisher.publish([0, 1].map((seq) => message('big', seq, 300_000)));
    const behind = publisher.publish([message('small', 2)]);
    const failure = new Error('broker gone');
    const rejected = assert.rejects(big, failure);

    await fake.settle(failure);
    await rejected;
    assert.equal(fake.requests.length, 2, 'the next request is sent');
    assert.deepEqual(fake.requests[1]?.map(seqOf), [2], 'without the failed call\'s second message');
    await fake.settle('ok');
    await behind;
  });

  it('resolves an empty call without a request', async () => {
    const fake = manualSend();
    await new BatchingPublisher(fake.send).publish([]);
    assert.equal(fake.requests.length, 0);
  });
});
