import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContractRegistry, type Decision } from '@eventide/core';
import { gdmarketEvents, type ReservationCancelledPayload, type ReservedPayload } from '@gdmarket/contracts';
import {
  deleteItem,
  itemRules,
  lendItem,
  markAvailable,
  markReserved,
  registerItem,
  returnItem,
  type Item,
  type ItemChange,
  type ItemEvent,
} from './item.ts';

// Given: items in each state the seed scenario passes through.
const available: Item = { itemNo: 1, itemName: 'Camera', itemPrice: 100, itemStatus: 'Rentable', rentalStatus: 'NotRenting', reservationNo: null };
const reservedByOne: Item = { ...available, itemStatus: 'NotRentable', reservationNo: 1 };
const lentToOne: Item = { ...reservedByOne, rentalStatus: 'Renting' };
const returnedByOne: Item = { ...lentToOne, itemStatus: 'Rentable', rentalStatus: 'Returned' };

const reserved = (reservationNo: number): ReservedPayload => ({
  reservationNo,
  customerName: 'YoungEunSong',
  customerId: 1,
  itemNo: 1,
  itemName: 'Camera',
  itemStatus: 'NotRentable',
  itemPrice: 100,
});
const cancelled = (reservationNo: number): ReservationCancelledPayload => ({
  reservationNo,
  customerName: 'YoungEunSong',
  customerId: 1,
  itemStatus: 'Rentable',
  itemNo: 1,
});

function accepted(change: ItemChange) {
  assert.ok(change.ok, `expected acceptance, got ${JSON.stringify(change)}`);
  return change;
}

describe('registering an item', () => {
  it('announces ItemRegistered and stores a Rentable, NotRenting item under the number it was given', () => {
    const change = accepted(registerItem({ itemNo: 1, itemName: 'Camera', itemPrice: 100 }));
    assert.deepEqual(change.events, [
      {
        type: 'gdmarket.ItemRegistered',
        aggregateType: 'Item',
        aggregateId: 1,
        correlationId: 1,
        payload: { itemNo: 1, itemName: 'Camera', itemStatus: 'Rentable', itemPrice: 100, rentalStatus: 'NotRenting' },
      },
    ]);
    assert.deepEqual(change.item, available);
  });

  it('accepts the initial statuses the seed sends with the POST', () => {
    const change = registerItem({ itemNo: 1, itemName: 'Camera', itemPrice: 100, itemStatus: 'Rentable', rentalStatus: 'NotRenting' });
    assert.deepEqual(accepted(change).item, available);
  });

  it('refuses an item that would start NotRentable or already Renting', () => {
    const base = { itemNo: 1, itemName: 'Camera', itemPrice: 100 };
    assert.deepEqual(registerItem({ ...base, itemStatus: 'NotRentable' }), { ok: false, rejection: itemRules.startsAvailable('itemStatus') });
    assert.deepEqual(registerItem({ ...base, rentalStatus: 'Renting' }), { ok: false, rejection: itemRules.startsAvailable('rentalStatus') });
  });
});

describe('lending an item', () => {
  it('lends a reserved item to the reservation holding it and announces RentedItem in that reservation’s flow', () => {
    const change = accepted(lendItem(reservedByOne, { reservationNo: 1 }));
    assert.deepEqual(change.events, [
      {
        type: 'gdmarket.RentedItem',
        aggregateType: 'Item',
        aggregateId: 1,
        correlationId: 1,
        payload: { itemNo: 1, reservationNo: 1, rentalStatus: 'Renting' },
      },
    ]);
    assert.deepEqual(change.item, lentToOne);
  });

  it('lends to the holding reservation when the owner leaves reservationNo out', () => {
    const holdByTwo: Item = { ...reservedByOne, reservationNo: 2 };
    const change = accepted(lendItem(holdByTwo));
    assert.deepEqual(change.events[0]?.payload, { itemNo: 1, reservationNo: 2, rentalStatus: 'Renting' });
    assert.equal(change.events[0]?.correlationId, 2);
  });

  it('refuses to lend an item that is already Renting', () => {
    assert.deepEqual(lendItem(lentToOne, { reservationNo: 1 }), { ok: false, rejection: itemRules.lendOnlyOnce });
  });

  it('refuses to lend an item nobody has reserved', () => {
    assert.deepEqual(lendItem(available, { reservationNo: 1 }), { ok: false, rejection: itemRules.lendOnlyReserved });
    assert.deepEqual(lendItem(returnedByOne, { reservationNo: 1 }), { ok: false, rejection: itemRules.lendOnlyReserved });
  });

  it('refuses to lend to a reservation other than the one holding the item, naming both', () => {
    assert.deepEqual(lendItem(reservedByOne, { reservationNo: 2 }), { ok: false, rejection: itemRules.reservedByAnother(1, 2) });
    assert.match(itemRules.reservedByAnother(1, 2).rule, /reservation 1, not 2/);
  });
});

describe('returning an item', () => {
  it('takes the item back, makes it Rentable again and announces ReturnedItem in the reservation’s flow', () => {
    const change = accepted(returnItem(lentToOne, { reservationNo: 1 }));
    assert.deepEqual(change.events, [
      {
        type: 'gdmarket.ReturnedItem',
        aggregateType: 'Item',
        aggregateId: 1,
        correlationId: 1,
        payload: { itemNo: 1, reservationNo: 1, rentalStatus: 'Returned' },
      },
    ]);
    assert.deepEqual(change.item, returnedByOne);
  });

  it('refuses to return an item that is not Renting', () => {
    for (const item of [available, reservedByOne, returnedByOne]) {
      assert.deepEqual(returnItem(item, { reservationNo: 1 }), { ok: false, rejection: itemRules.returnOnlyRenting });
    }
  });

  it('refuses a return on behalf of a reservation the item was not lent to', () => {
    assert.deepEqual(returnItem(lentToOne, { reservationNo: 3 }), { ok: false, rejection: itemRules.lentToAnother(1, 3) });
  });
});

describe('deleting an item', () => {
  it('announces ItemDeleted in the item’s own flow and leaves no item behind', () => {
    for (const item of [available, returnedByOne]) {
      const change = accepted(deleteItem(item));
      assert.deepEqual(change.events, [{ type: 'gdmarket.ItemDeleted', aggregateType: 'Item', aggregateId: 1, correlationId: 1, payload: { itemNo: 1 } }]);
      assert.equal(change.item, null);
    }
  });

  it('refuses to delete an item that is reserved or Renting', () => {
    assert.deepEqual(deleteItem(reservedByOne), { ok: false, rejection: itemRules.deleteOnlyFree });
    assert.deepEqual(deleteItem(lentToOne), { ok: false, rejection: itemRules.deleteOnlyFree });
  });
});

describe('policy: an item is taken off the market when Reserved', () => {
  it('makes a Rentable item NotRentable for that reservation, publishing nothing', () => {
    assert.deepEqual(markReserved(available, reserved(1)), { ok: true, events: [], item: reservedByOne });
  });

  it('starts a new rental cycle for an item that was returned', () => {
    const change = accepted(markReserved(returnedByOne, reserved(2)));
    assert.deepEqual(change.item, { ...available, itemStatus: 'NotRentable', reservationNo: 2 });
  });

  it('changes nothing when the same Reserved arrives again', () => {
    assert.deepEqual(markReserved(reservedByOne, reserved(1)), { ok: true, events: [], item: reservedByOne });
  });

  it('keeps an item with the reservation that already holds it when a second one arrives', () => {
    assert.deepEqual(markReserved(reservedByOne, reserved(2)), { ok: true, events: [], item: reservedByOne });
    assert.deepEqual(markReserved(lentToOne, reserved(2)), { ok: true, events: [], item: lentToOne });
  });
});

describe('policy: an item is back on the market when its ReservationCancelled', () => {
  it('makes the item Rentable again and forgets the cancelled reservation', () => {
    assert.deepEqual(markAvailable(reservedByOne, cancelled(1)), { ok: true, events: [], item: available });
  });

  it('ignores the cancellation of a reservation that does not hold the item', () => {
    assert.deepEqual(markAvailable(reservedByOne, cancelled(2)), { ok: true, events: [], item: reservedByOne });
    assert.deepEqual(markAvailable(available, cancelled(1)), { ok: true, events: [], item: available });
  });

  it('leaves an item Renting when its reservation is cancelled behind the owner’s back', () => {
    assert.deepEqual(markAvailable(lentToOne, cancelled(1)), { ok: true, events: [], item: lentToOne });
  });
});

describe('an item change', () => {
  it('is a platform Decision, so the edge maps an item’s rejection like any other', () => {
    const decision: Decision<ItemEvent> = deleteItem(lentToOne);
    assert.deepEqual(decision, { ok: false, rejection: { code: 'conflict', rule: 'an item that is reserved or Renting cannot be deleted' } });
  });

  it('announces only events that pass their published contracts', () => {
    const contracts = new ContractRegistry(gdmarketEvents);
    const events = [registerItem({ itemNo: 1, itemName: 'Camera', itemPrice: 100 }), lendItem(reservedByOne), returnItem(lentToOne), deleteItem(available)]
      .flatMap((change) => accepted(change).events);
    assert.equal(events.length, 4);
    for (const event of events) assert.deepEqual(contracts.get(event.type)?.check(event.payload), [], event.type);
  });
});
