import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { partitionOf } from './partitioner.ts';

describe('partitionOf', () => {
  it('keeps giving the same partitions, so messages already in a log stay with the later ones of their key', () => {
    assert.deepEqual(
      ['order-1', 'order-2', 'item-42', 'ü', ''].map((key) => [partitionOf(key, 4), partitionOf(key, 12)]),
      [[1, 1], [0, 4], [3, 11], [2, 10], [1, 1]],
    );
  });

  it('spreads keys over every partition', () => {
    const used = new Set(Array.from({ length: 200 }, (_, i) => partitionOf(`order-${i}`, 8)));
    assert.deepEqual([...used].sort(), [0, 1, 2, 3, 4, 5, 6, 7]);
  });
});
