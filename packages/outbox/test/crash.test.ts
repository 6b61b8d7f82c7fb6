import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { eventually, needs } from '@eventide/testing';
import type { Consumer } from '@eventide/messaging';
import { openStore } from '@eventide/store';
import type { Store } from '@eventide/store';
import { runScript, testEngines } from '@eventide/store/testing';
import { handleOnce, preparePlatformTables, startRelay } from '@eventide/outbox';
import { busTargets } from './support/targets.ts';

/**
 * The outbox's promise under SIGKILL: a child process commits a command whose event goes to the
 * outbox and is killed (a) after the commit, before any publish, or (b) after the bus acknowledged
 * the publish, before the outbox row was deleted. After a relay restarts, the event is delivered
 * and a consumer using handleOnce applies its effect exactly once.
 */
const crashChild = fileURLToPath(new URL('./fixtures/crash-child.ts', import.meta.url));
const childLeaseMs = 1_000;

const serviceTables = {
  '001_orders_and_effects': {
    up: async (db: Parameters<Parameters<Store['transaction']>[0]>[0]) => {
      await db.schema.createTable('orders').addColumn('id', 'varchar(100)', (c) => c.primaryKey()).execute();
      await db.schema
        .createTable('effects')
        .addColumn('order_id', 'varchar(100)', (c) => c.primaryKey())
        .addColumn('applied', 'integer', (c) => c.notNull())
        .execute();
    },
  },
};

const engines = testEngines.filter((engine) => engine.name !== 'mariadb');

for (const engine of engines) {
  for (const bus of busTargets) {
    const infra = [...(engine.infra ? [engine.infra] : []), ...(bus.infra ? [bus.infra] : [])];
    describe(`${engine.tag}${bus.tag}outbox under SIGKILL on ${engine.name} with the ${bus.name}`, await needs(...infra), () => {
      for (const crashAt of ['after-commit', 'after-publish'] as const) {
        const when = crashAt === 'after-commit' ? 'after its commit, before any publish' : 'after the publish, before the outbox row is deleted';
        it(`delivers the event of a process killed ${when}, and the consumer applies it once`, async () => {
          const database = await engine.create();
          const busUnderTest = await bus.create();
          const topic = `crash.orders.${randomUUID().slice(0, 8)}`;
          const store = await openStore(database.url);
          const consumers: Consumer[] = [];
          const stops: (() => Promise<void>)[] = [];
          try {
            await preparePlatformTables(store);
            await store.migrate(serviceTables);
            const orderId = `order-${randomUUID().slice(0, 8)}`;
            const consumerBus = await busUnderTest.open();
            stops.push(() => consumerBus.close());
            await consumerBus.ensureTopics([topic]);

            const child = await runScript(crashChild, {
              STORE_URL: database.url,
              BUS_SPEC: JSON.stringify(busUnderTest.spec),
              CRASH_AT: crashAt,
              TOPIC: topic,
              ORDER_ID: orderId,
              LEASE_MS: String(childLeaseMs),
            });
            assert.equal(child.signal, 'SIGKILL', `the child should die by SIGKILL; it exited ${child.code}: ${child.stderr}`);
            assert.ok(await store.db.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirst(), 'the command was committed');
            const left = await store.db.selectFrom('outbox').select('topic').execute();
            assert.deepEqual(left.map((row) => row.topic), [topic], 'the event is still in the outbox');

            const outcomes: string[] = [];
            consumers.push(
              await consumerBus.subscribe({
                group: `billing-${topic}`,
                topics: [topic],
                handle: async (delivery) => {
                  const outcome = await handleOnce(store, 'billing', delivery.envelope, async (trx) => {
                    const row = await trx.selectFrom('effects').select('applied').where('order_id', '=', delivery.key).executeTakeFirst();
                    await (row
                      ? trx.updateTable('effects').set({ applied: Number(row.applied) + 1 }).where('order_id', '=', delivery.key).execute()
                      : trx.insertInto('effects').values({ order_id: delivery.key, applied: 1 }).execute());
                  });
                  outcomes.push(outcome);
                },
              }),
            );

            // The restarted service: a new relay, which waits out the dead one's lease.
            const relayBus = await busUnderTest.open();
            stops.push(() => relayBus.close());
            const relay = startRelay(store, relayBus.publisher, { pollIntervalMs: 50 });
            stops.push(() => relay.stop());

            const expected = crashAt === 'after-commit' ? ['handled'] : ['handled', 'duplicate'];
            await eventually(() => assert.deepEqual(outcomes, expected), { within: 20_000, what: `deliveries handled as ${expected.join(', ')}` });
            await eventually(async () => assert.equal(await relay.backlog(), 0), { what: 'the outbox to empty' });
            const effect = await store.db.selectFrom('effects').select('applied').where('order_id', '=', orderId).executeTakeFirstOrThrow();
            assert.equal(Number(effect.applied), 1, 'the effect was applied exactly once');
          } finally {
            await Promise.all(consumers.map((consumer) => consumer.stop()));
            for (const stop of stops.reverse()) await stop();
            await store.close();
            await database.drop();
            await busUnderTest.cleanup([topic]);
          }
        });
      }
    });
  }
}
