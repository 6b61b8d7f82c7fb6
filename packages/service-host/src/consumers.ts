import type { ContractRegistry, DomainEvent, Envelope } from '@eventide/core';
import { consumerPipeline, type Bus, type Consumer, type Message } from '@eventide/messaging';
import type { UnitOfWork } from '@eventide/outbox';
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '@eventide/core';
import type { Policy } from './definition.ts';
import type { ServiceMetrics } from './metrics.ts';

export interface ConsumerWiring {
  readonly bus: Bus;
  readonly unitOfWork: UnitOfWork;
  readonly group: string;
  readonly policies: readonly Policy[];
  readonly contracts: ContractRegistry;
  readonly maxAttempts: number;
  readonly clock: Clock;
  readonly log: FastifyBaseLogger;
  readonly metrics: ServiceMetrics;
  readonly signal: AbortSignal;
  /** Turns a handler's emitted events into outbox messages caused by `cause`. */
  readonly toMessages: (events: readonly DomainEvent[], cause: Envelope) => Message[];
}

/**
 * One consumer group per service over every topic its policies listen to. Each policy handling
 * a delivery runs in its own transaction with its own inbox record, so a retry after a partial
 * failure skips the policies that already committed.
 */
export async function startConsumers(wiring: ConsumerWiring): Promise<Consumer[]> {
  const { bus, unitOfWork, group, policies, contracts, clock, metrics } = wiring;
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
        const outcome = await unitOfWork.handleOnce(`${group}/${policy.name}`, event, (trx, emit) =>
          policy.handle(event, { trx, clock, log, emit: (e) => emit(wiring.toMessages([e], event)) }),
        );
        metrics.handled.inc({ handler: policy.name, outcome });
      }
    },
    {
      contracts,
      maxAttempts: wiring.maxAttempts,
      publisher: bus.publisher,
      logger: wiring.log,
      signal: wiring.signal,
      onRetry: () => metrics.retried.inc({ handler: group }),
      onDeadLetter: ({ delivery }) => metrics.deadLettered.inc({ topic: delivery.topic }),
    },
  );
  return [await bus.subscribe({ group, topics, handle })];
}
