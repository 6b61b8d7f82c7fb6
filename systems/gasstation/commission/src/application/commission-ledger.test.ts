import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DailySettlement } from '../domain/settlement.ts';
import { bookSaleEvent, type CommissionEvent, type CommissionLedger, type LedgerSettings, type SaleRecord } from './commission-ledger.ts';

const settings: LedgerSettings = { terms: { stationCode: 'ST0001', stationType: 'direct', rate: 0.03 }, timeZone: 'Asia/Seoul' };

/** The ledger in memory, as the projection's documents hold it. */
function memoryLedger(): CommissionLedger & { days: Map<string, DailySettlement> } {
  const sales = new Map<number, SaleRecord>();
  const days = new Map<string, DailySettlement>();
  return {
    days,
    sale: async (saleId) => sales.get(saleId),
    saveSale: async (record) => void sales.set(record.saleId, record),
    day: async (stationCode, date) => days.get(`${stationCode}:${date}`),
    saveDay: async (day) => void days.set(`${day.stationCode}:${day.date}`, day),
  };
}

const sale = (saleId: number, qty: number, price = 2000) => ({ saleId, productId: 'CD1001', productName: 'GAS', price, qty, amount: qty * price, accountId: 1, accountName: null });
const sold = (saleId: number, qty: number): CommissionEvent => ({ type: 'gasstation.Sold', payload: sale(saleId, qty) });
const canceled = (saleId: number, qty: number): CommissionEvent => ({ type: 'gasstation.CanceledSold', payload: sale(saleId, qty) });

/** Net amount per day. */
const net = (ledger: { days: Map<string, DailySettlement> }) => Object.fromEntries([...ledger.days.values()].map((d) => [d.date, d.salesAmount]));

describe('booking POS events', () => {
  it('books a sale on the business day it occurred in Seoul', async () => {
    const ledger = memoryLedger();
    await bookSaleEvent(sold(1, 50), '2026-04-30T15:30:00.000Z', ledger, settings);
    assert.deepEqual(net(ledger), { '2026-05-01': 100_000 });
  });

  it("subtracts a cancel from its sale's day, even when the cancel comes a day later", async () => {
    const ledger = memoryLedger();
    await bookSaleEvent(sold(1, 50), '2026-05-01T03:00:00.000Z', ledger, settings);
    await bookSaleEvent(sold(2, 10), '2026-05-01T04:00:00.000Z', ledger, settings);
    await bookSaleEvent(canceled(1, 50), '2026-05-02T03:00:00.000Z', ledger, settings);
    assert.deepEqual(net(ledger), { '2026-05-01': 20_000 });
    const day = ledger.days.get('ST0001:2026-05-01');
    assert.deepEqual([day?.saleCount, day?.cancelCount, day?.commission], [2, 1, 600]);
  });

  it("subtracts a cancel of a sale it never saw from the cancel's own day", async () => {
    const ledger = memoryLedger();
    await bookSaleEvent(canceled(7, 5), '2026-05-02T03:00:00.000Z', ledger, settings);
    assert.deepEqual(net(ledger), { '2026-05-02': -10_000 });
  });

  it('counts a sale and its cancel once each, however many times POS sends them', async () => {
    const ledger = memoryLedger();
    for (let n = 0; n < 2; n += 1) await bookSaleEvent(sold(1, 50), '2026-05-01T03:00:00.000Z', ledger, settings);
    for (let n = 0; n < 2; n += 1) await bookSaleEvent(canceled(1, 50), '2026-05-01T05:00:00.000Z', ledger, settings);
    const day = ledger.days.get('ST0001:2026-05-01');
    assert.deepEqual([day?.saleCount, day?.cancelCount, day?.salesAmount], [1, 1, 0]);
  });

  it('books a sale whose cancel came first on the day the cancel was taken from, so that day nets to zero', async () => {
    const ledger = memoryLedger();
    await bookSaleEvent(canceled(3, 5), '2026-05-02T03:00:00.000Z', ledger, settings);
    await bookSaleEvent(sold(3, 5), '2026-05-01T03:00:00.000Z', ledger, settings);
    assert.deepEqual(net(ledger), { '2026-05-02': 0 });
  });
});
