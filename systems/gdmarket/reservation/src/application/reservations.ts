import { AppError, isAppError, notFound, refused, type DomainEvent } from '@eventide/core';
import { reserve, type PaymentCall, type Reservation, type ReservationChange, type Reserve } from '../domain/reservation.ts';

/** A reservation as stored, with the version its row had when read (optimistic concurrency). */
export interface StoredReservation {
  readonly reservation: Reservation;
  readonly version: number;
}

/** The reservations of one transaction, or of the store outside any (reads only). */
export interface ReservationRepository {
  /** The next reservationNo of the reservation counter; never reused, even after a cancel. */
  nextReservationNo(): Promise<number>;
  find(reservationNo: number): Promise<StoredReservation | undefined>;
  add(reservation: Reservation): Promise<void>;
  /** Stores `reservation` over the row read at `version`; AppError conflict when another transaction changed it since. */
  update(reservation: Reservation, version: number): Promise<void>;
  remove(reservationNo: number, version: number): Promise<void>;
}

/** One unit of work: its changes and the events it emits commit together. */
export interface ReservationUnit {
  readonly reservations: ReservationRepository;
  readonly emit: (event: DomainEvent) => void;
}

/** Runs `work` in one transaction of the service's store. */
export type Transact = <T>(work: (unit: ReservationUnit) => Promise<T>) => Promise<T>;

/** The payment service, called synchronously (spec D.6). */
export interface PaymentPort {
  /**
   * Resolves once payment holds the call's effect: approved (or already approved: approve is
   * idempotent per reservation), or cancelled (or already gone). Rejects with an AppError when it
   * cannot: unavailable or timeout (503 + Retry-After), conflict when payment refuses.
   */
  settle(call: PaymentCall): Promise<void>;
}

export interface Log {
  warn(fields: object, message: string): void;
}

/** Takes a reservation under the next reservationNo; a client-supplied one is never used (spec 0.2). */
export async function makeReservation(unit: ReservationUnit, command: Omit<Reserve, 'reservationNo'>): Promise<Reservation> {
  const { customerName, customerId, itemNo, itemName, itemPrice, paymentStatus, rentalStatus } = command;
  const reservationNo = await unit.reservations.nextReservationNo();
  const reservation = await commit(
    unit,
    undefined,
    reserve({ reservationNo, customerName, customerId, itemNo, itemName, itemPrice, paymentStatus, rentalStatus }),
  );
  if (!reservation) throw new Error('reserving must yield the reservation');
  return reservation;
}

export interface ChangeDependencies {
  /** Reads outside any transaction, for the first decision. */
  readonly read: ReservationRepository;
  readonly transact: Transact;
  readonly payment: PaymentPort;
}

/**
 * A command on an existing reservation (pay, refund, cancel): 404 when there is none. Resolves
 * null once cancelled.
 *
 * When the decision needs payment to agree, payment is called first, outside any transaction (no
 * database lock is held while waiting on another service), and a failed call changes nothing.
 * Then the reservation is read again in the transaction and decided again, since it may have
 * changed meanwhile: the change is stored only if it needs no other call than the one made.
 *
 * A crash (or a lost connection) between the payment call and the commit leaves payment ahead of
 * the reservation, and is harmless because every call is idempotent per reservation (the payment
 * contract): the reservation still shows its old paymentStatus, so the client's retry of the same
 * PATCH decides the same call again, payment answers with the payment it already holds (approve)
 * or 404 (cancel, taken as done), and the reservation catches up. Until that retry, payment holds
 * a payment the reservation does not show as Paid.
 */
export async function changeReservation(
  dependencies: ChangeDependencies,
  reservationNo: number,
  decide: (reservation: Reservation) => ReservationChange,
): Promise<Reservation | null> {
  const before = await dependencies.read.find(reservationNo);
  if (!before) throw notFound('reservation', reservationNo);
  const first = decide(before.reservation);
  if (!first.ok) throw refused(first.rejection);
  if (first.paymentCall) await dependencies.payment.settle(first.paymentCall);
  return dependencies.transact(async (unit) => {
    const stored = await unit.reservations.find(reservationNo);
    if (!stored) throw notFound('reservation', reservationNo);
    const change = decide(stored.reservation);
    if (change.ok && change.paymentCall && !sameCall(change.paymentCall, first.paymentCall)) {
      throw new AppError('conflict', `reservation ${reservationNo} changed by another request meanwhile; try again`);
    }
    return commit(unit, stored, change);
  });
}

/**
 * A policy's change to the reservation an event names (mirroring the item's rental). Events about a
 * reservation this service does not hold change nothing and are logged: they cannot be retried into success.
 */
export async function followEvent(
  unit: ReservationUnit,
  reservationNo: number,
  decide: (reservation: Reservation) => ReservationChange,
  log: Log,
): Promise<void> {
  const stored = await unit.reservations.find(reservationNo);
  if (!stored) {
    log.warn({ reservationNo }, `ignored: reservation ${reservationNo} does not exist`);
    return;
  }
  const change = decide(stored.reservation);
  if (change.ok && change.paymentCall) throw new Error('a policy on a reservation never calls payment');
  await retryOnRace(reservationNo, () => commit(unit, stored, change));
}

/**
 * A policy's decisions never refuse, so a conflict while storing one is a concurrent change of the
 * row (its version moved). That is worth another try with the row read again: thrown as a plain
 * error, which the consumer pipeline retries with backoff, where an AppError conflict would be
 * dead-lettered at once as a refusal.
 */
async function retryOnRace(no: number, store: () => Promise<unknown>): Promise<void> {
  try {
    await store();
  } catch (error) {
    if (isAppError(error) && error.code === 'conflict') throw new Error(`reservation ${no} changed while a policy applied an event: retry`, { cause: error });
    throw error;
  }
}

/** Stores what a decision said, or refuses with the rule it broke; an unchanged reservation writes nothing. */
async function commit(unit: ReservationUnit, stored: StoredReservation | undefined, change: ReservationChange): Promise<Reservation | null> {
  if (!change.ok) throw refused(change.rejection);
  const version = stored ? stored.version + 1 : 1;
  if (!stored) {
    if (change.reservation) await unit.reservations.add(change.reservation);
  } else if (change.reservation === null) {
    await unit.reservations.remove(stored.reservation.reservationNo, stored.version);
  } else if (change.reservation !== stored.reservation) {
    await unit.reservations.update(change.reservation, stored.version);
  }
  for (const event of change.events) unit.emit({ ...event, aggregateVersion: version });
  return change.reservation;
}

const sameCall = (a: PaymentCall, b: PaymentCall | null): boolean => JSON.stringify(a) === JSON.stringify(b);
