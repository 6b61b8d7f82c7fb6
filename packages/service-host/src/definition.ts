import type { Cause, Clock, DomainEvent, Envelope, EventContract, PayloadOf } from '@eventide/core';
import type { HttpClient, HttpClientOptions } from '@eventide/http-client';
import type { DocumentSession, Documents, Migration, Store } from '@eventide/store';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import type { Transaction } from 'kysely';
import type { Static, TObject, TProperties } from 'typebox';
import type { PlatformConfig } from './config.ts';
import type { ServiceMetrics } from './metrics.ts';

/** The Fastify instance routes are declared on, typed from their TypeBox schemas. */
export type App = FastifyInstance<
  import('node:http').Server,
  import('node:http').IncomingMessage,
  import('node:http').ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export type Emit = (event: DomainEvent) => void;

/** What a message handler gets: the transaction its effects (and its inbox record) commit in. */
export interface HandlerContext {
  readonly trx: Transaction<any>;
  /** Queues an event of this service; it is published only if the transaction commits. */
  readonly emit: Emit;
  readonly clock: Clock;
  readonly log: FastifyBaseLogger;
}

/**
 * Reacts to other services' events (a policy, named after what it does on which event, e.g.
 * `reserveItemOnReserved`). The name is part of the dedupe key: renaming a policy re-handles history.
 */
export interface Policy {
  readonly name: string;
  /** Topics carrying the events in `on`. */
  readonly topics: readonly string[];
  /** Event types it handles; others on those topics pass it by. */
  readonly on: readonly string[];
  handle(event: Envelope, context: HandlerContext): Promise<void>;
}

/**
 * A policy on one event contract: it handles `contract.type` only, with the payload typed by the
 * contract. The cast is sound because the consumer pipeline checked the payload against that same
 * contract before any policy sees it.
 */
export function policyOn<C extends EventContract>(
  contract: C,
  policy: {
    readonly name: string;
    readonly topics: readonly string[];
    handle(payload: PayloadOf<C>, context: HandlerContext, event: Envelope): Promise<unknown>;
  },
): Policy {
  return {
    name: policy.name,
    topics: policy.topics,
    on: [contract.type],
    async handle(event, context) {
      await policy.handle(event.payload as PayloadOf<C>, context, event);
    },
  };
}

/**
 * Keeps a read model (a screen's view) up to date from events. Its changes and the dedupe marker
 * commit together in the read-model store (the service's own database, or Redis), so a redelivered
 * event changes nothing. `project` may run more than once for one event (Redis retries it when a
 * document it read changed meanwhile): it reads and writes only through the session.
 */
export interface Projection {
  readonly name: string;
  readonly topics: readonly string[];
  readonly on: readonly string[];
  /** The document collections it writes, and no other projection does: a rebuild clears them. */
  readonly collections: readonly string[];
  project(event: Envelope, session: DocumentSession): Promise<void>;
}

/**
 * A view a service keeps in its own tables, changed in its command transactions (when a screen
 * must read it right after the command). A rebuild recomputes it from the tables it summarises in
 * one transaction of the service's store, and resolves how many rows it wrote. Concurrent commands
 * wait on SQLite; on PostgreSQL and MariaDB the function locks what it reads (`select ... for
 * update`, `lock table`) if a command could change it meanwhile.
 */
export interface InlineReadModel {
  readonly name: string;
  rebuild(trx: Transaction<any>): Promise<number>;
}

export interface ServiceContext<C extends TProperties = {}> {
  readonly config: PlatformConfig & Static<TObject<C>>;
  readonly store: Store;
  readonly clock: Clock;
  readonly log: FastifyBaseLogger;
  readonly metrics: ServiceMetrics;
  /**
   * A resilient client for a synchronous call to another service, logging with the service's
   * logger, its breaker state in /metrics, closed at shutdown.
   */
  httpClient(options: Omit<HttpClientOptions, 'logger' | 'onStateChange'>): HttpClient;
  /** Read models: present when the definition has projections. */
  readonly documents: Documents | undefined;
  /**
   * Runs a command: its changes and the events it emits commit in one transaction of the
   * service's store; the events are published after the commit, never on rollback.
   */
  command<T>(cause: Cause | FastifyRequest, work: (trx: Transaction<any>, emit: Emit) => Promise<T>): Promise<T>;
  /**
   * Whether a request with this request's Idempotency-Key has committed already (a key reused
   * with another request: 409). A request's key keys every `command` given the request itself, so
   * a command of several transactions with calls between them checks this first, runs its earlier
   * transactions with `causeOf(request)` and gives the request to its last only.
   */
  answered(request: FastifyRequest): Promise<boolean>;
}

export interface ServiceDefinition<C extends TProperties = {}> {
  readonly system: string;
  readonly service: string;
  /** The seed's port; the PORT variable overrides it. */
  readonly port: number;
  /** The service's own configuration variables, beyond the platform's. */
  readonly config?: TObject<C>;
  /** Contracts of the events this service publishes and consumes; payloads are checked against them. */
  readonly contracts?: readonly EventContract[];
  readonly migrations?: Record<string, Migration>;
  readonly policies?: readonly Policy[];
  /** Or a function of the service's configuration, for a projection its variables shape (a rate, a time zone). */
  readonly projections?: readonly Projection[] | ((config: PlatformConfig & Static<TObject<C>>) => readonly Projection[]);
  /** Views kept inline by commands; rebuilt by name like projections (`POST /admin/read-models/{name}/rebuild`). */
  readonly readModels?: readonly InlineReadModel[];
  /**
   * Work the service does once at every start before it takes part (seeding reference data, say):
   * called when its store is migrated and its bus and outbox relay are up, so `context.command`
   * commits and publishes, but before its consumers start and before `routes` and the port opens.
   * The first message it handles and the first request it answers see what it did; if it throws,
   * the service does not start.
   */
  onStart?(context: ServiceContext<C>): Promise<void>;
  routes?(app: App, context: ServiceContext<C>): void | Promise<void>;
}

/** Identity function that keeps a definition's config type for `routes`. */
export const defineService = <C extends TProperties = {}>(definition: ServiceDefinition<C>): ServiceDefinition<C> =>
  definition;
