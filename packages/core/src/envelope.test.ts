import assert from 'node:assert/strict';
import { test } from 'node:test';
import { envelop } from './envelope.ts';
import { newId } from './id.ts';

const clock = { now: () => new Date('2026-12-06T00:00:00Z') };
const event = { type: 'shop.OrderPlaced', aggregateType: 'Order', aggregateId: 1, payload: {} };

test('ids made one after another sort in the order they were made, within one millisecond too', () => {
  const ids = Array.from({ length: 10_000 }, () => envelop(event, { clock }).id);
  assert.deepEqual([...ids].sort(), ids);
  assert.equal(new Set(ids).size, ids.length);
});

test('an id is an RFC 9562 UUID of version 7, its first 48 bits the time it was made', () => {
  const before = Date.now();
  const id = newId();
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const madeAt = Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16);
  assert.ok(madeAt >= before && madeAt <= Date.now(), `${madeAt} not within [${before}, now]`);
});
