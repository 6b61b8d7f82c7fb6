import { notFound, type DomainEvent } from '@eventide/core';
import type { CanceledSoldPayload, ProductChangedPayload, ShippedPayload, StockOutcomeBody } from '@gasstation/contracts';
import { followProductChange, type ProductMaster } from '../domain/product-master.ts';
import { confirmReceipt, recordOutcome, returnCanceledStock, scheduleReceipt, type FlowChange, type StockFlow, type StockMovement } from '../domain/stock-flow.ts';

/** The stock flows of one transaction. */
export interface StockFlowRepository {
  /** The next stockId; taking it serializes the transactions that record flows. */
  nextStockId(): Promise<number>;
  findByOrderId(orderId: number): Promise<StockFlow | undefined>;
  add(flow: StockFlow): Promise<void>;
  /** Stores `flow` over the row that had qty `previousQty`; resolves false when another transaction changed it first. */
  update(flow: StockFlow, previousQty: number): Promise<boolean>;
}

/** The StockSummary, kept in the transaction that records each movement (foldStockFlow). */
export interface StockSummaries {
  add(movement: StockMovement): Promise<void>;
}

export interface ProductMasters {
  find(productId: string): Promise<ProductMaster | undefined>;
  save(master: ProductMaster): Promise<void>;
}

/** One unit of work: its changes and the events it emits commit together. */
export interface StationUnit {
  readonly flows: StockFlowRepository;
  readonly summaries: StockSummaries;
  readonly masters: ProductMasters;
  readonly emit: (event: DomainEvent) => void;
}

export interface Log {
  warn(fields: object, message: string): void;
}

/** Policy on Shipped: one scheduled receipt per order; a second Shipped of the order adds none. */
export async function receiveShipment(unit: StationUnit, shipped: ShippedPayload, log: Log): Promise<void> {
  if (await unit.flows.findByOrderId(shipped.orderId)) {
    log.warn({ orderId: shipped.orderId }, `ignored: order ${shipped.orderId} already has its stock flow`);
    return;
  }
  await commit(unit, scheduleReceipt(await unit.flows.nextStockId(), shipped), 'add');
}

/**
 * `POST /stocks/confirmStock`: true once the order's receipt is in stock; false when it already was
 * (spec E.10.3), so confirming twice adds the stock once. 404 when no flow has that orderId.
 */
export async function confirmStock(unit: StationUnit, orderId: number): Promise<boolean> {
  const flow = await unit.flows.findByOrderId(orderId);
  if (!flow) throw notFound('stock flow of order', orderId);
  const change = confirmReceipt(flow);
  if ('rejection' in change) return false;
  if (!(await unit.flows.update(change.flow, flow.qty))) return false;
  await commit(unit, change, 'stored');
  return true;
}

/**
 * `POST /stockFlows` (outcome, 재고증감): the stock moves by `qty` at once. A body without
 * productName takes the master's; a product the station has no master of must name itself.
 */
export async function recordStockOutcome(unit: StationUnit, body: StockOutcomeBody): Promise<void> {
  const productName = body.productName ?? (await unit.masters.find(body.productId))?.productName;
  if (productName === undefined) throw notFound('product (send productName for a product the station has no master of)', body.productId);
  await commit(unit, recordOutcome(await unit.flows.nextStockId(), { productId: body.productId, productName, qty: body.qty }), 'add');
}

/** Policy on CanceledSold (보상): the litres of the cancelled sale go back into stock. */
export async function returnStockOfCanceledSale(unit: StationUnit, canceled: CanceledSoldPayload): Promise<void> {
  await commit(unit, returnCanceledStock(await unit.flows.nextStockId(), canceled), 'add');
}

/** Policy on ProductChanged: the master follows; MasterChanged when it changed or was resent. */
export async function changeMaster(unit: StationUnit, changed: ProductChangedPayload): Promise<void> {
  const decision = followProductChange(await unit.masters.find(changed.productId), changed);
  if (decision.changed) await unit.masters.save(decision.master);
  for (const event of decision.events) unit.emit(event);
}

async function commit(unit: StationUnit, change: FlowChange, flow: 'add' | 'stored'): Promise<void> {
  if (flow === 'add') await unit.flows.add(change.flow);
  await unit.summaries.add(change.movement);
  for (const event of change.events) unit.emit(event);
}
