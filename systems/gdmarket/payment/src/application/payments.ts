import { AppError, notFound, refused, type DomainEvent } from '@eventide/core';
import { approvePayment, cancelPayment, type Payment, type PaymentChange } from '../domain/payment.ts';

/** The payments of one transaction: what the use cases need from storage. */
export interface PaymentRepository {
  /** The next paymentNo of the payment counter; never reused, even after a cancel. */
  nextPaymentNo(): Promise<number>;
  find(paymentNo: number): Promise<Payment | undefined>;
  findByReservationNo(reservationNo: number): Promise<Payment | undefined>;
  /** AppError conflict when the reservation already has a payment (another request was first). */
  add(payment: Payment): Promise<void>;
  /** Resolves whether there was a payment to remove. */
  remove(paymentNo: number): Promise<boolean>;
}

/** One unit of work: its changes and the events it emits commit together. */
export interface PaymentUnit {
  readonly payments: PaymentRepository;
  readonly emit: (event: DomainEvent) => void;
}

export interface ApproveRequest {
  readonly reservationNo: number;
  readonly itemNo: number;
  readonly itemPrice: number;
}

/**
 * Approves a reservation's payment. `created` is false when the reservation already had this very
 * payment: reservation retrying a call whose answer it lost gets the payment it made, not a second one.
 */
export async function approve(unit: PaymentUnit, request: ApproveRequest): Promise<{ payment: Payment; created: boolean }> {
  const existing = await unit.payments.findByReservationNo(request.reservationNo);
  const change = approvePayment(existing, { ...request, paymentNo: existing ? existing.paymentNo : await unit.payments.nextPaymentNo() });
  const payment = await commit(unit, existing, change);
  if (!payment) throw new Error('approving must yield the payment');
  return { payment, created: payment !== existing };
}

/** Cancels the payment of a reservation (spec D.10.2); 404 when it has none. */
export async function cancelByReservationNo(unit: PaymentUnit, reservationNo: number): Promise<void> {
  const payment = await unit.payments.findByReservationNo(reservationNo);
  if (!payment) throw new AppError('not_found', `reservation ${reservationNo} has no payment`);
  await commit(unit, payment, cancelPayment(payment));
}

/** Cancels a payment by its own number (the seed's `DELETE /payments/{paymentNo}`); 404 when there is none. */
export async function cancelByPaymentNo(unit: PaymentUnit, paymentNo: number): Promise<void> {
  const payment = await unit.payments.find(paymentNo);
  if (!payment) throw notFound('payment', paymentNo);
  await commit(unit, payment, cancelPayment(payment));
}

/** Stores what a decision said, or refuses with the rule it broke; an unchanged payment writes nothing. */
async function commit(unit: PaymentUnit, existing: Payment | undefined, change: PaymentChange): Promise<Payment | null> {
  if (!change.ok) throw refused(change.rejection);
  if (change.payment === null) {
    // A concurrent cancel removed it first and announced it: this one has nothing left to cancel.
    if (existing && !(await unit.payments.remove(existing.paymentNo))) throw notFound('payment', existing.paymentNo);
  } else if (change.payment !== existing) {
    await unit.payments.add(change.payment);
  }
  for (const event of change.events) unit.emit(event);
  return change.payment;
}
