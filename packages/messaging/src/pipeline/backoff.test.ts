import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exponentialBackoff } from './backoff.ts';

describe('exponentialBackoff', () => {
  it('doubles the ceiling with each attempt up to the maximum', () => {
    const ceiling = exponentialBackoff({ initialMs: 100, maxMs: 1_000 }, () => 1);
    assert.deepEqual([1, 2, 3, 4, 5, 6].map(ceiling), [100, 200, 400, 800, 1_000, 1_000]);
  });

  it('keeps each delay between half its ceiling and the ceiling, as the jitter source decides', () => {
    const floor = exponentialBackoff({ initialMs: 100 }, () => 0);
    const middle = exponentialBackoff({ initialMs: 100 }, () => 0.5);
    assert.deepEqual([1, 2, 3].map(floor), [50, 100, 200]);
    assert.deepEqual([1, 2, 3].map(middle), [75, 150, 300]);
  });
});
