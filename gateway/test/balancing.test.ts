import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { eventually } from '@eventide/testing';
import type { GatewayOptions } from '../src/index.ts';
import { call, startHarness, type Harness } from './support/harness.ts';
import { startFakeService, type FakeService } from './support/upstream.ts';

const post = (base: string, body: unknown = { itemName: 'tent' }) =>
  call(`${base}/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Reads one sample of the gateway's /metrics, e.g. `gateway_ready_replicas{service="shop/item"}`. */
async function metric(base: string, sample: string): Promise<number | undefined> {
  const text = (await call(`${base}/metrics`)).text;
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? undefined : Number(line.slice(sample.length + 1));
}

describe('balancing over ready replicas', () => {
  let replicas: FakeService[] = [];
  let harness: Harness | undefined;

  async function start(count: number, options: Partial<GatewayOptions> = {}): Promise<string> {
    replicas = await Promise.all(Array.from({ length: count }, (_, i) => startFakeService(`r${i}`)));
    harness = await startHarness(
      { routes: [{ prefix: '/items', service: 'shop/item' }], upstreams: { 'shop/item': replicas.map((r) => r.url) } },
      options,
    );
    return harness.gateway.url;
  }

  afterEach(async () => {
    await harness?.close();
    await Promise.all(replicas.map((r) => r.close()));
    harness = undefined;
  });

  const servedBy = (name: string) => replicas.find((r) => r.name === name)?.seen.length ?? 0;

  it('spreads requests over two ready replicas', async () => {
    const base = await start(2);
    const answers = await Promise.all(Array.from({ length: 40 }, () => call(`${base}/items/1`)));
    assert.ok(answers.every((a) => a.status === 200));
    for (let i = 0; i < 20; i++) await call(`${base}/items/1`);
    assert.ok(servedBy('r0') >= 20 && servedBy('r1') >= 20, `r0 ${servedBy('r0')}, r1 ${servedBy('r1')}`);
  });

  it('sends nothing to a replica whose readiness probe fails, and resumes when it passes', async () => {
    const base = await start(2);
    const [r0, r1] = replicas as [FakeService, FakeService];
    r1.ready = false;
    await eventually(async () => assert.equal(await metric(base, 'gateway_ready_replicas{service="shop/item"}'), 1), {
      what: 'r1 to be seen not ready',
    });
    const before = r1.seen.length;
    for (let i = 0; i < 20; i++) assert.equal((await call(`${base}/items/1`)).headers['x-replica'], 'r0');
    assert.equal(r1.seen.length, before);
    assert.ok(r0.seen.length >= 20);

    r1.ready = true;
    await eventually(async () => assert.equal((await call(`${base}/items/1`)).headers['x-replica'], 'r1'), { what: 'r1 to take traffic again' });
  });

  it('answers 503 problem+json with Retry-After when no replica is ready', async () => {
    const base = await start(2);
    for (const r of replicas) r.ready = false;
    const answer = await eventually(
      async () => {
        const a = await post(base);
        assert.equal(a.status, 503);
        return a;
      },
      { what: 'no replica ready' },
    );
    assert.equal(answer.headers['retry-after'], '1');
    assert.equal(answer.headers['content-type'], 'application/problem+json');
    assert.equal(answer.json().detail, 'no ready replica of shop/item');
  });

  it('answers 503 with Retry-After when the service has no replica at all', async () => {
    harness = await startHarness({ routes: [{ prefix: '/items', service: 'shop/item' }], upstreams: { 'shop/item': [] } });
    const answer = await post(harness.gateway.url);
    assert.equal(answer.status, 503);
    assert.equal(answer.headers['retry-after'], '1');
  });

  // Probes are slowed down in the tests below, so only the request itself can reveal the replica's state.
  const slowProbes = { probeIntervalMs: 60_000 };

  it('resends a POST answered "draining" to another replica, and the client sees success', async () => {
    const base = await start(2, slowProbes);
    const [r0, r1] = replicas as [FakeService, FakeService];
    r1.draining = true;
    for (let i = 0; i < 10; i++) {
      const answer = await post(base, { n: i });
      assert.equal(answer.status, 201);
      assert.equal(answer.headers['x-replica'], 'r0');
      assert.deepEqual(answer.json().received, { n: i });
    }
    // r1 saw at most the one request that revealed the draining; from then on it is not ready.
    assert.ok(r1.seen.length <= 1, `r1 saw ${r1.seen.length}`);
    assert.equal(r0.seen.length, 10);
    assert.equal(await metric(base, 'gateway_resends_total{service="shop/item",reason="draining"}'), r1.seen.length === 1 ? 1 : undefined);
  });

  it('resends a POST whose connection was refused to another replica, and the client sees success', async () => {
    const base = await start(2, slowProbes);
    const [r0, r1] = replicas as [FakeService, FakeService];
    await r1.close(); // seen ready at start, gone now: only a request can find out
    for (let i = 0; i < 10; i++) {
      const answer = await post(base, { n: i });
      assert.equal(answer.status, 201, answer.text);
      assert.equal(answer.headers['x-replica'], 'r0');
    }
    assert.equal(r0.seen.length, 10);
    assert.equal(await metric(base, 'gateway_ready_replicas{service="shop/item"}'), 1);
    assert.equal(await metric(base, 'gateway_resends_total{service="shop/item",reason="not_sent"}'), 1);
  });

  it('passes a 500 through as it is and does not resend it', async () => {
    const base = await start(2, slowProbes);
    const answer = await call(`${base}/items/status/500`);
    assert.equal(answer.status, 500);
    assert.equal(servedBy('r0') + servedBy('r1'), 1);
    const ordinary503 = await call(`${base}/items/status/503`);
    assert.equal(ordinary503.status, 503);
    assert.equal(servedBy('r0') + servedBy('r1'), 2);
  });

  it('answers 502 and does not resend a POST whose connection broke after it was sent', async () => {
    const base = await start(2, slowProbes);
    for (const r of replicas) r.resetNext = true;
    const answer = await post(base);
    assert.equal(answer.status, 502);
    assert.equal(answer.headers['content-type'], 'application/problem+json');
    assert.equal(servedBy('r0') + servedBy('r1'), 1);
  });

  /** Sends until `replica` has met its reset, asserting that every request succeeded all the same. */
  async function untilReset(replica: FakeService, send: () => Promise<{ status: number; text: string }>): Promise<void> {
    replica.resetNext = true;
    for (let i = 0; i < 10 && replica.resetNext; i++) {
      const answer = await send();
      assert.ok(answer.status < 300, `${answer.status} ${answer.text}`);
    }
    assert.equal(replica.resetNext, false, 'the resetting replica was never chosen');
  }

  it('resends a GET whose connection broke after it was sent', async () => {
    const base = await start(2, slowProbes);
    await untilReset(replicas[1] as FakeService, () => call(`${base}/items/1`));
    assert.equal(await metric(base, 'gateway_resends_total{service="shop/item",reason="reset"}'), 1);
  });

  it('resends a POST carrying an Idempotency-Key whose connection broke after it was sent', async () => {
    const base = await start(2, slowProbes);
    let n = 0;
    await untilReset(replicas[1] as FakeService, () =>
      call(`${base}/items`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': `k${++n}` }, body: '{}' }),
    );
    assert.equal(await metric(base, 'gateway_resends_total{service="shop/item",reason="reset"}'), 1);
  });

  it('fails no POST while a replica drains and stops under concurrent load', async () => {
    const base = await start(2);
    const [r0, r1] = replicas as [FakeService, FakeService];
    const statuses: number[] = [];
    let sent = 0;
    const worker = async (): Promise<void> => {
      while (sent < 400) {
        sent += 1;
        if (sent === 100) r1.draining = true;
        if (sent === 250) void r1.close();
        statuses.push((await post(base, { n: sent })).status);
      }
    };
    await Promise.all(Array.from({ length: 20 }, worker));
    assert.deepEqual(
      statuses.filter((s) => s !== 201),
      [],
    );
    assert.ok(r1.seen.length > 0 && r0.seen.length > 200, `r0 ${r0.seen.length}, r1 ${r1.seen.length}`);
  });
});
