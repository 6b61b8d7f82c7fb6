import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import pino from 'pino';
import { spawnNode } from '@eventide/testing';
import { mallocTrim, nextState, type LoadState } from '../src/reclaim.ts';

describe('the memory reducer of every process', () => {
  /** The collections a run of busy (1) and quiet (0) periods leads to, from a process just started. */
  const collections = (periods: string): string => {
    let state: LoadState = { loaded: false, periodsSinceCollection: 10 };
    return [...periods]
      .map((period) => {
        const next = nextState(state, period === '1');
        state = next.state;
        return next.collect ? 'C' : '.';
      })
      .join('');
  };

  it('collects once, in the first quiet period after a busy one', () => {
    assert.equal(collections('0011100000'), '.....C....');
    assert.equal(collections('0000000000'), '..........');
  });

  it('collects at most once in 10 periods under a load that comes and goes', () => {
    const comesAndGoes = '10'.repeat(40);
    const expected = `.${`C${'.'.repeat(9)}`.repeat(8)}`.slice(0, 80);
    assert.equal(collections(comesAndGoes), expected);
  });

  it('reaches glibc malloc_trim on Linux', { skip: process.platform !== 'linux' }, () => {
    const trim = mallocTrim(pino({ level: 'silent' }));
    assert.ok(trim, 'koffi loads libc and finds malloc_trim');
    assert.ok([0, 1].includes(trim(0)));
  });

  it('gives back what a busy process left behind once it goes quiet', async () => {
    // The flags the runner gives every process (memoryOptions in runner/src/env.ts).
    const child = spawnNode(new URL('./fixtures/churn.ts', import.meta.url).pathname, ['100'], {
      env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: '--expose-gc --max-semi-space-size=8 --max-old-space-size=64' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      let peak = 0;
      let lowest = Infinity;
      const deadline = performance.now() + 10_000;
      for await (const line of createInterface({ input: child.stdout! })) {
        const rss = Number(line.split(' ')[0]);
        peak = Math.max(peak, rss);
        lowest = Math.min(lowest, rss);
        if (peak - lowest >= 20 || performance.now() > deadline) break;
      }
      assert.ok(peak - lowest >= 20, `RSS went from ${peak} MB down to ${lowest} MB only`);
    } finally {
      child.kill();
    }
  });
});
