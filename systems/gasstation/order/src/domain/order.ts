import type { Emitted, Ordered } from '@gasstation/contracts';
import type { Product } from './product.ts';

/** An order of fuel from the head office for a station (T_ORDER). */
export interface Order {
  readonly orderId: number;
  readonly productId: string;
  /** Copied from the product master when the order was placed. */
  readonly productName: string;
  /** Litres. */
  readonly qty: number;
  /** Where to deliver (배송지). */
  readonly destAddr: string;
  /** The day it was placed, ISO `yyyy-MM-dd`. */
  readonly orderDate: string;
}

export type OrderEvent = Emitted<typeof Ordered>;

export interface PlaceOrder {
  /** The next order number, supplied by the caller (ids are inputs). */
  readonly orderId: number;
  readonly qty: number;
  readonly destAddr: string;
  /** Today, supplied by the caller (time is an input). */
  readonly orderDate: string;
}

/** The order to store and its events, committed together. */
export interface OrderPlacement {
  readonly order: Order;
  readonly events: readonly OrderEvent[];
}

/**
 * Orders a product of the master, under the name the master gives it. The order starts the
 * orderId flow that logistics and the station continue (correlation: orderId).
 */
export function placeOrder(product: Product, command: PlaceOrder): OrderPlacement {
  const order: Order = {
    orderId: command.orderId,
    productId: product.productId,
    productName: product.productName,
    qty: command.qty,
    destAddr: command.destAddr,
    orderDate: command.orderDate,
  };
  return {
    order,
    events: [{ type: 'gasstation.Ordered', aggregateType: 'Order', aggregateId: order.orderId, correlationId: order.orderId, payload: { ...order } }],
  };
}

/** A calendar date as `yyyy-MM-dd` in the process's time zone (TZ), as the original's LocalDate.now() was. */
export function isoDate(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
}
