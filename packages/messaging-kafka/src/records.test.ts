import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { envelop, systemClock } from '@eventide/core';
import { decode, encode, type Record } from './records.ts';

const envelope = envelop({ type: 'test.Happened', aggregateType: 'Test', aggregateId: 'k1', payload: { amount: 3, note: 'ünïcode' } }, { clock: systemClock });

/** What the consumer hands over for a produced record (the client's deserializers applied). */
function asFetched(produced: ReturnType<typeof encode>['record'], headers: Array<[string, string]>): Record {
  return {
    key: produced.key ?? '',
    value: produced.value ?? Buffer.alloc(0),
    headers: new Map(headers),
    headerEntries: headers,
    topic: produced.topic,
    partition: 2,
    offset: 41n,
    timestamp: 0n,
    leaderEpoch: 0,
    metadata: {},
    commit: () => undefined,
    toJSON: () => ({}) as ReturnType<Record['toJSON']>,
  };
}

describe('records', () => {
  it('round-trips key, envelope and headers, with the partition and a decimal offset', () => {
    const { record, bytes } = encode({ topic: 't', key: 'k1', envelope, headers: { 'dlq-attempts': '3' } });
    assert.ok(bytes > JSON.stringify(envelope).length);
    const delivery = decode(asFetched(record, [['dlq-attempts', '3']]));
    assert.deepEqual(delivery, { topic: 't', key: 'k1', envelope, headers: { 'dlq-attempts': '3' }, partition: 2, offset: '41' });
  });

  it('leaves headers out of a delivery whose record had none', () => {
    const { record } = encode({ topic: 't', key: 'k1', envelope });
    assert.equal('headers' in decode(asFetched(record, [])), false);
  });

  it('refuses a value that is not JSON', () => {
    const { record } = encode({ topic: 't', key: 'k1', envelope });
    assert.throws(() => decode(asFetched({ ...record, value: Buffer.from('not json') }, [])), SyntaxError);
  });
});
