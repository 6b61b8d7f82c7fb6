import { topicOf } from '@eventide/messaging';
import type { Policy } from '@eventide/service-host';
import { RentedItem, ReturnedItem, type RentedItemPayload, type ReturnedItemPayload } from '@gdmarket/contracts';
import { followEvent } from '../application/reservations.ts';
import { recordRented, recordReturned } from '../domain/reservation.ts';
import { reservationRepository } from './reservation-table.ts';

/**
 * A reservation's rentalStatus follows its item (spec D.5, correlation key reservationNo). Payloads
 * have passed their contracts in the consumer pipeline before a policy sees them.
 */
export function reservationPolicies(system: string): Policy[] {
  const items = [topicOf(system, 'item')];
  const markReservationRentingOnRentedItem: Policy = {
    name: 'markReservationRentingOnRentedItem',
    topics: items,
    on: [RentedItem.type],
    async handle(event, { trx, emit, log }) {
      const rented = event.payload as RentedItemPayload;
      await followEvent({ reservations: reservationRepository(trx), emit }, rented.reservationNo, (r) => recordRented(r, rented), log);
    },
  };
  const markReservationReturnedOnReturnedItem: Policy = {
    name: 'markReservationReturnedOnReturnedItem',
    topics: items,
    on: [ReturnedItem.type],
    async handle(event, { trx, emit, log }) {
      const returned = event.payload as ReturnedItemPayload;
      await followEvent({ reservations: reservationRepository(trx), emit }, returned.reservationNo, (r) => recordReturned(r, returned), log);
    },
  };
  return [markReservationRentingOnRentedItem, markReservationReturnedOnReturnedItem];
}
