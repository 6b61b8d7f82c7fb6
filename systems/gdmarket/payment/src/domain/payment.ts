import type { Rejection } from '@eventide/core';
import type { Emitted, PaymentApproved, PaymentCanceled } from '@gdmarket/contracts';

/** A payment for one reservation. It exists only while Paid: cancelling removes it, as in the original. */
export interface Payment {
  readonly paymentNo: number;
  readonly reservationNo: number;
  readonly itemNo: number;
  readonly itemPrice: number;
  readonly paymentStatus: 'Paid';
}

export type PaymentEvent = Emitted<typeof PaymentApproved> | Emitted<typeof PaymentCanceled>;

/**
 * What a command did to a payment: the events to publish and the payment to store (null once
 * cancelled), committed together; or the rule it broke. An accepted change with no events and the
 * same payment is a no-op.
 */
export type PaymentChange =
  | { readonly ok: true; readonly events: readonly PaymentEvent[]; readonly payment: Payment | null }
  | { readonly ok: false; readonly rejection: Rejection };

export const paymentRules = {
  onePerReservation: (reservationNo: number, paymentNo: number): Rejection => ({
    code: 'conflict',
    rule: `reservation ${reservationNo} is already paid by payment ${paymentNo}, for another item or price`,
  }),
} as const satisfies Record<string, (...args: never[]) => Rejection>;

export interface ApprovePayment {
  /** The next payment number, supplied by the caller (ids are inputs); unused if already paid. */
  readonly paymentNo: number;
  readonly reservationNo: number;
  readonly itemNo: number;
  readonly itemPrice: number;
}

/**
 * Approves the payment of a reservation. `existing` is the reservation's payment, looked up by
 * reservationNo: approving the same payment again returns it unchanged, so reservation may retry a
 * call that timed out without paying twice (spec D.10.10's orphan payment).
 */
export function approvePayment(existing: Payment | undefined, command: ApprovePayment): PaymentChange {
  const { paymentNo, reservationNo, itemNo, itemPrice } = command;
  if (existing !== undefined) {
    if (existing.itemNo === itemNo && existing.itemPrice === itemPrice) return { ok: true, events: [], payment: existing };
    return { ok: false, rejection: paymentRules.onePerReservation(reservationNo, existing.paymentNo) };
  }
  const payment: Payment = { paymentNo, reservationNo, itemNo, itemPrice, paymentStatus: 'Paid' };
  return { ok: true, events: [{ ...flowOf('gdmarket.PaymentApproved', payment), payload: payment }], payment };
}

/** Cancels a payment, found by its reservationNo (spec D.10.2) or its paymentNo. */
export function cancelPayment(payment: Payment): PaymentChange {
  const { paymentNo, reservationNo, itemNo, itemPrice } = payment;
  return {
    ok: true,
    events: [{ ...flowOf('gdmarket.PaymentCanceled', payment), payload: { paymentNo, paymentStatus: 'NotPaid', reservationNo, itemNo, itemPrice } }],
    payment: null,
  };
}

/** A payment belongs to its reservation's flow: reservationNo ties them together. */
const flowOf = <T extends PaymentEvent['type']>(type: T, payment: Payment) =>
  ({ type, aggregateType: 'Payment', aggregateId: payment.paymentNo, correlationId: payment.reservationNo }) as const;
