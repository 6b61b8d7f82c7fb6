import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StockOutcomeBody } from '@gasstation/contracts';

/**
 * A hand-written station speaking the outcome contract (contracts/stock-api.ts): POST /stockFlows
 * moves a product's stock by qty once per Idempotency-Key (a retry with the same body answers
 * true again, another body under the same key 409). Tests stop and start it on the same port and
 * hold its answers, as the real station behaves when slow: it applies, then answers late.
 */
export interface FakeStation {
  readonly url: string;
  /** Stock by productId: the sum of the applied movements. */
  readonly stock: Map<string, number>;
  /** Applied movements by Idempotency-Key. */
  readonly applied: Map<string, StockOutcomeBody>;
  /** Every call received, answered or not. */
  readonly calls: string[];
  hold(): void;
  release(): void;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startFakeStation(): Promise<FakeStation> {
  const stock = new Map<string, number>();
  const applied = new Map<string, StockOutcomeBody>();
  const calls: string[] = [];
  let held: (() => void)[] | undefined;
  let port = 0;

  const json = (response: ServerResponse, status: number, body: unknown): void => {
    response.writeHead(status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' }).end(JSON.stringify(body));
  };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let text = '';
    for await (const chunk of request) text += String(chunk);
    const key = request.headers['idempotency-key'];
    calls.push(`${request.method} ${request.url} ${String(key)}`);
    if (request.method !== 'POST' || request.url !== '/stockFlows' || typeof key !== 'string') {
      return json(response, 404, { status: 404, detail: 'no such route, or no Idempotency-Key' });
    }
    const body = JSON.parse(text) as StockOutcomeBody;
    const earlier = applied.get(key);
    if (earlier && JSON.stringify(earlier) !== JSON.stringify(body)) return json(response, 409, { status: 409, detail: 'key reused' });
    if (!earlier) {
      applied.set(key, body);
      stock.set(body.productId, (stock.get(body.productId) ?? 0) + body.qty);
    }
    if (held) await new Promise<void>((resolve) => held?.push(resolve));
    json(response, 200, true);
  }

  const server = createServer((request, response) => void handle(request, response));
  const fake: FakeStation = {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    stock,
    applied,
    calls,
    hold: () => {
      held = [];
    },
    release: () => {
      const waiting = held ?? [];
      held = undefined;
      for (const resolve of waiting) resolve();
    },
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
