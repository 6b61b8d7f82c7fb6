import type { PayloadOf } from '@eventide/core';
import { ItemDeleted, ItemRegistered, itemEvents, RentedItem, ReturnedItem } from './item-events.ts';
import { PaymentApproved, PaymentCanceled, paymentEvents } from './payment-events.ts';
import { ReservationCancelled, Reserved, reservationEvents } from './reservation-events.ts';

export * from './event.ts';
export * from './fields.ts';
export * from './topics.ts';
export * from './item-events.ts';
export * from './reservation-events.ts';
export * from './payment-events.ts';
export * from './payment-api.ts';

/** Every GDmarket event contract, for a service's ContractRegistry. */
export const gdmarketEvents = [...itemEvents, ...reservationEvents, ...paymentEvents] as const;

export type ItemRegisteredPayload = PayloadOf<typeof ItemRegistered>;
export type RentedItemPayload = PayloadOf<typeof RentedItem>;
export type ReturnedItemPayload = PayloadOf<typeof ReturnedItem>;
export type ItemDeletedPayload = PayloadOf<typeof ItemDeleted>;
export type ReservedPayload = PayloadOf<typeof Reserved>;
export type ReservationCancelledPayload = PayloadOf<typeof ReservationCancelled>;
export type PaymentApprovedPayload = PayloadOf<typeof PaymentApproved>;
export type PaymentCanceledPayload = PayloadOf<typeof PaymentCanceled>;
