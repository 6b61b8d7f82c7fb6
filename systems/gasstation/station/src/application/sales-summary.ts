import { CanceledSold, Sold, topics, type EventOf } from '@gasstation/contracts';

/**
 * A row of `GET /salesSummaries` (V_SALES_S): what a product sold, net of cancellations. A type
 * rather than an interface, so it is a document body.
 */
export type SalesSummary = {
  readonly productId: string;
  readonly productName: string;
  readonly qty: number;
  readonly amount: number;
};

export type SalesEvent = EventOf<typeof Sold> | EventOf<typeof CanceledSold>;

/** What the view reads: POS's sales and cancellations, keyed by saleId on one topic. */
export const salesSummarySources = { [topics.pos]: [Sold.type, CanceledSold.type] } as const;

/**
 * The row after `event`, given the row before it (undefined: none yet). Sold adds its qty and
 * amount, CanceledSold subtracts them (the original's two SalesSummaryViewHandler methods). The
 * arithmetic only adds, so the result does not depend on the order events arrive in: a CanceledSold
 * with no row yet starts the row below zero instead of being dropped as the original did.
 */
export function evolveSalesSummary(summary: SalesSummary | undefined, event: SalesEvent): SalesSummary {
  const { productId, productName, qty, amount } = event.payload;
  const sign = event.type === Sold.type ? 1 : -1;
  return {
    productId,
    productName,
    qty: (summary?.qty ?? 0) + sign * qty,
    amount: (summary?.amount ?? 0) + sign * amount,
  };
}
