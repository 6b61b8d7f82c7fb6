import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evolveSalesSummary, type SalesEvent, type SalesSummary } from './sales-summary.ts';

const sale = (saleId: number, qty: number) => ({
  saleId,
  productId: 'CD1001',
  productName: 'GAS',
  price: 2000,
  qty,
  amount: qty * 2000,
  accountId: 1,
  accountName: null,
});
const sold = (saleId: number, qty: number): SalesEvent => ({ type: 'gasstation.Sold', payload: sale(saleId, qty) });
const canceled = (saleId: number, qty: number): SalesEvent => ({ type: 'gasstation.CanceledSold', payload: sale(saleId, qty) });
const fold = (events: SalesEvent[]) => events.reduce<SalesSummary | undefined>(evolveSalesSummary, undefined);

describe('the SalesSummary view', () => {
  it('adds sales and subtracts cancellations per product', () => {
    assert.deepEqual(fold([sold(1, 50), sold(2, 10), canceled(1, 50)]), { productId: 'CD1001', productName: 'GAS', qty: 10, amount: 20000 });
    assert.deepEqual(fold([sold(1, 50), canceled(1, 50)]), { productId: 'CD1001', productName: 'GAS', qty: 0, amount: 0 });
  });

  it('gives the same row whatever order the events arrive in', () => {
    const events = [sold(1, 50), canceled(1, 50), sold(2, 10), sold(3, 7)];
    assert.deepEqual(fold([...events].reverse()), fold(events));
    assert.deepEqual(fold([canceled(1, 50)]), { productId: 'CD1001', productName: 'GAS', qty: -50, amount: -100000 });
  });
});
