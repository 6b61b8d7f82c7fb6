import { AppError } from '@eventide/core';
import type { Bus, Consumer, PipelineLogger, SubscribeOptions } from '@eventide/messaging';
import { Admin, compatibilityPartitioner, ProduceAcks, Producer, stringSerializer } from '@platformatic/kafka';
import { fromKafka } from './errors.ts';
import { BatchingPublisher } from './publisher.ts';
import { KafkaSubscription } from './subscription.ts';
import { ensureTopics } from './topics.ts';

/** ListOffsets' timestamp for "the offset the next record will get". */
const latestOffset = -1n;

export interface KafkaBusOptions {
  /** Bootstrap brokers, `host:port`. */
  readonly brokers: readonly string[];
  /** Names this process in the broker's logs and metrics. */
  readonly clientId: string;
  /** Partitions of each topic ensureTopics creates (default 4); an existing topic keeps its count. */
  readonly partitions?: number;
  /** A consumer silent for this long is evicted and its partitions move to its peers (default 10 s). */
  readonly sessionTimeoutMs?: number;
  /** How produced batches are compressed (default lz4: JSON envelopes shrink about 5 times for little CPU). */
  readonly compression?: 'none' | 'lz4' | 'zstd' | 'snappy' | 'gzip';
  /** Where infrastructure failures (commits, lost streams) are reported; a pino logger fits (default: console). */
  readonly logger?: PipelineLogger;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

/**
 * The Kafka adapter of the messaging port, on @platformatic/kafka. Opening connects nothing yet:
 * clients connect on first use, and ping() is what tells whether the broker answers.
 *
 * Publishing: one idempotent producer per bus (acks from all in-sync replicas, so a retried request
 * neither duplicates nor reorders records), the Java client's partitioner (murmur2 of the key), so
 * a key lands on the same partition whichever client writes it. Consuming: see KafkaSubscription.
 */
export async function openKafkaBus(options: KafkaBusOptions): Promise<Bus> {
  if (options.brokers.length === 0) throw new RangeError('brokers must name at least one host:port');
  const partitions = positiveInteger('partitions', options.partitions ?? 4);
  const sessionTimeoutMs = positiveInteger('sessionTimeoutMs', options.sessionTimeoutMs ?? 10_000);
  const logger = options.logger ?? console;
  const compression = options.compression ?? 'lz4';
  const bootstrapBrokers = [...options.brokers];

  const producer = new Producer<string, Buffer, string, string>({
    clientId: options.clientId,
    bootstrapBrokers,
    idempotent: true,
    acks: ProduceAcks.ALL,
    // An idempotent producer left at the default retries retries forever (even a topic that does not
    // exist): bounded, publish rejects after about 2 s and the outbox relay tries again later.
    retries: 6,
    retryDelay: 250,
    partitioner: compatibilityPartitioner,
    ...(compression === 'none' ? {} : { compression }),
    serializers: { key: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer },
  });
  // Few retries: readiness probes call ping() and want a prompt answer.
  const admin = new Admin({ clientId: `${options.clientId}-admin`, bootstrapBrokers, retries: 1, retryDelay: 250 });
  const subscriptions = new Set<KafkaSubscription>();
  let closing: Promise<void> | undefined;

  const publisher = new BatchingPublisher(async (records) => {
    try {
      await producer.send({ messages: records });
    } catch (error) {
      throw fromKafka(`publishing ${records.length} message(s)`, error);
    }
  });

  return {
    kind: 'kafka',
    publisher,
    async subscribe(subscribeOptions: SubscribeOptions): Promise<Consumer> {
      if (closing) throw new Error('this Kafka bus is closed');
      if (subscribeOptions.group === '' || subscribeOptions.topics.length === 0) throw new TypeError('subscribe needs a group and at least one topic');
      const subscription = await KafkaSubscription.start({ brokers: bootstrapBrokers, clientId: options.clientId, sessionTimeoutMs, logger }, subscribeOptions);
      subscriptions.add(subscription);
      return subscription;
    },
    async ensureTopics(topics) {
      try {
        await ensureTopics(admin, topics, partitions);
      } catch (error) {
        throw fromKafka(`ensuring topics ${topics.join(', ')}`, error);
      }
    },
    async endOffsets(topics) {
      try {
        const { topics: described } = await admin.metadata({ topics: [...topics], forceUpdate: true });
        const listed = await admin.listOffsets({
          topics: topics.map((name) => ({
            name,
            partitions: Array.from({ length: described.get(name)?.partitionsCount ?? 0 }, (_, partitionIndex) => ({ partitionIndex, timestamp: latestOffset })),
          })),
        });
        return Object.fromEntries(
          listed.map(({ name, partitions }) => [name, [...partitions].sort((a, b) => a.partitionIndex - b.partitionIndex).map((p) => String(p.offset))]),
        );
      } catch (error) {
        throw fromKafka(`reading the end offsets of ${topics.join(', ')}`, error);
      }
    },
    async ping() {
      try {
        await admin.metadata({ topics: [], forceUpdate: true });
      } catch (error) {
        throw new AppError('unavailable', 'the Kafka broker did not answer a metadata request', { cause: error, retryAfterSeconds: 1 });
      }
    },
    close() {
      closing ??= (async () => {
        await Promise.all([...subscriptions].map((subscription) => subscription.stop()));
        await Promise.all([producer.close(), admin.close()]);
      })();
      return closing;
    },
  };
}
