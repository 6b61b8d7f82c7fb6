import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { collectProcessMetrics } from '@eventide/service-host/process';
import type { Upstreams } from './replicas.ts';

/** The gateway's Prometheus metrics, in a registry of its own (tests run several gateways in one process). */
export interface GatewayMetrics {
  readonly registry: Registry;
  /** Every answered request: `route` is the matched prefix, or `none` when no route matched. */
  readonly requests: Counter<'route' | 'status'>;
  /** From sending to the last byte of the upstream's answer, per service and status. */
  readonly upstreamDuration: Histogram<'service' | 'status'>;
  /** Requests sent again to another replica, and why (draining, refused, reset). */
  readonly resends: Counter<'service' | 'reason'>;
}

export function createMetrics(upstreams: Upstreams): GatewayMetrics {
  const registry = new Registry();
  collectProcessMetrics(registry);
  new Gauge({
    name: 'gateway_ready_replicas',
    help: 'Replicas of each service that are ready and take traffic',
    labelNames: ['service'],
    registers: [registry],
    collect() {
      this.reset();
      for (const set of upstreams.services()) this.set({ service: set.service }, set.readyCount);
    },
  });
  new Gauge({
    name: 'gateway_replicas',
    help: 'Replicas of each service listed in the routing file',
    labelNames: ['service'],
    registers: [registry],
    collect() {
      this.reset();
      for (const set of upstreams.services()) this.set({ service: set.service }, set.replicas.length);
    },
  });
  return {
    registry,
    requests: new Counter({
      name: 'gateway_requests_total',
      help: 'Requests answered by the gateway, by route prefix and status',
      labelNames: ['route', 'status'],
      registers: [registry],
    }),
    upstreamDuration: new Histogram({
      name: 'gateway_upstream_duration_seconds',
      help: 'Time from sending a request upstream to the end of its answer',
      labelNames: ['service', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    }),
    resends: new Counter({
      name: 'gateway_resends_total',
      help: 'Requests resent to another replica because the first was not processed',
      labelNames: ['service', 'reason'],
      registers: [registry],
    }),
  };
}
