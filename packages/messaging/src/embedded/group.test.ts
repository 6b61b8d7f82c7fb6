import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { envelop, systemClock } from '@eventide/core';
import type { Message } from '../port.ts';
import { openDatabase } from './database.ts';
import { GroupMembership, type MembershipOptions } from './group.ts';
import { Log } from './log.ts';
import { partitionOf } from './partitioner.ts';

const topic = 'test.orders';
const sessionTimeoutMs = 1_000;

/** `count` messages with one key, so all on the partition it returns. */
function onOnePartition(log: Log, count: number): number {
  const key = 'order-1';
  const message = (): Message => ({ topic, key, envelope: envelop({ type: 'test.Placed', aggregateType: 'Order', aggregateId: key, payload: {} }, { clock: systemClock }) });
  log.append(Array.from({ length: count }, message));
  return partitionOf(key, 4);
}

describe('GroupMembership', () => {
  let dir: string;
  let db: DatabaseSync;
  let log: Log;
  let now: number;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'eventide-group-'));
    db = openDatabase(join(dir, 'bus.db'));
    log = new Log(db, 4);
    log.ensureTopics([topic]);
    now = 1_000_000;
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const member = (memberId: string, options: Partial<MembershipOptions> = {}): GroupMembership => {
    const membership = new GroupMembership(db, log, { group: 'g', memberId, topics: [topic], sessionTimeoutMs, now: () => now, ...options });
    membership.join();
    return membership;
  };
  const partitions = (m: GroupMembership): number[] => m.assignment().map((tp) => tp.partition);

  it('deals the partitions round-robin over the members sorted by id, the same in every member', () => {
    const b = member('b');
    const a = member('a');
    assert.deepEqual(partitions(a), [0, 2]);
    assert.deepEqual(partitions(b), [1, 3]);
    const c = member('c');
    assert.deepEqual([partitions(a), partitions(b), partitions(c)], [[0, 3], [1], [2]]);
  });

  it('leases a partition to one member at a time: another gets it only once the holder releases it', () => {
    const a = member('a');
    const b = member('b');
    assert.equal(a.acquire({ topic, partition: 0 }), 0);
    assert.equal(b.acquire({ topic, partition: 0 }), undefined);
    a.release([{ topic, partition: 0 }]);
    assert.equal(b.acquire({ topic, partition: 0 }), 0);
  });

  it('starts a new holder at the offset the group committed', () => {
    const partition = onOnePartition(log, 5);
    const a = member('a');
    const b = member('b');
    assert.equal(a.acquire({ topic, partition }), 0);
    assert.deepEqual(a.commit([{ topic, partition, next: 3 }]), []);
    a.leave([{ topic, partition }]);
    assert.equal(b.acquire({ topic, partition }), 3);
    assert.equal(b.lag([{ topic, partition }]), 2);
  });

  it('evicts a member silent past the session timeout, freeing its partitions for a peer', () => {
    const a = member('a');
    const b = member('b');
    a.acquire({ topic, partition: 1 });
    now += sessionTimeoutMs / 2;
    assert.equal(b.heartbeat(), true);
    assert.equal(b.evictSilentMembers(), false, 'not yet: a is within its session');
    now += sessionTimeoutMs;
    assert.equal(b.heartbeat(), true);
    const generation = b.generation();
    assert.equal(b.evictSilentMembers(), true);
    assert.ok(b.generation() > generation, 'the eviction tells the group to rebalance');
    assert.deepEqual(partitions(b), [0, 1, 2, 3]);
    assert.equal(b.acquire({ topic, partition: 1 }), 0);
    assert.equal(a.heartbeat(), false, 'a learns it was evicted at its next heartbeat');
  });

  it('refuses the commit of a member that lost its lease, so a frozen member cannot move a partition its successor took over', () => {
    const a = member('a');
    const b = member('b');
    a.acquire({ topic, partition: 2 });
    now += sessionTimeoutMs + 1;
    b.heartbeat();
    b.evictSilentMembers();
    b.acquire({ topic, partition: 2 });
    assert.deepEqual(b.commit([{ topic, partition: 2, next: 7 }]), []);

    assert.deepEqual(a.commit([{ topic, partition: 2, next: 4 }]), [{ topic, partition: 2, next: 4 }]);
    b.leave([{ topic, partition: 2 }]);
    const c = member('c');
    assert.equal(c.acquire({ topic, partition: 2 }), 7, "the successor's commit stands");
  });

  it("starts a group with from: 'latest' at each partition's end, but never moves an offset it already committed", () => {
    const busy = onOnePartition(log, 8);
    const a = member('a');
    a.acquire({ topic, partition: busy });
    a.commit([{ topic, partition: busy, next: 1 }]);
    a.leave([{ topic, partition: busy }]);

    member('b').startAtEnd();
    const c = member('c');
    for (const partition of [0, 1, 2, 3]) {
      c.acquire({ topic, partition });
      assert.equal(c.lag([{ topic, partition }]), partition === busy ? 7 : 0, `partition ${partition}`);
    }
  });
});
