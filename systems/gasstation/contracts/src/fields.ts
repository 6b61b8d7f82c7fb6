import Type, { type Static } from 'typebox';

export { strictObject } from '@eventide/core';

/**
 * Field schemas shared by the gas station's events and HTTP parameters. The edge reuses them, so a
 * request it accepts always yields events that pass their contracts.
 */

/** Generated ids (orderId, shipId, stockId, saleId) start at 1 and fit a 32-bit integer column. */
export const maxInteger = 2_147_483_647;
export const Id = Type.Integer({ minimum: 1, maximum: maxInteger });
/** The product code of the head office's master, e.g. `CD1001` (유종). */
export const ProductId = Type.String({ minLength: 1, maxLength: 50, pattern: '^[A-Za-z0-9_-]+$' });
export const Name = Type.String({ minLength: 1, maxLength: 200 });
/** Unit price in won (the original's Long). */
export const Price = Type.Integer({ minimum: 0, maximum: 1_000_000_000 });
/** Litres ordered, shipped or sold: a positive amount (the original's Double). */
export const Quantity = Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000_000 });
/** A stock movement: positive in, negative out (a sale), zero for a scheduled receipt. */
export const StockDelta = Type.Number({ minimum: -1_000_000_000, maximum: 1_000_000_000 });
/** qty × price, in won; may carry fractions since qty does. */
export const Amount = Type.Number({ minimum: 0 });
/** ISO calendar date `yyyy-MM-dd`, as the original's orderDate. */
export const IsoDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
export const Address = Type.String({ minLength: 1, maxLength: 500 });

/** OrderStatus view states; `confirmed` is lower-case as in the original (spec E.10.4). */
export const OrderStatusValue = Type.Union([
  Type.Literal('Ordered'),
  Type.Literal('Shipped'),
  Type.Literal('Received'),
  Type.Literal('confirmed'),
]);
export type OrderStatusValue = Static<typeof OrderStatusValue>;
