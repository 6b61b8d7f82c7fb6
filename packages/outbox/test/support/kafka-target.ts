import { Admin } from '@platformatic/kafka';
import { openKafkaBus } from '@eventide/messaging-kafka';
import type { Bus } from '@eventide/messaging';
import { infraUrl } from '@eventide/testing';
import { busUnderTest } from './bus-target.ts';
import type { BusTarget } from './bus-target.ts';

interface KafkaConfig {
  readonly brokers: readonly string[];
}

export function open(config: KafkaConfig): Promise<Bus> {
  return openKafkaBus({ brokers: config.brokers, clientId: 'eventide-outbox-test', sessionTimeoutMs: 6_000 });
}

export const target: BusTarget = {
  name: 'Kafka bus',
  tag: '[kafka] ',
  infra: 'kafka',
  create: async () => {
    const config: KafkaConfig = { brokers: infraUrl.kafka.split(',') };
    return busUnderTest({ module: import.meta.url, config }, async (topics) => {
      const admin = new Admin({ clientId: 'eventide-outbox-test-admin', bootstrapBrokers: [...config.brokers] });
      try {
        await admin.deleteTopics({ topics: [...topics] });
      } finally {
        await admin.close();
      }
    });
  },
};
