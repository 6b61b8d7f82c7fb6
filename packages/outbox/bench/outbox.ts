// Outbox numbers, per engine: commit->publish latency of single-event units of work at a steady
// rate (p50/p99/max, to a recording publisher and to the embedded bus), units of work committed
// per second back to back, and rows per second the relay drains from a pre-filled outbox.
// Bounded in count and time; 127.0.0.1 servers only.
//   npm exec -- node packages/outbox/bench/outbox.ts [--engines sqlite,postgres,mariadb] [--json]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { envelop, systemClock } from '@eventide/core';
import { openEmbeddedBus } from '@eventide/messaging';
import type { Message, Publisher } from '@eventide/messaging';
import { openStore } from '@eventide/store';
import { testEngines } from '@eventide/store/testing';
import { addToOutbox, preparePlatformTables, startRelay, unitOfWork } from '@eventide/outbox';

const { values } = parseArgs({ options: { engines: { type: 'string', default: 'sqlite,postgres,mariadb' }, json: { type: 'boolean', default: false } } });
const latencyCount = 2_000;
const latencyRatePerSecond = 500;
const commitCount = 3_000;
const drainCount = 20_000;

const event = (n: number): Message => {
  const key = `order-${n % 16}`;
  return {
    topic: 'bench.orders',
    key,
    envelope: envelop({ type: 'bench.OrderPlaced', aggregateType: 'Order', aggregateId: key, payload: { n } }, { clock: systemClock }),
  };
};

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
const round = (value: number): number => Math.round(value * 100) / 100;

/** Latency from the commit (run() resolved) to the publisher being handed (recording) or acknowledging (bus) the message. */
async function latency(url: string, sink: 'recording' | 'embedded bus'): Promise<{ p50: number; p99: number; max: number }> {
  const store = await openStore(url);
  const busDir = await mkdtemp(join(tmpdir(), 'eventide-bench-bus-'));
  const bus = sink === 'embedded bus' ? await openEmbeddedBus({ path: join(busDir, 'bus.db') }) : undefined;
  const committedAt = new Map<string, number>();
  const samples: number[] = [];
  const record = (messages: readonly Message[]): void => {
    const now = performance.now();
    for (const message of messages) {
      const at = committedAt.get(message.envelope.id);
      if (at !== undefined) samples.push(now - at);
    }
  };
  const publisher: Publisher = {
    publish: async (messages) => {
      if (bus) await bus.publisher.publish(messages);
      record(messages);
    },
  };
  const relay = startRelay(store, publisher);
  try {
    const uow = unitOfWork(store, relay);
    const start = performance.now();
    for (let n = 0; n < latencyCount; n += 1) {
      const due = start + (n * 1_000) / latencyRatePerSecond;
      const wait = due - performance.now();
      if (wait > 0) await delay(wait);
      const message = event(n);
      await uow.run(async (_trx, emit) => emit([message]));
      committedAt.set(message.envelope.id, performance.now());
    }
    await relay.flush();
  } finally {
    await relay.stop();
    await bus?.close();
    await store.close();
    await rm(busDir, { recursive: true, force: true });
  }
  const sorted = samples.toSorted((a, b) => a - b);
  return { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), max: round(sorted.at(-1) ?? NaN) };
}

/** The engine's own cost of a commit: one-row transactions back to back, no outbox. */
async function plainTransactionsPerSecond(url: string): Promise<number> {
  const store = await openStore(url);
  try {
    await store.db.schema.createTable('bench_plain').ifNotExists().addColumn('n', 'integer').execute();
    const start = performance.now();
    for (let n = 0; n < commitCount; n += 1) await store.transaction((trx) => trx.insertInto('bench_plain').values({ n }).execute());
    return Math.round(commitCount / ((performance.now() - start) / 1_000));
  } finally {
    await store.close();
  }
}

/** Single-event units of work committed back to back, relay running. */
async function commitsPerSecond(url: string): Promise<number> {
  const store = await openStore(url);
  const relay = startRelay(store, { publish: async () => {} });
  try {
    const uow = unitOfWork(store, relay);
    const start = performance.now();
    for (let n = 0; n < commitCount; n += 1) await uow.run(async (_trx, emit) => emit([event(n)]));
    const seconds = (performance.now() - start) / 1_000;
    await relay.flush();
    return Math.round(commitCount / seconds);
  } finally {
    await relay.stop();
    await store.close();
  }
}

/** Rows per second the relay publishes (to a publisher that acknowledges at once) and deletes from a full outbox. */
async function drainPerSecond(url: string): Promise<number> {
  const store = await openStore(url);
  for (let n = 0; n < drainCount; n += 500) {
    const batch = Array.from({ length: 500 }, (_, i) => event(n + i));
    await store.transaction((trx) => addToOutbox(trx, batch));
  }
  const relay = startRelay(store, { publish: async () => {} }, { batchSize: 500 });
  try {
    const start = performance.now();
    await relay.flush();
    return Math.round(drainCount / ((performance.now() - start) / 1_000));
  } finally {
    await relay.stop();
    await store.close();
  }
}

const rows: Record<string, string | number>[] = [];
for (const engine of testEngines.filter((candidate) => values.engines.split(',').includes(candidate.name))) {
  const database = await engine.create();
  try {
    const store = await openStore(database.url);
    await preparePlatformTables(store);
    await store.close();
    const recording = await latency(database.url, 'recording');
    const embedded = await latency(database.url, 'embedded bus');
    rows.push({
      engine: engine.name,
      'commit->publish p50 ms': recording.p50,
      'p99 ms': recording.p99,
      'max ms': recording.max,
      'commit->embedded bus ack p50 ms': embedded.p50,
      'p99 ms ': embedded.p99,
      'plain tx/s': await plainTransactionsPerSecond(database.url),
      'units of work/s': await commitsPerSecond(database.url),
      'relay drain rows/s': await drainPerSecond(database.url),
    });
  } finally {
    await database.drop();
  }
}

if (values.json) console.log(JSON.stringify(rows, null, 2));
else {
  console.log(`outbox: ${latencyCount} single-event units of work at ${latencyRatePerSecond}/s for latency; ${commitCount} back to back; ${drainCount} rows drained in batches of 500`);
  console.table(rows);
}
