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
      // Services starting together create the same topics; "already exists" is then what they wanted.
      // (Listing the topics again does not tell: the broker may not list a topic it has just created.)
      if (!leaves(error).every((cause) => (cause as { apiId?: unknown }).apiId === 'TOPIC_ALREADY_EXISTS')) throw error;
    }
  }
  await untilLed(admin, wanted);
}

/** The innermost errors of a (nested) AggregateError, as the client reports one per topic of a batch. */
const leaves = (error: unknown): unknown[] => (error instanceof AggregateError ? error.errors.flatMap(leaves) : [error]);

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
