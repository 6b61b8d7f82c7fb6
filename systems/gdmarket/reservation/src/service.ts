import { defineService } from '@eventide/service-host';
import { itemEvents, reservationEvents } from '@gdmarket/contracts';
import { paymentCall } from './adapters/payment-client.ts';
import { reservationPolicies } from './adapters/reservation-policies.ts';
import { reservationRoutes } from './adapters/reservation-routes.ts';
import { reservationMigrations } from './adapters/reservation-table.ts';

/**
 * The reservation service (8082): reservations, paid and refunded through payment synchronously,
 * their rentalStatus following the item. `system` names its topics and consumer group
 * (`<system>.reservation`); tests give a unique one so runs on a shared Kafka never meet.
 */
export function defineReservationService(system = 'gdmarket') {
  return defineService({
    system,
    service: 'reservation',
    port: 8082,
    config: paymentCall.schema,
    contracts: [...reservationEvents, ...itemEvents],
    migrations: reservationMigrations,
    policies: reservationPolicies(system),
    routes: reservationRoutes,
  });
}

export const reservationService = defineReservationService();
