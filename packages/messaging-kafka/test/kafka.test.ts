import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { envelop, isAppError, systemClock } from '@eventide/core';
import type { Bus, Delivery, Message } from '@eventide/messaging';
import { busContract } from '@eventide/messaging/contract';
import { eventually, infraUrl, needs } from '@eventide/testing';
import { Admin } from '@platformatic/kafka';
import { openKafkaBus } from '../src/open.ts';

const brokers = infraUrl.kafka.split(',');
const open = (sessionTimeoutMs = 6_000): Promise<Bus> => openKafkaBus({ brokers, clientId: 'eventide-test', sessionTimeoutMs });

busContract({ name: 'kafka [kafka]', open: () => open(), options: await needs('kafka') });

const fresh = (what: string): string => `kafka-${what}-${randomUUID().slice(0, 8)}`;
const within = 20_000;

/** Events over 16 keys, which the partitioner spreads over every partition of a 4-partition topic. */
const events = (topic: string, from: number, count: number): Message[] =>
  Array.from({ length: count }, (_, i) => {
    const key = `key-${(from + i) % 16}`;
    return { topic, key, envelope: envelop({ type: 'test.Happened', aggregateType: 'Test', aggregateId: key, payload: { seq: from + i } }, { clock: systemClock }) };
  });

describe('kafka adapter [kafka]', await needs('kafka'), () => {
  const buses: Bus[] = [];
  const admin = new Admin({ clientId: 'eventide-test-admin', bootstrapBrokers: brokers });
  const openBus = async (sessionTimeoutMs?: number): Promise<Bus> => {
    const bus = await open(sessionTimeoutMs);
    buses.push(bus);
    return bus;
  };
  after(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
    await admin.close();
  });

  it('gives a second replica half the partitions once it joins, and each partition then goes to one replica only', async () => {
    const topic = fresh('join');
    const group = fresh('g');
    const [first, second] = [await openBus(), await openBus()];
    await first.ensureTopics([topic]);
    const handledBy = new Map<number, Set<string>>();
    const record = (replica: string) => async (d: Delivery) => {
      handledBy.set(d.partition, (handledBy.get(d.partition) ?? new Set()).add(replica));
    };
    await first.subscribe({ group, topics: [topic], handle: record('first') });
    await second.subscribe({ group, topics: [topic], handle: record('second') });
    await first.publisher.publish(events(topic, 0, 400));

    await eventually(() => assert.equal(handledBy.size, 4), { within, what: 'events on all 4 partitions' });
    const owners = [...handledBy.values()].map((replicas) => [...replicas]);
    assert.ok(owners.every((replicas) => replicas.length === 1), `one replica per partition, got ${JSON.stringify(owners)}`);
    assert.equal(owners.filter(([replica]) => replica === 'second').length, 2, 'the second replica owns 2 of the 4 partitions');
  });

  it('lets a joining replica take partitions only after the deliveries in flight on them finished and were committed', async () => {
    const topic = fresh('barrier');
    const group = fresh('g');
    const [first, second] = [await openBus(), await openBus()];
    await first.ensureTopics([topic]);
    const gate = Promise.withResolvers<void>();
    let inFlight = 0;
    let overlapped = false;
    const handled: string[] = [];
    await first.subscribe({
      group,
      topics: [topic],
      handle: async (d) => {
        inFlight += 1;
        await gate.promise;
        inFlight -= 1;
        handled.push(d.envelope.id);
      },
    });
    await first.publisher.publish(events(topic, 0, 16));
    await eventually(() => assert.ok(inFlight >= 3, `${inFlight} deliveries in flight`), { within, what: 'one delivery in flight per partition' });

    const joining = second.subscribe({
      group,
      topics: [topic],
      handle: async (d) => {
        if (inFlight > 0) overlapped = true;
        handled.push(d.envelope.id);
      },
    });
    const state = async (): Promise<string | undefined> => (await admin.describeGroups({ groups: [group] })).get(group)?.state;
    await eventually(async () => assert.equal(await state(), 'PreparingRebalance'), { within, what: 'the coordinator to see the second replica join' });
    // While the first replica's deliveries are in flight, the rebalance must not complete. Proving
    // that something does not happen takes a bounded wait: 3 s is three of the first replica's heartbeats.
    const waitUntil = performance.now() + 3_000;
    while (performance.now() < waitUntil) {
      assert.equal(await state(), 'PreparingRebalance', 'the group waits for the member whose deliveries are in flight');
      assert.equal(handled.length, 0);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    gate.resolve();
    await joining;
    await eventually(() => assert.equal(handled.length, 16), { within, what: 'all 16 events' });
    assert.equal(overlapped, false, 'the second replica handled nothing while the first had deliveries in flight');
    assert.equal(new Set(handled).size, 16, 'what the first replica handled was committed before it gave its partitions away');
  });

  it('moves the partitions of a replica that stops to the one that stays', async () => {
    const topic = fresh('leave');
    const group = fresh('g');
    const [staying, leaving] = [await openBus(), await openBus()];
    await staying.ensureTopics([topic]);
    const partitionsOfStaying = new Set<number>();
    let handled = 0;
    await staying.subscribe({ group, topics: [topic], handle: async (d) => void (partitionsOfStaying.add(d.partition), (handled += 1)) });
    const leavingConsumer = await leaving.subscribe({ group, topics: [topic], handle: async () => void (handled += 1) });
    await staying.publisher.publish(events(topic, 0, 100));
    await eventually(() => assert.equal(handled, 100), { within, what: 'the first 100 events' });
    assert.equal(partitionsOfStaying.size, 2, 'the partitions are split while both run');

    await leavingConsumer.stop();
    partitionsOfStaying.clear();
    await staying.publisher.publish(events(topic, 100, 100));
    await eventually(() => assert.equal(partitionsOfStaying.size, 4), { within, what: 'the staying replica to handle all 4 partitions' });
  });

  it('loses nothing when a replica is killed with SIGKILL: once its session times out, the survivor resumes its partitions from their committed offsets', async (t) => {
    const topic = fresh('sigkill');
    const group = fresh('g');
    const survivor = await openBus(2_000);
    await survivor.ensureTopics([topic]);
    const handled = new Set<string>();
    const partitionsOfSurvivor = new Set<number>();

    const replica: ChildProcess = spawn(process.execPath, [join(import.meta.dirname, 'fixtures', 'replica.ts'), brokers.join(','), topic, group, '2000'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    t.after(() => replica.kill('SIGKILL'));
    const lines = createInterface({ input: replica.stdout! });
    let ready = false;
    lines.on('line', (line) => {
      if (line === 'ready') ready = true;
      else handled.add((JSON.parse(line) as { id: string }).id);
    });
    await eventually(() => assert.ok(ready), { within, what: 'the replica process to subscribe' });
    await survivor.subscribe({ group, topics: [topic], handle: async (d) => void (handled.add(d.envelope.id), partitionsOfSurvivor.add(d.partition)) });

    const before = events(topic, 0, 200);
    await survivor.publisher.publish(before);
    await eventually(() => assert.equal(handled.size, 200), { within, what: 'the first 200 events, split between the processes' });
    assert.equal(partitionsOfSurvivor.size, 2, 'the replica process owned half the partitions');

    replica.kill('SIGKILL');
    await once(replica, 'exit');
    const afterKill = events(topic, 200, 200);
    await survivor.publisher.publish(afterKill);
    await eventually(() => assert.equal(handled.size, 400), { within: 30_000, what: 'every event, the killed replica\'s partitions included' });
    assert.equal(partitionsOfSurvivor.size, 4);
  });

  it('commits offsets where Kafka\'s own tools see them: after stop, the group\'s committed offsets are the end of each partition', async () => {
    const topic = fresh('committed');
    const group = fresh('g');
    const bus = await openBus();
    await bus.ensureTopics([topic]);
    let handled = 0;
    const consumer = await bus.subscribe({ group, topics: [topic], handle: async () => void (handled += 1) });
    await bus.publisher.publish(events(topic, 0, 100));
    await eventually(() => assert.equal(handled, 100), { within, what: '100 events' });
    await consumer.stop();

    const [offsets] = await admin.listConsumerGroupOffsets({ groups: [group] });
    const committed = offsets?.topics.find((t) => t.name === topic)?.partitions.reduce((sum, p) => sum + p.committedOffset, 0n);
    assert.equal(committed, 100n, 'committed offsets add up to the 100 records');
  });

  it('creates missing topics with the configured partitions and leaves existing ones as they are', async () => {
    const [created, existing] = [fresh('created'), fresh('existing')];
    await admin.createTopics({ topics: [existing], partitions: 2, replicas: 1 });
    const bus = await openKafkaBus({ brokers, clientId: 'eventide-test', partitions: 3 });
    buses.push(bus);
    await bus.ensureTopics([created, existing]);
    await bus.ensureTopics([created, existing]);

    const metadata = await admin.metadata({ topics: [created, existing], forceUpdate: true });
    assert.equal(metadata.topics.get(created)?.partitionsCount, 3);
    assert.equal(metadata.topics.get(existing)?.partitionsCount, 2);
  });

  it('lets services that start together ensure the same new topics at once (seen: "Topic with this name already exists" stopping one of them)', async () => {
    const together = await Promise.all(Array.from({ length: 5 }, () => openBus()));
    for (let round = 0; round < 10; round++) {
      const topics = Array.from({ length: 6 }, (_, i) => fresh(`together-${i}`));
      // Each its own overlapping share, as the services of one system subscribe to each other's topics.
      await Promise.all(together.map((bus, i) => bus.ensureTopics([topics[i]!, ...topics.filter((_, j) => j % 2 === i % 2)])));
      const metadata = await admin.metadata({ topics, forceUpdate: true });
      for (const topic of topics.slice(0, 5)) assert.equal(metadata.topics.get(topic)?.partitionsCount, 4, topic);
    }
  });

  it('rejects a publish to a topic nobody created as a usage error, not as an outage', async () => {
    const bus = await openBus();
    await assert.rejects(bus.publisher.publish(events(fresh('missing'), 0, 1)), (error) => !isAppError(error) && /Unknown topic/.test(String(error)));
  });
});

describe('kafka adapter without a broker', () => {
  it('answers ping with an unavailable error when nothing listens', async () => {
    const bus = await openKafkaBus({ brokers: ['127.0.0.1:1'], clientId: 'eventide-test' });
    try {
      await assert.rejects(bus.ping(), (error) => isAppError(error) && error.code === 'unavailable');
    } finally {
      await bus.close();
    }
  });
});
