import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContractRegistry } from '@eventide/core';
import { gasstationEvents } from '@gasstation/contracts';
import { isoDate, placeOrder } from './order.ts';

const gas = { productId: 'CD1001', productName: 'GAS', price: 2000 };

describe('placing an order', () => {
  it('stores the order under the master product name and announces Ordered in the orderId flow', () => {
    const placement = placeOrder(gas, { orderId: 1, qty: 20000, destAddr: 'SK Imme Station', orderDate: '2021-06-01' });
    const order = { orderId: 1, productId: 'CD1001', productName: 'GAS', qty: 20000, destAddr: 'SK Imme Station', orderDate: '2021-06-01' };
    assert.deepEqual(placement, {
      order,
      events: [{ type: 'gasstation.Ordered', aggregateType: 'Order', aggregateId: 1, correlationId: 1, payload: order }],
    });
    const [event] = placement.events;
    assert.deepEqual(new ContractRegistry(gasstationEvents).get('gasstation.Ordered')?.check(event?.payload), []);
  });
});

describe('the order date', () => {
  it('is the local calendar day as yyyy-MM-dd, zero-padded, whatever the hour', () => {
    assert.equal(isoDate(new Date(2021, 5, 1, 0, 0)), '2021-06-01');
    assert.equal(isoDate(new Date(2021, 11, 31, 23, 59)), '2021-12-31');
  });
});
