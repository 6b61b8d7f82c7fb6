import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { routingTable } from '@eventide/gateway';
import { tempDir } from '@eventide/testing';
import { parseGatewayCounts, routesDocument, routesWriter, type RoutedService } from './routing.ts';

const item: RoutedService = { system: 'gdmarket', service: 'item', routes: ['/items', '/itemInfoes'], upstreams: ['http://127.0.0.1:8081'] };
const payment: RoutedService = { system: 'gdmarket', service: 'payment', routes: ['/payments'], upstreams: [] };

describe('the routing file', () => {
  it('routes a system alone by the seed’s own paths and by /<system> paths, which the gateway accepts', () => {
    const table = routingTable(routesDocument([item, payment], 'alone'));
    assert.deepEqual(table.match('/items/1?x=1'), {
      route: { prefix: '/items', service: 'gdmarket/item', stripPrefix: undefined, access: undefined, rateLimit: undefined },
      upstreamPath: '/items/1?x=1',
    });
    assert.equal(table.match('/gdmarket/items/1')?.upstreamPath, '/items/1');
    assert.deepEqual(table.upstreams.get('gdmarket/item'), ['http://127.0.0.1:8081']);
  });

  it('routes systems together only under /<system>, stripped before forwarding', () => {
    const table = routingTable(routesDocument([item], 'together'));
    assert.equal(table.match('/items'), undefined);
    assert.equal(table.match('/gdmarket/itemInfoes?page=2')?.upstreamPath, '/itemInfoes?page=2');
  });

  it('keeps the routes of a service with no replica, so the gateway answers 503 rather than 404', () => {
    const table = routingTable(routesDocument([payment], 'alone'));
    assert.equal(table.match('/payments')?.route.service, 'gdmarket/payment');
    assert.deepEqual(table.upstreams.get('gdmarket/payment'), []);
  });

  it('gives each route the system rules that can match under it, roles named as tokens carry them, any role meaning any of this system', () => {
    const access = [
      { methods: ['GET'], path: '/**', roles: 'any' as const },
      { methods: ['POST'], path: '/items', roles: ['item-manager'] },
      { methods: ['PATCH'], path: '/items/*', roles: ['item-manager'], rateLimit: { requests: 5, perSeconds: 1 } },
      { methods: ['POST'], path: '/payments', roles: ['renter'] },
    ];
    const document = routesDocument([{ ...item, access }], 'alone');
    const itemsRoute = document.routes.find((r) => r.prefix === '/gdmarket/items');
    assert.deepEqual(itemsRoute?.access, [
      { methods: ['GET'], path: '/**', roles: ['gdmarket/*'] },
      { methods: ['POST'], path: '/items', roles: ['gdmarket/item-manager'] },
      { methods: ['PATCH'], path: '/items/*', roles: ['gdmarket/item-manager'], rateLimit: { requests: 5, perSeconds: 1 } },
    ]);
    assert.deepEqual(document.routes.find((r) => r.prefix === '/itemInfoes')?.access, [{ methods: ['GET'], path: '/**', roles: ['gdmarket/*'] }]);
    assert.equal(routingTable(document).match('/items/1')?.route.access?.length, 3);
  });

  const dir = tempDir('eventide-runner-routes-');
  after(() => dir.remove());

  it('is replaced whole, the last of overlapping writes winning and no temp file left', async () => {
    const file = join(dir.path, 'routes.json');
    const write = routesWriter(file);
    await Promise.all([1, 2, 3, 4, 5].map((n) => write(routesDocument([{ ...item, upstreams: [`http://127.0.0.1:${8000 + n}`] }], 'alone'))));
    const written = JSON.parse(await readFile(file, 'utf8')) as { upstreams: Record<string, string[]> };
    assert.deepEqual(written.upstreams['gdmarket/item'], ['http://127.0.0.1:8005']);
    assert.deepEqual(await readdir(dir.path), ['routes.json']);
  });
});

describe('reading the gateway’s view', () => {
  it('takes listed and ready replicas per service from its gauges', () => {
    const metrics = [
      '# HELP gateway_ready_replicas Replicas of each service that are ready and take traffic',
      '# TYPE gateway_ready_replicas gauge',
      'gateway_ready_replicas{service="gdmarket/item"} 1',
      'gateway_ready_replicas{service="gdmarket/payment"} 0',
      'gateway_replicas{service="gdmarket/item"} 2',
      'gateway_replicas{service="gdmarket/payment"} 0',
      'gateway_requests_total{route="/items",status="200"} 12',
    ].join('\n');
    assert.deepEqual(
      [...parseGatewayCounts(metrics)],
      [
        ['gdmarket/item', { listed: 2, ready: 1 }],
        ['gdmarket/payment', { listed: 0, ready: 0 }],
      ],
    );
  });
});
