import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { envelop, systemClock, type DomainEvent } from '@eventide/core';
import { openEmbeddedBus, type Bus } from '@eventide/messaging';
import { startService, type RunningService } from '@eventide/service-host';
import { assertProblem, client } from '@eventide/service-host/testing';
import { eventually, freePort, spawnNode, tempDir } from '@eventide/testing';
import { definePosService } from '../src/service.ts';

/**
 * POS with the real station, as the runner runs them (embedded: one data directory, the embedded
 * bus): the station is its own process started from its main.ts, so it can be killed and started
 * again; POS runs in this process. Products come from the head office's ProductChanged and stock
 * from a confirmed shipment, as in the seed scenario (spec E.8).
 */
const stationMain = fileURLToPath(new URL('../../station/src/main.ts', import.meta.url));
const within = { within: 30_000 };

const event = (type: string, aggregateType: string, aggregateId: string | number, payload: object): DomainEvent => ({ type, aggregateType, aggregateId, payload });

describe('pos selling against the real station, which is killed and started again', () => {
  const dir = tempDir('gasstation-pos-station-');
  const env = { DATA_DIR: dir.path, LOG_LEVEL: 'error' };
  let stationProcess: ChildProcess | undefined;
  let stationUrl = '';
  let pos: RunningService;
  let bus: Bus;
  const station = client(() => stationUrl);
  const http = client(() => pos.url);

  const startStation = async (port: number) => {
    stationUrl = `http://127.0.0.1:${port}`;
    stationProcess = spawnNode(stationMain, [], { env: { PATH: process.env.PATH, ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] });
    await eventually(async () => assert.equal((await fetch(`${stationUrl}/health/ready`)).status, 200), within);
  };
  const killStation = async () => {
    const child = stationProcess;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  };
  const form = async (base: string, path: string, parameters: Record<string, string>) => {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(parameters).toString(),
    });
    return { status: response.status, headers: response.headers, body: JSON.parse(await response.text()) };
  };
  const sell = (qty: number) => form(pos.url, '/sales', { productId: 'CD1001', qty: String(qty) });
  const publish = (topic: string, ...events: DomainEvent[]) =>
    bus.publisher.publish(events.map((e) => ({ topic, key: String(e.aggregateId), envelope: envelop(e, { clock: systemClock }) })));

  before(async () => {
    await startStation(await freePort());
    pos = await startService(definePosService(), {
      env: { ...env, PORT: '0', STATION_URL: stationUrl, STATION_TIMEOUT_MS: '1000', STATION_HALF_OPEN_AFTER_MS: '200', POS_SETTLE_INTERVAL_MS: '100' },
    });
    bus = await openEmbeddedBus({ path: join(dir.path, 'bus.db') });
    await bus.ensureTopics(['gasstation.order', 'gasstation.logistics']);
  });
  after(async () => {
    await bus?.close();
    await pos?.close();
    await killStation();
    dir.remove();
  });

  it('follows the master from the head office, sells 100 at once and cancels 30: both summaries equal what the other 70 imply', async () => {
    await publish('gasstation.order', event('gasstation.ProductChanged', 'Product', 'CD1001', { productId: 'CD1001', productName: 'GAS', price: 2000, resend: false }));
    await publish(
      'gasstation.logistics',
      event('gasstation.Shipped', 'Shipment', 1, { shipId: 1, orderId: 1, carNumber: 'CAR#1', destAddr: 'SK Imme Station', productId: 'CD1001', productName: 'GAS', qty: 100000 }),
    );
    await eventually(async () => assert.deepEqual((await station.get('/productMasters')).body, [{ productId: 'CD1001', productName: 'GAS', price: 2000 }]), within);
    await eventually(async () => assert.deepEqual((await http.get('/productMenus/CD1001')).body, { productId: 'CD1001', productName: 'GAS', price: 2000 }), within);
    await eventually(async () => assert.equal((await station.get('/stockFlows/search/findByOrderId?order_id=1')).body.length, 1), within);
    assert.equal((await form(stationUrl, '/stocks/confirmStock', { orderId: '1' })).body, true);

    const quantities = Array.from({ length: 100 }, (_, i) => 1 + (i % 7));
    const sold = await Promise.all(quantities.map((qty) => sell(qty)));
    assert.deepEqual(new Set(sold.map((a) => a.body)), new Set([true]));
    const sales: { saleId: number; qty: number }[] = (await http.get('/sales?size=1000')).body;
    assert.equal(sales.length, 100);
    const cancelled = await Promise.all(sales.slice(0, 30).map((s) => form(pos.url, '/cancelSales', { saleId: String(s.saleId) })));
    assert.deepEqual(new Set(cancelled.map((a) => a.body)), new Set([true]));

    const remaining = sales.slice(30).reduce((sum, s) => sum + s.qty, 0);
    await eventually(
      async () => assert.deepEqual((await station.get('/salesSummaries/CD1001')).body, { productId: 'CD1001', productName: 'GAS', qty: remaining, amount: remaining * 2000 }),
      within,
    );
    await eventually(async () => assert.deepEqual((await station.get('/stockSummaries/CD1001')).body, { productId: 'CD1001', productName: 'GAS', qty: 100000 - remaining }), within);
  });

  it('answers 503 with Retry-After and records nothing while the station is killed, then sells once it is back, the stock decreased once', async () => {
    const stockBefore = (await station.get('/stockSummaries/CD1001')).body.qty;
    const salesBefore = (await http.get('/sales')).headers.get('x-total-count');
    const port = Number(new URL(stationUrl).port);
    await killStation();
    const down = await sell(9);
    assertProblem(down, 503);
    assert.ok(Number(down.headers.get('retry-after')) >= 1);
    assert.equal((await http.get('/sales')).headers.get('x-total-count'), salesBefore);
    const outbox = await pos.context.store.db.selectFrom('outbox').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(outbox.n), 0, 'no Sold waits to be published');

    await startStation(port);
    await eventually(async () => assert.equal((await sell(9)).body, true), within);
    assert.equal(Number((await http.get('/sales')).headers.get('x-total-count')), Number(salesBefore) + 1);
    await eventually(async () => assert.equal((await station.get('/stockSummaries/CD1001')).body.qty, stockBefore - 9), within);
    await eventually(async () => assert.equal((await station.get('/salesSummaries/CD1001')).body.qty, 100000 - stockBefore + 9), within);
  });
});
