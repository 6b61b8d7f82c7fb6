import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { eventually, needs } from '@eventide/testing';
import type { Consumer } from '@eventide/messaging';
import { openStore } from '@eventide/store';
import type { Store } from '@eventide/store';
import { testEngines } from '@eventide/store/testing';
import { handleOnce, preparePlatformTables, startRelay, unitOfWork } from '@eventide/outbox';
import { message } from './support/messages.ts';
import { busTargets } from './support/targets.ts';

const effectsTable = {
  '001_effects': {
    up: async (db: Parameters<Parameters<Store['transaction']>[0]>[0]) => {
      await db.schema
        .createTable('effects')
        .addColumn('event_id', 'varchar(100)', (c) => c.primaryKey())
        .addColumn('aggregate', 'varchar(100)', (c) => c.notNull())
        .addColumn('n', 'integer', (c) => c.notNull())
        .execute();
    },
  },
};

const events = 300;
const keys = 4;

for (const engine of testEngines) {
  for (const bus of busTargets) {
    const infra = [...(engine.infra ? [engine.infra] : []), ...(bus.infra ? [bus.infra] : [])];
    describe(`${engine.tag}${bus.tag}outbox to the ${bus.name} on ${engine.name}`, await needs(...infra), () => {
      it(`delivers ${events} events over ${keys} keys in per-key order, each applied once by a handleOnce consumer`, async () => {
        const database = await engine.create();
        const busUnderTest = await bus.create();
        const topic = `outbox.orders.${randomUUID().slice(0, 8)}`;
        const store = await openStore(database.url);
        const producerBus = await busUnderTest.open();
        const relay = startRelay(store, producerBus.publisher);
        let consumer: Consumer | undefined;
        try {
          await preparePlatformTables(store);
          await store.migrate(effectsTable);
          await producerBus.ensureTopics([topic]);
          const seenByKey = new Map<string, number[]>();
          consumer = await producerBus.subscribe({
            group: `billing-${topic}`,
            topics: [topic],
            handle: async (delivery) => {
              const n = (delivery.envelope.payload as { n: number }).n;
              seenByKey.set(delivery.key, [...(seenByKey.get(delivery.key) ?? []), n]);
              await handleOnce(store, 'billing', delivery.envelope, async (trx) => {
                await trx.insertInto('effects').values({ event_id: delivery.envelope.id, aggregate: delivery.key, n }).execute();
              });
            },
          });
          const uow = unitOfWork(store, relay);
          for (let n = 0; n < events; n += 1) await uow.run(async (_trx, emit) => emit([message(topic, `order-${n % keys}`, { n })]));

          await eventually(
            async () => {
              const { count } = await store.db.selectFrom('effects').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
              assert.equal(Number(count), events);
            },
            { within: 20_000, what: `${events} effects` },
          );
          for (const [key, seen] of seenByKey) {
            assert.deepEqual(seen, seen.toSorted((a, b) => a - b), `per-key order of ${key}`);
          }
          assert.equal(await relay.backlog(), 0);
        } finally {
          await consumer?.stop();
          await relay.stop();
          await producerBus.close();
          await store.close();
          await database.drop();
          await busUnderTest.cleanup([topic]);
        }
      });
    });
  }
}
