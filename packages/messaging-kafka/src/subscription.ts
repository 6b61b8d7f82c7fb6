import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { Consumer, Delivery, DeliveryHandler, PipelineLogger, SubscribeOptions } from '@eventide/messaging';
import {
  Consumer as KafkaConsumer,
  type CommitOptionsPartition,
  type ConsumerGroupJoinPayload,
  type MessagesStream,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  stringDeserializer,
} from '@platformatic/kafka';
import { fromKafka } from './errors.ts';
import { decode, type Record } from './records.ts';

export interface SubscriptionSettings {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** A member silent for this long is evicted by the group coordinator. */
  readonly sessionTimeoutMs: number;
  readonly logger: PipelineLogger;
}

/** Records fetched and not yet handled, over all partitions, above which fetching pauses. */
const maxBufferedRecords = 4_096;
/** How long the broker may hold a fetch when there is nothing new: it bounds how long stop() waits for the fetch in flight. */
const maxFetchWaitMs = 500;
/** Before a (re)join and on stop, how long to wait for the commit of what was handled. */
const flushWithinMs = 5_000;
const commitRetryMs = 500;
/**
 * A handled offset waits this long for others to join its commit: at a steady trickle, one commit
 * request per record would be the broker's busiest write. A crash loses at most this much of
 * commits, which means redeliveries the inbox absorbs, never loss.
 */
const commitLingerMs = 20;

/** A rejected delivery is offered again after 100 ms, doubling up to 2 s while it keeps failing. */
const redeliveryDelayMs = (attempt: number): number => Math.min(100 * 2 ** (attempt - 1), 2_000);
const restartDelayMs = (attempt: number): number => Math.min(500 * 2 ** (attempt - 1), 10_000);

/** One assigned partition: its records in offset order, handled one at a time. */
interface Lane {
  readonly slot: string;
  readonly queue: Record[];
  /** The offset after the last handled record; a record below it is a re-fetched duplicate. */
  next: bigint | undefined;
  busy: boolean;
}

const slotOf = (topic: string, partition: number): string => `${topic}:${partition}`;

/**
 * One subscription: a consumer group member of its own (one @platformatic/kafka Consumer), whose
 * records go to one lane per partition. Lanes run side by side; within a lane a record is handed to
 * the handler only after the previous one resolved, and its offset is committed only then. A
 * rejected record is offered again, before anything after it on its partition.
 *
 * Commits: one OffsetCommit request in flight at a time, sent 20 ms after the first record it
 * covers was handled, carrying the newest handled offset of every partition.
 *
 * Rebalances (classic protocol, eager): before this member sends a JoinGroup, the client runs our
 * protocolsMetadata hook, the one hook it calls before every join. We use it as Java's
 * onPartitionsRevoked: no delivery starts, the one in flight finishes, and what was handled is
 * committed. The coordinator gives partitions to another member only after this member's JoinGroup,
 * so no two members handle one partition at once, and the new owner starts where this one stopped.
 * When the join completes, records of partitions this member lost are dropped; the client then
 * fetches the kept partitions again from their committed offsets, and the lanes skip what they
 * already handled.
 */
export class KafkaSubscription implements Consumer {
  readonly group: string;
  readonly topics: readonly string[];
  readonly #client: KafkaConsumer<string, Buffer, string, string>;
  readonly #handle: DeliveryHandler;
  readonly #from: 'earliest' | 'latest';
  readonly #logger: PipelineLogger;
  readonly #lanes = new Map<string, Lane>();
  /** Partitions assigned by the last completed join. */
  readonly #owned = new Set<string>();
  /** Per partition, the offset to commit: handled and not yet committed. */
  readonly #pending = new Map<string, CommitOptionsPartition>();
  readonly #sleepers = new Set<() => void>();
  #idleWaiters: Array<() => void> = [];
  #stream: MessagesStream<string, Buffer, string, string> | undefined;
  #streamPaused = false;
  #buffered = 0;
  #busyLanes = 0;
  /** Between "about to (re)join" and "joined": no delivery starts. */
  #held = false;
  #stopping = false;
  #running = false;
  #committing: Promise<void> | undefined;
  #commitTimer: NodeJS.Timeout | undefined;
  #stopped: Promise<void> | undefined;

  /** Joins the group and resolves once the start positions are known (so 'latest' means "after this call"). */
  static async start(settings: SubscriptionSettings, options: SubscribeOptions): Promise<KafkaSubscription> {
    const subscription = new KafkaSubscription(settings, options);
    try {
      await subscription.#consume();
    } catch (error) {
      await subscription.#client.close(true).catch((closeError: unknown) => {
        settings.logger.warn({ err: closeError, group: options.group }, 'closing a Kafka consumer that could not start failed');
      });
      throw fromKafka(`subscribing ${options.group} to ${options.topics.join(', ')}`, error);
    }
    return subscription;
  }

  private constructor(settings: SubscriptionSettings, options: SubscribeOptions) {
    this.group = options.group;
    this.topics = [...options.topics];
    this.#handle = options.handle;
    this.#from = options.from ?? 'earliest';
    this.#logger = settings.logger;
    const sessionTimeout = settings.sessionTimeoutMs;
    this.#client = new KafkaConsumer<string, Buffer, string, string>({
      clientId: settings.clientId,
      bootstrapBrokers: [...settings.brokers],
      groupId: options.group,
      deserializers: { key: stringDeserializer, headerKey: stringDeserializer, headerValue: stringDeserializer },
      autocommit: false,
      maxWaitTime: maxFetchWaitMs,
      sessionTimeout,
      // A member learns of a rebalance from its next heartbeat: often, so a joining replica waits little.
      heartbeatInterval: Math.min(1_000, Math.floor(sessionTimeout / 3)),
      rebalanceTimeout: Math.max(sessionTimeout, 30_000),
      protocolsMetadata: () => this.#beforeJoin(),
    });
    this.#client.on('consumer:group:join', (joined) => this.#onJoined(joined));
    this.#client.on('error', (error) => this.#logger.error({ err: error, group: this.group }, 'Kafka consumer error'));
  }

  get running(): boolean {
    return this.#running;
  }

  async lag(): Promise<number> {
    let lags: Map<string, bigint[]>;
    try {
      lags = await this.#client.getLag({ topics: [...this.topics] });
    } catch (error) {
      throw fromKafka(`reading the lag of ${this.group}`, error);
    }
    // -1 marks a partition assigned to another member.
    let total = 0n;
    for (const partitions of lags.values()) for (const lag of partitions) if (lag > 0n) total += lag;
    return Number(total);
  }

  stop(): Promise<void> {
    this.#stopped ??= this.#shutdown();
    return this.#stopped;
  }

  async #consume(): Promise<void> {
    const stream = await this.#client.consume({
      topics: [...this.topics],
      mode: MessagesStreamModes.COMMITTED,
      fallbackMode: this.#from === 'latest' ? MessagesStreamFallbackModes.LATEST : MessagesStreamFallbackModes.EARLIEST,
      autocommit: false,
    });
    await once(stream, 'offsets');
    this.#stream = stream;
    this.#streamPaused = false;
    stream.on('data', (record: Record) => this.#accept(record));
    stream.once('error', (error) => this.#lost(stream, error));
    stream.once('close', () => this.#lost(stream));
    this.#running = true;
  }

  #accept(record: Record): void {
    const slot = slotOf(record.topic, record.partition);
    if (!this.#owned.has(slot)) return; // fetched before its partition moved to another member
    let lane = this.#lanes.get(slot);
    if (!lane) {
      lane = { slot, queue: [], next: undefined, busy: false };
      this.#lanes.set(slot, lane);
    }
    lane.queue.push(record);
    this.#buffered += 1;
    if (this.#buffered >= maxBufferedRecords && !this.#streamPaused) {
      this.#streamPaused = true;
      this.#stream?.pause();
    }
    void this.#pump(lane);
  }

  #mayDeliver(lane: Lane): boolean {
    return !this.#held && !this.#stopping && this.#lanes.get(lane.slot) === lane;
  }

  async #pump(lane: Lane): Promise<void> {
    if (lane.busy) return;
    lane.busy = true;
    this.#busyLanes += 1;
    try {
      while (this.#mayDeliver(lane)) {
        const record = lane.queue[0];
        if (!record) break;
        if (lane.next === undefined || record.offset >= lane.next) {
          if (!(await this.#deliver(lane, record))) break;
          lane.next = record.offset + 1n;
          this.#pending.set(lane.slot, { topic: record.topic, partition: record.partition, offset: lane.next, leaderEpoch: record.leaderEpoch });
          this.#scheduleCommit();
        }
        lane.queue.shift();
        this.#buffered -= 1;
        this.#resumeIfDrained();
      }
    } finally {
      lane.busy = false;
      this.#busyLanes -= 1;
      if (this.#busyLanes === 0) for (const wake of this.#idleWaiters.splice(0)) wake();
    }
  }

  /** Hands the record to the handler until it resolves (true), or until this lane must stop (false). */
  async #deliver(lane: Lane, record: Record): Promise<boolean> {
    let delivery: Delivery;
    try {
      delivery = decode(record);
    } catch (error) {
      // Only a foreign producer writes such a record and no handler could ever take it; it stays in
      // the log for inspection and the partition moves on.
      this.#logger.error(
        { err: error, group: this.group, topic: record.topic, partition: record.partition, offset: String(record.offset) },
        'skipping a Kafka record whose value is not a JSON envelope',
      );
      return true;
    }
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.#handle(delivery);
        return true;
      } catch {
        // The port's contract: a rejection means "not done". The offset is not committed and the
        // same delivery is offered again after a pause; the consumer pipeline in front of the
        // handler logs and counts failures, so the adapter does not.
      }
      await this.#sleep(redeliveryDelayMs(attempt));
      if (!this.#mayDeliver(lane)) return false;
    }
  }

  #resumeIfDrained(): void {
    if (this.#streamPaused && this.#buffered <= maxBufferedRecords / 2) {
      this.#streamPaused = false;
      this.#stream?.resume();
    }
  }

  /** Runs before every JoinGroup this member sends; see the class comment. Resolves to the (empty) user data of the join. */
  async #beforeJoin(): Promise<Buffer> {
    this.#held = true;
    this.#wakeSleepers();
    await this.#idle();
    await this.#flushWithin(flushWithinMs);
    return Buffer.alloc(0);
  }

  #onJoined({ assignments = [] }: ConsumerGroupJoinPayload): void {
    this.#owned.clear();
    for (const { topic, partitions } of assignments) for (const partition of partitions) this.#owned.add(slotOf(topic, partition));
    for (const [slot, lane] of this.#lanes) {
      if (this.#owned.has(slot)) continue;
      this.#buffered -= lane.queue.length;
      this.#lanes.delete(slot);
      this.#pending.delete(slot);
    }
    this.#held = false;
    this.#resumeIfDrained();
    for (const lane of this.#lanes.values()) void this.#pump(lane);
    if (this.#pending.size > 0) this.#scheduleCommit();
  }

  #scheduleCommit(): void {
    if (this.#commitTimer || this.#committing || this.#held || this.#stopping) return;
    this.#commitTimer = setTimeout(() => {
      this.#commitTimer = undefined;
      void this.#flush();
    }, commitLingerMs);
  }

  /** Commits what was handled; at most one commit in flight. Never rejects: a failed commit is kept for the next. */
  async #flush(): Promise<void> {
    clearTimeout(this.#commitTimer);
    this.#commitTimer = undefined;
    while (this.#committing) await this.#committing;
    const offsets = [...this.#pending.values()].filter(({ topic, partition }) => this.#owned.has(slotOf(topic, partition)));
    this.#pending.clear();
    if (offsets.length === 0) return;
    const commit = this.#commit(offsets);
    this.#committing = commit;
    await commit;
    this.#committing = undefined;
    if (this.#pending.size > 0) this.#scheduleCommit();
  }

  async #commit(offsets: CommitOptionsPartition[]): Promise<void> {
    try {
      await this.#client.commit({ offsets });
    } catch (error) {
      // Handled but not committed: a restart or rebalance before the next commit delivers these
      // records again (at-least-once; the inbox makes that harmless).
      for (const offset of offsets) {
        const slot = slotOf(offset.topic, offset.partition);
        if (!this.#pending.has(slot)) this.#pending.set(slot, offset);
      }
      this.#logger.warn({ err: error, group: this.group }, 'Kafka offset commit failed; it is retried');
      await this.#sleep(commitRetryMs);
    }
  }

  /** Waits for the flush at most `ms`: the commit in flight may itself be waiting for the join that waits here. */
  async #flushWithin(ms: number): Promise<void> {
    await Promise.race([this.#flush(), delay(ms, undefined, { ref: false })]);
  }

  #idle(): Promise<void> {
    if (this.#busyLanes === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** A pause that stop() and a rebalance cut short. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#sleepers.add(wake);
    });
  }

  #wakeSleepers(): void {
    for (const wake of [...this.#sleepers]) wake();
  }

  /**
   * The stream died (broker gone past the client's retries, a commit that needed a rejoin): consume
   * again from the committed offsets. Queued records stay; the lanes skip what they already handled.
   */
  #lost(stream: MessagesStream<string, Buffer, string, string>, error?: Error): void {
    if (stream !== this.#stream || this.#stopping) return;
    this.#stream = undefined;
    this.#running = false;
    this.#logger.error({ err: error, group: this.group }, 'Kafka message stream ended; consuming again');
    void this.#restart();
  }

  async #restart(): Promise<void> {
    for (let attempt = 1; !this.#stopping; attempt += 1) {
      await this.#sleep(restartDelayMs(attempt));
      if (this.#stopping) return;
      try {
        await this.#consume();
        return;
      } catch (error) {
        this.#logger.error({ err: error, group: this.group, attempt }, 'consuming again failed; retrying');
      }
    }
  }

  async #shutdown(): Promise<void> {
    this.#stopping = true;
    this.#wakeSleepers();
    await this.#idle();
    await this.#flushWithin(flushWithinMs);
    this.#running = false;
    try {
      await this.#stream?.close();
      await this.#client.close();
    } catch (error) {
      // The coordinator evicts a member that did not say goodbye after the session timeout.
      this.#logger.warn({ err: error, group: this.group }, 'leaving the Kafka consumer group failed');
    }
  }
}
