import { openEmbeddedBus, type Bus } from '@eventide/messaging';

export type Adapter = 'embedded' | 'kafka';

/** Opens a client of the bus a benchmark measures: the embedded file at `target`, or Kafka brokers. */
export async function openBenchBus(adapter: Adapter, target: string, clientId: string): Promise<Bus> {
  if (adapter === 'embedded') return openEmbeddedBus({ path: target, clientId });
  const { openKafkaBus } = await import('@eventide/messaging-kafka');
  return openKafkaBus({ brokers: target.split(','), clientId });
}
