import Type, { type Static } from 'typebox';
import { Name, ProductId, StockDelta, strictObject } from './fields.ts';

/**
 * POS → Station `POST /stockFlows` ("outcome", 재고증감): add `qty` (negative for a sale) to the
 * product's StockSummary. The body is the original's StockFlow; Station answers `true`. The caller
 * sends an `Idempotency-Key`, so a retried call is applied once.
 */
export const StockOutcomeBody = strictObject({
  productId: ProductId,
  productName: Type.Optional(Name),
  qty: StockDelta,
});
export type StockOutcomeBody = Static<typeof StockOutcomeBody>;

export const stockOutcomePath = '/stockFlows';
