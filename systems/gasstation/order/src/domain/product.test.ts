import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContractRegistry } from '@eventide/core';
import { gasstationEvents } from '@gasstation/contracts';
import { introduceProduct, resendProduct, reviseProduct, seedProducts, type Product, type ProductChange } from './product.ts';

const gas: Product = { productId: 'CD1001', productName: 'GAS', price: 2000 };

const announced = (product: Product, resend: boolean) => ({
  type: 'gasstation.ProductChanged',
  aggregateType: 'Product',
  aggregateId: product.productId,
  correlationId: product.productId,
  payload: { ...product, resend },
});

const contracts = new ContractRegistry(gasstationEvents);
const assertContractsHold = (change: ProductChange) => {
  for (const event of change.events) assert.deepEqual(contracts.get(event.type)?.check(event.payload), [], event.type);
};

describe('the product master', () => {
  it('starts with GAS at 2000 and Diesel at 1500, as the seed', () => {
    assert.deepEqual(seedProducts, [gas, { productId: 'CD1004', productName: 'Diesel', price: 1500 }]);
  });

  it('announces a product entering the master once, not as a resend', () => {
    const change = introduceProduct(gas);
    assert.deepEqual(change, { product: gas, events: [announced(gas, false)] });
    assertContractsHold(change);
  });
});

describe('revising a product', () => {
  it('takes a new price and announces it', () => {
    const change = reviseProduct(gas, { price: 2500 });
    assert.deepEqual(change, { product: { ...gas, price: 2500 }, events: [announced({ ...gas, price: 2500 }, false)] });
    assertContractsHold(change);
  });

  it('takes a new name, keeping the price left out', () => {
    assert.deepEqual(reviseProduct(gas, { productName: 'Gasoline', price: undefined }).product, { ...gas, productName: 'Gasoline' });
  });

  it('changes and announces nothing when the values are the ones it has (compared by value, spec E.10.5)', () => {
    const change = reviseProduct(gas, { price: 2000, productName: 'GAS' });
    assert.equal(change.product, gas);
    assert.deepEqual(change.events, []);
    assert.deepEqual(reviseProduct(gas, {}).events, []);
  });
});

describe('resending a product (/products/sync)', () => {
  it('announces it again with resend true, unchanged, when no price is given', () => {
    const change = resendProduct(gas);
    assert.deepEqual(change, { product: gas, events: [announced(gas, true)] });
    assertContractsHold(change);
  });

  it('takes a price that differs first, and announces the new price once', () => {
    assert.deepEqual(resendProduct(gas, 2500), { product: { ...gas, price: 2500 }, events: [announced({ ...gas, price: 2500 }, true)] });
  });

  it('keeps the product itself when the price given is the one it has', () => {
    const change = resendProduct(gas, 2000);
    assert.equal(change.product, gas);
    assert.deepEqual(change.events, [announced(gas, true)]);
  });
});
