import type { BatchHandler, Consumer, Delivery, DeliveryHandler } from '../port.ts';
import { channelOf, type ChangeFeed } from './change-feed.ts';
import type { GroupMembership, TopicPartition } from './group.ts';
import type { Log } from './log.ts';

/** A leased partition and how far this member has handled and committed it. */
interface Claim extends TopicPartition {
  next: number;
  committed: number;
  /** After a rejected delivery the partition rests until then (epoch ms), then the same offset is read again. */
  pausedUntil: number;
}

export interface ConsumerTiming {
  readonly heartbeatMs: number;
  readonly pollIntervalMs: number;
}

/** Messages read per partition at a time; one commit covers the handled part of a batch. */
const batchSize = 500;
/** The pause before a rejected delivery is offered again. */
const redeliveryPauseMs = 100;

const slotOf = ({ topic, partition }: TopicPartition): string => `${partition}:${topic}`;

/**
 * One member of a consumer group. Its loop: follow rebalances, read a batch from each leased
 * partition, hand the batches to the handler (partitions side by side, each strictly in offset
 * order), commit what resolved, and sleep on the change feed when there is nothing to read.
 * A heartbeat timer keeps the membership alive independently of how long handlers take.
 *
 * A failure of the bus itself (the file unreadable) is not handled here: the loop rejects,
 * unhandled, and the process ends; its supervisor restarts it, and nothing is lost because the
 * offsets of unfinished work were never committed.
 */
export class EmbeddedConsumer implements Consumer {
  readonly #membership: GroupMembership;
  readonly #log: Log;
  readonly #changes: ChangeFeed;
  /** The change-feed channels of its topics: it sleeps through other topics' publishes. */
  readonly #channels: readonly string[];
  readonly #handle: DeliveryHandler;
  readonly #handleBatch: BatchHandler | undefined;
  readonly #timing: ConsumerTiming;
  readonly #claims = new Map<string, Claim>();
  readonly #heartbeat: NodeJS.Timeout;
  readonly #loop: Promise<void>;
  #running = true;
  #stopping = false;
  #evicted = false;
  #generation = -1;
  #nextRebalanceAt = 0;

  /** Joins the group and takes the partitions that are free before returning, then runs until stopped. */
  constructor(
    membership: GroupMembership,
    log: Log,
    changes: ChangeFeed,
    { handle, handleBatch }: { handle: DeliveryHandler; handleBatch?: BatchHandler | undefined },
    timing: ConsumerTiming,
  ) {
    this.#membership = membership;
    this.#log = log;
    this.#changes = changes;
    this.#channels = [...new Set(membership.topics.map(channelOf))];
    this.#handle = handle;
    this.#handleBatch = handleBatch;
    this.#timing = timing;
    membership.join();
    changes.announce();
    this.#rebalance();
    this.#heartbeat = setInterval(() => this.#callIn(), timing.heartbeatMs);
    this.#loop = this.#run().finally(() => {
      clearInterval(this.#heartbeat);
      this.#running = false;
    });
  }

  get group(): string {
    return this.#membership.group;
  }

  get topics(): readonly string[] {
    return this.#membership.topics;
  }

  get running(): boolean {
    return this.#running;
  }

  async lag(): Promise<number> {
    return this.#membership.lag([...this.#claims.values()]);
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#changes.notify();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      const seen = this.#changes.version(this.#channels);
      if (this.#evicted) this.#rejoin();
      if (this.#membership.generation() !== this.#generation || Date.now() >= this.#nextRebalanceAt) this.#rebalance();
      const batches = this.#fetch();
      if (batches.length === 0) {
        await this.#changes.wait(seen, this.#idleMs(), this.#channels);
        continue;
      }
      await Promise.all(batches.map(([claim, deliveries]) => this.#deliver(claim, deliveries)));
      this.#commit();
    }
    this.#membership.leave([...this.#claims.values()]);
    this.#claims.clear();
    this.#changes.announce();
  }

  /** Gives up partitions no longer assigned to this member, then leases those newly assigned and free. */
  #rebalance(): void {
    this.#generation = this.#membership.generation();
    this.#nextRebalanceAt = Date.now() + this.#timing.heartbeatMs;
    const assigned = this.#membership.assignment();
    const wanted = new Set(assigned.map(slotOf));
    const leaving = [...this.#claims.values()].filter((claim) => !wanted.has(slotOf(claim)));
    if (leaving.length > 0) {
      this.#membership.release(leaving);
      for (const claim of leaving) this.#claims.delete(slotOf(claim));
      this.#changes.announce();
    }
    for (const partition of assigned) {
      if (this.#claims.has(slotOf(partition))) continue;
      const next = this.#membership.acquire(partition);
      if (next !== undefined) this.#claims.set(slotOf(partition), { ...partition, next, committed: next, pausedUntil: 0 });
    }
  }

  #fetch(): Array<[Claim, Delivery[]]> {
    const now = Date.now();
    const batches: Array<[Claim, Delivery[]]> = [];
    for (const claim of this.#claims.values()) {
      if (claim.pausedUntil > now) continue;
      const deliveries = this.#log.read(claim.topic, claim.partition, claim.next, batchSize);
      if (deliveries.length > 0) batches.push([claim, deliveries]);
    }
    return batches;
  }

  /**
   * One partition's batch, in order: as much of it as the batch handler takes, the rest one at a
   * time. Stops at the first rejection, and on stop or eviction after the delivery in flight.
   */
  async #deliver(claim: Claim, deliveries: readonly Delivery[]): Promise<void> {
    let rest = deliveries;
    if (this.#handleBatch !== undefined && deliveries.length > 1 && !this.#stopping) {
      const taken = await this.#handleBatch(deliveries).catch(() => 0);
      const done = Number.isInteger(taken) ? Math.min(Math.max(taken, 0), deliveries.length) : 0;
      if (done > 0) claim.next = Number(deliveries[done - 1]!.offset) + 1;
      rest = deliveries.slice(done);
    }
    for (const delivery of rest) {
      if (this.#stopping || this.#evicted) return;
      try {
        await this.#handle(delivery);
      } catch {
        // The port's contract: a rejection means "not done". The offset stays where it is and the
        // same delivery is offered again after a pause; the consumer pipeline logs and counts failures.
        claim.pausedUntil = Date.now() + redeliveryPauseMs;
        return;
      }
      claim.next = Number(delivery.offset) + 1;
    }
  }

  #commit(): void {
    const moved = [...this.#claims.values()].filter((claim) => claim.next > claim.committed);
    if (moved.length === 0) return;
    const lost = new Set(this.#membership.commit(moved).map(slotOf));
    for (const claim of moved) {
      if (lost.has(slotOf(claim))) this.#claims.delete(slotOf(claim));
      else claim.committed = claim.next;
    }
  }

  /** Runs on the heartbeat timer, so a long batch does not get this member evicted. */
  #callIn(): void {
    if (!this.#membership.heartbeat()) this.#evicted = true;
    if (this.#membership.evictSilentMembers()) this.#changes.announce();
  }

  /** Evicted while alive (frozen past the session timeout): its leases are gone, so it starts over as a new member. */
  #rejoin(): void {
    this.#claims.clear();
    this.#membership.join();
    this.#changes.announce();
    this.#evicted = false;
    this.#generation = -1;
  }

  #idleMs(): number {
    const now = Date.now();
    const resumes = [...this.#claims.values()].map((claim) => claim.pausedUntil).filter((until) => until > now);
    return Math.max(1, Math.min(this.#timing.pollIntervalMs, this.#nextRebalanceAt - now, ...resumes.map((until) => until - now)));
  }
}
