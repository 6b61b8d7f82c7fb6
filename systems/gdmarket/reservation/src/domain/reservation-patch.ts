import type { Rejection } from '@eventide/core';
import type { PaymentStatus, RentalStatus } from '@gdmarket/contracts';
import { requestPayment, requestPaymentCancellation, type Reservation, type ReservationChange } from './reservation.ts';

/** The fields of `PATCH /reservations/{reservationNo}` (spec D.3): the seed pays and refunds this way. */
export interface ReservationPatch {
  readonly reservationNo?: number;
  readonly customerName?: string;
  readonly customerId?: number;
  readonly itemNo?: number;
  readonly itemName?: string;
  readonly itemPrice?: number;
  readonly rentalStatus?: RentalStatus;
  readonly paymentStatus?: PaymentStatus;
}

const fixedFields = ['reservationNo', 'customerName', 'customerId', 'itemNo', 'itemName', 'itemPrice'] as const;

export const reservationPatchRules = {
  fixed: (field: (typeof fixedFields)[number]): Rejection => ({ code: 'validation', field: `/${field}`, rule: `${field} cannot be changed` }),
  rentalFollowsItem: { code: 'validation', field: '/rentalStatus', rule: 'rentalStatus follows the item (RentedItem, ReturnedItem) and cannot be set' },
} as const satisfies Record<string, Rejection | ((...args: never[]) => Rejection)>;

/**
 * Turns a PATCH into the command it means: paymentStatus Paid requests payment, NotPaid its
 * cancellation. A field equal to the current value is no change, so paying a paid reservation again
 * calls nobody (spec D.10.3) and answers 200 with it unchanged.
 */
export function patchReservation(reservation: Reservation, patch: ReservationPatch): ReservationChange {
  for (const field of fixedFields) {
    if (patch[field] !== undefined && patch[field] !== reservation[field]) return refuse(reservationPatchRules.fixed(field));
  }
  if (patch.rentalStatus !== undefined && patch.rentalStatus !== reservation.rentalStatus) {
    return refuse(reservationPatchRules.rentalFollowsItem);
  }
  if (patch.paymentStatus === 'Paid') return requestPayment(reservation);
  if (patch.paymentStatus === 'NotPaid') return requestPaymentCancellation(reservation);
  return { ok: true, events: [], reservation, paymentCall: null };
}

const refuse = (rejection: Rejection): ReservationChange => ({ ok: false, rejection });
