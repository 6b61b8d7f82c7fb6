import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { itemRules, type Item } from './item.ts';
import { itemPatchRules, patchItem } from './item-patch.ts';

const available: Item = { itemNo: 1, itemName: 'Camera', itemPrice: 100, itemStatus: 'Rentable', rentalStatus: 'NotRenting', reservationNo: null };
const reservedByOne: Item = { ...available, itemStatus: 'NotRentable', reservationNo: 1 };
const lentToOne: Item = { ...reservedByOne, rentalStatus: 'Renting' };
const returnedByOne: Item = { ...lentToOne, itemStatus: 'Rentable', rentalStatus: 'Returned' };

// The seed's PATCH bodies (spec D.8 steps 5 and 6), numbers already converted by the edge.
const lendBody = { itemNo: 1, reservationNo: 1, itemStatus: 'NotRentable', rentalStatus: 'Renting' } as const;
const returnBody = { itemNo: 1, reservationNo: 1, itemStatus: 'Rentable', rentalStatus: 'Returned' } as const;

describe('PATCH /items/{itemNo}', () => {
  it('lends the item when the seed sends rentalStatus Renting with its reservationNo', () => {
    const change = patchItem(reservedByOne, lendBody);
    assert.ok(change.ok);
    assert.deepEqual(change.events.map((e) => e.type), ['gdmarket.RentedItem']);
    assert.deepEqual(change.item, lentToOne);
  });

  it('returns the item when the seed sends rentalStatus Returned', () => {
    const change = patchItem(lentToOne, returnBody);
    assert.ok(change.ok);
    assert.deepEqual(change.events.map((e) => e.type), ['gdmarket.ReturnedItem']);
    assert.deepEqual(change.item, returnedByOne);
  });

  it('lends with only rentalStatus, to the reservation holding the item', () => {
    const change = patchItem(reservedByOne, { rentalStatus: 'Renting' });
    assert.ok(change.ok);
    assert.deepEqual(change.item, lentToOne);
  });

  it('changes nothing and publishes nothing when the same PATCH is sent again', () => {
    assert.deepEqual(patchItem(lentToOne, lendBody), { ok: true, events: [], item: lentToOne });
    assert.deepEqual(patchItem(returnedByOne, returnBody), { ok: true, events: [], item: returnedByOne });
  });

  it('changes nothing for an empty PATCH or one that repeats the current values', () => {
    assert.deepEqual(patchItem(available, {}), { ok: true, events: [], item: available });
    assert.deepEqual(patchItem(reservedByOne, { itemName: 'Camera', itemPrice: 100, itemStatus: 'NotRentable', reservationNo: 1 }), {
      ok: true,
      events: [],
      item: reservedByOne,
    });
  });

  it('passes the item’s rule through: lending to another reservation while Renting is refused', () => {
    assert.deepEqual(patchItem(lentToOne, { ...lendBody, reservationNo: 2 }), { ok: false, rejection: itemRules.lendOnlyOnce });
  });

  it('passes the item’s rule through: an item nobody reserved cannot be lent', () => {
    assert.deepEqual(patchItem(available, lendBody), { ok: false, rejection: itemRules.lendOnlyReserved });
  });

  it('refuses an itemStatus that contradicts the rentalStatus it comes with', () => {
    assert.deepEqual(patchItem(reservedByOne, { ...lendBody, itemStatus: 'Rentable' }), {
      ok: false,
      rejection: itemPatchRules.derived('NotRentable'),
    });
  });

  it('refuses to set itemStatus by hand', () => {
    assert.deepEqual(patchItem(reservedByOne, { itemStatus: 'Rentable' }), { ok: false, rejection: itemPatchRules.derived('NotRentable') });
  });

  it('refuses to put an item back to NotRenting', () => {
    assert.deepEqual(patchItem(returnedByOne, { rentalStatus: 'NotRenting' }), { ok: false, rejection: itemPatchRules.notRentingByPatch });
  });

  it('refuses a new reservationNo without a rentalStatus to go with it', () => {
    assert.deepEqual(patchItem(reservedByOne, { reservationNo: 2 }), { ok: false, rejection: itemPatchRules.reservationWithRental });
  });

  it('refuses to change the item number, name or price', () => {
    assert.deepEqual(patchItem(available, { itemNo: 2 }), { ok: false, rejection: itemPatchRules.fixed('itemNo') });
    assert.deepEqual(patchItem(available, { itemName: 'Drone' }), { ok: false, rejection: itemPatchRules.fixed('itemName') });
    assert.deepEqual(patchItem(available, { itemPrice: 90 }), { ok: false, rejection: itemPatchRules.fixed('itemPrice') });
  });
});
