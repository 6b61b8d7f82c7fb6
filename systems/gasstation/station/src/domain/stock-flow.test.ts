import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { confirmReceipt, recordOutcome, returnCanceledStock, scheduleReceipt, stockFlowRules } from './stock-flow.ts';

const shipped = { shipId: 3, orderId: 1, carNumber: 'CAR#7', destAddr: 'SK Imme Station', productId: 'CD1001', productName: 'GAS', qty: 20000 };

describe('stock flows', () => {
  it('schedule a shipment as a receipt of qty 0 with qtyToBe the shipped litres, adding nothing yet', () => {
    const change = scheduleReceipt(5, shipped);
    const flow = { stockId: 5, productId: 'CD1001', productName: 'GAS', qty: 0, qtyToBe: 20000, reason: 'receipt', orderId: 1 };
    assert.deepEqual(change.flow, flow);
    assert.deepEqual(change.movement, { productId: 'CD1001', productName: 'GAS', qty: 0 });
    assert.deepEqual(change.events, [{ type: 'gasstation.Received', aggregateType: 'StockFlow', aggregateId: 5, correlationId: 1, payload: flow }]);
  });

  it('confirm a receipt once: qty becomes qtyToBe and the stock grows by it; a second confirmation is refused', () => {
    const confirmed = confirmReceipt(scheduleReceipt(5, shipped).flow);
    assert.ok(!('rejection' in confirmed));
    assert.equal(confirmed.flow.qty, 20000);
    assert.equal(confirmed.movement.qty, 20000);
    assert.equal(confirmed.events[0]?.payload.qty, 20000);
    assert.deepEqual(confirmReceipt(confirmed.flow), { rejection: stockFlowRules.confirmOnce });
  });

  it('record an outcome and a cancelled sale as flows of their own, with no order; only the return is announced', () => {
    const sale = recordOutcome(6, { productId: 'CD1001', productName: 'GAS', qty: -50 });
    assert.deepEqual(sale.flow, { stockId: 6, productId: 'CD1001', productName: 'GAS', qty: -50, qtyToBe: null, reason: 'outcome', orderId: null });
    assert.equal(sale.movement.qty, -50);
    assert.deepEqual(sale.events, []);
    const back = returnCanceledStock(7, { productId: 'CD1001', productName: 'GAS', qty: 50 });
    assert.deepEqual([back.flow.reason, back.flow.qty, back.movement.qty], ['cancel', 50, 50]);
    assert.equal(back.events.length, 1);
    assert.equal('correlationId' in back.events[0]!, false, 'a flow with no order correlates by its cause');
  });
});
