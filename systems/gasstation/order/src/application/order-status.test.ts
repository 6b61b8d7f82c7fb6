import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { topics } from '@gasstation/contracts';
import { evolveOrderStatus, orderStatusSources, type OrderStatus, type OrderStatusEvent } from './order-status.ts';

const ordered: OrderStatusEvent = {
  type: 'gasstation.Ordered',
  payload: { orderId: 1, orderDate: '2021-06-01', productId: 'CD1001', productName: 'GAS', destAddr: 'SK Imme Station', qty: 20000 },
};
const shipped: OrderStatusEvent = {
  type: 'gasstation.Shipped',
  payload: { shipId: 7, orderId: 1, carNumber: 'CAR#42', destAddr: 'SK Imme Station', productId: 'CD1001', productName: 'GAS', qty: 20000 },
};
const received = (qty: number, orderId: number | null = 1): OrderStatusEvent => ({
  type: 'gasstation.Received',
  payload: { stockId: 3, orderId, productId: 'CD1001', productName: 'GAS', qty, qtyToBe: orderId === null ? null : 20000, reason: null },
});
const scheduled = received(0);
const confirmed = received(20000);

const row: OrderStatus = {
  orderId: 1,
  productId: 'CD1001',
  productName: 'GAS',
  qty: 20000,
  destAddr: 'SK Imme Station',
  orderDate: '2021-06-01',
  status: 'Ordered',
};

function replay(events: readonly OrderStatusEvent[]): OrderStatus | undefined {
  return events.reduce<OrderStatus | undefined>((view, event) => evolveOrderStatus(view, event), undefined);
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

describe('the OrderStatus view', () => {
  it('reads Ordered from the order topic, Shipped from logistics and Received from the station', () => {
    assert.deepEqual(orderStatusSources, {
      [topics.order]: ['gasstation.Ordered'],
      [topics.logistics]: ['gasstation.Shipped'],
      [topics.station]: ['gasstation.Received'],
    });
  });

  it('follows the seed order through Ordered, Shipped, Received (scheduled) and confirmed', () => {
    assert.deepEqual(replay([ordered]), row);
    assert.deepEqual(replay([ordered, shipped]), { ...row, status: 'Shipped' });
    assert.deepEqual(replay([ordered, shipped, scheduled]), { ...row, status: 'Received' });
    assert.deepEqual(replay([ordered, shipped, scheduled, confirmed]), { ...row, status: 'confirmed' });
  });

  it('never moves an order backwards when a later state arrives first', () => {
    assert.equal(replay([ordered, confirmed, shipped, scheduled])?.status, 'confirmed');
    assert.equal(replay([scheduled, shipped])?.status, 'Received');
  });

  it('builds the same row from the same events in every delivery order', () => {
    const all = permutations([ordered, shipped, scheduled, confirmed]);
    assert.equal(all.length, 24);
    for (const events of all) assert.deepEqual(replay(events), { ...row, status: 'confirmed' }, events.map((e) => e.type).join(' '));
    for (const events of permutations([shipped, scheduled])) {
      assert.deepEqual(replay(events), { ...row, orderDate: null, status: 'Received' });
    }
  });

  it('makes a row from a Shipped or Received that comes before its Ordered, with what the event carries', () => {
    assert.deepEqual(replay([shipped]), { ...row, orderDate: null, status: 'Shipped' });
    assert.deepEqual(replay([scheduled]), { ...row, destAddr: null, orderDate: null, status: 'Received' });
    assert.deepEqual(replay([confirmed, ordered]), { ...row, status: 'confirmed' });
  });

  it('ignores a Received with no orderId: stock returned by a cancelled sale', () => {
    assert.equal(evolveOrderStatus(undefined, received(50, null)), undefined);
    assert.equal(evolveOrderStatus(row, received(50, null)), row);
  });
});
