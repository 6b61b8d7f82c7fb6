import type { DatabaseSync } from 'node:sqlite';
import type { Envelope } from '@eventide/core';
import type { Delivery, Message } from '../port.ts';
import { inTransaction } from './database.ts';
import { partitionOf } from './partitioner.ts';

interface MessageRow {
  offset: number;
  key: string;
  envelope: string;
  headers: string | null;
}

/** The append-only log: topics split into partitions, each an ordered run of offsets from 0. Nothing is deleted. */
export class Log {
  readonly #db: DatabaseSync;
  readonly #defaultPartitions: number;
  /** Partition counts never change once a topic exists, so they are cached for good. */
  readonly #partitions = new Map<string, number>();
  readonly #createTopic;
  readonly #topicPartitions;
  readonly #end;
  readonly #append;
  readonly #read;

  constructor(db: DatabaseSync, defaultPartitions: number) {
    this.#db = db;
    this.#defaultPartitions = defaultPartitions;
    this.#createTopic = db.prepare('INSERT INTO topics (name, partitions) VALUES (?, ?) ON CONFLICT DO NOTHING');
    this.#topicPartitions = db.prepare('SELECT partitions FROM topics WHERE name = ?');
    this.#end = db.prepare('SELECT coalesce(max("offset") + 1, 0) AS "end" FROM messages WHERE topic = ? AND partition = ?');
    this.#append = db.prepare('INSERT INTO messages (topic, partition, "offset", key, envelope, headers) VALUES (?, ?, ?, ?, ?, ?)');
    this.#read = db.prepare('SELECT "offset", key, envelope, headers FROM messages WHERE topic = ? AND partition = ? AND "offset" >= ? ORDER BY "offset" LIMIT ?');
  }

  /** Creates missing topics with the default partition count; an existing topic keeps its own. */
  ensureTopics(topics: readonly string[]): void {
    inTransaction(this.#db, () => {
      for (const topic of topics) this.#createTopic.run(topic, this.#defaultPartitions);
    });
  }

  /** A topic's partition count; publishing to or subscribing to a new topic creates it, as Kafka's auto-create does. */
  partitionsOf(topic: string): number {
    let count = this.#partitions.get(topic);
    if (count === undefined) {
      this.#createTopic.run(topic, this.#defaultPartitions);
      count = (this.#topicPartitions.get(topic) as { partitions: number }).partitions;
      this.#partitions.set(topic, count);
    }
    return count;
  }

  /** The offset the next message of the partition will get. */
  end(topic: string, partition: number): number {
    return (this.#end.get(topic, partition) as { end: number }).end;
  }

  /** Appends all messages in one transaction: all are stored, in call order per partition, or none. */
  append(messages: readonly Message[]): void {
    for (const topic of new Set(messages.map((m) => m.topic))) this.partitionsOf(topic);
    inTransaction(this.#db, () => {
      const nextOffsets = new Map<string, number>();
      for (const { topic, key, envelope, headers } of messages) {
        const partition = partitionOf(key, this.partitionsOf(topic));
        const slot = `${partition}:${topic}`;
        const offset = nextOffsets.get(slot) ?? this.end(topic, partition);
        this.#append.run(topic, partition, offset, key, JSON.stringify(envelope), headers ? JSON.stringify(headers) : null);
        nextOffsets.set(slot, offset + 1);
      }
    });
  }

  /** Up to `limit` messages of one partition from offset `from` on, in offset order. */
  read(topic: string, partition: number, from: number, limit: number): Delivery[] {
    return (this.#read.all(topic, partition, from, limit) as unknown as MessageRow[]).map((row) => {
      const delivery = { topic, partition, offset: String(row.offset), key: row.key, envelope: JSON.parse(row.envelope) as Envelope };
      return row.headers === null ? delivery : { ...delivery, headers: JSON.parse(row.headers) as Record<string, string> };
    });
  }
}
