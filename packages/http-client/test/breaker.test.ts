import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it, mock } from 'node:test';
import { eventually } from '@eventide/testing';
import { createHttpClient, type HttpClient, type HttpClientOptions, type StateChange } from '../src/index.ts';
import { recordingLogger } from './logger.ts';
import { startTarget, type Target } from './target.ts';

// cockatiel times the open circuit with Date.now(): faking Date (and only Date, so sockets
// and timeouts stay real) moves the breaker's clock without waiting.
describe('circuit breaker', () => {
  let target: Target;
  let client: HttpClient;
  let changes: StateChange[];
  let logger: ReturnType<typeof recordingLogger>;

  const open = (overrides: Partial<HttpClientOptions> = {}): HttpClient => {
    client = createHttpClient({
      name: 'payments',
      baseUrl: target.url,
      timeoutMs: 2_000,
      retry: { maxAttempts: 1 },
      breaker: { halfOpenAfterMs: 30_000, consecutiveFailures: 3 },
      logger,
      onStateChange: (change) => changes.push(change),
      ...overrides,
    });
    return client;
  };

  const failTimes = async (n: number): Promise<void> => {
    target.behave('fail');
    for (let i = 0; i < n; i++) assert.equal((await client.get('/payments/1')).ok, false);
  };

  before(async () => {
    target = await startTarget();
  });
  beforeEach(() => {
    mock.timers.enable({ apis: ['Date'], now: Date.parse('2026-01-01T00:00:00Z') });
    changes = [];
    logger = recordingLogger();
  });
  afterEach(async () => {
    mock.timers.reset();
    await client.close();
  });
  after(() => target.stop());

  it('opens after the configured consecutive failures, then answers circuit-open without calling the target', async () => {
    open();
    await failTimes(2);
    assert.equal(client.state, 'closed');
    assert.partialDeepStrictEqual(await client.get('/payments/1'), { kind: 'unavailable', status: 503, retryAfterSeconds: 30 });
    assert.equal(client.state, 'open');

    const calls = target.received.length;
    target.behave('ok');
    const result = await client.get('/payments/1');
    assert.deepEqual(result, {
      ok: false,
      kind: 'circuit-open',
      target: 'payments',
      message: 'circuit to payments is open',
      retryAfterSeconds: 30,
    });
    assert.equal(target.received.length, calls);
  });

  it('derives retryAfterSeconds from when the circuit will half-open', async () => {
    open();
    await failTimes(3);
    mock.timers.tick(12_500);
    assert.partialDeepStrictEqual(await client.get('/payments/1'), { kind: 'circuit-open', retryAfterSeconds: 18 });
    mock.timers.tick(17_000);
    assert.partialDeepStrictEqual(await client.get('/payments/1'), { kind: 'circuit-open', retryAfterSeconds: 1 });
  });

  it('lets one trial call through after halfOpenAfterMs (half-open) and closes when it succeeds', async () => {
    open();
    await failTimes(3);
    mock.timers.tick(29_999);
    assert.equal((await client.get('/payments/1')).ok, false);
    assert.equal(client.state, 'open');

    mock.timers.tick(1);
    target.behave('hang');
    const calls = target.received.length;
    const trial = client.get('/payments/1');
    await eventually(() => assert.equal(target.received.length, calls + 1), { what: 'the trial call to reach the target' });
    assert.equal(client.state, 'half-open');

    target.release();
    assert.partialDeepStrictEqual(await trial, { ok: true, status: 200 });
    assert.equal(client.state, 'closed');
    assert.deepEqual(
      changes.map(({ previous, state }) => `${previous}->${state}`),
      ['closed->open', 'open->half-open', 'half-open->closed'],
    );
  });

  it('opens again when the trial call fails', async () => {
    open();
    await failTimes(3);
    mock.timers.tick(30_000);
    await failTimes(1);
    assert.equal(client.state, 'open');
    assert.partialDeepStrictEqual(await client.get('/payments/1'), { kind: 'circuit-open', retryAfterSeconds: 30 });
  });

  it('logs each change of state, the opening as a warning', async () => {
    open();
    await failTimes(3);
    mock.timers.tick(30_000);
    target.behave('ok');
    await client.get('/payments/1');
    assert.deepEqual(logger.lines, [
      { level: 'warn', fields: { target: 'payments', breaker: 'open', retryAfterSeconds: 30 }, message: 'circuit to payments opened' },
      { level: 'info', fields: { target: 'payments', breaker: 'half-open' }, message: 'circuit to payments is half-open' },
      { level: 'info', fields: { target: 'payments', breaker: 'closed' }, message: 'circuit to payments is closed' },
    ]);
  });

  it('counts a call whose retries all failed as one failure, and never retries into an open circuit', async () => {
    open({ retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2 } });
    const calls = target.received.length;
    await failTimes(2);
    assert.equal(target.received.length, calls + 6);
    assert.equal(client.state, 'closed');
    await failTimes(1);
    assert.equal(client.state, 'open');
    assert.partialDeepStrictEqual(await client.get('/payments/1'), { kind: 'circuit-open' });
    assert.equal(target.received.length, calls + 9);
  });

  it('guards calls that are never retried too: failed POSTs open it, and an open circuit answers a POST', async () => {
    open();
    target.behave('fail');
    for (let i = 0; i < 3; i++) assert.partialDeepStrictEqual(await client.post('/payments', { amount: 5 }), { kind: 'unavailable' });
    assert.equal(client.state, 'open');
    const calls = target.received.length;
    assert.partialDeepStrictEqual(await client.post('/payments', { amount: 5 }), { kind: 'circuit-open' });
    assert.equal(target.received.length, calls);
  });

  it('does not count a 4xx as a failure: the target is up and said no', async () => {
    open();
    target.behave('reject');
    for (let i = 0; i < 5; i++) assert.partialDeepStrictEqual(await client.get('/payments/1'), { kind: 'rejected', status: 409 });
    assert.equal(client.state, 'closed');
    assert.equal(changes.length, 0);
  });

  it('counts a timeout and a dropped connection as failures', async () => {
    open({ timeoutMs: 300 });
    target.behave('hang');
    assert.partialDeepStrictEqual(await client.get('/payments/1'), { kind: 'timeout' });
    target.behave('close');
    assert.partialDeepStrictEqual(await client.get('/payments/1'), { kind: 'unavailable' });
    await failTimes(1);
    target.release();
    assert.equal(client.state, 'open');
  });

  it('with a failure rate, opens once enough calls were sampled and more than that share failed', async () => {
    open({ breaker: { halfOpenAfterMs: 30_000, samplingFailureRate: 0.5, samplingDurationMs: 1_000, minimumRps: 4 } });
    target.behave('ok');
    await client.get('/payments/1');
    await failTimes(2);
    assert.equal(client.state, 'closed', 'three calls are fewer than the minimum of four per second');
    await failTimes(1);
    assert.equal(client.state, 'open');
  });
});
