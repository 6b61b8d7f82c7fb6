import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the target does with a request: answer 200 with an echo, answer 503, answer 409 with a
 * problem, answer 503 or 429 with Retry-After, hold the response until released, or drop the
 * connection.
 */
export type Behaviour = 'ok' | 'fail' | 'reject' | 'busy' | 'throttle' | 'hang' | 'close';

export interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** The echo a target answers 'ok' with. */
export interface Echo {
  readonly method: string;
  readonly url: string;
  readonly body: unknown;
}

export interface Target {
  readonly url: string;
  /** Every request that reached the target, in order. */
  readonly received: Received[];
  /** The next requests behave as listed, one each; the last one repeats. */
  behave(...script: [Behaviour, ...Behaviour[]]): void;
  /** Answers every held ('hang') request as 'ok'. */
  release(): void;
  /** Stops listening and drops every connection: later calls are refused. */
  stop(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 and a free port, told by the test how to misbehave. */
export async function startTarget(): Promise<Target> {
  const received: Received[] = [];
  let script: Behaviour[] = ['ok'];
  let held: Array<() => void> = [];

  const answer = (res: ServerResponse, status: number, body: unknown, type = 'application/json', headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': type, ...headers });
    res.end(JSON.stringify(body));
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      received.push(request);
      const behaviour = (script.length > 1 ? script.shift() : script[0]) ?? 'ok';
      const echo = (): void => answer(res, 200, { method: request.method, url: request.url, body: body ? JSON.parse(body) : null });
      switch (behaviour) {
        case 'ok':
          return echo();
        case 'fail':
          return answer(res, 503, { title: 'down for the test' });
        case 'reject':
          return answer(res, 409, { title: 'Conflict', status: 409, detail: 'item 7 is already rented' }, 'application/problem+json');
        case 'busy':
          return answer(res, 503, { title: 'busy' }, 'application/json', { 'retry-after': '7' });
        case 'throttle':
          return answer(res, 429, { title: 'Too Many Requests', status: 429 }, 'application/problem+json', { 'retry-after': '3' });
        case 'hang':
          held.push(echo);
          return;
        case 'close':
          req.socket.destroy();
          return;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    received,
    behave: (...next) => {
      script = next;
    },
    release: () => {
      const answers = held;
      held = [];
      for (const respond of answers) respond();
    },
    stop: async () => {
      held = [];
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
