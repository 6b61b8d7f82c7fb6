import type { PayloadOf } from '@eventide/core';
import Type from 'typebox';
import { gdmarketEvent } from './event.ts';
import { Name, No, Price, strictObject } from './fields.ts';

/** Published by reservation on `gdmarket.reservation`; item takes the item off the market (correlation: itemNo). */
export const Reserved = gdmarketEvent(
  'Reserved',
  strictObject({
    reservationNo: No,
    customerName: Name,
    customerId: No,
    itemNo: No,
    itemName: Name,
    itemStatus: Type.Literal('NotRentable'),
    itemPrice: Price,
  }),
);

/** Two l's, as in the seed. Item puts the item back on the market if this reservation held it. */
export const ReservationCancelled = gdmarketEvent(
  'ReservationCancelled',
  strictObject({
    reservationNo: No,
    customerName: Name,
    customerId: No,
    itemStatus: Type.Literal('Rentable'),
    itemNo: No,
  }),
);

export const reservationEvents = [Reserved, ReservationCancelled] as const;

export type ReservedPayload = PayloadOf<typeof Reserved>;
export type ReservationCancelledPayload = PayloadOf<typeof ReservationCancelled>;
