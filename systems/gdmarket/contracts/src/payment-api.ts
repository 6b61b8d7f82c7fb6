import Type, { type Static } from 'typebox';
import { No, Price, strictObject } from './fields.ts';

/**
 * The synchronous contract reservation uses to call payment (spec D.6, with resolution D.10.2:
 * a payment is cancelled by its reservationNo, never by passing reservationNo as paymentNo).
 *
 * - `POST /payments` with ApprovePaymentBody: 201 + PaymentResource (Location `/payments/{paymentNo}`).
 *   Approving a reservation that already has the same payment answers 200 with it, so a caller may
 *   retry after a timeout without paying twice; a different payment for it is 409.
 * - `DELETE /payments?reservationNo={n}`: 204 once the reservation's payment is cancelled; 404 when
 *   it has none, which a caller retrying a cancel may treat as done.
 * - `DELETE /payments/{paymentNo}` (the seed's own endpoint) cancels the same way, by paymentNo.
 */
export const paymentApi = {
  approve: { method: 'POST', path: '/payments' },
  cancelByReservation: { method: 'DELETE', path: '/payments' },
} as const;

export const ApprovePaymentBody = strictObject({
  /** The original sent "Paid"; only "Paid" is accepted and it may be left out. */
  paymentStatus: Type.Optional(Type.Literal('Paid')),
  reservationNo: No,
  itemNo: No,
  itemPrice: Price,
});
export type ApprovePaymentBody = Static<typeof ApprovePaymentBody>;

/** A payment exists only while Paid: cancelling deletes it, as in the original. */
export const PaymentResource = strictObject({
  paymentNo: No,
  reservationNo: No,
  itemNo: No,
  itemPrice: Price,
  paymentStatus: Type.Literal('Paid'),
});
export type PaymentResource = Static<typeof PaymentResource>;

export const CancelPaymentQuery = strictObject({ reservationNo: No });
export type CancelPaymentQuery = Static<typeof CancelPaymentQuery>;

export const cancelPaymentPath = (reservationNo: number): string => `${paymentApi.cancelByReservation.path}?reservationNo=${reservationNo}`;
