import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startRunner, type RunningRunner } from '@eventide/runner';
import { assertProblem, client, distributedRun, embeddedRun } from '@eventide/service-host/testing';
import { eventually, tempDir } from '@eventide/testing';
import { seedDemonstration, services, type Service } from './seed-demonstration.ts';

/**
 * The gas station as a user runs it: `npm start -- gasstation` (every service its own process, the
 * authorization server and the gateway in front), driven only through the gateway with each role's
 * token, and the runner's stop/start as the seed's operators did by hand. Once on the embedded
 * default, once distributed as the README shows it: Kafka, POS, Order, Logistics and Commission on
 * PostgreSQL, Station on MariaDB, OrderStatus on Redis.
 */
const within = 30_000;

/** The role whose token calls each service's commands (systems/gasstation/system.ts, access). */
const roleOf: Record<Service, string> = {
  pos: 'pos',
  station: 'station-manager',
  order: 'head-office',
  logistics: 'head-office',
  commission: 'head-office',
};

const distributed = await distributedRun('gasstation', {
  pos: { store: 'postgres' },
  station: { store: 'mariadb' },
  order: { store: 'postgres', redis: true },
  logistics: { store: 'postgres' },
  commission: { store: 'postgres' },
});

for (const mode of [embeddedRun, distributed]) describe(`${mode.tag}gasstation through the gateway, each service its own process`, mode.options, () => {
  const dir = tempDir('gasstation-e2e-');
  let runner: RunningRunner;
  let cleanup = async () => undefined as unknown;
  const tokens = new Map<Service, string>();
  const call = Object.fromEntries(
    services.map((s) => [s, client(() => runner.gatewayUrl, () => ({ authorization: `Bearer ${tokens.get(s)}` }))]),
  ) as Record<Service, ReturnType<typeof client>>;

  before(async () => {
    const prepared = await mode.prepare();
    cleanup = prepared.cleanup;
    runner = await startRunner({
      systems: ['gasstation'],
      dataDir: dir.path,
      ports: 'ephemeral',
      output: () => undefined,
      env: { ...process.env, ...prepared.env, GASSTATION_ORDER_STATION_NAME: 'SK Imme', GASSTATION_POS_STATION_HALF_OPEN_AFTER_MS: '200' },
    });
    for (const service of services) tokens.set(service, await runner.token('gasstation', roleOf[service]));
  });
  after(async () => {
    await runner?.close();
    await cleanup();
    dir.remove();
  });

  const stop = async (service: Service) => void (await runner.stop(`gasstation/${service}`));
  const start = async (service: Service) => void (await runner.start(`gasstation/${service}`));
  const portOf = async (service: Service) =>
    (await runner.status()).services.find((s) => s.name === `gasstation/${service}`)!.replicas[0]!.port;

  it('runs the seed demonstration (spec E.8 steps 0 to 7) through the gateway', async () => {
    await seedDemonstration({ call, commission: true, within, stop, start }, 'SK Imme, ST0001');
  });

  it('applies a price change made while station and POS were down once they are back', async () => {
    await stop('station');
    await stop('pos');
    assert.deepEqual((await call.order.form('/products/sync', { productId: 'CD1004', price: 1700 })).body, true);
    await start('station');
    await start('pos');
    await eventually(async () => {
      assert.equal((await call.station.get('/productMasters/CD1004')).body.price, 1700);
      assert.equal((await call.pos.get('/productMenus/CD1004')).body.price, 1700);
    }, { within, what: 'the price change at the station and on the POS menu after their restart' });
  });

  it('rebuilds OrderStatus, StockSummary and SalesSummary from scratch with the same rows', async () => {
    const views: [Service, string, string][] = [
      ['order', 'orderStatusView', '/orderStatuses?size=1000'],
      ['station', 'stockSummaries', '/stockSummaries?size=1000'],
      ['station', 'salesSummaryView', '/salesSummaries?size=1000'],
    ];
    for (const [service, name, path] of views) {
      const before = (await call[service].get(path)).body as unknown[];
      assert.ok(before.length > 0, `${path} has rows to rebuild`);
      const rebuilt = await fetch(`http://127.0.0.1:${await portOf(service)}/admin/read-models/${name}/rebuild`, { method: 'POST' });
      assert.equal(rebuilt.status, 200, await rebuilt.text());
      // The same rows; listed in creation order, which follows the replay: across partitions it may differ.
      const rows = (body: unknown) => (body as unknown[]).map((row) => JSON.stringify(row)).sort();
      assert.deepEqual(rows((await call[service].get(path)).body), rows(before), `${name} after its rebuild`);
    }
  });

  it('answers bad input to a sale through the gateway with 400, 404 and 413 problems, selling nothing', async () => {
    const sales = async () => Number((await call.pos.get('/sales')).headers.get('x-total-count'));
    const before = await sales();
    assertProblem(await call.pos.form('/sales', { productId: 'CD9999', qty: 1 }), 404);
    assertProblem(await call.pos.form('/sales', { productId: 'CD1001', qty: -1 }), 400, '/qty');
    assertProblem(await call.pos.form('/sales', { productId: 'CD1001', qty: 'ten' }), 400, '/qty');
    assertProblem(await call.pos.form('/sales', { qty: 1 }), 400, '/productId');
    assertProblem(await call.pos.form('/sales', { productId: 'C'.repeat(2 * 1_048_576), qty: 1 }), 413);
    assertProblem(await call.pos.form('/cancelSales', { saleId: 'first' }), 400, '/saleId');
    assert.equal(await sales(), before);
  });

  it('refuses a role calling another role’s command, and a call without a token, changing nothing', async () => {
    const pos = client(() => runner.gatewayUrl, () => ({ authorization: `Bearer ${tokens.get('pos')}` }));
    const sales = Number((await call.pos.get('/sales')).headers.get('x-total-count'));
    assert.equal((await pos.form('/orders/placeOrder', { productId: 'CD1001', qty: 1, destAddr: 'x' })).status, 403);
    assert.equal((await client(() => runner.gatewayUrl).form('/sales', { productId: 'CD1001', qty: 1 })).status, 401);
    assert.equal(Number((await call.pos.get('/sales')).headers.get('x-total-count')), sales);
  });
});
