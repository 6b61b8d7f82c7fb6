import type { DatabaseSync } from 'node:sqlite';
import { inTransaction } from './database.ts';
import type { Log } from './log.ts';

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** The next offset to handle on a partition: what a commit records. */
export interface Position extends TopicPartition {
  readonly next: number;
}

export interface MembershipOptions {
  readonly group: string;
  readonly memberId: string;
  readonly topics: readonly string[];
  readonly sessionTimeoutMs: number;
  /** Epoch milliseconds; shared by every process on the machine, so heartbeats compare. */
  readonly now?: () => number;
}

interface MemberRow {
  member_id: string;
  topics: string;
}

/**
 * One member's view of its consumer group, all of it rows in the shared file (Kafka keeps the
 * same state in its group coordinator):
 * - a member calls in (`heartbeat`) every few seconds; one silent for `sessionTimeoutMs` (killed,
 *   frozen) is evicted by any peer and its leases are dropped;
 * - every member computes the same assignment from the sorted member list, then takes a lease on
 *   each partition assigned to it once the previous holder has released it or been evicted:
 *   a partition is handled by at most one member at a time, so its order holds during a rebalance;
 * - an offset is committed only while the committer still holds the partition's lease, so a
 *   member that was evicted while frozen cannot move a partition that a peer has taken over.
 */
export class GroupMembership {
  readonly group: string;
  readonly memberId: string;
  readonly topics: readonly string[];
  readonly #db: DatabaseSync;
  readonly #log: Log;
  readonly #sessionTimeoutMs: number;
  readonly #now: () => number;
  readonly #statements;

  constructor(db: DatabaseSync, log: Log, options: MembershipOptions) {
    this.#db = db;
    this.#log = log;
    this.group = options.group;
    this.memberId = options.memberId;
    this.topics = options.topics;
    this.#sessionTimeoutMs = options.sessionTimeoutMs;
    this.#now = options.now ?? Date.now;
    this.#statements = {
      join: db.prepare('INSERT INTO group_members (group_id, member_id, topics, heartbeat_at) VALUES ($group, $member, $topics, $now)'),
      heartbeat: db.prepare('UPDATE group_members SET heartbeat_at = $now WHERE group_id = $group AND member_id = $member'),
      evictLeases: db.prepare(
        'DELETE FROM group_leases WHERE group_id = $group AND member_id IN (SELECT member_id FROM group_members WHERE group_id = $group AND heartbeat_at < $before)',
      ),
      evictMembers: db.prepare('DELETE FROM group_members WHERE group_id = $group AND heartbeat_at < $before'),
      leave: db.prepare('DELETE FROM group_members WHERE group_id = $group AND member_id = $member'),
      members: db.prepare('SELECT member_id, topics FROM group_members WHERE group_id = $group ORDER BY member_id'),
      generation: db.prepare('SELECT generation FROM consumer_groups WHERE group_id = $group'),
      bump: db.prepare('INSERT INTO consumer_groups (group_id, generation) VALUES ($group, 1) ON CONFLICT DO UPDATE SET generation = generation + 1'),
      lease: db.prepare('INSERT INTO group_leases (group_id, topic, partition, member_id) VALUES ($group, $topic, $partition, $member) ON CONFLICT DO NOTHING'),
      holder: db.prepare('SELECT member_id FROM group_leases WHERE group_id = $group AND topic = $topic AND partition = $partition'),
      release: db.prepare('DELETE FROM group_leases WHERE group_id = $group AND topic = $topic AND partition = $partition AND member_id = $member'),
      committed: db.prepare('SELECT next_offset FROM group_offsets WHERE group_id = $group AND topic = $topic AND partition = $partition'),
      // Fenced: writes nothing unless this member holds the partition's lease.
      commit: db.prepare(`
        INSERT INTO group_offsets (group_id, topic, partition, next_offset)
        SELECT $group, $topic, $partition, $next
        WHERE EXISTS (SELECT 1 FROM group_leases WHERE group_id = $group AND topic = $topic AND partition = $partition AND member_id = $member)
        ON CONFLICT DO UPDATE SET next_offset = excluded.next_offset`),
      startAt: db.prepare('INSERT INTO group_offsets (group_id, topic, partition, next_offset) VALUES ($group, $topic, $partition, $next) ON CONFLICT DO NOTHING'),
    };
  }

  join(): void {
    inTransaction(this.#db, () => {
      this.#statements.join.run({ group: this.group, member: this.memberId, topics: JSON.stringify(this.topics), now: this.#now() });
      this.#statements.bump.run({ group: this.group });
    });
  }

  /** Calls in; false when this member was evicted meanwhile (its leases are gone: it must join again). */
  heartbeat(): boolean {
    return this.#statements.heartbeat.run({ group: this.group, member: this.memberId, now: this.#now() }).changes > 0;
  }

  /** Evicts the members that stopped calling in, freeing their partitions for the others; true if it evicted any. */
  evictSilentMembers(): boolean {
    const before = this.#now() - this.#sessionTimeoutMs;
    return inTransaction(this.#db, () => {
      this.#statements.evictLeases.run({ group: this.group, before });
      const evicted = this.#statements.evictMembers.run({ group: this.group, before }).changes > 0;
      if (evicted) this.#statements.bump.run({ group: this.group });
      return evicted;
    });
  }

  /** Changes whenever members join, leave or are evicted, or a partition is released. */
  generation(): number {
    const row = this.#statements.generation.get({ group: this.group }) as { generation: number } | undefined;
    return row?.generation ?? 0;
  }

  /**
   * The partitions this member should handle: for each of its topics, the members subscribing to
   * it are sorted by id and partition p goes to the (p mod n)-th. Every member computes the same.
   */
  assignment(): TopicPartition[] {
    const members = this.#statements.members.all({ group: this.group }) as unknown as MemberRow[];
    return this.topics.flatMap((topic) => {
      const subscribers = members.filter((m) => (JSON.parse(m.topics) as string[]).includes(topic)).map((m) => m.member_id);
      const me = subscribers.indexOf(this.memberId);
      if (me < 0) return [];
      const partitions = Array.from({ length: this.#log.partitionsOf(topic) }, (_, p) => p);
      return partitions.filter((p) => p % subscribers.length === me).map((partition) => ({ topic, partition }));
    });
  }

  /** Takes the partition's lease if it is free; then returns where to start: the group's committed offset, or 0. */
  acquire({ topic, partition }: TopicPartition): number | undefined {
    const key = { group: this.group, topic, partition };
    return inTransaction(this.#db, () => {
      this.#statements.lease.run({ ...key, member: this.memberId });
      const holder = this.#statements.holder.get(key) as { member_id: string };
      if (holder.member_id !== this.memberId) return undefined;
      const committed = this.#statements.committed.get(key) as { next_offset: number } | undefined;
      return committed?.next_offset ?? 0;
    });
  }

  /** Commits each position; returns the partitions whose lease this member no longer holds (nothing was written for them). */
  commit(positions: readonly Position[]): TopicPartition[] {
    return inTransaction(this.#db, () => {
      const lost: TopicPartition[] = [];
      for (const position of positions) {
        const { topic, partition, next } = position;
        if (this.#statements.commit.run({ group: this.group, topic, partition, next, member: this.memberId }).changes === 0) lost.push(position);
      }
      return lost;
    });
  }

  /**
   * Gives up leases at once, so a peer can take the partitions without waiting for a timeout.
   * The caller has committed what it handled: the peer starts at the committed offset.
   */
  release(partitions: readonly TopicPartition[]): void {
    inTransaction(this.#db, () => this.#release(partitions));
  }

  /** Releases every lease and leaves the group. */
  leave(partitions: readonly TopicPartition[]): void {
    inTransaction(this.#db, () => {
      this.#release(partitions);
      this.#statements.leave.run({ group: this.group, member: this.memberId });
    });
  }

  /** For `from: 'latest'`: a group with no committed offset on a partition starts at its current end. */
  startAtEnd(): void {
    inTransaction(this.#db, () => {
      for (const topic of this.topics) {
        for (let partition = 0; partition < this.#log.partitionsOf(topic); partition += 1) {
          this.#statements.startAt.run({ group: this.group, topic, partition, next: this.#log.end(topic, partition) });
        }
      }
    });
  }

  /** Messages of these partitions not yet committed by the group. */
  lag(partitions: readonly TopicPartition[]): number {
    let lag = 0;
    for (const { topic, partition } of partitions) {
      const committed = this.#statements.committed.get({ group: this.group, topic, partition }) as { next_offset: number } | undefined;
      lag += this.#log.end(topic, partition) - (committed?.next_offset ?? 0);
    }
    return lag;
  }

  #release(partitions: readonly TopicPartition[]): void {
    for (const { topic, partition } of partitions) this.#statements.release.run({ group: this.group, topic, partition, member: this.memberId });
    this.#statements.bump.run({ group: this.group });
  }
}
