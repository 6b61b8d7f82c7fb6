import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { foldStockFlow, type StockSummary } from './stock-summary.ts';

const gas = (qty: number) => ({ productId: 'CD1001', productName: 'GAS', qty });

describe('the StockSummary fold', () => {
  it('adds each movement to the product row, creating it on the first one that moves stock', () => {
    const movements = [gas(0), gas(20000), gas(-50), gas(50), gas(-10.5)];
    const summary = movements.reduce<StockSummary | undefined>(foldStockFlow, undefined);
    assert.deepEqual(summary, { productId: 'CD1001', productName: 'GAS', qty: 19989.5 });
  });

  it('makes no row for a receipt not yet confirmed, and lets stock go negative as the original does', () => {
    assert.equal(foldStockFlow(undefined, gas(0)), undefined);
    assert.deepEqual(foldStockFlow(undefined, gas(-5)), gas(-5));
  });
});
