/**
 * Measures the embedded bus the way the local runner uses it: the publisher in this process, the
 * consumer in another, one SQLite file between them, on 127.0.0.1's disk only.
 *   throughput: EVENTS events published in batches of 500 (as an outbox relay does), publish→handle;
 *   latency: events published at a fixed 1,000/s for 10 s, one publish per due tick, p50/p99/max.
 * Usage: node packages/messaging/bench/embedded.ts [--json]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { envelop, systemClock } from '@eventide/core';
import { openEmbeddedBus } from '../src/embedded/open.ts';
import type { Bus, Message } from '../src/port.ts';

const throughputEvents = Number(process.env.EVENTS ?? 50_000);
const rate = 1_000;
const latencySeconds = 10;
const now = (): number => performance.timeOrigin + performance.now();

function event(topic: string, seq: number): Message {
  const key = `order-${seq % 64}`;
  return { topic, key, envelope: envelop({ type: 'bench.OrderPlaced', aggregateType: 'Order', aggregateId: key, payload: { sentAt: now() } }, { clock: systemClock }) };
}

interface Report {
  readonly lastHandledAt: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** Starts the consumer process; resolves with its report once it has handled `expect` events. */
async function consumer(path: string, topic: string, expect: number): Promise<{ ready: Promise<void>; report: Promise<Report> }> {
  const child = spawn(process.execPath, [new URL('./embedded-consumer.ts', import.meta.url).pathname], {
    env: { ...process.env, BUS: path, TOPIC: topic, GROUP: `bench-${topic}`, EXPECT: String(expect) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let ready = (): void => {};
  const readyPromise = new Promise<void>((resolve) => (ready = resolve));
  const report = new Promise<Report>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`consumer exited (${code}) before reporting`)));
    createInterface({ input: child.stdout }).on('line', (line) => (line === 'ready' ? ready() : resolve(JSON.parse(line))));
  });
  return { ready: readyPromise, report };
}

async function throughput(bus: Bus, path: string): Promise<Record<string, number>> {
  const topic = 'bench.throughput';
  await bus.ensureTopics([topic]);
  const run = await consumer(path, topic, throughputEvents);
  await run.ready;
  const started = now();
  for (let i = 0; i < throughputEvents; i += 500) {
    await bus.publisher.publish(Array.from({ length: Math.min(500, throughputEvents - i) }, (_, j) => event(topic, i + j)));
  }
  const published = now();
  const { lastHandledAt } = await run.report;
  return {
    events: throughputEvents,
    publishPerSecond: Math.round(throughputEvents / ((published - started) / 1_000)),
    publishToHandlePerSecond: Math.round(throughputEvents / ((lastHandledAt - started) / 1_000)),
  };
}

async function latency(bus: Bus, path: string): Promise<Record<string, number>> {
  const topic = 'bench.latency';
  await bus.ensureTopics([topic]);
  const total = rate * latencySeconds;
  const run = await consumer(path, topic, total);
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
  const { p50Ms, p99Ms, maxMs } = await run.report;
  return { eventsPerSecond: rate, events: total, p50Ms, p99Ms, maxMs };
}

const dir = mkdtempSync(join(tmpdir(), 'eventide-bench-'));
try {
  const path = join(dir, 'bus.db');
  const bus = await openEmbeddedBus({ path });
  const results = { throughput: await throughput(bus, path), latency: await latency(bus, path) };
  await bus.close();
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ adapter: 'embedded', ...results })}\n`);
  } else {
    const t = results.throughput;
    const l = results.latency;
    console.log('adapter   publish/s  publish→handle/s  p50 ms @1k/s  p99 ms @1k/s  max ms');
    console.log(
      `embedded  ${String(t.publishPerSecond).padStart(9)}  ${String(t.publishToHandlePerSecond).padStart(16)}  ${l.p50Ms!.toFixed(2).padStart(12)}  ${l.p99Ms!.toFixed(2).padStart(12)}  ${l.maxMs!.toFixed(2).padStart(6)}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
