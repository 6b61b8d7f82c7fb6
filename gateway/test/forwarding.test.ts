import assert from 'node:assert/strict';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { setTimeout } from 'node:timers/promises';
import { eventually } from '@eventide/testing';
import { request } from 'undici';
import { call, startHarness, type Harness } from './support/harness.ts';
import { startFakeService, type FakeService } from './support/upstream.ts';

describe('forwarding', () => {
  let items: FakeService;
  let search: FakeService;
  let harness: Harness;
  let base: string;

  before(async () => {
    items = await startFakeService('items');
    search = await startFakeService('search');
    harness = await startHarness({
      routes: [
        { prefix: '/shop/items', service: 'shop/item', stripPrefix: '/shop' },
        { prefix: '/items', service: 'shop/item' },
        { prefix: '/items/search', service: 'shop/search' },
      ],
      upstreams: { 'shop/item': [items.url], 'shop/search': [search.url] },
    }, { bodyLimit: 16 * 1_048_576 });
    base = harness.gateway.url;
  });
  after(async () => {
    await harness.close();
    await Promise.all([items.close(), search.close()]);
  });

  it('forwards method, path and query to the service the prefix names', async () => {
    const answer = await call(`${base}/items/7?page=2&size=5`);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['x-replica'], 'items');
    assert.equal(answer.json().url, '/items/7?page=2&size=5');
  });

  it('removes the stripPrefix before forwarding', async () => {
    const answer = await call(`${base}/shop/items/7?x=1`);
    assert.equal(answer.headers['x-replica'], 'items');
    assert.equal(answer.json().url, '/items/7?x=1');
  });

  it('sends a path to the longest matching prefix', async () => {
    const answer = await call(`${base}/items/search/findByItemNo?itemNo=3`);
    assert.equal(answer.headers['x-replica'], 'search');
    assert.equal(answer.json().url, '/items/search/findByItemNo?itemNo=3');
  });

  it('answers 404 problem+json for a path no route covers, on a whole-segment basis', async () => {
    for (const path of ['/nothing', '/itemsx', '/shop']) {
      const answer = await call(`${base}${path}`);
      assert.equal(answer.status, 404, path);
      assert.equal(answer.headers['content-type'], 'application/problem+json');
      assert.deepEqual(answer.json(), { type: 'about:blank', title: 'Not Found', status: 404, detail: `no route for ${path}` });
    }
  });

  it('refuses a path with a dot segment, so a prefix cannot be escaped upstream', async () => {
    const before = items.seen.length;
    const answer = await call(`${base}/items/%2e%2e/admin`);
    assert.equal(answer.status, 400);
    assert.equal(items.seen.length, before);
  });

  it('passes a POST body up and the 201 and body back, with the stripped prefix restored in Location', async () => {
    const answer = await call(`${base}/shop/items`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ itemName: 'tent', itemPrice: 3000 }),
    });
    assert.equal(answer.status, 201);
    assert.match(String(answer.headers.location), /^\/shop\/items\/\d+$/);
    assert.deepEqual(answer.json().received, { itemName: 'tent', itemPrice: 3000 });
  });

  it('creates a request id and a correlation id when the client sent none, forwards them and returns them', async () => {
    const answer = await call(`${base}/items/1`);
    const seen = answer.json<{ headers: Record<string, string> }>().headers;
    assert.match(seen['x-request-id'] ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(seen['x-correlation-id'], seen['x-request-id']);
    assert.equal(answer.headers['x-request-id'], seen['x-request-id']);
  });

  it('forwards the client request and correlation ids unchanged', async () => {
    const answer = await call(`${base}/items/1`, { headers: { 'x-request-id': 'req-1', 'x-correlation-id': 'reservation-42' } });
    const seen = answer.json<{ headers: Record<string, string> }>().headers;
    assert.equal(seen['x-request-id'], 'req-1');
    assert.equal(seen['x-correlation-id'], 'reservation-42');
  });

  it('replaces a request or correlation id that is not a plain token, so logs cannot be forged through it', async () => {
    const answer = await call(`${base}/items/1`, { headers: { 'x-request-id': 'a b\tc', 'x-correlation-id': 'x'.repeat(200) } });
    const seen = answer.json<{ headers: Record<string, string> }>().headers;
    assert.match(seen['x-request-id'] ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(seen['x-correlation-id'], seen['x-request-id']);
  });

  it('sets x-forwarded-for, -proto and -host from this hop over what the client claims, and drops hop-by-hop headers', async () => {
    const host = new URL(base).host;
    const answer = await call(`${base}/items/1`, {
      headers: {
        'x-forwarded-for': '10.0.0.1',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'bank.example',
        'x-secret-hop': 'a',
        connection: 'x-secret-hop',
        'proxy-authorization': 'Basic x',
        accept: 'application/json',
      },
    });
    const seen = answer.json<{ headers: Record<string, string> }>().headers;
    assert.equal(seen['x-forwarded-for'], '127.0.0.1');
    assert.equal(seen['x-forwarded-proto'], 'http');
    assert.equal(seen['x-forwarded-host'], host);
    assert.equal(seen['x-secret-hop'], undefined);
    assert.equal(seen['proxy-authorization'], undefined);
    assert.equal(seen.accept, 'application/json');
    assert.notEqual(seen.host, host);
  });

  it('keeps and extends x-forwarded-* when told a trusted proxy is in front', async () => {
    const trusting = await startHarness({ routes: [{ prefix: '/items', service: 'shop/item' }], upstreams: { 'shop/item': [items.url] } }, { trustForwarded: true });
    try {
      const answer = await call(`${trusting.gateway.url}/items/1`, { headers: { 'x-forwarded-for': '10.0.0.1', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'shop.example' } });
      const seen = answer.json<{ headers: Record<string, string> }>().headers;
      assert.deepEqual([seen['x-forwarded-for'], seen['x-forwarded-proto'], seen['x-forwarded-host']], ['10.0.0.1, 127.0.0.1', 'https', 'shop.example']);
    } finally {
      await trusting.close();
    }
  });

  it('streams a request body up and the answer back as they flow, buffering neither', { timeout: 10_000 }, async () => {
    const upload = new PassThrough();
    const pending = request(`${base}/items/echo`, { method: 'POST', body: upload, headers: { 'content-type': 'application/octet-stream' } });
    upload.write(Buffer.alloc(65_536, 'a'));
    const response = await pending;
    const chunks = response.body[Symbol.asyncIterator]();
    const first = await chunks.next();
    // The upload is still open: the echo could only have come back through a streaming gateway.
    assert.ok(!upload.writableEnded);
    assert.equal((first.value as Buffer)[0], 'a'.charCodeAt(0));
    let received = (first.value as Buffer).length;
    const rest = (async () => {
      for (let next = await chunks.next(); next.done !== true; next = await chunks.next()) received += (next.value as Buffer).length;
    })();
    for (let i = 0; i < 64; i++) if (!upload.write(Buffer.alloc(65_536, 'b'))) await once(upload, 'drain');
    upload.end();
    await rest;
    assert.equal(received, 65 * 65_536);
  });

  it('gives up a streamed upload the client abandons, and goes on serving', async () => {
    const create = async () => (await call(`${base}/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json<{ id: number }>().id;
    const created = await create();
    const before = items.seen.length;
    const upload = new PassThrough();
    const pending = request(`${base}/items`, { method: 'POST', body: upload, headers: { 'content-type': 'application/json' } });
    upload.write(`"${'a'.repeat(65_536)}`);
    await eventually(() => assert.equal(items.seen.length, before + 1), { what: 'the upload to reach the service' });
    upload.destroy(new Error('the client went away'));
    await assert.rejects(pending);
    // The service never got the whole body, so the abandoned upload created nothing.
    assert.equal(await create(), created + 1);
  });

  it('streams a large answer back whole', async () => {
    const response = await request(`${base}/items/bytes?n=${8 * 1_048_576}`);
    assert.equal(response.statusCode, 200);
    let received = 0;
    for await (const chunk of response.body) received += (chunk as Buffer).length;
    assert.equal(received, 8 * 1_048_576);
  });

  it('holds the upstream back while the client does not read', async () => {
    const total = 256 * 1_048_576;
    const start = items.bytesSent;
    const response = await request(`${base}/items/bytes?n=${total}`);
    const chunks = response.body[Symbol.asyncIterator]();
    await chunks.next();
    // Stalled means two looks 100 ms apart see the same count: the socket buffers are full.
    const stalledAt = await eventually(async () => {
      const before = items.bytesSent;
      await setTimeout(100);
      assert.equal(items.bytesSent, before);
      return before - start;
    }, { what: 'the upstream to stall' });
    assert.ok(stalledAt < total / 4, `the upstream sent ${stalledAt} of ${total} bytes to a client that read one chunk`);
    response.body.destroy();
  });
});

describe('a request body over the limit', () => {
  const limit = 64 * 1_024;
  let items: FakeService;
  let harness: Harness;
  let base: string;

  before(async () => {
    items = await startFakeService('items');
    harness = await startHarness({ routes: [{ prefix: '/items', service: 'shop/item' }], upstreams: { 'shop/item': [items.url] } }, { bodyLimit: limit });
    base = harness.gateway.url;
  });
  after(async () => {
    await harness.close();
    await items.close();
  });

  /** A JSON text of exactly `bytes` bytes. */
  const jsonOf = (bytes: number): string => JSON.stringify('a'.repeat(bytes - 2));

  it('is answered 413 by the gateway when its Content-Length says so, and the service never sees it', async () => {
    const before = items.seen.length;
    const answer = await call(`${base}/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: jsonOf(limit + 1) });
    assert.equal(answer.status, 413);
    assert.equal(answer.headers['content-type'], 'application/problem+json');
    assert.deepEqual(answer.json(), { type: 'urn:problem:payload_too_large', title: 'Content Too Large', status: 413, detail: `the request body is larger than ${limit} bytes` });
    assert.equal(items.seen.length, before);
    const atTheLimit = await call(`${base}/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: jsonOf(limit) });
    assert.equal(atTheLimit.status, 201);
  });

  it('is answered 413 when a streamed body grows past it, and nothing is created', async () => {
    const create = async () => (await call(`${base}/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json<{ id: number }>().id;
    const before = await create();
    const upload = new PassThrough();
    const pending = request(`${base}/items`, { method: 'POST', body: upload, headers: { 'content-type': 'application/json' } });
    upload.end(jsonOf(4 * limit));
    const response = await pending;
    assert.equal(response.statusCode, 413);
    assert.equal(((await response.body.json()) as { status: number }).status, 413);
    assert.equal(await create(), before + 1);
  });
});
