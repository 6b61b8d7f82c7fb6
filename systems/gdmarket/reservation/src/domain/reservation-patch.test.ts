import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reservationRules, type Reservation } from './reservation.ts';
import { patchReservation, reservationPatchRules } from './reservation-patch.ts';

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
const noOp = (reservation: Reservation) => ({ ok: true, events: [], reservation, paymentCall: null });

describe('PATCH /reservations/{reservationNo}', () => {
  it('requests payment when the seed sends paymentStatus Paid (spec D.8 step 4)', () => {
    assert.deepEqual(patchReservation(open, { paymentStatus: 'Paid' }), {
      ok: true,
      events: [],
      reservation: paid,
      paymentCall: { kind: 'approve', body: { paymentStatus: 'Paid', reservationNo: 1, itemNo: 1, itemPrice: 100 } },
    });
  });

  it('requests the payment’s cancellation when the seed sends reservationNo and paymentStatus NotPaid', () => {
    assert.deepEqual(patchReservation(paid, { reservationNo: 1, paymentStatus: 'NotPaid' }), {
      ok: true,
      events: [],
      reservation: open,
      paymentCall: { kind: 'cancel', reservationNo: 1 },
    });
  });

  it('calls nobody when paymentStatus does not change', () => {
    assert.deepEqual(patchReservation(paid, { paymentStatus: 'Paid' }), noOp(paid));
    assert.deepEqual(patchReservation(open, { paymentStatus: 'NotPaid' }), noOp(open));
  });

  it('changes nothing for an empty PATCH or one that repeats the current values', () => {
    assert.deepEqual(patchReservation(open, {}), noOp(open));
    assert.deepEqual(patchReservation(open, { ...open }), noOp(open));
  });

  it('passes the reservation’s rule through: no refund once the item is lent', () => {
    assert.deepEqual(patchReservation({ ...paid, rentalStatus: 'Renting' }, { paymentStatus: 'NotPaid' }), {
      ok: false,
      rejection: reservationRules.refundOnlyBeforeLending,
    });
  });

  it('refuses to set rentalStatus, which follows the item', () => {
    assert.deepEqual(patchReservation(open, { rentalStatus: 'Renting' }), { ok: false, rejection: reservationPatchRules.rentalFollowsItem });
  });

  it('refuses to change what was reserved, by whom and at what price', () => {
    assert.deepEqual(patchReservation(open, { reservationNo: 2 }), { ok: false, rejection: reservationPatchRules.fixed('reservationNo') });
    assert.deepEqual(patchReservation(open, { customerId: 2 }), { ok: false, rejection: reservationPatchRules.fixed('customerId') });
    assert.deepEqual(patchReservation(open, { itemPrice: 1, paymentStatus: 'Paid' }), { ok: false, rejection: reservationPatchRules.fixed('itemPrice') });
  });
});
