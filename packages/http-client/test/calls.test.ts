import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createHttpClient, type HttpClient } from '../src/index.ts';
import { recordingLogger } from './logger.ts';
import { startTarget, type Echo, type Target } from './target.ts';

describe('what a call sends and returns', () => {
  let target: Target;
  let client: HttpClient;

  before(async () => {
    target = await startTarget();
    client = createHttpClient({ name: 'rental', baseUrl: `${target.url}/api/`, timeoutMs: 1_000, logger: recordingLogger() });
  });
  after(async () => {
    await client.close();
    await target.stop();
  });

  it('forwards the correlation id and traceparent given with the call', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await client.get('/rentals/9', { correlationId: 'reservation-17', traceparent });
    const { headers } = target.received.at(-1)!;
    assert.equal(headers['x-correlation-id'], 'reservation-17');
    assert.equal(headers.traceparent, traceparent);
  });

  it('sends no correlation headers when the call has none', async () => {
    await client.get('/rentals/9');
    const { headers } = target.received.at(-1)!;
    assert.equal(headers['x-correlation-id'], undefined);
    assert.equal(headers.traceparent, undefined);
  });

  it('sends the body as JSON under the base URL path, with the query, and returns the JSON answer typed', async () => {
    const result = await client.post<Echo>('/rentals', { itemId: 3 }, { query: { dryRun: true, skip: undefined } });
    assert.equal(target.received.at(-1)?.headers['content-type'], 'application/json');
    assert.deepEqual(result.ok && result.body, { method: 'POST', url: '/api/rentals?dryRun=true', body: { itemId: 3 } });
  });

  it("passes on the target's Retry-After, for a 5xx and for a 429", async () => {
    target.behave('busy');
    assert.partialDeepStrictEqual(await client.post('/rentals', {}), { kind: 'unavailable', status: 503, retryAfterSeconds: 7 });
    target.behave('throttle');
    assert.partialDeepStrictEqual(await client.post('/rentals', {}), { kind: 'rejected', status: 429, retryAfterSeconds: 3 });
  });

  it('throws for a misuse instead of reporting the target unavailable', async () => {
    await assert.rejects(client.get('rentals'), /must start with \//);
    await assert.rejects(client.get('/rentals', { headers: { 'x-bad': 'a\nb' } }), /invalid x-bad header/);
  });
});

describe('options', () => {
  it('are checked once, when the client is created, naming the bad one', () => {
    const base = { name: 'rental', baseUrl: 'http://127.0.0.1:1', timeoutMs: 100 };
    assert.throws(() => createHttpClient({ ...base, baseUrl: 'rental:8080' }), /http client rental: baseUrl must be http or https/);
    assert.throws(() => createHttpClient({ ...base, baseUrl: 'not a url' }), /baseUrl "not a url" is not a URL/);
    assert.throws(() => createHttpClient({ ...base, timeoutMs: 0 }), /timeoutMs must be a positive number/);
    assert.throws(() => createHttpClient({ ...base, retry: { maxAttempts: 1.5 } }), /retry.maxAttempts must be a positive integer/);
    assert.throws(
      () => createHttpClient({ ...base, breaker: { halfOpenAfterMs: 1_000, samplingFailureRate: 1 } }),
      /samplingFailureRate must be between 0 and 1/,
    );
    assert.throws(() => createHttpClient({ ...base, bulkhead: { limit: 4, queue: -1 } }), /bulkhead.queue must be an integer >= 0/);
  });
});
