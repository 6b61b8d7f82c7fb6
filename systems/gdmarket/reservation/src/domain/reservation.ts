import type { Rejection } from '@eventide/core';
import type {
  ApprovePaymentBody,
  Emitted,
  PaymentStatus,
  RentalStatus,
  RentedItemPayload,
  ReservationCancelled,
  Reserved,
  ReturnedItemPayload,
} from '@gdmarket/contracts';

/**
 * A customer's reservation of an item. `rentalStatus` mirrors the item (RentedItem, ReturnedItem);
 * `paymentStatus` changes only once payment has agreed, synchronously.
 */
export interface Reservation {
  readonly reservationNo: number;
  readonly customerName: string;
  readonly customerId: number;
  readonly itemNo: number;
  readonly itemName: string;
  readonly itemPrice: number;
  readonly rentalStatus: RentalStatus;
  readonly paymentStatus: PaymentStatus;
}

export type ReservationEvent = Emitted<typeof Reserved> | Emitted<typeof ReservationCancelled>;

/** The synchronous call to payment a change depends on (spec D.6, cancel by reservationNo per D.10.2). */
export type PaymentCall =
  | { readonly kind: 'approve'; readonly body: ApprovePaymentBody }
  | { readonly kind: 'cancel'; readonly reservationNo: number };

/**
 * What a command or policy did to a reservation. When `paymentCall` is set, the change holds only if
 * payment agrees: make the call first, outside any transaction; if it fails or cannot be made,
 * store and publish nothing (503). Otherwise store `reservation` (null once cancelled) and publish
 * `events` in one transaction. An accepted change with no events, no call and the same reservation
 * is a no-op.
 */
export type ReservationChange =
  | {
      readonly ok: true;
      readonly events: readonly ReservationEvent[];
      readonly reservation: Reservation | null;
      readonly paymentCall: PaymentCall | null;
    }
  | { readonly ok: false; readonly rejection: Rejection };

/** The rules a reservation enforces; each is the rejection returned when it is broken. */
export const reservationRules = {
  startsOpen: (field: 'paymentStatus' | 'rentalStatus'): Rejection => ({ code: 'validation', field: `/${field}`, rule: 'a new reservation starts NotPaid and NotRenting' }),
  cancelWhileRenting: { code: 'conflict', rule: 'a reservation whose item is Renting cannot be cancelled; return the item first' },
  cancelAfterReturn: { code: 'conflict', rule: 'a reservation whose item was Returned is complete and cannot be cancelled' },
  refundOnlyBeforeLending: { code: 'conflict', rule: 'a payment cannot be cancelled once the item has been lent' },
} as const satisfies Record<string, Rejection | ((...args: never[]) => Rejection)>;

export interface Reserve {
  /** The next reservation number, supplied by the caller (ids are inputs). */
  readonly reservationNo: number;
  readonly customerName: string;
  readonly customerId: number;
  readonly itemNo: number;
  readonly itemName: string;
  readonly itemPrice: number;
  /** The seed's POST sends the initial statuses; anything else is refused (spec D.10.8). */
  readonly paymentStatus?: PaymentStatus;
  readonly rentalStatus?: RentalStatus;
}

/**
 * Accepted whatever the item's state: reservation cannot see the item, and taking reservations while
 * item is down is the point (spec D.8 step 8). Item settles double bookings when Reserved arrives.
 */
export function reserve(command: Reserve): ReservationChange {
  if ((command.paymentStatus ?? 'NotPaid') !== 'NotPaid') return refuse(reservationRules.startsOpen('paymentStatus'));
  if ((command.rentalStatus ?? 'NotRenting') !== 'NotRenting') return refuse(reservationRules.startsOpen('rentalStatus'));
  const { reservationNo, customerName, customerId, itemNo, itemName, itemPrice } = command;
  return changed(
    { reservationNo, customerName, customerId, itemNo, itemName, itemPrice, rentalStatus: 'NotRenting', paymentStatus: 'NotPaid' },
    {
      ...flowOf('gdmarket.Reserved', reservationNo),
      payload: { reservationNo, customerName, customerId, itemNo, itemName, itemStatus: 'NotRentable', itemPrice },
    },
  );
}

/**
 * Cancels a reservation whose item has not been lent yet. A paid one is refunded first (spec D.10.11's
 * optional compensation): the payment is cancelled, and if that fails the reservation stays.
 */
export function cancelReservation(reservation: Reservation): ReservationChange {
  if (reservation.rentalStatus === 'Renting') return refuse(reservationRules.cancelWhileRenting);
  if (reservation.rentalStatus === 'Returned') return refuse(reservationRules.cancelAfterReturn);
  const { reservationNo, customerName, customerId, itemNo } = reservation;
  const event: ReservationEvent = {
    ...flowOf('gdmarket.ReservationCancelled', reservationNo),
    payload: { reservationNo, customerName, customerId, itemStatus: 'Rentable', itemNo },
  };
  const paymentCall = reservation.paymentStatus === 'Paid' ? cancelCall(reservation) : null;
  return { ok: true, events: [event], reservation: null, paymentCall };
}

/** Pays for a reservation. Payment is called only when paymentStatus changes (spec D.10.3). */
export function requestPayment(reservation: Reservation): ReservationChange {
  if (reservation.paymentStatus === 'Paid') return unchanged(reservation);
  const { reservationNo, itemNo, itemPrice } = reservation;
  return {
    ok: true,
    events: [],
    reservation: { ...reservation, paymentStatus: 'Paid' },
    paymentCall: { kind: 'approve', body: { paymentStatus: 'Paid', reservationNo, itemNo, itemPrice } },
  };
}

/** Cancels the payment of a reservation whose item has not been lent yet. */
export function requestPaymentCancellation(reservation: Reservation): ReservationChange {
  if (reservation.paymentStatus === 'NotPaid') return unchanged(reservation);
  if (reservation.rentalStatus !== 'NotRenting') return refuse(reservationRules.refundOnlyBeforeLending);
  return { ok: true, events: [], reservation: { ...reservation, paymentStatus: 'NotPaid' }, paymentCall: cancelCall(reservation) };
}

/**
 * Policy on RentedItem. The item owns the rental, so its facts are mirrored, never refused; the
 * payment is not touched (the original cancelled it here by mistake, spec D.10.3).
 */
export function recordRented(reservation: Reservation, rented: RentedItemPayload): ReservationChange {
  return mirrorRental(reservation, rented.rentalStatus);
}

/** Policy on ReturnedItem: the reservation shows the item came back (spec D.10.6: Returned). */
export function recordReturned(reservation: Reservation, returned: ReturnedItemPayload): ReservationChange {
  return mirrorRental(reservation, returned.rentalStatus);
}

function mirrorRental(reservation: Reservation, rentalStatus: RentalStatus): ReservationChange {
  if (reservation.rentalStatus === rentalStatus) return unchanged(reservation);
  return { ok: true, events: [], reservation: { ...reservation, rentalStatus }, paymentCall: null };
}

const cancelCall = (reservation: Reservation): PaymentCall => ({ kind: 'cancel', reservationNo: reservation.reservationNo });

const changed = (reservation: Reservation, event: ReservationEvent): ReservationChange => ({
  ok: true,
  events: [event],
  reservation,
  paymentCall: null,
});
const unchanged = (reservation: Reservation): ReservationChange => ({ ok: true, events: [], reservation, paymentCall: null });
const refuse = (rejection: Rejection): ReservationChange => ({ ok: false, rejection });

/** Everything a reservation publishes belongs to its own flow: reservationNo ties it together. */
const flowOf = <T extends ReservationEvent['type']>(type: T, reservationNo: number) =>
  ({ type, aggregateType: 'Reservation', aggregateId: reservationNo, correlationId: reservationNo }) as const;
