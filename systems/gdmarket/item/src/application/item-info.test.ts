import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { itemEvents, reservationEvents, topics } from '@gdmarket/contracts';
import { evolveItemInfo, itemInfoSources, type ItemInfo, type ItemInfoEvent } from './item-info.ts';

const registered: ItemInfoEvent = {
  type: 'gdmarket.ItemRegistered',
  payload: { itemNo: 1, itemName: 'Camera', itemStatus: 'Rentable', itemPrice: 100, rentalStatus: 'NotRenting' },
};
const reserved = (reservationNo: number, customerId = 1, customerName = 'YoungEunSong'): ItemInfoEvent => ({
  type: 'gdmarket.Reserved',
  payload: { reservationNo, customerName, customerId, itemNo: 1, itemName: 'Camera', itemStatus: 'NotRentable', itemPrice: 100 },
});
const cancelled = (reservationNo: number): ItemInfoEvent => ({
  type: 'gdmarket.ReservationCancelled',
  payload: { reservationNo, customerName: 'YoungEunSong', customerId: 1, itemStatus: 'Rentable', itemNo: 1 },
});
const rented: ItemInfoEvent = { type: 'gdmarket.RentedItem', payload: { itemNo: 1, reservationNo: 1, rentalStatus: 'Renting' } };
const returned: ItemInfoEvent = { type: 'gdmarket.ReturnedItem', payload: { itemNo: 1, reservationNo: 1, rentalStatus: 'Returned' } };
const deleted: ItemInfoEvent = { type: 'gdmarket.ItemDeleted', payload: { itemNo: 1 } };

const newRow: ItemInfo = {
  itemNo: 1,
  itemName: 'Camera',
  itemStatus: 'Rentable',
  itemPrice: 100,
  reservationNo: null,
  rentalStatus: 'NotRenting',
  customerId: null,
  customerName: null,
};
const reservedRow: ItemInfo = { ...newRow, itemStatus: 'NotRentable', reservationNo: 1, customerId: 1, customerName: 'YoungEunSong' };

/** Folds events the way the adapter applies them one by one; a deleted row is undefined. */
function replay(...events: ItemInfoEvent[]): ItemInfo | undefined {
  let view: ItemInfo | undefined;
  for (const event of events) {
    const next = evolveItemInfo(view, event);
    view = next === 'delete' ? undefined : next;
  }
  return view;
}

describe('the ItemInfo view', () => {
  it('shows a registered item as Rentable and NotRenting, with no reservation yet', () => {
    assert.deepEqual(evolveItemInfo(undefined, registered), newRow);
  });

  it('shows the reservation and its customer once the item is Reserved', () => {
    assert.deepEqual(evolveItemInfo(newRow, reserved(1)), reservedRow);
  });

  it('shows the item Rentable again when the reservation it shows is cancelled', () => {
    assert.deepEqual(evolveItemInfo(reservedRow, cancelled(1)), { ...reservedRow, itemStatus: 'Rentable' });
  });

  it('ignores the cancellation of a reservation other than the one it shows', () => {
    assert.deepEqual(evolveItemInfo(reservedRow, cancelled(2)), reservedRow);
  });

  it('follows the rental: Renting when the item is lent, Returned when it comes back', () => {
    assert.deepEqual(evolveItemInfo(reservedRow, rented), { ...reservedRow, rentalStatus: 'Renting' });
    assert.deepEqual(evolveItemInfo({ ...reservedRow, rentalStatus: 'Renting' }, returned), { ...reservedRow, rentalStatus: 'Returned' });
  });

  it('asks for the row to be deleted when the item is deleted, whether or not it has one', () => {
    assert.equal(evolveItemInfo(newRow, deleted), 'delete');
    assert.equal(evolveItemInfo(undefined, deleted), 'delete');
  });

  it('makes no row for a cancellation or a rental of an item it never saw', () => {
    for (const event of [cancelled(1), rented, returned]) assert.equal(evolveItemInfo(undefined, event), undefined);
  });

  it('ends with the same row whether the reservation or the registration arrives first (two topics, no order between them)', () => {
    assert.deepEqual(replay(reserved(1), registered), replay(registered, reserved(1)));
    assert.deepEqual(replay(reserved(1), registered), reservedRow);
  });

  it('ends the seed scenario with the row the seed shows (spec D.8 step 7)', () => {
    assert.deepEqual(replay(registered, reserved(1), rented, returned), {
      itemNo: 1,
      itemName: 'Camera',
      itemStatus: 'NotRentable',
      itemPrice: 100,
      reservationNo: 1,
      rentalStatus: 'Returned',
      customerId: 1,
      customerName: 'YoungEunSong',
    });
  });

  it('shows the next customer when the item is reserved again after a return', () => {
    const view = replay(registered, reserved(1), rented, returned, reserved(2, 7, 'Kim'));
    assert.deepEqual(view, { ...reservedRow, reservationNo: 2, customerId: 7, customerName: 'Kim' });
  });

  it('keeps the reservation holding the item when another one reserves it too (a double booking, spec D.10.4), as the item does', () => {
    assert.deepEqual(replay(registered, reserved(1), reserved(2, 7, 'Kim')), reservedRow);
    assert.deepEqual(replay(registered, reserved(1), rented, reserved(2, 7, 'Kim')), { ...reservedRow, rentalStatus: 'Renting' });
    assert.deepEqual(replay(registered, reserved(1), cancelled(1), reserved(2, 7, 'Kim')), { ...reservedRow, reservationNo: 2, customerId: 7, customerName: 'Kim' });
  });

  it('reads every item event from the item topic and every reservation event from the reservation topic', () => {
    assert.deepEqual(itemInfoSources, {
      [topics.item]: itemEvents.map((c) => c.type),
      [topics.reservation]: reservationEvents.map((c) => c.type),
    });
  });
});
