import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface UpstreamCall {
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
  /** The request body as text ('' when there is none). */
  readonly body: string;
}

/** A JSON answer; a status of 400 or more goes out as application/problem+json, no body as an empty one. */
export interface UpstreamAnswer {
  readonly status: number;
  readonly body?: unknown;
}

/**
 * A service another one calls synchronously, hand-written by a test around `answer`: it records
 * every call, and the test takes it down and up again on the same port (stop/start) or makes it
 * slow (hold/release).
 */
export interface FakeUpstream {
  readonly url: string;
  /** `METHOD path?query` of every call received, answered or not. */
  readonly calls: string[];
  /**
   * Keeps answers back until release(). A call is still applied when it arrives (its `answer`
   * runs): as a slow service behaves, that does the work and answers late.
   */
  hold(): void;
  release(): void;
  /** Resolves at the next call received. */
  nextCall(): Promise<void>;
  /** Closes the port, cutting the connections open to it. */
  stop(): Promise<void>;
  /** Listens again on the port it had (a free one the first time). */
  start(): Promise<void>;
}

export async function startFakeUpstream(answer: (call: UpstreamCall) => UpstreamAnswer): Promise<FakeUpstream> {
  const calls: string[] = [];
  let held: (() => void)[] | undefined;
  let waiters: (() => void)[] = [];
  let port = 0;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of request) body += String(chunk);
    const method = request.method ?? 'GET';
    calls.push(`${method} ${request.url}`);
    for (const wake of waiters) wake();
    waiters = [];
    const { status, body: answered } = answer({ method, url: new URL(request.url ?? '/', 'http://fake'), headers: request.headers, body });
    if (held) await new Promise<void>((resolve) => held?.push(resolve));
    if (answered === undefined) {
      response.writeHead(status).end();
      return;
    }
    response.writeHead(status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' }).end(JSON.stringify(answered));
  }

  const server = createServer((request, response) => void handle(request, response));
  const fake: FakeUpstream = {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    calls,
    hold: () => {
      held = [];
    },
    release: () => {
      const waiting = held ?? [];
      held = undefined;
      for (const resolve of waiting) resolve();
    },
    nextCall: () => new Promise((resolve) => waiters.push(resolve)),
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
    async start() {
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
      port = (server.address() as AddressInfo).port;
    },
  };
  await fake.start();
  return fake;
}
