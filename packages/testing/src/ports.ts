import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';

/**
 * A TCP port free on 127.0.0.1 now, for a process a test must start (or start again) on a port it
 * knows beforehand; another process may take it meanwhile, so use it at once.
 */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A server that accepts TCP connections on 127.0.0.1 and never answers: a dependency that is there
 * but hung (stopped, or partitioned with its connections open), which no real server can be made
 * into on demand. It reads what it is sent, so a client's writes never block.
 */
export async function hungServer(): Promise<{ readonly port: number; close(): void }> {
  const server = createServer((socket) => socket.resume()).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}
