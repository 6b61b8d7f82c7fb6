import { eventsOf, type PayloadOf } from '@eventide/core';
import Type from 'typebox';
import { Address, Amount, Id, IsoDate, Name, Price, ProductId, Quantity, StockDelta, strictObject } from './fields.ts';

/** Declares `gasstation.<name>`; names keep the seed's spelling (spec E.4). */
export const gasstationEvent = eventsOf('gasstation');

const product = { productId: ProductId, productName: Name };

// Published by order on `gasstation.order`.

/** The head office ordered fuel for a station (correlation: orderId). */
export const Ordered = gasstationEvent(
  'Ordered',
  strictObject({ orderId: Id, orderDate: IsoDate, ...product, destAddr: Address, qty: Quantity }),
);

/**
 * The product master changed, or was resent by `/products/sync` (`resend: true`), in which case
 * Station republishes MasterChanged even when nothing changed (correlation: productId).
 */
export const ProductChanged = gasstationEvent('ProductChanged', strictObject({ ...product, price: Price, resend: Type.Boolean() }));

// Published by logistics on `gasstation.logistics`.

/** A truck left with the order (correlation: orderId). */
export const Shipped = gasstationEvent(
  'Shipped',
  strictObject({ shipId: Id, orderId: Id, carNumber: Name, destAddr: Address, ...product, qty: Quantity }),
);

// Published by station on `gasstation.station`.

/**
 * A stock flow was recorded: a scheduled receipt (qty 0, qtyToBe shipped), its confirmation
 * (qty = qtyToBe), or stock returned by a cancelled sale (orderId null).
 */
export const Received = gasstationEvent(
  'Received',
  strictObject({
    stockId: Id,
    orderId: Type.Union([Id, Type.Null()]),
    ...product,
    qty: StockDelta,
    qtyToBe: Type.Union([StockDelta, Type.Null()]),
    reason: Type.Union([Name, Type.Null()]),
  }),
);

/** The station's copy of the master changed, or was resent; POS follows it (correlation: productId). */
export const MasterChanged = gasstationEvent('MasterChanged', strictObject({ ...product, price: Price }));

// Published by pos on `gasstation.pos`.

const sale = {
  saleId: Id,
  ...product,
  price: Price,
  qty: Quantity,
  amount: Amount,
  /** Always 1: credit accounts (외상계정) are future scope (spec E.10.12). */
  accountId: Id,
  accountName: Type.Union([Name, Type.Null()]),
};

/** A sale, committed together with its stock decrease at Station (spec E.10.2). */
export const Sold = gasstationEvent('Sold', strictObject(sale));

/** A sale was cancelled; carries saleId, which the original lacked (spec E.10.7). */
export const CanceledSold = gasstationEvent('CanceledSold', strictObject(sale));

export const orderEvents = [Ordered, ProductChanged] as const;
export const logisticsEvents = [Shipped] as const;
export const stationEvents = [Received, MasterChanged] as const;
export const posEvents = [Sold, CanceledSold] as const;

export type OrderedPayload = PayloadOf<typeof Ordered>;
export type ProductChangedPayload = PayloadOf<typeof ProductChanged>;
export type ShippedPayload = PayloadOf<typeof Shipped>;
export type ReceivedPayload = PayloadOf<typeof Received>;
export type MasterChangedPayload = PayloadOf<typeof MasterChanged>;
export type SoldPayload = PayloadOf<typeof Sold>;
export type CanceledSoldPayload = PayloadOf<typeof CanceledSold>;
