import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PaymentResource } from '@gdmarket/contracts';

/**
 * A hand-written payment service speaking the payment contract (contracts/payment-api.ts): approve
 * idempotent per reservation, cancel by reservationNo. Tests stop and start it on the same port,
 * hold its answers, or make it refuse.
 */
export interface FakePayment {
  readonly url: string;
  /** Payments by reservationNo. */
  readonly payments: Map<number, PaymentResource>;
  /** `METHOD path` of every call it received, answered or not. */
  readonly calls: string[];
  /** Answer approvals of new reservations with this 4xx instead of approving. */
  refuseWith: number | undefined;
  /** Keep answers back until release(). */
  hold(): void;
  release(): void;
  /** Resolves at the next call it receives. */
  nextCall(): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startFakePayment(): Promise<FakePayment> {
  const payments = new Map<number, PaymentResource>();
  const calls: string[] = [];
  let held: (() => void)[] | undefined;
  let waiters: (() => void)[] = [];
  let lastPaymentNo = 0;
  let port = 0;

  const json = (response: ServerResponse, status: number, body?: unknown) => {
    const type = status >= 400 ? 'application/problem+json' : 'application/json';
    response.writeHead(status, body === undefined ? {} : { 'content-type': type }).end(body === undefined ? undefined : JSON.stringify(body));
  };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let text = '';
    for await (const chunk of request) text += String(chunk);
    calls.push(`${request.method} ${request.url}`);
    for (const wake of waiters) wake();
    waiters = [];
    if (held) await new Promise<void>((resolve) => held?.push(resolve));
    const url = new URL(request.url ?? '/', 'http://fake');
    if (request.method === 'POST' && url.pathname === '/payments') {
      const { reservationNo, itemNo, itemPrice } = JSON.parse(text) as PaymentResource;
      const existing = payments.get(reservationNo);
      if (existing) return json(response, 200, existing);
      if (fake.refuseWith) return json(response, fake.refuseWith, { status: fake.refuseWith, detail: 'card declined' });
      const payment: PaymentResource = { paymentNo: ++lastPaymentNo, reservationNo, itemNo, itemPrice, paymentStatus: 'Paid' };
      payments.set(reservationNo, payment);
      return json(response, 201, payment);
    }
    if (request.method === 'DELETE' && url.pathname === '/payments') {
      const reservationNo = Number(url.searchParams.get('reservationNo'));
      if (!payments.delete(reservationNo)) return json(response, 404, { status: 404, detail: `reservation ${reservationNo} has no payment` });
      return json(response, 204);
    }
    json(response, 404, { status: 404, detail: 'no such route' });
  }

  const server = createServer((request, response) => void handle(request, response));
  const fake: FakePayment = {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    payments,
    calls,
    refuseWith: undefined,
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
