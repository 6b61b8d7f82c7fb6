import { join } from 'node:path';
import { openEmbeddedBus, type Bus } from '@eventide/messaging';
import type { PlatformConfig } from './config.ts';

/** The one place the bus adapter is chosen: configuration, never a code fork. */
export async function openBus(config: PlatformConfig, clientId: string): Promise<Bus> {
  if (config.BUS === 'kafka') {
    // Loaded only when used: the Kafka client is the heaviest import of a service's start.
    const { openKafkaBus } = await import('@eventide/messaging-kafka');
    return openKafkaBus({ brokers: (config.KAFKA_BROKERS ?? '').split(','), clientId });
  }
  return openEmbeddedBus({ path: config.BUS_PATH ?? join(config.DATA_DIR, 'bus.db'), clientId });
}

/** The store URL a service uses when none is configured: its own SQLite file under DATA_DIR. */
export const defaultStoreUrl = (config: PlatformConfig, system: string, service: string): string =>
  `sqlite:${join(config.DATA_DIR, system, `${service}.db`)}`;
