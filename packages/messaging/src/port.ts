import type { Envelope } from '@eventide/core';

/**
 * The messaging port. Two adapters implement it (embedded SQLite log, Kafka) and both pass the
 * same contract suite. Business code never sees it: it writes to the outbox and registers handlers.
 */

/** A message on its way to a topic. `key` is the aggregate id, so one aggregate's events keep their order. */
export interface Message {
  readonly topic: string;
  readonly key: string;
  readonly envelope: Envelope;
  /** Transport metadata (dead-letter reason, attempts); never business data. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A message as a consumer receives it. */
export interface Delivery extends Message {
  readonly partition: number;
  /** Position within the partition; a decimal string because Kafka offsets are 64-bit. */
  readonly offset: string;
}

export interface Publisher {
  /**
   * Resolves once every message is durably accepted by the bus; rejects if any is not (the caller
   * retries the batch: at-least-once). Messages with the same topic and key are stored in call order.
   */
  publish(messages: readonly Message[]): Promise<void>;
}

/**
 * Called for each delivery, one at a time per partition, in offset order. Resolving means "done":
 * the adapter may then commit the offset. Rejecting means "not done": the adapter does not commit
 * and delivers the same message again (the consumer pipeline's retry and dead-letter steps sit in
 * front of this, so in a running service a rejection is the exception, e.g. during shutdown).
 */
export type DeliveryHandler = (delivery: Delivery) => Promise<void>;

/**
 * An optional fast path beside the DeliveryHandler: consecutive deliveries of one partition, in
 * offset order, handled together (a service commits a run of them in one transaction instead of
 * one each). Resolves how many of them, from the first, are done; the adapter hands the rest to
 * the DeliveryHandler one at a time, which has the retry and dead-letter steps. A rejection is as
 * 0. Whatever a run did before it stopped is seen again as duplicates, so it must be idempotent
 * per delivery, as every handler is under at-least-once delivery.
 */
export type BatchHandler = (deliveries: readonly Delivery[]) => Promise<number>;

export interface SubscribeOptions {
  /** Consumer group: one per subscribing service; replicas share it and split partitions. */
  readonly group: string;
  readonly topics: readonly string[];
  readonly handle: DeliveryHandler;
  /** Used by the embedded adapter when it has more than one delivery of a partition at hand. */
  readonly handleBatch?: BatchHandler;
  /** Where a group with no committed offset starts: the beginning (default) or only new messages. */
  readonly from?: 'earliest' | 'latest';
}

export interface Consumer {
  readonly group: string;
  readonly topics: readonly string[];
  /** True while it is a member of its group and fetching; false before start and after stop. */
  readonly running: boolean;
  /** Messages published to its assigned partitions and not yet committed by its group. */
  lag(): Promise<number>;
  /** Lets the in-flight delivery finish, commits its offset, leaves the group. Idempotent. */
  stop(): Promise<void>;
}

export interface Bus {
  /** 'embedded' or 'kafka', for logs and metrics. */
  readonly kind: string;
  readonly publisher: Publisher;
  subscribe(options: SubscribeOptions): Promise<Consumer>;
  /** Creates topics that do not exist yet (a no-op where topics are implicit). */
  ensureTopics(topics: readonly string[]): Promise<void>;
  /**
   * Where the next message of each partition of `topics` will go (decimal strings, per partition
   * index): a reader has seen everything published so far once it handled up to these offsets.
   */
  endOffsets(topics: readonly string[]): Promise<Record<string, string[]>>;
  /** Rejects when the bus cannot be reached; readiness uses it. */
  ping(): Promise<void>;
  /** Stops every consumer it started, then releases connections. Idempotent. */
  close(): Promise<void>;
}

/** Topic naming of DESIGN.md section 4. */
export const topicOf = (system: string, service: string): string => `${system}.${service}`;
export const deadLetterTopicOf = (topic: string): string => `${topic}.dlq`;

