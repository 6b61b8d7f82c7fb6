import { itemEvents } from './item-events.ts';
import { paymentEvents } from './payment-events.ts';
import { reservationEvents } from './reservation-events.ts';

export * from './event.ts';
export * from './fields.ts';
export * from './topics.ts';
export * from './item-events.ts';
export * from './reservation-events.ts';
export * from './payment-events.ts';
export * from './payment-api.ts';

/** The events each service publishes, on its topic `gdmarket.<service>` (docs/asyncapi/gdmarket.json is made from it). */
export const producers = { item: itemEvents, reservation: reservationEvents, payment: paymentEvents } as const;

/** Every GDmarket event contract, for a service's ContractRegistry. */
export const gdmarketEvents = [...itemEvents, ...reservationEvents, ...paymentEvents] as const;
