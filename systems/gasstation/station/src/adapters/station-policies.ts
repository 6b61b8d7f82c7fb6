import { topicOf } from '@eventide/messaging';
import { policyOn, type Policy } from '@eventide/service-host';
import { CanceledSold, ProductChanged, Shipped } from '@gasstation/contracts';
import { changeMaster, receiveShipment, returnStockOfCanceledSale } from '../application/stocks.ts';
import { stationUnit } from './station-tables.ts';

/**
 * Station follows the head office's master, logistics' shipments and POS's cancellations (spec
 * E.5). Each policy's effects, its events and its inbox record commit together, so a redelivered
 * event changes nothing.
 */
export function stationPolicies(system: string): Policy[] {
  return [
    policyOn(Shipped, {
      name: 'scheduleReceiptOnShipped',
      topics: [topicOf(system, 'logistics')],
      handle: (shipped, { trx, emit, log }) => receiveShipment(stationUnit(trx, emit), shipped, log),
    }),
    policyOn(ProductChanged, {
      name: 'changeMasterOnProductChanged',
      topics: [topicOf(system, 'order')],
      handle: (changed, { trx, emit }) => changeMaster(stationUnit(trx, emit), changed),
    }),
    policyOn(CanceledSold, {
      name: 'returnStockOnCanceledSold',
      topics: [topicOf(system, 'pos')],
      handle: (canceled, { trx, emit }) => returnStockOfCanceledSale(stationUnit(trx, emit), canceled),
    }),
  ];
}
