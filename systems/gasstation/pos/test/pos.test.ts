import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { envelop, systemClock, type DomainEvent } from '@eventide/core';
import { topicOf } from '@eventide/messaging';
import { startService, type RunningService } from '@eventide/service-host';
import { assertProblem, client, distributedMode, embeddedMode, type Setup, type Tap } from '@eventide/service-host/testing';
import { eventually } from '@eventide/testing';
import { definePosService } from '../src/service.ts';
import { startFakeStation, type FakeStation } from './fake-station.ts';

const modes = [embeddedMode('gasstation', 'pos'), await distributedMode('gasstation', 'pos', 'postgres', false)];

const masterChanged = (productId: string, price: number, productName = 'GAS'): DomainEvent => ({
  type: 'gasstation.MasterChanged',
  aggregateType: 'ProductMaster',
  aggregateId: productId,
  payload: { productId, productName, price },
});

for (const mode of modes) {
  describe(`${mode.tag}the pos service`, mode.options, () => {
    let setup: Setup;
    let pos: RunningService;
    let station: FakeStation;
    let tap: Tap;
    const http = client(() => pos.url);
    const within = { within: mode.within };

    before(async () => {
      setup = await mode.prepare();
      station = await startFakeStation();
      pos = await startService(definePosService(setup.system), {
        env: {
          ...setup.env,
          STATION_URL: station.url,
          // Long enough for a burst of 100 sales queued on a slow machine (500 ms timed out in CI); the
          // timeout test holds the station until released, so it waits this long once.
          STATION_TIMEOUT_MS: '2000',
          STATION_BREAKER_FAILURES: '3',
          STATION_HALF_OPEN_AFTER_MS: '300',
          POS_SETTLE_INTERVAL_MS: '100',
          POS_SALE_ABANDONED_AFTER_MS: '3000',
          LOG_LEVEL: 'error',
        },
      });
      tap = await setup.tap([topicOf(setup.system, 'pos')]);
    });
    after(async () => {
      station?.release();
      await tap?.close();
      await pos?.close();
      await station?.stop();
      await setup?.cleanup();
    });

    const form = async (path: string, parameters: Record<string, string>) => {
      const response = await fetch(`${pos.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(parameters).toString(),
      });
      return { status: response.status, headers: response.headers, body: JSON.parse(await response.text()) };
    };
    const sell = (productId: string, qty: number | string) => form('/sales', { productId, qty: String(qty) });
    const fromStation = (...events: DomainEvent[]) =>
      tap.publish(events.map((event) => ({ topic: topicOf(setup.system, 'station'), key: 'k', envelope: envelop(event, { clock: systemClock }) })));
    const onMenu = async (price = 2000) => {
      const productId = `P${randomUUID().slice(0, 8)}`;
      await fromStation(masterChanged(productId, price));
      await eventually(async () => assert.equal((await http.get(`/productMenus/${productId}`)).status, 200), within);
      return productId;
    };
    const salesOf = async (productId: string) =>
      (await http.get('/sales?size=1000')).body.filter((s: { productId: string }) => s.productId === productId);
    const published = (type: string, productId: string) =>
      tap.received.filter((e) => e.type === type && (e.payload as { productId: string }).productId === productId);
    const attempts = async () => Number((await pos.context.store.db.selectFrom('sale_attempts').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const outboxSize = async () =>
      Number((await pos.context.store.db.selectFrom('outbox').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

    it('follows the station master into its menu, paged, with the latest price', async () => {
      const productId = `P${randomUUID().slice(0, 8)}`;
      await fromStation(masterChanged(productId, 2000), masterChanged(productId, 2500, 'Gasoline'));
      await eventually(async () => assert.deepEqual((await http.get(`/productMenus/${productId}`)).body, { productId, productName: 'Gasoline', price: 2500 }), within);
      const menus = await http.get('/productMenus?size=1000');
      assert.equal(menus.headers.get('x-total-count'), String(menus.body.length));
      assert.ok(menus.body.some((m: { productId: string }) => m.productId === productId));
      assertProblem(await http.get('/productMenus/NOPE'), 404);
    });

    it('sells: the station decreases the stock under an Idempotency-Key, then the sale and Sold are recorded', async () => {
      const productId = await onMenu();
      const response = await sell(productId, 50);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.equal(response.body, true);
      const [sale] = await salesOf(productId);
      const expected = { saleId: sale.saleId, productId, productName: 'GAS', price: 2000, qty: 50, amount: 100000, accountId: 1, accountName: null };
      assert.deepEqual(sale, expected);
      assert.deepEqual((await http.get(`/sales/${sale.saleId}`)).body, expected);
      assert.equal(station.stock.get(productId), -50);
      assert.deepEqual([...station.applied.values()].filter((b) => b.productId === productId), [{ productId, productName: 'GAS', qty: -50 }]);
      await eventually(() => assert.equal(published('gasstation.Sold', productId).length, 1), within);
      assert.deepEqual(published('gasstation.Sold', productId)[0]?.payload, expected);
      assert.equal(published('gasstation.Sold', productId)[0]?.correlationId, String(sale.saleId));
      assert.equal(await attempts(), 0);
      const byQuery = await http.post(`/sales?productId=${productId}&qty=2.5`, undefined);
      assert.equal(byQuery.body, true);
      assert.equal(station.stock.get(productId), -52.5);
    });

    it('cancels a sale once: CanceledSold with the saleId, the sale gone from /sales; again false; unknown 404', async () => {
      const productId = await onMenu();
      await sell(productId, 10);
      const [sale] = await salesOf(productId);
      const cancelled = await form('/cancelSales', { saleId: String(sale.saleId) });
      assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
      assert.equal(cancelled.body, true);
      assertProblem(await http.get(`/sales/${sale.saleId}`), 404);
      assert.deepEqual(await salesOf(productId), []);
      assert.equal((await form('/cancelSales', { saleId: String(sale.saleId) })).body, false);
      assertProblem(await form('/cancelSales', { saleId: '99999' }), 404);
      assertProblem(await form('/cancelSales', { saleId: 'one' }), 400, '/saleId');
      await eventually(() => assert.equal(published('gasstation.CanceledSold', productId).length, 1), within);
      const [event] = published('gasstation.CanceledSold', productId);
      assert.deepEqual(event?.payload, sale);
      assert.equal(event?.aggregateId, String(sale.saleId), 'on the sale aggregate, so it follows its Sold on the same partition');
    });

    it('answers 503 with Retry-After while the station is down, records no sale and no Sold, gives back nothing it did not take, then sells once it is back', async () => {
      const productId = await onMenu();
      await eventually(async () => assert.equal(await outboxSize(), 0), within);
      await station.stop();
      try {
        const down = await sell(productId, 7);
        assertProblem(down, 503);
        assert.ok(Number(down.headers.get('retry-after')) >= 1);
        assert.match(down.body.detail, /station is unreachable/);
        assert.deepEqual(await salesOf(productId), []);
        assert.equal(await outboxSize(), 0, 'no Sold waits to be published');
        for (let i = 0; i < 3; i += 1) await sell(productId, 7);
        const open = await sell(productId, 7);
        assertProblem(open, 503);
        assert.match(open.body.detail, /circuit to station is open/);
      } finally {
        await station.start();
      }
      await eventually(async () => assert.equal(await attempts(), 0), within);
      assert.equal(station.stock.get(productId) ?? 0, 0, 'every decrease re-issued while settling was given back');
      await eventually(async () => assert.equal((await sell(productId, 7)).body, true), within);
      assert.equal((await salesOf(productId)).length, 1);
      assert.equal(station.stock.get(productId), -7);
      await eventually(() => assert.equal(published('gasstation.Sold', productId).length, 1), within);
    });

    it('gives back a decrease the station applied after POS gave up waiting (timeout), and records no sale', async () => {
      const productId = await onMenu();
      station.hold();
      let slow;
      try {
        slow = await sell(productId, 3);
      } finally {
        station.release();
      }
      assertProblem(slow, 503);
      assert.match(slow.body.detail, /did not answer within/);
      assert.equal(station.stock.get(productId), -3, 'the station did apply it');
      await eventually(async () => assert.equal(station.stock.get(productId), 0), within);
      await eventually(async () => assert.equal(await attempts(), 0), within);
      assert.deepEqual(await salesOf(productId), []);
    });

    it('settles a sale whose process died after the station applied its decrease (kill -9 between the call and the commit)', async () => {
      const productId = await onMenu();
      const key = randomUUID();
      await pos.context.store.db
        .insertInto('sale_attempts')
        .values({ attempt_key: key, product_id: productId, product_name: 'GAS', price: 2000, qty: 4, amount: 8000, state: 'calling', opened_at: Date.now() })
        .execute();
      const applied = await fetch(`${station.url}/stockFlows`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ productId, productName: 'GAS', qty: -4 }),
      });
      assert.equal(applied.status, 200);
      assert.equal(station.stock.get(productId), -4);
      await eventually(async () => assert.equal(await attempts(), 0), within);
      assert.equal(station.stock.get(productId), 0);
      assert.deepEqual(await salesOf(productId), []);
      assert.deepEqual(published('gasstation.Sold', productId), []);
    });

    it('records a sale sent with an Idempotency-Key once: a retry answers the same and takes no more stock; racing duplicates record one sale', async () => {
      const productId = await onMenu();
      const keyed = (key: string, qty: number) =>
        fetch(`${pos.url}/sales`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': key },
          body: new URLSearchParams({ productId, qty: String(qty) }).toString(),
        }).then(async (response) => ({ status: response.status, body: JSON.parse(await response.text()) }));
      const key = randomUUID();
      assert.deepEqual(await keyed(key, 3), { status: 200, body: true });
      assert.equal((await salesOf(productId)).length, 1);
      assert.equal(station.stock.get(productId), -3);
      assert.deepEqual(await keyed(key, 3), { status: 200, body: true });
      assert.equal((await salesOf(productId)).length, 1);
      assert.equal(station.stock.get(productId), -3);
      assert.equal((await keyed(key, 4)).status, 409);

      const raced = randomUUID();
      const answers = await Promise.all(Array.from({ length: 10 }, () => keyed(raced, 2)));
      assert.ok(answers.some((a) => a.status === 200 && a.body === true), JSON.stringify(answers));
      for (const answer of answers) assert.ok(answer.status === 200 || answer.status === 409, JSON.stringify(answer));
      assert.equal((await salesOf(productId)).length, 2);
      // A duplicate that took stock before it lost the race has voided its attempt by the time it
      // answers (none is left waiting to go stale), and settling gives the stock back.
      const calling = await pos.context.store.db.selectFrom('sale_attempts').select('attempt_key').where('state', '=', 'calling').execute();
      assert.deepEqual(calling, []);
      await eventually(async () => assert.equal(await attempts(), 0), within);
      assert.equal(station.stock.get(productId), -5);
      await eventually(() => assert.equal(published('gasstation.Sold', productId).length, 2), within);
    });

    it('records 100 concurrent sales, each decreased once at the station', async () => {
      const productId = await onMenu(1500);
      const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => sell(productId, 1 + (i % 5))));
      assert.deepEqual(new Set(answers.map((a) => a.body)), new Set([true]));
      const sales = await salesOf(productId);
      assert.equal(sales.length, 100);
      assert.equal(new Set(sales.map((s: { saleId: number }) => s.saleId)).size, 100);
      const total = sales.reduce((sum: number, s: { qty: number }) => sum + s.qty, 0);
      assert.equal(station.stock.get(productId), -total);
      await eventually(() => assert.equal(published('gasstation.Sold', productId).length, 100), within);
    });

    it('refuses bad input with 400/404 problems, calling nobody, writing and publishing nothing', async () => {
      const productId = await onMenu();
      await eventually(async () => assert.equal(await outboxSize(), 0), within);
      const calls = station.calls.length;
      const total = (await http.get('/sales')).headers.get('x-total-count');
      const at = Date.now();

      assertProblem(await sell('UNKNOWN', 5), 404);
      assertProblem(await sell(productId, -5), 400, '/qty');
      assertProblem(await sell(productId, 0), 400, '/qty');
      assertProblem(await sell(productId, 'lots'), 400, '/qty');
      assertProblem(await sell(productId, '1e400'), 400, '/qty');
      assertProblem(await sell(productId, 'Infinity'), 400, '/qty');
      assertProblem(await form('/sales', { productId }), 400, '/qty');
      assertProblem(await form('/sales', { qty: '5' }), 400, '/productId');
      assertProblem(await form('/sales', { productId, qty: '5', price: '1' }), 400, '/price');
      assertProblem(await sell('CD 1001', 5), 400, '/productId');

      assert.equal(station.calls.length, calls);
      assert.equal((await http.get('/sales')).headers.get('x-total-count'), total);
      assert.equal(await attempts(), 0);
      assert.equal(await outboxSize(), 0);
      assert.deepEqual(tap.received.filter((e) => Date.parse(e.occurredAt) >= at), []);
    });
  });
}
