import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { eventually } from '@eventide/testing';
import { startGateway } from '../src/index.ts';
import { call, captureLog, startHarness, type Harness } from './support/harness.ts';
import { startFakeService, type FakeService } from './support/upstream.ts';

describe('the routing file', () => {
  let a: FakeService;
  let b: FakeService;
  let harness: Harness;
  let base: string;

  before(async () => {
    a = await startFakeService('a');
    b = await startFakeService('b');
    harness = await startHarness({ routes: [{ prefix: '/items', service: 'shop/item' }], upstreams: { 'shop/item': [a.url] } });
    base = harness.gateway.url;
  });
  after(async () => {
    await harness.close();
    await Promise.all([a.close(), b.close()]);
  });

  it('is watched: a new route works without a restart', async () => {
    assert.equal((await call(`${base}/payments/1`)).status, 404);
    await harness.writeRoutes({
      routes: [
        { prefix: '/items', service: 'shop/item' },
        { prefix: '/payments', service: 'shop/payment' },
      ],
      upstreams: { 'shop/item': [a.url], 'shop/payment': [b.url] },
    });
    await eventually(async () => assert.equal((await call(`${base}/payments/1`)).headers['x-replica'], 'b'), { what: 'the new route' });
  });

  it('is watched: a replica added by scaling takes traffic once ready, a removed one none', async () => {
    await harness.writeRoutes({ routes: [{ prefix: '/items', service: 'shop/item' }], upstreams: { 'shop/item': [a.url, b.url] } });
    await eventually(async () => assert.equal((await call(`${base}/items/1`)).headers['x-replica'], 'b'), { what: 'b to take traffic' });

    await harness.writeRoutes({ routes: [{ prefix: '/items', service: 'shop/item' }], upstreams: { 'shop/item': [b.url] } });
    await eventually(
      async () => {
        const before = a.seen.length;
        for (let i = 0; i < 10; i++) assert.equal((await call(`${base}/items/1`)).headers['x-replica'], 'b');
        assert.equal(a.seen.length, before);
      },
      { what: 'a to take no traffic' },
    );
  });

  it('keeps the last good routes when a rewrite is not JSON or breaks a rule', async () => {
    const log = captureLog();
    const own = await startHarness({ routes: [{ prefix: '/items', service: 'shop/item' }], upstreams: { 'shop/item': [a.url] } }, { logger: log.logger });
    try {
      await writeFile(own.routesFile, '{"routes": [{"prefix": "/items"');
      await eventually(() => assert.ok(log.messages().some((m) => m.startsWith('routing file rejected'))), { what: 'the half-written file to be read' });
      assert.equal((await call(`${own.gateway.url}/items/1`)).headers['x-replica'], 'a');

      await own.writeRoutes({ routes: [{ prefix: '/items', service: 'missing' }], upstreams: {} });
      await eventually(() => assert.equal(log.messages().filter((m) => m.startsWith('routing file rejected')).length, 2));
      assert.equal((await call(`${own.gateway.url}/items/1`)).headers['x-replica'], 'a');
    } finally {
      await own.close();
    }
  });

  it('must exist and be valid when the gateway starts', async () => {
    await assert.rejects(startGateway({ routesFile: '/nonexistent/routes.json', port: 0 }), { code: 'ENOENT' });
    await writeFile(`${harness.routesFile}.bad`, '{"routes": []}');
    await assert.rejects(startGateway({ routesFile: `${harness.routesFile}.bad`, port: 0 }), { name: 'RoutesError' });
  });
});
