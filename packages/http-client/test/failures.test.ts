import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { eventually } from '@eventide/testing';
import { createHttpClient, type HttpClient, type HttpClientOptions } from '../src/index.ts';
import { recordingLogger } from './logger.ts';
import { startTarget, type Target } from './target.ts';

describe('failing fast', () => {
  let target: Target;
  let client: HttpClient;

  const open = (overrides: Partial<HttpClientOptions> = {}): HttpClient => {
    client = createHttpClient({
      name: 'stock',
      baseUrl: target.url,
      timeoutMs: 2_000,
      retry: { maxAttempts: 1 },
      logger: recordingLogger(),
      ...overrides,
    });
    return client;
  };

  before(async () => {
    target = await startTarget();
  });
  afterEach(() => client.close());
  after(() => target.stop());

  it('answers timeout when the target does not answer within timeoutMs', async () => {
    open({ timeoutMs: 100 });
    target.behave('hang');
    const started = performance.now();
    const result = await client.get('/stock/1');
    const waited = performance.now() - started;
    target.release();
    assert.deepEqual(result, {
      ok: false,
      kind: 'timeout',
      target: 'stock',
      message: 'stock did not answer within 100 ms',
      retryAfterSeconds: 1,
    });
    assert.ok(waited >= 95, `gave up after ${waited} ms, before the deadline`);
  });

  it('answers unavailable when the target drops the connection', async () => {
    open();
    target.behave('close');
    assert.partialDeepStrictEqual(await client.post('/stock', { sku: 'a' }), { ok: false, kind: 'unavailable', retryAfterSeconds: 1 });
  });

  it('answers bulkhead-full past its limit and queue, without calling the target, and runs the queued call later', async () => {
    open({ bulkhead: { limit: 2, queue: 1 } });
    target.behave('hang');
    const calls = target.received.length;
    const inFlight = [client.get('/stock/1'), client.get('/stock/2')];
    const queued = client.get('/stock/3');
    await eventually(() => assert.equal(target.received.length, calls + 2), { what: 'two calls to reach the target' });

    assert.deepEqual(await client.get('/stock/4'), {
      ok: false,
      kind: 'bulkhead-full',
      target: 'stock',
      message: 'too many calls to stock in flight',
      retryAfterSeconds: 1,
    });
    assert.equal(target.received.length, calls + 2);

    target.behave('ok');
    target.release();
    const answers = await Promise.all([...inFlight, queued]);
    assert.deepEqual(
      answers.map((a) => a.ok),
      [true, true, true],
    );
    assert.equal(target.received.at(-1)?.url, '/stock/3');
    assert.equal(client.state, 'closed', 'a full bulkhead is this client overloaded, not the target failing');
  });
});

describe('a target that is not running', () => {
  it('answers unavailable when the connection is refused', async () => {
    const target = await startTarget();
    await target.stop();
    const client = createHttpClient({ name: 'stock', baseUrl: target.url, timeoutMs: 2_000, logger: recordingLogger() });
    try {
      const result = await client.get('/stock/1');
      assert.partialDeepStrictEqual(result, { ok: false, kind: 'unavailable', target: 'stock', retryAfterSeconds: 1 });
      assert.match(result.ok ? '' : result.message, /ECONNREFUSED/);
    } finally {
      await client.close();
    }
  });
});
