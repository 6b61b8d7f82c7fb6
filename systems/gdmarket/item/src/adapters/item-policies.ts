import { topicOf } from '@eventide/messaging';
import { policyOn, type Policy } from '@eventide/service-host';
import { ReservationCancelled, Reserved } from '@gdmarket/contracts';
import { followEvent } from '../application/items.ts';
import { markAvailable, markReserved } from '../domain/item.ts';
import { itemRepository } from './item-table.ts';

/** Item availability follows reservations (spec D.5, correlation key itemNo). */
export function itemPolicies(system: string): Policy[] {
  const topics = [topicOf(system, 'reservation')];
  return [
    policyOn(Reserved, {
      name: 'markItemNotRentableOnReserved',
      topics,
      handle: (reserved, { trx, emit, log }) =>
        followEvent({ items: itemRepository(trx), emit }, reserved.itemNo, (item) => markReserved(item, reserved), log),
    }),
    policyOn(ReservationCancelled, {
      name: 'markItemRentableOnReservationCancelled',
      topics,
      handle: (cancelled, { trx, emit, log }) =>
        followEvent({ items: itemRepository(trx), emit }, cancelled.itemNo, (item) => markAvailable(item, cancelled), log),
    }),
  ];
}
