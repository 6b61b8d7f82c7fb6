import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError, isAppError, type DomainEvent } from '@eventide/core';
import type { ReservedPayload } from '@gdmarket/contracts';
import { lendItem, markReserved, type Item } from '../domain/item.ts';
import { changeItem, followEvent, register, type ItemRepository, type ItemUnit } from './items.ts';

/** A hand-written repository in memory, with versions as the SQL one keeps them. */
function memoryUnit(options: { raceOnUpdate?: boolean } = {}) {
  const rows = new Map<number, { item: Item; version: number }>();
  const writes: string[] = [];
  const events: DomainEvent[] = [];
  let last = 0;
  const items: ItemRepository = {
    nextItemNo: async () => ++last,
    find: async (itemNo) => rows.get(itemNo),
    add: async (item) => {
      writes.push(`add ${item.itemNo}`);
      rows.set(item.itemNo, { item, version: 1 });
    },
    update: async (item, version) => {
      if (options.raceOnUpdate || rows.get(item.itemNo)?.version !== version) throw new AppError('conflict', 'changed meanwhile');
      writes.push(`update ${item.itemNo}`);
      rows.set(item.itemNo, { item, version: version + 1 });
    },
    remove: async (itemNo) => {
      writes.push(`remove ${itemNo}`);
      rows.delete(itemNo);
    },
  };
  const unit: ItemUnit = { items, emit: (event) => events.push(event) };
  return { unit, rows, writes, events };
}

const reserved = (itemNo: number, reservationNo = 5): ReservedPayload => ({
  reservationNo,
  customerName: 'YoungEunSong',
  customerId: 1,
  itemNo,
  itemName: 'Camera',
  itemStatus: 'NotRentable',
  itemPrice: 100,
});
const silent = { warn: () => undefined };

describe('item use cases', () => {
  it('register an item under the next number of the counter and emit ItemRegistered at version 1', async () => {
    const { unit, events } = memoryUnit();
    await register(unit, { itemName: 'Camera', itemPrice: 100 });
    const second = await register(unit, { itemName: 'Tent', itemPrice: 30 });
    assert.equal(second.itemNo, 2);
    assert.deepEqual(events.map((e) => [e.type, e.aggregateId, e.aggregateVersion]), [
      ['gdmarket.ItemRegistered', 1, 1],
      ['gdmarket.ItemRegistered', 2, 1],
    ]);
  });

  it('answer not_found for an unknown item and turn a rejection into an AppError with its code and rule', async () => {
    const { unit, writes } = memoryUnit();
    await assert.rejects(changeItem(unit, 9, lendItem), (e) => isAppError(e) && e.code === 'not_found');
    await register(unit, { itemName: 'Camera', itemPrice: 100 });
    await assert.rejects(changeItem(unit, 1, lendItem), (e) => isAppError(e) && e.code === 'conflict' && /lent only once/.test(e.message));
    assert.deepEqual(writes, ['add 1']);
  });

  it('write nothing when a decision leaves the item as it was', async () => {
    const { unit, writes } = memoryUnit();
    await register(unit, { itemName: 'Camera', itemPrice: 100 });
    await followEvent(unit, 1, (item) => markReserved(item, reserved(1)), silent);
    await followEvent(unit, 1, (item) => markReserved(item, reserved(1, 6)), silent);
    assert.deepEqual(writes, ['add 1', 'update 1']);
  });

  it('ignore and log an event about an item it does not have', async () => {
    const { unit, writes } = memoryUnit();
    const logged: object[] = [];
    await followEvent(unit, 42, (item) => markReserved(item, reserved(42)), { warn: (fields) => logged.push(fields) });
    assert.deepEqual(logged, [{ itemNo: 42 }]);
    assert.deepEqual(writes, []);
  });

  it('fail a policy that lost a race with a plain, retryable error rather than a refusal', async () => {
    const { unit } = memoryUnit({ raceOnUpdate: true });
    await register(unit, { itemName: 'Camera', itemPrice: 100 });
    await assert.rejects(followEvent(unit, 1, (item) => markReserved(item, reserved(1)), silent), (e) => !isAppError(e) && /changed while a policy/.test(String(e)));
  });
});
