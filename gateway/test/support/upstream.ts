import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in service on node:http that answers like the platform's services do: probes, 201 +
 * Location on POST, a 503 with `x-draining: 1` (body unread, connection closed) while draining.
 * Every answer names the replica in `x-replica`; tests switch its state and read what it saw.
 *
 * - `GET /health/ready` 200 or 503 (`ready`); `GET /health/live` 200
 * - `POST <any>` 201, `Location: <path>/<n>`, body `{ id, replica, received }` (the JSON sent)
 * - `GET …/status/<code>` answers that status
 * - `GET …/slow?ms=<n>` answers after n ms
 * - `POST …/echo` streams the request body back as it arrives
 * - `GET …/bytes?n=<n>` streams n bytes in 64 KiB chunks
 * - with `resetNext` set, the next request's connection is destroyed unanswered
 * - any other request: 200 `{ replica, method, url, headers }`
 */
export interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

export interface FakeService {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  ready: boolean;
  draining: boolean;
  /** Requests other than probes, in arrival order. */
  readonly seen: Seen[];
  /** The next request (not a probe) gets its connection destroyed instead of an answer. */
  resetNext: boolean;
  /** Probes received. */
  readonly probes: number;
  /** Bytes `…/bytes` has handed to its socket so far. */
  readonly bytesSent: number;
  close(): Promise<void>;
}

export async function startFakeService(name: string, port = 0): Promise<FakeService> {
  let created = 0;
  const state = { ready: true, draining: false, resetNext: false, probes: 0, bytesSent: 0 };
  const seen: Seen[] = [];

  const reply = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    const text = JSON.stringify(body);
    response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-replica': name, ...headers });
    response.end(text);
  };

  const server = createServer({ keepAliveTimeout: 72_000 }, (request, response) => {
    const url = new URL(request.url ?? '/', 'http://upstream');
    const method = request.method ?? 'GET';
    if (url.pathname === '/health/live') return reply(response, 200, { status: 'UP' });
    if (url.pathname === '/health/ready') {
      state.probes += 1;
      return state.ready && !state.draining ? reply(response, 200, { status: 'UP' }) : reply(response, 503, { status: 'DOWN' });
    }
    seen.push({ method, url: request.url ?? '/', headers: request.headers });
    if (state.resetNext) {
      state.resetNext = false;
      request.socket.destroy();
      return;
    }
    if (state.draining) {
      return reply(response, 503, { type: 'urn:problem:draining', status: 503 }, { 'x-draining': '1', 'retry-after': '1', connection: 'close' });
    }
    if (method === 'POST' && url.pathname.endsWith('/echo')) {
      response.writeHead(200, { 'content-type': request.headers['content-type'] ?? 'application/octet-stream', 'x-replica': name });
      request.pipe(response);
      return;
    }
    if (method === 'GET' && url.pathname.endsWith('/bytes')) {
      const total = Number(url.searchParams.get('n') ?? 0);
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': total, 'x-replica': name });
      const chunk = Buffer.alloc(65_536, 120);
      let sent = 0;
      const pump = (): void => {
        while (sent < total) {
          const piece = chunk.subarray(0, Math.min(chunk.length, total - sent));
          sent += piece.length;
          state.bytesSent += piece.length;
          if (!response.write(piece)) return void response.once('drain', pump);
        }
        response.end();
      };
      return pump();
    }
    const status = /\/status\/(\d{3})$/.exec(url.pathname);
    if (status !== null) return reply(response, Number(status[1]), { replica: name, status: Number(status[1]) });
    if (url.pathname.endsWith('/slow')) {
      const timer = setTimeout(() => reply(response, 200, { replica: name }), Number(url.searchParams.get('ms') ?? 0));
      response.once('close', () => clearTimeout(timer));
      return;
    }
    if (method === 'POST') {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        created += 1;
        const text = Buffer.concat(chunks).toString('utf8');
        const received: unknown = text === '' ? null : JSON.parse(text);
        reply(response, 201, { id: created, replica: name, received }, { location: `${url.pathname}/${created}` });
      });
      return;
    }
    reply(response, 200, { replica: name, method, url: request.url, headers: request.headers });
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const actual = (server.address() as AddressInfo).port;
  return {
    name,
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    get ready() {
      return state.ready;
    },
    set ready(value: boolean) {
      state.ready = value;
    },
    get draining() {
      return state.draining;
    },
    set draining(value: boolean) {
      state.draining = value;
    },
    get resetNext() {
      return state.resetNext;
    },
    set resetNext(value: boolean) {
      state.resetNext = value;
    },
    get bytesSent() {
      return state.bytesSent;
    },
    get probes() {
      return state.probes;
    },
    seen,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
