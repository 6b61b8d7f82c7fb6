import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasDotSegment, RoutesError, routingTable } from './routes.ts';

const table = routingTable({
  routes: [
    { prefix: '/gdmarket/items', service: 'gdmarket/item', stripPrefix: '/gdmarket' },
    { prefix: '/items', service: 'gdmarket/item' },
    { prefix: '/items/search', service: 'gdmarket/search' },
    { prefix: '/itemInfoes', service: 'gdmarket/item' },
  ],
  upstreams: { 'gdmarket/item': ['http://127.0.0.1:8081', 'http://127.0.0.1:18081/'], 'gdmarket/search': [] },
});

describe('routing table', () => {
  it('matches a prefix on whole path segments only', () => {
    assert.equal(table.match('/items')?.route.prefix, '/items');
    assert.equal(table.match('/items/1')?.route.prefix, '/items');
    assert.equal(table.match('/items?page=2')?.route.prefix, '/items');
    assert.equal(table.match('/items/')?.route.prefix, '/items');
    assert.equal(table.match('/itemsx'), undefined);
    assert.equal(table.match('/item'), undefined);
    assert.equal(table.match('/'), undefined);
  });

  it('prefers the longest matching prefix', () => {
    assert.equal(table.match('/items/search/findByItemNo?itemNo=1')?.route.service, 'gdmarket/search');
    assert.equal(table.match('/items/searching')?.route.service, 'gdmarket/item');
    assert.equal(table.match('/itemInfoes/3')?.route.prefix, '/itemInfoes');
  });

  it('strips the stripPrefix and keeps the rest of the path and the query', () => {
    assert.equal(table.match('/gdmarket/items/7?x=1')?.upstreamPath, '/items/7?x=1');
    assert.equal(table.match('/gdmarket/items')?.upstreamPath, '/items');
    assert.equal(table.match('/items/7?x=1')?.upstreamPath, '/items/7?x=1');
  });

  it('forwards / when stripping leaves nothing', () => {
    const whole = routingTable({ routes: [{ prefix: '/g', service: 's', stripPrefix: '/g' }], upstreams: { s: [] } });
    assert.equal(whole.match('/g')?.upstreamPath, '/');
    assert.equal(whole.match('/g?a=1')?.upstreamPath, '/?a=1');
  });

  it('lets a / prefix catch every path the others miss', () => {
    const withRoot = routingTable({ routes: [{ prefix: '/', service: 'web' }, { prefix: '/api', service: 'api' }], upstreams: { web: [], api: [] } });
    assert.equal(withRoot.match('/api/x')?.route.service, 'api');
    assert.equal(withRoot.match('/apix')?.route.service, 'web');
  });

  it('keeps replica URLs as origins', () => {
    assert.deepEqual(table.upstreams.get('gdmarket/item'), ['http://127.0.0.1:8081', 'http://127.0.0.1:18081']);
  });

  it('rejects a file that breaks the schema, naming where', () => {
    assert.throws(
      () => routingTable({ routes: [{ prefix: 'items', service: 's' }], upstreams: { s: ['ftp://x'] } }),
      (error: unknown) => error instanceof RoutesError && /\/routes\/0\/prefix/.test(error.message) && /\/upstreams\/s\/0/.test(error.message),
    );
    assert.throws(() => routingTable({ routes: [{ prefix: '/items/', service: 's' }], upstreams: { s: [] } }), RoutesError);
    assert.throws(() => routingTable({ routes: [], upstreams: { s: ['http://h:1/base'] } }), RoutesError);
  });

  it('rejects a route to an unknown service, a duplicate prefix and a stripPrefix that is not a segment prefix', () => {
    assert.throws(() => routingTable({ routes: [{ prefix: '/a', service: 'nope' }], upstreams: {} }), /no upstreams entry/);
    assert.throws(
      () => routingTable({ routes: [{ prefix: '/a', service: 's' }, { prefix: '/a', service: 's' }], upstreams: { s: [] } }),
      /routed twice/,
    );
    assert.throws(
      () => routingTable({ routes: [{ prefix: '/abc/d', service: 's', stripPrefix: '/ab' }], upstreams: { s: [] } }),
      /not a segment prefix/,
    );
  });
});

describe('dot segments', () => {
  it('are found plain or percent-encoded, in the path only', () => {
    for (const url of ['/items/../admin', '/items/./1', '/items/%2e%2e/admin', '/items/%2E./x', '/..']) assert.ok(hasDotSegment(url), url);
    for (const url of ['/items/1', '/items/a..b', '/items/.hidden', '/items?x=/../']) assert.ok(!hasDotSegment(url), url);
  });
});
