import type { Clock, ContractRegistry, DomainEvent, Envelope } from '@eventide/core';
import { consumerPipeline, type Bus, type Consumer, type Message } from '@eventide/messaging';
import type { UnitOfWork } from '@eventide/outbox';
import type { Documents } from '@eventide/store';
import type { FastifyBaseLogger } from 'fastify';
import type { Policy, Projection } from './definition.ts';
import type { ServiceMetrics } from './metrics.ts';

export interface ConsumerWiring {
  readonly bus: Bus;
  readonly unitOfWork: UnitOfWork;
  readonly documents: Documents | undefined;
  readonly group: string;
  readonly policies: readonly Policy[];
  readonly projections: readonly Projection[];
  readonly contracts: ContractRegistry;
  readonly maxAttempts: number;
  readonly clock: Clock;
  readonly log: FastifyBaseLogger;
  readonly metrics: ServiceMetrics;
  readonly signal: AbortSignal;
  /** Turns a handler's emitted events into outbox messages caused by `cause`. */
  readonly toMessages: (events: readonly DomainEvent[], cause: Envelope) => Message[];
}

/** The consumer name of a projection's dedupe markers; a rebuild clears them. */
export const projectionConsumer = (group: string, projection: Projection): string => `${group}/${projection.name}`;

/** Applies `event` to `projection` once: live consumption and a rebuild's replay share this. */
export async function projectOnce(documents: Documents, group: string, projection: Projection, event: Envelope): Promise<'handled' | 'duplicate'> {
  const outcome = await documents.applyOnce(projectionConsumer(group, projection), event.id, (session) => projection.project(event, session));
  return outcome === 'applied' ? 'handled' : 'duplicate';
}

type Step = { readonly name: string; run(event: Envelope, log: FastifyBaseLogger): Promise<'handled' | 'duplicate'> };

/**
 * One consumer group per service over every topic its policies and projections listen to. Each
 * handler of a delivery commits on its own with its own dedupe record (policies in the service's
 * store with their outbox events, projections in the read-model store), so a retry after a partial
 * failure skips the handlers that already committed.
 */
export async function startConsumers(wiring: ConsumerWiring): Promise<Consumer[]> {
  const { bus, unitOfWork, documents, group, contracts, clock, metrics } = wiring;
  const steps = new Map<string, Step[]>();
  const add = (types: readonly string[], step: Step) => {
    for (const type of types) steps.set(type, [...(steps.get(type) ?? []), step]);
  };
  for (const policy of wiring.policies) {
    add(policy.on, {
      name: policy.name,
      run: (event, log) =>
        unitOfWork.handleOnce(`${group}/${policy.name}`, event, (trx, emit) =>
          policy.handle(event, { trx, clock, log, emit: (e) => emit(wiring.toMessages([e], event)) }),
        ),
    });
  }
  for (const projection of wiring.projections) {
    if (!documents) throw new Error(`${group} has projection ${projection.name} but no read-model store`);
    add(projection.on, { name: projection.name, run: (event) => projectOnce(documents, group, projection, event) });
  }
  const topics = [...new Set([...wiring.policies, ...wiring.projections].flatMap((h) => h.topics))];
  if (topics.length === 0) return [];

  const handle = consumerPipeline(
    async (delivery) => {
      const event = delivery.envelope;
      const log = wiring.log.child({ correlationId: event.correlationId, eventId: event.id, eventType: event.type });
      for (const step of steps.get(event.type) ?? []) {
        metrics.handled.inc({ handler: step.name, outcome: await step.run(event, log) });
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
