import type { ContractRegistry, Envelope } from '@eventide/core';
import { consumerPipeline, type Bus, type Consumer, type Message } from '@eventide/messaging';
import { addToOutbox, handleOnce, type Relay } from '@eventide/outbox';
import type { Store } from '@eventide/store';
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '@eventide/core';
import type { Emit, Policy } from './definition.ts';
import type { ServiceMetrics } from './metrics.ts';

export interface ConsumerWiring {
  readonly bus: Bus;
  readonly store: Store;
  readonly relay: Relay;
  readonly group: string;
  readonly policies: readonly Policy[];
  readonly contracts: ContractRegistry;
  readonly maxAttempts: number;
  readonly clock: Clock;
  readonly log: FastifyBaseLogger;
  readonly metrics: ServiceMetrics;
  readonly signal: AbortSignal;
  /** Turns a handler's emitted events into outbox messages caused by `cause`. */
  readonly toMessages: (events: Parameters<Emit>[0][], cause: Envelope) => Message[];
}

/**
 * One consumer group per service over every topic its policies listen to. Each policy handling
 * a delivery runs in its own transaction with its own inbox record, so a retry after a partial
 * failure skips the policies that already committed.
 */
export async function startConsumers(wiring: ConsumerWiring): Promise<Consumer[]> {
  const { bus, store, relay, group, policies, contracts, clock, metrics } = wiring;
  if (policies.length === 0) return [];
  const byType = new Map<string, Policy[]>();
  for (const policy of policies) {
    for (const type of policy.on) byType.set(type, [...(byType.get(type) ?? []), policy]);
  }
  const topics = [...new Set(policies.map((p) => p.topic))];
  const handle = consumerPipeline(
    async (delivery) => {
      const event = delivery.envelope;
      const log = wiring.log.child({ correlationId: event.correlationId, eventId: event.id, eventType: event.type });
      for (const policy of byType.get(event.type) ?? []) {
        const outcome = await handleOnce(store, `${group}/${policy.name}`, event, async (trx) => {
          const emitted: Parameters<Emit>[0][] = [];
          await policy.handle(event, { trx, clock, log, emit: (e) => void emitted.push(e) });
          if (emitted.length > 0) await addToOutbox(trx, wiring.toMessages(emitted, event));
        });
        metrics.handled.inc({ handler: policy.name, outcome });
        if (outcome === 'handled') relay.wake();
      }
    },
    {
      contracts,
      maxAttempts: wiring.maxAttempts,
      deadLetters: bus.publisher,
      logger: wiring.log,
      signal: wiring.signal,
      onRetry: () => metrics.retried.inc({ handler: group }),
      onDeadLetter: (delivery: { topic: string }) => metrics.deadLettered.inc({ topic: delivery.topic }),
    },
  );
  return [await bus.subscribe({ group, topics, handle })];
}
