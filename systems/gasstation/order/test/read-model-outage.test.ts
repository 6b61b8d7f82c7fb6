import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { deadLetterTopicOf, topicOf } from '@eventide/messaging';
import { startService, type RunningService } from '@eventide/service-host';
import { client, distributedMode, type Setup, type Tap } from '@eventide/service-host/testing';
import { eventually, freePort, metricSum, tempDir } from '@eventide/testing';
import { defineOrderService } from '../src/service.ts';

const mode = await distributedMode('gasstation', 'order', 'postgres', true);

/**
 * A Redis server of this test's own (the machine's `redis-server`), with an append-only file: it
 * can be stopped and started again on the same port with its data, as an outage of the read model's
 * server would go, which the shared one of the other tests cannot.
 */
function ownRedis(port: number, dir: string) {
  let server: ChildProcess | undefined;
  return {
    url: `redis://127.0.0.1:${port}`,
    async start(): Promise<void> {
      server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', dir], { stdio: 'ignore' });
      const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => undefined); // refused until the server listens: what the probe waits out
      try {
        await eventually(async () => {
          if (probe.status !== 'ready') await probe.connect().catch(() => undefined);
          assert.equal(await probe.ping(), 'PONG');
        });
      } finally {
        probe.disconnect();
      }
    },
    /** SIGTERM: Redis writes its append-only file and exits. */
    async stop(): Promise<void> {
      const running = server;
      server = undefined;
      if (running === undefined || running.exitCode !== null) return;
      const exited = once(running, 'exit');
      running.kill('SIGTERM');
      await exited;
    },
  };
}

describe(`${mode.tag}the order service while its read model's Redis is away`, mode.options, () => {
  let setup: Setup;
  let dir: ReturnType<typeof tempDir>;
  let redis: ReturnType<typeof ownRedis>;
  let order: RunningService;
  let deadLetters: Tap;
  const http = client(() => order.url);
  const within = { within: mode.within };
  const statusOf = async (orderId: number) => (await http.get(`/orderStatuses/${orderId}`)).body?.status;
  const counted = async (name: string) => metricSum(await (await fetch(`${order.url}/metrics`)).text(), name);
  const place = async (destAddr: string): Promise<number> => {
    assert.equal((await http.form('/orders/placeOrder', { productId: 'CD1001', qty: 100, destAddr })).body, true);
    const placed = (await http.get('/orders?size=1000')).body as { orderId: number; destAddr: string }[];
    return placed.find((o) => o.destAddr === destAddr)!.orderId;
  };

  before(async () => {
    setup = await mode.prepare();
    dir = tempDir('gasstation-order-redis-');
    redis = ownRedis(await freePort(), dir.path);
    await redis.start();
    // Two attempts: before a dependency's outage was waited for, the event of an outage longer
    // than one backoff was dead-lettered.
    order = await startService(defineOrderService(setup.system), { env: { ...setup.env, READ_MODEL_URL: redis.url, HANDLER_MAX_ATTEMPTS: '2' } });
    deadLetters = await setup.tap([deadLetterTopicOf(topicOf(setup.system, 'order'))]);
  });
  after(async () => {
    await deadLetters?.close();
    await order?.close();
    await redis?.stop();
    await setup?.cleanup();
    dir?.remove();
  });

  it('takes orders, answers reads 503 with Retry-After, and applies the outage\'s events once Redis is back, dead-lettering none', async () => {
    const first = await place('before the outage');
    await eventually(async () => assert.equal(await statusOf(first), 'Ordered'), within);

    await redis.stop();
    const read = await http.get(`/orderStatuses/${first}`);
    assert.equal(read.status, 503, JSON.stringify(read.body));
    assert.ok(read.headers.get('retry-after'), 'a Retry-After header');
    const during = await place('during the outage');
    // More retries than the two attempts allow: the Ordered of the order placed meanwhile waits.
    await eventually(async () => assert.ok((await counted('message_retries_total')) >= 3), within);

    await redis.start();
    await eventually(async () => assert.equal(await statusOf(during), 'Ordered'), within);
    assert.equal(await statusOf(first), 'Ordered');
    assert.equal(await counted('messages_dead_lettered_total'), 0);
    assert.deepEqual(deadLetters.received, []);
  });
});
