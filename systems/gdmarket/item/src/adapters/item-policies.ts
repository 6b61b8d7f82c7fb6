import { topicOf } from '@eventide/messaging';
import type { Policy } from '@eventide/service-host';
import { ReservationCancelled, Reserved, type ReservationCancelledPayload, type ReservedPayload } from '@gdmarket/contracts';
import { followEvent } from '../application/items.ts';
import { markAvailable, markReserved } from '../domain/item.ts';
import { itemRepository } from './item-table.ts';

/**
 * Item availability follows reservations (spec D.5, correlation key itemNo). Payloads have passed
 * their contracts in the consumer pipeline before a policy sees them.
 */
export function itemPolicies(system: string): Policy[] {
  const reservations = [topicOf(system, 'reservation')];
  const markItemNotRentableOnReserved: Policy = {
    name: 'markItemNotRentableOnReserved',
    topics: reservations,
    on: [Reserved.type],
    async handle(event, { trx, emit, log }) {
      const reserved = event.payload as ReservedPayload;
      await followEvent({ items: itemRepository(trx), emit }, reserved.itemNo, (item) => markReserved(item, reserved), log);
    },
  };
  const markItemRentableOnReservationCancelled: Policy = {
    name: 'markItemRentableOnReservationCancelled',
    topics: reservations,
    on: [ReservationCancelled.type],
    async handle(event, { trx, emit, log }) {
      const cancelled = event.payload as ReservationCancelledPayload;
      await followEvent({ items: itemRepository(trx), emit }, cancelled.itemNo, (item) => markAvailable(item, cancelled), log);
    },
  };
  return [markItemNotRentableOnReserved, markItemRentableOnReservationCancelled];
}
