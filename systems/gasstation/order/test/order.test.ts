import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { envelop, type Clock, type DomainEvent } from '@eventide/core';
import { topicOf } from '@eventide/messaging';
import { ConfigError, startService, type RunningService } from '@eventide/service-host';
import { assertProblem, client, distributedMode, embeddedMode, type Setup, type Tap } from '@eventide/service-host/testing';
import { eventually, tempDir } from '@eventide/testing';
import { defineOrderService } from '../src/service.ts';

const modes = [embeddedMode('gasstation', 'order'), await distributedMode('gasstation', 'order', 'postgres', true)];

/** Real time moved to noon of 1 June 2021 (local), so the order date is known while timers run as usual. */
function clockOnJuneFirst(): Clock {
  const shift = new Date(2021, 5, 1, 12).getTime() - Date.now();
  return { now: () => new Date(Date.now() + shift) };
}
const today = '2021-06-01';

const seedOrder = { productId: 'CD1001', qty: 20000, destAddr: 'SK Imme Station' };

const shippedEvent = (orderId: number, shipId: number): DomainEvent => ({
  type: 'gasstation.Shipped',
  aggregateType: 'Shipment',
  aggregateId: shipId,
  correlationId: orderId,
  payload: { shipId, orderId, carNumber: 'CAR#42', destAddr: 'SK Imme Station', productId: 'CD1001', productName: 'GAS', qty: 20000 },
});
const receivedEvent = (orderId: number | null, stockId: number, qty: number): DomainEvent => ({
  type: 'gasstation.Received',
  aggregateType: 'StockFlow',
  aggregateId: stockId,
  correlationId: orderId ?? stockId,
  payload: { stockId, orderId, productId: 'CD1001', productName: 'GAS', qty, qtyToBe: orderId === null ? null : 20000, reason: null },
});
const orderedEvent = (orderId: number): DomainEvent => ({
  type: 'gasstation.Ordered',
  aggregateType: 'Order',
  aggregateId: orderId,
  correlationId: orderId,
  payload: { orderId, orderDate: today, productId: 'CD1001', productName: 'GAS', destAddr: 'SK Imme Station', qty: 20000 },
});

for (const mode of modes) {
  describe(`${mode.tag}the order service`, mode.options, () => {
    let setup: Setup;
    let order: RunningService;
    let tap: Tap;
    const clock = clockOnJuneFirst();
    const http = client(() => order.url);
    const within = { within: mode.within };

    before(async () => {
      setup = await mode.prepare();
      order = await startService(defineOrderService(setup.system), { env: setup.env, clock });
      tap = await setup.tap([topicOf(setup.system, 'order')]);
    });
    after(async () => {
      await tap?.close();
      await order?.close();
      await setup?.cleanup();
    });

    const published = (type: string, where: (payload: any) => boolean = () => true) =>
      tap.received.filter((e) => e.type === type && where(e.payload));
    const productChanges = (productId: string) => published('gasstation.ProductChanged', (p) => p.productId === productId);
    const orders = async () => (await http.get('/orders?size=1000')).body as { orderId: number }[];
    const outboxSize = async () =>
      Number((await order.context.store.db.selectFrom('outbox').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    /** Places an order and resolves its orderId, once Ordered is published (so the outbox is empty again). */
    const place = async (fields: Record<string, string | number> = seedOrder) => {
      const answer = await http.form('/orders/placeOrder', fields);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body, true);
      const orderId = Math.max(...(await orders()).map((o) => o.orderId));
      await eventually(() => assert.equal(published('gasstation.Ordered', (p) => p.orderId === orderId).length, 1), within);
      return orderId;
    };
    const publish = (service: string, ...events: DomainEvent[]) =>
      tap.publish(events.map((event) => ({ topic: topicOf(setup.system, service), key: String(event.aggregateId), envelope: envelop(event, { clock }) })));
    const statusOf = async (orderId: number) => (await http.get(`/orderStatuses/${orderId}`)).body;

    it('seeds the product master with GAS and Diesel, announcing each once (spec E.10.6)', async () => {
      assert.deepEqual((await http.get('/product')).body, [
        { productId: 'CD1001', productName: 'GAS', price: 2000 },
        { productId: 'CD1004', productName: 'Diesel', price: 1500 },
      ]);
      await eventually(() => assert.equal(published('gasstation.ProductChanged').length, 2), within);
      assert.deepEqual(
        published('gasstation.ProductChanged').map((e) => [e.payload, e.correlationId]),
        [
          [{ productId: 'CD1001', productName: 'GAS', price: 2000, resend: false }, 'CD1001'],
          [{ productId: 'CD1004', productName: 'Diesel', price: 1500, resend: false }, 'CD1004'],
        ],
      );
    });

    it('places the seed order with a form post: true, the order with the master name and today, Ordered published', async () => {
      const answer = await http.form('/orders/placeOrder', seedOrder);
      assert.equal(answer.status, 200);
      assert.match(answer.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(answer.body, true);
      const [placed] = (await orders()).slice(-1);
      const orderId = placed!.orderId;
      const expected = { orderId, productId: 'CD1001', productName: 'GAS', qty: 20000, destAddr: 'SK Imme Station', orderDate: today };
      assert.deepEqual(placed, expected);
      assert.deepEqual((await http.get(`/orders/${orderId}`)).body, expected);
      await eventually(() => assert.equal(published('gasstation.Ordered', (p) => p.orderId === orderId).length, 1), within);
      const [ordered] = published('gasstation.Ordered', (p) => p.orderId === orderId);
      assert.deepEqual(ordered?.payload, expected);
      assert.equal(ordered?.correlationId, String(orderId));
      await eventually(async () => assert.deepEqual(await statusOf(orderId), { ...expected, status: 'Ordered' }), within);
    });

    it('takes the parameters from the query string too, as @RequestParam did', async () => {
      const before = (await orders()).length;
      const answer = await http.post('/orders/placeOrder?productId=CD1004&qty=2.5&destAddr=Yeouido', undefined);
      assert.equal(answer.body, true);
      const latest = (await orders()).at(-1);
      assert.equal((await orders()).length, before + 1);
      assert.deepEqual([latest], [{ orderId: latest!.orderId, productId: 'CD1004', productName: 'Diesel', qty: 2.5, destAddr: 'Yeouido', orderDate: today }]);
    });

    it('answers false for a product the master does not have, storing and publishing nothing', async () => {
      await place();
      await eventually(async () => assert.equal(await outboxSize(), 0), within);
      const before = { orders: await orders(), at: clock.now().getTime() };
      const answer = await http.form('/orders/placeOrder', { ...seedOrder, productId: 'CD9999' });
      assert.equal(answer.status, 200);
      assert.equal(answer.body, false);
      assert.deepEqual(await orders(), before.orders);
      assert.equal(await outboxSize(), 0);
      const marker = await place();
      assert.deepEqual(
        tap.received.filter((e) => Date.parse(e.occurredAt) >= before.at).map((e) => e.payload),
        [{ ...seedOrder, productName: 'GAS', orderId: marker, orderDate: today }],
        'only the marker order was published after the unknown product',
      );
    });

    it('refuses a missing, negative, zero or non-numeric qty and other bad parameters with 400 naming them, writing nothing', async () => {
      await place();
      await eventually(async () => assert.equal(await outboxSize(), 0), within);
      const before = { orders: await orders(), at: clock.now().getTime() };
      const form = (fields: Record<string, string | number>) => http.form('/orders/placeOrder', fields);
      assertProblem(await form({ productId: 'CD1001', destAddr: 'X' }), 400, '/qty');
      assertProblem(await form({ ...seedOrder, qty: -5 }), 400, '/qty');
      assertProblem(await form({ ...seedOrder, qty: 0 }), 400, '/qty');
      assertProblem(await form({ ...seedOrder, qty: 'lots' }), 400, '/qty');
      assertProblem(await form({ ...seedOrder, qty: '' }), 400, '/qty');
      assertProblem(await form({ qty: 1, destAddr: 'X' }), 400, '/productId');
      assertProblem(await form({ productId: 'CD1001', qty: 1 }), 400, '/destAddr');
      assertProblem(await form({ ...seedOrder, destAddr: '' }), 400, '/destAddr');
      assertProblem(await form({ ...seedOrder, productId: 'CD 1001' }), 400, '/productId');
      assertProblem(await form({ ...seedOrder, colour: 'red' }), 400, '/colour');
      assertProblem(await http.post('/orders/placeOrder?productId=CD1001&qty=-1&destAddr=X', undefined), 400, '/qty');
      assertProblem(await http.post('/orders/placeOrder', { ...seedOrder, qty: -1 }), 400, '/qty');
      assertProblem(await http.get('/orders/0'), 400, '/orderId');
      assertProblem(await http.get('/orders/abc'), 400, '/orderId');
      assertProblem(await http.get('/orders/99999'), 404);
      assertProblem(await http.get('/orders?size=0'), 400, '/size');

      assert.deepEqual(await orders(), before.orders);
      assert.equal(await outboxSize(), 0);
      const marker = await place();
      assert.deepEqual(
        tap.received.filter((e) => Date.parse(e.occurredAt) >= before.at).map((e) => (e.payload as { orderId: number }).orderId),
        [marker],
        'only the marker order was published after the bad requests',
      );
    });

    it('places an order once for a retried request with the same Idempotency-Key', async () => {
      const before = (await orders()).length;
      const key = { 'idempotency-key': `place-${setup.system}` };
      assert.equal((await http.form('/orders/placeOrder', seedOrder, key)).body, true);
      assert.equal((await http.form('/orders/placeOrder', seedOrder, key)).body, true);
      assert.equal((await orders()).length, before + 1);
    });

    it('pages orders with page, size and X-Total-Count', async () => {
      while ((await orders()).length < 6) await place();
      const all = await orders();
      const page = await http.get('/orders?page=1&size=2');
      assert.deepEqual(page.body, all.slice(2, 4));
      assert.equal(page.headers.get('x-total-count'), String(all.length));
    });

    it('resends a product with a new price on /products/sync, announcing resend true once', async () => {
      const since = clock.now().getTime();
      const answer = await http.form('/products/sync', { productId: 'CD1001', price: 2500 });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body, true);
      assert.deepEqual((await http.get('/products/CD1001')).body, { productId: 'CD1001', productName: 'GAS', price: 2500 });
      const sent = () => productChanges('CD1001').filter((e) => Date.parse(e.occurredAt) >= since);
      await eventually(() => assert.equal(sent().length, 1), within);
      assert.deepEqual(sent()[0]?.payload, { productId: 'CD1001', productName: 'GAS', price: 2500, resend: true });

      assert.equal((await http.form('/products/sync', { productId: 'CD1001', price: '2500' })).body, true);
      assert.equal((await http.post('/products/sync?productId=CD1001', undefined)).body, true);
      await eventually(() => assert.equal(sent().length, 3), within);
      assert.deepEqual(
        sent().map((e) => e.payload),
        Array(3).fill({ productId: 'CD1001', productName: 'GAS', price: 2500, resend: true }),
        'the same price and no price resend it unchanged',
      );
      assert.equal((await http.form('/orders/placeOrder', seedOrder)).body, true, 'orders go on under the new price');
    });

    it('refuses a sync of an unknown product with 404 and a bad price with 400, publishing nothing', async () => {
      await eventually(async () => assert.equal(await outboxSize(), 0), within);
      assertProblem(await http.form('/products/sync', { productId: 'CD9999', price: 100 }), 404);
      assertProblem(await http.form('/products/sync', { productId: 'CD1004', price: -1 }), 400, '/price');
      assertProblem(await http.form('/products/sync', { productId: 'CD1004', price: '15.5' }), 400, '/price');
      assertProblem(await http.form('/products/sync', { productId: 'CD1004', price: 'cheap' }), 400, '/price');
      assertProblem(await http.form('/products/sync', { price: 100 }), 400, '/productId');
      assert.equal(await outboxSize(), 0);
      assert.deepEqual((await http.get('/products/CD1004')).body, { productId: 'CD1004', productName: 'Diesel', price: 1500 });
    });

    it('revises a product by PATCH, announcing only a real change', async () => {
      const since = clock.now().getTime();
      const patched = await http.patch('/products/CD1004', { price: 1600 });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.deepEqual(patched.body, { productId: 'CD1004', productName: 'Diesel', price: 1600 });
      assert.deepEqual((await http.patch('/products/CD1004', { price: '1600' })).body, patched.body);
      const marker = await http.patch('/products/CD1004', { productName: 'Diesel', price: 1700 });
      assert.equal(marker.body.price, 1700);
      const sent = () => productChanges('CD1004').filter((e) => Date.parse(e.occurredAt) >= since);
      await eventually(() => assert.equal(sent().length, 2), within);
      assert.deepEqual(
        sent().map((e) => e.payload),
        [
          { productId: 'CD1004', productName: 'Diesel', price: 1600, resend: false },
          { productId: 'CD1004', productName: 'Diesel', price: 1700, resend: false },
        ],
      );
      assertProblem(await http.patch('/products/CD9999', { price: 1 }), 404);
      assertProblem(await http.patch('/products/CD1004', { price: -1 }), 400, '/price');
      assertProblem(await http.patch('/products/CD1004', { productId: 'CD1005' }), 400, '/productId');
    });

    it('reads the master at /product and /products, one by id, and by the seed finder', async () => {
      const one = (await http.get('/product/CD1001')).body;
      assert.equal(one.productId, 'CD1001');
      assert.deepEqual((await http.get('/products/CD1001')).body, one);
      assert.deepEqual((await http.get('/product/search/findByProductId?product_id=CD1001')).body, one);
      assert.deepEqual((await http.get('/products')).body, (await http.get('/product')).body);
      assert.equal((await http.get('/product')).headers.get('x-total-count'), '2');
      assertProblem(await http.get('/product/CD9999'), 404);
      assertProblem(await http.get('/product/search/findByProductId?product_id=CD9999'), 404);
      assertProblem(await http.get('/product/search/findByProductId'), 400, '/product_id');
    });

    it('follows an order through Shipped, Received and confirmed in the OrderStatus view (spec E.8 steps 1-2)', async () => {
      const orderId = await place();
      await eventually(async () => assert.equal((await statusOf(orderId))?.status, 'Ordered'), within);
      await publish('logistics', shippedEvent(orderId, 1));
      await eventually(async () => assert.equal((await statusOf(orderId))?.status, 'Shipped'), within);
      await publish('station', receivedEvent(orderId, 1, 0));
      await eventually(async () => assert.equal((await statusOf(orderId))?.status, 'Received'), within);
      await publish('station', receivedEvent(orderId, 1, 20000));
      await eventually(async () => assert.equal((await statusOf(orderId))?.status, 'confirmed'), within);
      assert.deepEqual(await statusOf(orderId), {
        orderId,
        productId: 'CD1001',
        productName: 'GAS',
        qty: 20000,
        destAddr: 'SK Imme Station',
        orderDate: today,
        status: 'confirmed',
      });
    });

    it('builds the same OrderStatus row when the events of an order arrive in reverse, each from its own topic', async () => {
      const orderId = 90_001;
      await publish('station', receivedEvent(orderId, 2, 20000));
      await eventually(async () => assert.equal((await statusOf(orderId))?.status, 'confirmed'), within);
      assert.deepEqual(await statusOf(orderId), {
        orderId,
        productId: 'CD1001',
        productName: 'GAS',
        qty: 20000,
        destAddr: null,
        orderDate: null,
        status: 'confirmed',
      });
      await publish('station', receivedEvent(orderId, 2, 0));
      await publish('logistics', shippedEvent(orderId, 2));
      await publish('order', orderedEvent(orderId));
      await eventually(async () => assert.equal((await statusOf(orderId))?.orderDate, today), within);
      assert.deepEqual(await statusOf(orderId), {
        orderId,
        productId: 'CD1001',
        productName: 'GAS',
        qty: 20000,
        destAddr: 'SK Imme Station',
        orderDate: today,
        status: 'confirmed',
      });
    });

    it('applies a redelivered event once and ignores stock returned by a cancelled sale (orderId null)', async () => {
      const orderId = 90_002;
      const shipped = envelop(shippedEvent(orderId, 3), { clock });
      const marker = 90_003;
      const topic = topicOf(setup.system, 'logistics');
      await tap.publish([
        { topic, key: 'k', envelope: shipped },
        { topic, key: 'k', envelope: shipped },
      ]);
      await publish('station', receivedEvent(null, 4, 50), receivedEvent(marker, 5, 0));
      await eventually(async () => assert.equal((await statusOf(marker))?.status, 'Received'), within);
      await eventually(async () => assert.equal((await statusOf(orderId))?.status, 'Shipped'), within);
      const rows = (await http.get('/orderStatuses?size=1000')).body as { orderId: number }[];
      assert.equal(rows.filter((r) => r.orderId === orderId).length, 1);
      assert.ok(rows.every((r) => r.orderId !== null));
      assertProblem(await http.get('/orderStatuses/88888'), 404);
      assertProblem(await http.get('/orderStatuses/x'), 400, '/orderId');
      const page = await http.get('/orderStatuses?page=1&size=1');
      assert.deepEqual(page.body, rows.slice(1, 2));
      assert.equal(page.headers.get('x-total-count'), String(rows.length));
    });

    it('keeps the master and announces nothing again when it restarts on the same data', async () => {
      await http.form('/products/sync', { productId: 'CD1004' });
      await eventually(async () => assert.equal(await outboxSize(), 0), within);
      const master = (await http.get('/product')).body;
      const since = clock.now().getTime();
      await order.close();
      order = await startService(defineOrderService(setup.system), { env: setup.env, clock });
      assert.deepEqual((await http.get('/product')).body, master, 'a restart does not put the seed prices back');
      const marker = await place();
      assert.deepEqual(
        tap.received.filter((e) => Date.parse(e.occurredAt) >= since).map((e) => e.type),
        ['gasstation.Ordered'],
        `only the marker order ${marker} was published after the restart`,
      );
    });
  });

  describe(`${mode.tag}the order service started twice at once on a fresh store`, mode.options, () => {
    let setup: Setup;
    let replicas: RunningService[] = [];
    let tap: Tap;

    before(async () => {
      setup = await mode.prepare();
      tap = await setup.tap([topicOf(setup.system, 'order')]);
      replicas = await Promise.all([1, 2].map(() => startService(defineOrderService(setup.system), { env: setup.env })));
    });
    after(async () => {
      await tap?.close();
      await Promise.all(replicas.map((r) => r.close()));
      await setup?.cleanup();
    });

    it('seeds the master once between them', async () => {
      const [first, second] = replicas.map((r) => client(() => r.url));
      assert.equal((await first!.form('/orders/placeOrder', seedOrder)).body, true);
      await eventually(() => assert.ok(tap.received.some((e) => e.type === 'gasstation.Ordered')), { within: mode.within });
      assert.deepEqual(
        tap.received.filter((e) => e.type === 'gasstation.ProductChanged').map((e) => (e.payload as { productId: string }).productId).sort(),
        ['CD1001', 'CD1004'],
      );
      assert.equal((await second!.get('/product')).headers.get('x-total-count'), '2');
    });
  });
}

describe('the station identity (POST /orders/station)', () => {
  const secret = 'Secret Station 4f1c';
  const dir = tempDir('gasstation-order-station-');
  let running: RunningService | undefined;
  const logs: string[] = [];
  const start = async (env: Record<string, string>) => {
    await running?.close();
    running = await startService(defineOrderService('gasstation_station_identity'), {
      env: { PORT: '0', DATA_DIR: dir.path, LOG_LEVEL: 'trace', ...env },
      logDestination: { write: (line: string) => void logs.push(line) },
    });
    return client(() => running!.url);
  };
  after(async () => {
    await running?.close();
    dir.remove();
  });

  it('answers "<station name>, <station code>" as a JSON string, the code ST0001 unless configured', async () => {
    const http = await start({ STATION_NAME: 'SK Imme' });
    const answer = await http.post('/orders/station', undefined);
    assert.equal(answer.status, 200);
    assert.match(answer.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(answer.body, 'SK Imme, ST0001');
    assert.equal((await (await start({ STATION_NAME: 'SK Imme', STATION_CODE: 'ST0042' })).post('/orders/station', undefined)).body, 'SK Imme, ST0042');
  });

  it('reads the name from the file STATION_NAME_FILE names (a mounted Secret), trimmed, and follows it when it changes', async () => {
    const file = join(dir.path, 'stationName');
    writeFileSync(file, 'SK Imme\n');
    const http = await start({ STATION_NAME_FILE: file });
    assert.equal((await http.post('/orders/station', undefined)).body, 'SK Imme, ST0001');
    writeFileSync(file, 'SK Yeouido');
    assert.equal((await http.post('/orders/station', undefined)).body, 'SK Yeouido, ST0001');
  });

  it('answers 503 naming the missing secret when neither is set or the file is missing, and keeps serving the rest', async () => {
    const http = await start({});
    const missing = await http.post('/orders/station', undefined);
    assertProblem(missing, 503);
    assert.match(missing.body.detail, /STATION_NAME/);
    assert.equal(missing.headers.get('retry-after'), '60');
    assert.equal((await http.get('/product')).status, 200);
    const unreadable = await (await start({ STATION_NAME_FILE: join(dir.path, 'absent') })).post('/orders/station', undefined);
    assertProblem(unreadable, 503);
    assert.match(unreadable.body.detail, /STATION_NAME_FILE cannot be read \(ENOENT\)/);
  });

  it('never writes the station name to its log, even at trace level, nor into a configuration error', async () => {
    logs.length = 0;
    const file = join(dir.path, 'secretName');
    writeFileSync(file, secret);
    for (const env of [{ STATION_NAME: secret }, { STATION_NAME_FILE: file }] as Record<string, string>[]) {
      const http = await start(env);
      assert.equal((await http.post('/orders/station', undefined)).body, `${secret}, ST0001`);
      assertProblem(await http.form('/orders/placeOrder', { productId: 'CD1001', qty: -1, destAddr: secret }), 400, '/qty');
      await running?.close();
      running = undefined;
    }
    const written = logs.join('');
    assert.match(written, /\.order listening/, 'the log was captured');
    assert.match(written, /request refused/, 'requests were logged');
    assert.equal(written.includes(secret), false, 'the station name appears in the log');

    await assert.rejects(
      startService(defineOrderService('gasstation_station_identity'), { env: { DATA_DIR: dir.path, PORT: 'x', STATION_NAME: secret, STATION_CODE: 'C'.repeat(51) } }),
      (error: Error) => error instanceof ConfigError && /PORT/.test(error.message) && /STATION_CODE/.test(error.message) && !error.message.includes(secret),
    );
  });
});

