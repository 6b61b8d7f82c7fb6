import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCore } from './core.ts';
import type { GatewayOptions } from './options.ts';

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
 * Starts the gateway on a plain node:http server (a Fastify front measured no faster and adds a
 * dependency; see README). Its own endpoints are `/health/live`, `/health/ready` and `/metrics`;
 * every other path is routed.
 */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const core = await createCore(options);
  const { tuning, log } = core;
  const server = createServer({ keepAliveTimeout: 72_000 }, core.listener);
  server.listen(tuning.port, tuning.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const url = `http://${tuning.host.includes(':') ? `[${tuning.host}]` : tuning.host}:${port}`;
  log.info({ url }, 'gateway listening');

  let closed: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    core.drain();
    const drained = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const deadline = setTimeout(() => server.closeAllConnections(), tuning.shutdownTimeoutMs);
    await drained;
    clearTimeout(deadline);
    await core.close();
    log.info('gateway stopped');
  };
  return { url, port, close: () => (closed ??= close()) };
}
