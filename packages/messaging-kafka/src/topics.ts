import { setTimeout as delay } from 'node:timers/promises';
import { AppError } from '@eventide/core';
import type { Admin } from '@platformatic/kafka';

/** How long a just-created topic may take until every partition has a leader. */
const usableWithinMs = 15_000;

/**
 * Creates the topics that do not exist (replication factor 1: one broker in development and CI;
 * a production cluster's topics are created by its operators with their own settings), then waits
 * until every partition of every topic has a leader, so a publish or subscribe right after works.
 */
export async function ensureTopics(admin: Admin, topics: readonly string[], partitions: number): Promise<void> {
  const wanted = [...new Set(topics)];
  if (wanted.length === 0) return;
  const existing = new Set(await admin.listTopics());
  const missing = wanted.filter((topic) => !existing.has(topic));
  if (missing.length > 0) {
    try {
      await admin.createTopics({ topics: missing, partitions, replicas: 1 });
    } catch (error) {
      // Another client may have created some of them meanwhile; only a topic still missing is a failure.
      const now = new Set(await admin.listTopics());
      if (missing.some((topic) => !now.has(topic))) throw error;
    }
  }
  await untilLed(admin, wanted);
}

async function untilLed(admin: Admin, topics: string[]): Promise<void> {
  const deadline = performance.now() + usableWithinMs;
  let lastError: unknown;
  while (performance.now() < deadline) {
    try {
      const metadata = await admin.metadata({ topics, forceUpdate: true });
      const led = topics.every((topic) => {
        const partitions = metadata.topics.get(topic)?.partitions ?? [];
        return partitions.length > 0 && partitions.every((partition) => partition.leader >= 0);
      });
      if (led) return;
    } catch (error) {
      lastError = error; // metadata may not know a topic created a moment ago
    }
    await delay(50);
  }
  throw new AppError('unavailable', `topics ${topics.join(', ')} have no leader after ${usableWithinMs} ms`, { cause: lastError });
}
