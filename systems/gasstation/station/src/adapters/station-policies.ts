import { topicOf } from '@eventide/messaging';
import type { Policy } from '@eventide/service-host';
import { CanceledSold, ProductChanged, Shipped, type CanceledSoldPayload, type ProductChangedPayload, type ShippedPayload } from '@gasstation/contracts';
import { changeMaster, receiveShipment, returnStockOfCanceledSale } from '../application/stocks.ts';
import { stationUnit } from './station-tables.ts';

/**
 * Station follows the head office's master, logistics' shipments and POS's cancellations (spec
 * E.5). Payloads have passed their contracts in the consumer pipeline before a policy sees them;
 * each policy's effects, its events and its inbox record commit together, so a redelivered event
 * changes nothing.
 */
export function stationPolicies(system: string): Policy[] {
  const scheduleReceiptOnShipped: Policy = {
    name: 'scheduleReceiptOnShipped',
    topics: [topicOf(system, 'logistics')],
    on: [Shipped.type],
    handle: (event, { trx, emit, log }) => receiveShipment(stationUnit(trx, emit), event.payload as ShippedPayload, log),
  };
  const changeMasterOnProductChanged: Policy = {
    name: 'changeMasterOnProductChanged',
    topics: [topicOf(system, 'order')],
    on: [ProductChanged.type],
    handle: (event, { trx, emit }) => changeMaster(stationUnit(trx, emit), event.payload as ProductChangedPayload),
  };
  const returnStockOnCanceledSold: Policy = {
    name: 'returnStockOnCanceledSold',
    topics: [topicOf(system, 'pos')],
    on: [CanceledSold.type],
    handle: (event, { trx, emit }) => returnStockOfCanceledSale(stationUnit(trx, emit), event.payload as CanceledSoldPayload),
  };
  return [scheduleReceiptOnShipped, changeMasterOnProductChanged, returnStockOnCanceledSold];
}
