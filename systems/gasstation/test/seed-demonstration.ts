import assert from 'node:assert/strict';
import type { client } from '@eventide/service-host/testing';
import { eventually } from '@eventide/testing';

export const services = ['pos', 'station', 'order', 'logistics', 'commission'] as const;
export type Service = (typeof services)[number];
type Client = ReturnType<typeof client>;

/**
 * A running gas station as the seed's demonstration drives it: a client per service (straight to
 * it, or through the gateway), and the operator's hands to stop and start one.
 */
export interface GasStation {
  readonly call: Readonly<Record<Service, Client>>;
  /** Whether the commission service runs: the system must work the same without it. */
  readonly commission: boolean;
  readonly within: number;
  stop(service: Service): Promise<void>;
  start(service: Service): Promise<void>;
}

const expectTrue = (answer: { status: number; body: unknown }, what: string) =>
  assert.deepEqual([answer.status, answer.body], [200, true], `${what}: ${JSON.stringify(answer.body)}`);

/**
 * The seed's demonstration (spec E.8 steps 0 to 7) on a fresh system, each request as the seed's
 * `http -f` command sends it. Ids are read from responses; the steps build on each other.
 */
export async function seedDemonstration(station: GasStation, expectedIdentity: string): Promise<void> {
  const { pos, station: bos, order, logistics } = station.call;
  const within = { within: station.within };
  const product = (rows: { productId: string; productName: string; price: number }[], id: string) => {
    const row = rows.find((r) => r.productId === id);
    return row && { productName: row.productName, price: row.price };
  };

  // 0. Order seeds its product master; it reaches the station and, from there, the POS menu.
  await eventually(async () => {
    for (const rows of [(await bos.get('/productMasters')).body, (await pos.get('/productMenus')).body]) {
      assert.deepEqual(product(rows, 'CD1001'), { productName: 'GAS', price: 2000 });
      assert.deepEqual(product(rows, 'CD1004'), { productName: 'Diesel', price: 1500 });
    }
  }, { ...within, what: 'the seeded products at the station and on the POS menu' });

  // 1. Order → shipment → scheduled receipt (입고예정); an unknown product is refused and creates nothing.
  expectTrue(await order.form('/orders/placeOrder', { productId: 'CD1001', qty: 20000, destAddr: 'SK Imme Station' }), 'placeOrder');
  const unknown = await order.form('/orders/placeOrder', { productId: 'CD9999', qty: 1, destAddr: 'nowhere' });
  assert.deepEqual([unknown.status, unknown.body], [200, false]);
  const orders = (await order.get('/orders')).body as { orderId: number; productName: string; qty: number; orderDate: string }[];
  assert.equal(orders.length, 1);
  const [placed] = orders;
  assert.deepEqual([placed!.productName, placed!.qty], ['GAS', 20000]);
  assert.match(placed!.orderDate, /^\d{4}-\d{2}-\d{2}$/);
  const orderId = placed!.orderId;
  await eventually(async () => {
    const shipments = (await logistics.get('/shipments')).body as { orderId: number; carNumber: string }[];
    assert.equal(shipments.length, 1);
    assert.equal(shipments[0]!.orderId, orderId);
    assert.match(shipments[0]!.carNumber, /^CAR#\d+$/);
    const flows = (await bos.get(`/stockFlows/search/findByOrderId?order_id=${orderId}`)).body as { qty: number; qtyToBe: number }[];
    assert.deepEqual(flows.map((f) => [f.qty, f.qtyToBe]), [[0, 20000]]);
    assert.equal((await order.get(`/orderStatuses/${orderId}`)).body.status, 'Received');
  }, { ...within, what: 'the shipment, the scheduled receipt and OrderStatus Received' });

  // 2. Confirm the receipt (입고확정): stock in, OrderStatus confirmed; confirming again changes nothing.
  expectTrue(await bos.form('/stocks/confirmStock', { orderId }), 'confirmStock');
  const confirmedFlows = (await bos.get(`/stockFlows/search/findByOrderId?order_id=${orderId}`)).body as { qty: number }[];
  assert.deepEqual(confirmedFlows.map((f) => f.qty), [20000]);
  assert.equal((await bos.get('/stockSummaries/CD1001')).body.qty, 20000);
  assert.deepEqual((await bos.form('/stocks/confirmStock', { orderId })).body, false);
  assert.equal((await bos.get('/stockSummaries/CD1001')).body.qty, 20000);
  await eventually(async () => assert.equal((await order.get(`/orderStatuses/${orderId}`)).body.status, 'confirmed'), within);

  // 3. A sale: the stock decreases at once (a synchronous call), the sales summary follows.
  expectTrue(await pos.form('/sales', { productId: 'CD1001', qty: 50 }), 'sale');
  assert.equal((await bos.get('/stockSummaries/CD1001')).body.qty, 19950);
  await eventually(async () => {
    const summary = (await bos.get('/salesSummaries/CD1001')).body;
    assert.deepEqual([summary.qty, summary.amount], [50, 100000]);
  }, within);

  // 4. Cancel it (보상): the stock and the sales summary are compensated.
  const sales = (await pos.get('/sales')).body as { saleId: number }[];
  const saleId = Math.max(...sales.map((s) => s.saleId));
  expectTrue(await pos.form('/cancelSales', { saleId }), 'cancelSales');
  await eventually(async () => {
    assert.equal((await bos.get('/stockSummaries/CD1001')).body.qty, 20000);
    const summary = (await bos.get('/salesSummaries/CD1001')).body;
    assert.deepEqual([summary.qty, summary.amount], [0, 0]);
  }, within);

  // 5. EDA: with Order stopped, sales go on and the summaries update; back, a price change reaches POS.
  await station.stop('order');
  expectTrue(await pos.form('/sales', { productId: 'CD1004', qty: 10 }), 'sale while order is down');
  assert.equal((await bos.get('/stockSummaries/CD1004')).body.qty, -10);
  await eventually(async () => assert.deepEqual((await bos.get('/salesSummaries/CD1004')).body.amount, 15000), within);
  await station.start('order');
  expectTrue(await order.form('/products/sync', { productId: 'CD1001', price: 2500 }), 'price change');
  await eventually(async () => {
    assert.equal((await bos.get('/productMasters/CD1001')).body.price, 2500);
    assert.equal((await pos.get('/productMenus/CD1001')).body.price, 2500);
  }, within);
  expectTrue(await pos.form('/sales', { productId: 'CD1001', qty: 10 }), 'sale at the new price');
  const latest = (await pos.get('/sales?size=100')).body as { saleId: number; amount: number }[];
  assert.equal(latest.reduce((a, b) => (a.saleId > b.saleId ? a : b)).amount, 25000);

  // 6. Station down: the sale is refused with 503 + Retry-After, nothing is recorded; back, the same sale goes through.
  const salesBefore = Number((await pos.get('/sales')).headers.get('x-total-count'));
  await station.stop('station');
  const refused = await pos.form('/sales', { productId: 'CD1001', qty: 5 });
  assert.equal(refused.status, 503, JSON.stringify(refused.body));
  assert.ok(refused.headers.get('retry-after'));
  assert.equal(Number((await pos.get('/sales')).headers.get('x-total-count')), salesBefore);
  await station.start('station');
  await eventually(async () => expectTrue(await pos.form('/sales', { productId: 'CD1001', qty: 5 }), 'the same sale with the station back'), within);
  assert.equal(Number((await pos.get('/sales')).headers.get('x-total-count')), salesBefore + 1);

  // 7. Configuration and secret: the station's name and code.
  const identity = await order.post('/orders/station', undefined);
  assert.deepEqual([identity.status, identity.body], [200, expectedIdentity]);

  // The commission settled for the operator follows the sales, net of the cancel (3% by default).
  if (!station.commission) return;
  const kept = ((await pos.get('/sales?size=1000')).body as { amount: number }[]).reduce((sum, s) => sum + s.amount, 0);
  await eventually(async () => {
    const days = (await station.call.commission.get('/commissions?stationCode=ST0001')).body as { salesAmount: number; commission: number; cancelCount: number }[];
    assert.deepEqual(
      days.reduce((t, d) => ({ salesAmount: t.salesAmount + d.salesAmount, cancels: t.cancels + d.cancelCount }), { salesAmount: 0, cancels: 0 }),
      { salesAmount: kept, cancels: 1 },
    );
    assert.equal(days.reduce((sum, d) => sum + d.commission, 0), Math.round(kept * 0.03));
  }, { ...within, what: 'the commission to total the kept sales' });
}
