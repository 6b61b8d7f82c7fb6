import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContractRegistry } from '@eventide/core';
import {
  CanceledSold,
  gasstationEvents,
  MasterChanged,
  Ordered,
  OrderStatusValue,
  ProductChanged,
  Received,
  Shipped,
  Sold,
  StockOutcomeBody,
  stockOutcomePath,
  topics,
} from './index.ts';
import { Compile } from 'typebox/compile';

// The payloads of the seed scenario (spec E.8): order 1 of GAS, its shipment, receipt, a sale of 50.
const ordered = { orderId: 1, orderDate: '2021-06-01', productId: 'CD1001', productName: 'GAS', destAddr: 'SK Imme Station', qty: 20000 };
const shipped = { shipId: 1, orderId: 1, carNumber: 'CAR#424', destAddr: 'SK Imme Station', productId: 'CD1001', productName: 'GAS', qty: 20000 };
const scheduledReceipt = { stockId: 1, orderId: 1, productId: 'CD1001', productName: 'GAS', qty: 0, qtyToBe: 20000, reason: null };
const sale = { saleId: 1, productId: 'CD1001', productName: 'GAS', price: 2000, qty: 50, amount: 100000, accountId: 1, accountName: null };

describe('gas station event contracts', () => {
  it('name every event gasstation.<EventName> with the seed spelling, CanceledSold with one l', () => {
    assert.deepEqual(
      gasstationEvents.map((c) => c.type),
      [
        'gasstation.Ordered',
        'gasstation.ProductChanged',
        'gasstation.Shipped',
        'gasstation.Received',
        'gasstation.MasterChanged',
        'gasstation.Sold',
        'gasstation.CanceledSold',
      ],
    );
  });

  it('fit in one contract registry, so a service can know them all', () => {
    assert.equal(new ContractRegistry(gasstationEvents).all.length, 7);
  });

  it('publish on one topic per producing service', () => {
    assert.deepEqual(topics, { order: 'gasstation.order', logistics: 'gasstation.logistics', station: 'gasstation.station', pos: 'gasstation.pos' });
  });

  it('accept the payloads of the seed scenario', () => {
    const cases = [
      [Ordered, ordered],
      [ProductChanged, { productId: 'CD1001', productName: 'GAS', price: 2000, resend: false }],
      [ProductChanged, { productId: 'CD1001', productName: 'GAS', price: 2500, resend: true }],
      [Shipped, shipped],
      [Received, scheduledReceipt],
      [Received, { ...scheduledReceipt, qty: 20000 }],
      [Received, { stockId: 2, orderId: null, productId: 'CD1001', productName: 'GAS', qty: 50, qtyToBe: null, reason: null }],
      [MasterChanged, { productId: 'CD1004', productName: 'Diesel', price: 1500 }],
      [Sold, sale],
      [CanceledSold, sale],
    ] as const;
    for (const [contract, payload] of cases) assert.deepEqual(contract.check(payload), [], `${contract.type} ${JSON.stringify(payload)}`);
  });

  it('reject a number sent as a string, as httpie sends it, because the edge must convert it first', () => {
    assert.notDeepEqual(Ordered.check({ ...ordered, qty: '20000' }), []);
    assert.notDeepEqual(ProductChanged.check({ productId: 'CD1001', productName: 'GAS', price: '2000', resend: false }), []);
  });

  it('reject an ordered or shipped quantity of zero or less, and a sale of none', () => {
    assert.notDeepEqual(Ordered.check({ ...ordered, qty: 0 }), []);
    assert.notDeepEqual(Ordered.check({ ...ordered, qty: -1 }), []);
    assert.notDeepEqual(Shipped.check({ ...shipped, qty: 0 }), []);
    assert.notDeepEqual(Sold.check({ ...sale, qty: 0 }), []);
  });

  it('let a stock flow move stock either way: negative for a sale, zero for a scheduled receipt', () => {
    assert.deepEqual(Received.check({ ...scheduledReceipt, qty: -50 }), []);
  });

  it('reject fractional prices, a negative price, ids below 1 and ids beyond 32 bits', () => {
    assert.notDeepEqual(ProductChanged.check({ productId: 'CD1001', productName: 'GAS', price: 1999.5, resend: false }), []);
    assert.notDeepEqual(MasterChanged.check({ productId: 'CD1001', productName: 'GAS', price: -1 }), []);
    assert.notDeepEqual(Ordered.check({ ...ordered, orderId: 0 }), []);
    assert.notDeepEqual(Shipped.check({ ...shipped, shipId: 2_147_483_648 }), []);
  });

  it('reject an order date that is not yyyy-MM-dd, and a product code with spaces or nothing', () => {
    assert.notDeepEqual(Ordered.check({ ...ordered, orderDate: '2021-6-1' }), []);
    assert.notDeepEqual(Ordered.check({ ...ordered, orderDate: '2021-06-01T00:00:00Z' }), []);
    assert.notDeepEqual(Ordered.check({ ...ordered, productId: 'CD 1001' }), []);
    assert.notDeepEqual(Ordered.check({ ...ordered, productId: '' }), []);
  });

  it('reject unknown or missing fields: payloads are plain data with stable shapes', () => {
    assert.notDeepEqual(Ordered.check({ ...ordered, status: 'Ordered' }), []);
    const { resend: _resend, ...withoutResend } = { productId: 'CD1001', productName: 'GAS', price: 2000, resend: false };
    assert.notDeepEqual(ProductChanged.check(withoutResend), []);
    const { saleId: _saleId, ...withoutSaleId } = sale;
    assert.notDeepEqual(CanceledSold.check(withoutSaleId), [], 'CanceledSold carries saleId (spec E.10.7)');
  });

  it('name the violated field', () => {
    assert.deepEqual(
      Ordered.check({ ...ordered, qty: -1 }).map((v) => v.field),
      ['/qty'],
    );
  });
});

describe('gas station HTTP contracts', () => {
  it('take POS to Station stock changes at POST /stockFlows, a negative qty for a sale', () => {
    const check = Compile(StockOutcomeBody);
    assert.equal(stockOutcomePath, '/stockFlows');
    assert.ok(check.Check({ productId: 'CD1001', productName: 'GAS', qty: -50 }));
    assert.ok(check.Check({ productId: 'CD1001', qty: 50 }));
    assert.equal(check.Check({ productId: 'CD1001' }), false);
    assert.equal(check.Check({ productId: 'CD1001', qty: -50, saleId: 1 }), false);
  });

  it('keep the OrderStatus values of the original, confirmed in lower case', () => {
    const check = Compile(OrderStatusValue);
    for (const status of ['Ordered', 'Shipped', 'Received', 'confirmed']) assert.ok(check.Check(status), status);
    assert.equal(check.Check('Confirmed'), false);
  });
});
