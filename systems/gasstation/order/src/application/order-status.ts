import { Ordered, Received, Shipped, topics, type OrderStatusValue } from '@gasstation/contracts';
import type { EventOf } from '@eventide/core';

/**
 * A row of `GET /orderStatuses` (V_ORDER_STATUS, spec E.7): where an order stands, from its
 * placement to the station's confirmed receipt. A type rather than an interface, so it is a
 * document body. `destAddr` and `orderDate` are null while only later events of the order were seen.
 */
export type OrderStatus = {
  readonly orderId: number;
  readonly productId: string;
  readonly productName: string;
  readonly qty: number;
  readonly destAddr: string | null;
  readonly orderDate: string | null;
  readonly status: OrderStatusValue;
};

export type OrderStatusEvent = EventOf<typeof Ordered> | EventOf<typeof Shipped> | EventOf<typeof Received>;

/** What the view reads, by topic: each producer's events on its own topic. */
export const orderStatusSources = {
  [topics.order]: [Ordered.type],
  [topics.logistics]: [Shipped.type],
  [topics.station]: [Received.type],
} as const;

/** The order of the states an order passes through; the view never moves a row backwards. */
const progress: Readonly<Record<OrderStatusValue, number>> = { Ordered: 0, Shipped: 1, Received: 2, confirmed: 3 };

/**
 * The row key of `event`, or undefined when the event concerns no order: a Received with orderId
 * null is stock returned by a cancelled sale, which the original view ignored too.
 */
export function orderIdOf(event: OrderStatusEvent): number | undefined {
  return event.payload.orderId ?? undefined;
}

/**
 * The row after `event`, given the row before it (undefined: none yet).
 *
 * The three events come from three services on three topics, so they may arrive in any order, and
 * the row must not depend on that order (a replay of the same events in any order builds the same
 * view). Hence:
 * - status is the furthest state any event shows (Ordered < Shipped < Received < confirmed); a
 *   Received with qty > 0 is the confirmed receipt (lower-case `confirmed`, spec E.10.4);
 * - the order's details come from the most complete event seen. Each event carries a superset of
 *   the details of the next: Ordered has them all, Shipped lacks orderDate, Received also lacks
 *   destAddr and gives the quantity as qtyToBe (its qty is what was received so far). Which event
 *   the row's details came from is thus told by which fields it has, and a more complete event
 *   replaces them while a less complete one leaves them.
 */
export function evolveOrderStatus(row: OrderStatus | undefined, event: OrderStatusEvent): OrderStatus | undefined {
  const orderId = orderIdOf(event);
  if (orderId === undefined) return row;
  const seen = fromEvent(orderId, event);
  if (row === undefined) return seen;
  const details = completeness(seen) > completeness(row) ? seen : row;
  const status = progress[seen.status] > progress[row.status] ? seen.status : row.status;
  return { ...details, status };
}

function fromEvent(orderId: number, event: OrderStatusEvent): OrderStatus {
  switch (event.type) {
    case Ordered.type: {
      const { productId, productName, qty, destAddr, orderDate } = event.payload;
      return { orderId, productId, productName, qty, destAddr, orderDate, status: 'Ordered' };
    }
    case Shipped.type: {
      const { productId, productName, qty, destAddr } = event.payload;
      return { orderId, productId, productName, qty, destAddr, orderDate: null, status: 'Shipped' };
    }
    case Received.type: {
      const { productId, productName, qty, qtyToBe } = event.payload;
      return { orderId, productId, productName, qty: qtyToBe ?? qty, destAddr: null, orderDate: null, status: qty > 0 ? 'confirmed' : 'Received' };
    }
  }
}

/** 3: details from Ordered, 2: from Shipped, 1: from Received. */
const completeness = (row: OrderStatus): number => (row.orderDate !== null ? 3 : row.destAddr !== null ? 2 : 1);
