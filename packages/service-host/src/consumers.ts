import type { Clock, ContractRegistry, DomainEvent, Envelope } from '@eventide/core';
import { consumerPipeline, contractViolations, type BatchHandler, type Bus, type Consumer, type Delivery, type Message } from '@eventide/messaging';
import type { UnitOfWork } from '@eventide/outbox';
import type { Documents, DocumentSession } from '@eventide/store';
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

/**
 * A policy or a projection, as the consumers run it: its events in order, each at most once, all
 * of them in one transaction. A policy reads and writes the service's tables, which the other
 * policies share; a projection only its own collections, through its session.
 */
interface Step {
  readonly name: string;
  readonly policy: boolean;
  runEach(events: readonly Envelope[]): Promise<ReadonlyArray<'handled' | 'duplicate'>>;
}

/** The longest run handled in one transaction: on PostgreSQL it holds its rows' locks for all of it. */
const longestRun = 100;

/**
 * One consumer group per service over every topic its policies and projections listen to. Each
 * handler of a delivery commits on its own with its own dedupe record (policies in the service's
 * store with their outbox events, projections in the read-model store), so a retry after a partial
 * failure skips the handlers that already committed.
 *
 * When the bus has several deliveries of a partition at hand, a run of them goes through each of
 * its handlers in one transaction (handleBatch): on SQLite a commit is most of what a small
 * handler costs. A run is consecutive deliveries that the same handlers take, with at most one
 * policy among them, so running each handler over the whole run before the next one changes
 * nothing: those handlers share no state. Anything unusual (a payload that breaks its contract, a
 * handler that throws, two policies on one event type) ends the fast path there, and the pipeline
 * takes the rest one at a time, with its retries and dead letters; what the run committed before
 * it stopped is a duplicate then.
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
      policy: true,
      runEach: (events) =>
        unitOfWork.handleEachOnce(`${group}/${policy.name}`, events, (event, trx, emit) =>
          policy.handle(event, { trx, clock, log: logFor(event), emit: (e) => emit(wiring.toMessages([e], event)) }),
        ),
    });
  }
  for (const projection of wiring.projections) {
    if (!documents) throw new Error(`${group} has projection ${projection.name} but no read-model store`);
    add(projection.on, {
      name: projection.name,
      policy: false,
      runEach: async (events) => {
        const changes = events.map((event) => ({ eventId: event.id, mutate: (session: DocumentSession) => projection.project(event, session) }));
        return (await documents.applyEachOnce(projectionConsumer(group, projection), changes)).map((o) => (o === 'applied' ? 'handled' : 'duplicate'));
      },
    });
  }
  const topics = [...new Set([...wiring.policies, ...wiring.projections].flatMap((h) => h.topics))];
  if (topics.length === 0) return [];

  const logFor = (event: Envelope) => wiring.log.child({ correlationId: event.correlationId, eventId: event.id, eventType: event.type });
  const stepsOf = (event: Envelope): readonly Step[] => steps.get(event.type) ?? [];
  const count = (step: Step, outcomes: ReadonlyArray<'handled' | 'duplicate'>) => {
    for (const outcome of outcomes) metrics.handled.inc({ handler: step.name, outcome });
  };

  /** The run that starts at `from`: its length and handlers, or undefined when `from` must go one at a time. */
  const runAt = (deliveries: readonly Delivery[], from: number): { length: number; steps: readonly Step[] } | undefined => {
    let runSteps: readonly Step[] | undefined;
    let length = 0;
    for (const { envelope } of deliveries.slice(from, from + longestRun)) {
      const mine = stepsOf(envelope);
      if (contractViolations(contracts, envelope).length > 0 || mine.filter((step) => step.policy).length > 1) break;
      if (mine.length > 0 && runSteps !== undefined && !sameSteps(mine, runSteps)) break;
      if (mine.length > 0) runSteps = mine;
      length += 1;
    }
    return length === 0 ? undefined : { length, steps: runSteps ?? [] };
  };

  const handleBatch: BatchHandler = async (deliveries) => {
    let done = 0;
    for (let run = runAt(deliveries, 0); run !== undefined && !wiring.signal.aborted; run = runAt(deliveries, done)) {
      // Every event of a run that has handlers has the run's handlers.
      const events = deliveries.slice(done, done + run.length).map((delivery) => delivery.envelope).filter((event) => stepsOf(event).length > 0);
      try {
        for (const step of run.steps) count(step, await step.runEach(events));
      } catch (error) {
        wiring.log.debug({ err: error, deliveries: run.length }, 'a run of deliveries goes one at a time');
        break;
      }
      done += run.length;
    }
    return done;
  };

  const handle = consumerPipeline(
    async ({ envelope }) => {
      for (const step of stepsOf(envelope)) count(step, await step.runEach([envelope]));
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
  return [await bus.subscribe({ group, topics, handle, handleBatch })];
}

const sameSteps = (a: readonly Step[], b: readonly Step[]): boolean => a.length === b.length && a.every((step, i) => step === b[i]);
