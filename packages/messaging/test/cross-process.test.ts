import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DatabaseSync } from 'node:sqlite';
import { after, afterEach, describe, it } from 'node:test';
import { envelop, systemClock } from '@eventide/core';
import { eventually } from '@eventide/testing';
import { openEmbeddedBus } from '../src/embedded/open.ts';
import { partitionOf } from '../src/embedded/partitioner.ts';
import type { Bus, Message } from '../src/port.ts';

const replicaScript = new URL('./processes/replica.ts', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'eventide-embedded-processes-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Two keys on each of the 4 partitions, so a split between two replicas is visible. */
const keys = ((): string[] => {
  const found: string[] = [];
  for (let i = 0; found.length < 8; i += 1) {
    const key = `key-${i}`;
    if (found.filter((k) => partitionOf(k, 4) === partitionOf(key, 4)).length < 2) found.push(key);
  }
  return found;
})();

interface Replica {
  readonly child: ChildProcess;
  readonly pid: number;
  /** `handled <seq> <latency>` lines, with REPORT=1. */
  readonly latencies: Map<number, number>;
}

interface World {
  readonly bus: Bus;
  readonly busPath: string;
  readonly store: DatabaseSync;
  readonly effectsPath: string;
  readonly topic: string;
  readonly group: string;
  readonly replicas: Replica[];
}

let world: World | undefined;

async function setUp(): Promise<World> {
  const dir = mkdtempSync(join(root, 'case-'));
  const busPath = join(dir, 'bus.db');
  const effectsPath = join(dir, 'effects.db');
  const store = new DatabaseSync(effectsPath);
  store.exec(`
    PRAGMA journal_mode = WAL;
    CREATE TABLE inbox (event_id TEXT PRIMARY KEY, key TEXT NOT NULL, seq INTEGER NOT NULL, partition INTEGER NOT NULL, pid INTEGER NOT NULL);
    CREATE TABLE counters (key TEXT PRIMARY KEY, n INTEGER NOT NULL);
    CREATE TABLE deliveries (event_id TEXT NOT NULL, pid INTEGER NOT NULL);
  `);
  const bus = await openEmbeddedBus({ path: busPath });
  const topic = 'test.orders';
  await bus.ensureTopics([topic]);
  world = { bus, busPath, store, effectsPath, topic, group: 'order-handlers', replicas: [] };
  return world;
}

afterEach(async () => {
  if (!world) return;
  const { bus, store, replicas } = world;
  world = undefined;
  await Promise.all(replicas.map((r) => stopReplica(r, 'SIGTERM')));
  await bus.close();
  store.close();
});

async function startReplica(w: World, env: Record<string, string>): Promise<Replica> {
  const child = spawn(process.execPath, [replicaScript], {
    env: { ...process.env, BUS: w.busPath, EFFECTS: w.effectsPath, TOPIC: w.topic, GROUP: w.group, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const latencies = new Map<number, number>();
  const ready = new Promise<void>((resolve, reject) => {
    child.once('exit', (code, signal) => reject(new Error(`replica exited before it was ready (${code ?? signal})`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const [word, seq, latency] = line.split(' ');
      if (word === 'ready') resolve();
      if (word === 'handled') latencies.set(Number(seq), Number(latency));
    });
  });
  await ready;
  const replica = { child, pid: child.pid!, latencies };
  w.replicas.push(replica);
  return replica;
}

async function stopReplica({ child }: Replica, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

function orders(w: World, count: number): Message[] {
  return Array.from({ length: count }, (_, seq) => {
    const key = keys[seq % keys.length]!;
    const payload = { seq: Math.floor(seq / keys.length), sentAt: performance.timeOrigin + performance.now() };
    return { topic: w.topic, key, envelope: envelop({ type: 'test.OrderPlaced', aggregateType: 'Order', aggregateId: key, payload }, { clock: systemClock }) };
  });
}

async function publishInBatches(w: World, messages: readonly Message[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 250) await w.bus.publisher.publish(messages.slice(i, i + 250));
}

const scalar = (store: DatabaseSync, sql: string, ...params: Array<string | number>): number =>
  Number(Object.values(store.prepare(sql).get(...params) ?? {})[0] ?? 0);

/** Every event applied exactly once (inbox and counters agree) and, per key, first applied in publish order. */
function assertAppliedOnceInOrder(w: World, total: number): void {
  assert.equal(scalar(w.store, 'SELECT count(*) FROM inbox'), total);
  assert.equal(scalar(w.store, 'SELECT coalesce(sum(n), 0) FROM counters'), total, 'the non-idempotent effect ran once per event');
  for (const key of keys) {
    const seqs = w.store.prepare('SELECT seq FROM inbox WHERE key = ? ORDER BY rowid').all(key).map((row) => Number(row.seq));
    assert.deepEqual(seqs, Array.from({ length: total / keys.length }, (_, i) => i), `${key} applied in order`);
  }
}

describe('embedded bus across OS processes', () => {
  it('splits a group between two replica processes: every event handled once, per-key order kept, nothing delivered twice', async () => {
    const w = await setUp();
    const [a, b] = [await startReplica(w, { SESSION_TIMEOUT_MS: '5000' }), await startReplica(w, { SESSION_TIMEOUT_MS: '5000' })];
    const total = 4_000;
    await publishInBatches(w, orders(w, total));

    await eventually(() => assert.equal(scalar(w.store, 'SELECT count(*) FROM inbox'), total), { within: 30_000, what: 'all events applied' });
    assertAppliedOnceInOrder(w, total);
    assert.equal(scalar(w.store, 'SELECT count(*) FROM deliveries'), total, 'no event was delivered twice');
    for (const replica of [a, b]) {
      assert.equal(scalar(w.store, 'SELECT count(DISTINCT partition) FROM inbox WHERE pid = ?', replica.pid), 2, `replica ${replica.pid} handled 2 of the 4 partitions`);
    }
  });

  it('hands the partitions of a replica killed with SIGKILL mid-stream to its peer after the session timeout, losing nothing', async (t) => {
    const w = await setUp();
    const sessionTimeoutMs = '1000';
    const victim = await startReplica(w, { SESSION_TIMEOUT_MS: sessionTimeoutMs, HANDLER_DELAY_MS: '2' });
    const survivor = await startReplica(w, { SESSION_TIMEOUT_MS: sessionTimeoutMs, HANDLER_DELAY_MS: '2' });
    const total = 4_000;
    await publishInBatches(w, orders(w, total));

    await eventually(() => assert.ok(scalar(w.store, 'SELECT count(*) FROM inbox WHERE pid = ?', victim.pid) >= 200), { within: 10_000, what: 'the victim to be mid-stream' });
    await stopReplica(victim, 'SIGKILL');
    const appliedAtKill = scalar(w.store, 'SELECT count(*) FROM inbox');
    assert.ok(appliedAtKill < total, `killed mid-stream (${appliedAtKill} of ${total} applied)`);

    await eventually(() => assert.equal(scalar(w.store, 'SELECT count(*) FROM inbox'), total), { within: 30_000, what: 'all events applied after the takeover' });
    assertAppliedOnceInOrder(w, total);
    assert.equal(scalar(w.store, 'SELECT count(DISTINCT partition) FROM inbox WHERE pid = ?', survivor.pid), 4, 'the survivor took over the victim’s partitions');
    t.diagnostic(`${appliedAtKill} applied at the kill; ${scalar(w.store, 'SELECT count(*) FROM deliveries') - total} redeliveries of uncommitted work`);
  });

  it('hands the partitions of a replica stopped with SIGTERM to its peer at once, without waiting for the session timeout and with nothing delivered twice', async () => {
    const w = await setUp();
    const leaving = await startReplica(w, { SESSION_TIMEOUT_MS: '60000', HANDLER_DELAY_MS: '2' });
    const staying = await startReplica(w, { SESSION_TIMEOUT_MS: '60000', HANDLER_DELAY_MS: '2' });
    const total = 2_000;
    await publishInBatches(w, orders(w, total));

    await eventually(() => assert.ok(scalar(w.store, 'SELECT count(*) FROM inbox WHERE pid = ?', leaving.pid) >= 200), { within: 10_000, what: 'the leaving replica to be mid-stream' });
    await stopReplica(leaving, 'SIGTERM');
    assert.ok(scalar(w.store, 'SELECT count(*) FROM inbox') < total, 'stopped mid-stream');

    await eventually(() => assert.equal(scalar(w.store, 'SELECT count(*) FROM inbox'), total), { within: 20_000, what: 'all events applied, long before the 60 s session timeout' });
    assertAppliedOnceInOrder(w, total);
    assert.equal(scalar(w.store, 'SELECT count(*) FROM deliveries'), total, 'the in-flight work was committed at the stop, so nothing was delivered twice');
    assert.equal(scalar(w.store, 'SELECT count(DISTINCT partition) FROM inbox WHERE pid = ?', staying.pid), 4);
  });

  it('wakes a consumer in another process on each publish, without waiting for its safety-net poll', async (t) => {
    const w = await setUp();
    // A 60 s poll and a 20 s heartbeat (so a 20 s rebalance check): only the wake-up can be this quick.
    const consumer = await startReplica(w, { SESSION_TIMEOUT_MS: '60000', POLL_INTERVAL_MS: '60000', REPORT: '1' });
    const rounds = 100;
    for (let round = 0; round < rounds; round += 1) {
      const [message] = orders(w, 1);
      const seq = round;
      await w.bus.publisher.publish([{ ...message!, envelope: { ...message!.envelope, payload: { seq, sentAt: performance.timeOrigin + performance.now() } } }]);
      await eventually(() => assert.ok(consumer.latencies.has(seq)), { within: 1_000, every: 1, what: `event ${seq} handled within 1 s, not at the next poll` });
    }
    const sorted = [...consumer.latencies.values()].sort((x, y) => x - y);
    const at = (q: number): string => (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN).toFixed(2);
    t.diagnostic(`publish→handle across processes over ${rounds} events: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`);
  });
});
