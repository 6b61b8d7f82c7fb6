import type { PayloadOf } from '@eventide/core';
import Type from 'typebox';
import { gdmarketEvent } from './event.ts';
import { Name, No, Price, strictObject } from './fields.ts';

/** Published by item on `gdmarket.item`. A new item is always Rentable and NotRenting (spec D.10.8). */
export const ItemRegistered = gdmarketEvent(
  'ItemRegistered',
  strictObject({
    itemNo: No,
    itemName: Name,
    itemStatus: Type.Literal('Rentable'),
    itemPrice: Price,
    rentalStatus: Type.Literal('NotRenting'),
  }),
);

/** The owner handed the item over for `reservationNo`; reservation follows it (correlation: reservationNo). */
export const RentedItem = gdmarketEvent(
  'RentedItem',
  strictObject({ itemNo: No, reservationNo: No, rentalStatus: Type.Literal('Renting') }),
);

/** The item came back from `reservationNo`'s rental and is Rentable again. */
export const ReturnedItem = gdmarketEvent(
  'ReturnedItem',
  strictObject({ itemNo: No, reservationNo: No, rentalStatus: Type.Literal('Returned') }),
);

export const ItemDeleted = gdmarketEvent('ItemDeleted', strictObject({ itemNo: No }));

export const itemEvents = [ItemRegistered, RentedItem, ReturnedItem, ItemDeleted] as const;

export type ItemRegisteredPayload = PayloadOf<typeof ItemRegistered>;
export type RentedItemPayload = PayloadOf<typeof RentedItem>;
export type ReturnedItemPayload = PayloadOf<typeof ReturnedItem>;
export type ItemDeletedPayload = PayloadOf<typeof ItemDeleted>;
