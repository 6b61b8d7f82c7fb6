import { setTimeout as delay } from 'node:timers/promises';
import type { Message, Publisher } from '@eventide/messaging';
import { preparePlatformTables, startRelay, unitOfWork } from '@eventide/outbox';
import { openStore } from '@eventide/store';
import { summarize } from './stats.ts';

/**
 * Outbox commit→publish latency: `count` single-event units of work at `perSecond`, each timed from
 * its commit (run() resolved) to the publisher's acknowledgement of its message.
 */
export async function outboxLatency(
  storeUrl: string,
  publisher: Publisher,
  message: (n: number) => Message,
  { count = 2_000, perSecond = 500 } = {},
): Promise<{ p50: number; p99: number; max: number }> {
  const store = await openStore(storeUrl);
  await preparePlatformTables(store);
  const committedAt = new Map<string, number>();
  const acknowledgedAt = new Map<string, number>();
  const timed: Publisher = {
    publish: async (messages) => {
      await publisher.publish(messages);
      const at = performance.now();
      for (const { envelope } of messages) acknowledgedAt.set(envelope.id, at);
    },
  };
  const relay = startRelay(store, timed);
  try {
    const work = unitOfWork(store, relay);
    const start = performance.now();
    for (let n = 0; n < count; n += 1) {
      const wait = start + (n * 1_000) / perSecond - performance.now();
      if (wait > 0) await delay(wait);
      const next = message(n);
      await work.run(async (_trx, emit) => emit([next]));
      committedAt.set(next.envelope.id, performance.now());
    }
    await relay.flush();
  } finally {
    await relay.stop();
    await store.close();
  }
  return summarize([...committedAt].map(([id, committed]) => (acknowledgedAt.get(id) ?? Number.NaN) - committed));
}
