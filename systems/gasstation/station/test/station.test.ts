import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { envelop, systemClock, type DomainEvent, type Envelope } from '@eventide/core';
import { topicOf } from '@eventide/messaging';
import { startService, type RunningService } from '@eventide/service-host';
import { assertProblem, client, distributedMode, embeddedMode, type Setup, type Tap } from '@eventide/service-host/testing';
import { eventually } from '@eventide/testing';
import { defineStationService } from '../src/service.ts';

const modes = [embeddedMode('gasstation', 'station'), await distributedMode('gasstation', 'station', 'mariadb', false)];

const shippedEvent = (orderId: number, productId: string, qty: number): DomainEvent => ({
  type: 'gasstation.Shipped',
  aggregateType: 'Shipment',
  aggregateId: orderId,
  correlationId: orderId,
  payload: { shipId: orderId, orderId, carNumber: 'CAR#42', destAddr: 'SK Imme Station', productId, productName: 'GAS', qty },
});
const productChanged = (productId: string, price: number, resend = false): DomainEvent => ({
  type: 'gasstation.ProductChanged',
  aggregateType: 'Product',
  aggregateId: productId,
  payload: { productId, productName: 'GAS', price, resend },
});
const saleEvent = (type: 'gasstation.Sold' | 'gasstation.CanceledSold', saleId: number, productId: string, qty: number): DomainEvent => ({
  type,
  aggregateType: 'Sale',
  aggregateId: saleId,
  payload: { saleId, productId, productName: 'GAS', price: 2000, qty, amount: qty * 2000, accountId: 1, accountName: null },
});

for (const mode of modes) {
  describe(`${mode.tag}the station service`, mode.options, () => {
    let setup: Setup;
    let station: RunningService;
    let tap: Tap;
    const http = client(() => station.url);
    const within = { within: mode.within };
    let lastOrderId = 0;

    before(async () => {
      setup = await mode.prepare();
      station = await startService(defineStationService(setup.system), { env: setup.env });
      tap = await setup.tap([topicOf(setup.system, 'station')]);
    });
    after(async () => {
      await tap?.close();
      await station?.close();
      await setup?.cleanup();
    });

    /**
     * Publishes another service's events, all under one key so they arrive in the order given: a
     * marker published last shows that everything before it was handled.
     */
    const publish = (service: string, ...events: (DomainEvent | Envelope)[]) =>
      tap.publish(
        events.map((event) => {
          const envelope = 'id' in event ? event : envelop(event, { clock: systemClock });
          return { topic: topicOf(setup.system, service), key: 'k', envelope };
        }),
      );
    const form = async (path: string, parameters: Record<string, string>) => {
      const response = await fetch(`${station.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(parameters).toString(),
      });
      return { status: response.status, headers: response.headers, body: JSON.parse(await response.text()) };
    };
    const outcome = (body: unknown, key: string = randomUUID()) => http.post('/stockFlows', body, { 'idempotency-key': key });
    const flowOf = async (orderId: number) => (await http.get(`/stockFlows/search/findByOrderId?order_id=${orderId}`)).body;
    const stockOf = async (productId: string) => (await http.get(`/stockSummaries/${productId}`)).body;
    const received = (stockId: number) => tap.received.filter((e) => e.type === 'gasstation.Received' && (e.payload as { stockId: number }).stockId === stockId);
    const newProduct = () => `P${randomUUID().slice(0, 8)}`;
    const receive = async (productId: string, qty: number) => {
      const orderId = ++lastOrderId;
      await publish('logistics', shippedEvent(orderId, productId, qty));
      await eventually(async () => assert.equal((await flowOf(orderId)).length, 1), within);
      return orderId;
    };

    it('schedules a receipt on Shipped (qty 0, qtyToBe shipped) once, however often the shipment arrives', async () => {
      const productId = newProduct();
      const orderId = ++lastOrderId;
      const shipped = envelop(shippedEvent(orderId, productId, 20000), { clock: systemClock });
      await publish('logistics', shipped, shipped, shippedEvent(orderId, productId, 999));
      await receive(newProduct(), 1);
      const flows = await flowOf(orderId);
      assert.equal(flows.length, 1);
      const [flow] = flows;
      assert.deepEqual(flow, { stockId: flow.stockId, productId, productName: 'GAS', qty: 0, qtyToBe: 20000, reason: 'receipt', orderId });
      assert.deepEqual((await http.get(`/stockFlows/${flow.stockId}`)).body, flow);
      await eventually(() => assert.equal(received(flow.stockId).length, 1), within);
      assert.deepEqual(received(flow.stockId)[0]?.payload, flow);
      assert.equal(received(flow.stockId)[0]?.correlationId, String(orderId));
      assertProblem(await http.get(`/stockSummaries/${productId}`), 404);
    });

    it('confirms a receipt once (form or query orderId): stock grows by qtyToBe, Received with qty; again answers false', async () => {
      const productId = newProduct();
      const orderId = await receive(productId, 20000);
      const confirmed = await form('/stocks/confirmStock', { orderId: String(orderId) });
      assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
      assert.equal(confirmed.body, true);
      const [flow] = await flowOf(orderId);
      assert.equal(flow.qty, 20000);
      assert.deepEqual(await stockOf(productId), { productId, productName: 'GAS', qty: 20000 });
      await eventually(() => assert.deepEqual(received(flow.stockId).map((e) => (e.payload as { qty: number }).qty), [0, 20000]), within);

      assert.equal((await form('/stocks/confirmStock', { orderId: String(orderId) })).body, false);
      const byQuery = await http.post(`/stocks/confirmStock?orderId=${orderId}`, undefined);
      assert.equal(byQuery.body, false);
      assert.equal((await stockOf(productId)).qty, 20000, 'confirming again adds nothing');
      assertProblem(await form('/stocks/confirmStock', { orderId: '99999' }), 404);
      assertProblem(await form('/stocks/confirmStock', { orderId: 'one' }), 400, '/orderId');
      assertProblem(await form('/stocks/confirmStock', {}), 400, '/orderId');
    });

    it('applies an outcome at once as a flow of its own, and once under a retried Idempotency-Key', async () => {
      const productId = newProduct();
      await form('/stocks/confirmStock', { orderId: String(await receive(productId, 1000)) });
      const key = randomUUID();
      const sale = { productId, productName: 'GAS', qty: -50 };
      const first = await outcome(sale, key);
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.equal(first.body, true);
      assert.equal((await stockOf(productId)).qty, 950);
      const retried = await outcome(sale, key);
      assert.equal(retried.body, true);
      assert.equal((await stockOf(productId)).qty, 950, 'the retried call is not applied again');
      assertProblem(await outcome({ ...sale, qty: -60 }, key), 409);
      const flows = (await http.get('/stockFlows?size=1000')).body.filter((f: { productId: string }) => f.productId === productId);
      assert.deepEqual(
        flows.map((f: { qty: number; reason: string; orderId: number | null }) => [f.qty, f.reason, f.orderId]),
        [[1000, 'receipt', flows[0].orderId], [-50, 'outcome', null]],
      );
    });

    it('follows the product master: MasterChanged when it changed or was resent, the name used by an outcome without one', async () => {
      const productId = newProduct();
      await publish('order', productChanged(productId, 2000), productChanged(productId, 2000), productChanged(productId, 2500));
      await eventually(async () => assert.deepEqual((await http.get(`/productMasters/${productId}`)).body, { productId, productName: 'GAS', price: 2500 }), within);
      const masterChanged = () => tap.received.filter((e) => e.type === 'gasstation.MasterChanged' && e.aggregateId === productId);
      await eventually(() => assert.equal(masterChanged().length, 2), within);
      await publish('order', productChanged(productId, 2500, true));
      await eventually(() => assert.equal(masterChanged().length, 3), within);
      assert.deepEqual(masterChanged().map((e) => (e.payload as { price: number }).price), [2000, 2500, 2500]);

      assert.equal((await outcome({ productId, qty: -5 })).body, true);
      assert.deepEqual(await stockOf(productId), { productId, productName: 'GAS', qty: -5 });
      assertProblem(await outcome({ productId: newProduct(), qty: -5 }), 404);
    });

    it('compensates: 100 concurrent sales then 30 cancellations leave exactly what the other 70 imply, redeliveries changing nothing', async () => {
      const productId = newProduct();
      await form('/stocks/confirmStock', { orderId: String(await receive(productId, 100000)) });
      const sales = Array.from({ length: 100 }, (_, i) => ({ saleId: 500_000 + i, qty: 1 + (i % 7) }));
      const answers = await Promise.all(sales.map((s) => outcome({ productId, productName: 'GAS', qty: -s.qty }, `sale-${productId}-${s.saleId}`)));
      assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([200]));
      const soldEnvelopes = sales.map((s) => envelop(saleEvent('gasstation.Sold', s.saleId, productId, s.qty), { clock: systemClock }));
      await publish('pos', ...soldEnvelopes);
      const canceled = sales.slice(0, 30).map((s) => envelop(saleEvent('gasstation.CanceledSold', s.saleId, productId, s.qty), { clock: systemClock }));
      await publish('pos', ...canceled);
      await publish('pos', ...soldEnvelopes.slice(40, 50), ...canceled.slice(0, 10));

      const remaining = sales.slice(30);
      const soldQty = remaining.reduce((sum, s) => sum + s.qty, 0);
      const expected = { productId, productName: 'GAS', qty: soldQty, amount: soldQty * 2000 };
      await eventually(async () => assert.deepEqual((await http.get(`/salesSummaries/${productId}`)).body, expected), within);
      await eventually(async () => assert.equal((await stockOf(productId)).qty, 100000 - soldQty), within);
      const marker = newProduct();
      await publish('pos', saleEvent('gasstation.Sold', 999_999, marker, 1));
      await eventually(async () => assert.equal((await http.get(`/salesSummaries/${marker}`)).status, 200), within);
      assert.deepEqual((await http.get(`/salesSummaries/${productId}`)).body, expected, 'the redelivered envelopes changed no summary');
      assert.equal((await stockOf(productId)).qty, 100000 - soldQty);
      const flows = (await http.get('/stockFlows?size=1000')).body.filter((f: { productId: string }) => f.productId === productId);
      assert.equal(flows.filter((f: { reason: string }) => f.reason === 'cancel').length, 30);
    });

    it('rebuilds the StockSummary from the flows with the same fold, to the same rows', async () => {
      const before = (await http.get('/stockSummaries?size=1000')).body;
      assert.ok(before.length > 0);
      const { rebuildStockSummaries } = await import('../src/adapters/station-tables.ts');
      await station.context.store.transaction((trx) => trx.deleteFrom('stock_summaries').execute());
      assert.equal((await http.get('/stockSummaries')).body.length, 0);
      const rows = await station.context.store.transaction((trx) => rebuildStockSummaries(trx));
      assert.equal(rows, before.length);
      assert.deepEqual((await http.get('/stockSummaries?size=1000')).body, before);
    });

    it('serves its collections paged with ids, the seeded account, and 404 for unknown ids', async () => {
      assert.deepEqual((await http.get('/accounts')).body, [{ accountId: 1, accountName: null, amount: 0 }]);
      assert.deepEqual((await http.get('/accounts/1')).body, { accountId: 1, accountName: null, amount: 0 });
      const flows = await http.get('/stockFlows?page=0&size=2');
      assert.equal(flows.body.length, 2);
      assert.ok(Number(flows.headers.get('x-total-count')) > 2);
      assert.deepEqual((await http.get('/stockFlows?page=1&size=1')).body, [flows.body[1]]);
      for (const path of ['/accounts/2', '/stockFlows/99999', '/productMasters/NOPE', '/stockSummaries/NOPE', '/salesSummaries/NOPE']) {
        assertProblem(await http.get(path), 404);
      }
      assertProblem(await http.get('/stockFlows?size=0'), 400, '/size');
      assertProblem(await http.get('/stockFlows/search/findByOrderId'), 400, '/order_id');
    });

    it('refuses bad input with 400/404 problems, writing and publishing nothing', async () => {
      const outboxSize = async () =>
        Number((await station.context.store.db.selectFrom('outbox').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      await eventually(async () => assert.equal(await outboxSize(), 0), within);
      const flowsBefore = (await http.get('/stockFlows')).headers.get('x-total-count');
      const summariesBefore = (await http.get('/stockSummaries?size=1000')).body;
      const at = Date.now();

      assertProblem(await outcome({ productId: 'CD1001', productName: 'GAS', qty: 'lots' }), 400, '/qty');
      assertProblem(await outcome({ productId: 'CD1001', productName: 'GAS' }), 400, '/qty');
      assertProblem(await outcome({ productName: 'GAS', qty: -1 }), 400, '/productId');
      assertProblem(await outcome({ productId: 'CD 1001', qty: -1 }), 400, '/productId');
      assertProblem(await outcome({ productId: 'CD1001', qty: -1, reason: 'x' }), 400, '/reason');
      assertProblem(await outcome({ productId: newProduct(), qty: -1 }), 404);
      assertProblem(await http.post('/stockFlows', { productId: 'CD1001', productName: 'GAS', qty: -1 }, { 'idempotency-key': '' }), 400);

      assert.equal((await http.get('/stockFlows')).headers.get('x-total-count'), flowsBefore);
      assert.deepEqual((await http.get('/stockSummaries?size=1000')).body, summariesBefore);
      assert.equal(await outboxSize(), 0);
      assert.deepEqual(tap.received.filter((e) => Date.parse(e.occurredAt) >= at), []);
    });
  });
}
