// A quick check of the Kafka adapter against the bars of DESIGN.md section 9, on 127.0.0.1 only and
// bounded in count and time: publish→handle throughput, and publish→handle latency at 1,000 events/s.
// The project's bench is `npm run bench:bus`; this one only needs the adapter.
// Usage: npm exec -- node packages/messaging-kafka/bench/quick.ts [events=100000] [batch=500]
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { envelop, systemClock } from '@eventide/core';
import type { Bus, Message } from '@eventide/messaging';
import { infraUrl } from '@eventide/testing';
import { openKafkaBus } from '../src/open.ts';

const events = Number(process.argv[2] ?? 100_000);
const batch = Number(process.argv[3] ?? 500);
const keys = Array.from({ length: 64 }, (_, i) => `key-${i}`);

const message = (topic: string, seq: number): Message => ({
  topic,
  key: keys[seq % keys.length] ?? 'key',
  envelope: envelop(
    { type: 'bench.Happened', aggregateType: 'Bench', aggregateId: keys[seq % keys.length] ?? 'key', payload: { seq, sentAt: performance.now() } },
    { clock: systemClock },
  ),
});

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;

async function until(condition: () => boolean, withinMs: number): Promise<void> {
  const deadline = performance.now() + withinMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('timed out');
    await delay(5);
  }
}

async function throughput(bus: Bus): Promise<void> {
  const topic = `bench-throughput-${randomUUID().slice(0, 8)}`;
  await bus.ensureTopics([topic]);
  let handled = 0;
  const consumer = await bus.subscribe({ group: `bench-${topic}`, topics: [topic], handle: async () => void (handled += 1) });
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  for (let seq = 0; seq < events; seq += batch) {
    const sending = bus.publisher.publish(Array.from({ length: Math.min(batch, events - seq) }, (_, i) => message(topic, seq + i)));
    inFlight.add(sending);
    void sending.finally(() => inFlight.delete(sending));
    if (inFlight.size >= 8) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const published = performance.now();
  await until(() => handled >= events, 120_000);
  const done = performance.now();
  await consumer.stop();
  console.log(
    `throughput: ${events} events in batches of ${batch}: published at ${Math.round(events / ((published - started) / 1000))}/s, ` +
      `handled at ${Math.round(events / ((done - started) / 1000))}/s end to end (${Math.round(done - started)} ms)`,
  );
}

async function latency(bus: Bus, perSecond: number, seconds: number): Promise<void> {
  const topic = `bench-latency-${randomUUID().slice(0, 8)}`;
  await bus.ensureTopics([topic]);
  const latencies: number[] = [];
  const consumer = await bus.subscribe({
    group: `bench-${topic}`,
    topics: [topic],
    handle: async (d) => void latencies.push(performance.now() - (d.envelope.payload as { sentAt: number }).sentAt),
  });
  const total = perSecond * seconds;
  const started = performance.now();
  const sends: Promise<void>[] = [];
  for (let seq = 0; seq < total; seq += 1) {
    const due = started + (seq * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 1) await delay(wait);
    sends.push(bus.publisher.publish([message(topic, seq)]));
  }
  await Promise.all(sends);
  await until(() => latencies.length >= total, 30_000);
  await consumer.stop();
  const sorted = latencies.sort((a, b) => a - b);
  console.log(
    `latency at ${perSecond}/s for ${seconds}s (${total} single-message publishes): ` +
      `p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${percentile(sorted, 100).toFixed(1)} ms`,
  );
}

const compression = (process.env.BENCH_COMPRESSION ?? 'lz4') as 'none' | 'lz4' | 'zstd';
const bus = await openKafkaBus({ brokers: infraUrl.kafka.split(','), clientId: 'eventide-bench', compression });
try {
  await throughput(bus);
  if (process.env.BENCH_LATENCY !== '0') await latency(bus, 1_000, 10);
} finally {
  await bus.close();
}
