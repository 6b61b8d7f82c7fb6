import type { DomainEvent } from '@eventide/core';
import type { OrderedPayload } from '@gasstation/contracts';
import { shipOrder, type RandomSource, type Shipment } from '../domain/shipment.ts';

export interface ShipmentRepository {
  /** The next shipId of the shipment counter; never reused. */
  nextShipId(): Promise<number>;
  findByOrderId(orderId: number): Promise<Shipment | undefined>;
  add(shipment: Shipment): Promise<void>;
}

export interface ShipmentUnit {
  readonly shipments: ShipmentRepository;
  readonly emit: (event: DomainEvent) => void;
  readonly random: RandomSource;
}

export interface Log {
  warn(fields: object, message: string): void;
}

/**
 * Ships an order once. The inbox already makes a redelivered Ordered a no-op; an order that has a
 * shipment all the same (the same order announced by a second message) keeps the one it has.
 */
export async function shipOrderOnce(unit: ShipmentUnit, ordered: OrderedPayload, log: Log): Promise<Shipment> {
  const existing = await unit.shipments.findByOrderId(ordered.orderId);
  if (existing) {
    log.warn({ orderId: ordered.orderId, shipId: existing.shipId }, `ignored: order ${ordered.orderId} is already shipped`);
    return existing;
  }
  const { shipment, events } = shipOrder(ordered, { shipId: await unit.shipments.nextShipId(), random: unit.random });
  await unit.shipments.add(shipment);
  for (const event of events) unit.emit({ ...event, aggregateVersion: 1 });
  return shipment;
}
