import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContractRegistry, type Decision } from '@eventide/core';
import { gdmarketEvents } from '@gdmarket/contracts';
import {
  cancelReservation,
  recordRented,
  recordReturned,
  requestPayment,
  requestPaymentCancellation,
  reservationRules,
  reserve,
  type Reservation,
  type ReservationChange,
  type ReservationEvent,
} from './reservation.ts';

// Given: reservation 1 of the seed scenario in each state it passes through.
const open: Reservation = {
  reservationNo: 1,
  customerName: 'YoungEunSong',
  customerId: 1,
  itemNo: 1,
  itemName: 'Camera',
  itemPrice: 100,
  rentalStatus: 'NotRenting',
  paymentStatus: 'NotPaid',
};
const paid: Reservation = { ...open, paymentStatus: 'Paid' };
const renting: Reservation = { ...paid, rentalStatus: 'Renting' };
const returned: Reservation = { ...paid, rentalStatus: 'Returned' };

const request = { reservationNo: 1, customerName: 'YoungEunSong', customerId: 1, itemNo: 1, itemName: 'Camera', itemPrice: 100 };
const rentedItem = { itemNo: 1, reservationNo: 1, rentalStatus: 'Renting' } as const;
const returnedItem = { itemNo: 1, reservationNo: 1, rentalStatus: 'Returned' } as const;

const noOp = (reservation: Reservation): ReservationChange => ({ ok: true, events: [], reservation, paymentCall: null });

describe('reserving an item', () => {
  it('announces Reserved, taking the item off the market, and stores a NotPaid, NotRenting reservation', () => {
    assert.deepEqual(reserve(request), {
      ok: true,
      events: [
        {
          type: 'gdmarket.Reserved',
          aggregateType: 'Reservation',
          aggregateId: 1,
          correlationId: 1,
          payload: { reservationNo: 1, customerName: 'YoungEunSong', customerId: 1, itemNo: 1, itemName: 'Camera', itemStatus: 'NotRentable', itemPrice: 100 },
        },
      ],
      reservation: open,
      paymentCall: null,
    });
  });

  it('accepts the initial statuses the seed sends with the POST', () => {
    const change = reserve({ ...request, paymentStatus: 'NotPaid', rentalStatus: 'NotRenting' });
    assert.ok(change.ok);
    assert.deepEqual(change.reservation, open);
  });

  it('refuses a reservation that would start Paid or Renting', () => {
    assert.deepEqual(reserve({ ...request, paymentStatus: 'Paid' }), { ok: false, rejection: reservationRules.startsOpen('paymentStatus') });
    assert.deepEqual(reserve({ ...request, rentalStatus: 'Returned' }), { ok: false, rejection: reservationRules.startsOpen('rentalStatus') });
  });
});

describe('cancelling a reservation', () => {
  const cancelledEvent = {
    type: 'gdmarket.ReservationCancelled',
    aggregateType: 'Reservation',
    aggregateId: 1,
    correlationId: 1,
    payload: { reservationNo: 1, customerName: 'YoungEunSong', customerId: 1, itemStatus: 'Rentable', itemNo: 1 },
  };

  it('announces ReservationCancelled, putting the item back on the market, and leaves no reservation', () => {
    assert.deepEqual(cancelReservation(open), { ok: true, events: [cancelledEvent], reservation: null, paymentCall: null });
  });

  it('cancels the payment of a paid reservation first, by its reservationNo', () => {
    assert.deepEqual(cancelReservation(paid), {
      ok: true,
      events: [cancelledEvent],
      reservation: null,
      paymentCall: { kind: 'cancel', reservationNo: 1 },
    });
  });

  it('refuses while the item is Renting', () => {
    assert.deepEqual(cancelReservation(renting), { ok: false, rejection: reservationRules.cancelWhileRenting });
    assert.deepEqual(cancelReservation({ ...renting, paymentStatus: 'NotPaid' }), { ok: false, rejection: reservationRules.cancelWhileRenting });
  });

  it('refuses once the item was Returned', () => {
    assert.deepEqual(cancelReservation(returned), { ok: false, rejection: reservationRules.cancelAfterReturn });
  });
});

describe('paying for a reservation', () => {
  it('asks payment to approve the price of the item for this reservation, and becomes Paid if it does', () => {
    assert.deepEqual(requestPayment(open), {
      ok: true,
      events: [],
      reservation: paid,
      paymentCall: { kind: 'approve', body: { paymentStatus: 'Paid', reservationNo: 1, itemNo: 1, itemPrice: 100 } },
    });
  });

  it('calls nobody and changes nothing when the reservation is already Paid', () => {
    for (const reservation of [paid, renting, returned]) assert.deepEqual(requestPayment(reservation), noOp(reservation));
  });

  it('may pay after the item was lent, since nothing made payment come first', () => {
    const change = requestPayment({ ...renting, paymentStatus: 'NotPaid' });
    assert.ok(change.ok);
    assert.equal(change.paymentCall?.kind, 'approve');
  });
});

describe('cancelling the payment of a reservation', () => {
  it('asks payment to cancel by reservationNo, and becomes NotPaid if it does', () => {
    assert.deepEqual(requestPaymentCancellation(paid), { ok: true, events: [], reservation: open, paymentCall: { kind: 'cancel', reservationNo: 1 } });
  });

  it('calls nobody and changes nothing when the reservation is NotPaid', () => {
    assert.deepEqual(requestPaymentCancellation(open), noOp(open));
    const unpaidRenting: Reservation = { ...renting, paymentStatus: 'NotPaid' };
    assert.deepEqual(requestPaymentCancellation(unpaidRenting), noOp(unpaidRenting));
  });

  it('refuses once the item has been lent or returned', () => {
    assert.deepEqual(requestPaymentCancellation(renting), { ok: false, rejection: reservationRules.refundOnlyBeforeLending });
    assert.deepEqual(requestPaymentCancellation(returned), { ok: false, rejection: reservationRules.refundOnlyBeforeLending });
  });
});

describe('policy: a reservation follows its item’s rental', () => {
  it('becomes Renting on RentedItem, publishing nothing and calling no payment', () => {
    assert.deepEqual(recordRented(paid, rentedItem), noOp(renting));
  });

  it('becomes Renting on RentedItem even when unpaid, without cancelling a payment it never had', () => {
    assert.deepEqual(recordRented(open, rentedItem), noOp({ ...open, rentalStatus: 'Renting' }));
  });

  it('becomes Returned on ReturnedItem', () => {
    assert.deepEqual(recordReturned(renting, returnedItem), noOp(returned));
  });

  it('changes nothing when the same fact arrives again', () => {
    assert.deepEqual(recordRented(renting, rentedItem), noOp(renting));
    assert.deepEqual(recordReturned(returned, returnedItem), noOp(returned));
  });
});

describe('a reservation change', () => {
  it('is a platform Decision, so the edge maps a reservation’s rejection like any other', () => {
    const decision: Decision<ReservationEvent> = cancelReservation(renting);
    assert.deepEqual(decision, {
      ok: false,
      rejection: { code: 'conflict', rule: 'a reservation whose item is Renting cannot be cancelled; return the item first' },
    });
  });

  it('announces only events that pass their published contracts', () => {
    const contracts = new ContractRegistry(gdmarketEvents);
    const events = [reserve(request), cancelReservation(open)].flatMap((change) => (change.ok ? change.events : []));
    assert.equal(events.length, 2);
    for (const event of events) assert.deepEqual(contracts.get(event.type)?.check(event.payload), [], event.type);
  });
});
