import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError, isAppError, type DomainEvent } from '@eventide/core';
import { cancelReservation, recordRented, type PaymentCall, type Reservation } from '../domain/reservation.ts';
import { patchReservation } from '../domain/reservation-patch.ts';
import { changeReservation, followEvent, makeReservation, type ReservationRepository, type ReservationUnit } from './reservations.ts';

/** A hand-written store in memory: versions as the SQL one keeps them, a log of what happened in which order. */
function memoryStore() {
  const rows = new Map<number, { reservation: Reservation; version: number }>();
  const log: string[] = [];
  const events: DomainEvent[] = [];
  let last = 0;
  const reservations: ReservationRepository = {
    nextReservationNo: async () => ++last,
    find: async (no) => rows.get(no),
    add: async (reservation) => void rows.set(reservation.reservationNo, { reservation, version: 1 }),
    update: async (reservation, version) => {
      if (rows.get(reservation.reservationNo)?.version !== version) throw new AppError('conflict', 'changed meanwhile');
      log.push(`update ${reservation.paymentStatus}`);
      rows.set(reservation.reservationNo, { reservation, version: version + 1 });
    },
    remove: async (no) => {
      log.push(`remove ${no}`);
      rows.delete(no);
    },
  };
  const unit: ReservationUnit = { reservations, emit: (event) => events.push(event) };
  const transact = async <T>(work: (unit: ReservationUnit) => Promise<T>) => {
    log.push('begin');
    const result = await work(unit);
    log.push('commit');
    return result;
  };
  return { rows, log, events, unit, reservations, transact };
}

const seed = { customerName: 'YoungEunSong', customerId: 1, itemNo: 1, itemName: 'Camera', itemPrice: 100 };

describe('reservation use cases', () => {
  it('call payment before the transaction, then store the decision', async () => {
    const store = memoryStore();
    const { reservationNo } = await makeReservation(store.unit, seed);
    store.log.length = 0;
    const calls: PaymentCall[] = [];
    const payment = { settle: async (call: PaymentCall) => void (calls.push(call), store.log.push(`pay ${call.kind}`)) };
    const paid = await changeReservation({ read: store.reservations, transact: store.transact, payment }, reservationNo, (r) => patchReservation(r, { paymentStatus: 'Paid' }));
    assert.equal(paid?.paymentStatus, 'Paid');
    assert.deepEqual(store.log, ['pay approve', 'begin', 'update Paid', 'commit']);
    assert.deepEqual(calls, [{ kind: 'approve', body: { paymentStatus: 'Paid', reservationNo, itemNo: 1, itemPrice: 100 } }]);
  });

  it('change nothing when payment cannot be reached', async () => {
    const store = memoryStore();
    const { reservationNo } = await makeReservation(store.unit, seed);
    store.log.length = 0;
    const payment = { settle: async () => Promise.reject(new AppError('unavailable', 'payment is unreachable')) };
    await assert.rejects(
      changeReservation({ read: store.reservations, transact: store.transact, payment }, reservationNo, (r) => patchReservation(r, { paymentStatus: 'Paid' })),
      (e) => isAppError(e) && e.code === 'unavailable',
    );
    assert.deepEqual(store.log, []);
    assert.equal(store.rows.get(reservationNo)?.reservation.paymentStatus, 'NotPaid');
  });

  it('refuse with a conflict when the reservation changed before the transaction so that a payment call is needed', async () => {
    const store = memoryStore();
    const { reservationNo } = await makeReservation(store.unit, seed);
    const stale = store.rows.get(reservationNo)!;
    // Another request paid it after this one read it: cancelling now needs a refund this one never asked for.
    store.rows.set(reservationNo, { reservation: { ...stale.reservation, paymentStatus: 'Paid' }, version: stale.version + 1 });
    const read: ReservationRepository = { ...store.reservations, find: async () => stale };
    const payment = { settle: async () => assert.fail('the first decision needed no payment call') };
    await assert.rejects(
      changeReservation({ read, transact: store.transact, payment }, reservationNo, cancelReservation),
      (e) => isAppError(e) && e.code === 'conflict' && /changed by another request meanwhile/.test(e.message),
    );
    assert.equal(store.rows.get(reservationNo)?.reservation.paymentStatus, 'Paid');
  });

  it('answer not_found for an unknown reservation without calling payment', async () => {
    const store = memoryStore();
    const payment = { settle: async () => assert.fail('payment must not be called') };
    await assert.rejects(
      changeReservation({ read: store.reservations, transact: store.transact, payment }, 9, cancelReservation),
      (e) => isAppError(e) && e.code === 'not_found',
    );
  });

  it('fail a policy that lost a race with a plain, retryable error rather than a refusal', async () => {
    const store = memoryStore();
    const { reservationNo } = await makeReservation(store.unit, seed);
    const racing: ReservationUnit = { ...store.unit, reservations: { ...store.reservations, update: async () => Promise.reject(new AppError('conflict', 'changed meanwhile')) } };
    await assert.rejects(
      followEvent(racing, reservationNo, (r) => recordRented(r, { itemNo: 1, reservationNo, rentalStatus: 'Renting' }), { warn: () => undefined }),
      (e) => !isAppError(e) && /changed while a policy/.test(String(e)),
    );
  });
});
