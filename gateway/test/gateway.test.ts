import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { AppError } from '@eventide/core';
import type { GatewayOptions, Guard, Verdict } from '../src/index.ts';
import { call, startHarness, type Harness } from './support/harness.ts';
import { startFakeService, type FakeService } from './support/upstream.ts';

describe('the gateway process', () => {
  let service: FakeService | undefined;
  let harness: Harness | undefined;

  async function start(options: Partial<GatewayOptions> = {}): Promise<string> {
    service = await startFakeService('s');
    harness = await startHarness({ routes: [{ prefix: '/items', service: 'shop/item' }], upstreams: { 'shop/item': [service.url] } }, options);
    return harness.gateway.url;
  }

  afterEach(async () => {
    await harness?.close();
    await service?.close();
    harness = undefined;
  });

  it('answers its own liveness and readiness, which reach no service', async () => {
    const base = await start();
    assert.deepEqual((await call(`${base}/health/live`)).json(), { status: 'UP' });
    assert.equal((await call(`${base}/health/ready`)).status, 200);
    assert.equal(service?.seen.length, 0);
  });

  it('exposes requests by route and status, upstream latency and ready replicas as Prometheus metrics', async () => {
    const base = await start();
    await call(`${base}/items/1`);
    await call(`${base}/items`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    await call(`${base}/nowhere`);
    const answer = await call(`${base}/metrics`);
    assert.match(String(answer.headers['content-type']), /^text\/plain/);
    assert.match(answer.text, /^gateway_requests_total\{route="\/items",status="200"\} 1$/m);
    assert.match(answer.text, /^gateway_requests_total\{route="\/items",status="201"\} 1$/m);
    assert.match(answer.text, /^gateway_requests_total\{route="none",status="404"\} 1$/m);
    assert.match(answer.text, /^gateway_upstream_duration_seconds_count\{service="shop\/item",status="200"\} 1$/m);
    assert.match(answer.text, /^gateway_ready_replicas\{service="shop\/item"\} 1$/m);
  });

  it('answers 504 problem+json when the upstream does not answer within the timeout', async () => {
    const base = await start({ upstreamTimeoutMs: 150 });
    const answer = await call(`${base}/items/slow?ms=2000`);
    assert.equal(answer.status, 504);
    assert.equal(answer.headers['content-type'], 'application/problem+json');
    assert.equal(answer.json().detail, 'shop/item did not answer within 150 ms');
    assert.equal(service?.seen.length, 1);
  });

  it('finishes a request in flight when closed, and takes no new connection', async () => {
    const base = await start();
    const slow = call(`${base}/items/slow?ms=300`);
    while (service?.seen.length !== 1) await new Promise((resolve) => setImmediate(resolve));
    const closing = harness?.gateway.close();
    const answer = await slow;
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.connection, 'close');
    await closing;
    await assert.rejects(call(`${base}/health/live`), { code: 'ECONNREFUSED' });
  });

  describe('guard hook', () => {
    const guard: Guard = (request, route): Verdict => {
      if (request.headers.authorization !== 'Bearer good') {
        return {
          admit: false,
          error: new AppError('unauthorized', `a token is required for ${route.prefix}`),
          headers: { 'www-authenticate': 'Bearer' },
        };
      }
      if (request.method === 'DELETE') return { admit: false, error: new AppError('forbidden', 'renters may not delete items') };
      return { admit: true, headers: { 'x-subject': 'alice', 'x-roles': null } };
    };

    it('refuses with the guard status and headers, and nothing reaches the service', async () => {
      const base = await start({ guard });
      const missing = await call(`${base}/items/1`);
      assert.equal(missing.status, 401);
      assert.equal(missing.headers['www-authenticate'], 'Bearer');
      assert.equal(missing.json().detail, 'a token is required for /items');
      const wrongRole = await call(`${base}/items/1`, { method: 'DELETE', headers: { authorization: 'Bearer good' } });
      assert.equal(wrongRole.status, 403);
      assert.equal(service?.seen.length, 0);
    });

    it('forwards the headers the guard sets, over whatever the client sent', async () => {
      const base = await start({ guard: async (...args) => guard(...args) });
      const answer = await call(`${base}/items/1`, { headers: { authorization: 'Bearer good', 'x-subject': 'mallory', 'x-roles': 'admin' } });
      assert.equal(answer.status, 200);
      const seen = answer.json<{ headers: Record<string, string> }>().headers;
      assert.equal(seen['x-subject'], 'alice');
      assert.equal(seen['x-roles'], undefined);
    });

    it('answers 429 with the Retry-After the guard gives', async () => {
      const base = await start({
        guard: () => ({ admit: false, error: new AppError('rate_limited', 'slow down', { retryAfterSeconds: 7 }) }),
      });
      const answer = await call(`${base}/items/1`);
      assert.equal(answer.status, 429);
      assert.equal(answer.headers['retry-after'], '7');
    });

    it('is not asked about the gateway health and metrics endpoints', async () => {
      const base = await start({ guard: () => assert.fail('guard called') });
      assert.equal((await call(`${base}/health/ready`)).status, 200);
      assert.equal((await call(`${base}/metrics`)).status, 200);
    });
  });
});
