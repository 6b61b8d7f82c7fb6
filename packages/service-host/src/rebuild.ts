import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { AppError, isAppError, notFound } from '@eventide/core';
import type { Store } from '@eventide/store';
import { projectionConsumer, projectOnce, type ConsumerWiring } from './consumers.ts';
import type { InlineReadModel, Projection } from './definition.ts';

/** What a rebuild did, as the admin endpoint answers it and the CLI prints it. */
export type RebuildResult =
  | {
      readonly readModel: string;
      readonly kind: 'projection';
      /** Events of the projection's types applied from the beginning of its topics. */
      readonly events: number;
      /** Events whose payload breaks its contract or that the projection refuses: live consumption dead-lettered them, so the replay passes them by. */
      readonly skipped: number;
      readonly durationMs: number;
    }
  | { readonly readModel: string; readonly kind: 'inline'; readonly rows: number; readonly durationMs: number };

export interface ReadModelRebuilds {
  /** The read models of the service, projections first. */
  readonly names: readonly string[];
  /** Rejects with AppError 'not_found' for an unknown name, 'conflict' while another rebuild runs. */
  rebuild(name: string): Promise<RebuildResult>;
}

/**
 * What live consumption has too (the group names the projections' markers; the signal, aborted at
 * shutdown, stops a replay in progress and rejects the rebuild), plus the store and inline views.
 */
export interface RebuildWiring extends Pick<ConsumerWiring, 'bus' | 'documents' | 'group' | 'projections' | 'contracts' | 'log' | 'signal'> {
  readonly store: Store;
  readonly readModels: readonly InlineReadModel[];
  /** Stops the service's live consumer: the delivery in flight finishes and its offset is committed. */
  pauseLive(): Promise<void>;
  /** Starts it again from its committed offsets. */
  resumeLive(): Promise<void>;
}

/** How often a replay looks whether it has reached the end of its topics. */
const lagPollMs = 25;

/**
 * Rebuilds a read model from scratch while the service runs.
 *
 * A projection: the live consumer is paused (its offsets committed at O), the projection's
 * documents and dedupe markers are cleared, and a consumer of a throwaway group replays its topics
 * from the earliest offset through the same `project` and `applyOnce` as live consumption, until it
 * has handled every partition up to its end as read after the pause (so at or past O). Then the live
 * consumer resumes from O: what the replay already applied is a duplicate by its marker, what came
 * after is applied in partition order. So the result is the from-scratch build even while events
 * keep arriving, and an order-sensitive projection sees every partition in order exactly once.
 * Other replicas of the service would keep consuming, so a rebuild needs the service at one replica.
 *
 * An inline read model: its `rebuild` runs in one transaction of the service's store.
 *
 * One rebuild at a time per process. An event whose payload breaks its contract or that the
 * projection refuses is passed by and counted, as live consumption dead-lettered it. A read-model
 * store that does not answer fails the rebuild (503) after resuming live consumption; the view is
 * then incomplete until a rebuild succeeds.
 */
export function readModelRebuilds(wiring: RebuildWiring): ReadModelRebuilds {
  const { projections, readModels } = wiring;
  const names = [...projections.map((p) => p.name), ...readModels.map((m) => m.name)];
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate !== undefined) throw new Error(`${wiring.group} has two read models named ${duplicate}`);
  let running: string | undefined;

  return {
    names,
    async rebuild(name) {
      const projection = projections.find((p) => p.name === name);
      const inline = readModels.find((m) => m.name === name);
      if (!projection && !inline) throw notFound('readModel', name);
      if (running !== undefined) throw new AppError('conflict', `a rebuild of ${running} is running; one at a time`);
      running = name;
      const started = performance.now();
      try {
        if (inline) {
          const rows = await wiring.store.transaction((trx) => inline.rebuild(trx));
          return { readModel: name, kind: 'inline', rows, durationMs: Math.round(performance.now() - started) };
        }
        const { events, skipped } = await replay(wiring, projection!);
        return { readModel: name, kind: 'projection', events, skipped, durationMs: Math.round(performance.now() - started) };
      } finally {
        running = undefined;
      }
    },
  };
}

async function replay(wiring: RebuildWiring, projection: Projection): Promise<{ events: number; skipped: number }> {
  const { bus, documents, group, contracts, log, signal } = wiring;
  if (!documents) throw new Error(`${group} has projection ${projection.name} but no read-model store`);
  const types = new Set(projection.on);
  let events = 0;
  let skipped = 0;
  let failure: AppError | undefined;

  await wiring.pauseLive();
  try {
    await documents.clear(projectionConsumer(group, projection), projection.collections);
    // Taken after the pause, so at or past the live consumer's committed offsets.
    const ends = await bus.endOffsets(projection.topics);
    const handled = new Map<string, bigint>();
    const reachedEnds = () =>
      Object.entries(ends).every(([topic, partitions]) =>
        partitions.every((end, partition) => end === '0' || (handled.get(`${partition}:${topic}`) ?? -1n) >= BigInt(end)),
      );
    log.info({ readModel: projection.name }, 'rebuild: read model cleared, replaying its topics');
    const consumer = await bus.subscribe({
      group: `${group}.rebuild.${projection.name}.${randomUUID()}`,
      topics: projection.topics,
      from: 'earliest',
      handle: async ({ envelope, topic, partition, offset }) => {
        if (types.has(envelope.type)) {
          if ((contracts.get(envelope.type)?.check(envelope.payload) ?? []).length > 0) {
            skipped += 1;
            log.warn({ readModel: projection.name, eventId: envelope.id, eventType: envelope.type }, 'rebuild: passing by an event that breaks its contract');
          } else {
            try {
              if ((await projectOnce(documents, group, projection, envelope)) === 'handled') events += 1;
            } catch (error) {
              // A store that did not answer: the rebuild fails, to be tried again. Anything else is
              // the projection refusing the event, which live consumption dead-lettered too.
              if (isAppError(error) && error.canRetry) {
                failure ??= error;
                throw error;
              }
              skipped += 1;
              log.warn({ readModel: projection.name, eventId: envelope.id, eventType: envelope.type, err: error }, 'rebuild: passing by an event the projection refuses');
            }
          }
        }
        handled.set(`${partition}:${topic}`, BigInt(offset) + 1n);
      },
    });
    try {
      // A lag of 0 also ends it: a partition whose messages retention has deleted delivers nothing.
      while (!reachedEnds() && (await consumer.lag()) > 0) {
        if (failure !== undefined) throw failure;
        await delay(lagPollMs, undefined, { signal });
      }
    } finally {
      await consumer.stop();
    }
  } finally {
    await wiring.resumeLive();
  }
  log.info({ readModel: projection.name, events, skipped }, 'rebuild: replay caught up, live consumption resumed');
  return { events, skipped };
}
