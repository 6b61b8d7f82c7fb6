import { topicOf } from '@eventide/messaging';
import { policyOn, type Policy } from '@eventide/service-host';
import { Ordered } from '@gasstation/contracts';
import { shipOrderOnce } from '../application/shipments.ts';
import type { RandomSource } from '../domain/shipment.ts';
import { shipmentRepository } from './shipment-table.ts';

/**
 * Logistics follows orders (spec E.5, correlation key orderId): the original's
 * `wheneverOrdered_RequestOrder`, named after what it does.
 */
export function logisticsPolicies(system: string, random: RandomSource): Policy[] {
  return [
    policyOn(Ordered, {
      name: 'createShipmentOnOrdered',
      topics: [topicOf(system, 'order')],
      handle: (ordered, { trx, emit, log }) => shipOrderOnce({ shipments: shipmentRepository(trx), emit, random }, ordered, log),
    }),
  ];
}
