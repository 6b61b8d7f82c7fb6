import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The service's Prometheus metrics, in a registry of its own (tests run several services in one
 * process). Gauges whose truth lives elsewhere (lag, backlog) are read on scrape through `collect`.
 */
export interface ServiceMetrics {
  readonly registry: Registry;
  readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  readonly handled: Counter<'handler' | 'outcome'>;
  readonly retried: Counter<'handler'>;
  readonly deadLettered: Counter<'topic'>;
  readonly published: Counter;
  /** Call on each breaker state change of an outgoing HTTP client. */
  setBreakerState(client: string, state: 'closed' | 'half-open' | 'open'): void;
}

const breakerStates = { closed: 0, 'half-open': 1, open: 2 } as const;

/**
 * prom-client's process metrics (CPU, memory, GC, event-loop lag) into `registry`. The event-loop
 * monitor samples every 100 ms, not prom-client's 10: each sample wakes the process, and 100
 * wake-ups a second cost an idle process 9 ms of CPU a second (seven of them on two cores, 3% of
 * the machine). A stall shorter than 100 ms still shows, as the lag of the sample it delayed.
 */
export function collectProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
}

export function createMetrics(
  labels: { system: string; service: string },
  sources: { lag(): Promise<number>; backlog(): Promise<number> },
): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  collectProcessMetrics(registry);
  const breaker = new Gauge({
    name: 'circuit_breaker_state',
    help: 'State of an outgoing HTTP client circuit breaker: 0 closed, 1 half-open, 2 open',
    labelNames: ['client'],
    registers: [registry],
  });
  new Gauge({
    name: 'consumer_lag_messages',
    help: 'Messages on the subscribed partitions not yet committed by this service',
    registers: [registry],
    async collect() {
      this.set(await sources.lag());
    },
  });
  new Gauge({
    name: 'outbox_backlog_messages',
    help: 'Events committed to the outbox and not yet published',
    registers: [registry],
    async collect() {
      this.set(await sources.backlog());
    },
  });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    handled: new Counter({
      name: 'messages_handled_total',
      help: 'Messages handled, by handler and outcome (handled, duplicate)',
      labelNames: ['handler', 'outcome'],
      registers: [registry],
    }),
    retried: new Counter({
      name: 'message_retries_total',
      help: 'Handler attempts that failed and were retried',
      labelNames: ['handler'],
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'messages_dead_lettered_total',
      help: 'Messages sent to a dead-letter topic',
      labelNames: ['topic'],
      registers: [registry],
    }),
    published: new Counter({
      name: 'outbox_published_total',
      help: 'Events the outbox relay published',
      registers: [registry],
    }),
    setBreakerState: (client, state) => breaker.set({ client }, breakerStates[state]),
  };
}
