import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createMetrics } from './metrics.ts';
import { resolveTuning, type GatewayOptions } from './options.ts';
import { createProxy } from './proxy.ts';
import { Upstreams } from './replicas.ts';
import { readRoutes, watchRoutes } from './routes-file.ts';
import type { RoutingTable } from './routes.ts';

export interface RunningGateway {
  readonly url: string;
  readonly port: number;
  /**
   * Drains: readiness turns 503, no new connections, every answer closes its connection,
   * in-flight requests finish (cut after shutdownTimeoutMs); then probes and pools stop.
   */
  close(): Promise<void>;
}

/**
 * Starts the gateway: reads the routing file (a missing or invalid one fails the start), probes
 * every replica once, then listens. The gateway's own endpoints are `/health/live`,
 * `/health/ready` and `/metrics`; every other path is routed.
 */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
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
    upstreamTimeoutMs: tuning.upstreamTimeoutMs,
    replayBodyLimit: tuning.replayBodyLimit,
    retryAfterSeconds: tuning.retryAfterSeconds,
    closing: () => draining,
    log,
  });

  const own = (request: IncomingMessage, response: ServerResponse): boolean => {
    const url = request.url ?? '/';
    if (url === '/health/live') {
      json(response, 200, { status: 'UP' });
    } else if (url === '/health/ready') {
      if (draining) json(response, 503, { status: 'DOWN', reason: 'draining' });
      else json(response, 200, { status: 'UP' });
    } else if (url === '/metrics') {
      metrics.registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        (error: unknown) => {
          log.error({ err: error }, 'metrics could not be collected');
          response.writeHead(500).end();
        },
      );
    } else {
      return false;
    }
    return true;
  };

  const server = createServer({ keepAliveTimeout: 72_000 }, (request, response) => {
    // While draining, requests still arriving on open keep-alive connections are served, then the connection closes.
    if (draining) response.setHeader('connection', 'close');
    if (!own(request, response)) proxy(request, response);
  });
  server.listen(tuning.port, tuning.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const url = `http://${tuning.host.includes(':') ? `[${tuning.host}]` : tuning.host}:${port}`;
  log.info({ url, routes: table.routes.length, services: table.upstreams.size }, 'gateway listening');

  let closed: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    draining = true;
    watch.close();
    const idle = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const deadline = setTimeout(() => server.closeAllConnections(), tuning.shutdownTimeoutMs);
    await idle;
    clearTimeout(deadline);
    await upstreams.close();
    log.info('gateway stopped');
  };
  return {
    url,
    port,
    close: () => (closed ??= close()),
  };
}

function json(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}
