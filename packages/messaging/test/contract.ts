import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { afterEach, describe, it } from 'node:test';
import { envelop, systemClock } from '@eventide/core';
import { eventually } from '@eventide/testing';
import { consumerPipeline } from '../src/pipeline/consumer-pipeline.ts';
import type { Bus, Delivery, DeliveryHandler, Message } from '../src/port.ts';
import { deadLetterTopicOf } from '../src/port.ts';

/**
 * The behaviour every adapter of the messaging port must show (DESIGN.md section 4). Each adapter's
 * test file calls `busContract` with its own target; the cases know nothing about the adapter.
 */
export interface ContractTarget {
  /** Shown in suite names; include the server tag for real servers, e.g. 'embedded' or 'kafka [kafka]'. */
  readonly name: string;
  /** Opens a new, independent client of the same underlying bus, as another OS process would: used for replicas and restarts. */
  open(): Promise<Bus>;
  /** describe() options, e.g. `await needs('kafka')`. */
  readonly options?: { skip?: string };
}

const within = 20_000;

const fresh = (what: string): string => `contract-${what}-${randomUUID().slice(0, 8)}`;

/** A message whose payload carries its sequence number, so order and loss are visible. */
function counted(topic: string, key: string, seq: number, headers?: Record<string, string>): Message {
  const envelope = envelop(
    { type: 'contract.Counted', aggregateType: 'Counter', aggregateId: key, aggregateVersion: seq, payload: { seq } },
    { clock: systemClock },
  );
  return headers ? { topic, key, envelope, headers } : { topic, key, envelope };
}

const seqOf = (delivery: Delivery): number => (delivery.envelope.payload as { seq: number }).seq;

const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);

/** Publishes in batches, as an outbox relay does. */
async function publishAll(bus: Bus, messages: readonly Message[], batch = 500): Promise<void> {
  for (let i = 0; i < messages.length; i += batch) await bus.publisher.publish(messages.slice(i, i + batch));
}

/** A promise the test resolves by hand: a handler awaits it to stay in flight. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open = (): void => {};
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

export function busContract(target: ContractTarget): void {
  describe(`messaging contract: ${target.name}`, target.options ?? {}, () => {
    const clients: Bus[] = [];
    const open = async (): Promise<Bus> => {
      const bus = await target.open();
      clients.push(bus);
      return bus;
    };
    afterEach(async () => {
      await Promise.all(clients.splice(0).map((bus) => bus.close()));
    });

    it('delivers messages with topic, key, envelope and headers intact, each with a partition and an offset that increases per partition', async () => {
      const bus = await open();
      const topic = fresh('intact');
      await bus.ensureTopics([topic]);
      const sent = range(0, 12).map((seq) => counted(topic, `key-${seq % 3}`, seq, { 'x-trace': `t${seq}` }));
      const received: Delivery[] = [];
      await bus.subscribe({ group: fresh('g'), topics: [topic], handle: async (d) => void received.push(d) });
      await bus.publisher.publish(sent);

      await eventually(() => assert.equal(received.length, sent.length), { within, what: 'all 12 messages' });
      for (const message of sent) {
        const delivery = received.find((d) => d.envelope.id === message.envelope.id);
        assert.ok(delivery, `message ${message.envelope.id} was delivered`);
        assert.equal(delivery.topic, topic);
        assert.equal(delivery.key, message.key);
        assert.deepEqual(delivery.envelope, message.envelope);
        assert.deepEqual(delivery.headers, message.headers);
        assert.ok(Number.isInteger(delivery.partition) && delivery.partition >= 0, `partition ${delivery.partition}`);
        assert.match(delivery.offset, /^\d+$/);
      }
      for (const key of ['key-0', 'key-1', 'key-2']) {
        const ofKey = received.filter((d) => d.key === key);
        assert.equal(new Set(ofKey.map((d) => d.partition)).size, 1, `${key} stays on one partition`);
        assert.deepEqual(ofKey.map(seqOf), [...ofKey.map(seqOf)].sort((a, b) => a - b), `${key} arrives in publish order`);
      }
      const lastOffset = new Map<number, bigint>();
      for (const d of received) {
        const offset = BigInt(d.offset);
        const previous = lastOffset.get(d.partition);
        assert.ok(previous === undefined || offset > previous, `offset ${offset} after ${previous} on partition ${d.partition}`);
        lastOffset.set(d.partition, offset);
      }
    });

    it('shares 10,000 events over 4 keys between 2 replicas of one group: each effect applied once, per-key order kept, no key handled twice at once', async (t) => {
      const [first, second] = [await open(), await open()];
      const topic = fresh('replicas');
      const group = fresh('g');
      await first.ensureTopics([topic]);
      const keys = ['k-a', 'k-b', 'k-c', 'k-d'];
      const perKey = 2_500;
      const events = range(0, perKey).flatMap((seq) => keys.map((key) => counted(topic, key, seq)));

      // The effect is idempotent by envelope id, as an inbox makes it; raw deliveries are counted too.
      const applied = new Set<string>();
      const firstApplications = new Map<string, number[]>(keys.map((k) => [k, []]));
      const inFlight = new Set<string>();
      let raw = 0;
      let overlaps = 0;
      const byReplica = [0, 0];
      const replica =
        (index: number): DeliveryHandler =>
        async (d) => {
          raw += 1;
          byReplica[index] = (byReplica[index] ?? 0) + 1;
          if (inFlight.has(d.key)) overlaps += 1;
          inFlight.add(d.key);
          await yieldToLoop();
          inFlight.delete(d.key);
          if (applied.has(d.envelope.id)) return;
          applied.add(d.envelope.id);
          firstApplications.get(d.key)?.push(seqOf(d));
        };

      // The second replica joins mid-stream, so the group rebalances while events flow.
      await first.subscribe({ group, topics: [topic], handle: replica(0) });
      await publishAll(first, events.slice(0, events.length / 2));
      await second.subscribe({ group, topics: [topic], handle: replica(1) });
      await publishAll(second, events.slice(events.length / 2));

      await eventually(() => assert.equal(applied.size, events.length), { within: 60_000, every: 50, what: 'all 10,000 effects' });
      for (const key of keys) assert.deepEqual(firstApplications.get(key), range(0, perKey), `first applications of ${key} are 0..${perKey - 1} in order`);
      assert.equal(overlaps, 0, 'no two deliveries of one key were in flight at once');
      assert.ok(raw >= events.length);
      t.diagnostic(`raw deliveries ${raw} (replica 1: ${byReplica[0]}, replica 2: ${byReplica[1]})`);
    });

    it('resumes a stopped group from its committed offset: a new client handles all 1,000 events published meanwhile and none handled before the stop', async () => {
      const bus = await open();
      const topic = fresh('resume');
      const group = fresh('g');
      await bus.ensureTopics([topic]);
      const before = range(0, 10).map((seq) => counted(topic, `k-${seq % 4}`, seq));
      const handledBefore = new Set<string>();
      const consumer = await bus.subscribe({ group, topics: [topic], handle: async (d) => void handledBefore.add(d.envelope.id) });
      await bus.publisher.publish(before);
      await eventually(() => assert.equal(handledBefore.size, before.length), { within, what: 'the first 10 events' });
      await consumer.stop();

      const during = range(10, 1_000).map((seq) => counted(topic, `k-${seq % 4}`, seq));
      await publishAll(bus, during);
      const restarted = await open();
      const handledAfter: string[] = [];
      await restarted.subscribe({ group, topics: [topic], handle: async (d) => void handledAfter.push(d.envelope.id) });

      await eventually(() => assert.equal(new Set(handledAfter).size, during.length), { within, what: 'the 1,000 events published while stopped' });
      assert.deepEqual(
        handledAfter.filter((id) => handledBefore.has(id)),
        [],
        'events handled before the stop are not handled again',
      );
    });

    it('does not commit a rejected delivery: it is delivered again before anything after it on its partition, also to the next client of the group', async () => {
      const bus = await open();
      const topic = fresh('reject');
      const group = fresh('g');
      await bus.ensureTopics([topic]);
      const failing: number[] = [];
      const consumer = await bus.subscribe({
        group,
        topics: [topic],
        handle: async (d) => {
          failing.push(seqOf(d));
          if (seqOf(d) === 0) throw new Error('not done yet');
        },
      });
      await bus.publisher.publish(range(0, 3).map((seq) => counted(topic, 'one-key', seq)));

      await eventually(() => assert.ok(failing.length >= 2, `deliveries so far: ${failing.join(',')}`), { within, what: 'event 0 to be delivered again' });
      await consumer.stop();
      assert.ok(
        failing.every((seq) => seq === 0),
        `only event 0 is delivered while it keeps failing, got ${failing.join(',')}`,
      );

      const next: number[] = [];
      const successor = await open();
      await successor.subscribe({ group, topics: [topic], handle: async (d) => void next.push(seqOf(d)) });
      await eventually(() => assert.deepEqual(next, [0, 1, 2]), { within, what: 'the next client to start at event 0' });
    });

    it('moves a poison event to <topic>.dlq after N attempts with the error and attempt count in headers, while later events on its partition keep flowing', async () => {
      const bus = await open();
      const topic = fresh('poison');
      const dlq = deadLetterTopicOf(topic);
      const group = fresh('g');
      await bus.ensureTopics([topic, dlq]);
      const handled: number[] = [];
      let poison: Delivery | undefined;
      let poisonAttempts = 0;
      const handle = consumerPipeline(
        async (d) => {
          if (seqOf(d) === 1) {
            poison = d;
            poisonAttempts += 1;
            throw new Error('cannot digest event 1');
          }
          handled.push(seqOf(d));
        },
        { publisher: bus.publisher, maxAttempts: 3, sleep: async () => {} },
      );
      await bus.subscribe({ group, topics: [topic], handle });
      const dead: Delivery[] = [];
      await bus.subscribe({ group: `${group}-dlq`, topics: [dlq], handle: async (d) => void dead.push(d) });
      const sent = range(0, 5).map((seq) => counted(topic, 'one-key', seq));
      await bus.publisher.publish(sent);

      await eventually(
        () => {
          assert.deepEqual(handled, [0, 2, 3, 4]);
          assert.equal(dead.length, 1);
        },
        { within, what: 'events 0, 2, 3, 4 handled and event 1 dead-lettered' },
      );
      assert.equal(poisonAttempts, 3);
      const [letter] = dead;
      assert.ok(letter && poison);
      assert.equal(letter.topic, dlq);
      assert.equal(letter.key, 'one-key');
      assert.deepEqual(letter.envelope, sent[1]?.envelope);
      assert.equal(letter.headers?.['dlq-attempts'], '3');
      assert.match(letter.headers?.['dlq-error'] ?? '', /cannot digest event 1/);
      assert.equal(letter.headers?.['dlq-topic'], topic);
      assert.equal(letter.headers?.['dlq-partition'], String(poison.partition));
      assert.equal(letter.headers?.['dlq-offset'], poison.offset);
    });

    it("starts a new group with from: 'latest' after the messages already published, and with 'earliest' (the default) at the beginning", async () => {
      const bus = await open();
      const topic = fresh('from');
      await bus.ensureTopics([topic]);
      await bus.publisher.publish(range(0, 5).map((seq) => counted(topic, 'one-key', seq)));
      const latest: number[] = [];
      const earliest: number[] = [];
      await bus.subscribe({ group: fresh('latest'), topics: [topic], from: 'latest', handle: async (d) => void latest.push(seqOf(d)) });
      await bus.subscribe({ group: fresh('earliest'), topics: [topic], handle: async (d) => void earliest.push(seqOf(d)) });
      await bus.publisher.publish(range(5, 5).map((seq) => counted(topic, 'one-key', seq)));

      // One key, one partition: had 'latest' seen an old message, it would have come before the new ones.
      await eventually(() => assert.deepEqual(latest, range(5, 5)), { within, what: "'latest' to see exactly the 5 new messages" });
      await eventually(() => assert.deepEqual(earliest, range(0, 10)), { within, what: "'earliest' to see all 10 messages" });
    });

    it('keeps messages when every client is closed: a new group on a new client reads all of them', async () => {
      const topic = fresh('durable');
      const sent = range(0, 20).map((seq) => counted(topic, `k-${seq % 4}`, seq));
      const writer = await open();
      await writer.ensureTopics([topic]);
      await writer.publisher.publish(sent);
      await Promise.all(clients.splice(0).map((bus) => bus.close()));

      const reader = await open();
      const received = new Set<string>();
      await reader.subscribe({ group: fresh('g'), topics: [topic], handle: async (d) => void received.add(d.envelope.id) });
      await eventually(() => assert.deepEqual([...received].sort(), sent.map((m) => m.envelope.id).sort()), { within, what: 'all 20 messages' });
    });

    it('names the end of each partition: where its next message goes, the offset after its last delivery', async () => {
      const bus = await open();
      const topic = fresh('ends');
      await bus.ensureTopics([topic]);
      const empty = (await bus.endOffsets([topic]))[topic];
      assert.ok(empty && empty.length > 0, 'one entry per partition');
      assert.deepEqual(new Set(empty), new Set(['0']));
      await bus.publisher.publish(range(0, 30).map((seq) => counted(topic, `k-${seq % 5}`, seq)));
      const received: Delivery[] = [];
      await bus.subscribe({ group: fresh('g'), topics: [topic], handle: async (d) => void received.push(d) });
      await eventually(() => assert.equal(received.length, 30), { within, what: 'all 30 messages' });

      const ends = (await bus.endOffsets([topic]))[topic]!;
      assert.equal(ends.length, empty.length);
      ends.forEach((end, partition) => {
        const last = received.filter((d) => d.partition === partition).reduce((max, d) => (BigInt(d.offset) + 1n > max ? BigInt(d.offset) + 1n : max), 0n);
        assert.equal(end, String(last), `partition ${partition}`);
      });
    });

    it('reports as lag what is published and not yet committed, down to 0 once handled, and is running only between subscribe and stop', async () => {
      const bus = await open();
      const topic = fresh('lag');
      await bus.ensureTopics([topic]);
      const held = gate();
      const consumer = await bus.subscribe({ group: fresh('g'), topics: [topic], handle: () => held.wait });
      assert.equal(consumer.running, true);
      await bus.publisher.publish(range(0, 20).map((seq) => counted(topic, `k-${seq % 4}`, seq)));

      try {
        await eventually(async () => assert.equal(await consumer.lag(), 20), { within, what: 'lag to count the 20 unhandled messages' });
      } finally {
        held.open();
      }
      await eventually(async () => assert.equal(await consumer.lag(), 0), { within, what: 'lag to reach 0' });
      await consumer.stop();
      assert.equal(consumer.running, false);
    });
  });
}
