/**
 * `npm run bench:bus [-- --json] [-- --adapters embedded,kafka]`: for each bus adapter,
 *   throughput: EVENTS (default 50,000) events published in batches of 500, publish→handle, the
 *     consumer in its own process;
 *   latency: events published at a fixed 1,000/s for 10 s, publish→handle p50/p99/max;
 *   outbox: 2,000 single-event units of work at 500/s, commit→publish (acknowledged by the bus)
 *     p50/p99, on the store that mode uses (SQLite embedded; PostgreSQL with Kafka).
 * Kafka and PostgreSQL on 127.0.0.1 (KAFKA_BROKERS, POSTGRES_URL); bounded in count and time.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { envelop, systemClock } from '@eventide/core';
import type { Bus, Message } from '@eventide/messaging';
import { createTestDatabase } from '@eventide/store/testing';
import { infraUrl, isUp } from '@eventide/testing';
import { openBenchBus, type Adapter } from './lib/buses.ts';
import { outboxLatency } from './lib/outbox-latency.ts';
import { now, report } from './lib/stats.ts';

const { values } = parseArgs({
  options: { json: { type: 'boolean', default: false }, adapters: { type: 'string', default: 'embedded,kafka' } },
});
const throughputEvents = Number(process.env.EVENTS ?? 50_000);
const rate = 1_000;
const latencySeconds = 10;

const event = (topic: string, seq: number): Message => {
  const key = `order-${seq % 64}`;
  const payload = { seq, sentAt: now() };
  return { topic, key, envelope: envelop({ type: 'bench.OrderPlaced', aggregateType: 'Order', aggregateId: key, payload }, { clock: systemClock }) };
};

interface ConsumerReport {
  readonly lastHandledAt: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** Starts a consumer process; `ready` once it subscribed, `report` once it handled `expect` events. */
function consumer(adapter: Adapter, target: string, topic: string, expect: number) {
  const child = spawn(process.execPath, [new URL('./lib/bus-consumer.ts', import.meta.url).pathname], {
    env: { ...process.env, ADAPTER: adapter, TARGET: target, TOPIC: topic, GROUP: `bench-${topic}`, EXPECT: String(expect) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const { promise: ready, resolve: isReady } = Promise.withResolvers<void>();
  const report = new Promise<ConsumerReport>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`consumer exited (${code}) before reporting`)));
    createInterface({ input: child.stdout }).on('line', (line) => (line === 'ready' ? isReady() : resolve(JSON.parse(line))));
  });
  return { ready, report };
}

async function throughput(bus: Bus, adapter: Adapter, target: string): Promise<number> {
  const topic = `bench.throughput.${randomUUID().slice(0, 8)}`;
  await bus.ensureTopics([topic]);
  const run = consumer(adapter, target, topic, throughputEvents);
  await run.ready;
  const started = now();
  for (let i = 0; i < throughputEvents; i += 500) {
    await bus.publisher.publish(Array.from({ length: Math.min(500, throughputEvents - i) }, (_, j) => event(topic, i + j)));
  }
  const { lastHandledAt } = await run.report;
  return Math.round(throughputEvents / ((lastHandledAt - started) / 1_000));
}

async function latency(bus: Bus, adapter: Adapter, target: string): Promise<ConsumerReport> {
  const topic = `bench.latency.${randomUUID().slice(0, 8)}`;
  await bus.ensureTopics([topic]);
  const total = rate * latencySeconds;
  const run = consumer(adapter, target, topic, total);
  await run.ready;
  const started = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1_000) * rate));
    if (due > sent) {
      await bus.publisher.publish(Array.from({ length: due - sent }, (_, j) => event(topic, sent + j)));
      sent = due;
    }
    await delay(1);
  }
  return run.report;
}

const rows: Record<string, string | number>[] = [];
const dir = mkdtempSync(join(tmpdir(), 'eventide-bench-'));
try {
  for (const adapter of values.adapters.split(',') as Adapter[]) {
    if (adapter === 'kafka' && !(await isUp('kafka'))) {
      console.error(`kafka: not running at ${infraUrl.kafka}; skipped (npm run infra:up starts it)`);
      continue;
    }
    const target = adapter === 'embedded' ? join(dir, 'bus.db') : infraUrl.kafka;
    const bus = await openBenchBus(adapter, target, 'bench-publisher');
    const database = adapter === 'kafka' ? await createTestDatabase(infraUrl.postgres, 'eventide_bench') : undefined;
    try {
      const handled = await latency(bus, adapter, target);
      const outboxTopic = `bench.outbox.${randomUUID().slice(0, 8)}`;
      await bus.ensureTopics([outboxTopic]);
      const outbox = await outboxLatency(database?.url ?? `sqlite:${join(dir, 'outbox.db')}`, bus.publisher, (n) => event(outboxTopic, n));
      rows.push({
        adapter,
        'publish→handle events/s': await throughput(bus, adapter, target),
        'p50 ms @1k/s': handled.p50,
        'p99 ms @1k/s': handled.p99,
        'max ms @1k/s': handled.max,
        'outbox store': database ? 'postgres' : 'sqlite',
        'outbox commit→publish p50 ms': outbox.p50,
        'p99 ms': outbox.p99,
      });
    } finally {
      await bus.close();
      await database?.drop();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
report(`bus: ${throughputEvents} events for throughput; ${rate}/s for ${latencySeconds} s for latency; outbox 2,000 units of work at 500/s`, rows, values.json);
