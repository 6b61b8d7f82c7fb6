import { topicOf } from '@eventide/messaging';
import type { Policy } from '@eventide/service-host';
import { Ordered, type OrderedPayload } from '@gasstation/contracts';
import { shipOrderOnce } from '../application/shipments.ts';
import type { RandomSource } from '../domain/shipment.ts';
import { shipmentRepository } from './shipment-table.ts';

/**
 * Logistics follows orders (spec E.5, correlation key orderId): the original's
 * `wheneverOrdered_RequestOrder`, named after what it does. Payloads have passed their contracts
 * in the consumer pipeline before a policy sees them.
 */
export function logisticsPolicies(system: string, random: RandomSource): Policy[] {
  const createShipmentOnOrdered: Policy = {
    name: 'createShipmentOnOrdered',
    topics: [topicOf(system, 'order')],
    on: [Ordered.type],
    async handle(event, { trx, emit, log }) {
      await shipOrderOnce({ shipments: shipmentRepository(trx), emit, random }, event.payload as OrderedPayload, log);
    },
  };
  return [createShipmentOnOrdered];
}
