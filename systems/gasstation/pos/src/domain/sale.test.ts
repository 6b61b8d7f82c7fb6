import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cancelSale, priceSale, recordSale, saleRules } from './sale.ts';

const gas = { productId: 'CD1001', productName: 'GAS', price: 2000 };

describe('a sale', () => {
  it('costs qty × price and is recorded with account 1 and Sold carrying the whole sale', () => {
    const priced = priceSale(gas, 50);
    assert.deepEqual(priced, { ...gas, qty: 50, amount: 100000 });
    const { sale, events } = recordSale(7, priced);
    const expected = { saleId: 7, ...gas, qty: 50, amount: 100000, accountId: 1, accountName: null };
    assert.deepEqual(sale, expected);
    assert.deepEqual(events, [{ type: 'gasstation.Sold', aggregateType: 'Sale', aggregateId: 7, correlationId: 7, payload: expected }]);
    assert.equal(priceSale(gas, 2.5).amount, 5000);
  });

  it('is cancelled once, with CanceledSold naming the sale on its own aggregate', () => {
    const { sale } = recordSale(7, priceSale(gas, 50));
    const cancelled = cancelSale(sale, 'Sold');
    assert.ok('events' in cancelled);
    assert.deepEqual(cancelled.events.map((e) => [e.type, e.aggregateId, e.payload.saleId]), [['gasstation.CanceledSold', 7, 7]]);
    assert.deepEqual(cancelSale(sale, 'Cancelled'), { rejection: saleRules.cancelOnce });
  });
});
