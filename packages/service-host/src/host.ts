import { ContractRegistry, envelop, systemClock, type Cause, type Clock, type DomainEvent } from '@eventide/core';
import { deadLetterTopicOf, topicOf, type Bus, type Consumer, type Message } from '@eventide/messaging';
import { preparePlatformTables, startRelay, unitOfWork, type Relay } from '@eventide/outbox';
import { createHttpClient, type HttpClient } from '@eventide/http-client';
import { counterMigrations, openRedisDocuments, openSqlDocuments, openStore, type Documents, type Store } from '@eventide/store';
import { setTimeout as delay } from 'node:timers/promises';
import swagger from '@fastify/swagger';
import type { FastifyRequest } from 'fastify';
import type { Transaction } from 'kysely';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { TProperties } from 'typebox';
import { adminRoutes } from './admin.ts';
import { defaultStoreUrl, openBus } from './bus.ts';
import { loadConfig } from './config.ts';
import { startConsumers } from './consumers.ts';
import type { App, ServiceContext, ServiceDefinition } from './definition.ts';
import { createHttp } from './http.ts';
import { idempotencyMigrations, idempotentRequestOf, runIdempotent, storedResult } from './idempotency.ts';
import { createMetrics } from './metrics.ts';
import { readModelRebuilds } from './rebuild.ts';

export interface StartOptions {
  /** Environment variables to read configuration from (default: process.env). */
  readonly env?: Record<string, string | undefined>;
  readonly clock?: Clock;
  /** Where JSON logs go (default: stdout). */
  readonly logDestination?: DestinationStream;
}

export interface RunningService<C extends TProperties = {}> {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  readonly app: App;
  readonly context: ServiceContext<C>;
  readonly log: Logger;
  /** Drains and stops: readiness false, new requests refused, in-flight ones finished, outbox flushed, offsets committed. */
  close(): Promise<void>;
}

/** What a command records as its cause: a request's id and correlation, without its Idempotency-Key. */
export function causeOf(source: Cause | FastifyRequest): Cause {
  if (!('raw' in source)) return source;
  const header = (name: string) => {
    const value = source.headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  return { id: source.id, correlationId: header('x-correlation-id'), traceparent: header('traceparent') ?? null };
}

/**
 * Composes a service from its definition: config, store and migrations, bus, outbox relay, the
 * definition's onStart, consumers, then HTTP. Resolves once it listens; readiness tells when it can
 * take traffic.
 */
export async function startService<C extends TProperties = {}>(
  definition: ServiceDefinition<C>,
  options: StartOptions = {},
): Promise<RunningService<C>> {
  const { system, service } = definition;
  const name = `${system}.${service}`;
  const config = loadConfig(options.env ?? process.env, { extra: definition.config, defaults: { PORT: definition.port } });
  const clock = options.clock ?? systemClock;
  const log = pino({ level: config.LOG_LEVEL, base: { service: name }, redact: ['req.headers.authorization'] }, options.logDestination);
  const contracts = new ContractRegistry(definition.contracts);
  const ownTopic = topicOf(system, service);
  const shutdown = new AbortController();

  let draining = false;
  let migrated = false;
  let consumers: Consumer[] = [];
  let store: Store | undefined;
  let bus: Bus | undefined;
  let relay: Relay | undefined;
  let documents: Documents | undefined;
  const httpClients: HttpClient[] = [];

  const metrics = createMetrics(
    { system, service },
    {
      lag: async () => (await Promise.all(consumers.map((c) => c.lag()))).reduce((a, b) => a + b, 0),
      backlog: async () => (relay ? relay.backlog() : 0),
    },
  );

  const toMessages = (events: readonly DomainEvent[], cause: Cause): Message[] =>
    events.map((event) => {
      const contract = contracts.get(event.type);
      if (!contract) throw new Error(`${name} emitted ${event.type}, which has no contract in its definition`);
      const violations = contract.check(event.payload);
      if (violations.length > 0) {
        throw new Error(`${event.type} breaks its contract: ${violations.map((v) => `${v.field} ${v.rule}`).join(', ')}`);
      }
      return { topic: ownTopic, key: String(event.aggregateId), envelope: envelop(event, { clock, cause }) };
    });

  const app = createHttp({
    logger: log,
    bodyLimit: config.BODY_LIMIT,
    metrics,
    draining: () => draining,
    ready: async () => {
      if (draining) return 'draining';
      if (!migrated || !store) return 'starting';
      const stopped = consumers.find((c) => !c.running);
      if (stopped) return `consumer ${stopped.group} is not running`;
      try {
        await store.ping();
      } catch (error) {
        return `store does not answer: ${(error as Error).message}`;
      }
      try {
        await documents?.ping();
      } catch (error) {
        return `read-model store does not answer: ${(error as Error).message}`;
      }
      return undefined;
    },
  });

  try {
    store = await openStore(config.STORE_URL ?? defaultStoreUrl(config, system, service));
    await preparePlatformTables(store);
    await store.migrate(idempotencyMigrations, 'host_migrations');
    await store.migrate(counterMigrations, 'counter_migrations');
    if (definition.migrations) await store.migrate(definition.migrations);
    const projections = typeof definition.projections === 'function' ? definition.projections(config) : (definition.projections ?? []);
    if (projections.length > 0) {
      documents = config.READ_MODEL_URL
        ? await openRedisDocuments(config.READ_MODEL_URL, { namespace: name, logger: log })
        : await openSqlDocuments(store, { clock });
    }
    migrated = true;

    bus = await openBus(config, name);
    const subscribed = [...new Set([...(definition.policies ?? []), ...projections].flatMap((h) => h.topics))];
    await bus.ensureTopics([ownTopic, deadLetterTopicOf(ownTopic), ...subscribed, ...subscribed.map(deadLetterTopicOf)]);
    relay = startRelay(store, bus.publisher, {
      logger: log,
      onPublished: (count: number) => metrics.published.inc(count),
    });

    const work = unitOfWork(store, relay, clock);
    const context: ServiceContext<C> = {
      config,
      store,
      clock,
      log,
      metrics,
      documents,
      httpClient: (clientOptions) => {
        const client = createHttpClient({
          ...clientOptions,
          logger: log,
          onStateChange: ({ state }) => metrics.setBreakerState(clientOptions.name, state),
        });
        metrics.setBreakerState(clientOptions.name, client.state);
        httpClients.push(client);
        return client;
      },
      command: (source, change) => {
        const cause = causeOf(source);
        const execute = (trx: Transaction<any>, emit: (messages: readonly Message[]) => void) =>
          change(trx, (event) => emit(toMessages([event], cause)));
        const idempotent = 'raw' in source ? idempotentRequestOf(source) : undefined;
        if (!idempotent || !store) return work.run(execute);
        return runIdempotent(store, idempotent, clock, (remember) =>
          work.run(async (trx, emit) => remember(trx, await execute(trx, emit))),
        );
      },
      answered: async (request) => {
        const idempotent = idempotentRequestOf(request);
        return idempotent !== undefined && store !== undefined && (await storedResult(store, idempotent)) !== undefined;
      },
    };

    const consumerWiring = {
      bus,
      unitOfWork: work,
      documents,
      group: name,
      policies: definition.policies ?? [],
      projections,
      contracts,
      maxAttempts: config.HANDLER_MAX_ATTEMPTS,
      clock,
      log,
      metrics,
      signal: shutdown.signal,
      toMessages,
    };
    // Migrated, and commands publish through the relay; nothing consumed or served yet.
    await definition.onStart?.(context);
    consumers = await startConsumers(consumerWiring);
    const rebuilds = readModelRebuilds({
      bus,
      store,
      documents,
      group: name,
      projections,
      readModels: definition.readModels ?? [],
      contracts,
      log,
      signal: shutdown.signal,
      // While paused the service has no consumer, and stays ready: the pause is deliberate and short.
      pauseLive: async () => {
        const paused = consumers;
        consumers = [];
        await Promise.all(paused.map((c) => c.stop()));
      },
      resumeLive: async () => {
        if (!shutdown.signal.aborted) consumers = await startConsumers(consumerWiring);
      },
    });

    await app.register(swagger, { openapi: { info: { title: name, version: '1' } } });
    app.get('/docs', { schema: { hide: true } }, async () => app.swagger());
    adminRoutes(app, rebuilds);
    await definition.routes?.(app, context);
    await app.listen({ host: config.HOST, port: config.PORT });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.PORT;
    log.info({ port, bus: bus.kind, store: store.dialect }, `${name} listening`);

    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= (async () => {
        draining = true;
        if (config.DRAIN_DELAY_MS > 0) await delay(config.DRAIN_DELAY_MS);
        await app.close();
        shutdown.abort();
        await Promise.all(httpClients.map((c) => c.close()));
        await Promise.all(consumers.map((c) => c.stop()));
        await relay?.flush();
        await relay?.stop();
        await bus?.close();
        await documents?.close();
        await store?.close();
        log.info(`${name} stopped`);
      })();
      return closing;
    };
    return { name, url: `http://${config.HOST}:${port}`, port, app, context, log, close };
  } catch (error) {
    shutdown.abort();
    await app.close().catch(() => undefined);
    await relay?.stop().catch(() => undefined);
    await bus?.close().catch(() => undefined);
    await documents?.close().catch(() => undefined);
    await store?.close().catch(() => undefined);
    throw error;
  }
}
