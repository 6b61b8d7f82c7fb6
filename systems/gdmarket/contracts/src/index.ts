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

/** Every GDmarket event contract, for a service's ContractRegistry. */
export const gdmarketEvents = [...itemEvents, ...reservationEvents, ...paymentEvents] as const;
