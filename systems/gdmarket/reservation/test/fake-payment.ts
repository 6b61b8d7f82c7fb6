import { startFakeUpstream, type FakeUpstream } from '@eventide/testing';
import type { PaymentResource } from '@gdmarket/contracts';

/**
 * A hand-written payment service speaking the payment contract (contracts/payment-api.ts): approve
 * idempotent per reservation, cancel by reservationNo. Held, it approves and answers late.
 */
export interface FakePayment extends FakeUpstream {
  /** Payments by reservationNo. */
  readonly payments: Map<number, PaymentResource>;
  /** Answer approvals of new reservations with this 4xx instead of approving. */
  refuseWith: number | undefined;
}

export async function startFakePayment(): Promise<FakePayment> {
  const payments = new Map<number, PaymentResource>();
  let lastPaymentNo = 0;
  const upstream = await startFakeUpstream(({ method, url, body }) => {
    if (method === 'POST' && url.pathname === '/payments') {
      const { reservationNo, itemNo, itemPrice } = JSON.parse(body) as PaymentResource;
      const existing = payments.get(reservationNo);
      if (existing) return { status: 200, body: existing };
      if (fake.refuseWith) return { status: fake.refuseWith, body: { status: fake.refuseWith, detail: 'card declined' } };
      const payment: PaymentResource = { paymentNo: ++lastPaymentNo, reservationNo, itemNo, itemPrice, paymentStatus: 'Paid' };
      payments.set(reservationNo, payment);
      return { status: 201, body: payment };
    }
    if (method === 'DELETE' && url.pathname === '/payments') {
      const reservationNo = Number(url.searchParams.get('reservationNo'));
      if (!payments.delete(reservationNo)) return { status: 404, body: { status: 404, detail: `reservation ${reservationNo} has no payment` } };
      return { status: 204 };
    }
    return { status: 404, body: { status: 404, detail: 'no such route' } };
  });
  const fake: FakePayment = Object.assign(upstream, { payments, refuseWith: undefined as number | undefined });
  return fake;
}
