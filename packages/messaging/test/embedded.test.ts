import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { envelop, systemClock } from '@eventide/core';
import { eventually } from '@eventide/testing';
import { openEmbeddedBus } from '../src/embedded/open.ts';
import type { Delivery } from '../src/port.ts';
import { busContract } from './contract.ts';

const dir = mkdtempSync(join(tmpdir(), 'eventide-embedded-contract-'));
after(() => rmSync(dir, { recursive: true, force: true }));

busContract({
  name: 'embedded',
  open: () => openEmbeddedBus({ path: join(dir, 'bus.db'), sessionTimeoutMs: 3_000, pollIntervalMs: 500 }),
});

describe('embedded bus: the batch handler beside the delivery handler', () => {
  it('commits what the batch handler says it handled and hands the rest, in offset order, to the delivery handler', async () => {
    const bus = await openEmbeddedBus({ path: join(dir, 'batches.db'), sessionTimeoutMs: 3_000, pollIntervalMs: 500 });
    after(() => bus.close());
    const topic = 'batches.counted';
    const publish = (from: number) =>
      bus.publisher.publish(
        Array.from({ length: 30 }, (_, i) => ({
          topic,
          key: 'one-partition',
          envelope: envelop({ type: 'Counted', aggregateType: 'Counter', aggregateId: 1, payload: { seq: from + i } }, { clock: systemClock }),
        })),
      );
    const seq = (delivery: Delivery) => (delivery.envelope.payload as { seq: number }).seq;
    const seen: string[] = [];
    // The first batch: the first 10 taken; the second: refused; the third: all of it.
    const answers = [(n: number) => Math.min(n, 10), () => Promise.reject(new Error('not now')), (n: number) => n];
    let batches = 0;
    await publish(0);
    const consumer = await bus.subscribe({
      group: 'batches',
      topics: [topic],
      handle: async (delivery) => void seen.push(`one ${seq(delivery)}`),
      handleBatch: async (deliveries) => {
        const taken = await answers[batches++]!(deliveries.length);
        for (const delivery of deliveries.slice(0, taken)) seen.push(`batch ${seq(delivery)}`);
        return taken;
      },
    });
    await eventually(() => assert.equal(seen.length, 30));
    await publish(30);
    await eventually(() => assert.equal(seen.length, 60));
    await publish(60);
    await eventually(() => assert.equal(seen.length, 90));
    const how = (from: number, to: number, way: string) => Array.from({ length: to - from }, (_, i) => `${way} ${from + i}`);
    assert.deepEqual(seen, [...how(0, 10, 'batch'), ...how(10, 60, 'one'), ...how(60, 90, 'batch')]);
    await eventually(async () => assert.equal(await consumer.lag(), 0), { what: 'all 90 committed' });
  });
});
