import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContractRegistry } from '@eventide/core';
import { gasstationEvents } from '@gasstation/contracts';
import { carNumberOf, shipOrder } from './shipment.ts';

const ordered = { orderId: 1, orderDate: '2021-06-01', productId: 'CD1001', productName: 'GAS', destAddr: 'SK Imme Station', qty: 20000 };

describe('shipping an order', () => {
  it('copies the order into a shipment with a drawn truck and announces Shipped in the orderId flow', () => {
    const { shipment, events } = shipOrder(ordered, { shipId: 5, random: () => 0.4242 });
    const expected = { shipId: 5, orderId: 1, carNumber: 'CAR#424', destAddr: 'SK Imme Station', productId: 'CD1001', productName: 'GAS', qty: 20000 };
    assert.deepEqual(shipment, expected);
    assert.deepEqual(events, [{ type: 'gasstation.Shipped', aggregateType: 'Shipment', aggregateId: 5, correlationId: 1, payload: expected }]);
    assert.deepEqual(new ContractRegistry(gasstationEvents).get('gasstation.Shipped')?.check(events[0]?.payload), []);
  });
});

describe('the truck number', () => {
  it('is CAR# and the draw scaled to 0..1000, rounded, as the original', () => {
    assert.equal(carNumberOf(() => 0), 'CAR#0');
    assert.equal(carNumberOf(() => 0.0004), 'CAR#0');
    assert.equal(carNumberOf(() => 0.0005), 'CAR#1');
    assert.equal(carNumberOf(() => 0.9999), 'CAR#1000');
  });
});
