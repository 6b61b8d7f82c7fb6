import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createHttpClient, type HttpClient, type Method } from '../src/index.ts';
import { recordingLogger } from './logger.ts';
import { startTarget, type Target } from './target.ts';

describe('retries', () => {
  let target: Target;
  let client: HttpClient;

  before(async () => {
    target = await startTarget();
    client = createHttpClient({
      name: 'catalog',
      baseUrl: target.url,
      timeoutMs: 500,
      retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 5 },
      breaker: { halfOpenAfterMs: 60_000, consecutiveFailures: 100 },
      logger: recordingLogger(),
    });
  });
  after(async () => {
    await client.close();
    await target.stop();
  });

  const callsTo = async (run: () => Promise<unknown>): Promise<number> => {
    const before = target.received.length;
    await run();
    return target.received.length - before;
  };

  it('retries a GET after a 5xx and returns the answer that finally came', async () => {
    target.behave('fail', 'fail', 'ok');
    let result;
    const calls = await callsTo(async () => {
      result = await client.get('/items/1');
    });
    assert.equal(calls, 3);
    assert.partialDeepStrictEqual(result, { ok: true, status: 200, body: { method: 'GET', url: '/items/1', body: null } });
  });

  it('gives up after maxAttempts attempts in all and says the target is unavailable, with its status', async () => {
    target.behave('fail');
    let result;
    const calls = await callsTo(async () => {
      result = await client.get('/items/1');
    });
    assert.equal(calls, 3);
    assert.partialDeepStrictEqual(result, { ok: false, kind: 'unavailable', status: 503, target: 'catalog' });
  });

  for (const method of ['HEAD', 'PUT', 'DELETE', 'OPTIONS'] satisfies Method[]) {
    it(`retries ${method} calls, which are safe to repeat`, async () => {
      target.behave('fail', 'ok');
      assert.equal(await callsTo(() => client.request({ method, path: '/items/1' })), 2);
    });
  }

  it('sends a POST once even when it fails, since repeating it could apply it twice', async () => {
    target.behave('fail');
    let result;
    const calls = await callsTo(async () => {
      result = await client.post('/items', { name: 'tent' });
    });
    assert.equal(calls, 1);
    assert.partialDeepStrictEqual(result, { ok: false, kind: 'unavailable', status: 503 });
  });

  it('sends a PATCH once', async () => {
    target.behave('fail');
    assert.equal(await callsTo(() => client.request({ method: 'PATCH', path: '/items/1', body: {} })), 1);
  });

  it('retries a POST marked idempotent', async () => {
    target.behave('fail', 'ok');
    assert.equal(await callsTo(() => client.post('/items', { name: 'tent' }, { idempotent: true })), 2);
  });

  it('retries a POST that carries an Idempotency-Key, and sends the same key each time', async () => {
    target.behave('fail', 'ok');
    const calls = await callsTo(() => client.post('/items', { name: 'tent' }, { headers: { 'Idempotency-Key': 'k-42' } }));
    assert.equal(calls, 2);
    assert.deepEqual(
      target.received.slice(-2).map((r) => r.headers['idempotency-key']),
      ['k-42', 'k-42'],
    );
  });

  it('never retries a 4xx and returns it as rejected with the problem body', async () => {
    target.behave('reject');
    let result;
    const calls = await callsTo(async () => {
      result = await client.get('/items/7');
    });
    assert.equal(calls, 1);
    assert.deepEqual(result, {
      ok: false,
      kind: 'rejected',
      target: 'catalog',
      message: 'catalog answered 409',
      status: 409,
      problem: { title: 'Conflict', status: 409, detail: 'item 7 is already rented' },
    });
  });

  it('retries a GET that timed out, and the retry has its own full deadline', async () => {
    target.behave('hang', 'ok');
    let result;
    const calls = await callsTo(async () => {
      result = await client.get('/items/1');
    });
    target.release();
    assert.equal(calls, 2);
    assert.partialDeepStrictEqual(result, { ok: true, status: 200 });
  });

  it('retries a GET after the target dropped the connection', async () => {
    target.behave('close', 'ok');
    let result;
    const calls = await callsTo(async () => {
      result = await client.get('/items/1');
    });
    assert.equal(calls, 2);
    assert.partialDeepStrictEqual(result, { ok: true, status: 200 });
  });
});
