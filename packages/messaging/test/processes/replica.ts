/**
 * A consumer replica for the cross-process tests, run as its own OS process. It subscribes to
 * TOPIC in GROUP on the bus file BUS and handles each event as a service would: in one transaction
 * of its own store (EFFECTS, a SQLite file), an inbox row keyed by event id plus a non-idempotent
 * effect (a per-key counter), so a redelivered event changes nothing. Every raw delivery is
 * recorded too. Prints `ready` once subscribed and, with REPORT=1, `handled <seq> <latency ms>`.
 * SIGTERM stops it gracefully.
 */
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as delay } from 'node:timers/promises';
import { openEmbeddedBus } from '../../src/embedded/open.ts';

const setting = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const handlerDelayMs = Number(process.env.HANDLER_DELAY_MS ?? '0');
const report = process.env.REPORT === '1';

const store = new DatabaseSync(setting('EFFECTS'));
store.exec('PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL');
const recordDelivery = store.prepare('INSERT INTO deliveries (event_id, pid) VALUES (?, ?)');
const enterInbox = store.prepare('INSERT INTO inbox (event_id, key, seq, partition, pid) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING');
const count = store.prepare('INSERT INTO counters (key, n) VALUES (?, 1) ON CONFLICT DO UPDATE SET n = n + 1');

const bus = await openEmbeddedBus({
  path: setting('BUS'),
  sessionTimeoutMs: Number(setting('SESSION_TIMEOUT_MS')),
  pollIntervalMs: Number(process.env.POLL_INTERVAL_MS ?? '1000'),
  clientId: `replica-${process.pid}`,
});
await bus.subscribe({
  group: setting('GROUP'),
  topics: [setting('TOPIC')],
  handle: async (delivery) => {
    const { seq, sentAt } = delivery.envelope.payload as { seq: number; sentAt: number };
    if (handlerDelayMs > 0) await delay(handlerDelayMs);
    store.exec('BEGIN IMMEDIATE');
    try {
      recordDelivery.run(delivery.envelope.id, process.pid);
      if (enterInbox.run(delivery.envelope.id, delivery.key, seq, delivery.partition, process.pid).changes > 0) count.run(delivery.key);
      store.exec('COMMIT');
    } catch (error) {
      store.exec('ROLLBACK');
      throw error;
    }
    if (report) process.stdout.write(`handled ${seq} ${performance.timeOrigin + performance.now() - sentAt}\n`);
  },
});
process.stdout.write('ready\n');

process.once('SIGTERM', () => {
  void bus.close().then(() => {
    store.close();
    process.exit(0);
  });
});
