import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { eventually, needs } from '@eventide/testing';
import type { Consumer, Delivery } from '@eventide/messaging';
import { openStore } from '@eventide/store';
import { runScript, testEngines } from '@eventide/store/testing';
import { preparePlatformTables } from '@eventide/outbox';
import { busTargets } from './support/targets.ts';

const replicaChild = fileURLToPath(new URL('./fixtures/replica-child.ts', import.meta.url));
const eventsPerReplica = 300;

/**
 * Two replica processes share one database (and so one outbox) and commit at the same time. The
 * lease lets one relay publish at a time: every event reaches the bus exactly once (no crash, so no
 * republish) and each replica's events keep their commit order per key.
 */
for (const engine of testEngines.filter((candidate) => candidate.name !== 'mariadb')) {
  for (const bus of busTargets) {
    const infra = [...(engine.infra ? [engine.infra] : []), ...(bus.infra ? [bus.infra] : [])];
    describe(`${engine.tag}${bus.tag}two replica processes on one ${engine.name} outbox with the ${bus.name}`, await needs(...infra), () => {
      it(`publishes each of their ${2 * eventsPerReplica} events once, in commit order per key`, async () => {
        const database = await engine.create();
        const busUnderTest = await bus.create();
        const topic = `replicas.orders.${randomUUID().slice(0, 8)}`;
        const consumerBus = await busUnderTest.open();
        let consumer: Consumer | undefined;
        try {
          const store = await openStore(database.url);
          await preparePlatformTables(store);
          await store.close();
          await consumerBus.ensureTopics([topic]);
          const delivered: Delivery[] = [];
          consumer = await consumerBus.subscribe({ group: `audit-${topic}`, topics: [topic], handle: async (delivery) => void delivered.push(delivery) });

          const env = { STORE_URL: database.url, BUS_SPEC: JSON.stringify(busUnderTest.spec), TOPIC: topic, EVENTS: String(eventsPerReplica) };
          const replicas = await Promise.all(['replica-a', 'replica-b'].map((REPLICA) => runScript(replicaChild, { ...env, REPLICA })));
          for (const replica of replicas) assert.equal(replica.code, 0, replica.stderr);

          // Both replicas have exited, so everything is on the bus: wait until the consumer has read all of it.
          await eventually(
            async () => {
              assert.ok(delivered.length >= 2 * eventsPerReplica);
              assert.equal(await consumer?.lag(), 0);
            },
            { within: 20_000, what: 'every event delivered' },
          );
          assert.equal(delivered.length, 2 * eventsPerReplica);
          assert.equal(new Set(delivered.map((delivery) => delivery.envelope.id)).size, 2 * eventsPerReplica, 'no event published twice');
          const byKey = Map.groupBy(delivered, (delivery) => delivery.key);
          assert.equal(byKey.size, 4);
          for (const [key, deliveries] of byKey) {
            const order = deliveries.map((delivery) => (delivery.envelope.payload as { n: number }).n);
            assert.deepEqual(order, order.toSorted((a, b) => a - b), `commit order of ${key}`);
          }
        } finally {
          await consumer?.stop();
          await consumerBus.close();
          await database.drop();
          await busUnderTest.cleanup([topic]);
        }
      });
    });
  }
}
