import type { Emitted, Rejection } from '@eventide/core';
import type { Received, ShippedPayload } from '@gasstation/contracts';

/**
 * A movement of one product's stock at the station (T_STOCK_D): a scheduled receipt of a shipment
 * (qty 0 until confirmed, qtyToBe the shipped litres), a sale's decrease (negative qty), or the
 * stock a cancelled sale gives back. Every movement is a flow, so the StockSummary is the sum of the
 * flows' qty per product and can be rebuilt from them.
 */
export interface StockFlow {
  readonly stockId: number;
  readonly productId: string;
  readonly productName: string;
  readonly qty: number;
  readonly qtyToBe: number | null;
  readonly reason: FlowReason | null;
  /** The head-office order a receipt belongs to; null for sales and cancellations (Order ignores those). */
  readonly orderId: number | null;
}

/** Why stock moved: a shipment's receipt, an outcome (POST /stockFlows, a sale), a cancelled sale. */
export type FlowReason = 'receipt' | 'outcome' | 'cancel';

/** What a flow adds to its product's stock, as StockSummary folds it. */
export interface StockMovement {
  readonly productId: string;
  readonly productName: string;
  readonly qty: number;
}

export type ReceivedEvent = Emitted<typeof Received>;

/** A flow to store and the Received it emits; `movement` is what it adds to the StockSummary. */
export interface FlowChange {
  readonly flow: StockFlow;
  readonly events: readonly ReceivedEvent[];
  readonly movement: StockMovement;
}

export const stockFlowRules = {
  confirmOnce: {
    code: 'conflict',
    rule: 'a receipt is confirmed once: this stock flow already holds its quantity (qty is no longer 0)',
  },
} as const satisfies Record<string, Rejection>;

/** Policy on Shipped (wheneverShipped_ReserveIncome): the shipment is expected, not yet in stock. */
export function scheduleReceipt(stockId: number, shipped: ShippedPayload): FlowChange {
  const { orderId, productId, productName, qty } = shipped;
  return recorded({ stockId, productId, productName, qty: 0, qtyToBe: qty, reason: 'receipt', orderId });
}

/**
 * 입고확정: the scheduled quantity is now in stock. Only a flow still at qty 0 can be confirmed
 * (spec E.10.3), so a repeated confirmation adds nothing.
 */
export function confirmReceipt(flow: StockFlow): FlowChange | { readonly rejection: Rejection } {
  if (flow.qty !== 0 || flow.qtyToBe === null) return { rejection: stockFlowRules.confirmOnce };
  return recorded({ ...flow, qty: flow.qtyToBe }, flow.qtyToBe);
}

/**
 * 재고증감: stock goes up or down by `qty` (negative for a sale), as POS asks. Kept as a flow, so
 * StockSummary is the sum of the flows, but not published: the original's outcome announced
 * nothing, a sale is not a receipt, and the sale's own Sold already tells whoever cares.
 */
export function recordOutcome(stockId: number, movement: StockMovement): FlowChange {
  const { flow, movement: added } = recorded({ stockId, ...movement, qtyToBe: null, reason: 'outcome', orderId: null });
  return { flow, events: [], movement: added };
}

/** Compensation (보상) of a cancelled sale: the litres sold go back into stock. */
export function returnCanceledStock(stockId: number, canceled: { productId: string; productName: string; qty: number }): FlowChange {
  const { productId, productName, qty } = canceled;
  return recorded({ stockId, productId, productName, qty, qtyToBe: null, reason: 'cancel', orderId: null });
}

/** Every stored state of a flow is published as Received (the original's @PostPersist and @PostUpdate). */
function recorded(flow: StockFlow, added = flow.qty): FlowChange {
  const event: ReceivedEvent = {
    type: 'gasstation.Received',
    aggregateType: 'StockFlow',
    aggregateId: flow.stockId,
    ...(flow.orderId === null ? {} : { correlationId: flow.orderId }),
    payload: { ...flow },
  };
  return { flow, events: [event], movement: { productId: flow.productId, productName: flow.productName, qty: added } };
}
