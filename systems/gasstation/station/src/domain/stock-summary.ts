import type { StockMovement } from './stock-flow.ts';

/** A row of the StockSummary view (V_STOCK_S): a product's litres in stock. */
export interface StockSummary {
  readonly productId: string;
  readonly productName: string;
  readonly qty: number;
}

/**
 * THE fold of the StockSummary: the row after one movement, given the row before it (undefined:
 * none yet). Used inline, in the transaction that records the movement, and by the rebuild, which
 * folds every stored flow in order; so both give Σ qty of the flows per product. A movement of 0
 * (a receipt not yet confirmed) makes no row, as in the original; the latest name wins.
 */
export function foldStockFlow(summary: StockSummary | undefined, movement: StockMovement): StockSummary | undefined {
  if (summary === undefined && movement.qty === 0) return undefined;
  return { productId: movement.productId, productName: movement.productName, qty: (summary?.qty ?? 0) + movement.qty };
}
