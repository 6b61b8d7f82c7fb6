import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { tempDir } from '@eventide/testing';
import { ChangeFeed, channelOf } from './change-feed.ts';

describe('the change feed', () => {
  const dir = tempDir();
  const feed = new ChangeFeed(join(dir.path, 'bus.db'));
  after(() => {
    feed.close();
    dir.remove();
  });
  const orders = [channelOf('shop.orders')];
  assert.notDeepEqual(orders, [channelOf('shop.items')], 'the two test topics must hash to different channels');
  const woken = async (wait: Promise<void>) => Promise.race([wait.then(() => true), new Promise<boolean>((r) => setImmediate(() => r(false)))]);

  it('lets a consumer sleep through publishes on other topics', async () => {
    const waiting = feed.wait(feed.version(orders), 60_000, orders);
    feed.announce(['shop.items']);
    assert.equal(await woken(waiting), false);
    feed.announce(['shop.orders']);
    assert.equal(await woken(waiting), true);
  });

  it('wakes every consumer for a group change', async () => {
    const waiting = feed.wait(feed.version(orders), 60_000, orders);
    feed.announce();
    assert.equal(await woken(waiting), true);
  });

  it('hears another process write a topic wake file', async () => {
    const other = new ChangeFeed(join(dir.path, 'bus.db'));
    try {
      const before = feed.version(orders);
      const waiting = feed.wait(before, 10_000, orders);
      other.announce(['shop.orders']);
      await waiting;
      assert.ok(feed.version(orders) > before, 'woken by the file, not by the timeout');
      // Beside the database, every WAL write of every publisher would send each watcher an event to ignore.
      assert.deepEqual(readdirSync(dir.path), ['bus.db.wake'], 'the wake files have a directory of their own');
    } finally {
      other.close();
    }
  });
});
