import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import pino from 'pino';
import { spawnNode } from '@eventide/testing';
import { readFileSync } from 'node:fs';
import { cleanFileMappings, dropIdleFilePages, libc, nextState, type LoadState } from '../src/reclaim.ts';

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

  it('reaches glibc malloc_trim and madvise on Linux', { skip: process.platform !== 'linux' }, () => {
    const native = libc(pino({ level: 'silent' }));
    assert.ok(native, 'koffi loads libc and finds both');
    assert.ok([0, 1].includes(native.mallocTrim(0)));
  });

  it('drops only mappings whose pages are all the file\'s own', () => {
    const mapping = (range: string, permissions: string, path: string, rss: number, anonymous: number) =>
      `${range} ${permissions} 00000000 fe:00 5335075  ${path}\nSize: 4 kB\nRss: ${rss} kB\nPss: 1 kB\nAnonymous: ${anonymous} kB\nVmFlags: rd mr\n`;
    const smaps = [
      mapping('00400000-00746000', 'r--p', '/usr/bin/node', 2048, 0),
      mapping('0074a000-03044000', 'r-xp', '/usr/bin/node', 31812, 0),
      mapping('06b52000-06b56000', 'r--p', '/usr/bin/node', 16, 16), // RELRO: written, then made read-only
      mapping('06b56000-06b7d000', 'rw-p', '/usr/bin/node', 160, 152),
      mapping('06b7d000-06b80000', 'r--p', '/usr/bin/node', 0, 0), // nothing resident
      mapping('07000000-07100000', 'rw-p', '[heap]', 7720, 7720),
      mapping('7f0000000000-7f0000001000', 'r--p', '', 4, 4),
      mapping('7f0000001000-7f0000002000', '---p', '/usr/lib/libc.so.6', 0, 0),
      mapping('7f0000002000-7f0000010000', 'r-xs', '/usr/lib/libc.so.6', 8, 0),
    ].join('');
    assert.deepEqual(
      cleanFileMappings(smaps).map(({ start, length, residentBytes }) => [start.toString(16), length.toString(16), residentBytes / 1024n]),
      [
        ['400000', '346000', 2048n],
        ['74a000', '28fa000', 31812n],
        ['7f0000002000', 'e000', 8n],
      ],
    );
  });

  it('drops the pages of the binary this process touched once, and runs on', { skip: process.platform !== 'linux' }, () => {
    const native = libc(pino({ level: 'silent' }));
    assert.ok(native);
    const residentFileKb = () => Number(/^RssFile:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]);
    const before = residentFileKb();
    const dropped = dropIdleFilePages(native.madvise);
    const after = residentFileKb();
    assert.ok(dropped > 20n * 2n ** 20n, `asked to drop ${dropped / 1024n} kB only`);
    assert.ok(after < before * 0.6, `file pages ${before} kB before, ${after} kB after`);
    // What was dropped comes back when used: the runtime goes on compiling and running code.
    assert.equal(new Function('a', 'return [...a].reverse().join("")')('abc'), 'cba');
    assert.deepEqual(JSON.parse(JSON.stringify({ rss: process.memoryUsage().rss > 0 })), { rss: true });
  });

  it('drops the pages only the start read as soon as it starts, before any quiet period', { skip: process.platform !== 'linux' }, async () => {
    const child = spawnNode(new URL('./fixtures/started.ts', import.meta.url).pathname, [], { stdio: ['ignore', 'pipe', 'inherit'] });
    let printed = '';
    for await (const chunk of child.stdout!) printed += String(chunk);
    const [before, after] = printed.trim().split(' ').map(Number) as [number, number];
    assert.ok(before > 20_000, `only ${before} kB of file pages resident after the start`);
    assert.ok(after < before * 0.6, `file pages ${before} kB before the reducer started, ${after} kB after`);
  });

  it('gives back what a busy process left behind once it goes quiet', async () => {
    // The flags the runner gives every process (memoryOptions in runner/src/env.ts).
    const child = spawnNode(new URL('./fixtures/churn.ts', import.meta.url).pathname, ['100'], {
      env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: '--expose-gc --max-semi-space-size=4 --max-old-space-size=64' },
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
