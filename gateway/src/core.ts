import type { IncomingMessage, ServerResponse } from 'node:http';
import pino, { type Logger } from 'pino';
import { createCors } from './cors.ts';
import { createMetrics } from './metrics.ts';
import { resolveTuning, type GatewayOptions, type Tuning } from './options.ts';
import { createProxy } from './proxy.ts';
import { Upstreams } from './replicas.ts';
import { readRoutes, watchRoutes } from './routes-file.ts';
import type { RoutingTable } from './routes.ts';

/**
 * Everything but the listening socket: routes (watched), replicas (probed), metrics, and the
 * request listener, so any HTTP front can carry it (node:http in production; Fastify measured).
 */
export interface GatewayCore {
  readonly tuning: Tuning;
  readonly log: Logger;
  /** Answers `/health/live`, `/health/ready`, `/metrics`; routes every other request. */
  readonly listener: (request: IncomingMessage, response: ServerResponse) => void;
  /** Readiness turns 503 and every answer from now on closes its connection. */
  drain(): void;
  /** Stops watching and probing; closes the pools once their in-flight requests finish. */
  close(): Promise<void>;
}

/** Reads the routing file (missing or invalid fails the start) and probes every replica once. */
export async function createCore(options: GatewayOptions): Promise<GatewayCore> {
  const tuning = resolveTuning(options);
  const log = options.logger ?? pino({ level: 'info', base: { service: 'gateway' } });
  const initial = await readRoutes(tuning.routesFile);
  let table: RoutingTable = initial.table;

  const upstreams = new Upstreams(
    { connections: tuning.connectionsPerReplica, pipelining: tuning.pipelining },
    { intervalMs: tuning.probeIntervalMs, timeoutMs: tuning.probeTimeoutMs },
    log,
  );
  await upstreams.reconcile(table.upstreams);
  const watch = watchRoutes(
    tuning.routesFile,
    initial.text,
    (next) => {
      table = next;
      upstreams.reconcile(next.upstreams).catch((error: unknown) => log.error({ err: error }, 'upstreams could not be reconciled'));
    },
    log,
  );

  const metrics = createMetrics(upstreams);
  let draining = false;
  const proxy = createProxy({
    table: () => table,
    upstreams,
    metrics,
    guard: options.guard,
    cors: createCors(tuning.corsOrigins),
    trustForwarded: tuning.trustForwarded,
    upstreamTimeoutMs: tuning.upstreamTimeoutMs,
    bodyLimit: tuning.bodyLimit,
    replayBodyLimit: tuning.replayBodyLimit,
    retryAfterSeconds: tuning.retryAfterSeconds,
    closing: () => draining,
    log,
  });

  const listener = (request: IncomingMessage, response: ServerResponse): void => {
    // While draining, requests still arriving on open keep-alive connections are served, then the connection closes.
    if (draining) response.setHeader('connection', 'close');
    switch (request.url) {
      case '/health/live':
        return json(response, 200, { status: 'UP' });
      case '/health/ready':
        return draining ? json(response, 503, { status: 'DOWN', reason: 'draining' }) : json(response, 200, { status: 'UP' });
      case '/metrics':
        metrics.registry.metrics().then(
          (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
          (error: unknown) => {
            log.error({ err: error }, 'metrics could not be collected');
            response.writeHead(500).end();
          },
        );
        return;
      default:
        proxy(request, response);
    }
  };

  return {
    tuning,
    log,
    listener,
    drain: () => void (draining = true),
    async close() {
      draining = true;
      watch.close();
      await upstreams.close();
    },
  };
}

function json(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}
