import { topicOf } from '@eventide/messaging';
import { policyOn, type Policy } from '@eventide/service-host';
import { RentedItem, ReturnedItem } from '@gdmarket/contracts';
import { followEvent } from '../application/reservations.ts';
import { recordRented, recordReturned } from '../domain/reservation.ts';
import { reservationRepository } from './reservation-table.ts';

/** A reservation's rentalStatus follows its item (spec D.5, correlation key reservationNo). */
export function reservationPolicies(system: string): Policy[] {
  const topics = [topicOf(system, 'item')];
  return [
    policyOn(RentedItem, {
      name: 'markReservationRentingOnRentedItem',
      topics,
      handle: (rented, { trx, emit, log }) =>
        followEvent({ reservations: reservationRepository(trx), emit }, rented.reservationNo, (r) => recordRented(r, rented), log),
    }),
    policyOn(ReturnedItem, {
      name: 'markReservationReturnedOnReturnedItem',
      topics,
      handle: (returned, { trx, emit, log }) =>
        followEvent({ reservations: reservationRepository(trx), emit }, returned.reservationNo, (r) => recordReturned(r, returned), log),
    }),
  ];
}
