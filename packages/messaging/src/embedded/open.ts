/**
 * The embedded bus: a Kafka-like durable log in one SQLite file, shared by the processes of one
 * machine. It is the zero-infrastructure default: `npm start` runs every service as its own
 * process, all pointing at the same file.
 *
 * Why SQLite rather than a small home-made broker server: SQLite (built into Node as node:sqlite)
 * already is a durable, crash-safe storage engine that several OS processes can share, with
 * transactions and locking that are tested far beyond anything we would write. A server would
 * mean one more process to start, supervise and keep alive, and a protocol to design; here every
 * client is just a connection to the file, and the hard parts (atomic appends, crash recovery,
 * cross-process locking) are the engine's. What this module adds is Kafka's model on top:
 * topics split into partitions by key (log.ts), consumer groups with committed offsets, member
 * heartbeats and partition leases (group.ts), a fetch-handle-commit loop per member
 * (consumer.ts), and wake-ups through a file-change notification instead of polling (change-feed.ts).
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { Bus, Consumer, SubscribeOptions } from '../port.ts';
import { ChangeFeed } from './change-feed.ts';
import { EmbeddedConsumer } from './consumer.ts';
import { openDatabase } from './database.ts';
import { GroupMembership } from './group.ts';
import { Log } from './log.ts';

export interface EmbeddedBusOptions {
  /** The bus file; every process of the system opens the same one. Its directory is created if missing. */
  readonly path: string;
  /** Partitions of each topic this client creates (default 4); a topic keeps the count it was created with. */
  readonly partitions?: number;
  /** A member silent for this long is evicted and its partitions move to its peers (default 10 s). */
  readonly sessionTimeoutMs?: number;
  /** The safety-net poll, for a change notification that never came (default 1 s). */
  readonly pollIntervalMs?: number;
  /** Prefix of this client's member ids, for reading the group tables (default 'embedded'). */
  readonly clientId?: string;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

export async function openEmbeddedBus(options: EmbeddedBusOptions): Promise<Bus> {
  const path = resolve(options.path);
  const partitions = positiveInteger('partitions', options.partitions ?? 4);
  const sessionTimeoutMs = positiveInteger('sessionTimeoutMs', options.sessionTimeoutMs ?? 10_000);
  const pollIntervalMs = positiveInteger('pollIntervalMs', options.pollIntervalMs ?? 1_000);
  const clientId = options.clientId ?? 'embedded';
  // Three heartbeats per session timeout, as Kafka advises: one lost beat does not evict a member.
  const timing = { heartbeatMs: Math.max(1, Math.floor(sessionTimeoutMs / 3)), pollIntervalMs };

  const db = openDatabase(path);
  const log = new Log(db, partitions);
  const changes = new ChangeFeed(path);
  const consumers = new Set<EmbeddedConsumer>();
  const ping = db.prepare('SELECT 1');
  let closing: Promise<void> | undefined;

  return {
    kind: 'embedded',
    publisher: {
      async publish(messages) {
        if (messages.length === 0) return;
        log.append(messages);
        changes.announce(messages.map((message) => message.topic));
      },
    },
    async subscribe({ group, topics, handle, handleBatch, from = 'earliest' }: SubscribeOptions): Promise<Consumer> {
      if (group === '' || topics.length === 0) throw new TypeError('subscribe needs a group and at least one topic');
      log.ensureTopics(topics);
      const membership = new GroupMembership(db, log, { group, memberId: `${clientId}-${process.pid}-${randomUUID().slice(0, 8)}`, topics, sessionTimeoutMs });
      if (from === 'latest') membership.startAtEnd();
      const consumer = new EmbeddedConsumer(membership, log, changes, { handle, handleBatch }, timing);
      consumers.add(consumer);
      return consumer;
    },
    async ensureTopics(topics) {
      log.ensureTopics(topics);
    },
    async endOffsets(topics) {
      log.ensureTopics(topics);
      return Object.fromEntries(topics.map((topic) => [topic, Array.from({ length: log.partitionsOf(topic) }, (_, p) => String(log.end(topic, p)))]));
    },
    async ping() {
      ping.get();
    },
    close() {
      closing ??= (async () => {
        await Promise.all([...consumers].map((consumer) => consumer.stop()));
        changes.close();
        db.close();
      })();
      return closing;
    },
  };
}
