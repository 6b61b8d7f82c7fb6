import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commissionOf, settle, type CommissionTerms } from './settlement.ts';

const direct: CommissionTerms = { stationCode: 'ST0001', stationType: 'direct', rate: 0.03 };
const franchise: CommissionTerms = { ...direct, stationType: 'franchise' };

describe('settling a day', () => {
  it('opens a day with its first sale: counts, net quantity and amount, and the commission on it', () => {
    assert.deepEqual(settle(undefined, { kind: 'sale', qty: 50, amount: 100_000 }, direct, '2026-05-01'), {
      stationCode: 'ST0001',
      date: '2026-05-01',
      stationType: 'direct',
      rate: 0.03,
      saleCount: 1,
      cancelCount: 0,
      salesQty: 50,
      salesAmount: 100_000,
      commission: 3_000,
    });
  });

  it('subtracts a cancel from the net and restates the commission, counting sales and cancels apart', () => {
    const sold = settle(settle(undefined, { kind: 'sale', qty: 50, amount: 100_000 }, direct, '2026-05-01'), { kind: 'sale', qty: 10, amount: 25_000 }, direct, '2026-05-01');
    const day = settle(sold, { kind: 'cancel', qty: 50, amount: 100_000 }, direct, '2026-05-01');
    assert.deepEqual(
      { saleCount: day.saleCount, cancelCount: day.cancelCount, salesQty: day.salesQty, salesAmount: day.salesAmount, commission: day.commission },
      { saleCount: 2, cancelCount: 1, salesQty: 10, salesAmount: 25_000, commission: 750 },
    );
  });

  it('sums fractional litres without binary drift', () => {
    let day = settle(undefined, { kind: 'sale', qty: 0.1, amount: 200.2 }, direct, '2026-05-01');
    day = settle(day, { kind: 'sale', qty: 0.2, amount: 400.4 }, direct, '2026-05-01');
    assert.equal(day.salesQty, 0.3);
    assert.equal(day.salesAmount, 600.6);
  });

  it('owes a franchise nothing, while still tallying its sales', () => {
    const day = settle(undefined, { kind: 'sale', qty: 50, amount: 100_000 }, franchise, '2026-05-01');
    assert.equal(day.commission, 0);
    assert.equal(day.salesAmount, 100_000);
    assert.equal(day.stationType, 'franchise');
  });
});

describe('the commission on a net amount', () => {
  it('is whole won, half rounded up', () => {
    assert.equal(commissionOf(1_050, direct), 32); // 31.5
    assert.equal(commissionOf(1_049, direct), 31); // 31.47
    assert.equal(commissionOf(0, direct), 0);
  });

  it('is negative when cancels of sales this ledger never saw outweigh the day’s sales (a claw-back)', () => {
    assert.equal(commissionOf(-10_000, direct), -300);
  });
});
