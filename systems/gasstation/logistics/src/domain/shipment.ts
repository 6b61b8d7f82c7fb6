import type { Emitted, OrderedPayload, Shipped } from '@gasstation/contracts';

/** A truck load taking an order to its station (T_SHIPMENT); one per order. */
export interface Shipment {
  readonly shipId: number;
  readonly orderId: number;
  /** The truck, `CAR#<0..1000>` as the original drew it. */
  readonly carNumber: string;
  readonly destAddr: string;
  readonly productId: string;
  readonly productName: string;
  /** Litres. */
  readonly qty: number;
}

export type ShipmentEvent = Emitted<typeof Shipped>;

/** A number in [0, 1), as Math.random gives: randomness is an input. */
export type RandomSource = () => number;

export interface ShipOrder {
  /** The next shipment number, supplied by the caller (ids are inputs). */
  readonly shipId: number;
  readonly random: RandomSource;
}

/** The original's `"CAR#" + Math.round(Math.random() * 1000)`. */
export const carNumberOf = (random: RandomSource): string => `CAR#${Math.round(random() * 1000)}`;

/**
 * Policy on Ordered: a truck is assigned and the order leaves, copied from the order; Shipped
 * continues the orderId flow to the station.
 */
export function shipOrder(ordered: OrderedPayload, command: ShipOrder): { readonly shipment: Shipment; readonly events: readonly ShipmentEvent[] } {
  const { orderId, destAddr, productId, productName, qty } = ordered;
  const shipment: Shipment = { shipId: command.shipId, orderId, carNumber: carNumberOf(command.random), destAddr, productId, productName, qty };
  return {
    shipment,
    events: [{ type: 'gasstation.Shipped', aggregateType: 'Shipment', aggregateId: shipment.shipId, correlationId: orderId, payload: { ...shipment } }],
  };
}
